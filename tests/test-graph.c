/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-graph.c - `graph`: golden dot/mermaid/json, Graphviz accepts the dot, svg/html, state */
#include "vl-conn.h"
#include "vl-graph.h"
#include "vl-render.h"
#include "vl-test-spec.h"
#include "vl-test-util.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <unistd.h>
#include <string.h>

/*
 * Golden files live in tests/data/graph/<case>.<format> (offline: from the spec alone, so nothing
 * in them depends on this machine). To rewrite them after an intended change, run with
 * VMLAB_TEST_REGENERATE=1 and review the diff.
 */
typedef struct {
    const char *name;
    const char *spec; /* relative to tests/ */
    const char *format;
    const char *suffix;
} GoldenCase;

static const char *const golden_specs[][2] = {
    {"example", "../specs/example"},
    {"fabric", "../specs/fabric"},
    {"sros", "data/render/sros"},
};
static const char *const golden_formats[][2] = {
    {"dot", "dot"},
    {"mermaid", "mmd"},
    {"json", "json"},
};

static char *
graph_run(const char *spec, const char *format)
{
    g_autofree char *dir = vl_test_srcpath(spec);
    const char *argv[] = {"graph", dir, "--offline", "--format", format, NULL};
    char *out = NULL;

    vl_test_run_expect(60, argv, 0, &out);
    return out;
}

static void
test_golden(gconstpointer data)
{
    const GoldenCase *c = data;
    g_autofree char *out = graph_run(c->spec, c->format);
    g_autofree char *rel = g_strdup_printf("data/graph/%s.%s", c->name, c->suffix);
    vl_test_golden_check(rel, out);
}

/* No stale golden file: every file in tests/data/graph is one of the cases. */
static void
test_golden_no_stale(void)
{
    g_autofree char *dir = vl_test_srcpath("data/graph");
    g_autoptr(GError) err = NULL;
    g_autoptr(GDir) d = g_dir_open(dir, 0, &err);
    guint n = 0;

    g_assert_no_error(err);
    while (g_dir_read_name(d))
        n++;
    g_assert_cmpuint(n, ==, G_N_ELEMENTS(golden_specs) * G_N_ELEMENTS(golden_formats));
}

/* Graphviz's own parser accepts every dot output: `dot -Tsvg` exits 0 and writes an svg. */
static void
test_dot_accepted(void)
{
    for (guint i = 0; i < G_N_ELEMENTS(golden_specs); i++) {
        g_autofree char *dot = graph_run(golden_specs[i][1], "dot");
        g_autoptr(GError) err = NULL;
        g_autoptr(GSubprocess) proc =
            g_subprocess_new(G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                 G_SUBPROCESS_FLAGS_STDERR_PIPE,
                             &err, "dot", "-Tsvg", NULL);
        g_autofree char *svg = NULL;
        g_autofree char *errout = NULL;

        g_assert_no_error(err); /* graphviz is installed by scripts/install-deps.sh */
        g_subprocess_communicate_utf8(proc, dot, NULL, &svg, &errout, &err);
        g_assert_no_error(err);
        if (!g_subprocess_get_successful(proc) || *errout)
            g_printerr("dot -Tsvg on %s's graph: %s\n", golden_specs[i][0], errout);
        g_assert_true(g_subprocess_get_successful(proc));
        g_assert_cmpstr(errout, ==, "");
        g_assert_nonnull(strstr(svg, "<svg"));
    }
}

static void
test_svg(void)
{
    g_autofree char *dir = vl_test_srcpath("../specs/fabric");
    g_autofree char *tmp = vl_test_mkdtemp();
    g_autofree char *file = g_build_filename(tmp, "fabric.svg", NULL);
    const char *argv[] = {"graph", dir, "--offline", "-o", file, NULL};
    g_autofree char *svg = NULL;

    /* the format comes from the suffix */
    vl_test_run_expect(60, argv, 0, NULL);
    g_assert_true(g_file_get_contents(file, &svg, NULL, NULL));
    g_assert_nonnull(strstr(svg, "<svg"));
    g_assert_nonnull(strstr(svg, "id=\"node_spine1\""));
    g_assert_nonnull(strstr(svg, "id=\"link_7\""));
    vl_test_rmtree(tmp);
}

/* Without Graphviz in $PATH, svg and html fail clearly (exit 1) and say what to install. */
static void
test_svg_no_dot(void)
{
    g_autofree char *dir = vl_test_srcpath("../specs/example");
    g_autofree char *bin = vl_test_mkdtemp();
    g_autofree char *link = g_build_filename(bin, "timeout", NULL);
    g_autofree char *timeout = g_find_program_in_path("timeout");
    g_autofree char *old_path = g_strdup(g_getenv("PATH"));
    const char *formats[] = {"svg", "html"};

    g_assert_nonnull(timeout);
    g_assert_cmpint(symlink(timeout, link), ==, 0);
    g_setenv("PATH", bin, TRUE);
    for (guint i = 0; i < G_N_ELEMENTS(formats); i++) {
        const char *argv[] = {"graph", dir, "--offline", "--format", formats[i], NULL};
        g_autofree char *out = NULL;
        g_autofree char *err = NULL;
        int status = vl_test_run(argv, &out, &err);

        if (status != 1 || !strstr(err, "graphviz") || *out)
            vl_test_print_failure(argv, status, out, err);
        g_assert_cmpint(status, ==, 1);
        g_assert_nonnull(strstr(err, "'dot'"));
        g_assert_nonnull(strstr(err, "graphviz"));
        g_assert_cmpstr(out, ==, "");
    }
    g_setenv("PATH", old_path, TRUE);
    vl_test_rmtree(bin);
}

