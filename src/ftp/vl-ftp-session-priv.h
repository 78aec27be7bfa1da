/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-session-priv.h - the session state shared by the session, control and transfer files */
#pragma once

#include "vl-ftp-data.h"
#include "vl-ftp-listing.h"
#include "vl-ftp-session.h"
#include "vl-ftp-vfs.h"

/* The states of the session's state machine (theory of operation: vl-ftp-session.c). */
typedef enum {
    VL_FTP_SESSION_CONNECTED,
    VL_FTP_SESSION_USER_GIVEN,
    VL_FTP_SESSION_LOGGED_IN,
} VlFtpSessionState;

typedef struct {
    VlFtpServer *server;
    VlFtpConfig *config;
    guint id;
    GSocket *sock;
    GInetAddress *peer;
    char *peer_str;
    char inbuf[VL_FTP_LINE_MAX + 2];
    gsize in_len;
    VlFtpSessionState state;
    char *user;
    const VlFtpRouter *router;
    gboolean router_counted;
    guint login_failures;
    char *cwd;
    gboolean binary;
    guint64 rest;
    char *rename_from;
    VlFtpData *data;
    VlFtpVfs *vfs; /* the router's tree, from login on */
    gboolean quit;
    gboolean epsv_all;
} VlFtpSession;

/* ---- vl-ftp-control.c: the control connection ---- */

typedef enum {
    VL_FTP_READ_LINE,
    VL_FTP_READ_EOF,
    VL_FTP_READ_TOO_LONG,
    VL_FTP_READ_ERROR,
} VlFtpReadResult;

/* Sends @text on the control connection. Return: TRUE if all of it was sent (else quits). */
gboolean vl_ftp_control_send(VlFtpSession *s, const char *text, gsize len);

/* Sends the one-line reply "@code message". */
void vl_ftp_control_reply(VlFtpSession *s, int code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* Logs a message naming the session, its peer and its router. */
void vl_ftp_control_log(VlFtpSession *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/*
 * Answers a failed file operation: the detail (which may name real backend paths) goes to the
 * log only; the client gets a short reason (451 for backend failures, else 550).
 */
void vl_ftp_control_reply_error(VlFtpSession *s, const char *what, const GError *err);

/*
 * Reads the next command line, Telnet commands stripped (blocking up to the socket's timeout).
 * Return: what happened; *@line (transfer full) and *@len with VL_FTP_READ_LINE.
 */
VlFtpReadResult vl_ftp_control_read_line(VlFtpSession *s, char **line, gsize *len, GError **error);

/*
 * Looks at the control connection without blocking during a transfer.
 * Return: TRUE if the client sent ABOR (consumed), closed the control connection or the server
 * is stopping.
 */
gboolean vl_ftp_control_poll_abort(VlFtpSession *s);

/* ---- vl-ftp-xfer.c: the transfer commands and their loops ---- */

/* RETR: sends a file, from the REST offset, over the data connection. */
void vl_ftp_xfer_retr(VlFtpSession *s, const char *arg);

/* STOR (@append FALSE) and APPE: receives a file over the data connection. */
void vl_ftp_xfer_store(VlFtpSession *s, const char *arg, gboolean append);

/* LIST, NLST and MLSD (by @format): a listing sent over the data connection. */
void vl_ftp_xfer_list(VlFtpSession *s, const char *arg, VlFtpListingFormat format,
                      const char *verb);
