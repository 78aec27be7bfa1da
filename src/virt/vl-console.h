/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-console.h - an interactive serial console session: terminal <-> libvirt stream or telnet */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

/* The byte that leaves a console session: Ctrl-] (as in virsh and telnet). */
#define VL_CONSOLE_ESCAPE 0x1d

/**
 * vl_console_event_init:
 *
 * Registers libvirt's default event loop, once per process. It must run before the connection a
 * console stream comes from is opened, or the stream never reports events.
 * Return: TRUE, or FALSE with a VL_ERROR_FAILED error.
 */
gboolean vl_console_event_init(GError **error);

/**
 * vl_console_run_stream:
 * @st: a non-blocking stream (virStreamNew(conn, VIR_STREAM_NONBLOCK)) that virDomainOpenConsole
 *      attached to the guest's console
 * @in_fd: what the user types (stdin)
 * @out_fd: where the guest's output goes (stdout)
 *
 * Copies bytes both ways until Ctrl-] is typed, @in_fd ends, the stream ends (the guest stopped,
 * or another client took the console over) or SIGINT, SIGTERM, SIGHUP or SIGQUIT arrives. A
 * terminal on @in_fd is put in raw mode; its settings and both fds' flags are restored on every
 * way out. Every byte is delivered: writes that would block or come out short are buffered and
 * finished when the fd or stream can take more. Needs vl_console_event_init().
 * Return: TRUE when the user left (Ctrl-] or end of input) or the console ended; FALSE with an
 * error for a stream or I/O failure or a signal.
 */
gboolean vl_console_run_stream(virStreamPtr st, int in_fd, int out_fd, GError **error);

/**
 * vl_console_run_telnet:
 * @sock: a connected socket to a telnet console (QEMU's telnet server)
 *
 * As vl_console_run_stream(), over a telnet connection: the server's negotiation is answered and
 * never printed, and typed 0xff bytes are escaped. Needs vl_console_event_init().
 * Return: as vl_console_run_stream().
 */
gboolean vl_console_run_telnet(int sock, int in_fd, int out_fd, GError **error);

/* A domain's serial console, opened: a libvirt console stream or a telnet connection. */
typedef struct _VlConsoleTarget VlConsoleTarget;

/**
 * vl_console_open:
 * @dom: a running domain
 * @force: take the console over from another client (libvirt consoles; a telnet server takes
 *         one client at a time and cannot be taken over)
 *
 * Opens the domain's first serial console: through libvirt (virDomainOpenConsole on a
 * non-blocking stream; works over remote URIs) for a pty console, else a TCP connection to the
 * telnet server the domain's XML names. Needs vl_console_event_init() before the connection.
 * Return: (transfer full): the open console, or NULL with an error.
 */
VlConsoleTarget *vl_console_open(virDomainPtr dom, gboolean force, GError **error);

/* Return: (transfer none): "libvirt console" or "telnet HOST:PORT", for messages. */
const char *vl_console_target_describe(const VlConsoleTarget *t);

/**
 * vl_console_target_type:
 * @text: what to type (ASCII: it is sent as is, without telnet escaping)
 *
 * Sends @text to the console as if typed, before vl_console_target_run(): how `console HOST`
 * enters a coalesced host's network namespace.
 * Return: TRUE, or FALSE with an error when the console takes no input.
 */
gboolean vl_console_target_type(VlConsoleTarget *t, const char *text, GError **error);

/**
 * vl_console_target_run:
 *
 * Runs the session over @t (vl_console_run_stream() or vl_console_run_telnet()).
 * Return: as those.
 */
gboolean vl_console_target_run(VlConsoleTarget *t, int in_fd, int out_fd, GError **error);

/* Closes the console (aborting a libvirt stream) and frees @t. */
void vl_console_target_free(VlConsoleTarget *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlConsoleTarget, vl_console_target_free)
