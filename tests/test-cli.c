/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-cli.c - the command line as users type it: README and --help examples, -S, -v, lab names */
#include "vl-conn.h"
#include "vl-error.h"
#include "vl-lab.h"
#include "vl-log.h"
#include "vl-test-registry.h"
#include "vl-test-util.h"
#include "vl-test-virt.h"
#include "vl-xml-diff.h"

#include <glib/gstdio.h>
#include <libvirt/virterror.h>
#include <string.h>
#include <unistd.h>

static const char *const example_files[] = {"topology.json",    "platforms.json",
                                            "profiles/r1.json", "profiles/r2.json",
                                            "profiles/r3.json", NULL};
static const char *const fabric_files[] = {
    "topology.json",        "platforms.json",      "profiles/spine1.json",
    "profiles/spine2.json", "profiles/leaf1.json", "profiles/leaf2.json",
    "profiles/leaf3.json",  "profiles/leaf4.json", NULL};

/* A place to run commands as the README does: specs/ copied into a folder that is the current
 * one, $VMLAB_HOME with the tiny guest's files (empty: no VM boots on test:///default). */
typedef struct {
    char *work;
    char *home;
    char *old_cwd;
} Workspace;

static void
workspace_open(Workspace *w)
{
    g_autofree char *example = vl_test_srcpath("../specs/example");
    g_autofree char *fabric = vl_test_srcpath("../specs/fabric");
    g_autofree char *dst = NULL;
    g_autofree char *platforms = NULL;
    g_autofree char *text = NULL;
    g_autofree char *fast = NULL;

    w->work = vl_test_mkdtemp();
    w->home = vl_test_mkdtemp();
    w->old_cwd = g_get_current_dir();
    g_setenv("VMLAB_HOME", w->home, TRUE);
    g_setenv("LIBVIRT_DEFAULT_URI", "test:///default", TRUE);
    vl_test_write(w->home, "images/tiny/vmlinuz", "");
    vl_test_write(w->home, "images/tiny/initrd.img", "");
    dst = g_build_filename(w->work, "specs", "example", NULL);
    vl_test_copy_files(example, dst, example_files);
    g_free(dst);
    dst = g_build_filename(w->work, "specs", "fabric", NULL);
    vl_test_copy_files(fabric, dst, fabric_files);
    /* Nothing answers SSH here: let an `up` that waits give up after 2 s, not 180. */
    platforms = g_build_filename(w->work, "specs", "example", "platforms.json", NULL);
    g_assert_true(g_file_get_contents(platforms, &text, NULL, NULL));
    g_assert_nonnull(strstr(text, "\"vm_boot_timeout\": 180"));
    {
        g_auto(GStrv) parts = g_strsplit(text, "\"vm_boot_timeout\": 180", 2);
        fast = g_strjoinv("\"vm_boot_timeout\": 2", parts);
    }
    g_assert_true(g_file_set_contents(platforms, fast, -1, NULL));
    g_assert_cmpint(g_chdir(w->work), ==, 0);
}

static void
workspace_close(Workspace *w)
{
    g_assert_cmpint(g_chdir(w->old_cwd), ==, 0);
    vl_test_rmtree(w->work);
    vl_test_rmtree(w->home);
    g_free(w->work);
    g_free(w->home);
    g_free(w->old_cwd);
}

/* Return: TRUE if @err says the lab or VM is not up: the runtime failure of a command needing VMs.
 */
static gboolean
says_not_up(const char *err)
{
    return strstr(err, "is not up") || strstr(err, "no lab is up") || strstr(err, "not running") ||
           strstr(err, "not ready within");
}

/*
 * Runs one example command line (argv after the program name) the way a user would, in a fresh
 * workspace where the example lab was deployed (`up --no-start`; test:///default forgets the
 * domains when that process ends, so the lab's state.json is there but none of its VMs runs).
 * Commands that need no VM must succeed; those that need running VMs must fail at run time
 * (exit 1, "not up" / "not running"), never with a usage error.
 */
