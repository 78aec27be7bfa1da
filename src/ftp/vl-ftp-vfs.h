/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-vfs.h - a router's virtual file system: virtual paths resolved through its rules */
#pragma once

#include "vl-ftp-backend.h"
#include "vl-ftp-config.h"
#include "vl-ftp-router.h"

/*
 * The tree a logged-in client sees is the router's: every rule maps a virtual path to a folder
 * (its jail) on a backend. A virtual path is resolved lexically against the current folder,
 * then matched to the rule with the longest path prefix. Folders that are only ancestors of
 * rule paths are synthetic and read-only. The VFS opens each backend once, on first use, and
 * keeps the connection for the calling thread (one session). It has no sockets of its own.
 */
typedef struct _VlFtpVfs VlFtpVfs;

/* A virtual path resolved through the router's rules. */
typedef struct {
    char *vpath;
    const VlFtpRule *rule; /* NULL: no rule covers vpath */
    const char *rel;       /* below rule->path, points into vpath */
    gboolean synthetic;    /* vpath is an ancestor of some rule path */
} VlFtpTarget;

void vl_ftp_target_clear(VlFtpTarget *t);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VlFtpTarget, vl_ftp_target_clear)

/**
 * vl_ftp_vfs_new:
 * @config: the configuration holding @router and its backends; must outlive the result
 * @router: the logged-in router
 *
 * Return: (transfer full): a VFS with no backend opened yet.
 */
VlFtpVfs *vl_ftp_vfs_new(const VlFtpConfig *config, const VlFtpRouter *router);
void vl_ftp_vfs_free(VlFtpVfs *vfs);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlFtpVfs, vl_ftp_vfs_free)

/**
 * vl_ftp_vfs_get_fs:
 * @rule: a rule of the router
 *
 * Return: (transfer none): the connection to @rule's backend, opened on first use, or NULL with
 * G_IO_ERROR_NOT_FOUND (backend not configured) or G_IO_ERROR_NOT_CONNECTED (cannot connect).
 */
VlFtpFs *vl_ftp_vfs_get_fs(VlFtpVfs *vfs, const VlFtpRule *rule, GError **error);

/**
 * vl_ftp_vfs_resolve:
 * @cwd: the current virtual folder
 * @arg: the client's path argument, relative to @cwd or absolute
 * @t: (out caller-allocates): the target; clear it with vl_ftp_target_clear()
 *
 * Return: TRUE, or FALSE with G_IO_ERROR_NOT_FOUND when neither a rule nor a synthetic folder
 * covers the path (or the path's own error).
 */
gboolean vl_ftp_vfs_resolve(VlFtpVfs *vfs, const char *cwd, const char *arg, VlFtpTarget *t,
                            GError **error);

/**
 * vl_ftp_vfs_stat:
 * @t: a resolved target
 * @out: (out caller-allocates): its entry (the name is not set)
 *
 * A synthetic folder that no rule's backend holds is a read-only folder (mode 0555).
 * Return: TRUE, or FALSE with an error.
 */
gboolean vl_ftp_vfs_stat(VlFtpVfs *vfs, const VlFtpTarget *t, VlFtpEntry *out, GError **error);

/**
 * vl_ftp_vfs_writable_entry:
 * @t: a resolved target
 * @allow_rule_root: whether the target may be a rule's own path (a file rule such as
 *   "/config.cfg": the entry is then the rule target's last component in its folder)
 * @root: (out) (transfer full): the jail the entry lives in
 * @rel: (out) (transfer full): the entry's path below @root
 *
 * For operations on a folder entry (create, replace, remove, rename).
 * Return: TRUE, or FALSE with G_IO_ERROR_PERMISSION_DENIED when @t is not writable.
 */
gboolean vl_ftp_vfs_writable_entry(const VlFtpTarget *t, gboolean allow_rule_root, char **root,
                                   char **rel, GError **error);

/* Return: TRUE if the entry at virtual path @vpath may be changed by the client. */
gboolean vl_ftp_vfs_is_writable(VlFtpVfs *vfs, const char *vpath);

/**
 * vl_ftp_vfs_list:
 * @t: a resolved target
 * @dirs_only: fail with G_IO_ERROR_NOT_DIRECTORY when @t is a file
 * @is_dir: (out): whether @t is a folder
 *
 * Merges a folder's entries on its backend with the synthetic entries of the rules below it (a
 * rule's entry replaces the backend's of the same name); a file lists as itself.
 * Return: (transfer full) (element-type VlFtpEntry): the entries, or NULL with an error.
 */
GPtrArray *vl_ftp_vfs_list(VlFtpVfs *vfs, const VlFtpTarget *t, gboolean dirs_only,
                           gboolean *is_dir, GError **error);
