/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-handoff.c - the hand-off files (ssh_config, Ansible inventory, topology data): goldens,
 * writing and removing, what Ansible reads from the inventory, the platform fields they use */
#include "vl-handoff.h"
#include "vl-json.h"
#include "vl-test-spec.h"
#include "vl-test-util.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

/*
 * Golden files live in tests/data/handoff/<case>/<file>, made from the spec alone with the lab
 * folder given as /var/lib/vmlab/labs/<lab> (so nothing in them depends on this machine). To
 * rewrite them after an intended change, run with VMLAB_TEST_REGENERATE=1 and review the diff.
 */
static const char *const golden_specs[][2] = {
    {"fabric", "../specs/fabric"},
    {"sros", "data/render/sros"},
    {"hosts", "e2e/data/hosts"}, /* coalesced hosts in a host VM */
};
static const char *const golden_files[] = {VL_HANDOFF_SSH_CONFIG, VL_HANDOFF_INVENTORY,
                                           VL_HANDOFF_TOPOLOGY};

static VlSpec *
handoff_load(const char *rel)
{
    g_autofree char *dir = vl_test_srcpath(rel);

    return vl_test_spec_load(dir, NULL);
}

static char *
handoff_lab_dir(const VlSpec *spec)
{
    return g_strdup_printf("/var/lib/vmlab/labs/%s", spec->name);
}

static char *
handoff_generate(const VlSpec *spec, const char *file, const char *lab_dir)
{
    if (g_str_equal(file, VL_HANDOFF_SSH_CONFIG))
        return vl_handoff_ssh_config(spec, lab_dir);
    if (g_str_equal(file, VL_HANDOFF_INVENTORY))
        return vl_handoff_inventory(spec, lab_dir);
    return vl_handoff_topology(spec);
}

static void
test_golden(gconstpointer data)
{
    const char *const *c = data; /* case, spec, file */
    g_autoptr(VlSpec) spec = handoff_load(c[1]);
    g_autofree char *lab_dir = handoff_lab_dir(spec);
    g_autofree char *out = handoff_generate(spec, c[2], lab_dir);
    g_autofree char *rel = g_strdup_printf("data/handoff/%s/%s", c[0], c[2]);
    vl_test_golden_check(rel, out);
}

/* What the goldens must hold, whatever their layout: checked on the generated text itself. */
static void
test_ssh_config_names(void)
{
    g_autoptr(VlSpec) fabric = handoff_load("../specs/fabric");
    g_autoptr(VlSpec) sros = handoff_load("data/render/sros");
    g_autoptr(VlSpec) hosts = handoff_load("e2e/data/hosts");
    g_autofree char *f = vl_handoff_ssh_config(fabric, "/L");
    g_autofree char *s = vl_handoff_ssh_config(sros, "/L");
    g_autofree char *h = vl_handoff_ssh_config(hosts, "/L");

    /* a device: its domain name and <lab>-<node>, its ports and user, the lab's known_hosts */
    g_assert_nonnull(strstr(f, "\nHost leaf3 fabric-leaf3\n  HostName 127.0.0.1\n  Port "));
    g_assert_nonnull(strstr(f, "  User netops\n  UserKnownHostsFile /L/known_hosts\n"));
    g_assert_null(strstr(f, "YourPaSsWoRd"));
    /* SR OS: CPMs only, the second CPM by its card */
    g_assert_nonnull(strstr(s, "\nHost vsim-2-a sros-pe1\n"));
    g_assert_nonnull(strstr(s, "\nHost vsim-2-b sros-pe1-b\n"));
    g_assert_null(strstr(s, "vsim-2-1"));
    g_assert_nonnull(strstr(s, "\nHost vpc-5 sros-pe"));
    /* a coalesced host: its VM's port, a shell in its namespace */
    g_assert_nonnull(strstr(h, "\nHost e2eh-h2 e2e-hosts-h2\n"));
    g_assert_nonnull(strstr(h, "  RemoteCommand exec ip netns exec h2 "));
    g_assert_nonnull(strstr(h, "\nHost e2eh-hostvm-0 e2e-hosts-hostvm-0\n"));
}