static void
run_example(const char *origin, char **argv)
{
    static const char *const offline[] = {"validate", "render", "status",    "down", "destroy",
                                          "kubevirt", "graph",  "snapshots", NULL};
    static const char *const need_vms[] = {"exec", "ssh",     "console",  "logs",    "start",
                                           "stop", "capture", "snapshot", "restore", NULL};
    Workspace w = {0};
    const char *deploy[] = {"up", "specs/example", "--no-start", NULL};
    const char *cmd = argv[0] ? argv[0] : "";
    gboolean waits = (g_str_equal(cmd, "up") || g_str_equal(cmd, "deploy")) &&
                     !g_strv_contains((const char *const *)argv, "--no-wait") &&
                     !g_strv_contains((const char *const *)argv, "--no-start");
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autofree char *line = g_strjoinv(" ", argv);
    int status;
    int expected;
    gboolean missing;

    g_test_message("%s: vmlab-virt %s", origin, line);
    workspace_open(&w);
    /* validate and render do not care what is deployed */
    if (!g_str_equal(cmd, "validate") && !g_str_equal(cmd, "render"))
        vl_test_run_expect(60, deploy, 0, NULL);
    status = vl_test_run_timeout(60, (const char *const *)argv, &out, &err);
    if (g_strv_contains(need_vms, cmd) || waits)
        expected = 1;
    else if (g_strv_contains(offline, cmd) || g_str_equal(cmd, "up") ||
             g_str_equal(cmd, "deploy") || g_str_has_prefix(cmd, "-") || !*cmd)
        expected = 0;
    else
        g_error("%s: no rule for command '%s' (vmlab-virt %s): add it to test-cli.c", origin, cmd,
                line);
    /* a fresh workspace has no snapshot to delete */
    if (g_strv_contains((const char *const *)argv, "--delete"))
        missing = strstr(err, "has no snapshot") != NULL;
    else
        missing = says_not_up(err);
    if (status != expected || (expected == 1 && !missing))
        vl_test_print_failure((const char *const *)argv, status, out, err);
    g_assert_cmpint(status, ==, expected);
    if (expected == 1)
        g_assert_true(missing);
    workspace_close(&w);
}

/* Return: @line as argv after the program, when its first word is vmlab-virt (any folder). */
static char **
example_argv(const char *line)
{
    g_autofree char *code = g_strdup(line);
    char *hash = strstr(code, " #");
    g_auto(GStrv) words = NULL;
    g_autofree char *base = NULL;

    char *pipe = strstr(code, " | ");

    if (hash)
        *hash = '\0';
    /* `vmlab-virt capture ... -w - | wireshark ...`: the command is what comes before the pipe */
    if (pipe)
        *pipe = '\0';
    g_strstrip(code);
    if (!*code || !g_shell_parse_argv(code, NULL, &words, NULL))
        return NULL;
    base = g_path_get_basename(words[0]);
    if (!g_str_equal(base, "vmlab-virt"))
        return NULL;
    return g_strdupv(words + 1);
}

/*
 * Runs the README's `image` examples in order, in one workspace, against a registry of the
 * test's own: the examples' registry host (registry.lab:5000) becomes the local registry's
 * address, allowed with --insecure-registry; the disk they push is a small qcow2 made here.
 * Each must succeed.
 */
static void
run_image_examples(GPtrArray *origins, GPtrArray *argvs)
{
    VlTestRegistry *reg = vl_test_registry_start(NULL);
    Workspace w = {0};
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    const char *mk[] = {"qemu-img", "create", "-q", "-f", "qcow2", "disk.qcow2", "16M", NULL};
    int status = -1;

    workspace_open(&w);
    g_assert_true(g_spawn_sync(NULL, (char **)mk, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                               &status, NULL));
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    for (guint i = 0; i < argvs->len; i++) {
        char **argv = g_ptr_array_index(argvs, i);
        g_autoptr(GPtrArray) a = g_ptr_array_new_with_free_func(g_free);
        g_autofree char *line = g_strjoinv(" ", argv);

        g_test_message("%s: vmlab-virt %s (registry at %s)", (const char *)origins->pdata[i], line,
                       reg->addr);
        for (guint j = 0; argv[j]; j++) {
            g_auto(GStrv) parts = g_strsplit(argv[j], "registry.lab:5000", -1);
            g_ptr_array_add(a, g_strjoinv(reg->addr, parts));
        }
        g_ptr_array_add(a, g_strdup("--insecure-registry"));
        g_ptr_array_add(a, g_strdup(reg->addr));
        g_ptr_array_add(a, NULL);
        vl_test_run_expect(120, (const char *const *)a->pdata, 0, NULL);
    }
    workspace_close(&w);
    vl_test_registry_stop(reg);
}

