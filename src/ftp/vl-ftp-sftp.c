/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-sftp.c - the SFTP backend of the FTP proxy: file operations on pooled connections */
#include "vl-ftp-sftp.h"

#include "vl-ftp-path.h"
#include "vl-ftp-sftp-pool.h"

#include <string.h>

/*
 * Each FTP session that uses an SFTP backend owns one VlFtpSftpFs, used only by that session's
 * thread. It leases a connection from the backend's pool (vl-ftp-sftp-pool.c) on first use and
 * keeps it; other sessions may share that connection, each with its own SFTP handles. Every
 * operation runs with the connection's mutex held (the SftpGuard below), so libssh2 sees one
 * thread at a time per session; an open file takes the mutex again for each read or write.
 * libssh2 runs in blocking mode (with libssh2_session_set_timeout so a stalled server cannot
 * hang a session); the main loop never calls into libssh2.
 *
 * After a connection-level failure the connection is marked broken: files open on it fail
 * (426/451), and the next operation of any of its sessions leases another one, so the sessions
 * stay usable. An operation whose first request finds its connection dead (the server dropped
 * it) is retried once on another connection before anything was changed.
 *
 * Jail: every path is resolved with SFTP realpath on the server (which follows symlinks) and
 * must stay at or below the real path of the rule's target.
 */

#define SFTP_PATH_MAX 4096

/* A leased connection and, while it is locked and sound, its SFTP channel. */
typedef struct {
    VlFtpSftpConn *conn;
    LIBSSH2_SFTP *sftp; /* NULL when unlocked or after a session-level failure */
} SftpLink;

typedef struct {
    VlFtpFs parent;
    SftpLink l; /* conn: the lease, NULL until first use and after it broke */
    gboolean locked;
} VlFtpSftpFs;

typedef struct {
    VlFtpFile parent;
    SftpLink l; /* conn: a reference; the handle lives on its channel */
    LIBSSH2_SFTP_HANDLE *handle;
    char *temp_path;   /* REPLACE mode */
    char *target_path; /* REPLACE mode */
} VlFtpSftpFile;

/* Return: TRUE with @fs's connection locked, leasing a new one if it has none or it broke. */
static gboolean
sftp_lock(VlFtpSftpFs *fs, GError **error)
{
    for (int i = 0; i < 2; i++) {
        if (!fs->l.conn) {
            fs->l.conn = vl_ftp_sftp_pool_acquire(fs->parent.backend->sftp_pool, error);
            if (!fs->l.conn)
                return FALSE;
        }
        fs->l.sftp = vl_ftp_sftp_conn_lock(fs->l.conn);
        fs->locked = TRUE;
        if (fs->l.sftp)
            return TRUE;
        fs->locked = FALSE;
        vl_ftp_sftp_conn_unlock(fs->l.conn);
        g_clear_pointer(&fs->l.conn, vl_ftp_sftp_conn_release);
    }
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "sftp %s:%u: connection lost",
                fs->parent.backend->host, fs->parent.backend->port);
    return FALSE;
}

static void
sftp_unlock(VlFtpSftpFs *fs)
{
    if (!fs->locked)
        return;
    vl_ftp_sftp_conn_unlock(fs->l.conn);
    fs->l.sftp = NULL;
    fs->locked = FALSE;
}

/* g_auto(SftpGuard) guard = sftp_lock(fs, error) ? fs : NULL: unlocks at the end of scope. */
typedef VlFtpSftpFs *SftpGuard;
G_DEFINE_AUTO_CLEANUP_FREE_FUNC(SftpGuard, sftp_unlock, NULL)

/* Return: TRUE if @l's connection broke during the last call. */
static gboolean
link_broken(const SftpLink *l)
{
    return !l->sftp;
}

/*
 * Sets @error after a failed libssh2 call returning @rc: an SFTP status becomes the matching
 * G_IO_ERROR code; a session-level failure marks the connection broken (its sessions lease
 * another one on next use).
 */
