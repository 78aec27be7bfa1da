/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-backend.h - the storage interface behind the FTP proxy: backends, connections, files */
#pragma once

#include <gio/gio.h>

/*
 * A VlFtpBackend is configuration (immutable, shared by every session). A session opens one
 * VlFtpFs per backend it uses, used by that session's thread only. For SFTP the VlFtpFs leases
 * a connection from the backend's pool (vl-ftp-sftp-pool.h), shared with other sessions.
 *
 * Every operation takes a jail @root (a rule's target folder or file on the backend, absolute)
 * and @rel, a relative path below it that vl_ftp_path_resolve() produced (no "." or "..").
 * How far that holds depends on the backend. The local backend resolves and opens in one step
 * under an fd of @root (openat2 RESOLVE_IN_ROOT, or an O_NOFOLLOW walk: vl-ftp-jail.h), so no
 * symlink, even one swapped in meanwhile, leads out. The SFTP backend checks the server's
 * realpath of the path against @root's and refuses (G_IO_ERROR_PERMISSION_DENIED) what lies
 * outside, then uses the path: a link swapped in on the server between the two is not caught
 * (docs/ftp-proxy.md, Security).
 *
 * Errors use G_IO_ERROR codes: NOT_FOUND, PERMISSION_DENIED, IS_DIRECTORY, NOT_DIRECTORY,
 * EXISTS, NOT_EMPTY for the client's mistakes; CONNECTION_CLOSED, FAILED and others for
 * backend failures (the session answers 451/426 to those).
 */

typedef enum {
    VL_FTP_BACKEND_LOCAL,
    VL_FTP_BACKEND_SFTP,
} VlFtpBackendType;

typedef struct _VlFtpSftpPool VlFtpSftpPool;

typedef struct {
    char *name;
    VlFtpBackendType type;
    /* sftp only */
    char *host;
    guint16 port;
    char *user;
    char *password;           /* nullable */
    char *private_key;        /* nullable: path of the private key */
    char *public_key;         /* nullable: defaults to private_key + ".pub" */
    char *key_passphrase;     /* nullable */
    char *known_hosts;        /* required */
    guint max_connections;    /* SSH connections open at once */
    VlFtpSftpPool *sftp_pool; /* the shared connections (not configuration: has its own lock) */
    /* local only */
    char *root;    /* nullable: rule targets are taken below this folder */
    guint timeout; /* seconds for any one SSH operation */
} VlFtpBackend;

void vl_ftp_backend_free(VlFtpBackend *backend);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlFtpBackend, vl_ftp_backend_free)

typedef struct {
    char *name;
    gboolean is_dir;
    guint64 size;
    gint64 mtime; /* seconds since the epoch, UTC */
    guint32 mode; /* permission bits */
} VlFtpEntry;

void vl_ftp_entry_free(VlFtpEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlFtpEntry, vl_ftp_entry_free)

typedef enum {
    VL_FTP_WRITE_REPLACE, /* write a temporary file, rename it over the target on commit */
    VL_FTP_WRITE_APPEND,  /* append to the target in place (APPE) */
    VL_FTP_WRITE_AT,      /* write in place from an offset (REST + STOR) */
} VlFtpWriteMode;

typedef struct _VlFtpFs VlFtpFs;
typedef struct _VlFtpFile VlFtpFile;

typedef struct {
    gboolean (*stat)(VlFtpFs *fs, const char *root, const char *rel, VlFtpEntry *out,
                     GError **error);
    GPtrArray *(*list)(VlFtpFs *fs, const char *root, const char *rel, GError **error);
    VlFtpFile *(*open_read)(VlFtpFs *fs, const char *root, const char *rel, guint64 offset,
                            GError **error);
    VlFtpFile *(*open_write)(VlFtpFs *fs, const char *root, const char *rel, VlFtpWriteMode mode,
                             guint64 offset, GError **error);
    gboolean (*make_dir)(VlFtpFs *fs, const char *root, const char *rel, GError **error);
    gboolean (*make_root)(VlFtpFs *fs, const char *root, GError **error);
    gboolean (*remove)(VlFtpFs *fs, const char *root, const char *rel, gboolean is_dir,
                       GError **error);
    gboolean (*rename)(VlFtpFs *fs, const char *from_root, const char *from_rel,
                       const char *to_root, const char *to_rel, GError **error);
    void (*free)(VlFtpFs *fs);
} VlFtpFsOps;