/* Ansible's own parser reads the inventory: hosts, their vars and the groups. */
static void
test_inventory_ansible(void)
{
    g_autoptr(VlSpec) spec = handoff_load("../specs/fabric");
    g_autofree char *dir = vl_test_mkdtemp();
    g_autofree char *path = g_build_filename(dir, VL_HANDOFF_INVENTORY, NULL);
    g_autofree char *out = NULL;
    g_autofree char *errout = NULL;
    g_autoptr(json_object) doc = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *prog = g_find_program_in_path("ansible-inventory");
    const char *argv[] = {"ansible-inventory", "-i", path, "--list", NULL};
    json_object *meta = NULL, *hostvars = NULL, *h = NULL, *v = NULL, *g = NULL, *hs = NULL;
    int status;

    if (!prog) {
        g_test_skip("ansible-inventory is not installed (Debian: ansible-core)");
        vl_test_rmtree(dir);
        return;
    }
    g_assert_true(vl_handoff_write(spec, dir, &err));
    g_assert_no_error(err);
    g_setenv("ANSIBLE_LOCAL_TEMP", dir, TRUE);
    g_setenv("ANSIBLE_HOME", dir, TRUE);
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                               &errout, &status, &err));
    g_assert_no_error(err);
    if (!g_spawn_check_wait_status(status, NULL))
        vl_test_print_failure(argv, status, out, errout);
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    doc = vl_json_parse(out, strlen(out), &err);
    g_assert_no_error(err);
    g_assert_true(json_object_object_get_ex(doc, "_meta", &meta));
    g_assert_true(json_object_object_get_ex(meta, "hostvars", &hostvars));
    g_assert_cmpint(json_object_object_length(hostvars), ==, (int)spec->vms->len);
    for (guint i = 0; i < spec->vms->len; i++) {
        const VlVm *vm = g_ptr_array_index(spec->vms, i);
        g_assert_true(json_object_object_get_ex(hostvars, vm->name, &h));
        g_assert_true(json_object_object_get_ex(h, "ansible_host", &v));
        g_assert_cmpstr(json_object_get_string(v), ==, vl_vm_mgmt_address(vm));
        g_assert_true(json_object_object_get_ex(h, "ansible_port", &v));
        g_assert_cmpint(json_object_get_int(v), ==, (int)vm->ssh_port);
        g_assert_true(json_object_object_get_ex(h, "ansible_user", &v));
        g_assert_cmpstr(json_object_get_string(v), ==, vm->node->ssh_user);
    }
    g_assert_true(json_object_object_get_ex(hostvars, "spine1", &h));
    g_assert_true(json_object_object_get_ex(h, "ansible_password", &v));
    g_assert_cmpstr(json_object_get_string(v), ==, "YourPaSsWoRd");
    g_assert_true(json_object_object_get_ex(h, "ansible_network_os", &v));
    g_assert_cmpstr(json_object_get_string(v), ==, "dellemc.enterprise_sonic.sonic");
    g_assert_true(json_object_object_get_ex(hostvars, "leaf4", &h));
    g_assert_false(json_object_object_get_ex(h, "ansible_network_os", &v));
    /* groups by platform and by role */
    g_assert_true(json_object_object_get_ex(doc, "platform_vendor_seq", &g));
    g_assert_true(json_object_object_get_ex(g, "hosts", &hs));
    g_assert_cmpint(json_object_array_length(hs), ==, 2);
    g_assert_true(json_object_object_get_ex(doc, "role_spine", &g));
    g_assert_true(json_object_object_get_ex(g, "hosts", &hs));
    g_assert_cmpint(json_object_array_length(hs), ==, 2);
    g_assert_cmpstr(json_object_get_string(json_object_array_get_idx(hs, 0)), ==, "spine1");
    vl_test_rmtree(dir);
}