static void
set_sftp_error(SftpLink *l, int rc, GError **error, const char *what, const char *path)
{
    unsigned long fx;
    GIOErrorEnum code;

    if (rc != LIBSSH2_ERROR_SFTP_PROTOCOL || !l->sftp) {
        g_autofree char *w = g_strdup_printf("%s '%s'", what, path);
        vl_ftp_sftp_conn_set_ssh_error(l->conn, error, w);
        vl_ftp_sftp_conn_set_broken(l->conn);
        l->sftp = NULL;
        return;
    }
    fx = libssh2_sftp_last_error(l->sftp);
    switch (fx) {
    case LIBSSH2_FX_NO_SUCH_FILE:
    case LIBSSH2_FX_NO_SUCH_PATH:
        code = G_IO_ERROR_NOT_FOUND;
        break;
    case LIBSSH2_FX_PERMISSION_DENIED:
    case LIBSSH2_FX_WRITE_PROTECT:
        code = G_IO_ERROR_PERMISSION_DENIED;
        break;
    case LIBSSH2_FX_FILE_ALREADY_EXISTS:
        code = G_IO_ERROR_EXISTS;
        break;
    case LIBSSH2_FX_DIR_NOT_EMPTY:
        code = G_IO_ERROR_NOT_EMPTY;
        break;
    case LIBSSH2_FX_NOT_A_DIRECTORY:
        code = G_IO_ERROR_NOT_DIRECTORY;
        break;
    case LIBSSH2_FX_INVALID_FILENAME:
        code = G_IO_ERROR_INVALID_FILENAME;
        break;
    case LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM:
    case LIBSSH2_FX_QUOTA_EXCEEDED:
        code = G_IO_ERROR_NO_SPACE;
        break;
    case LIBSSH2_FX_NO_CONNECTION:
    case LIBSSH2_FX_CONNECTION_LOST:
        code = G_IO_ERROR_CONNECTION_CLOSED;
        break;
    default:
        code = G_IO_ERROR_FAILED;
        break;
    }
    g_set_error(error, G_IO_ERROR, code, "sftp %s '%s': SFTP status %lu", what, path, fx);
}

/* Sets @error after a failed call returning a NULL handle (its code is the session's). */
static void
set_handle_error(SftpLink *l, GError **error, const char *what, const char *path)
{
    LIBSSH2_SESSION *ssh = vl_ftp_sftp_conn_get_session(l->conn);

    set_sftp_error(l, libssh2_session_last_errno(ssh), error, what, path);
}

/* Return: (transfer full): the server's real path of @path, or NULL with an error. */
static char *
sftp_realpath(SftpLink *l, const char *path, GError **error)
{
    char buf[SFTP_PATH_MAX];
    int rc = libssh2_sftp_symlink_ex(l->sftp, path, (unsigned)strlen(path), buf, sizeof(buf) - 1,
                                     LIBSSH2_SFTP_REALPATH);

    if (rc < 0) {
        set_sftp_error(l, rc, error, "realpath", path);
        return NULL;
    }
    buf[rc] = '\0';
    return g_strdup(buf);
}

/*
 * As vl_ftp_local_resolve(), through SFTP realpath, with @fs locked. If the first request finds
 * the connection dead, @fs is locked again on another connection and it is tried once more.
 * Return: (transfer full): the real path, or NULL with an error (@fs may be unlocked then).
 */
static char *
sftp_resolve(VlFtpSftpFs *fs, const char *root, const char *rel, gboolean parent_only,
             GError **error)
{
    g_autofree char *real_root = NULL;
    g_autofree char *full = NULL;
    g_autofree char *real = NULL;
    g_autofree char *leaf = NULL;
    g_autofree char *dir = NULL;

    real_root = sftp_realpath(&fs->l, root, error);
    if (!real_root && link_broken(&fs->l)) {
        /* Nothing was changed yet: the server may have dropped an idle connection. */
        g_clear_error(error);
        sftp_unlock(fs);
        if (!sftp_lock(fs, error))
            return NULL;
        real_root = sftp_realpath(&fs->l, root, error);
    }
    if (!real_root)
        return NULL;
    if (parent_only) {
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
    } else {
        full = vl_ftp_path_join(root, rel);
    }
    real = sftp_realpath(&fs->l, full, error);
    if (!real)
        return NULL;
    if (!vl_ftp_path_is_prefix(real_root, real)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    "'%s' resolves to '%s', outside the jail '%s'", full, real, real_root);
        return NULL;
    }
    if (parent_only)
        return vl_ftp_path_join(real, leaf);
    return g_steal_pointer(&real);
}

