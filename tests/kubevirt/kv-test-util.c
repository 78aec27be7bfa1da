/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kv-test-util.c - helpers of the KubeVirt tests: exports, goldens, the manifest checker, the hook
 */
#include "kv-test-util.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *
kv_test_export(const char *spec, const char *namespace, const char *const *extra)
{
    g_autofree char *spec_path = vl_test_srcpath(spec);
    g_autofree char *tmp = vl_test_mkdtemp();
    char *out = g_build_filename(tmp, "out", NULL);
    g_autoptr(GPtrArray) argv = g_ptr_array_new();

    g_ptr_array_add(argv, (gpointer) "kubevirt");
    g_ptr_array_add(argv, (gpointer) "export");
    g_ptr_array_add(argv, spec_path);
    g_ptr_array_add(argv, (gpointer) "-o");
    g_ptr_array_add(argv, out);
    if (namespace) {
        g_ptr_array_add(argv, (gpointer) "--namespace");
        g_ptr_array_add(argv, (gpointer) namespace);
    }
    for (guint i = 0; extra && extra[i]; i++)
        g_ptr_array_add(argv, (gpointer)extra[i]);
    g_ptr_array_add(argv, NULL);
    vl_test_run_expect(30, (const char *const *)argv->pdata, 0, NULL);
    return out;
}

void
kv_test_export_remove(const char *out)
{
    g_autofree char *tmp = g_path_get_dirname(out);

    vl_test_rmtree(tmp);
}

void
kv_test_golden_compare(const char *out, const char *golden)
{
    g_autofree char *expdir = vl_test_srcpath(golden);
    gboolean regen = g_getenv("VMLAB_TEST_REGENERATE") != NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(GDir) d = g_dir_open(out, 0, &err);
    g_autoptr(GDir) e = NULL;
    const char *name;
    guint n = 0, m = 0;

    g_assert_no_error(err);
    if (regen)
        g_assert_cmpint(g_mkdir_with_parents(expdir, 0755), ==, 0);
    while ((name = g_dir_read_name(d))) {
        g_autofree char *got_path = g_build_filename(out, name, NULL);
        g_autofree char *exp_path = g_build_filename(expdir, name, NULL);
        g_autofree char *got = NULL, *exp = NULL;

        g_file_get_contents(got_path, &got, NULL, &err);
        g_assert_no_error(err);
        n++;
        if (regen) {
            g_file_set_contents(exp_path, got, -1, &err);
            g_assert_no_error(err);
            continue;
        }
        if (!g_file_get_contents(exp_path, &exp, NULL, NULL))
            g_error("%s: not in the golden folder %s (regenerate?)", name, expdir);
        if (!g_str_equal(got, exp))
            g_printerr("# %s differs from %s\n", got_path, exp_path);
        g_assert_cmpstr(got, ==, exp);
    }
    /* no stale golden file */
    e = g_dir_open(expdir, 0, &err);
    g_assert_no_error(err);
    while ((name = g_dir_read_name(e))) {
        g_autofree char *p = g_build_filename(expdir, name, NULL);
        if (g_file_test(p, G_FILE_TEST_IS_REGULAR))
            m++;
    }
    g_assert_cmpuint(m, ==, n);
}

int
kv_test_run_tool(const char *const *argv, char **out, char **err_out)
{
    g_autoptr(GError) err = NULL;
    int status = 0;

    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, out, err_out, &status,
                 &err);
    g_assert_no_error(err);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int
kv_test_run_checked(const char *const *argv, char **out)
{
    g_autofree char *e = NULL;
    int status = kv_test_run_tool(argv, out, &e);

    if (status != 0)
        vl_test_print_failure(argv, status, out ? *out : NULL, e);
    return status;
}

gboolean
kv_test_schemas_available(void)
{
    g_autofree char *schemas = vl_test_srcpath("data/kubevirt-schemas");
    g_autofree char *vm = g_build_filename(schemas, "kubevirt.io_virtualmachine_v1.json", NULL);

    if (!g_file_test(vm, G_FILE_TEST_EXISTS)) {
        g_test_skip("tests/data/kubevirt-schemas is absent");
        return FALSE;
    }
    return TRUE;
}

int
kv_test_check_manifests(const char *dir, char **out)
{
    g_autofree char *script = vl_test_srcpath("kubevirt/check-manifests.py");
    g_autofree char *schemas = vl_test_srcpath("data/kubevirt-schemas");
    const char *argv[] = {"python3", script, schemas, dir, NULL};
    g_autofree char *e = NULL;
    int status = kv_test_run_tool(argv, out, &e);

    /* 1 is a finding (on stdout), 77 a skip; anything else is a broken checker */
    if (status != 0 && status != 1 && status != 77)
        vl_test_print_failure(argv, status, *out, e);
    return status;
}

void
kv_test_assert_manifests_valid(const char *dir)
{
    g_autofree char *report = NULL;
    int status;

    if (!kv_test_schemas_available())
        return;
    status = kv_test_check_manifests(dir, &report);
    if (status == 77) {
        g_test_skip(report);
        return;
    }
    if (status != 0)
        g_printerr("# check-manifests.py %s:\n%s", dir, report);
    g_assert_cmpint(status, ==, 0);
    g_assert_true(g_str_has_prefix(report, "ok: "));
}

