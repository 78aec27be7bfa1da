/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-local.c - the local folder backend of the FTP proxy, with realpath jail checks */
#include "vl-ftp-local.h"

#include "vl-ftp-path.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    VlFtpFs parent;
} VlFtpLocalFs;

typedef struct {
    VlFtpFile parent;
    char *temp_path;   /* REPLACE mode: the temporary file */
    char *target_path; /* REPLACE mode: what it replaces on commit */
} VlFtpLocalFile;

static void
set_errno_error(GError **error, int err, const char *what, const char *path)
{
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "%s '%s': %s", what, path,
                g_strerror(err));
}

static gboolean
path_is_under(const char *real_root, const char *real)
{
    return vl_ftp_path_is_prefix(real_root, real);
}

char *
vl_ftp_local_resolve(const char *root, const char *rel, gboolean parent_only, GError **error)
{
    char real_root[PATH_MAX];
    char real[PATH_MAX];
    g_autofree char *full = NULL;
    g_autofree char *dir = NULL;
    g_autofree char *leaf = NULL;

    if (!realpath(root, real_root)) {
        set_errno_error(error, errno, "cannot resolve", root);
        return NULL;
    }
    if (!parent_only) {
        full = vl_ftp_path_join(root, rel);
        if (!realpath(full, real)) {
            set_errno_error(error, errno, "cannot resolve", full);
            return NULL;
        }
        if (!path_is_under(real_root, real)) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                        "'%s' resolves to '%s', outside the jail '%s'", full, real, real_root);
            return NULL;
        }
        return g_strdup(real);
    }
    if (!rel || !*rel) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    "cannot create, remove or rename the jail '%s' itself", root);
        return NULL;
    }
    leaf = g_path_get_basename(rel);
    dir = g_path_get_dirname(rel);
    if (!vl_ftp_name_is_valid(leaf)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME, "invalid name '%s'", leaf);
        return NULL;
    }
    full = vl_ftp_path_join(root, strcmp(dir, ".") == 0 ? "" : dir);
    if (!realpath(full, real)) {
        set_errno_error(error, errno, "cannot resolve", full);
        return NULL;
    }
    if (!path_is_under(real_root, real)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    "'%s' resolves to '%s', outside the jail '%s'", full, real, real_root);
        return NULL;
    }
    return vl_ftp_path_join(real, leaf);
}

static void
entry_from_stat(VlFtpEntry *out, const struct stat *st)
{
    out->is_dir = S_ISDIR(st->st_mode);
    out->size = (guint64)st->st_size;
    out->mtime = st->st_mtime;
    out->mode = st->st_mode & 07777;
}

static gboolean
local_stat(VlFtpFs *fs, const char *root, const char *rel, VlFtpEntry *out, GError **error)
{
    g_autofree char *real = vl_ftp_local_resolve(root, rel, FALSE, error);
    struct stat st;

    if (!real)
        return FALSE;
    if (stat(real, &st) < 0) {
        set_errno_error(error, errno, "cannot stat", real);
        return FALSE;
    }
    entry_from_stat(out, &st);
    return TRUE;
}

static GPtrArray *
local_list(VlFtpFs *fs, const char *root, const char *rel, GError **error)
{
    g_autofree char *real = vl_ftp_local_resolve(root, rel, FALSE, error);
    g_autoptr(GPtrArray) entries = NULL;
    DIR *dir;
    struct dirent *de;
    char real_root[PATH_MAX];

    if (!real)
        return NULL;
    if (!realpath(root, real_root)) {
        set_errno_error(error, errno, "cannot resolve", root);
        return NULL;
    }
    dir = opendir(real);
    if (!dir) {
        set_errno_error(error, errno, "cannot list", real);
        return NULL;
    }
    entries = g_ptr_array_new_with_free_func((GDestroyNotify)vl_ftp_entry_free);
    while ((de = readdir(dir))) {
        struct stat st;
        VlFtpEntry *e;

        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (S_ISLNK(st.st_mode)) {
            /* Show a link only when it leads inside the jail, with its target's details. */
            g_autofree char *link = g_build_filename(real, de->d_name, NULL);
            char target[PATH_MAX];
            if (!realpath(link, target) || !path_is_under(real_root, target) ||
                stat(target, &st) < 0)
                continue;
        }
        if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
            continue;
        e = g_new0(VlFtpEntry, 1);
        e->name = g_strdup(de->d_name);
        entry_from_stat(e, &st);
        g_ptr_array_add(entries, e);
    }
    closedir(dir);
    return g_steal_pointer(&entries);
}