static void
test_bad_format(void)
{
    g_autofree char *dir = vl_test_srcpath("../specs/example");
    const char *argv[] = {"graph", dir, "--offline", "--format", "png", NULL};
    const char *argv2[] = {"graph", NULL};

    vl_test_run_expect(60, argv, 2, NULL);
    vl_test_run_expect(60, argv2, 2, NULL);
}

/* The html page: self-contained (no scripts, no external references), svg, every VM and link. */
static void
test_html(void)
{
    g_autofree char *out = graph_run("data/render/sros", "html");
    g_autofree char *dir = vl_test_srcpath("data/render/sros");
    const char *bad[] = {"<script", "<link", "src=", "@import", "url(", "<!DOCTYPE svg"};
    g_autoptr(GRegex) href = g_regex_new("href=\"(?!#)", G_REGEX_DEFAULT, 0, NULL);

    g_assert_true(g_str_has_prefix(out, "<!DOCTYPE html>"));
    g_assert_nonnull(strstr(out, "Content-Security-Policy"));
    g_assert_nonnull(strstr(out, "<svg"));
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        if (strstr(out, bad[i]))
            g_error("html holds '%s'", bad[i]);
    }
    g_assert_false(g_regex_match(href, out, 0, NULL));
    /* every VM of the spec has a row, every link a row and an svg edge */
    {
        g_autoptr(VlSpec) spec = vl_test_spec_load(dir, NULL);
        for (guint i = 0; i < spec->vms->len; i++) {
            const VlVm *vm = g_ptr_array_index(spec->vms, i);
            g_autofree char *cell = g_strdup_printf("<td>%s</td>", vm->name);
            g_assert_nonnull(strstr(out, cell));
        }
        for (guint i = 0; i < spec->links->len; i++) {
            g_autofree char *row = g_strdup_printf("id=\"row-link-%u\"", i);
            g_autofree char *edge = g_strdup_printf("id=\"link_%u\"", i);
            g_assert_nonnull(strstr(out, row));
            g_assert_nonnull(strstr(out, edge));
        }
    }
}