char *
kv_test_vmi_json(const char *name)
{
    return g_strdup_printf("{\"apiVersion\": \"kubevirt.io/v1\", \"kind\": "
                           "\"VirtualMachineInstance\", \"metadata\": {\"name\": \"%s\", "
                           "\"namespace\": \"routers\"}, \"spec\": {\"domain\": {}}}",
                           name);
}

char *
kv_test_read_data(const char *rel)
{
    g_autofree char *path = vl_test_srcpath(rel);
    char *text = NULL;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    return text;
}

int
kv_test_hook_run(const char *dir, const char *vmi, const char *xml, char **out, char **err,
                 gint64 *usec)
{
    g_autofree char *link = g_build_filename(dir, "onDefineDomain", NULL);
    const char *argv[] = {link, "--vmi", vmi, "--domain", xml, NULL};
    g_autoptr(GError) error = NULL;
    gint64 t0;
    int status = 0;

    if (!g_file_test(link, G_FILE_TEST_EXISTS))
        g_assert_cmpint(symlink(g_getenv("VMLAB_BIN"), link), ==, 0);
    t0 = g_get_monotonic_time();
    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err, &status, &error);
    g_assert_no_error(error);
    if (usec)
        *usec = g_get_monotonic_time() - t0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* The proxy a hook started is a daemon of its own: a failing assertion (abort) must not leave it
 * running, so SIGABRT stops it first. */
static volatile sig_atomic_t kv_test_proxy_pid;

static void
kv_test_stop_proxy_on_abort(int sig)
{
    if (kv_test_proxy_pid > 1)
        kill((pid_t)kv_test_proxy_pid, SIGTERM);
    signal(sig, SIG_DFL);
    raise(sig);
}

void
kv_test_proxy_watch(guint64 pid)
{
    kv_test_proxy_pid = (sig_atomic_t)pid;
    signal(SIGABRT, kv_test_stop_proxy_on_abort);
}

void
kv_test_proxy_stop(void)
{
    pid_t pid = (pid_t)kv_test_proxy_pid;

    if (pid <= 1)
        return;
    kill(pid, SIGTERM);
    for (guint i = 0; i < 50 && kill(pid, 0) == 0; i++)
        g_usleep(100 * 1000);
    kv_test_proxy_pid = 0;
}

guint64
kv_test_hook_run_thrice(const char *dir, const char *vmi, const char *xml, const char *pid_file)
{
    g_autofree char *pid1 = NULL, *pid3 = NULL;
    guint64 pid = 0;

    for (guint i = 0; i < 3; i++) {
        g_autofree char *out = NULL, *err = NULL;
        gint64 usec = 0;
        int status = kv_test_hook_run(dir, vmi, xml, &out, &err, &usec);
        if (status != 0) {
            const char *argv[] = {"onDefineDomain", "--vmi", vmi, "--domain", "...", NULL};
            vl_test_print_failure(argv, status, out, err);
        }
        g_assert_cmpint(status, ==, 0);
        g_assert_cmpint(usec, <, 2 * G_USEC_PER_SEC);
        g_assert_true(g_str_has_prefix(out, "<domain"));
        if (i == 0 && pid_file) {
            g_assert_true(g_file_get_contents(pid_file, &pid1, NULL, NULL));
            g_assert_true(
                g_ascii_string_to_unsigned(g_strchomp(pid1), 10, 2, G_MAXINT32, &pid, NULL));
            kv_test_proxy_watch(pid);
        }
    }
    if (!pid_file)
        return 0;
    /* later calls found the proxy the first one started and left it running */
    g_assert_true(g_file_get_contents(pid_file, &pid3, NULL, NULL));
    g_assert_cmpstr(pid1, ==, g_strchomp(pid3));
    g_assert_cmpint(kill((pid_t)pid, 0), ==, 0);
    return pid;
}

void
kv_test_assert_router_ftp(const char *listen, const char *dir, const char *saved_path)
{
    g_autofree char *url = g_strdup_printf("ftp://sw:sw123@%s/i386-iom.tim", listen);
    g_autofree char *up_url = g_strdup_printf("ftp://sw:sw123@%s/config/pe1.cfg", listen);
    g_autofree char *local = g_build_filename(dir, "pe1.cfg", NULL);
    g_autofree char *got = NULL, *saved = NULL;
    const char *get[] = {"curl", "-sS", "--max-time", "10", url, NULL};
    const char *put[] = {"curl", "-sS", "--max-time", "10", "-T", local, up_url, NULL};

    vl_test_write_file(local, "configure system name pe1\n", -1, 0644);
    g_assert_cmpint(kv_test_run_checked(get, &got), ==, 0);
    g_assert_cmpstr(got, ==, "TiMOS IOM image\n");
    g_assert_cmpint(kv_test_run_checked(put, NULL), ==, 0);
    g_assert_true(g_file_get_contents(saved_path, &saved, NULL, NULL));
    g_assert_cmpstr(saved, ==, "configure system name pe1\n");
}
