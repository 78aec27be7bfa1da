/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-fs.c - file system helpers: atomic writes, path expansion, state folders */
#include "vl-fs.h"

#include "vl-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

static gboolean
vl_fs_write_replace(const char *path, const char *data, gsize len, int mode, gboolean durable,
                    GError **error)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *base = g_path_get_basename(path);
    g_autofree char *tmpl = g_strdup_printf("%s/.%s.XXXXXX", dir, base);
    gsize off = 0;
    int fd;

    fd = g_mkstemp_full(tmpl, O_WRONLY | O_CLOEXEC, mode);
    if (fd < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot create a temporary file: %s", path,
                    g_strerror(e));
        return FALSE;
    }
    /* g_mkstemp_full's mode is masked by the umask; set it exactly. */
    if (fchmod(fd, (mode_t)mode) < 0)
        goto fail;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            goto fail;
        }
        off += (gsize)n;
    }
    if (durable && fsync(fd) < 0)
        goto fail;
    if (close(fd) < 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (g_rename(tmpl, path) < 0)
        goto fail;
    return TRUE;

fail : {
    int e = errno;
    if (fd >= 0)
        close(fd);
    g_unlink(tmpl);
    g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot write: %s", path, g_strerror(e));
    return FALSE;
}
}

gboolean
vl_fs_write_atomic(const char *path, const char *data, gsize len, int mode, GError **error)
{
    return vl_fs_write_replace(path, data, len, mode, TRUE, error);
}

gboolean
vl_fs_write_output(const char *path, const char *data, gsize len, int mode, GError **error)
{
    return vl_fs_write_replace(path, data, len, mode, FALSE, error);
}

char *
vl_fs_expand_path(const char *path, const char *base)
{
    g_autofree char *expanded = NULL;
    static const char home_var[] = "$VMLAB_HOME";

    if (path[0] == '~' && (path[1] == '\0' || path[1] == '/')) {
        expanded = g_build_filename(g_get_home_dir(), path + 1, NULL);
    } else if (g_str_has_prefix(path, home_var) &&
               (path[strlen(home_var)] == '\0' || path[strlen(home_var)] == '/')) {
        g_autofree char *state = vl_fs_state_dir();
        expanded = g_build_filename(state, path + strlen(home_var), NULL);
    } else
        expanded = g_strdup(path);
    return g_canonicalize_filename(expanded, base);
}

char *
vl_fs_state_dir(void)
{
    const char *env = g_getenv("VMLAB_HOME");

    if (env && *env)
        return g_canonicalize_filename(env, NULL);
    /* root's QEMU (qemu:///system) runs as another user and cannot enter /root. */
    if (geteuid() == 0)
        return g_strdup("/var/lib/vmlab");
    return g_build_filename(g_get_home_dir(), ".vmlab", NULL);
}

char *
vl_fs_lab_dir(const char *lab)
{
    g_autofree char *state = vl_fs_state_dir();

    return g_build_filename(state, "labs", lab, NULL);
}

char *
vl_fs_data_dir(const char *sub)
{
    const char *env = g_getenv("VMLAB_DATA_DIR");
    g_autofree char *exe = NULL;

    if (env && *env)
        return g_build_filename(env, sub, NULL);
    /* A binary run from the build folder uses the source tree's data. */
    exe = g_file_read_link("/proc/self/exe", NULL);
    if (exe && g_str_has_prefix(exe, VL_BUILD_ROOT "/"))
        return g_build_filename(VL_SOURCE_ROOT, sub, NULL);
    return g_build_filename(VL_PKGDATADIR, sub, NULL);
}

gboolean
vl_fs_is_readable_file(const char *path)
{
    return g_file_test(path, G_FILE_TEST_IS_REGULAR) && g_access(path, R_OK) == 0;
}
