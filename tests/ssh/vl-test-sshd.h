/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-test-sshd.h - the ssh tests' fixture: a throw-away user and real OpenSSH sshds on 127.0.0.1 */
#pragma once

#include "vl-ssh.h"

#include <glib.h>

/*
 * The program runs as root (as CI does): vl_test_ssh_server_setup() creates a throw-away local
 * user with a random password (useradd + chpasswd), host keys and sshd configs in a temp folder,
 * and starts /usr/sbin/sshd -D on 127.0.0.1 at a free port. A watchdog shell, holding the read end
 * of a pipe only this process writes to, kills every sshd, deletes the user and removes the temp
 * folder once that pipe closes, so cleanup also happens when an assertion aborts the program.
 * Without root or sshd the cases needing a server are skipped, saying why.
 */

typedef struct {
    const char *name; /* "main" (password) or "kbd" (keyboard-interactive via PAM) */
    gboolean kbd_only;
    GPid pid;
    guint port;
    char *log;
} VlTestSshd;

typedef struct {
    char *dir; /* host keys, configs, logs, pid files */
    char *user;
    char *password;
    char *key_a; /* host key files (private; .pub next to them) */
    char *key_b;
    char *key_ecdsa;
    char *skip;   /* why the server cases cannot run here (not root, no sshd), or NULL */
    char *broken; /* why the server could not be set up although it should have been */
    int watchdog_fd;
    guint starts; /* sshd starts so far, to name their logs */
    VlTestSshd main;
} VlTestSshServer;

/* The one server of the program, set up by vl_test_ssh_server_setup(). */
extern VlTestSshServer vl_test_ssh;

/* A test case's own folder and known_hosts path (the file does not exist at the start). */
typedef struct {
    char *dir;
    char *known_hosts;
} VlTestSshFixture;

/* Adds the test case @fn at @path with a VlTestSshFixture. */
#define VL_TEST_SSH_ADD(path, fn)                                                                  \
    g_test_add(path, VlTestSshFixture, NULL, vl_test_ssh_fixture_setup, fn,                        \
               vl_test_ssh_fixture_teardown)

/* Runs @argv (bounded by the tools themselves), asserting success unless @may_fail. */
gboolean vl_test_ssh_run(const char *const *argv, gboolean may_fail);

/* Return: (transfer full): the base64 key blob of an OpenSSH .pub file. */
char *vl_test_ssh_pub_blob(const char *key);

/* Stops @s (SIGTERM, then SIGKILL after 3 s) and reaps it. */
void vl_test_sshd_stop(VlTestSshd *s);

/*
 * Starts @s with host key @key on its port (a new free port if it has none, retrying when
 * another process took it) and waits until it listens.
 * Return: TRUE if it listens; FALSE with @why set.
 */
gboolean vl_test_sshd_start(VlTestSshd *s, const char *key, char **why);

/* Return: (transfer full): the text @s logged after byte @from. */
char *vl_test_sshd_log_since(const VlTestSshd *s, gsize from);

/* Return: TRUE once @s logged @needle after byte @from, FALSE if not within 3 s. */
gboolean vl_test_sshd_log_wait(const VlTestSshd *s, gsize from, const char *needle);

/* Return: the size of @s's log now. */
gsize vl_test_sshd_log_size(const VlTestSshd *s);

/* After g_test_init(): ignores SIGPIPE, makes the temp folder, sets up the user, the host keys and
 * the main sshd; on any lack, records why in vl_test_ssh.skip (and says so). */
void vl_test_ssh_server_setup(void);

/* Stops the server, deletes the user and the temp folder. */
void vl_test_ssh_server_teardown(void);

void vl_test_ssh_fixture_setup(VlTestSshFixture *f, gconstpointer data);
void vl_test_ssh_fixture_teardown(VlTestSshFixture *f, gconstpointer data);

/* Return: TRUE if the server cases can run; else marks the case skipped or failed. */
gboolean vl_test_ssh_need_server(void);

/* Return: a target for the main sshd with the fixture's known_hosts. */
VlSshTarget vl_test_ssh_target(const VlTestSshFixture *f);
