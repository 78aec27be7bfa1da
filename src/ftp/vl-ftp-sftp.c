/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-sftp.c - the SFTP backend of the FTP proxy (libssh2, one SSH connection per session) */
#include "vl-ftp-sftp.h"

#include "vl-ftp-path.h"

#include <libssh2.h>
#include <libssh2_sftp.h>
#include <string.h>

/*
 * Each FTP session that uses an SFTP backend owns one VlFtpSftpFs: one TCP connection, one SSH
 * session and one SFTP channel, used only by that session's thread. libssh2 runs in blocking
 * mode there (with libssh2_session_set_timeout so a stalled server cannot hang a session); the
 * main loop never calls into libssh2.
 *
 * After a connection-level failure the connection is dropped and the next operation reconnects,
 * so one failed transfer (426/451) leaves the session usable.
 *
 * Jail: every path is resolved with SFTP realpath on the server (which follows symlinks) and
 * must stay at or below the real path of the rule's target.
 */

#define SFTP_PATH_MAX 4096

typedef struct {
    VlFtpFs parent;
    GSocketConnection *conn;
    LIBSSH2_SESSION *ssh;
    LIBSSH2_SFTP *sftp;
} VlFtpSftpFs;

typedef struct {
    VlFtpFile parent;
    VlFtpSftpFs *fs;
    LIBSSH2_SFTP_HANDLE *handle;
    char *temp_path;   /* REPLACE mode */
    char *target_path; /* REPLACE mode */
} VlFtpSftpFile;

static gsize libssh2_ready;

static void
sftp_disconnect(VlFtpSftpFs *fs)
{
    if (fs->sftp)
        libssh2_sftp_shutdown(fs->sftp);
    fs->sftp = NULL;
    if (fs->ssh) {
        libssh2_session_disconnect(fs->ssh, "bye");
        libssh2_session_free(fs->ssh);
    }
    fs->ssh = NULL;
    if (fs->conn)
        g_io_stream_close(G_IO_STREAM(fs->conn), NULL, NULL);
    g_clear_object(&fs->conn);
}

/* Sets @error from libssh2's last session error, prefixed with @what. */
static void
set_ssh_error(VlFtpSftpFs *fs, GError **error, const char *what)
{
    char *msg = NULL;
    int code = fs->ssh ? libssh2_session_last_error(fs->ssh, &msg, NULL, 0) : 0;

    g_set_error(error, G_IO_ERROR,
                code == LIBSSH2_ERROR_TIMEOUT ? G_IO_ERROR_TIMED_OUT : G_IO_ERROR_CONNECTION_CLOSED,
                "sftp %s@%s:%u: %s: %s", fs->parent.backend->user, fs->parent.backend->host,
                fs->parent.backend->port, what, msg && *msg ? msg : "failed");
}

/*
 * Sets @error after a failed libssh2 call returning @rc: an SFTP status becomes the matching
 * G_IO_ERROR code; a session-level failure drops the connection (it reconnects on next use).
 */
