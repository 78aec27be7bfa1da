/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-ftp-path.c - libFuzzer target: FTP path arguments, the lexical resolver, PORT/EPRT */
#include "vl-ftp-data.h"
#include "vl-ftp-path.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * The input is "CWD\0ARG\0ADDR": a session's working folder, a command's path argument and a
 * PORT/EPRT argument, as a client sends them. A resolved path must be absolute and free of "."
 * and ".." components whatever the input; anything else is a bug, reported as a crash.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check_resolved(const char *path)
{
    g_auto(GStrv) parts = g_strsplit(path, "/", -1);

    if (path[0] != '/')
        __builtin_trap();
    for (guint i = 0; parts[i]; i++)
        if (g_str_equal(parts[i], ".") || g_str_equal(parts[i], ".."))
            __builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *copy = g_malloc(size + 1);
    const char *fields[3] = {NULL, "", ""};
    guint f = 0;

    memcpy(copy, data, size);
    copy[size] = '\0';
    fields[0] = copy;
    for (size_t i = 0; i < size && f < 2; i++)
        if (copy[i] == '\0')
            fields[++f] = copy + i + 1;

    if (vl_ftp_path_check_arg(fields[0], NULL) && vl_ftp_path_check_arg(fields[1], NULL)) {
        g_autofree char *cwd = vl_ftp_path_resolve("/", fields[0], NULL);
        g_autofree char *resolved = cwd ? vl_ftp_path_resolve(cwd, fields[1], NULL) : NULL;

        if (cwd)
            fuzz_check_resolved(cwd);
        if (resolved)
            fuzz_check_resolved(resolved);
    }
    {
        g_autoptr(GInetAddress) local = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
        g_autoptr(GInetAddress) peer = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
        g_autoptr(VlFtpData) d = vl_ftp_data_new(local, peer, 0, 0, 1);

        (void)vl_ftp_data_set_active(d, fields[2], FALSE, NULL);
        (void)vl_ftp_data_set_active(d, fields[2], TRUE, NULL);
    }
    return 0;
}
