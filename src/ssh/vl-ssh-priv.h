/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ssh-priv.h - one SSH connection's state, shared by vl-ssh.c, vl-ssh-known-hosts.c and
 * vl-ssh-session.c */
#pragma once

#include "vl-ssh-session.h"

#include <libssh2.h>
#include <libssh2_sftp.h>

/* One call's connection (see the theory of operation in vl-ssh.c). */
typedef struct {
    const VlSshTarget *t;
    const VlSshKey *key; /* nullable: public key authentication first */
    gboolean known_only; /* no trust on first use: the host must be in known_hosts */
    char *hostport;      /* "host:port" ("[v6]:port") for messages */
    gint64 deadline;     /* g_get_monotonic_time() units */
    int fd;
    LIBSSH2_SESSION *ssh;
    LIBSSH2_CHANNEL *chan;
    LIBSSH2_SFTP *sftp;
    gboolean handshaken;
    gboolean broken;    /* timed out or socket failed: no polite disconnect */
    gboolean retryable; /* the failure may pass with time: refused, or cut short by the server */
} VlSshConn;

/*
 * Connects @c to @t: TCP, handshake (host key methods pinned to known_hosts), host key check
 * (or trust on first use, unless @known_only) and authentication (with @key first, if any),
 * all before @t->timeout_ms from now. Leaves the session in non-blocking mode. On failure @c is
 * closed, and @c->retryable says whether trying again later may help.
 * Return: TRUE when logged in.
 */
gboolean vl_ssh_conn_open(VlSshConn *c, const VlSshTarget *t, const VlSshKey *key,
                          gboolean known_only, gboolean *recorded, GError **error);

/* Tears @c down (SFTP, channel, session, socket) without waiting long for the server. */
void vl_ssh_conn_close(VlSshConn *c);

/*
 * Waits until the socket is ready in the directions libssh2 is blocked on, or the deadline.
 * Return: TRUE to retry the libssh2 call, FALSE with @error set (timeout or poll failure).
 */
gboolean vl_ssh_conn_wait(VlSshConn *c, const char *what, GError **error);

/* Return: the milliseconds left before @c's deadline, 0 once it has passed. */
int vl_ssh_conn_remaining_ms(const VlSshConn *c);

/*
 * Sets @error (domain VL_ERROR, @code) from @what and libssh2's last session error. Socket
 * errors and timeouts become VL_ERROR_IO and mark @c broken.
 */
void vl_ssh_conn_set_error(VlSshConn *c, int code, GError **error, const char *what);

/*
 * Reads @c's known_hosts file into a new collection; a missing file is an empty one.
 * @content: (out) (optional): the file's bytes, to append to when recording.
 * Return: (transfer full): the collection, or NULL with @error set.
 */
LIBSSH2_KNOWNHOSTS *vl_ssh_known_hosts_load(VlSshConn *c, char **content, GError **error);

/* Return: a bit mask (index into the checkable key types) of the types recorded for @c's host. */
guint vl_ssh_known_hosts_types(VlSshConn *c, LIBSSH2_KNOWNHOSTS *kh);

/*
 * Pins the host key methods to the types recorded for @c's host, if any; refuses entries that
 * cannot be checked. Call before the handshake.
 * Return: TRUE on success (also when nothing is recorded), FALSE with @error set.
 */
gboolean vl_ssh_known_hosts_pin(VlSshConn *c, LIBSSH2_KNOWNHOSTS *kh, GError **error);

/*
 * Checks the server's host key against @kh (loaded before the handshake) and records it when
 * the host is new (trust on first use, under the process lock and a flock on the folder).
 * Return: TRUE if the key is trusted, FALSE with @error set.
 */
gboolean vl_ssh_known_hosts_check(VlSshConn *c, LIBSSH2_KNOWNHOSTS *kh, gboolean *recorded,
                                  GError **error);
