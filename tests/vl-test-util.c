/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-test-util.c - helpers shared by the g_test programs: temp spec folders, running the CLI */
#include "vl-test-util.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

char *
vl_test_mkdtemp(void)
{
    g_autoptr(GError) err = NULL;
    char *dir = g_dir_make_tmp("vmlab-test-XXXXXX", &err);

    g_assert_no_error(err);
    return dir;
}

void
vl_test_write(const char *dir, const char *rel, const char *content)
{
    g_autofree char *path = g_build_filename(dir, rel, NULL);
    g_autofree char *parent = g_path_get_dirname(path);
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(g_mkdir_with_parents(parent, 0755), ==, 0);
    g_file_set_contents(path, content, -1, &err);
    g_assert_no_error(err);
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
    g_autoptr(GDir) d = NULL;
    const char *ent;

    if (!dir)
        return;
    if (!g_file_test(dir, G_FILE_TEST_IS_DIR) || g_file_test(dir, G_FILE_TEST_IS_SYMLINK)) {
        g_unlink(dir);
        return;
    }
    d = g_dir_open(dir, 0, NULL);
    while (d && (ent = g_dir_read_name(d))) {
        g_autofree char *p = g_build_filename(dir, ent, NULL);
        vl_test_rmtree(p);
    }
    g_rmdir(dir);
}

char *
vl_test_srcpath(const char *rel)
{
    return g_canonicalize_filename(rel, g_getenv("G_TEST_SRCDIR"));
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