/* write: three files, the inventory 0600, replacing what was there; remove: all gone, twice. */
static void
test_write_remove(void)
{
    g_autoptr(VlSpec) spec = handoff_load("data/render/sros");
    g_autofree char *dir = vl_test_mkdtemp();
    g_autofree char *lab_dir = g_build_filename(dir, "labs", "sros", NULL);
    g_auto(GStrv) paths = vl_handoff_paths(lab_dir);
    g_autoptr(GError) err = NULL;
    static const int modes[] = {0644, 0600, 0644};

    g_assert_cmpuint(g_strv_length(paths), ==, 3);
    g_assert_true(g_mkdir_with_parents(lab_dir, 0755) == 0);
    vl_test_write_file(paths[1], "stale", -1, 0644);
    g_assert_true(vl_handoff_write(spec, lab_dir, &err));
    g_assert_no_error(err);
    for (guint i = 0; i < 3; i++) {
        g_autofree char *text = vl_test_read_file(paths[i], NULL);
        g_autofree char *want = handoff_generate(spec, golden_files[i], lab_dir);
        GStatBuf st;
        g_assert_cmpint(g_stat(paths[i], &st), ==, 0);
        g_assert_cmpint(st.st_mode & 0777, ==, modes[i]);
        g_assert_cmpstr(text, ==, want);
    }
    /* the stale file's place: no temporary files left beside them */
    {
        g_autoptr(GDir) d = g_dir_open(lab_dir, 0, &err);
        guint n = 0;
        g_assert_no_error(err);
        while (g_dir_read_name(d))
            n++;
        g_assert_cmpuint(n, ==, 3);
    }
    g_assert_true(vl_handoff_remove(lab_dir, &err));
    g_assert_no_error(err);
    for (guint i = 0; i < 3; i++)
        g_assert_false(g_file_test(paths[i], G_FILE_TEST_EXISTS));
    g_assert_true(vl_handoff_remove(lab_dir, &err));
    g_assert_no_error(err);
    vl_test_rmtree(dir);
}

/* A spec without a password has none in the inventory; a badly typed platform field is an error
 * naming its file and path. */
static void
test_platform_fields(void)
{
    g_autofree char *dir = vl_test_mkdtemp();
    const char *topo = "{\"name\": \"t\", \"devices\": {\"a\": {\"interfaces\": {}}}}\n";
    g_autoptr(VlDiag) diag = vl_diag_new();
    g_autoptr(GError) err = NULL;
    g_autoptr(VlSpec) spec = NULL;
    g_autoptr(VlSpec) bad = NULL;
    g_autofree char *inv = NULL;

    vl_test_write(dir, "topology.json", topo);
    vl_test_write(dir, "img.qcow2", "");
    vl_test_write(dir, "profiles/a.json", "{\"platform\": \"p\"}\n");
    vl_test_write(dir, "platforms.json",
                  "{\"platforms\": {\"p\": {\"vm_image\": \"img.qcow2\", \"ansible_connection\": "
                  "\"ansible.netcommon.network_cli\", \"vm_credentials\": {\"user\": \"u\"}}}}\n");
    spec = vl_spec_load(dir, diag);
    vl_diag_to_error(diag, &err);
    g_assert_no_error(err);
    g_assert_nonnull(spec);
    g_assert_cmpstr(((VlNode *)g_ptr_array_index(spec->nodes, 0))->ansible_connection, ==,
                    "ansible.netcommon.network_cli");
    inv = vl_handoff_inventory(spec, "/L");
    g_assert_null(strstr(inv, "ansible_password"));
    g_assert_nonnull(strstr(inv, "      ansible_connection: \"ansible.netcommon.network_cli\"\n"));
    g_assert_null(strstr(inv, "ansible_network_os"));

    vl_test_write(dir, "platforms.json",
                  "{\"platforms\": {\"p\": {\"vm_image\": \"img.qcow2\", \"ansible_network_os\": "
                  "7}}}\n");
    g_clear_pointer(&diag, vl_diag_free);
    diag = vl_diag_new();
    bad = vl_spec_load(dir, diag);
    g_assert_null(bad);
    vl_diag_to_error(diag, &err);
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "platforms.json"));
    g_assert_nonnull(strstr(err->message, "ansible_network_os"));
    vl_test_rmtree(dir);
}

