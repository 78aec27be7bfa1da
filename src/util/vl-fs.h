/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-fs.h - file system helpers: atomic writes, path expansion, state folders */
#pragma once

#include <glib.h>

/**
 * vl_fs_write_atomic:
 * @path: the file to replace
 * @data: its new content
 * @len: the length of @data
 * @mode: the permission bits of the new file (e.g. 0600 for secrets)
 *
 * Writes to a temporary file in the same folder, fsyncs it and renames it over @path, so
 * readers see the old or the new content, never a mix.
 * Return: TRUE on success.
 */
gboolean vl_fs_write_atomic(const char *path, const char *data, gsize len, int mode,
                            GError **error);

/**
 * vl_fs_write_output:
 *
 * As vl_fs_write_atomic(), without the fsync: for generated output that can be made again
 * (rendered XML), where a thousand fsyncs would cost seconds.
 * Return: TRUE on success.
 */
gboolean vl_fs_write_output(const char *path, const char *data, gsize len, int mode,
                            GError **error);

/**
 * vl_fs_expand_path:
 * @path: a path from a spec file
 * @base: (nullable): the folder relative paths are taken from
 *
 * Expands a leading "~" or "~/" to the user's home folder and "$VMLAB_HOME" to vmlab-virt's
 * state folder (see vl_fs_state_dir()), and makes a relative path absolute
 * against @base. The result is canonical (no "." or ".." components).
 * Return: (transfer full): the expanded path.
 */
char *vl_fs_expand_path(const char *path, const char *base);

/**
 * vl_fs_state_dir:
 *
 * Return: (transfer full): vmlab-virt's state folder: $VMLAB_HOME if set, else /var/lib/vmlab
 *   for root (QEMU of qemu:///system must reach the disks), else ~/.vmlab.
 */
char *vl_fs_state_dir(void);

/* Return: (transfer full): the state folder of lab @lab: <state_dir>/labs/<lab>. */
char *vl_fs_lab_dir(const char *lab);

/**
 * vl_fs_data_dir:
 * @sub: "templates" or "xslt"
 *
 * Finds a data folder shipped with vmlab-virt: $VMLAB_DATA_DIR/@sub if set, else the source tree's
 * (when running from a build folder), else the installed one.
 * Return: (transfer full): the folder.
 */
char *vl_fs_data_dir(const char *sub);

/* Return: TRUE if @path names an existing, readable regular file. */
gboolean vl_fs_is_readable_file(const char *path);
