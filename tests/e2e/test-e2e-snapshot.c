/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-e2e-snapshot.c - end to end on a real libvirtd + QEMU (TCG): snapshot a running lab,
 * change it, restore, and find the guests' RAM, uptime and links as they were */
#include "e2e-util.h"
#include "vl-test-util.h"

#include <json-c/json.h>

#include <stdlib.h>
#include <string.h>

/*
 * Runs only with VMLAB_E2E=1, as test-e2e-lab.c: root, a libvirtd on qemu:///system, the tiny
 * guest image. Each case has its own lab name, domain prefix and ports (27000-27999, below the
 * ephemeral range; 28000 and up belong to test-e2e-lab.c), a private VMLAB_HOME and a copy of its
 * spec; its body runs in a child, and the parent removes the lab's domains and pool before and
 * after, pass or fail.
 */

G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_object, json_object_put)

typedef struct {
    const char *name;        /* test case */
    const char *spec;        /* relative to tests/ */
    const char *lab;         /* lab name after the rewrite */
    const char *prefix;      /* domain prefix after the rewrite */
    const char *from_lab;    /* the spec's own name, prefix and ports, rewritten */
    const char *from_prefix; /* (nullable) */
    const char *ports[4][2]; /* from, to: links, consoles, SSH, (SR OS) fabric */
    const char *pings[3][3]; /* node, then the addresses it must reach */
} E2eCase;

static const E2eCase e2e_cases[] = {
    {"udp-triangle",
     "../specs/example",
     "e2e-snap",
     "e2ep-",
     "example",
     NULL,
     {{"21000", "27000"}, {"31000", "27200"}, {"41000", "27400"}},
     {{"r1", "10.0.12.2", "10.0.13.3"},
      {"r2", "10.0.12.1", "10.0.23.3"},
      {"r3", "10.0.23.2", "10.0.13.1"}}},
    /* TCP links: the listening ends must be back before the connecting ends */
    {"tcp-line",
     "e2e/data/tcp-line",
     "e2e-snapt",
     "e2eq-",
     "e2e-tcp",
     "e2et-",
     {{"25000", "27100"}, {"25200", "27300"}, {"25400", "27500"}},
     {{"r1", "10.1.12.2", "10.1.12.2"},
      {"r2", "10.1.12.1", "10.1.23.3"},
      {"r3", "10.1.23.2", "10.1.23.2"}}},
};

/* The SR OS lab of test-e2e-lab.c (CPM with a raw cf3: disk, line cards on qcow2 overlays). */
static const E2eCase e2e_sros = {
    "sros",
    "e2e/data/sros",
    "e2e-snaps",
    "e2ez-",
    "e2e-sros",
    "e2es-",
    {{"28000", "27700"}, {"28200", "27750"}, {"28400", "27850"}, {"18000", "27950"}},
    {{NULL}}};