static gssize
local_file_read(VlFtpFile *file, void *buf, gsize len, GError **error)
{
    for (;;) {
        gssize n = read(file->fd, buf, len);
        if (n >= 0)
            return n;
        if (errno != EINTR) {
            set_errno_error(error, errno, "cannot read", "file");
            return -1;
        }
    }
}

static gboolean
local_file_write(VlFtpFile *file, const void *buf, gsize len, GError **error)
{
    const char *p = buf;

    while (len > 0) {
        gssize n = write(file->fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            set_errno_error(error, errno, "cannot write", "file");
            return FALSE;
        }
        p += n;
        len -= (gsize)n;
    }
    return TRUE;
}

static gboolean
local_file_close(VlFtpFile *file, gboolean commit, GError **error)
{
    VlFtpLocalFile *self = (VlFtpLocalFile *)file;
    gboolean ok = TRUE;

    if (self->temp_path) {
        if (commit && fsync(file->fd) < 0) {
            set_errno_error(error, errno, "cannot flush", self->temp_path);
            ok = commit = FALSE;
        }
    }
    if (close(file->fd) < 0 && ok && self->temp_path && commit) {
        set_errno_error(error, errno, "cannot close", self->temp_path);
        ok = commit = FALSE;
    }
    if (self->temp_path) {
        if (commit && rename(self->temp_path, self->target_path) < 0) {
            set_errno_error(error, errno, "cannot rename into", self->target_path);
            ok = commit = FALSE;
        }
        if (!commit)
            (void)unlink(self->temp_path);
    }
    g_free(self->temp_path);
    g_free(self->target_path);
    g_free(self);
    return ok;
}

static const VlFtpFileOps local_file_ops = {
    .read = local_file_read,
    .write = local_file_write,
    .close = local_file_close,
};

static VlFtpFile *
local_file_new(int fd)
{
    VlFtpLocalFile *f = g_new0(VlFtpLocalFile, 1);

    f->parent.ops = &local_file_ops;
    f->parent.fd = fd;
    return &f->parent;
}

static VlFtpFile *
local_open_read(VlFtpFs *fs, const char *root, const char *rel, guint64 offset, GError **error)
{
    g_autofree char *real = vl_ftp_local_resolve(root, rel, FALSE, error);
    struct stat st;
    int fd;

    if (!real)
        return NULL;
    fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        set_errno_error(error, errno, "cannot open", real);
        return NULL;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY, "'%s' is not a regular file", real);
        close(fd);
        return NULL;
    }
    if (offset > 0 && lseek(fd, (off_t)offset, SEEK_SET) < 0) {
        set_errno_error(error, errno, "cannot seek in", real);
        close(fd);
        return NULL;
    }
    return local_file_new(fd);
}