static void
set_sftp_error(VlFtpSftpFs *fs, int rc, GError **error, const char *what, const char *path)
{
    unsigned long fx;
    GIOErrorEnum code;

    if (rc != LIBSSH2_ERROR_SFTP_PROTOCOL || !fs->sftp) {
        g_autofree char *w = g_strdup_printf("%s '%s'", what, path);
        set_ssh_error(fs, error, w);
        sftp_disconnect(fs);
        return;
    }
    fx = libssh2_sftp_last_error(fs->sftp);
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

/* Return: the hostkey method matching a known_hosts key type, or NULL. */
static const char *
hostkey_method_for(int typemask)
{
    switch (typemask & LIBSSH2_KNOWNHOST_KEY_MASK) {
    case LIBSSH2_KNOWNHOST_KEY_ECDSA_256:
        return "ecdsa-sha2-nistp256";
    case LIBSSH2_KNOWNHOST_KEY_ECDSA_384:
        return "ecdsa-sha2-nistp384";
    case LIBSSH2_KNOWNHOST_KEY_ECDSA_521:
        return "ecdsa-sha2-nistp521";
    case LIBSSH2_KNOWNHOST_KEY_ED25519:
        return "ssh-ed25519";
    case LIBSSH2_KNOWNHOST_KEY_SSHRSA:
        return "rsa-sha2-512,rsa-sha2-256,ssh-rsa";
    default:
        return NULL;
    }
}

/* Return: the known_hosts key type bit of a libssh2 host key type. */
static int
knownhost_key_for(int hostkey_type)
{
    switch (hostkey_type) {
    case LIBSSH2_HOSTKEY_TYPE_RSA:
        return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
    case LIBSSH2_HOSTKEY_TYPE_DSS:
        return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256:
        return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384:
        return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521:
        return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
    case LIBSSH2_HOSTKEY_TYPE_ED25519:
        return LIBSSH2_KNOWNHOST_KEY_ED25519;
    default:
        return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
    }
}

/*
 * Loads known_hosts, pins the host key method to the type recorded for the host (as curl does,
 * so the server offers the key we can check) and, after the handshake, checks the key.
 * Return: TRUE if the server's key matches, FALSE with an error saying why not.
 */
static gboolean
sftp_check_host_key(VlFtpSftpFs *fs, LIBSSH2_KNOWNHOSTS *kh, GError **error)
{
    const VlFtpBackend *b = fs->parent.backend;
    struct libssh2_knownhost *found = NULL;
    const char *key;
    size_t key_len = 0;
    int key_type = 0;
    int rc;

    key = libssh2_session_hostkey(fs->ssh, &key_len, &key_type);
    if (!key) {
        set_ssh_error(fs, error, "no host key");
        return FALSE;
    }
    rc = libssh2_knownhost_checkp(kh, b->host, b->port, key, key_len,
                                  LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
                                      knownhost_key_for(key_type),
                                  &found);
    switch (rc) {
    case LIBSSH2_KNOWNHOST_CHECK_MATCH:
        return TRUE;
    case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    "sftp %s:%u: host key does not match known_hosts '%s' (changed key?); "
                    "connection refused",
                    b->host, b->port, b->known_hosts);
        return FALSE;
    case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    "sftp %s:%u: host is not in known_hosts '%s' (unknown host key); "
                    "connection refused",
                    b->host, b->port, b->known_hosts);
        return FALSE;
    default:
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    "sftp %s:%u: cannot check the host key against '%s'", b->host, b->port,
                    b->known_hosts);
        return FALSE;
    }
}

/* Return: the hostkey preference for @b from known_hosts entries naming it, or NULL. */
static const char *
sftp_pinned_method(LIBSSH2_KNOWNHOSTS *kh, const VlFtpBackend *b)
{
    struct libssh2_knownhost *store = NULL;
    g_autofree char *bracketed = g_strdup_printf("[%s]:%u", b->host, b->port);

    while (libssh2_knownhost_get(kh, &store, store) == 0) {
        if (!store->name)
            continue;
        if ((b->port == 22 && strcmp(store->name, b->host) == 0) ||
            strcmp(store->name, bracketed) == 0)
            return hostkey_method_for(store->typemask);
    }
    return NULL;
}

