/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-pasv.h - one passive data connection: accepted once, within a window, then no more */
#pragma once

#include <gio/gio.h>

/*
 * Theory of operation. PASV/EPSV hand a fresh listening socket to vl_ftp_pasv_start(), which
 * accepts on it in a thread of its own:
 *   LISTENING --first connection--> ACCEPTED   (the listener is closed at once)
 *   LISTENING --window over------> EXPIRED    (the listener is closed)
 *   LISTENING --vl_ftp_pasv_free--> CANCELLED (the listener is closed)
 * So exactly one connection is ever accepted per PASV/EPSV, and the port answers nobody once the
 * client has connected or the window has passed: a second connection is refused by the kernel.
 * A first connection from another address than the control peer is closed and remembered as
 * the outcome (PERMISSION_DENIED). vl_ftp_pasv_take() waits for the outcome, at most until the
 * window ends.
 */
typedef struct _VlFtpPasv VlFtpPasv;

/**
 * vl_ftp_pasv_start:
 * @listener: (transfer full): a listening socket
 * @peer: the only address a data connection may come from
 * @window: seconds the listener waits for its one connection
 *
 * Return: (transfer full): the acceptor, already running.
 */
VlFtpPasv *vl_ftp_pasv_start(GSocket *listener, GInetAddress *peer, guint window);

/**
 * vl_ftp_pasv_take:
 *
 * Waits until the one connection arrived or the window ended.
 * Return: (transfer full): the connection (blocking), or NULL with an error: G_IO_ERROR_TIMED_OUT
 * when nobody connected in time, G_IO_ERROR_PERMISSION_DENIED for a foreign address, or the
 * accept error. A second call returns NULL with G_IO_ERROR_NOT_CONNECTED.
 */
GSocket *vl_ftp_pasv_take(VlFtpPasv *pasv, GError **error);

/* Stops the acceptor (closing the listener and any connection not taken) and frees it. */
void vl_ftp_pasv_free(VlFtpPasv *pasv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlFtpPasv, vl_ftp_pasv_free)
