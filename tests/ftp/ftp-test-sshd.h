/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ftp-test-sshd.h - a real OpenSSH sshd on 127.0.0.1 for the tests of SFTP backends */
#pragma once

#include <gio/gio.h>

#define FTP_TEST_SSHD "/usr/sbin/sshd"

/* One sshd: key login as the current user, internal-sftp, its files in @dir. */
typedef struct {
    const char *dir;         /* where its config, host key and log go */
    const char *client_key;  /* the private key it accepts (its .pub must exist) */
    const char *known_hosts; /* written at start: "[127.0.0.1]:PORT TYPE KEY" */
    guint16 port;            /* 0 before the first start: a free port is picked, then kept */
    GSubprocess *proc;       /* (nullable) the running sshd */
} FtpTestSshd;

/* Makes an ECDSA key pair @path / @path.pub without a passphrase (ssh-keygen). */
void ftp_test_keygen(const char *path);

/* Starts @s (the host key is made once and kept across restarts) and waits until it accepts. */
void ftp_test_sshd_start(FtpTestSshd *s);

/* Waits (bounded, 10 s) until an sshd accepts on 127.0.0.1:@port; fails the test with its log
 * @log if it does not. */
void ftp_test_sshd_wait(guint16 port, const char *log);

/* Stops @s (SIGTERM, then SIGKILL after 5 s); nothing when it is not running. */
void ftp_test_sshd_stop(FtpTestSshd *s);
