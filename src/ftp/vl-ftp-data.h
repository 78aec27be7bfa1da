/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-data.h - FTP data connections: passive listeners, active connects and peer checks */
#pragma once

#include <gio/gio.h>

/*
 * One per session. PASV/EPSV open a listener on the control connection's local address, on a
 * port drawn with getrandom(2) from the passive range (or the kernel's ephemeral range), which
 * accepts exactly one connection within the passive window and then closes (vl-ftp-pasv.h);
 * PORT/EPRT record a target that must be the control peer's own address and a port >= 1024.
 * vl_ftp_data_open() then takes that connection (only from the control peer) or connects, once:
 * the next transfer needs a new PASV/PORT.
 *
 * Behind QEMU user networking every VM's connections come from 127.0.0.1, so the peer check
 * cannot tell routers (or other local processes) apart: what keeps one from taking another's
 * passive connection is only that the port is unpredictable, answers one connection, and only
 * for a few seconds (docs/ftp-proxy.md, Security).
 */
typedef struct _VlFtpData VlFtpData;

/**
 * vl_ftp_data_new:
 * @local: the control connection's local address (passive listeners bind to it)
 * @peer: the control connection's peer address (the only one allowed on data connections)
 * @pasv_min: lowest passive port, 0 for any
 * @pasv_max: highest passive port
 * @pasv_window: seconds a passive listener waits for its one connection
 *
 * Return: (transfer full): the data connection state, with no mode set.
 */
VlFtpData *vl_ftp_data_new(GInetAddress *local, GInetAddress *peer, guint16 pasv_min,
                           guint16 pasv_max, guint pasv_window);
void vl_ftp_data_free(VlFtpData *data);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlFtpData, vl_ftp_data_free)

/* Return: the port of a new passive listener (replacing any earlier mode), or 0 with an error. */
guint16 vl_ftp_data_listen(VlFtpData *data, GError **error);

/**
 * vl_ftp_data_set_active:
 * @arg: the PORT argument "h1,h2,h3,h4,p1,p2" or, with @extended, the EPRT one "|1|ip|port|"
 *
 * Return: TRUE if the target is well formed, the control peer's address and a port >= 1024;
 * FALSE with G_IO_ERROR_INVALID_ARGUMENT (malformed) or G_IO_ERROR_PERMISSION_DENIED otherwise.
 */
gboolean vl_ftp_data_set_active(VlFtpData *data, const char *arg, gboolean extended,
                                GError **error);

/* Return: TRUE if PASV/EPSV or PORT/EPRT chose a mode for the next transfer. */
gboolean vl_ftp_data_is_ready(const VlFtpData *data);

/**
 * vl_ftp_data_open:
 * @timeout: seconds to wait for the connect (active; passive waits at most the passive
 *           window); it also becomes the timeout of every read and write on the returned socket
 *
 * Opens the data connection of the chosen mode and forgets the mode. A passive connection from
 * another address than the control peer is closed and refused.
 * Return: (transfer full): the connected socket, or NULL with an error.
 */
GSocket *vl_ftp_data_open(VlFtpData *data, guint timeout, GError **error);

/* Forgets the chosen mode and closes any passive listener. */
void vl_ftp_data_reset(VlFtpData *data);

/* Return: (transfer full): @addr as a string with its port, "1.2.3.4:5" or "[::1]:5". */
char *vl_ftp_data_address_to_string(GInetAddress *addr, guint16 port);
