/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-test-util.c - helpers shared by the g_test programs: temp folders and files, ports, running
 * the CLI */
#include "vl-test-util.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>

char *
vl_test_mkdtemp(void)
{
    g_autoptr(GError) err = NULL;
    char *dir = g_dir_make_tmp("vmlab-test-XXXXXX", &err);

    g_assert_no_error(err);
    return dir;
}

void
vl_test_write_file(const char *path, const char *data, gssize len, int mode)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = g_path_get_dirname(path);

    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_file_set_contents_full(path, data, len, G_FILE_SET_CONTENTS_CONSISTENT, mode, &err);
    g_assert_no_error(err);
}

void
vl_test_write(const char *dir, const char *rel, const char *content)
{
    g_autofree char *path = g_build_filename(dir, rel, NULL);

    vl_test_write_file(path, content, -1, 0666);
}

char *
vl_test_read_file(const char *path, gsize *len)
{
    char *text = NULL;

    if (!g_file_get_contents(path, &text, len, NULL))
        return NULL;
    return text;
}

void
vl_test_child_die_with_parent(gpointer data)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

guint16
vl_test_free_port(void)
{
    g_autoptr(GSocket) s = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, NULL);
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
    g_autoptr(GSocketAddress) bound = NULL;

    g_assert_nonnull(s);
    g_assert_true(g_socket_bind(s, any, TRUE, NULL));
    bound = g_socket_get_local_address(s, NULL);
    g_assert_nonnull(bound);
    return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
}

void
vl_test_copy_files(const char *src, const char *dst, const char *const *files)
{
    for (guint i = 0; files[i]; i++) {
        g_autofree char *from = g_build_filename(src, files[i], NULL);
        g_autofree char *text = NULL;
        gsize len = 0;
        g_autoptr(GError) err = NULL;
        g_autofree char *to = g_build_filename(dst, files[i], NULL);
        g_autofree char *parent = g_path_get_dirname(to);

        g_file_get_contents(from, &text, &len, &err);
        g_assert_no_error(err);
        g_assert_cmpint(g_mkdir_with_parents(parent, 0755), ==, 0);
        g_file_set_contents(to, text, (gssize)len, &err);
        g_assert_no_error(err);
    }
}

void
vl_test_rmtree(const char *dir)
{
    struct stat st;

    if (!dir || lstat(dir, &st) < 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *name;
        (void)chmod(dir, 0700); /* a read-only folder's entries can be removed then */
        while (d && (name = g_dir_read_name(d))) {
            g_autofree char *child = g_build_filename(dir, name, NULL);
            vl_test_rmtree(child);
        }
        g_rmdir(dir);
    } else {
        g_unlink(dir);
    }
}

char *
vl_test_srcpath(const char *rel)
{
    return g_canonicalize_filename(rel, g_getenv("G_TEST_SRCDIR"));
}

void
vl_test_golden_check(const char *rel, const char *out)
{
    g_autofree char *path = vl_test_srcpath(rel);
    g_autofree char *expected = NULL;
    g_autoptr(GError) err = NULL;

    if (g_getenv("VMLAB_TEST_REGENERATE")) {
        g_autofree char *dir = g_path_get_dirname(path);
        g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
        g_file_set_contents(path, out, -1, &err);
        g_assert_no_error(err);
        return;
    }
    g_file_get_contents(path, &expected, NULL, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(out, ==, expected);
}

int
vl_test_run(const char *const *argv, char **out, char **err)
{
    return vl_test_run_timeout(60, argv, out, err);
}

int
vl_test_run_timeout(guint seconds, const char *const *argv, char **out, char **err)
{
    g_autofree char *limit = g_strdup_printf("%u", seconds);
    g_autoptr(GPtrArray) args = g_ptr_array_new();
    g_autoptr(GSubprocess) proc = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *o = NULL;
    g_autofree char *e = NULL;
    const char *bin = g_getenv("VMLAB_BIN");

    g_assert_nonnull(bin);
    g_ptr_array_add(args, "timeout");
    g_ptr_array_add(args, limit);
    g_ptr_array_add(args, (gpointer)bin);
    for (guint i = 0; argv[i]; i++)
        g_ptr_array_add(args, (gpointer)argv[i]);
    g_ptr_array_add(args, NULL);
    proc =
        g_subprocess_newv((const char *const *)args->pdata,
                          G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
    g_assert_no_error(error);
    g_subprocess_communicate_utf8(proc, NULL, NULL, &o, &e, &error);
    g_assert_no_error(error);
    if (out)
        *out = g_steal_pointer(&o);
    if (err)
        *err = g_steal_pointer(&e);
    return g_subprocess_get_if_exited(proc) ? g_subprocess_get_exit_status(proc) : 128;
}

void
vl_test_print_failure(const char *const *argv, int status, const char *out, const char *err)
{
    g_autofree char *line = g_strjoinv(" ", (char **)argv);

    g_printerr("command: vmlab-virt %s\nexit status: %d%s\n--- stdout\n%s\n--- stderr\n%s\n---\n",
               line, status, status == 128 ? " (killed: timeout or signal)" : "", out ? out : "",
               err ? err : "");
}

void
vl_test_run_expect(guint seconds, const char *const *argv, int expected, char **out)
{
    g_autofree char *o = NULL;
    g_autofree char *e = NULL;
    int status = vl_test_run_timeout(seconds, argv, &o, &e);

    if (status != expected)
        vl_test_print_failure(argv, status, o, e);
    g_assert_cmpint(status, ==, expected);
    if (out)
        *out = g_steal_pointer(&o);
}