/* Connects, checks the host key, authenticates and starts SFTP. Return: TRUE on success. */
static gboolean
sftp_connect(VlFtpSftpFs *fs, GError **error)
{
    const VlFtpBackend *b = fs->parent.backend;
    g_autoptr(GSocketClient) client = g_socket_client_new();
    LIBSSH2_KNOWNHOSTS *kh = NULL;
    const char *method;
    gboolean authed = FALSE;
    GSocket *sock;

    g_socket_client_set_timeout(client, b->timeout);
    g_socket_client_set_enable_proxy(client, FALSE);
    fs->conn = g_socket_client_connect_to_host(client, b->host, b->port, NULL, error);
    if (!fs->conn) {
        g_prefix_error(error, "sftp %s:%u: ", b->host, b->port);
        return FALSE;
    }
    sock = g_socket_connection_get_socket(fs->conn);
    fs->ssh = libssh2_session_init();
    if (!fs->ssh) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot create an SSH session");
        goto fail;
    }
    libssh2_session_set_blocking(fs->ssh, 1);
    libssh2_session_set_timeout(fs->ssh, (long)b->timeout * 1000);
    kh = libssh2_knownhost_init(fs->ssh);
    if (!kh || libssh2_knownhost_readfile(kh, b->known_hosts, LIBSSH2_KNOWNHOST_FILE_OPENSSH) < 0) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    "sftp %s:%u: cannot read known_hosts '%s'", b->host, b->port, b->known_hosts);
        goto fail;
    }
    method = sftp_pinned_method(kh, b);
    if (method)
        libssh2_session_method_pref(fs->ssh, LIBSSH2_METHOD_HOSTKEY, method);
    if (libssh2_session_handshake(fs->ssh, g_socket_get_fd(sock)) != 0) {
        set_ssh_error(fs, error, "handshake");
        goto fail;
    }
    if (!sftp_check_host_key(fs, kh, error))
        goto fail;
    libssh2_knownhost_free(kh);
    kh = NULL;
    if (b->private_key)
        authed = libssh2_userauth_publickey_fromfile(fs->ssh, b->user, b->public_key,
                                                     b->private_key, b->key_passphrase) == 0;
    if (!authed && b->password)
        authed = libssh2_userauth_password(fs->ssh, b->user, b->password) == 0;
    if (!authed) {
        set_ssh_error(fs, error, "authentication failed");
        goto fail;
    }
    fs->sftp = libssh2_sftp_init(fs->ssh);
    if (!fs->sftp) {
        set_ssh_error(fs, error, "cannot start SFTP");
        goto fail;
    }
    return TRUE;

fail:
    if (kh)
        libssh2_knownhost_free(kh);
    sftp_disconnect(fs);
    return FALSE;
}

/* Return: TRUE if connected (reconnecting after an earlier failure). */
static gboolean
sftp_ensure(VlFtpSftpFs *fs, GError **error)
{
    if (fs->sftp)
        return TRUE;
    sftp_disconnect(fs);
    return sftp_connect(fs, error);
}

/* Return: (transfer full): the server's real path of @path, or NULL with an error. */
static char *
sftp_realpath(VlFtpSftpFs *fs, const char *path, GError **error)
{
    char buf[SFTP_PATH_MAX];
    int rc = libssh2_sftp_symlink_ex(fs->sftp, path, (unsigned)strlen(path), buf, sizeof(buf) - 1,
                                     LIBSSH2_SFTP_REALPATH);

    if (rc < 0) {
        set_sftp_error(fs, rc, error, "realpath", path);
        return NULL;
    }
    buf[rc] = '\0';
    return g_strdup(buf);
}

