/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-ssh-known-hosts.c - vl_ssh_known_hosts_forget() on known_hosts files (no server needed) */
#include "vl-error.h"
#include "vl-ssh.h"
#include "vl-test-util.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

#define KEY_A "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define KEY_B "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBAAA"

static char *top_dir; /* removed at the end */

/* Return: (transfer full): a new empty folder under top_dir. */
static char *
kh_dir(void)
{
    static guint n;
    char *dir = g_strdup_printf("%s/%u", top_dir, ++n);

    g_assert_cmpint(g_mkdir(dir, 0700), ==, 0);
    return dir;
}

/* Writes @content to a new known_hosts in a new folder. Return: (transfer full): its path. */
static char *
kh_file(const char *content)
{
    g_autofree char *dir = kh_dir();
    char *path = g_build_filename(dir, "known_hosts", NULL);

    vl_test_write_file(path, content, -1, 0600);
    return path;
}

static void
test_forget_drops_only_that_port(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = kh_file("[127.0.0.1]:2201 " KEY_A "\n"
                                    "[127.0.0.1]:22011 " KEY_A "\n"
                                    "[127.0.0.2]:2201 " KEY_A "\n"
                                    "127.0.0.1 " KEY_B "\n"
                                    "[127.0.0.1]:2201 " KEY_B "\n");
    g_autofree char *after = NULL;
    GStatBuf st;

    g_assert_true(vl_ssh_known_hosts_forget(path, "127.0.0.1", 2201, &error));
    g_assert_no_error(error);
    after = vl_test_read_file(path, NULL);
    g_assert_cmpstr(after, ==,
                    "[127.0.0.1]:22011 " KEY_A "\n"
                    "[127.0.0.2]:2201 " KEY_A "\n"
                    "127.0.0.1 " KEY_B "\n");
    g_assert_cmpint(g_stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);
}

static void
test_forget_port_22(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = kh_file("127.0.0.1 " KEY_B "\n[127.0.0.1]:2201 " KEY_A "\n");
    g_autofree char *after = NULL;

    g_assert_true(vl_ssh_known_hosts_forget(path, "127.0.0.1", 22, &error));
    g_assert_no_error(error);
    after = vl_test_read_file(path, NULL);
    g_assert_cmpstr(after, ==, "[127.0.0.1]:2201 " KEY_A "\n");
}

static void
test_forget_nothing_leaves_file(void)
{
    g_autoptr(GError) error = NULL;
    const char *content = "# a comment\n\n[127.0.0.1]:2202 " KEY_A "\n";
    g_autofree char *path = kh_file(content);
    g_autofree char *after = NULL;
    GStatBuf before_st;
    GStatBuf after_st;

    g_assert_cmpint(g_stat(path, &before_st), ==, 0);
    g_assert_true(vl_ssh_known_hosts_forget(path, "127.0.0.1", 2201, &error));
    g_assert_no_error(error);
    g_assert_cmpint(g_stat(path, &after_st), ==, 0);
    /* not rewritten: same inode (a rewrite renames a new file over it), same bytes */
    g_assert_cmpuint(after_st.st_ino, ==, before_st.st_ino);
    after = vl_test_read_file(path, NULL);
    g_assert_cmpstr(after, ==, content);
}

static void
test_forget_missing_file(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = kh_dir();
    g_autofree char *path = g_build_filename(dir, "known_hosts", NULL);
    g_autofree char *nodir = g_build_filename(dir, "no-lab", "known_hosts", NULL);
    g_autofree char *nodir_parent = g_path_get_dirname(nodir);

    g_assert_true(vl_ssh_known_hosts_forget(path, "127.0.0.1", 2201, &error));
    g_assert_no_error(error);
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    g_assert_true(vl_ssh_known_hosts_forget(nodir, "127.0.0.1", 2201, &error));
    g_assert_no_error(error);
    g_assert_false(g_file_test(nodir_parent, G_FILE_TEST_EXISTS));
}

int
main(int argc, char **argv)
{
    int rc;

    g_test_init(&argc, &argv, NULL);
    top_dir = vl_test_mkdtemp();
    g_test_add_func("/ssh/known-hosts/forget/only-that-port", test_forget_drops_only_that_port);
    g_test_add_func("/ssh/known-hosts/forget/port-22", test_forget_port_22);
    g_test_add_func("/ssh/known-hosts/forget/nothing-to-drop", test_forget_nothing_leaves_file);
    g_test_add_func("/ssh/known-hosts/forget/missing-file", test_forget_missing_file);
    rc = g_test_run();
    vl_test_rmtree(top_dir);
    g_free(top_dir);
    return rc;
}