static void
entry_from_attrs(VlFtpEntry *out, const LIBSSH2_SFTP_ATTRIBUTES *a)
{
    out->is_dir =
        (a->flags & LIBSSH2_SFTP_ATTR_PERMISSIONS) && LIBSSH2_SFTP_S_ISDIR(a->permissions);
    out->size = (a->flags & LIBSSH2_SFTP_ATTR_SIZE) ? a->filesize : 0;
    out->mtime = (a->flags & LIBSSH2_SFTP_ATTR_ACMODTIME) ? (gint64)a->mtime : 0;
    out->mode = (a->flags & LIBSSH2_SFTP_ATTR_PERMISSIONS) ? (a->permissions & 07777) : 0644;
}

/* Return: TRUE and *@attrs filled by a stat (following links) of the real path @real. */
static gboolean
sftp_stat_real(SftpLink *l, const char *real, LIBSSH2_SFTP_ATTRIBUTES *attrs, GError **error)
{
    int rc = libssh2_sftp_stat_ex(l->sftp, real, (unsigned)strlen(real), LIBSSH2_SFTP_STAT, attrs);

    if (rc < 0) {
        set_sftp_error(l, rc, error, "stat", real);
        return FALSE;
    }
    return TRUE;
}

static gboolean
sftp_stat(VlFtpFs *base, const char *root, const char *rel, VlFtpEntry *out, GError **error)
{
    VlFtpSftpFs *fs = (VlFtpSftpFs *)base;
    g_auto(SftpGuard) guard = sftp_lock(fs, error) ? fs : NULL;
    g_autofree char *real = guard ? sftp_resolve(fs, root, rel, FALSE, error) : NULL;
    LIBSSH2_SFTP_ATTRIBUTES attrs;

    if (!real || !sftp_stat_real(&fs->l, real, &attrs, error))
        return FALSE;
    entry_from_attrs(out, &attrs);
    return TRUE;
}

static GPtrArray *
sftp_list(VlFtpFs *base, const char *root, const char *rel, GError **error)
{
    VlFtpSftpFs *fs = (VlFtpSftpFs *)base;
    g_auto(SftpGuard) guard = sftp_lock(fs, error) ? fs : NULL;
    g_autofree char *real = guard ? sftp_resolve(fs, root, rel, FALSE, error) : NULL;
    g_autofree char *real_root = NULL;
    g_autoptr(GPtrArray) entries = NULL;
    g_autoptr(GPtrArray) links = NULL;
    LIBSSH2_SFTP_HANDLE *dir;
    char name[1024];

    if (!real)
        return NULL;
    real_root = sftp_realpath(&fs->l, root, error);
    if (!real_root)
        return NULL;
    dir =
        libssh2_sftp_open_ex(fs->l.sftp, real, (unsigned)strlen(real), 0, 0, LIBSSH2_SFTP_OPENDIR);
    if (!dir) {
        set_handle_error(&fs->l, error, "opendir", real);
        return NULL;
    }
    entries = g_ptr_array_new_with_free_func((GDestroyNotify)vl_ftp_entry_free);
    links = g_ptr_array_new_with_free_func(g_free);
    for (;;) {
        LIBSSH2_SFTP_ATTRIBUTES attrs;
        VlFtpEntry *e;
        int rc = libssh2_sftp_readdir_ex(dir, name, sizeof(name), NULL, 0, &attrs);

        if (rc == 0)
            break;
        if (rc < 0) {
            set_sftp_error(&fs->l, rc, error, "readdir", real);
            if (fs->l.sftp)
                libssh2_sftp_close_handle(dir);
            return NULL;
        }
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        if ((attrs.flags & LIBSSH2_SFTP_ATTR_PERMISSIONS) &&
            LIBSSH2_SFTP_S_ISLNK(attrs.permissions)) {
            g_ptr_array_add(links, g_strdup(name));
            continue;
        }
        if (!(attrs.flags & LIBSSH2_SFTP_ATTR_PERMISSIONS) ||
            (!LIBSSH2_SFTP_S_ISREG(attrs.permissions) && !LIBSSH2_SFTP_S_ISDIR(attrs.permissions)))
            continue;
        e = g_new0(VlFtpEntry, 1);
        e->name = g_strdup(name);
        entry_from_attrs(e, &attrs);
        g_ptr_array_add(entries, e);
    }
    libssh2_sftp_close_handle(dir);
    /* A link is shown only when it leads inside the jail, with its target's details. */
    for (guint i = 0; i < links->len; i++) {
        g_autofree char *path = vl_ftp_path_join(real, links->pdata[i]);
        g_autofree char *target = NULL;
        g_autoptr(GError) err = NULL;
        LIBSSH2_SFTP_ATTRIBUTES attrs;
        VlFtpEntry *e;

        target = sftp_realpath(&fs->l, path, &err);
        if (!fs->l.sftp)
            break;
        if (!target || !vl_ftp_path_is_prefix(real_root, target) ||
            !sftp_stat_real(&fs->l, target, &attrs, &err))
            continue;
        e = g_new0(VlFtpEntry, 1);
        e->name = g_strdup(links->pdata[i]);
        entry_from_attrs(e, &attrs);
        g_ptr_array_add(entries, e);
    }
    return g_steal_pointer(&entries);
}