static void
test_readme_commands(void)
{
    g_autofree char *path = vl_test_srcpath("../README.md");
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    gboolean in_block = FALSE;
    guint n = 0;
    g_autoptr(GPtrArray) image_origins = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) image_argvs = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; lines[i]; i++) {
        g_auto(GStrv) argv = NULL;
        g_autofree char *origin = NULL;

        if (g_str_has_prefix(lines[i], "```")) {
            in_block = !in_block;
            continue;
        }
        if (!in_block || !(argv = example_argv(lines[i])))
            continue;
        origin = g_strdup_printf("README.md:%u", i + 1);
        if (g_str_equal(argv[0] ? argv[0] : "", "image")) {
            g_ptr_array_add(image_origins, g_steal_pointer(&origin));
            g_ptr_array_add(image_argvs, g_steal_pointer(&argv));
            continue;
        }
        run_example(origin, argv);
        n++;
    }
    if (image_argvs->len)
        run_image_examples(image_origins, image_argvs);
    /* the quick-start tour and the vmlab spelling of it */
    g_assert_cmpuint(n, >=, 8);
}

static void
test_help_examples(void)
{
    static const char *const cmds[] = {"validate", "render", "up",    "deploy", "down",
                                       "destroy",  "status", "start", "stop",   "console",
                                       "logs",     "ssh",    "exec"};
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    guint n = 0;

    for (guint c = 0; c < G_N_ELEMENTS(cmds); c++) {
        const char *argv[] = {cmds[c], "--help", NULL};
        g_autofree char *out = NULL;
        g_auto(GStrv) lines = NULL;
        g_autofree char *prefix = g_strdup_printf("vmlab-virt %s [OPTION", cmds[c]);

        vl_test_run_expect(10, argv, 0, &out);
        /* the help names the command as typed */
        g_assert_nonnull(strstr(out, prefix));
        lines = g_strsplit(out, "\n", -1);
        for (guint i = 0, in_examples = FALSE; lines[i]; i++) {
            g_auto(GStrv) ex = NULL;
            g_autofree char *origin = NULL;

            if (g_str_equal(lines[i], "Examples:"))
                in_examples = TRUE;
            else if (!g_str_has_prefix(lines[i], "  "))
                in_examples = FALSE;
            if (!in_examples || !g_str_has_prefix(lines[i], "  vmlab-virt ") ||
                !(ex = example_argv(lines[i])))
                continue;
            n++;
            /* aliases share their help: run each example once */
            if (g_hash_table_contains(seen, lines[i]))
                continue;
            g_hash_table_add(seen, g_strdup(lines[i]));
            origin = g_strdup_printf("vmlab-virt %s --help", cmds[c]);
            run_example(origin, ex);
        }
    }
    g_assert_cmpuint(n, >=, 12);
}

/* A test-driver file: domain r1 of lab example, running, with the given ports in its metadata. */
static char *
driver_file(const char *dir, const char *spec_dir, const char *ssh_port, const char *console_port)
{
    g_autofree char *xml = g_strdup_printf(
        "<node><domain type='test'><name>r1</name><memory>262144</memory>"
        "<os><type>hvm</type></os><metadata>"
        "<vmlab:vm xmlns:vmlab='https://vmlab-virt.dev/xmlns/domain/1'>"
        "<vmlab:lab>example</vmlab:lab><vmlab:node>r1</vmlab:node><vmlab:role>router</vmlab:role>"
        "<vmlab:spec-dir>%s</vmlab:spec-dir><vmlab:host>127.0.0.1</vmlab:host>"
        "<vmlab:ssh-port>%s</vmlab:ssh-port><vmlab:console-port>%s</vmlab:console-port>"
        "</vmlab:vm></metadata></domain></node>",
        spec_dir, ssh_port, console_port);
    g_autofree char *path = g_build_filename(dir, "driver.xml", NULL);

    g_assert_true(g_file_set_contents(path, xml, -1, NULL));
    return g_strdup_printf("test://%s", path);
}

