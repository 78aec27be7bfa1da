/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ssh.h - SSH client on libssh2: login checks (readiness) and one-shot remote commands */
#pragma once

#include <glib.h>

/* The most output vl_ssh_exec() collects per stream (stdout, stderr): 16 MiB. */
#define VL_SSH_OUTPUT_MAX (16u * 1024u * 1024u)

/**
 * VlSshTarget:
 * @host: an IP address or host name
 * @port: the SSH port
 * @user: the login name
 * @password: the password (sent with "password" authentication, or as the answer to every
 *   "keyboard-interactive" prompt when the server does not offer "password")
 * @known_hosts: the OpenSSH known_hosts file to check the host key against (see the theory of
 *   operation in vl-ssh-known-hosts.c); required, there is no "accept any key"
 * @timeout_ms: the bound of the whole call (more than 0): connect, handshake, authentication
 *   and, for vl_ssh_exec(), the command itself
 *
 * Where and how to log in. The caller owns the strings.
 */
typedef struct {
    const char *host;
    guint port;
    const char *user;
    const char *password;
    const char *known_hosts;
    guint timeout_ms;
} VlSshTarget;

/**
 * vl_ssh_check_login:
 * @target: where and how to log in
 * @key_recorded: (out) (optional): set to TRUE when the host had no entry in known_hosts and its
 *   key was recorded there (trust on first use), FALSE otherwise
 * @error: return location for a VL_ERROR: VL_ERROR_IO when the host cannot be reached or does not
 *   answer in time, VL_ERROR_FAILED when it refuses the credentials, VL_ERROR_INVALID when its
 *   host key differs from the recorded one (or bad arguments, such as no known_hosts file)
 *
 * Connects, checks the host key, logs in with the password and disconnects. Meant for a retry
 * loop while a VM boots: it fails fast and never blocks longer than @target->timeout_ms (plus a
 * short grace for a polite disconnect). Safe to call from several threads at once.
 * Return: TRUE if the login was accepted.
 */
gboolean vl_ssh_check_login(const VlSshTarget *target, gboolean *key_recorded, GError **error);

/**
 * vl_ssh_exec:
 * @target: where and how to log in
 * @command: the command line, run by the remote user's shell
 * @out: (out) (optional) (transfer full): the command's standard output (NUL-terminated; NULL
 *   on failure)
 * @err: (out) (optional) (transfer full): the command's standard error (likewise)
 * @exit_status: (out) (optional): the remote exit status; 128 + N when the command was killed by
 *   signal N (as a shell reports it), 255 for a signal of another name
 * @key_recorded: (out) (optional): as for vl_ssh_check_login()
 * @error: return location for a VL_ERROR as for vl_ssh_check_login(); also VL_ERROR_IO when the
 *   command does not finish within @target->timeout_ms, VL_ERROR_FAILED when a stream exceeds
 *   VL_SSH_OUTPUT_MAX
 *
 * Logs in as vl_ssh_check_login() does, runs @command with an empty standard input and collects
 * its output. Safe to call from several threads at once.
 * Return: TRUE if the command ran to completion (whatever its exit status).
 */
gboolean vl_ssh_exec(const VlSshTarget *target, const char *command, char **out, char **err,
                     int *exit_status, gboolean *key_recorded, GError **error);

/**
 * vl_ssh_known_hosts_forget:
 * @path: an OpenSSH known_hosts file, as in #VlSshTarget
 * @host: the host whose entry goes
 * @port: its SSH port
 * @error: return location for a VL_ERROR_IO error (the file cannot be read or written, or the
 *   lock is not had within 10 s)
 *
 * Drops the entries of @host:@port ("[host]:port", or "host" for port 22, as they are recorded)
 * from @path, rewriting it atomically, so the next login records the key of a VM that booted
 * from a fresh disk. Runs under the same process-wide lock and flock() on the file's folder as
 * the recording of keys, so it never races a login in another thread or process. A missing file
 * is not an error. Safe to call from several threads at once.
 * Return: TRUE on success (also when there was nothing to drop).
 */
gboolean vl_ssh_known_hosts_forget(const char *path, const char *host, guint port, GError **error);
