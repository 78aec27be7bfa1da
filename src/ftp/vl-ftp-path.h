/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-path.h - FTP path arguments: safety checks and lexical resolution inside "/" */
#pragma once

#include <glib.h>

/**
 * vl_ftp_path_check_arg:
 * @arg: a path argument as the client sent it (NUL-terminated; NUL bytes were refused earlier)
 *
 * Refuses control characters (0x01-0x1f, 0x7f), backslashes and invalid UTF-8.
 * Return: TRUE if @arg may be used as a path, FALSE with a G_IO_ERROR_INVALID_FILENAME error.
 */
gboolean vl_ftp_path_check_arg(const char *arg, GError **error);

/**
 * vl_ftp_path_resolve:
 * @cwd: the current virtual folder, absolute and normalised ("/" or "/a/b")
 * @arg: (nullable): the client's argument, relative to @cwd or absolute; NULL or "" means @cwd
 *
 * Joins and normalises lexically: empty and "." components vanish, ".." removes the previous
 * component and stays at "/" when there is none (as vsftpd's chroot does).
 * Return: (transfer full): the normalised absolute virtual path, or NULL with an error from
 * vl_ftp_path_check_arg().
 */
char *vl_ftp_path_resolve(const char *cwd, const char *arg, GError **error);

/**
 * vl_ftp_path_is_prefix:
 * @prefix: a normalised virtual path
 * @path: a normalised virtual path
 *
 * Return: TRUE if @path equals @prefix or lies below it ("/a" is a prefix of "/a/b", not of "/ab").
 */
gboolean vl_ftp_path_is_prefix(const char *prefix, const char *path);

/**
 * vl_ftp_path_below:
 * @prefix: a normalised path
 * @path: a normalised path for which vl_ftp_path_is_prefix(@prefix, @path) holds
 *
 * Return: (transfer none): the part of @path below @prefix without a leading '/', "" if equal.
 */
const char *vl_ftp_path_below(const char *prefix, const char *path);

/**
 * vl_ftp_path_join:
 * @base: a folder path (absolute)
 * @rel: a relative path without ".." components, may be ""
 *
 * Return: (transfer full): @base/@rel without doubled slashes.
 */
char *vl_ftp_path_join(const char *base, const char *rel);