static void
expect_run(const char *const *argv, int expected, const char *in_err, char **out)
{
    g_autofree char *o = NULL;
    g_autofree char *e = NULL;
    int status = vl_test_run_timeout(30, argv, &o, &e);
    gboolean ok = status == expected && (!in_err || strstr(e, in_err));

    if (!ok)
        vl_test_print_failure(argv, status, o, e);
    g_assert_cmpint(status, ==, expected);
    if (in_err)
        g_assert_nonnull(strstr(e, in_err));
    if (out)
        *out = g_steal_pointer(&o);
}

/* exec and ssh get the command after "--" whole, dashed arguments and later "--" included. */
static void
test_command_after_dashes(void)
{
    Workspace w = {0};
    g_autofree char *spec = NULL;
    g_autofree char *uri = NULL;
    g_autofree char *bin = NULL;
    g_autofree char *path = NULL;
    g_autofree char *out = NULL;

    workspace_open(&w);
    spec = g_build_filename(w.work, "specs", "example", NULL);
    /* port 1: nothing listens, so the SSH connection fails at once, after the trace */
    uri = driver_file(w.work, spec, "1", "31000");
    {
        const char *a[] = {"exec", "-v", "-c", uri, "r1", "--", "uname", "-a", NULL};
        expect_run(a, 255, "(r1): uname -a\n", NULL);
    }
    {
        const char *a[] = {"exec", "--all", "-c", uri, "-v", "--", "ls", "-l", "--", "-x", NULL};
        expect_run(a, 255, "(r1): ls -l -- -x\n", NULL);
    }
    {
        const char *a[] = {"exec", "-c", uri, "-v", "r1", "uname", NULL};
        expect_run(a, 255, "(r1): uname\n", NULL);
    }
    {
        /* -S names the lab, as --lab does */
        const char *a[] = {"exec", "-S", "specs/example", "-c", uri, "-v", "r1", "--", "id", NULL};
        expect_run(a, 255, "(r1): id\n", NULL);
    }
    {
        const char *a[] = {"exec", "-c", uri, "r1", "--", NULL};
        expect_run(a, 2, "usage: vmlab-virt exec", NULL);
    }
    /* ssh: a stand-in for the system ssh prints the argv it was given */
    bin = g_build_filename(w.work, "bin", NULL);
    vl_test_write(bin, "ssh", "#!/bin/sh\nfor a in \"$@\"; do echo \"[$a]\"; done\n");
    {
        g_autofree char *fake = g_build_filename(bin, "ssh", NULL);
        g_assert_cmpint(g_chmod(fake, 0755), ==, 0);
    }
    path = g_strdup_printf("%s:%s", bin, g_getenv("PATH"));
    g_setenv("PATH", path, TRUE);
    {
        const char *a[] = {"ssh", "-c", uri, "r1", "--", "ip", "-br", "addr", NULL};
        expect_run(a, 0, NULL, &out);
        g_assert_nonnull(strstr(out, "[--]\n[root@127.0.0.1]\n[ip]\n[-br]\n[addr]\n"));
        g_assert_nonnull(strstr(out, "[-p]\n[1]\n"));
    }
    g_setenv("PATH", path + strlen(bin) + 1, TRUE);
    workspace_close(&w);
}

static void
test_exec_timeout_bounds(void)
{
    Workspace w = {0};
    g_autofree char *spec = NULL;
    g_autofree char *uri = NULL;
    static const char *const bad[] = {"0", "4294968", "18446744073709551617", "-1", "5s", ""};

    workspace_open(&w);
    spec = g_build_filename(w.work, "specs", "example", NULL);
    uri = driver_file(w.work, spec, "1", "31000");
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        const char *a[] = {"exec", "-c", uri, "-t", bad[i], "r1", "--", "true", NULL};
        expect_run(a, 2, "--timeout", NULL);
    }
    {
        const char *a[] = {"exec", "-c", uri, "-t", "86400", "-v", "r1", "--", "true", NULL};
        expect_run(a, 255, "(r1): true\n", NULL);
    }
    workspace_close(&w);
}

