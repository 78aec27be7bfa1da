/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-backend.c - dispatch of the storage interface to the local and SFTP backends */
#include "vl-ftp-backend.h"

#include "vl-ftp-local.h"
#include "vl-ftp-sftp-pool.h"
#include "vl-ftp-sftp.h"

#include <string.h>

void
vl_ftp_backend_free(VlFtpBackend *backend)
{
    if (!backend)
        return;
    vl_ftp_sftp_pool_free(backend->sftp_pool);
    g_free(backend->name);
    g_free(backend->host);
    g_free(backend->user);
    g_free(backend->password);
    g_free(backend->private_key);
    g_free(backend->public_key);
    g_free(backend->key_passphrase);
    g_free(backend->known_hosts);
    g_free(backend->root);
    g_free(backend);
}

void
vl_ftp_entry_free(VlFtpEntry *entry)
{
    if (!entry)
        return;
    g_free(entry->name);
    g_free(entry);
}

VlFtpFs *
vl_ftp_fs_open(const VlFtpBackend *backend, GError **error)
{
    switch (backend->type) {
    case VL_FTP_BACKEND_LOCAL:
        return vl_ftp_local_fs_open(backend, error);
    case VL_FTP_BACKEND_SFTP:
        return vl_ftp_sftp_fs_open(backend, error);
    }
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "unknown backend type");
    return NULL;
}

void
vl_ftp_fs_free(VlFtpFs *fs)
{
    if (fs)
        fs->ops->free(fs);
}

gboolean
vl_ftp_fs_stat(VlFtpFs *fs, const char *root, const char *rel, VlFtpEntry *out, GError **error)
{
    memset(out, 0, sizeof(*out));
    return fs->ops->stat(fs, root, rel, out, error);
}

GPtrArray *
vl_ftp_fs_list(VlFtpFs *fs, const char *root, const char *rel, GError **error)
{
    return fs->ops->list(fs, root, rel, error);
}

VlFtpFile *
vl_ftp_fs_open_read(VlFtpFs *fs, const char *root, const char *rel, guint64 offset, GError **error)
{
    return fs->ops->open_read(fs, root, rel, offset, error);
}

VlFtpFile *
vl_ftp_fs_open_write(VlFtpFs *fs, const char *root, const char *rel, VlFtpWriteMode mode,
                     guint64 offset, GError **error)
{
    return fs->ops->open_write(fs, root, rel, mode, offset, error);
}

gboolean
vl_ftp_fs_make_dir(VlFtpFs *fs, const char *root, const char *rel, GError **error)
{
    return fs->ops->make_dir(fs, root, rel, error);
}

gboolean
vl_ftp_fs_make_root(VlFtpFs *fs, const char *root, GError **error)
{
    return fs->ops->make_root(fs, root, error);
}

gboolean
vl_ftp_fs_remove(VlFtpFs *fs, const char *root, const char *rel, gboolean is_dir, GError **error)
{
    return fs->ops->remove(fs, root, rel, is_dir, error);
}

gboolean
vl_ftp_fs_rename(VlFtpFs *fs, const char *from_root, const char *from_rel, const char *to_root,
                 const char *to_rel, GError **error)
{
    return fs->ops->rename(fs, from_root, from_rel, to_root, to_rel, error);
}

gssize
vl_ftp_file_read(VlFtpFile *file, void *buf, gsize len, GError **error)
{
    return file->ops->read(file, buf, len, error);
}

gboolean
vl_ftp_file_write(VlFtpFile *file, const void *buf, gsize len, GError **error)
{
    return file->ops->write(file, buf, len, error);
}

gboolean
vl_ftp_file_close(VlFtpFile *file, gboolean commit, GError **error)
{
    return file->ops->close(file, commit, error);
}

gboolean
vl_ftp_name_is_valid(const char *name)
{
    return name && *name && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 && !strchr(name, '/');
}
