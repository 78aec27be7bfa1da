/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-local.c - the local folder backend of the FTP proxy, jailed by fd (vl-ftp-jail.c) */
#include "vl-ftp-local.h"

#include "vl-ftp-jail.h"
#include "vl-ftp-path.h"
#include "vl-random.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    VlFtpFs parent;
} VlFtpLocalFs;

typedef struct {
    VlFtpFile parent;
    int dir_fd;      /* REPLACE mode: the folder of the upload, or -1 */
    char *temp_name; /* REPLACE mode: the temporary file in it */
    char *leaf;      /* REPLACE mode: the name it replaces on commit */
} VlFtpLocalFile;

static void
set_errno_error(GError **error, int err, const char *what, const char *path)
{
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "%s '%s': %s", what, path,
                g_strerror(err));
}

/* Return: "@root/@rel" for messages. */
static char *
local_display(const char *root, const char *rel)
{
    return rel && *rel ? vl_ftp_path_join(root, rel) : g_strdup(root);
}

/* Return: an O_PATH fd of the jail folder @root (a trusted path from the config), or -1. */
static int
local_root_open(const char *root, GError **error)
{
    int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0)
        set_errno_error(error, errno, "cannot open", root);
    return fd;
}

/*
 * Opens @rel inside the jail @root with @flags (see vl_ftp_jail_open). A jail that is a file
 * (a rule for one file) has only itself: @rel "" opens it.
 * Return: the fd, or -1 with an error.
 */
static int
local_open_in(const char *root, const char *rel, int flags, GError **error)
{
    g_autofree char *shown = local_display(root, rel);
    struct stat st;
    int root_fd;
    int fd;

    if (!*rel && stat(root, &st) == 0 && !S_ISDIR(st.st_mode)) {
        fd = open(root, flags | O_CLOEXEC);
        if (fd < 0)
            set_errno_error(error, errno, "cannot open", root);
        return fd;
    }
    root_fd = local_root_open(root, error);
    if (root_fd < 0)
        return -1;
    fd = vl_ftp_jail_open(root_fd, rel, flags);
    close(root_fd);
    if (fd < 0) {
        set_errno_error(error, -fd, "cannot open", shown);
        return -1;
    }
    return fd;
}

/*
 * Opens the folder holding @rel's last component inside the jail @root; *@leaf is that component.
 * Return: an O_PATH fd, or -1 with an error (refusing the jail itself and invalid names).
 */
static int
local_open_parent(const char *root, const char *rel, const char **leaf, GError **error)
{
    g_autofree char *shown = local_display(root, rel);
    int root_fd;
    int fd;

    if (!rel || !*rel) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    "cannot create, remove or rename the jail '%s' itself", root);
        return -1;
    }
    root_fd = local_root_open(root, error);
    if (root_fd < 0)
        return -1;
    fd = vl_ftp_jail_open_parent(root_fd, rel, leaf);
    close(root_fd);
    if (fd < 0) {
        set_errno_error(error, -fd, "cannot open the folder of", shown);
        return -1;
    }
    if (!vl_ftp_name_is_valid(*leaf)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME, "invalid name '%s'", *leaf);
        close(fd);
        return -1;
    }
    return fd;
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
    int fd = local_open_in(root, rel, O_PATH, error);
    struct stat st;
    int e;

    if (fd < 0)
        return FALSE;
    e = fstat(fd, &st) < 0 ? errno : 0;
    close(fd);
    if (e) {
        g_autofree char *shown = local_display(root, rel);
        set_errno_error(error, e, "cannot stat", shown);
        return FALSE;
    }
    entry_from_stat(out, &st);
    return TRUE;
}

static GPtrArray *
local_list(VlFtpFs *fs, const char *root, const char *rel, GError **error)
{
    g_autoptr(GPtrArray) entries = NULL;
    g_autofree char *shown = local_display(root, rel);
    DIR *dir;
    struct dirent *de;
    int root_fd;
    int fd;

    fd = local_open_in(root, rel, O_RDONLY | O_DIRECTORY, error);
    if (fd < 0)
        return NULL;
    root_fd = local_root_open(root, error);
    if (root_fd < 0 || !(dir = fdopendir(fd))) {
        if (root_fd >= 0)
            set_errno_error(error, errno, "cannot list", shown);
        close(fd);
        if (root_fd >= 0)
            close(root_fd);
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
            /* A link shows its target's details when it resolves inside the jail. */
            g_autofree char *link =
                *rel ? g_build_filename(rel, de->d_name, NULL) : g_strdup(de->d_name);
            int lfd = vl_ftp_jail_open(root_fd, link, O_PATH);
            gboolean ok = lfd >= 0 && fstat(lfd, &st) == 0;
            if (lfd >= 0)
                close(lfd);
            if (!ok)
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
    close(root_fd);
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

    if (self->temp_name) {
        if (commit && fsync(file->fd) < 0) {
            set_errno_error(error, errno, "cannot flush", self->temp_name);
            ok = commit = FALSE;
        }
    }
    if (close(file->fd) < 0 && ok && self->temp_name && commit) {
        set_errno_error(error, errno, "cannot close", self->temp_name);
        ok = commit = FALSE;
    }
    if (self->temp_name) {
        /* In the folder the upload started in, whatever its path leads to by now. */
        if (commit && renameat(self->dir_fd, self->temp_name, self->dir_fd, self->leaf) < 0) {
            set_errno_error(error, errno, "cannot rename into", self->leaf);
            ok = commit = FALSE;
        }
        if (!commit)
            (void)unlinkat(self->dir_fd, self->temp_name, 0);
        close(self->dir_fd);
    }
    g_free(self->temp_name);
    g_free(self->leaf);
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
    f->dir_fd = -1;
    return &f->parent;
}

static VlFtpFile *
local_open_read(VlFtpFs *fs, const char *root, const char *rel, guint64 offset, GError **error)
{
    g_autofree char *shown = local_display(root, rel);
    int fd = local_open_in(root, rel, O_RDONLY, error);
    struct stat st;

    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY, "'%s' is not a regular file",
                    shown);
        close(fd);
        return NULL;
    }
    if (offset > 0 && lseek(fd, (off_t)offset, SEEK_SET) < 0) {
        set_errno_error(error, errno, "cannot seek in", shown);
        close(fd);
        return NULL;
    }
    return local_file_new(fd);
}