typedef struct {
    char *home;
    char *spec;
    const E2eCase *c;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
    const E2eCase *c = data;
    const char *files[] = {"topology.json",    "platforms.json",   "profiles/r1.json",
                           "profiles/r2.json", "profiles/r3.json", NULL};
    const char *sros_files[] = {"topology.json", "platforms.json", "profiles/pe1.json",
                                "profiles/r9.json", NULL};
    g_autofree char *src = vl_test_srcpath(c->spec);
    g_autofree char *topo = NULL;
    g_autofree char *text = NULL;
    g_autoptr(GString) t = NULL;

    f->c = c;
    if (!e2e_enabled())
        return;
    if (g_test_subprocess()) {
        f->home = g_strdup(g_getenv("VMLAB_HOME"));
        f->spec = g_strdup(g_getenv("VMLAB_E2E_SPEC"));
        return;
    }
    e2e_purge(c->lab, c->prefix);
    f->home = e2e_home_new();
    f->spec = vl_test_mkdtemp();
    g_setenv("VMLAB_E2E_SPEC", f->spec, TRUE);
    vl_test_copy_files(src, f->spec, c == &e2e_sros ? sros_files : files);
    /* own lab name, prefix and ports: a running lab of the same spec is not disturbed */
    topo = g_build_filename(f->spec, "topology.json", NULL);
    g_assert_true(g_file_get_contents(topo, &text, NULL, NULL));
    t = g_string_new(text);
    {
        g_autofree char *from = g_strdup_printf("\"name\": \"%s\"", c->from_lab);
        g_autofree char *to = g_strdup_printf("\"name\": \"%s\"", c->lab);
        g_assert_cmpuint(g_string_replace(t, from, to, 1), ==, 1);
    }
    if (c->from_prefix) {
        g_autofree char *from = g_strdup_printf("\"domain_prefix\": \"%s\"", c->from_prefix);
        g_autofree char *to = g_strdup_printf("\"domain_prefix\": \"%s\"", c->prefix);
        g_assert_cmpuint(g_string_replace(t, from, to, 1), ==, 1);
    } else {
        g_autofree char *to =
            g_strdup_printf("\"link_transport\": \"udp\", \"domain_prefix\": \"%s\"", c->prefix);
        g_assert_cmpuint(g_string_replace(t, "\"link_transport\": \"udp\"", to, 1), ==, 1);
    }
    for (guint i = 0; i < 4 && c->ports[i][0]; i++)
        g_assert_cmpuint(g_string_replace(t, c->ports[i][0], c->ports[i][1], 1), ==, 1);
    g_assert_true(g_file_set_contents(topo, t->str, -1, NULL));
    /* a shared, loaded CI machine: give the guests time to boot */
    {
        g_autofree char *plat = g_build_filename(f->spec, "platforms.json", NULL);
        g_autofree char *ptext = NULL;
        g_autoptr(GString) p = NULL;

        g_assert_true(g_file_get_contents(plat, &ptext, NULL, NULL));
        p = g_string_new(ptext);
        g_string_replace(p, "\"vm_boot_timeout\": 180", "\"vm_boot_timeout\": 600", 0);
        g_assert_true(g_file_set_contents(plat, p->str, -1, NULL));
    }
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
    if (f->home && !g_test_subprocess()) {
        vl_test_rmtree(f->home);
        vl_test_rmtree(f->spec);
    }
    g_free(f->home);
    g_free(f->spec);
}

/* Return: (transfer full): @out of `exec` without its "== DOMAIN" header lines. */
static char *
exec_output(const char *out)
{
    g_auto(GStrv) lines = g_strsplit(out ? out : "", "\n", -1);
    GString *s = g_string_new(NULL);

    for (guint i = 0; lines[i]; i++) {
        if (!g_str_has_prefix(lines[i], "== ") && *lines[i])
            g_string_append_printf(s, "%s\n", lines[i]);
    }
    return g_string_free(s, FALSE);
}

/*
 * Runs @cmd on VM @name (a node or a domain) over SSH, up to @tries times, 2 s apart.
 * Return: its output without headers; the test fails otherwise.
 */
static char *
vm_exec(const Fixture *f, const char *name, const char *cmd, guint tries)
{
    g_autofree char *out = e2e_exec_retry(f->c->lab, name, cmd, tries, 60, NULL);

    return exec_output(out);
}

static char *
node_exec(const Fixture *f, const char *node, const char *cmd)
{
    return vm_exec(f, node, cmd, 5);
}

/* Return: the guest's /proc/uptime, in seconds. */
static double
node_uptime(const Fixture *f, const char *node)
{
    g_autofree char *out = node_exec(f, node, "cat /proc/uptime");

    return g_ascii_strtod(out, NULL);
}

/* Return: (transfer full): the marker in the guest's RAM-backed root, stripped. */
static char *
node_marker(const Fixture *f, const char *node)
{
    char *out = node_exec(f, node, "cat /vmlab-marker");

    return g_strstrip(out);
}

static void
assert_running(const Fixture *f)
{
    g_autofree char *list = NULL;

    g_assert_true(g_spawn_command_line_sync("virsh -q -c " URI " list --state-running --name",
                                            &list, NULL, NULL, NULL));
    for (guint i = 0; i < 3; i++) {
        g_autofree char *dom = g_strdup_printf("%s%s\n", f->c->prefix, f->c->pings[i][0]);
        if (!strstr(list, dom))
            g_printerr("%s is not running; running: %s\n", dom, list);
        g_assert_nonnull(strstr(list, dom));
    }
}

