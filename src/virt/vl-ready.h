/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ready.h - readiness checks: a boot log line matching a pattern, an SSH banner on a port */
#pragma once

#include <glib.h>

/**
 * vl_ready_log_wait:
 * @log_path: the VM's boot log (libvirt's <log> of its serial console, appended to)
 * @offset: where this boot starts in the log (its size before the VM was started)
 * @pattern: a GRegex pattern matched against each console line
 * @timeout_s: give up after this many seconds
 *
 * Follows the log from @offset (waiting for it to appear and grow; a log that shrinks or is
 * replaced, as virtlogd's rotation does, is read again from its start) until a line matches.
 * Return: TRUE when a line matched; FALSE with a VL_ERROR_FAILED error on timeout, or
 * VL_ERROR_INVALID for a bad pattern.
 */
gboolean vl_ready_log_wait(const char *log_path, gint64 offset, const char *pattern,
                           guint timeout_s, GError **error);

/**
 * vl_ready_ssh_banner:
 * @host: an address
 * @port: a TCP port
 *
 * Return: TRUE when something answers with an SSH banner on @host:@port within a second.
 */
gboolean vl_ready_ssh_banner(const char *host, guint port);
