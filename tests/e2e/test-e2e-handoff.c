/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-e2e-handoff.c - end to end: `vmlab-virt ssh` with no terminal and no password typed, and
 * the hand-off files `up` writes (ssh_config, Ansible inventory, topology data) used for real */
#include "e2e-util.h"
#include "vl-test-util.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/stat.h>

/*
 * Runs only with VMLAB_E2E=1, like test-e2e-lab.c, with a lab of its own: ho-handoff, domains
 * hoa1 and hoa2 (no prefix: a tiny guest's host name is its domain's, so it is the node's name),
 * ports 22300/22350/22400. Every command that logs in runs under setsid with stdin on /dev/null:
 * no terminal to type a password on, so a prompt would fail it. The body runs in a child; the
 * parent purges the lab before and after, pass or fail.
 */
#define LAB    "ho-handoff"
#define PREFIX "hoa"

static const char *const nodes[] = {"hoa1", "hoa2"};
static const guint ssh_ports[] = {22400, 22401};

/* Runs @argv (a program on PATH, or VMLAB_BIN for "vmlab-virt") without a terminal: a session of
 * its own (setsid), stdin /dev/null, bounded to 120 s. Return: its exit status. */
static int
run_detached(const char *const *argv, char **out, char **err)
{
    g_autoptr(GPtrArray) args = g_ptr_array_new();
    g_autoptr(GSubprocessLauncher) l =
        g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
    g_autoptr(GSubprocess) proc = NULL;
    g_autoptr(GError) error = NULL;

    g_ptr_array_add(args, "setsid");
    g_ptr_array_add(args, "-w");
    g_ptr_array_add(args, "timeout");
    g_ptr_array_add(args, "120");
    g_ptr_array_add(args, g_str_equal(argv[0], "vmlab-virt") ? (gpointer)g_getenv("VMLAB_BIN")
                                                             : (gpointer)argv[0]);
    for (guint i = 1; argv[i]; i++)
        g_ptr_array_add(args, (gpointer)argv[i]);
    g_ptr_array_add(args, NULL);
    g_subprocess_launcher_set_stdin_file_path(l, "/dev/null");
    proc = g_subprocess_launcher_spawnv(l, (const char *const *)args->pdata, &error);
    g_assert_no_error(error);
    g_subprocess_communicate_utf8(proc, NULL, NULL, out, err, &error);
    g_assert_no_error(error);
    return g_subprocess_get_if_exited(proc) ? g_subprocess_get_exit_status(proc) : 128;
}

/* Runs @argv detached until it prints @want (3 tries, the guest's sshd may still be starting). */
static void
expect_output(const char *const *argv, const char *want)
{
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    int st = -1;

    for (int attempt = 0; attempt < 3; attempt++) {
        g_clear_pointer(&out, g_free);
        g_clear_pointer(&err, g_free);
        st = run_detached(argv, &out, &err);
        if (st == 0 && g_str_equal(out, want))
            break;
        g_usleep(3 * G_USEC_PER_SEC);
    }
    if (st != 0 || !g_str_equal(out, want)) {
        g_autofree char *line = g_strjoinv(" ", (char **)argv);
        g_printerr("command: %s\nexit status: %d\n--- stdout\n%s\n--- stderr\n%s\n---\n", line, st,
                   out, err);
    }
    g_assert_cmpint(st, ==, 0);
    g_assert_cmpstr(out, ==, want);
    /* nothing asked for a password on a terminal */
    g_assert_null(strstr(err, "password:"));
}

static void
check_inventory(const char *inventory)
{
    g_autofree char *prog = g_find_program_in_path("ansible-inventory");
    const char *argv[] = {"ansible-inventory", "-i", inventory, "--list", NULL};
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autoptr(GError) error = NULL;
    json_object *doc;
    json_object *meta = NULL, *hostvars = NULL, *h = NULL, *v = NULL, *g = NULL, *hs = NULL;
    int st;

    if (!prog) {
        g_test_skip("ansible-inventory is not installed (Debian: ansible-core): inventory "
                    "sub-check skipped");
        return;
    }
    st = run_detached(argv, &out, &err);
    if (st != 0)
        g_printerr("ansible-inventory: exit status %d\n%s\n%s\n", st, out, err);
    g_assert_cmpint(st, ==, 0);
    doc = json_tokener_parse(out);
    g_assert_nonnull(doc);
    g_assert_true(json_object_object_get_ex(doc, "_meta", &meta));
    g_assert_true(json_object_object_get_ex(meta, "hostvars", &hostvars));
    g_assert_cmpint(json_object_object_length(hostvars), ==, G_N_ELEMENTS(nodes));
    for (guint i = 0; i < G_N_ELEMENTS(nodes); i++) {
        g_assert_true(json_object_object_get_ex(hostvars, nodes[i], &h));
        g_assert_true(json_object_object_get_ex(h, "ansible_host", &v));
        g_assert_cmpstr(json_object_get_string(v), ==, "127.0.0.1");
        g_assert_true(json_object_object_get_ex(h, "ansible_port", &v));
        g_assert_cmpint(json_object_get_int(v), ==, (int)ssh_ports[i]);
        g_assert_true(json_object_object_get_ex(h, "ansible_password", &v));
        g_assert_cmpstr(json_object_get_string(v), ==, "vmlab");
    }
    g_assert_true(json_object_object_get_ex(doc, "role_edge", &g));
    g_assert_true(json_object_object_get_ex(g, "hosts", &hs));
    g_assert_cmpint(json_object_array_length(hs), ==, 1);
    g_assert_cmpstr(json_object_get_string(json_object_array_get_idx(hs, 0)), ==, "hoa1");
    json_object_put(doc);
}