/* The hidden mode `vmlab-virt ssh` has ssh use as SSH_ASKPASS: the password of the VM the
 * environment names, for a password prompt only; without that environment a prompt is no
 * command; --help does not show it. */
static void
test_askpass(void)
{
    g_autofree char *home = vl_test_mkdtemp();
    g_autofree char *spec_dir = vl_test_srcpath("../specs/fabric");
    g_autofree char *state = g_strdup_printf("{\"spec_dir\": \"%s\"}\n", spec_dir);
    const char *pw[] = {"admin@127.0.0.1's password: ", NULL};
    const char *pw_leaf3[] = {"netops@127.0.0.1's password: ", NULL};
    const char *passphrase[] = {"Enter passphrase for key '/root/.ssh/id_ed25519': ", NULL};
    const char *help[] = {"--help", NULL};
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    int st;

    vl_test_write(home, "labs/fabric/state.json", state);
    g_setenv("VMLAB_HOME", home, TRUE);
    g_setenv("VMLAB_ASKPASS_LAB", "fabric", TRUE);
    g_setenv("VMLAB_ASKPASS_DOMAIN", "spine1", TRUE);
    vl_test_run_expect(30, pw, 0, &out);
    g_assert_cmpstr(out, ==, "YourPaSsWoRd\n");
    g_clear_pointer(&out, g_free);
    g_setenv("VMLAB_ASKPASS_DOMAIN", "leaf3", TRUE);
    vl_test_run_expect(30, pw_leaf3, 0, &out);
    g_assert_cmpstr(out, ==, "admin\n");
    g_clear_pointer(&out, g_free);
    vl_test_run_expect(30, passphrase, 1, &out);
    g_assert_cmpstr(out, ==, "");
    g_clear_pointer(&out, g_free);
    /* a domain the spec does not have: no answer, and why */
    g_setenv("VMLAB_ASKPASS_DOMAIN", "spine9", TRUE);
    st = vl_test_run(pw, &out, &err);
    if (st != 1)
        vl_test_print_failure(pw, st, out, err);
    g_assert_cmpint(st, ==, 1);
    g_assert_cmpstr(out, ==, "");
    g_assert_nonnull(strstr(err, "no password for domain 'spine9'"));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    g_unsetenv("VMLAB_ASKPASS_LAB");
    g_unsetenv("VMLAB_ASKPASS_DOMAIN");
    st = vl_test_run(pw, &out, &err);
    if (st != 2)
        vl_test_print_failure(pw, st, out, err);
    g_assert_cmpint(st, ==, 2);
    g_assert_null(strstr(out, "YourPaSsWoRd"));
    g_clear_pointer(&out, g_free);
    vl_test_run_expect(30, help, 0, &out);
    g_assert_null(strstr(out, "askpass"));
    g_assert_null(strstr(out, "ASKPASS"));
    g_unsetenv("VMLAB_HOME");
    vl_test_rmtree(home);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (guint i = 0; i < G_N_ELEMENTS(golden_specs); i++) {
        for (guint j = 0; j < G_N_ELEMENTS(golden_files); j++) {
            const char **c = g_new0(const char *, 3);
            g_autofree char *path = NULL;
            c[0] = golden_specs[i][0];
            c[1] = golden_specs[i][1];
            c[2] = golden_files[j];
            path = g_strdup_printf("/handoff/golden/%s/%s", c[0], c[2]);
            g_test_add_data_func_full(path, c, test_golden, g_free);
        }
    }
    g_test_add_func("/handoff/ssh-config/names", test_ssh_config_names);
    g_test_add_func("/handoff/inventory/ansible", test_inventory_ansible);
    g_test_add_func("/handoff/write-remove", test_write_remove);
    g_test_add_func("/handoff/platform-fields", test_platform_fields);
    g_test_add_func("/handoff/askpass", test_askpass);
    return g_test_run();
}
