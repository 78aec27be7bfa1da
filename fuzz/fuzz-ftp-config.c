/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-ftp-config.c - libFuzzer target: the FTP proxy's configuration loader */
#include "vl-ftp-config.h"

#include <stddef.h>
#include <stdint.h>

/*
 * The input is a proxy.json document, written to one file (made once per process) and loaded as
 * the proxy loads it at start and on SIGHUP: a configuration or an error, never a crash or leak.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *fuzz_path;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(VlFtpConfig) config = NULL;
    g_autoptr(GError) err = NULL;

    if (!fuzz_path) {
        g_autofree char *dir = g_dir_make_tmp("vmlab-fuzz-ftp-XXXXXX", NULL);
        fuzz_path = g_build_filename(dir, "proxy.json", NULL);
    }
    if (!g_file_set_contents(fuzz_path, (const char *)data, (gssize)size, NULL))
        g_error("cannot write %s", fuzz_path);
    config = vl_ftp_config_load(fuzz_path, &err);
    return 0;
}
