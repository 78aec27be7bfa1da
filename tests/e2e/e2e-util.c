/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* e2e-util.c - what the end-to-end tests share: the VMLAB_E2E gate, purging a lab, running a case
 * in a child so the parent cleans up pass or fail, a state folder QEMU can reach */
#include "e2e-util.h"

#include "vl-test-util.h"

#include <glib/gstdio.h>
#include <unistd.h>

const char *
e2e_tiny_dir(void)
{
    return g_getenv("VMLAB_TINY_DIR") ? g_getenv("VMLAB_TINY_DIR") : "/var/lib/vmlab/images/tiny";
}

gboolean
e2e_enabled(void)
{
    return g_strcmp0(g_getenv("VMLAB_E2E"), "1") == 0;
}

/* Runs virsh @args (one string, split on spaces) on URI; output and status ignored. */
void
e2e_virsh(const char *args)
{
    g_autofree char *cmd = g_strdup_printf("virsh -q -c " URI " %s", args);
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;

    g_spawn_command_line_sync(cmd, &out, &err, NULL, NULL);
}

char *
e2e_virsh_on(const char *uri, const char *args)
{
    g_auto(GStrv) words = g_strsplit(args, " ", -1);
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    char *out = NULL;

    g_ptr_array_add(argv, "timeout");
    g_ptr_array_add(argv, "60");
    g_ptr_array_add(argv, "virsh");
    g_ptr_array_add(argv, "-q");
    g_ptr_array_add(argv, "-c");
    g_ptr_array_add(argv, (char *)uri);
    for (guint i = 0; words[i]; i++)
        g_ptr_array_add(argv, words[i]);
    g_ptr_array_add(argv, NULL);
    if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL,
                      NULL, NULL))
        return NULL;
    return out;
}

void
e2e_purge_domains(const char *uri, const char *prefix)
{
    g_autofree char *names = e2e_virsh_on(uri, "list --all --name");
    g_auto(GStrv) lines = g_strsplit(names ? names : "", "\n", -1);

    for (guint i = 0; lines[i]; i++) {
        g_autofree char *destroy = NULL;
        g_autofree char *undefine = NULL;

        if (!g_str_has_prefix(g_strstrip(lines[i]), prefix))
            continue;
        destroy = g_strdup_printf("destroy %s", lines[i]);
        undefine = g_strdup_printf("undefine --nvram %s", lines[i]);
        g_free(e2e_virsh_on(uri, destroy));
        g_free(e2e_virsh_on(uri, undefine));
    }
}

char *
e2e_exec_ok(const char *lab, const char *node, const char *cmd)
{
    return e2e_exec_retry(lab, node, cmd, 5, 60, NULL);
}

char *
e2e_exec_retry(const char *lab, const char *node, const char *cmd, guint tries, guint seconds,
               const char *what)
{
    const char *argv[] = {"exec", "--lab", lab, "-c", URI, node, "--", cmd, NULL};
    g_autofree char *err = NULL;
    char *out = NULL;
    int status = 1;

    for (guint attempt = 0; attempt < tries && status != 0; attempt++) {
        g_clear_pointer(&out, g_free);
        g_clear_pointer(&err, g_free);
        status = vl_test_run_timeout(seconds, argv, &out, &err);
        if (status != 0)
            g_usleep(2 * G_USEC_PER_SEC);
    }
    if (status != 0) {
        if (what)
            g_printerr("%s\n", what);
        vl_test_print_failure(argv, status, out, err);
    }
    g_assert_cmpint(status, ==, 0);
    return out;
}

/*
 * Removes every trace of lab @lab on URI whatever state it is in: `down --force --purge`, then
 * any domain named @prefix* and the pool vmlab-@lab directly (a pool or domain left by a run
 * with another VMLAB_HOME is invisible to `down`).
 */
void
e2e_purge(const char *lab, const char *prefix)
{
    const char *down[] = {"down", "--lab", lab, "--force", "--purge", "-c", URI, NULL};

    vl_test_run_timeout(120, down, NULL, NULL);
    e2e_purge_domains(URI, prefix);
    {
        g_autofree char *destroy = g_strdup_printf("pool-destroy vmlab-%s", lab);
        g_autofree char *undefine = g_strdup_printf("pool-undefine vmlab-%s", lab);
        e2e_virsh(destroy);
        e2e_virsh(undefine);
    }
}

/*
 * In the parent: runs the current case's body in a child, purges lab @lab, then asserts the
 * child passed. Return: TRUE in the child (run the body), FALSE in the parent (done).
 */
gboolean
e2e_in_child(const char *lab, const char *prefix)
{
    if (g_test_subprocess())
        return TRUE;
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
    e2e_purge(lab, prefix);
    g_test_trap_assert_passed();
    return FALSE;
}

/*
 * In the parent: purges lab @lab, makes a VMLAB_HOME and a copy of the spec @src (relative to
 * tests/), runs the current case's body in a child, purges the lab again, removes both folders,
 * then asserts the child passed. Return: in the child the spec copy's folder, NULL in the parent.
 */
char *
e2e_spec_in_child(const char *lab, const char *prefix, const char *src, const char *const *files)
{
    g_autofree char *from = NULL;
    g_autofree char *home = NULL;
    g_autofree char *spec = NULL;

    if (g_test_subprocess())
        return g_strdup(g_getenv("VMLAB_E2E_SPEC"));
    from = vl_test_srcpath(src);
    e2e_purge(lab, prefix);
    home = e2e_home_new();
    spec = vl_test_mkdtemp();
    g_setenv("VMLAB_E2E_SPEC", spec, TRUE);
    vl_test_copy_files(from, spec, files);
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
    e2e_purge(lab, prefix);
    vl_test_rmtree(spec);
    vl_test_rmtree(home);
    g_test_trap_assert_passed();
    return NULL;
}

/*
 * Return: (transfer full): a new VMLAB_HOME (now set in the environment) that QEMU, running as
 * libvirt-qemu, can reach, with images/tiny pointing at the tiny guest.
 */
char *
e2e_home_new(void)
{
    const char *tiny = e2e_tiny_dir();
    char *home = vl_test_mkdtemp();
    g_autofree char *images = g_build_filename(home, "images", NULL);
    g_autofree char *link = g_build_filename(images, "tiny", NULL);

    g_assert_cmpint(g_chmod(home, 0755), ==, 0);
    g_assert_cmpint(g_mkdir(images, 0755), ==, 0);
    g_assert_true(g_file_test(tiny, G_FILE_TEST_IS_DIR));
    g_assert_cmpint(symlink(tiny, link), ==, 0);
    g_setenv("VMLAB_HOME", home, TRUE);
    return home;
}