static void
test_handoff(void)
{
    g_autofree char *spec = NULL;
    g_autofree char *lab_dir = NULL;
    g_autofree char *ssh_config = NULL;
    g_autofree char *inventory = NULL;
    g_autofree char *topology = NULL;
    g_autofree char *askpass = NULL;
    g_autofree char *out = NULL;
    const char *up[] = {"up", NULL, "-c", URI, "--jobs", "2", NULL};
    const char *down[] = {"down", NULL, "-c", URI, NULL};
    const char *status[] = {"status", "--lab", LAB, "-c", URI, NULL};
    const char *status_json[] = {"status", "--lab", LAB, "--json", "-c", URI, NULL};
    const char *files[] = {"topology.json", "platforms.json", "profiles/hoa1.json",
                           "profiles/hoa2.json", NULL};
    GStatBuf st;

    if (!e2e_enabled()) {
        g_test_skip("set VMLAB_E2E=1 (needs root, libvirtd and the tiny guest image)");
        return;
    }
    spec = e2e_spec_in_child(LAB, PREFIX, "e2e/data/handoff", files);
    if (!spec)
        return;
    up[1] = spec;
    down[1] = spec;
    lab_dir = g_build_filename(g_getenv("VMLAB_HOME"), "labs", LAB, NULL);
    ssh_config = g_build_filename(lab_dir, "ssh_config", NULL);
    inventory = g_build_filename(lab_dir, "ansible-inventory.yml", NULL);
    topology = g_build_filename(lab_dir, "topology-data.json", NULL);
    vl_test_run_expect(600, up, 0, NULL);

    /* the files are there, the inventory (it holds passwords) for the owner only */
    g_assert_cmpint(g_stat(ssh_config, &st), ==, 0);
    g_assert_cmpint(g_stat(topology, &st), ==, 0);
    g_assert_cmpint(g_stat(inventory, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);
    vl_test_run_expect(60, status, 0, &out);
    g_assert_nonnull(strstr(out, ssh_config));
    g_assert_nonnull(strstr(out, inventory));
    g_assert_nonnull(strstr(out, topology));
    g_clear_pointer(&out, g_free);
    vl_test_run_expect(60, status_json, 0, &out);
    g_assert_nonnull(strstr(out, "\"files\""));
    g_assert_nonnull(strstr(out, topology));
    g_clear_pointer(&out, g_free);

    /* vmlab-virt ssh: the spec's password through SSH_ASKPASS, no terminal, no prompt */
    for (guint i = 0; i < G_N_ELEMENTS(nodes); i++) {
        const char *argv[] = {"vmlab-virt", "ssh",    "--lab", LAB,        "-c",
                              URI,          nodes[i], "--",    "hostname", NULL};
        g_autofree char *want = g_strdup_printf("%s\n", nodes[i]);
        expect_output(argv, want);
    }

    /* the VMs want the password: plain ssh, with nothing to answer its prompt, is refused */
    {
        const char *plain[] = {"ssh", "-F", ssh_config, nodes[0], "hostname", NULL};
        g_autofree char *err = NULL;
        int rc;
        g_unsetenv("SSH_ASKPASS");
        g_unsetenv("SSH_ASKPASS_REQUIRE");
        rc = run_detached(plain, NULL, &err);
        if (rc == 0)
            g_printerr("ssh without a password succeeded:\n%s\n", err);
        g_assert_cmpint(rc, !=, 0);
    }

    /* ssh -F ssh_config NAME, by both names, the password from an askpass script of the test */
    askpass = g_build_filename(g_getenv("VMLAB_HOME"), "askpass.sh", NULL);
    vl_test_write_file(askpass, "#!/bin/sh\necho vmlab\n", -1, 0700);
    g_setenv("SSH_ASKPASS", askpass, TRUE);
    g_setenv("SSH_ASKPASS_REQUIRE", "force", TRUE);
    for (guint i = 0; i < G_N_ELEMENTS(nodes); i++) {
        g_autofree char *alias = g_strdup_printf("%s-%s", LAB, nodes[i]);
        g_autofree char *want = g_strdup_printf("%s\n", nodes[i]);
        const char *by_domain[] = {"ssh", "-F", ssh_config, nodes[i], "hostname", NULL};
        const char *by_alias[] = {"ssh", "-F", ssh_config, alias, "hostname", NULL};
        expect_output(by_domain, want);
        expect_output(by_alias, want);
    }
    g_unsetenv("SSH_ASKPASS");
    g_unsetenv("SSH_ASKPASS_REQUIRE");

    /* up again rewrites them: a removed one is back, an edited one is current again */
    {
        g_autofree char *before = vl_test_read_file(ssh_config, NULL);
        g_autofree char *after = NULL;
        g_assert_cmpint(g_unlink(topology), ==, 0);
        vl_test_write_file(ssh_config, "# stale\n", -1, 0644);
        vl_test_run_expect(600, up, 0, NULL);
        g_assert_true(g_file_test(topology, G_FILE_TEST_IS_REGULAR));
        after = vl_test_read_file(ssh_config, NULL);
        g_assert_cmpstr(after, ==, before);
    }

    /* Ansible reads the inventory: each VM with its address and port */
    check_inventory(inventory);

    /* down removes them */
    vl_test_run_expect(120, down, 0, NULL);
    g_assert_false(g_file_test(ssh_config, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(inventory, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(topology, G_FILE_TEST_EXISTS));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/e2e/handoff/ssh-and-files", test_handoff);
    return g_test_run();
}
