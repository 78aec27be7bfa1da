/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-random.c - random bytes, numbers and tokens for secrets and ports, from getrandom(2) */
#include "vl-random.h"

#include "vl-error.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

gboolean
vl_random_bytes(void *buf, gsize len, GError **error)
{
    guint8 *p = buf;

    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0) {
            int e = errno;
            if (e == EINTR)
                continue;
            g_set_error(error, VL_ERROR, VL_ERROR_IO, "getrandom: %s", g_strerror(e));
            return FALSE;
        }
        p += n;
        len -= (gsize)n;
    }
    return TRUE;
}

gboolean
vl_random_below(guint32 bound, guint32 *out, GError **error)
{
    /* The largest multiple of @bound that fits: values at or above it would favour small ones. */
    guint32 limit;

    g_return_val_if_fail(bound > 0, FALSE);
    limit = G_MAXUINT32 - (G_MAXUINT32 % bound);
    for (;;) {
        guint32 v;
        if (!vl_random_bytes(&v, sizeof(v), error))
            return FALSE;
        if (v < limit) {
            *out = v % bound;
            return TRUE;
        }
    }
}

char *
vl_random_token(const char *alphabet, gsize len, GError **error)
{
    gsize n = strlen(alphabet);
    g_autofree char *token = g_malloc0(len + 1);

    g_return_val_if_fail(n >= 2 && n <= 256, NULL);
    for (gsize i = 0; i < len; i++) {
        guint32 k;
        if (!vl_random_below((guint32)n, &k, error)) {
            memset(token, 0, len);
            return NULL;
        }
        token[i] = alphabet[k];
    }
    return g_steal_pointer(&token);
}
