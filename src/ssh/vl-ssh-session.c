/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ssh-session.c - a kept SSH session (optionally with SFTP) for callers that drive libssh2 */
#include "vl-ssh-priv.h"

#include "vl-error.h"

#include <sys/socket.h>

/*
 * The same connection setup as vl_ssh_check_login() (vl_ssh_conn_open(): one deadline over TCP,
 * handshake, host key check and authentication; see vl-ssh.c), then SFTP, kept open for the
 * caller. Afterwards the caller makes blocking libssh2 calls, each bounded by the session's
 * timeout.
 */

struct _VlSshSession {
    VlSshTarget target; /* a copy: the connection points to it */
    VlSshKey key;
    VlSshConn c;
};

/* Starts SFTP on @c before its deadline. Return: TRUE on success, FALSE with @error set. */
static gboolean
session_start_sftp(VlSshConn *c, GError **error)
{
    while (!(c->sftp = libssh2_sftp_init(c->ssh)) &&
           libssh2_session_last_errno(c->ssh) == LIBSSH2_ERROR_EAGAIN) {
        if (!vl_ssh_conn_wait(c, "starting SFTP", error)) {
            c->retryable = TRUE;
            return FALSE;
        }
    }
    if (c->sftp)
        return TRUE;
    c->retryable = TRUE;
    vl_ssh_conn_set_error(c, VL_ERROR_IO, error, "cannot start SFTP");
    return FALSE;
}

VlSshSession *
vl_ssh_session_open(const VlSshTarget *target, const VlSshKey *key, VlSshSessionFlags flags,
                    gboolean *retry, GError **error)
{
    g_autofree VlSshSession *s = g_new0(VlSshSession, 1);

    if (retry)
        *retry = FALSE;
    s->target = *target;
    if (key)
        s->key = *key;
    if (!vl_ssh_conn_open(&s->c, &s->target, key ? &s->key : NULL,
                          (flags & VL_SSH_SESSION_KNOWN_ONLY) != 0, NULL, error)) {
        if (retry)
            *retry = s->c.retryable;
        return NULL;
    }
    if ((flags & VL_SSH_SESSION_SFTP) && !session_start_sftp(&s->c, error)) {
        if (retry)
            *retry = s->c.retryable;
        vl_ssh_conn_close(&s->c);
        return NULL;
    }
    libssh2_session_set_blocking(s->c.ssh, 1);
    libssh2_session_set_timeout(s->c.ssh, (long)target->timeout_ms);
    return g_steal_pointer(&s);
}

LIBSSH2_SESSION *
vl_ssh_session_get_libssh2(VlSshSession *s)
{
    return s->c.ssh;
}

LIBSSH2_SFTP *
vl_ssh_session_get_sftp(VlSshSession *s)
{
    return s->c.sftp;
}

void
vl_ssh_session_cut(VlSshSession *s)
{
    if (s->c.fd >= 0)
        shutdown(s->c.fd, SHUT_RDWR);
    s->c.broken = TRUE;
}

void
vl_ssh_session_free(VlSshSession *s)
{
    if (!s)
        return;
    vl_ssh_conn_close(&s->c);
    g_free(s);
}