/* Ports read back from a domain's metadata are 1..65535 or treated as missing, with the reason. */
static void
test_meta_port_range(void)
{
    Workspace w = {0};
    static const char *const bad[] = {"70000", "65536", "0", "-5", "4294967318", "22x"};

    workspace_open(&w);
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *uri = driver_file(w.work, "/nonexistent", bad[i], bad[i]);
        virConnectPtr conn = virConnectOpen(uri);
        virDomainPtr dom = conn ? virDomainLookupByName(conn, "r1") : NULL;
        g_autoptr(VlDomainMeta) m = dom ? vl_domain_meta_get(dom) : NULL;
        const char *ssh[] = {"ssh", "-c", uri, "r1", NULL};
        const char *console[] = {"console", "-c", uri, "r1", NULL};
        const char *exec[] = {"exec", "-c", uri, "--all", "--", "true", NULL};

        g_assert_nonnull(m);
        g_assert_cmpuint(m->ssh_port, ==, 0);
        g_assert_cmpuint(m->console_port, ==, 0);
        g_assert_nonnull(m->invalid);
        g_assert_nonnull(strstr(m->invalid, bad[i]));
        virDomainFree(dom);
        virConnectClose(conn);
        expect_run(ssh, 1, "no valid SSH port", NULL);
        expect_run(ssh, 1, bad[i], NULL);
        /* the console is found from the domain's XML, not its metadata: this one has none */
        expect_run(console, 1, "has no serial console", NULL);
        expect_run(exec, 1, "no valid SSH port", NULL);
    }
    {
        /* the bounds themselves are ports */
        g_autofree char *uri = driver_file(w.work, "/nonexistent", "1", "65535");
        virConnectPtr conn = virConnectOpen(uri);
        virDomainPtr dom = virDomainLookupByName(conn, "r1");
        g_autoptr(VlDomainMeta) m = vl_domain_meta_get(dom);
        g_assert_cmpuint(m->ssh_port, ==, 1);
        g_assert_cmpuint(m->console_port, ==, 65535);
        g_assert_null(m->invalid);
        virDomainFree(dom);
        virConnectClose(conn);
    }
    workspace_close(&w);
}

/* Lab names are one path component: every --lab is checked before any lock, file or libvirt call.
 */
static void
test_lab_name_option(void)
{
    Workspace w = {0};
    g_autofree char *long_name = g_strnfill(65, 'a');
    const char *const names[] = {"../../../tmp/x", "a/b", "..", ".hidden", "-x", "a b", "",
                                 long_name};

    workspace_open(&w);
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        const char *down[] = {"down", "--lab", names[i], NULL};
        const char *status[] = {"status", "--lab", names[i], NULL};
        const char *exec[] = {"exec", "--all", "--lab", names[i], "--", "true", NULL};
        const char *ssh[] = {"ssh", "-l", names[i], "r1", NULL};
        const char *start[] = {"start", "--lab", names[i], "r1", NULL};
        g_autofree char *labs = g_build_filename(w.home, "labs", NULL);

        expect_run(down, 2, "--lab: must be a lab name", NULL);
        expect_run(status, 2, "--lab: must be a lab name", NULL);
        expect_run(exec, 2, "--lab: must be a lab name", NULL);
        expect_run(ssh, 2, "--lab: must be a lab name", NULL);
        expect_run(start, 2, "--lab: must be a lab name", NULL);
        /* nothing was created: no lab folder, no lock */
        g_assert_false(g_file_test(labs, G_FILE_TEST_EXISTS));
    }
    {
        g_autofree char *ok = g_strnfill(64, 'a');
        const char *down[] = {"down", "--lab", ok, NULL};
        expect_run(down, 0, NULL, NULL);
    }
    workspace_close(&w);
    g_assert_false(g_file_test("/tmp/x/lock", G_FILE_TEST_EXISTS));
}

/* A topology.json "name" that is no lab name is an error for down/status too (no folder fallback).
 */
static void
test_lab_name_spec(void)
{
    Workspace w = {0};
    const char *down[] = {"down", "specs/example", NULL};
    const char *status[] = {"status", "-S", "specs/example", NULL};
    const char *validate[] = {"validate", "specs/example", NULL};

    workspace_open(&w);
    vl_test_write(w.work, "specs/example/topology.json",
                  "{\"name\": \"../../../tmp/x\", \"devices\": {\"r1\": {}}}");
    expect_run(down, 2, "topology.json: name: must be a lab name", NULL);
    expect_run(status, 2, "topology.json: name: must be a lab name", NULL);
    expect_run(validate, 2, "topology.json: name: must be a lab name", NULL);
    workspace_close(&w);
}