/* As vl_ftp_local_resolve(), through SFTP realpath. Return: (transfer full): the real path. */
static char *
sftp_resolve(VlFtpSftpFs *fs, const char *root, const char *rel, gboolean parent_only,
             GError **error)
{
    g_autofree char *real_root = NULL;
    g_autofree char *full = NULL;
    g_autofree char *real = NULL;
    g_autofree char *leaf = NULL;
    g_autofree char *dir = NULL;

    if (!sftp_ensure(fs, error))
        return NULL;
    real_root = sftp_realpath(fs, root, error);
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
    real = sftp_realpath(fs, full, error);
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
sftp_stat_real(VlFtpSftpFs *fs, const char *real, LIBSSH2_SFTP_ATTRIBUTES *attrs, GError **error)
{
    int rc = libssh2_sftp_stat_ex(fs->sftp, real, (unsigned)strlen(real), LIBSSH2_SFTP_STAT, attrs);

    if (rc < 0) {
        set_sftp_error(fs, rc, error, "stat", real);
        return FALSE;
    }
    return TRUE;
}

static gboolean
sftp_stat(VlFtpFs *base, const char *root, const char *rel, VlFtpEntry *out, GError **error)
{
    VlFtpSftpFs *fs = (VlFtpSftpFs *)base;
    g_autofree char *real = sftp_resolve(fs, root, rel, FALSE, error);
    LIBSSH2_SFTP_ATTRIBUTES attrs;

    if (!real || !sftp_stat_real(fs, real, &attrs, error))
        return FALSE;
    entry_from_attrs(out, &attrs);
    return TRUE;
}

static GPtrArray *
sftp_list(VlFtpFs *base, const char *root, const char *rel, GError **error)
{
    VlFtpSftpFs *fs = (VlFtpSftpFs *)base;
    g_autofree char *real = sftp_resolve(fs, root, rel, FALSE, error);
    g_autofree char *real_root = NULL;
    g_autoptr(GPtrArray) entries = NULL;
    g_autoptr(GPtrArray) links = NULL;
    LIBSSH2_SFTP_HANDLE *dir;
    char name[1024];

    if (!real)
        return NULL;
    real_root = sftp_realpath(fs, root, error);
    if (!real_root)
        return NULL;
    dir = libssh2_sftp_open_ex(fs->sftp, real, (unsigned)strlen(real), 0, 0, LIBSSH2_SFTP_OPENDIR);
    if (!dir) {
        set_sftp_error(fs, libssh2_session_last_errno(fs->ssh), error, "opendir", real);
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
            set_sftp_error(fs, rc, error, "readdir", real);
            if (fs->sftp)
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

        target = sftp_realpath(fs, path, &err);
        if (!fs->sftp)
            break;
        if (!target || !vl_ftp_path_is_prefix(real_root, target) ||
            !sftp_stat_real(fs, target, &attrs, &err))
            continue;
        e = g_new0(VlFtpEntry, 1);
        e->name = g_strdup(links->pdata[i]);
        entry_from_attrs(e, &attrs);
        g_ptr_array_add(entries, e);
    }
    return g_steal_pointer(&entries);
}

static gssize
sftp_file_read(VlFtpFile *base, void *buf, gsize len, GError **error)
{
    VlFtpSftpFile *f = (VlFtpSftpFile *)base;
    ssize_t n = libssh2_sftp_read(f->handle, buf, len);

    if (n < 0) {
        set_sftp_error(f->fs, (int)n, error, "read", "file");
        if (!f->fs->sftp)
            f->handle = NULL;
        return -1;
    }
    return n;
}

static gboolean
sftp_file_write(VlFtpFile *base, const void *buf, gsize len, GError **error)
{
    VlFtpSftpFile *f = (VlFtpSftpFile *)base;
    const char *p = buf;

    while (len > 0) {
        ssize_t n = libssh2_sftp_write(f->handle, p, len);
        if (n < 0) {
            set_sftp_error(f->fs, (int)n, error, "write", f->temp_path ? f->temp_path : "file");
            if (!f->fs->sftp)
                f->handle = NULL;
            return FALSE;
        }
        p += n;
        len -= (gsize)n;
    }
    return TRUE;
}

/* Renames @from over @to, replacing @to (SFTP v3 rename refuses an existing target). */
static gboolean
sftp_rename_over(VlFtpSftpFs *fs, const char *from, const char *to, GError **error)
{
    long flags =
        LIBSSH2_SFTP_RENAME_OVERWRITE | LIBSSH2_SFTP_RENAME_ATOMIC | LIBSSH2_SFTP_RENAME_NATIVE;
    int rc = libssh2_sftp_rename_ex(fs->sftp, from, (unsigned)strlen(from), to,
                                    (unsigned)strlen(to), flags);
    LIBSSH2_SFTP_ATTRIBUTES attrs;

    if (rc == LIBSSH2_ERROR_SFTP_PROTOCOL &&
        libssh2_sftp_stat_ex(fs->sftp, to, (unsigned)strlen(to), LIBSSH2_SFTP_LSTAT, &attrs) == 0 &&
        !LIBSSH2_SFTP_S_ISDIR(attrs.permissions)) {
        /* The old file goes away just before the new one takes its name: never truncated. */
        if (libssh2_sftp_unlink_ex(fs->sftp, to, (unsigned)strlen(to)) == 0)
            rc = libssh2_sftp_rename_ex(fs->sftp, from, (unsigned)strlen(from), to,
                                        (unsigned)strlen(to), flags);
    }
    if (rc < 0) {
        set_sftp_error(fs, rc, error, "rename into", to);
        return FALSE;
    }
    return TRUE;
}

static gboolean
sftp_file_close(VlFtpFile *base, gboolean commit, GError **error)
{
    VlFtpSftpFile *f = (VlFtpSftpFile *)base;
    VlFtpSftpFs *fs = f->fs;
    gboolean ok = TRUE;

    if (f->handle && fs->sftp && libssh2_sftp_close_handle(f->handle) < 0 && f->temp_path &&
        commit) {
        set_sftp_error(fs, libssh2_session_last_errno(fs->ssh), error, "close", f->temp_path);
        ok = commit = FALSE;
    }
    if (f->temp_path && fs->sftp) {
        if (commit && !sftp_rename_over(fs, f->temp_path, f->target_path, error))
            ok = commit = FALSE;
        if (!commit && fs->sftp)
            libssh2_sftp_unlink_ex(fs->sftp, f->temp_path, (unsigned)strlen(f->temp_path));
    } else if (f->temp_path && commit) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                    "sftp connection lost before '%s' was complete", f->target_path);
        ok = FALSE;
    }
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
    f->fs = fs;
    f->handle = handle;
    return f;
}