/* Return: TRUE with @f's connection locked, FALSE with an error when it broke. */
static gboolean
sftp_file_lock(VlFtpSftpFile *f, GError **error)
{
    f->l.sftp = vl_ftp_sftp_conn_lock(f->l.conn);
    if (f->l.sftp)
        return TRUE;
    vl_ftp_sftp_conn_unlock(f->l.conn);
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                "sftp connection lost during the transfer of '%s'",
                f->target_path ? f->target_path : "a file");
    return FALSE;
}

static void
sftp_file_unlock(VlFtpSftpFile *f)
{
    vl_ftp_sftp_conn_unlock(f->l.conn);
    f->l.sftp = NULL;
}

static gssize
sftp_file_read(VlFtpFile *base, void *buf, gsize len, GError **error)
{
    VlFtpSftpFile *f = (VlFtpSftpFile *)base;
    ssize_t n;

    if (!sftp_file_lock(f, error))
        return -1;
    n = libssh2_sftp_read(f->handle, buf, vl_ftp_sftp_conn_read_size(f->l.conn, len));
    if (n < 0)
        set_sftp_error(&f->l, (int)n, error, "read", "file");
    sftp_file_unlock(f);
    return n < 0 ? -1 : n;
}

static gboolean
sftp_file_write(VlFtpFile *base, const void *buf, gsize len, GError **error)
{
    VlFtpSftpFile *f = (VlFtpSftpFile *)base;
    const char *p = buf;

    if (!sftp_file_lock(f, error))
        return FALSE;
    while (len > 0) {
        ssize_t n = libssh2_sftp_write(f->handle, p, len);
        if (n < 0) {
            set_sftp_error(&f->l, (int)n, error, "write", f->temp_path ? f->temp_path : "file");
            sftp_file_unlock(f);
            return FALSE;
        }
        p += n;
        len -= (gsize)n;
    }
    sftp_file_unlock(f);
    return TRUE;
}

/* Renames @from over @to, replacing @to (SFTP v3 rename refuses an existing target). */
static gboolean
sftp_rename_over(SftpLink *l, const char *from, const char *to, GError **error)
{
    long flags =
        LIBSSH2_SFTP_RENAME_OVERWRITE | LIBSSH2_SFTP_RENAME_ATOMIC | LIBSSH2_SFTP_RENAME_NATIVE;
    int rc = libssh2_sftp_rename_ex(l->sftp, from, (unsigned)strlen(from), to, (unsigned)strlen(to),
                                    flags);
    LIBSSH2_SFTP_ATTRIBUTES attrs;

    if (rc == LIBSSH2_ERROR_SFTP_PROTOCOL &&
        libssh2_sftp_stat_ex(l->sftp, to, (unsigned)strlen(to), LIBSSH2_SFTP_LSTAT, &attrs) == 0 &&
        !LIBSSH2_SFTP_S_ISDIR(attrs.permissions)) {
        /* The old file goes away just before the new one takes its name: never truncated. */
        if (libssh2_sftp_unlink_ex(l->sftp, to, (unsigned)strlen(to)) == 0)
            rc = libssh2_sftp_rename_ex(l->sftp, from, (unsigned)strlen(from), to,
                                        (unsigned)strlen(to), flags);
    }
    if (rc < 0) {
        set_sftp_error(l, rc, error, "rename into", to);
        return FALSE;
    }
    return TRUE;
}