struct _VlFtpFs {
    const VlFtpFsOps *ops;
    const VlFtpBackend *backend;
};

typedef struct {
    gssize (*read)(VlFtpFile *file, void *buf, gsize len, GError **error);
    gboolean (*write)(VlFtpFile *file, const void *buf, gsize len, GError **error);
    gboolean (*close)(VlFtpFile *file, gboolean commit, GError **error);
} VlFtpFileOps;

struct _VlFtpFile {
    const VlFtpFileOps *ops;
    int fd; /* a local file descriptor usable with sendfile(2), or -1 */
};

/**
 * vl_ftp_fs_open:
 * @backend: the backend to connect to; must outlive the result
 *
 * Opens a connection to @backend for the calling thread (for SFTP: connects, checks the host key
 * against known_hosts, authenticates and starts the SFTP subsystem).
 * Return: (transfer full): the connection, or NULL with an error.
 */
VlFtpFs *vl_ftp_fs_open(const VlFtpBackend *backend, GError **error);
void vl_ftp_fs_free(VlFtpFs *fs);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlFtpFs, vl_ftp_fs_free)

/* Return: TRUE and *@out filled (its name is NULL) when @root/@rel exists inside the jail. */
gboolean vl_ftp_fs_stat(VlFtpFs *fs, const char *root, const char *rel, VlFtpEntry *out,
                        GError **error);
/* Return: (transfer full) (element-type VlFtpEntry): the entries of a folder, without . and .. */
GPtrArray *vl_ftp_fs_list(VlFtpFs *fs, const char *root, const char *rel, GError **error);
/* Return: (transfer full): a regular file opened for reading from @offset, or NULL. */
VlFtpFile *vl_ftp_fs_open_read(VlFtpFs *fs, const char *root, const char *rel, guint64 offset,
                               GError **error);
/* Return: (transfer full): a file to write (see VlFtpWriteMode), or NULL. */
VlFtpFile *vl_ftp_fs_open_write(VlFtpFs *fs, const char *root, const char *rel, VlFtpWriteMode mode,
                                guint64 offset, GError **error);
/* Return: TRUE if the folder @root/@rel was created. */
gboolean vl_ftp_fs_make_dir(VlFtpFs *fs, const char *root, const char *rel, GError **error);
/* Return: TRUE if the folder @root exists or was created with its parents. */
gboolean vl_ftp_fs_make_root(VlFtpFs *fs, const char *root, GError **error);
/* Return: TRUE if the file (or empty folder when @is_dir) was removed. */
gboolean vl_ftp_fs_remove(VlFtpFs *fs, const char *root, const char *rel, gboolean is_dir,
                          GError **error);
/* Return: TRUE if the entry was renamed; both ends lie in jails of the same backend. */
gboolean vl_ftp_fs_rename(VlFtpFs *fs, const char *from_root, const char *from_rel,
                          const char *to_root, const char *to_rel, GError **error);

/* Return: bytes read (0 at the end), or -1 with an error. */
gssize vl_ftp_file_read(VlFtpFile *file, void *buf, gsize len, GError **error);
/* Return: TRUE if all @len bytes were written. */
gboolean vl_ftp_file_write(VlFtpFile *file, const void *buf, gsize len, GError **error);
/**
 * vl_ftp_file_close:
 * @commit: TRUE after a complete upload (the temporary file replaces the target); FALSE to
 *          discard a partial upload. Ignored for reads.
 *
 * Closes and frees @file.
 * Return: TRUE on success.
 */
gboolean vl_ftp_file_close(VlFtpFile *file, gboolean commit, GError **error);

/* Return: TRUE if @name is a single valid file name: not empty, ".", "..", and without '/'. */
gboolean vl_ftp_name_is_valid(const char *name);
