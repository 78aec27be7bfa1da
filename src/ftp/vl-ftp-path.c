/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-path.c - FTP path arguments: safety checks and lexical resolution inside "/" */
#include "vl-ftp-path.h"

#include <gio/gio.h>
#include <string.h>

gboolean
vl_ftp_path_check_arg(const char *arg, GError **error)
{
    for (const char *p = arg; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == 0x7f) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                        "control character 0x%02x in path", c);
            return FALSE;
        }
        if (c == '\\') {
            g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                                "backslash in path");
            return FALSE;
        }
    }
    if (!g_utf8_validate(arg, -1, NULL)) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                            "path is not valid UTF-8");
        return FALSE;
    }
    return TRUE;
}

char *
vl_ftp_path_resolve(const char *cwd, const char *arg, GError **error)
{
    g_autoptr(GPtrArray) parts = g_ptr_array_new();
    g_auto(GStrv) cwd_parts = NULL;
    g_auto(GStrv) arg_parts = NULL;
    GString *out;

    if (arg && !vl_ftp_path_check_arg(arg, error))
        return NULL;
    if (!arg || !*arg)
        arg = ".";
    if (arg[0] != '/') {
        cwd_parts = g_strsplit(cwd, "/", -1);
        for (guint i = 0; cwd_parts[i]; i++) {
            if (cwd_parts[i][0] && strcmp(cwd_parts[i], ".") != 0 &&
                strcmp(cwd_parts[i], "..") != 0)
                g_ptr_array_add(parts, cwd_parts[i]);
        }
    }
    arg_parts = g_strsplit(arg, "/", -1);
    for (guint i = 0; arg_parts[i]; i++) {
        const char *c = arg_parts[i];
        if (!*c || strcmp(c, ".") == 0)
            continue;
        if (strcmp(c, "..") == 0) {
            if (parts->len > 0)
                g_ptr_array_remove_index(parts, parts->len - 1);
            continue;
        }
        g_ptr_array_add(parts, (gpointer)c);
    }
    out = g_string_new(NULL);
    for (guint i = 0; i < parts->len; i++) {
        g_string_append_c(out, '/');
        g_string_append(out, parts->pdata[i]);
    }
    if (out->len == 0)
        g_string_append_c(out, '/');
    return g_string_free(out, FALSE);
}

gboolean
vl_ftp_path_is_prefix(const char *prefix, const char *path)
{
    gsize n = strlen(prefix);

    if (strcmp(prefix, "/") == 0)
        return path[0] == '/';
    if (strncmp(prefix, path, n) != 0)
        return FALSE;
    return path[n] == '\0' || path[n] == '/';
}

const char *
vl_ftp_path_below(const char *prefix, const char *path)
{
    const char *rest = path + (strcmp(prefix, "/") == 0 ? 0 : strlen(prefix));

    while (*rest == '/')
        rest++;
    return rest;
}

char *
vl_ftp_path_join(const char *base, const char *rel)
{
    gsize n = strlen(base);

    if (!rel || !*rel)
        return g_strdup(base);
    while (n > 1 && base[n - 1] == '/')
        n--;
    if (n == 1 && base[0] == '/')
        return g_strconcat("/", rel, NULL);
    return g_strdup_printf("%.*s/%s", (int)n, base, rel);
}