static gboolean
sftp_file_close(VlFtpFile *base, gboolean commit, GError **error)
{
    VlFtpSftpFile *f = (VlFtpSftpFile *)base;
    g_autoptr(GError) lost = NULL;
    gboolean ok = TRUE;

    if (sftp_file_lock(f, &lost)) {
        if (libssh2_sftp_close_handle(f->handle) < 0 && f->temp_path && commit) {
            set_sftp_error(&f->l,
                           libssh2_session_last_errno(vl_ftp_sftp_conn_get_session(f->l.conn)),
                           error, "close", f->temp_path);
            ok = commit = FALSE;
        }
        if (f->temp_path && f->l.sftp) {
            if (commit && !sftp_rename_over(&f->l, f->temp_path, f->target_path, error))
                ok = commit = FALSE;
            if (!commit && f->l.sftp)
                libssh2_sftp_unlink_ex(f->l.sftp, f->temp_path, (unsigned)strlen(f->temp_path));
        }
        sftp_file_unlock(f);
    } else if (f->temp_path && commit) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                    "sftp connection lost before '%s' was complete", f->target_path);
        ok = FALSE;
    }
    vl_ftp_sftp_conn_close_file(f->l.conn);
    g_free(f->temp_path);
    g_free(f->target_path);
    g_free(f);
    return ok;
}

static const VlFtpFileOps sftp_file_ops = {
    .read = sftp_file_read,
    .write = sftp_file_write,
    .close = sftp_file_close,
};

static VlFtpSftpFile *
sftp_file_new(VlFtpSftpFs *fs, LIBSSH2_SFTP_HANDLE *handle)
{
    VlFtpSftpFile *f = g_new0(VlFtpSftpFile, 1);

    f->parent.ops = &sftp_file_ops;
    f->parent.fd = -1;
    f->l.conn = vl_ftp_sftp_conn_open_file(fs->l.conn);
    f->handle = handle;
    return f;
}

/* Return: an open handle on the real path @real, or NULL with an error. */
static LIBSSH2_SFTP_HANDLE *
sftp_open_path(SftpLink *l, const char *real, unsigned long flags, GError **error)
{
    LIBSSH2_SFTP_HANDLE *h = libssh2_sftp_open_ex(l->sftp, real, (unsigned)strlen(real), flags,
                                                  0644, LIBSSH2_SFTP_OPENFILE);

    if (!h)
        set_handle_error(l, error, "open", real);
    return h;
}

static VlFtpFile *
sftp_open_read(VlFtpFs *base, const char *root, const char *rel, guint64 offset, GError **error)
{
    VlFtpSftpFs *fs = (VlFtpSftpFs *)base;
    g_auto(SftpGuard) guard = sftp_lock(fs, error) ? fs : NULL;
    g_autofree char *real = guard ? sftp_resolve(fs, root, rel, FALSE, error) : NULL;
    LIBSSH2_SFTP_ATTRIBUTES attrs;
    LIBSSH2_SFTP_HANDLE *h;

    if (!real || !sftp_stat_real(&fs->l, real, &attrs, error))
        return NULL;
    if (!LIBSSH2_SFTP_S_ISREG(attrs.permissions)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY, "'%s' is not a regular file", real);
        return NULL;
    }
    h = sftp_open_path(&fs->l, real, LIBSSH2_FXF_READ, error);
    if (!h)
        return NULL;
    if (offset > 0)
        libssh2_sftp_seek64(h, offset);
    return &sftp_file_new(fs, h)->parent;
}

