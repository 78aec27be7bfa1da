/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-bootlog.h - printing and following a VM's boot log (its serial console's log file) */
#pragma once

#include <gio/gio.h>

/**
 * vl_bootlog_print:
 * @path: the log file
 * @follow: keep printing what is appended (a rotated or truncated log is followed into its new
 *          file from the start), until @cancel is cancelled
 * @out_fd: where the bytes go (a blocking fd: stdout)
 * @cancel: (nullable): ends following
 *
 * Return: TRUE when everything was printed (or following was cancelled); FALSE with a
 * VL_ERROR_IO error when the log cannot be read or @out_fd cannot be written.
 */
gboolean vl_bootlog_print(const char *path, gboolean follow, int out_fd, GCancellable *cancel,
                          GError **error);