/* Deployed state from a real libvirt driver (test:///default): running VMs, colours, status. */
static void
test_state(void)
{
    g_autofree char *dir = vl_test_srcpath("../specs/example");
    g_autoptr(VlSpec) spec = vl_test_spec_load(dir, NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(VlRenderer) r = vl_renderer_new("qemu", &err);
    g_autoptr(virConnect) conn = virConnectOpen("test:///default");
    g_autoptr(VlLabHosts) hosts = NULL;
    g_autoptr(VlGraph) g = NULL;
    g_autofree char *dot = NULL;
    g_autofree char *json = NULL;

    g_assert_no_error(err);
    g_assert_nonnull(conn);
    hosts = vl_lab_hosts_wrap(conn, NULL);
    /* nothing of the lab defined: not deployed */
    g = vl_graph_new(spec);
    g_assert_true(vl_graph_read_state(g, hosts, &err));
    g_assert_no_error(err);
    g_assert_false(g->deployed);
    g_clear_pointer(&g, vl_graph_free);
    /* r1 and r2 defined, r1 started */
    for (guint i = 0; i < 2; i++) {
        const VlVm *vm = g_ptr_array_index(spec->vms, i);
        g_autofree char *xml = vl_render_vm(r, spec, vm, &err);
        g_autoptr(virDomain) dom = NULL;

        g_assert_no_error(err);
        dom = virDomainDefineXML(conn, xml);
        g_assert_nonnull(dom);
        if (i == 0)
            g_assert_cmpint(virDomainCreate(dom), ==, 0);
    }
    g = vl_graph_new(spec);
    g_assert_true(vl_graph_read_state(g, hosts, &err));
    g_assert_true(g->deployed);
    g_assert_cmpstr(vl_graph_node_status(g, g_ptr_array_index(g->nodes, 0)), ==, "running");
    g_assert_cmpstr(vl_graph_node_status(g, g_ptr_array_index(g->nodes, 1)), ==, "down");
    g_assert_cmpstr(vl_graph_node_status(g, g_ptr_array_index(g->nodes, 2)), ==, "down");
    dot = vl_graph_to_dot(g);
    g_assert_nonnull(strstr(dot, "running, not ready"));
    g_assert_nonnull(strstr(dot, "shut off"));
    g_assert_nonnull(strstr(dot, "not deployed"));
    g_assert_nonnull(strstr(dot, "#fff3b0"));
    json = vl_graph_to_json(g);
    g_assert_nonnull(strstr(json, "\"deployed\": true"));
    g_assert_nonnull(strstr(json, "\"ssh\": \"ssh -p 41000 root@127.0.0.1\""));
    /* clean up the shared in-process driver */
    for (guint i = 0; i < 2; i++) {
        const VlVm *vm = g_ptr_array_index(spec->vms, i);
        g_autoptr(virDomain) dom = virDomainLookupByName(conn, vm->name);
        virDomainDestroy(dom);
        g_assert_cmpint(virDomainUndefine(dom), ==, 0);
    }
}

/* Each VM's state comes from the host it is on: r1 on host a, r2 on host b (two private test
 * drivers), both running; without host b, r2 is not deployed. */
static void
test_state_hosts(void)
{
    g_autofree char *dir = vl_test_srcpath("../specs/example");
    g_autoptr(VlSpec) spec = vl_test_spec_load(dir, NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(VlRenderer) r = vl_renderer_new("qemu", &err);
    g_autofree char *tmp = vl_test_mkdtemp();
    g_autofree char *node = g_build_filename(tmp, "node.xml", NULL);
    g_autofree char *uri = g_strdup_printf("test://%s", node);
    g_autoptr(virConnect) a = NULL;
    g_autoptr(virConnect) bconn = NULL;
    virConnectPtr conns[2];
    g_autoptr(VlLabHosts) hosts = NULL;
    g_autoptr(VlGraph) g = NULL;
    VlLabHost *b = g_new0(VlLabHost, 1);

    g_assert_no_error(err);
    g_assert_true(g_file_set_contents(node, "<node/>", -1, NULL));
    /* each connection to a test driver file has a state of its own */
    for (guint i = 0; i < 2; i++) {
        const VlVm *vm = g_ptr_array_index(spec->vms, i);
        g_autofree char *xml = vl_render_vm(r, spec, vm, &err);
        g_autoptr(virDomain) dom = NULL;

        g_assert_no_error(err);
        conns[i] = virConnectOpen(uri);
        g_assert_nonnull(conns[i]);
        if (i == 0)
            a = conns[i];
        else
            bconn = conns[i];
        dom = virDomainDefineXML(conns[i], xml);
        g_assert_nonnull(dom);
        g_assert_cmpint(virDomainCreate(dom), ==, 0);
    }
    hosts = vl_lab_hosts_wrap(conns[0], NULL);
    g = vl_graph_new(spec);
    g_assert_true(vl_graph_read_state(g, hosts, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(vl_graph_node_status(g, g_ptr_array_index(g->nodes, 0)), ==, "running");
    g_assert_cmpstr(vl_graph_node_status(g, g_ptr_array_index(g->nodes, 1)), ==, "down");
    g_clear_pointer(&g, vl_graph_free);
    b->name = g_strdup("b");
    b->uri = g_strdup(uri);
    b->remote = TRUE;
    b->conn = conns[1];
    virConnectRef(conns[1]);
    g_ptr_array_add(hosts->hosts, b);
    g = vl_graph_new(spec);
    g_assert_true(vl_graph_read_state(g, hosts, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(vl_graph_node_status(g, g_ptr_array_index(g->nodes, 0)), ==, "running");
    g_assert_cmpstr(vl_graph_node_status(g, g_ptr_array_index(g->nodes, 1)), ==, "running");
    g_assert_cmpstr(vl_graph_node_status(g, g_ptr_array_index(g->nodes, 2)), ==, "down");
    vl_test_rmtree(tmp);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (guint i = 0; i < G_N_ELEMENTS(golden_specs); i++) {
        for (guint j = 0; j < G_N_ELEMENTS(golden_formats); j++) {
            GoldenCase *c = g_new0(GoldenCase, 1);
            g_autofree char *path =
                g_strdup_printf("/graph/golden/%s/%s", golden_specs[i][0], golden_formats[j][0]);
            c->name = golden_specs[i][0];
            c->spec = golden_specs[i][1];
            c->format = golden_formats[j][0];
            c->suffix = golden_formats[j][1];
            g_test_add_data_func_full(path, c, test_golden, g_free);
        }
    }
    g_test_add_func("/graph/golden-files/no-stale", test_golden_no_stale);
    g_test_add_func("/graph/dot/graphviz-accepts", test_dot_accepted);
    g_test_add_func("/graph/svg/from-suffix", test_svg);
    g_test_add_func("/graph/svg/no-graphviz", test_svg_no_dot);
    g_test_add_func("/graph/usage/bad-format", test_bad_format);
    g_test_add_func("/graph/html/self-contained", test_html);
    g_test_add_func("/graph/state/test-driver", test_state);
    g_test_add_func("/graph/state/each-vm-from-its-host", test_state_hosts);
    return g_test_run();
}