static VlFtpFile *
local_open_write(VlFtpFs *fs, const char *root, const char *rel, VlFtpWriteMode mode,
                 guint64 offset, GError **error)
{
    g_autofree char *target = vl_ftp_local_resolve(root, rel, TRUE, error);
    g_autofree char *real = NULL;
    g_autofree char *temp = NULL;
    g_autofree char *base = NULL;
    g_autofree char *dir = NULL;
    VlFtpLocalFile *f;
    struct stat st;
    int fd;

    if (!target)
        return NULL;
    if (stat(target, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY, "'%s' is a folder", target);
            return NULL;
        }
        /* An existing entry (maybe a link): its real location must be in the jail too. */
        real = vl_ftp_local_resolve(root, rel, FALSE, error);
        if (!real)
            return NULL;
    }
    if (mode != VL_FTP_WRITE_REPLACE) {
        int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW;
        if (mode == VL_FTP_WRITE_APPEND)
            flags |= O_APPEND;
        fd = open(real ? real : target, flags, 0644);
        if (fd < 0) {
            set_errno_error(error, errno, "cannot open", target);
            return NULL;
        }
        if (mode == VL_FTP_WRITE_AT && lseek(fd, (off_t)offset, SEEK_SET) < 0) {
            set_errno_error(error, errno, "cannot seek in", target);
            close(fd);
            return NULL;
        }
        return local_file_new(fd);
    }
    dir = g_path_get_dirname(target);
    base = g_path_get_basename(target);
    temp = g_strdup_printf("%s/.%s.vlftp-XXXXXX", dir, base);
    fd = g_mkstemp_full(temp, O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) {
        set_errno_error(error, errno, "cannot create a temporary file in", dir);
        return NULL;
    }
    (void)fchmod(fd, 0644);
    f = (VlFtpLocalFile *)local_file_new(fd);
    f->temp_path = g_steal_pointer(&temp);
    f->target_path = real ? g_steal_pointer(&real) : g_steal_pointer(&target);
    return &f->parent;
}

static gboolean
local_make_dir(VlFtpFs *fs, const char *root, const char *rel, GError **error)
{
    g_autofree char *target = vl_ftp_local_resolve(root, rel, TRUE, error);

    if (!target)
        return FALSE;
    if (mkdir(target, 0755) < 0) {
        set_errno_error(error, errno, "cannot create folder", target);
        return FALSE;
    }
    return TRUE;
}

static gboolean
local_make_root(VlFtpFs *fs, const char *root, GError **error)
{
    if (g_mkdir_with_parents(root, 0755) < 0) {
        set_errno_error(error, errno, "cannot create folder", root);
        return FALSE;
    }
    return TRUE;
}

static gboolean
local_remove(VlFtpFs *fs, const char *root, const char *rel, gboolean is_dir, GError **error)
{
    g_autofree char *target = vl_ftp_local_resolve(root, rel, TRUE, error);
    struct stat st;

    if (!target)
        return FALSE;
    if (is_dir) {
        if (rmdir(target) < 0) {
            set_errno_error(error, errno, "cannot remove folder", target);
            return FALSE;
        }
        return TRUE;
    }
    if (lstat(target, &st) == 0 && S_ISDIR(st.st_mode)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY, "'%s' is a folder", target);
        return FALSE;
    }
    if (unlink(target) < 0) {
        set_errno_error(error, errno, "cannot remove", target);
        return FALSE;
    }
    return TRUE;
}

static gboolean
local_rename(VlFtpFs *fs, const char *from_root, const char *from_rel, const char *to_root,
             const char *to_rel, GError **error)
{
    g_autofree char *from = vl_ftp_local_resolve(from_root, from_rel, TRUE, error);
    g_autofree char *to = NULL;

    if (!from)
        return FALSE;
    to = vl_ftp_local_resolve(to_root, to_rel, TRUE, error);
    if (!to)
        return FALSE;
    if (rename(from, to) < 0) {
        set_errno_error(error, errno, "cannot rename", from);
        return FALSE;
    }
    return TRUE;
}

static void
local_free(VlFtpFs *fs)
{
    g_free(fs);
}

static const VlFtpFsOps local_ops = {
    .stat = local_stat,
    .list = local_list,
    .open_read = local_open_read,
    .open_write = local_open_write,
    .make_dir = local_make_dir,
    .make_root = local_make_root,
    .remove = local_remove,
    .rename = local_rename,
    .free = local_free,
};

VlFtpFs *
vl_ftp_local_fs_open(const VlFtpBackend *backend, GError **error)
{
    VlFtpLocalFs *fs = g_new0(VlFtpLocalFs, 1);

    fs->parent.ops = &local_ops;
    fs->parent.backend = backend;
    return &fs->parent;
}
