/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lsan-leak.c - leaks one g_malloc block on purpose, so the sanitizer build can show it sees it */
#include <glib.h>

int
main(void)
{
    volatile char *p = g_strdup("vmlab-virt leaks this string on purpose");

    p = NULL;
    (void)p;
    return 0;
}
