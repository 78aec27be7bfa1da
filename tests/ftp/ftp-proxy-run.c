/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ftp-proxy-run.c - test-only launcher of vl_cmd_ftp_proxy(), independent of the main CLI */
#include "vl-error.h"
#include "vl-ftp-cmd.h"

#include <stdio.h>

int
main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;

    argv[0] = (char *)"ftp-proxy";
    if (!vl_cmd_ftp_proxy(argc, argv, &error)) {
        fprintf(stderr, "vmlab-virt ftp-proxy: %s\n", error ? error->message : "failed");
        return vl_error_exit_code(error) ? vl_error_exit_code(error) : 1;
    }
    return 0;
}
