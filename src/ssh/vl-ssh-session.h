/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ssh-session.h - a kept SSH session (optionally with SFTP) for callers that drive libssh2 */
#pragma once

#include "vl-ssh.h"

#include <libssh2.h>
#include <libssh2_sftp.h>

/**
 * VlSshKey:
 * @private_key: (nullable): the private key file; NULL: no public key authentication
 * @public_key: (nullable): its public key file; NULL: libssh2 derives it from @private_key
 * @passphrase: (nullable): the private key's passphrase
 *
 * A key to log in with. The caller owns the strings.
 */
typedef struct {
    const char *private_key;
    const char *public_key;
    const char *passphrase;
} VlSshKey;

/**
 * VlSshSessionFlags:
 * @VL_SSH_SESSION_KNOWN_ONLY: no trust on first use: a host without an entry in known_hosts is
 *   refused (VL_ERROR_INVALID) and the file is never written
 * @VL_SSH_SESSION_SFTP: also start the SFTP subsystem (within the same deadline)
 */
typedef enum {
    VL_SSH_SESSION_KNOWN_ONLY = 1 << 0,
    VL_SSH_SESSION_SFTP = 1 << 1,
} VlSshSessionFlags;

typedef struct _VlSshSession VlSshSession;

/**
 * vl_ssh_session_open:
 * @target: where and how to log in, as for vl_ssh_check_login(); @target->password may be NULL
 *   when @key names a private key. The strings must outlive the session.
 * @key: (nullable): tried first when the server offers "publickey", then the password (if any)
 * @flags: see #VlSshSessionFlags
 * @retry: (out) (optional): on failure, TRUE when trying again later may help (the connection
 *   was refused, or the server cut the handshake or the SFTP start short, as sshd does beyond
 *   MaxStartups), FALSE when it is final (host key, authentication, known_hosts, arguments)
 * @error: return location for a VL_ERROR, with the codes of vl_ssh_check_login()
 *
 * Connects, checks the host key against known_hosts, logs in and (with VL_SSH_SESSION_SFTP)
 * starts SFTP, all within @target->timeout_ms, as vl_ssh_check_login() does. The session is then
 * left in libssh2's blocking mode with @target->timeout_ms as its timeout, so each later libssh2
 * call on it is bounded by that. Like any libssh2 session it is not thread-safe: one thread at a
 * time (the caller's lock).
 * Return: (transfer full): the logged-in session, or NULL with @error set.
 */
VlSshSession *vl_ssh_session_open(const VlSshTarget *target, const VlSshKey *key,
                                  VlSshSessionFlags flags, gboolean *retry, GError **error);

/* Return: (transfer none): @s's libssh2 session. */
LIBSSH2_SESSION *vl_ssh_session_get_libssh2(VlSshSession *s);

/* Return: (transfer none) (nullable): @s's SFTP channel (opened with VL_SSH_SESSION_SFTP). */
LIBSSH2_SFTP *vl_ssh_session_get_sftp(VlSshSession *s);

/**
 * vl_ssh_session_cut:
 *
 * Shuts the TCP connection down, so that freeing @s later sends nothing and never waits for the
 * server (for a caller in a main loop). Like every call on @s: one thread at a time.
 */
void vl_ssh_session_cut(VlSshSession *s);

/**
 * vl_ssh_session_free:
 *
 * Closes SFTP and the session (a polite disconnect, unless cut or broken, waiting at most half
 * a second per step) and the socket.
 */
void vl_ssh_session_free(VlSshSession *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlSshSession, vl_ssh_session_free)