static void
test_e2e_snapshot(Fixture *f, gconstpointer data)
{
    const E2eCase *c = f->c;
    const char *up[] = {"up", f->spec, "-c", URI, "--jobs", "3", NULL};
    const char *snapshot[] = {"snapshot", "--lab", c->lab, "-c", URI, "--name", "s1", NULL};
    const char *restore[] = {"restore", f->spec, "-c", URI, "--name", "s1", NULL};
    const char *list[] = {"snapshots", "--lab", c->lab, "--json", NULL};
    const char *down[] = {"down", f->spec, "-c", URI, NULL};
    const char *purge[] = {"down", f->spec, "-c", URI, "--purge", NULL};
    double at_snapshot[3], before_restore[3];
    g_autofree char *out = NULL;

    if (!e2e_enabled()) {
        g_test_skip("set VMLAB_E2E=1 (needs root, libvirtd and the tiny guest image)");
        return;
    }
    if (!e2e_in_child(c->lab, c->prefix))
        return;
    vl_test_run_expect(600, up, 0, NULL);
    for (guint i = 0; i < 3; i++) {
        g_autofree char *cmd = g_strdup_printf("echo snap-%s > /vmlab-marker", c->pings[i][0]);
        g_free(node_exec(f, c->pings[i][0], cmd));
        at_snapshot[i] = node_uptime(f, c->pings[i][0]);
    }
    vl_test_run_expect(300, snapshot, 0, &out);
    g_assert_nonnull(strstr(out, "snapshot 's1' taken"));
    /* the lab runs on: every domain running, every guest answers */
    assert_running(f);
    for (guint i = 0; i < 3; i++) {
        g_autofree char *cmd = g_strdup_printf("echo changed-%s > /vmlab-marker", c->pings[i][0]);
        g_free(node_exec(f, c->pings[i][0], cmd));
    }
    g_usleep(20 * G_USEC_PER_SEC);
    for (guint i = 0; i < 3; i++)
        before_restore[i] = node_uptime(f, c->pings[i][0]);
    g_clear_pointer(&out, g_free);
    vl_test_run_expect(600, restore, 0, &out);
    g_assert_nonnull(strstr(out, "restored to snapshot 's1'"));
    assert_running(f);
    for (guint i = 0; i < 3; i++) {
        const char *node = c->pings[i][0];
        g_autofree char *marker = node_marker(f, node);
        g_autofree char *want = g_strdup_printf("snap-%s", node);
        double now = node_uptime(f, node);

        g_assert_cmpstr(marker, ==, want);
        /* the guest's clock went on from the snapshot: no boot (that starts at 0), and not
         * the 20 s and more it ran after the snapshot */
        if (now < at_snapshot[i] || now >= before_restore[i])
            g_printerr("%s: uptime %.2f at the snapshot, %.2f before the restore, %.2f after\n",
                       node, at_snapshot[i], before_restore[i], now);
        g_assert_cmpfloat(now, >=, at_snapshot[i]);
        g_assert_cmpfloat(now, <, before_restore[i]);
    }
    for (guint i = 0; i < 3; i++) {
        for (guint j = 1; j < 3; j++) {
            g_autofree char *cmd = g_strdup_printf("ping -c 3 -W 2 %s", c->pings[i][j]);
            g_free(node_exec(f, c->pings[i][0], cmd));
        }
    }
    g_clear_pointer(&out, g_free);
    vl_test_run_expect(30, list, 0, &out);
    g_assert_nonnull(strstr(out, "\"name\": \"s1\""));
    g_assert_nonnull(strstr(out, "\"vms\": 3"));
    /* down keeps the snapshot; down --purge removes it */
    vl_test_run_expect(120, down, 0, NULL);
    g_clear_pointer(&out, g_free);
    vl_test_run_expect(30, list, 0, &out);
    g_assert_nonnull(strstr(out, "\"name\": \"s1\""));
    vl_test_run_expect(120, purge, 0, NULL);
    g_clear_pointer(&out, g_free);
    vl_test_run_expect(30, list, 0, &out);
    g_assert_null(strstr(out, "\"name\": \"s1\""));
}