static VlFtpFile *
sftp_open_write(VlFtpFs *base, const char *root, const char *rel, VlFtpWriteMode mode,
                guint64 offset, GError **error)
{
    VlFtpSftpFs *fs = (VlFtpSftpFs *)base;
    g_auto(SftpGuard) guard = sftp_lock(fs, error) ? fs : NULL;
    g_autofree char *target = guard ? sftp_resolve(fs, root, rel, TRUE, error) : NULL;
    g_autofree char *real = NULL;
    g_autofree char *temp = NULL;
    g_autofree char *dir = NULL;
    g_autofree char *leaf = NULL;
    LIBSSH2_SFTP_ATTRIBUTES attrs;
    LIBSSH2_SFTP_HANDLE *h;
    VlFtpSftpFile *f;

    if (!target)
        return NULL;
    if (libssh2_sftp_stat_ex(fs->l.sftp, target, (unsigned)strlen(target), LIBSSH2_SFTP_STAT,
                             &attrs) == 0) {
        if (LIBSSH2_SFTP_S_ISDIR(attrs.permissions)) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY, "'%s' is a folder", target);
            return NULL;
        }
        real = sftp_resolve(fs, root, rel, FALSE, error);
        if (!real)
            return NULL;
    }
    if (mode != VL_FTP_WRITE_REPLACE) {
        unsigned long flags = LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT;
        if (mode == VL_FTP_WRITE_APPEND)
            flags |= LIBSSH2_FXF_APPEND;
        h = sftp_open_path(&fs->l, real ? real : target, flags, error);
        if (!h)
            return NULL;
        if (mode == VL_FTP_WRITE_APPEND) {
            LIBSSH2_SFTP_ATTRIBUTES fa;
            if (libssh2_sftp_fstat_ex(h, &fa, 0) == 0 && (fa.flags & LIBSSH2_SFTP_ATTR_SIZE))
                libssh2_sftp_seek64(h, fa.filesize);
        } else {
            libssh2_sftp_seek64(h, offset);
        }
        return &sftp_file_new(fs, h)->parent;
    }
    dir = g_path_get_dirname(target);
    leaf = g_path_get_basename(target);
    temp = g_strdup_printf("%s/.%s.vlftp-%08x", dir, leaf, g_random_int());
    h = sftp_open_path(&fs->l, temp, LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_EXCL,
                       error);
    if (!h)
        return NULL;
    f = sftp_file_new(fs, h);
    f->temp_path = g_steal_pointer(&temp);
    f->target_path = real ? g_steal_pointer(&real) : g_steal_pointer(&target);
    return &f->parent;
}

static gboolean
sftp_make_dir(VlFtpFs *base, const char *root, const char *rel, GError **error)
{
    VlFtpSftpFs *fs = (VlFtpSftpFs *)base;
    g_auto(SftpGuard) guard = sftp_lock(fs, error) ? fs : NULL;
    g_autofree char *target = guard ? sftp_resolve(fs, root, rel, TRUE, error) : NULL;
    int rc;

    if (!target)
        return FALSE;
    rc = libssh2_sftp_mkdir_ex(fs->l.sftp, target, (unsigned)strlen(target), 0755);
    if (rc < 0) {
        set_sftp_error(&fs->l, rc, error, "mkdir", target);
        return FALSE;
    }
    return TRUE;
}