/* Without a lab named: the one that is up; none or several is an error that says so. */
static void
test_lab_default(void)
{
    Workspace w = {0};
    const char *destroy[] = {"destroy", NULL};
    const char *deploy[] = {"deploy", "-S", "specs/example", "--no-start", NULL};
    const char *status[] = {"status", "--json", NULL};
    g_autofree char *out = NULL;

    workspace_open(&w);
    expect_run(destroy, 1, "no lab is up here", NULL);
    vl_test_run_expect(30, deploy, 0, NULL);
    expect_run(status, 0, NULL, &out);
    g_assert_nonnull(strstr(out, "\"lab\": \"example\""));
    vl_test_write(w.home, "labs/other/state.json", "{}");
    expect_run(destroy, 2, "2 labs are up ('example', 'other')", NULL);
    g_clear_pointer(&out, g_free);
    expect_run(status, 0, NULL, &out);
    g_assert_nonnull(strstr(out, "\"labs\""));
    {
        const char *a[] = {"exec", "r1", "--", "true", NULL};
        /* several labs: r1 is looked for in all of them, and none runs */
        expect_run(a, 1, "no lab is up", NULL);
    }
    {
        g_autofree char *p = g_build_filename(w.home, "labs", "other", "state.json", NULL);
        g_assert_cmpint(g_unlink(p), ==, 0);
    }
    {
        g_autofree char *o = NULL;
        expect_run(destroy, 0, NULL, &o);
        g_assert_nonnull(strstr(o, "lab 'example' is down"));
    }
    workspace_close(&w);
}

/* Errors and usage name the command as typed, and -S and SPECDIR are one or the other. */
static void
test_typed_name(void)
{
    Workspace w = {0};
    const char *bogus[] = {"deploy", "--bogus", NULL};
    const char *missing[] = {"deploy", "-S", NULL};
    const char *twice[] = {"deploy", "-S", "specs/example", "specs/example", NULL};
    const char *none[] = {"destroy", "a", "b", NULL};
    const char *validate[] = {"validate", "-S", "specs/example", NULL};
    g_autofree char *out = NULL;

    workspace_open(&w);
    expect_run(bogus, 2,
               "vmlab-virt deploy: Unknown option --bogus (see 'vmlab-virt deploy --help')", NULL);
    expect_run(missing, 2, "vmlab-virt deploy: Missing argument for -S", NULL);
    expect_run(twice, 2, "vmlab-virt deploy: one spec folder at most", NULL);
    expect_run(none, 2, "vmlab-virt destroy: ", NULL);
    expect_run(validate, 0, NULL, &out);
    g_assert_nonnull(strstr(out, "specs/example: lab 'example' is valid"));
    workspace_close(&w);
}

static void
trace_cb(const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
    g_ptr_array_add(data, g_strdup(message));
}

/* Return: the trace line starting with @prefix, or NULL. */
static const char *
trace_find(GPtrArray *lines, const char *prefix)
{
    for (guint i = 0; i < lines->len; i++) {
        if (g_str_has_prefix(g_ptr_array_index(lines, i), prefix))
            return g_ptr_array_index(lines, i);
    }
    return NULL;
}