/* Return: an open handle on the real path @real, or NULL with an error. */
static LIBSSH2_SFTP_HANDLE *
sftp_open_path(VlFtpSftpFs *fs, const char *real, unsigned long flags, GError **error)
{
    LIBSSH2_SFTP_HANDLE *h = libssh2_sftp_open_ex(fs->sftp, real, (unsigned)strlen(real), flags,
                                                  0644, LIBSSH2_SFTP_OPENFILE);

    if (!h)
        set_sftp_error(fs, libssh2_session_last_errno(fs->ssh), error, "open", real);
    return h;
}

static VlFtpFile *
sftp_open_read(VlFtpFs *base, const char *root, const char *rel, guint64 offset, GError **error)
{
    VlFtpSftpFs *fs = (VlFtpSftpFs *)base;
    g_autofree char *real = sftp_resolve(fs, root, rel, FALSE, error);
    LIBSSH2_SFTP_ATTRIBUTES attrs;
    LIBSSH2_SFTP_HANDLE *h;

    if (!real || !sftp_stat_real(fs, real, &attrs, error))
        return NULL;
    if (!LIBSSH2_SFTP_S_ISREG(attrs.permissions)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY, "'%s' is not a regular file", real);
        return NULL;
    }
    h = sftp_open_path(fs, real, LIBSSH2_FXF_READ, error);
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
    g_autofree char *target = sftp_resolve(fs, root, rel, TRUE, error);
    g_autofree char *real = NULL;
    g_autofree char *temp = NULL;
    g_autofree char *dir = NULL;
    g_autofree char *leaf = NULL;
    LIBSSH2_SFTP_ATTRIBUTES attrs;
    LIBSSH2_SFTP_HANDLE *h;
    VlFtpSftpFile *f;

    if (!target)
        return NULL;
    if (libssh2_sftp_stat_ex(fs->sftp, target, (unsigned)strlen(target), LIBSSH2_SFTP_STAT,
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
        h = sftp_open_path(fs, real ? real : target, flags, error);
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
    h = sftp_open_path(fs, temp, LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_EXCL, error);
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
    g_autofree char *target = sftp_resolve(fs, root, rel, TRUE, error);
    int rc;

    if (!target)
        return FALSE;
    rc = libssh2_sftp_mkdir_ex(fs->sftp, target, (unsigned)strlen(target), 0755);
    if (rc < 0) {
        set_sftp_error(fs, rc, error, "mkdir", target);
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

    if (!sftp_ensure(fs, error))
        return FALSE;
    for (guint i = 0; parts[i]; i++) {
        LIBSSH2_SFTP_ATTRIBUTES attrs;
        int rc;

        if (!*parts[i])
            continue;
        g_string_append_printf(path, "/%s", parts[i]);
        if (libssh2_sftp_stat_ex(fs->sftp, path->str, (unsigned)path->len, LIBSSH2_SFTP_STAT,
                                 &attrs) == 0)
            continue;
        if (!fs->sftp) {
            set_ssh_error(fs, error, "stat");
            return FALSE;
        }
        rc = libssh2_sftp_mkdir_ex(fs->sftp, path->str, (unsigned)path->len, 0755);
        if (rc < 0 && libssh2_sftp_stat_ex(fs->sftp, path->str, (unsigned)path->len,
                                           LIBSSH2_SFTP_STAT, &attrs) != 0) {
            set_sftp_error(fs, rc, error, "mkdir", path->str);
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean
sftp_remove(VlFtpFs *base, const char *root, const char *rel, gboolean is_dir, GError **error)
{
    VlFtpSftpFs *fs = (VlFtpSftpFs *)base;
    g_autofree char *target = sftp_resolve(fs, root, rel, TRUE, error);
    LIBSSH2_SFTP_ATTRIBUTES attrs;
    int rc;

    if (!target)
        return FALSE;
    if (is_dir) {
        rc = libssh2_sftp_rmdir_ex(fs->sftp, target, (unsigned)strlen(target));
    } else {
        if (libssh2_sftp_stat_ex(fs->sftp, target, (unsigned)strlen(target), LIBSSH2_SFTP_LSTAT,
                                 &attrs) == 0 &&
            LIBSSH2_SFTP_S_ISDIR(attrs.permissions)) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY, "'%s' is a folder", target);
            return FALSE;
        }
        rc = libssh2_sftp_unlink_ex(fs->sftp, target, (unsigned)strlen(target));
    }
    if (rc < 0) {
        set_sftp_error(fs, rc, error, is_dir ? "rmdir" : "unlink", target);
        return FALSE;
    }
    return TRUE;
}

static gboolean
sftp_rename(VlFtpFs *base, const char *from_root, const char *from_rel, const char *to_root,
            const char *to_rel, GError **error)
{
    VlFtpSftpFs *fs = (VlFtpSftpFs *)base;
    g_autofree char *from = sftp_resolve(fs, from_root, from_rel, TRUE, error);
    g_autofree char *to = NULL;

    if (!from)
        return FALSE;
    to = sftp_resolve(fs, to_root, to_rel, TRUE, error);
    return to && sftp_rename_over(fs, from, to, error);
}

static void
sftp_free(VlFtpFs *base)
{
    VlFtpSftpFs *fs = (VlFtpSftpFs *)base;

    sftp_disconnect(fs);
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

    if (g_once_init_enter(&libssh2_ready)) {
        libssh2_init(0);
        g_once_init_leave(&libssh2_ready, 1);
    }
    fs = g_new0(VlFtpSftpFs, 1);
    fs->parent.ops = &sftp_ops;
    fs->parent.backend = backend;
    if (!sftp_connect(fs, error)) {
        g_free(fs);
        return NULL;
    }
    return &fs->parent;
}