static gboolean
sftp_make_root(VlFtpFs *base, const char *root, GError **error)
{
    VlFtpSftpFs *fs = (VlFtpSftpFs *)base;
    g_auto(GStrv) parts = g_strsplit(root, "/", -1);
    g_autoptr(GString) path = g_string_new(NULL);
    g_auto(SftpGuard) guard = sftp_lock(fs, error) ? fs : NULL;
    gboolean first = TRUE;

    if (!guard)
        return FALSE;
    for (guint i = 0; parts[i]; i++) {
        LIBSSH2_SFTP_ATTRIBUTES attrs;
        int rc;

        if (!*parts[i])
            continue;
        g_string_append_printf(path, "/%s", parts[i]);
        rc = libssh2_sftp_stat_ex(fs->l.sftp, path->str, (unsigned)path->len, LIBSSH2_SFTP_STAT,
                                  &attrs);
        if (rc != 0 && rc != LIBSSH2_ERROR_SFTP_PROTOCOL) {
            set_sftp_error(&fs->l, rc, error, "stat", path->str);
            if (!first)
                return FALSE;
            /* Nothing was changed yet: the server may have dropped an idle connection. */
            g_clear_error(error);
            sftp_unlock(fs);
            if (!sftp_lock(fs, error))
                return FALSE;
            rc = libssh2_sftp_stat_ex(fs->l.sftp, path->str, (unsigned)path->len, LIBSSH2_SFTP_STAT,
                                      &attrs);
            if (rc != 0 && rc != LIBSSH2_ERROR_SFTP_PROTOCOL) {
                set_sftp_error(&fs->l, rc, error, "stat", path->str);
                return FALSE;
            }
        }
        first = FALSE;
        if (rc == 0)
            continue;
        rc = libssh2_sftp_mkdir_ex(fs->l.sftp, path->str, (unsigned)path->len, 0755);
        if (rc < 0 && libssh2_sftp_stat_ex(fs->l.sftp, path->str, (unsigned)path->len,
                                           LIBSSH2_SFTP_STAT, &attrs) != 0) {
            set_sftp_error(&fs->l, rc, error, "mkdir", path->str);
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean
sftp_remove(VlFtpFs *base, const char *root, const char *rel, gboolean is_dir, GError **error)
{
    VlFtpSftpFs *fs = (VlFtpSftpFs *)base;
    g_auto(SftpGuard) guard = sftp_lock(fs, error) ? fs : NULL;
    g_autofree char *target = guard ? sftp_resolve(fs, root, rel, TRUE, error) : NULL;
    LIBSSH2_SFTP_ATTRIBUTES attrs;
    int rc;

    if (!target)
        return FALSE;
    if (is_dir) {
        rc = libssh2_sftp_rmdir_ex(fs->l.sftp, target, (unsigned)strlen(target));
    } else {
        if (libssh2_sftp_stat_ex(fs->l.sftp, target, (unsigned)strlen(target), LIBSSH2_SFTP_LSTAT,
                                 &attrs) == 0 &&
            LIBSSH2_SFTP_S_ISDIR(attrs.permissions)) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY, "'%s' is a folder", target);
            return FALSE;
        }
        rc = libssh2_sftp_unlink_ex(fs->l.sftp, target, (unsigned)strlen(target));
    }
    if (rc < 0) {
        set_sftp_error(&fs->l, rc, error, is_dir ? "rmdir" : "unlink", target);
        return FALSE;
    }
    return TRUE;
}

static gboolean
sftp_rename(VlFtpFs *base, const char *from_root, const char *from_rel, const char *to_root,
            const char *to_rel, GError **error)
{
    VlFtpSftpFs *fs = (VlFtpSftpFs *)base;
    g_auto(SftpGuard) guard = sftp_lock(fs, error) ? fs : NULL;
    g_autofree char *from = guard ? sftp_resolve(fs, from_root, from_rel, TRUE, error) : NULL;
    g_autofree char *to = NULL;

    if (!from)
        return FALSE;
    to = sftp_resolve(fs, to_root, to_rel, TRUE, error);
    return to && sftp_rename_over(&fs->l, from, to, error);
}

static void
sftp_free(VlFtpFs *base)
{
    VlFtpSftpFs *fs = (VlFtpSftpFs *)base;

    sftp_unlock(fs);
    vl_ftp_sftp_conn_release(fs->l.conn);
    g_free(fs);
}

static const VlFtpFsOps sftp_ops = {
    .stat = sftp_stat,
    .list = sftp_list,
    .open_read = sftp_open_read,
    .open_write = sftp_open_write,
    .make_dir = sftp_make_dir,
    .make_root = sftp_make_root,
    .remove = sftp_remove,
    .rename = sftp_rename,
    .free = sftp_free,
};

VlFtpFs *
vl_ftp_sftp_fs_open(const VlFtpBackend *backend, GError **error)
{
    VlFtpSftpFs *fs;

    if (!backend->sftp_pool) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                    "sftp backend '%s' has no connection pool", backend->name);
        return NULL;
    }
    fs = g_new0(VlFtpSftpFs, 1);
    fs->parent.ops = &sftp_ops;
    fs->parent.backend = backend;
    if (!sftp_lock(fs, error)) {
        g_free(fs);
        return NULL;
    }
    sftp_unlock(fs);
    return &fs->parent;
}