/* On `up`, -v says why a VM is redefined: which element of its domain changed. */
static void
test_verbose_redefine_reason(void)
{
    Workspace w = {0};
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) err = NULL;
    virConnectPtr conn;
    VlRenderer *r;
    guint handler;
    VlUpOptions opts = {.start = FALSE, .jobs = 1};

    workspace_open(&w);
    conn = vl_conn_open("test:///default", &err);
    g_assert_no_error(err);
    r = vl_renderer_new("qemu", &err);
    g_assert_no_error(err);
    handler = g_log_set_handler(VL_LOG_DOMAIN, G_LOG_LEVEL_DEBUG, trace_cb, lines);
    for (guint round = 0; round < 2; round++) {
        g_autoptr(VlDiag) diag = vl_diag_new();
        g_autoptr(VlSpec) spec = vl_spec_load("specs/example", diag);
        g_autoptr(GPtrArray) reports = NULL;

        g_assert_nonnull(spec);
        g_assert_true(vl_lab_up(conn, spec, r, &opts, &reports, &err));
        g_assert_no_error(err);
        /* the second round: r1 gets more memory, the others are unchanged */
        vl_test_write(w.work, "specs/example/profiles/r1.json",
                      "{\"platform\": \"tiny-linux\", \"vm_memory\": 512}");
    }
    g_log_remove_handler(VL_LOG_DOMAIN, handler);
    g_assert_nonnull(trace_find(lines, "virDomainDefineXML('r1')"));
    {
        const char *why = trace_find(lines, "redefining 'r1': ");
        if (!why)
            for (guint i = 0; i < lines->len; i++)
                g_printerr("trace: %s\n", (const char *)g_ptr_array_index(lines, i));
        g_assert_nonnull(why);
        g_assert_nonnull(strstr(why, "domain/memory: '262144 KiB' -> '524288 KiB'"));
    }
    g_assert_null(trace_find(lines, "redefining 'r2'"));
    vl_test_virt_clear(conn); /* clean up the shared test driver */
    vl_renderer_free(r);
    virConnectClose(conn);
    workspace_close(&w);
}

static void
test_xml_diff(void)
{
    static const char cur[] =
        "<domain type='qemu' id='3'><name>r1</name><memory unit='KiB'>262144</memory>"
        "<os><type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type></os><devices>"
        "<interface type='udp'><source address='127.0.0.1' port='21001'/></interface>"
        "<interface type='udp'><source address='127.0.0.1' port='21004'/></interface>"
        "<controller type='pci'/></devices></domain>";
    g_autofree char *same = vl_xml_diff_describe(
        cur,
        "<domain type='qemu'><name>r1</name><memory unit='MiB'>256</memory>"
        "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>"
        "<interface type='udp'><source port='21001'/></interface>"
        "<interface type='udp'><source port='21004'/></interface></devices></domain>",
        4);
    g_autofree char *port =
        vl_xml_diff_describe(cur,
                             "<domain type='kvm'><memory unit='GiB'>1</memory><devices>"
                             "<interface type='udp'><source port='21001'/></interface>"
                             "<interface type='udp'><source port='21009'/></interface>"
                             "<interface type='udp'/></devices></domain>",
                             4);
    g_autofree char *fewer =
        vl_xml_diff_describe(cur, "<domain><devices><interface type='udp'/></devices></domain>", 4);
    g_autofree char *many = vl_xml_diff_describe(
        cur, "<domain type='kvm'><name>a</name><memory unit='KiB'>1</memory><x/><y/></domain>", 2);

    /* libvirt's defaults, unit conversions and machine aliases are no difference */
    g_assert_null(same);
    g_assert_cmpstr(port, ==,
                    "domain/@type: 'qemu' -> 'kvm'; domain/memory: '262144 KiB' -> '1048576 KiB'; "
                    "domain/devices/interface[2]/source/@port: '21004' -> '21009'; "
                    "domain/devices/interface[3]: new");
    g_assert_cmpstr(fewer, ==, "domain/devices/interface[2]: no longer rendered");
    g_assert_cmpstr(many, ==, "domain/@type: 'qemu' -> 'kvm'; domain/name: 'r1' -> 'a'; 3 more");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    virSetErrorFunc(NULL, NULL);

    g_test_add_func("/cli/readme/commands", test_readme_commands);
    g_test_add_func("/cli/help/examples", test_help_examples);
    g_test_add_func("/cli/exec/command-after-dashes", test_command_after_dashes);
    g_test_add_func("/cli/exec/timeout-bounds", test_exec_timeout_bounds);
    g_test_add_func("/cli/meta/port-range", test_meta_port_range);
    g_test_add_func("/cli/lab-name/option", test_lab_name_option);
    g_test_add_func("/cli/lab-name/spec", test_lab_name_spec);
    g_test_add_func("/cli/lab/default", test_lab_default);
    g_test_add_func("/cli/errors/typed-name", test_typed_name);
    g_test_add_func("/cli/verbose/redefine-reason", test_verbose_redefine_reason);
    g_test_add_func("/cli/verbose/xml-diff", test_xml_diff);
    return g_test_run();
}
