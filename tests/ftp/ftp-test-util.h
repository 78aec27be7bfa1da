/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ftp-test-util.h - helpers for the FTP proxy tests: the proxy process, clients, test files */
#pragma once

#include "vl-test-util.h"

#include <gio/gio.h>

/* Every wait in the tests is bounded by these. */
#define FTP_TEST_START_TIMEOUT_MS 10000
#define FTP_TEST_CLIENT_TIMEOUT_S "60"
#define FTP_TEST_SOCKET_TIMEOUT_S 20

/* Temporary folders, files and ports: vl-test-util.h. */

/* Writes a file of @size pseudo-random bytes (seeded by @seed). */
void ftp_test_write_random(const char *path, gsize size, guint32 seed);
/* Return: (transfer full): the SHA-256 of a file's content, or NULL if it cannot be read. */
char *ftp_test_sha256_file(const char *path);

typedef struct {
    GSubprocess *proc;
    char *dir; /* holds port, log */
    char *log_path;
    guint16 port;
} FtpTestProxy;

/**
 * ftp_test_proxy_start:
 * @dir: a folder for the port and log files
 * @args: NULL-terminated arguments after "ftp-proxy" (the port file is added)
 *
 * Starts the test launcher of `ftp-proxy` and waits (bounded) until it listens.
 * Return: (transfer full): the running proxy.
 */
FtpTestProxy *ftp_test_proxy_start(const char *dir, const char *const *args);
/* Sends SIGTERM, waits (bounded) and frees; asserts a clean exit (status 0). */
void ftp_test_proxy_stop(FtpTestProxy *proxy);
/* Return: (transfer full): the proxy's log so far. */
char *ftp_test_proxy_log(FtpTestProxy *proxy);
/* Waits (bounded) until the log contains @needle. Return: TRUE if it appeared. */
gboolean ftp_test_proxy_wait_log(FtpTestProxy *proxy, const char *needle, guint timeout_ms);

/**
 * ftp_test_run:
 * @argv: a command; it runs under `timeout` so it cannot hang the test
 * @cwd: (nullable): its working folder
 * @out: (out) (optional): its stdout
 * @err: (out) (optional): its stderr
 *
 * Return: the exit status (124 after a timeout).
 */
int ftp_test_run(const char *const *argv, const char *cwd, char **out, char **err);

/* Waits (bounded) for @proc to exit. Return: TRUE if it exited. */
gboolean ftp_test_wait_exit(GSubprocess *proc, guint timeout_ms);

/* A raw control connection, for the reply table. */
typedef struct {
    GSocketConnection *conn;
    GSocket *sock;
    char buf[16384];
    gsize len;
} FtpTestClient;

/* Connects and reads the greeting. Return: (transfer full): the client; *@code the greeting's. */
FtpTestClient *ftp_test_client_new(guint16 port, int *code);
void ftp_test_client_free(FtpTestClient *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FtpTestClient, ftp_test_client_free)
/* Sends @len raw bytes. */
void ftp_test_client_send_raw(FtpTestClient *c, const char *data, gsize len);
/* Reads one (possibly multi-line) reply. Return: its code, -1 on EOF or timeout. */
int ftp_test_client_reply(FtpTestClient *c, char **text);
/* Sends "@line\r\n" and reads the reply. Return: its code. */
int ftp_test_client_cmd(FtpTestClient *c, const char *line, char **text);
/* Logs in with USER/PASS. Return: the PASS reply code. */
int ftp_test_client_login(FtpTestClient *c, const char *user, const char *pass);
/* Sends EPSV and connects to the announced port. Return: (transfer full): the data socket. */
GSocket *ftp_test_client_epsv(FtpTestClient *c);
/* Reads a data socket to its end. Return: (transfer full): everything read. */
GBytes *ftp_test_data_read_all(GSocket *data);

/* Return: (transfer full): the path of a built test helper, e.g. "ftp-proxy-run". */
char *ftp_test_build_path(const char *name);
