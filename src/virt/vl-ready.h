/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ready.h - readiness by console: wait for a line matching a pattern on a telnet serial console
 */
#pragma once

#include <glib.h>

/**
 * vl_ready_console_wait:
 * @host: the console's address
 * @port: the console's TCP port (a QEMU telnet server)
 * @pattern: a GRegex pattern matched against each console line
 * @timeout_s: give up after this many seconds
 *
 * Connects (retrying while the VM comes up) and reads lines, skipping telnet negotiation, until
 * one matches @pattern.
 * Return: TRUE when a line matched; FALSE with a VL_ERROR_FAILED error on timeout.
 */
gboolean vl_ready_console_wait(const char *host, guint port, const char *pattern, guint timeout_s,
                               GError **error);