/* Return: a new temporary file ".<leaf>.vlftp-XXXXXX" in @dir_fd, its name in *@name; or -1. */
static int
local_temp_create(int dir_fd, const char *leaf, char **name, GError **error)
{
    static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    for (int tries = 0; tries < 16; tries++) {
        g_autofree char *suffix = vl_random_token(chars, 6, error);
        g_autofree char *temp = NULL;
        int fd;

        if (!suffix)
            return -1;
        temp = g_strdup_printf(".%s.vlftp-%s", leaf, suffix);
        fd = openat(dir_fd, temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd >= 0) {
            (void)fchmod(fd, 0644);
            *name = g_steal_pointer(&temp);
            return fd;
        }
        if (errno != EEXIST) {
            set_errno_error(error, errno, "cannot create a temporary file for", leaf);
            return -1;
        }
    }
    set_errno_error(error, EEXIST, "cannot create a temporary file for", leaf);
    return -1;
}

static VlFtpFile *
local_open_write(VlFtpFs *fs, const char *root, const char *rel, VlFtpWriteMode mode,
                 guint64 offset, GError **error)
{
    g_autofree char *shown = local_display(root, rel);
    g_autofree char *temp = NULL;
    const char *leaf = NULL;
    VlFtpLocalFile *f;
    struct stat st;
    int dir_fd;
    int fd;

    dir_fd = local_open_parent(root, rel, &leaf, error);
    if (dir_fd < 0)
        return NULL;
    if (fstatat(dir_fd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode)) {
            /* Uploads never write through a link, wherever it leads. */
            g_set_error(error, G_IO_ERROR,
                        S_ISDIR(st.st_mode) ? G_IO_ERROR_IS_DIRECTORY
                                            : G_IO_ERROR_PERMISSION_DENIED,
                        "'%s' is a %s", shown, S_ISDIR(st.st_mode) ? "folder" : "symbolic link");
            close(dir_fd);
            return NULL;
        }
    }
    if (mode != VL_FTP_WRITE_REPLACE) {
        int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW;
        if (mode == VL_FTP_WRITE_APPEND)
            flags |= O_APPEND;
        fd = openat(dir_fd, leaf, flags, 0644);
        if (fd < 0)
            set_errno_error(error, errno, "cannot open", shown);
        close(dir_fd);
        if (fd < 0)
            return NULL;
        if (mode == VL_FTP_WRITE_AT && lseek(fd, (off_t)offset, SEEK_SET) < 0) {
            set_errno_error(error, errno, "cannot seek in", shown);
            close(fd);
            return NULL;
        }
        return local_file_new(fd);
    }
    fd = local_temp_create(dir_fd, leaf, &temp, error);
    if (fd < 0) {
        close(dir_fd);
        return NULL;
    }
    f = (VlFtpLocalFile *)local_file_new(fd);
    f->dir_fd = dir_fd;
    f->temp_name = g_steal_pointer(&temp);
    f->leaf = g_strdup(leaf);
    return &f->parent;
}

static gboolean
local_make_dir(VlFtpFs *fs, const char *root, const char *rel, GError **error)
{
    const char *leaf = NULL;
    int dir_fd = local_open_parent(root, rel, &leaf, error);
    int e;

    if (dir_fd < 0)
        return FALSE;
    e = mkdirat(dir_fd, leaf, 0755) < 0 ? errno : 0;
    close(dir_fd);
    if (e) {
        g_autofree char *shown = local_display(root, rel);
        set_errno_error(error, e, "cannot create folder", shown);
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
    g_autofree char *shown = local_display(root, rel);
    const char *leaf = NULL;
    int dir_fd = local_open_parent(root, rel, &leaf, error);
    struct stat st;
    int e = 0;

    if (dir_fd < 0)
        return FALSE;
    if (!is_dir && fstatat(dir_fd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY, "'%s' is a folder", shown);
        close(dir_fd);
        return FALSE;
    }
    if (unlinkat(dir_fd, leaf, is_dir ? AT_REMOVEDIR : 0) < 0)
        e = errno;
    close(dir_fd);
    if (e) {
        set_errno_error(error, e, is_dir ? "cannot remove folder" : "cannot remove", shown);
        return FALSE;
    }
    return TRUE;
}

static gboolean
local_rename(VlFtpFs *fs, const char *from_root, const char *from_rel, const char *to_root,
             const char *to_rel, GError **error)
{
    g_autofree char *shown = local_display(from_root, from_rel);
    const char *from_leaf = NULL;
    const char *to_leaf = NULL;
    int from_fd = local_open_parent(from_root, from_rel, &from_leaf, error);
    int to_fd;
    int e = 0;

    if (from_fd < 0)
        return FALSE;
    to_fd = local_open_parent(to_root, to_rel, &to_leaf, error);
    if (to_fd < 0) {
        close(from_fd);
        return FALSE;
    }
    if (renameat(from_fd, from_leaf, to_fd, to_leaf) < 0)
        e = errno;
    close(from_fd);
    close(to_fd);
    if (e) {
        set_errno_error(error, e, "cannot rename", shown);
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
