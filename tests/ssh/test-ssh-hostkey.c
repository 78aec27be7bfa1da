/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-ssh-hostkey.c - vl-ssh's host key checks (trust on first use, changed keys, known_hosts
 * it cannot check) against a real OpenSSH sshd on 127.0.0.1 */
#include "vl-error.h"
#include "vl-ssh.h"
#include "vl-test-sshd.h"
#include "vl-test-util.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

static void
test_hostkey_tofu_records(VlTestSshFixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *blob = NULL;
    g_autofree char *expect = NULL;
    g_autofree char *content = NULL;
    g_autofree char *again = NULL;
    VlSshTarget t;
    gboolean ok;
    gboolean recorded = FALSE;
    struct stat st;

    if (!vl_test_ssh_need_server())
        return;
    blob = vl_test_ssh_pub_blob(vl_test_ssh.key_a);
    g_assert_false(g_file_test(f->known_hosts, G_FILE_TEST_EXISTS));
    t = vl_test_ssh_target(f);
    ok = vl_ssh_check_login(&t, &recorded, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    g_assert_true(recorded);
    g_assert_cmpint(g_stat(f->known_hosts, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 07777, ==, 0600);
    content = vl_test_read_file(f->known_hosts, NULL);
    expect = g_strdup_printf("[127.0.0.1]:%u ssh-ed25519 %s\n", vl_test_ssh.main.port, blob);
    g_assert_cmpstr(content, ==, expect);
    /* Known now: nothing recorded, file unchanged. */
    ok = vl_ssh_check_login(&t, &recorded, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    g_assert_false(recorded);
    again = vl_test_read_file(f->known_hosts, NULL);
    g_assert_cmpstr(again, ==, content);
}

static void
test_hostkey_tofu_appends(VlTestSshFixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *blob_b = NULL;
    g_autofree char *before = NULL;
    g_autofree char *content = NULL;
    g_autofree char *entry = NULL;
    VlSshTarget t;
    gboolean ok;
    gboolean recorded = FALSE;

    if (!vl_test_ssh_need_server())
        return;
    /* Other hosts' lines (and a missing final newline) are kept byte for byte. */
    blob_b = vl_test_ssh_pub_blob(vl_test_ssh.key_b);
    before = g_strdup_printf("# lab hosts\n[127.0.0.1]:1 ssh-ed25519 %s", blob_b);
    g_assert_true(g_file_set_contents(f->known_hosts, before, -1, NULL));
    t = vl_test_ssh_target(f);
    ok = vl_ssh_check_login(&t, &recorded, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    g_assert_true(recorded);
    content = vl_test_read_file(f->known_hosts, NULL);
    g_assert_true(g_str_has_prefix(content, before));
    entry = g_strdup_printf("\n[127.0.0.1]:%u ssh-ed25519 ", vl_test_ssh.main.port);
    g_assert_nonnull(strstr(content + strlen(before), entry));
}

static void
test_hostkey_changed_refused(VlTestSshFixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    g_autofree char *hostport = NULL;
    g_autofree char *why = NULL;
    g_autofree char *log = NULL;
    VlSshTarget t;
    gboolean ok;
    struct stat st;
    gsize log_from;

    if (!vl_test_ssh_need_server())
        return;
    t = vl_test_ssh_target(f);
    ok = vl_ssh_check_login(&t, NULL, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    before = vl_test_read_file(f->known_hosts, NULL);
    g_assert_nonnull(before);

    /* Same host and port, new host key. */
    vl_test_sshd_stop(&vl_test_ssh.main);
    g_assert_true(vl_test_sshd_start(&vl_test_ssh.main, vl_test_ssh.key_b, &why));
    log_from = vl_test_sshd_log_size(&vl_test_ssh.main);
    t.port = vl_test_ssh.main.port;
    g_assert_false(vl_ssh_check_login(&t, NULL, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_INVALID);
    hostport = g_strdup_printf("127.0.0.1:%u", vl_test_ssh.main.port);
    g_assert_nonnull(strstr(error->message, hostport));
    g_assert_nonnull(strstr(error->message, f->known_hosts));
    g_clear_error(&error);
    after = vl_test_read_file(f->known_hosts, NULL);
    g_assert_cmpstr(after, ==, before);
    g_assert_cmpint(g_stat(f->known_hosts, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 07777, ==, 0600);
    /* It did not go on to authenticate: the connection ended right after the key exchange. */
    g_assert_true(vl_test_sshd_log_wait(&vl_test_ssh.main, log_from, "Disconnected from"));
    log = vl_test_sshd_log_since(&vl_test_ssh.main, log_from);
    g_assert_null(strstr(log, "password for"));
    g_assert_null(strstr(log, "Accepted"));

    /* Also through vl_ssh_exec(). */
    g_assert_false(vl_ssh_exec(&t, "true", NULL, NULL, NULL, NULL, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_INVALID);

    /* Back to the original key for the other cases. */
    vl_test_sshd_stop(&vl_test_ssh.main);
    g_clear_pointer(&why, g_free);
    g_assert_true(vl_test_sshd_start(&vl_test_ssh.main, vl_test_ssh.key_a, &why));
}

static void
test_hostkey_type_changed_refused(VlTestSshFixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *blob = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    VlSshTarget t;

    if (!vl_test_ssh_need_server())
        return;
    /* Only an ECDSA key is recorded; the server has only an Ed25519 one. */
    blob = vl_test_ssh_pub_blob(vl_test_ssh.key_ecdsa);
    before =
        g_strdup_printf("[127.0.0.1]:%u ecdsa-sha2-nistp256 %s\n", vl_test_ssh.main.port, blob);
    g_assert_true(g_file_set_contents(f->known_hosts, before, -1, NULL));
    t = vl_test_ssh_target(f);
    g_assert_false(vl_ssh_check_login(&t, NULL, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_INVALID);
    g_assert_nonnull(strstr(error->message, f->known_hosts));
    after = vl_test_read_file(f->known_hosts, NULL);
    g_assert_cmpstr(after, ==, before);
}

static void
test_hostkey_null_refused(VlTestSshFixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    VlSshTarget t = {.host = "127.0.0.1",
                     .port = 22,
                     .user = "nobody",
                     .password = "x",
                     .known_hosts = NULL,
                     .timeout_ms = 5000};

    g_assert_false(vl_ssh_check_login(&t, NULL, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_INVALID);
    g_assert_nonnull(strstr(error->message, "known_hosts"));
    g_clear_error(&error);
    g_assert_false(vl_ssh_exec(&t, "true", NULL, NULL, NULL, NULL, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_INVALID);
}

/* Checks that known_hosts @content ("PORT" replaced) fails the call with VL_ERROR_INVALID naming
 * @what. */
static void
check_known_hosts_refused(VlTestSshFixture *f, const char *content, const char *what)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *after = NULL;
    /* Nothing listens there: failing with INVALID, not IO, shows it stopped before connecting. */
    VlSshTarget t = {.host = "127.0.0.1",
                     .port = vl_test_free_port(),
                     .user = "nobody",
                     .password = "x",
                     .known_hosts = f->known_hosts,
                     .timeout_ms = 5000};
    g_autoptr(GString) text = g_string_new(content);
    g_autofree char *port = g_strdup_printf("%u", t.port);

    g_string_replace(text, "PORT", port, 0);
    g_assert_true(g_file_set_contents(f->known_hosts, text->str, -1, NULL));
    g_assert_false(vl_ssh_check_login(&t, NULL, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_INVALID);
    g_assert_nonnull(strstr(error->message, what));
    g_assert_nonnull(strstr(error->message, f->known_hosts));
    after = vl_test_read_file(f->known_hosts, NULL);
    g_assert_cmpstr(after, ==, text->str);
}

static void
test_hostkey_unparseable_refused(VlTestSshFixture *f, gconstpointer data)
{
    check_known_hosts_refused(f, "# ok\n[127.0.0.1]:%u ssh-ed25519\n", "line 2");
}

static void
test_hostkey_marker_refused(VlTestSshFixture *f, gconstpointer data)
{
    check_known_hosts_refused(
        f,
        "@revoked [127.0.0.1]:PORT ssh-ed25519 "
        "AAAAC3NzaC1lZDI1NTE5AAAAIP3Kgflq1jdlrLrk1DAQ1pklxMocmxfh+9ndxAmFnGr1\n",
        "line 1: markers");
}

static void
test_hostkey_unknown_type_refused(VlTestSshFixture *f, gconstpointer data)
{
    check_known_hosts_refused(f,
                              "[127.0.0.1]:PORT sk-ssh-ed25519@openssh.com "
                              "AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIHfN3qk3A6Oq\n",
                              "type vmlab-virt cannot check");
}

/* Return: (transfer full): a valid sk-ssh-ed25519@openssh.com public key blob, base64. */
static char *
sk_key_blob(void)
{
    static const char *fields[] = {"sk-ssh-ed25519@openssh.com", "0123456789abcdef0123456789abcdef",
                                   "ssh:"};
    g_autoptr(GByteArray) blob = g_byte_array_new();

    for (guint i = 0; i < G_N_ELEMENTS(fields); i++) {
        guint32 len = GUINT32_TO_BE((guint32)strlen(fields[i]));
        g_byte_array_append(blob, (const guint8 *)&len, 4);
        g_byte_array_append(blob, (const guint8 *)fields[i], (guint)strlen(fields[i]));
    }
    return g_base64_encode(blob->data, blob->len);
}

static void
test_hostkey_unknown_type_hashed_refused(VlTestSshFixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *blob = sk_key_blob();
    g_autofree char *text = NULL;
    g_autofree char *hashed = NULL;
    g_autofree char *after = NULL;
    VlSshTarget t;

    if (!vl_test_ssh_need_server())
        return;
    /* The same entry as above, its name hashed by OpenSSH itself (ssh-keygen -H). */
    t = vl_test_ssh_target(f);
    text = g_strdup_printf("[127.0.0.1]:%u sk-ssh-ed25519@openssh.com %s\n", t.port, blob);
    g_assert_true(g_file_set_contents(f->known_hosts, text, -1, NULL));
    {
        const char *hash[] = {"/usr/bin/ssh-keygen", "-q", "-H", "-f", f->known_hosts, NULL};
        vl_test_ssh_run(hash, FALSE);
    }
    hashed = vl_test_read_file(f->known_hosts, NULL);
    g_assert_true(g_str_has_prefix(hashed, "|1|"));
    g_assert_nonnull(strstr(hashed, blob));
    g_assert_false(vl_ssh_check_login(&t, NULL, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_INVALID);
    g_assert_nonnull(strstr(error->message, "type vmlab-virt cannot check"));
    after = vl_test_read_file(f->known_hosts, NULL);
    g_assert_cmpstr(after, ==, hashed);
    /* An entry for another port does not stand in the way. */
    t.port = vl_test_free_port();
    g_clear_error(&error);
    g_assert_false(vl_ssh_check_login(&t, NULL, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_IO);
}

int
main(int argc, char **argv)
{
    int rc;

    g_test_init(&argc, &argv, NULL);
    vl_test_ssh_server_setup();

    VL_TEST_SSH_ADD("/ssh/hostkey/tofu-records", test_hostkey_tofu_records);
    VL_TEST_SSH_ADD("/ssh/hostkey/tofu-appends", test_hostkey_tofu_appends);
    VL_TEST_SSH_ADD("/ssh/hostkey/changed-refused", test_hostkey_changed_refused);
    VL_TEST_SSH_ADD("/ssh/hostkey/type-changed-refused", test_hostkey_type_changed_refused);
    VL_TEST_SSH_ADD("/ssh/hostkey/null-refused", test_hostkey_null_refused);
    VL_TEST_SSH_ADD("/ssh/hostkey/unparseable-refused", test_hostkey_unparseable_refused);
    VL_TEST_SSH_ADD("/ssh/hostkey/marker-refused", test_hostkey_marker_refused);
    VL_TEST_SSH_ADD("/ssh/hostkey/unknown-type-refused", test_hostkey_unknown_type_refused);
    VL_TEST_SSH_ADD("/ssh/hostkey/unknown-type-hashed-refused",
                    test_hostkey_unknown_type_hashed_refused);

    rc = g_test_run();
    vl_test_ssh_server_teardown();
    return rc;
}