/* Runs `exec` on SR OS card VM @dom (more tries: line cards count as ready once running). */
static char *
sros_exec(const Fixture *f, const char *dom, const char *cmd)
{
    return vm_exec(f, dom, cmd, 40);
}

/*
 * SR OS: a file written on the CPM's raw cf3: disk before the snapshot and removed after it is
 * back after the restore; the line cards' qcow2 overlays are in the snapshot and restored too.
 */
static void
test_e2e_sros(Fixture *f, gconstpointer data)
{
    const char *up[] = {"up", f->spec, "-c", URI, NULL};
    const char *snapshot[] = {"snapshot", "--lab", f->c->lab, "-c", URI, "--name", "s1", NULL};
    const char *restore[] = {"restore", "--lab", f->c->lab, "-c", URI, "--name", "s1", NULL};
    const char *purge[] = {"down", f->spec, "-c", URI, "--purge", NULL};
    g_autofree char *timos = NULL;
    g_autofree char *image = NULL;
    g_autofree char *manifest = NULL;
    g_autofree char *out = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(json_object) m = NULL;
    json_object *vms;
    guint overlays = 0, raw = 0;

    if (!e2e_enabled()) {
        g_test_skip("set VMLAB_E2E=1 (needs root, libvirtd and the tiny guest image)");
        return;
    }
    if (!e2e_in_child(f->c->lab, f->c->prefix))
        return;
    /* the "TiMOS image" the CPM fetches through the FTP proxy's local backend */
    timos = g_build_filename(f->home, "ftp", "files", "sros", "e2e", NULL);
    g_assert_cmpint(g_mkdir_with_parents(timos, 0755), ==, 0);
    image = g_build_filename(timos, "both.tim", NULL);
    g_assert_true(g_file_set_contents(image, "not really TiMOS\n", -1, NULL));
    vl_test_run_expect(900, up, 0, NULL);
    g_free(sros_exec(f, "e2ez-vsim-1-a", "echo snap-cf3 > /cf3/vmlab-marker.txt && sync"));
    vl_test_run_expect(300, snapshot, 0, NULL);
    g_free(sros_exec(f, "e2ez-vsim-1-a", "rm /cf3/vmlab-marker.txt && sync"));
    vl_test_run_expect(600, restore, 0, NULL);
    out = sros_exec(f, "e2ez-vsim-1-a", "cat /cf3/vmlab-marker.txt");
    g_assert_cmpstr(g_strstrip(out), ==, "snap-cf3");
    /* the line card runs on and carries its link */
    g_free(sros_exec(f, "e2ez-vsim-1-1", "ping -c 3 -W 2 10.5.1.2"));
    manifest =
        g_build_filename(f->home, "labs", f->c->lab, "snapshots", "s1", "manifest.json", NULL);
    m = json_object_from_file(manifest);
    g_assert_nonnull(m);
    vms = json_object_object_get(m, "vms");
    for (size_t i = 0; i < json_object_array_length(vms); i++) {
        json_object *disks = json_object_object_get(json_object_array_get_idx(vms, i), "disks");
        for (size_t d = 0; d < json_object_array_length(disks); d++) {
            const char *fmt = json_object_get_string(
                json_object_object_get(json_object_array_get_idx(disks, d), "format"));
            overlays += g_strcmp0(fmt, "qcow2") == 0;
            raw += g_strcmp0(fmt, "raw") == 0;
        }
    }
    g_assert_cmpuint(overlays, ==, 2);
    g_assert_cmpuint(raw, ==, 1);
    vl_test_run_expect(120, purge, 0, NULL);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (guint i = 0; i < G_N_ELEMENTS(e2e_cases); i++) {
        g_autofree char *path = g_strdup_printf("/e2e/snapshot/%s", e2e_cases[i].name);
        g_test_add(path, Fixture, &e2e_cases[i], fixture_setup, test_e2e_snapshot,
                   fixture_teardown);
    }
    g_test_add("/e2e/snapshot/sros", Fixture, &e2e_sros, fixture_setup, test_e2e_sros,
               fixture_teardown);
    return g_test_run();
}
