/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-lab-hosts.c - a lab across libvirt hosts on the test driver: placement, --host, errors */
#include "vl-diag.h"
#include "vl-error.h"
#include "vl-fs.h"
#include "vl-json.h"
#include "vl-lab.h"
#include "vl-test-spec.h"
#include "vl-test-util.h"
#include "vl-test-virt.h"

#include <string.h>

/*
 * The example lab (r1, r2, r3) with vmlab.hosts a (127.0.0.2, the -c connection) and b
 * (127.0.0.3, its own URI), r1 pinned to a and r2 to b; r3 goes to a (a tie, broken by name).
 * libvirt's test driver keeps one shared state only for test:///default, and it cannot take
 * uploads, so here b's URI is test:///default too and b is treated as a host that sees this
 * machine's files: what is shown is which VMs each operation acts on, on which connection, and
 * what state.json records. Remote hosts with uploads are shown end to end with a second real
 * libvirt daemon in tests/e2e/test-e2e-multihost.c.
 */

typedef struct {
    char *home;
    char *specdir;
    VlRenderer *r;
    virConnectPtr keep; /* test:///default's state lives while a connection to it is open */
} Fixture;

static const char *const example_files[] = {"topology.json",    "platforms.json",
                                            "profiles/r1.json", "profiles/r2.json",
                                            "profiles/r3.json", NULL};

/* Adds @key: @value (JSON text) to the JSON object in @dir/@file. */
static void
json_file_set(const char *dir, const char *file, const char *path_key, const char *key,
              const char *value)
{
    g_autofree char *path = g_build_filename(dir, file, NULL);
    g_autoptr(json_object) doc = vl_json_load_file(path, NULL);
    json_object *obj = doc;
    g_autoptr(GError) err = NULL;

    g_assert_nonnull(doc);
    if (path_key)
        g_assert_true(json_object_object_get_ex(doc, path_key, &obj));
    json_object_object_add(obj, key, json_tokener_parse(value));
    g_assert_true(vl_json_write_file(path, doc, 0644, &err));
    g_assert_no_error(err);
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
    g_autofree char *src = vl_test_srcpath("../specs/example");
    const char *hosts = data
                            ? data
                            : "{\"a\": \"127.0.0.2\", \"b\": {\"address\": \"127.0.0.3\", \"uri\": "
                              "\"test:///default\"}}";
    g_autoptr(GError) err = NULL;

    f->home = vl_test_mkdtemp();
    f->specdir = vl_test_mkdtemp();
    g_setenv("VMLAB_HOME", f->home, TRUE);
    vl_test_copy_files(src, f->specdir, example_files);
    json_file_set(f->specdir, "topology.json", "vmlab", "hosts", hosts);
    json_file_set(f->specdir, "profiles/r1.json", NULL, "vm_host", "\"a\"");
    json_file_set(f->specdir, "profiles/r2.json", NULL, "vm_host", "\"b\"");
    f->r = vl_renderer_new("qemu", &err);
    g_assert_no_error(err);
    f->keep = vl_conn_open("test:///default", &err);
    g_assert_no_error(err);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
    g_autoptr(virConnect) conn = vl_conn_open("test:///default", NULL);

    vl_test_virt_clear(conn);
    vl_renderer_free(f->r);
    virConnectClose(f->keep);
    vl_test_rmtree(f->home);
    vl_test_rmtree(f->specdir);
    g_free(f->home);
    g_free(f->specdir);
}

/* Runs up on @only's share (NULL: every host). Return: the result of vl_lab_up_hosts(). */
static gboolean
run_up(Fixture *f, const char *only, GError **error)
{
    g_autoptr(VlSpec) spec = vl_test_spec_load(f->specdir, NULL);
    g_autoptr(VlLabHosts) hosts = vl_lab_hosts_open_spec(spec, "test:///default", only, error);
    g_autoptr(GPtrArray) reports = NULL;
    VlUpOptions opts = {.start = TRUE, .wait = FALSE, .jobs = 2};

    if (!hosts)
        return FALSE;
    for (guint i = 0; i < hosts->hosts->len; i++) {
        VlLabHost *h = g_ptr_array_index(hosts->hosts, i);
        h->renderer = f->r;
        h->remote = FALSE; /* see the top of this file */
    }
    return vl_lab_up_hosts(hosts, spec, &opts, &reports, error);
}

static gboolean
run_down(const char *only, GError **error)
{
    g_autoptr(VlLabHosts) hosts =
        vl_lab_hosts_open_state("example", "test:///default", only, error);

    return hosts &&
           vl_lab_down_hosts(hosts, "example", only != NULL, FALSE, FALSE, NULL, NULL, error);
}

/* Return: (transfer full): the lab's domains on test:///default, "r1 r2 r3". */
static char *
domains_string(void)
{
    g_autoptr(virConnect) conn = vl_conn_open("test:///default", NULL);
    g_autoptr(GHashTable) doms = vl_conn_lab_domains(conn, "example", NULL);
    g_autoptr(GList) keys = g_list_sort(g_hash_table_get_keys(doms), (GCompareFunc)g_strcmp0);
    GString *s = g_string_new(NULL);

    for (GList *l = keys; l; l = l->next)
        g_string_append_printf(s, "%s%s", s->len ? " " : "", (const char *)l->data);
    return g_string_free(s, FALSE);
}

/* Return: (transfer full): state.json's nodes as "domain@server ...", and its servers. */
static char *
state_string(void)
{
    g_autofree char *path = vl_lab_state_path("example");
    g_autoptr(json_object) st = vl_json_load_file(path, NULL);
    json_object *nodes, *servers;
    GString *s = g_string_new(NULL);

    if (!st)
        return g_string_free(s, FALSE);
    g_assert_true(json_object_object_get_ex(st, "nodes", &nodes));
    g_assert_true(json_object_object_get_ex(st, "servers", &servers));
    for (size_t i = 0; i < json_object_array_length(nodes); i++) {
        json_object *n = json_object_array_get_idx(nodes, i);
        g_string_append_printf(s, "%s@%s ",
                               json_object_get_string(json_object_object_get(n, "domain")),
                               json_object_get_string(json_object_object_get(n, "server")));
    }
    g_string_append(s, "servers:");
    for (size_t i = 0; i < json_object_array_length(servers); i++)
        g_string_append_printf(s, " %s",
                               json_object_get_string(json_object_object_get(
                                   json_object_array_get_idx(servers, i), "name")));
    return g_string_free(s, FALSE);
}

static void
test_up_down(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *doms = NULL;
    g_autofree char *state = NULL;

    g_assert_true(run_up(f, NULL, &err));
    g_assert_no_error(err);
    doms = domains_string();
    g_assert_cmpstr(doms, ==, "r1 r2 r3");
    state = state_string();
    g_assert_cmpstr(state, ==, "r1@a r2@b r3@a servers: a b");

    /* One host's share goes; the other's stays, and stays recorded. */
    g_assert_true(run_down("a", &err));
    g_assert_no_error(err);
    g_free(doms);
    doms = domains_string();
    g_assert_cmpstr(doms, ==, "r2");
    g_free(state);
    state = state_string();
    g_assert_cmpstr(state, ==, "r2@b servers: b");

    g_assert_true(run_down(NULL, &err));
    g_assert_no_error(err);
    g_free(doms);
    doms = domains_string();
    g_assert_cmpstr(doms, ==, "");
    g_free(state);
    state = state_string();
    g_assert_cmpstr(state, ==, "");
}

/* newtlab's model: `up --host NAME` on each host in turn gives what one `up` gives. */
static void
test_up_in_turn(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *doms = NULL;
    g_autofree char *state = NULL;

    g_assert_true(run_up(f, "b", &err));
    g_assert_no_error(err);
    doms = domains_string();
    g_assert_cmpstr(doms, ==, "r2");
    g_assert_true(run_up(f, "a", &err));
    g_assert_no_error(err);
    g_free(doms);
    doms = domains_string();
    g_assert_cmpstr(doms, ==, "r1 r2 r3");
    state = state_string();
    g_assert_cmpstr(state, ==, "r1@a r3@a r2@b servers: a b");
    /* A second `up --host a` changes nothing and removes nothing of b's. */
    g_assert_true(run_up(f, "a", &err));
    g_assert_no_error(err);
    g_free(doms);
    doms = domains_string();
    g_assert_cmpstr(doms, ==, "r1 r2 r3");
    g_assert_true(run_down(NULL, &err));
    g_assert_no_error(err);
}

static void
test_unknown_host(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;

    g_assert_false(run_up(f, "zz", &err));
    g_assert_error(err, VL_ERROR, VL_ERROR_USAGE);
    g_assert_nonnull(strstr(err->message, "--host zz: no such host; the lab's are 'a', 'b'"));
}

/* A host that cannot be reached is named, and nothing changes on the others. */
static void
test_unreachable(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *doms = NULL;
    g_autofree char *state = NULL;

    g_assert_false(run_up(f, NULL, &err));
    g_assert_error(err, VL_ERROR, VL_ERROR_FAILED);
    g_assert_nonnull(strstr(err->message, "host 'b' is unreachable"));
    doms = domains_string();
    g_assert_cmpstr(doms, ==, "");
    state = state_string();
    g_assert_cmpstr(state, ==, "");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/lab/hosts/up-down", Fixture, NULL, fixture_setup, test_up_down, fixture_teardown);
    g_test_add("/lab/hosts/up-in-turn", Fixture, NULL, fixture_setup, test_up_in_turn,
               fixture_teardown);
    g_test_add("/lab/hosts/unknown-host", Fixture, NULL, fixture_setup, test_unknown_host,
               fixture_teardown);
    g_test_add("/lab/hosts/unreachable", Fixture,
               "{\"a\": \"127.0.0.2\", \"b\": {\"address\": \"127.0.0.3\", \"uri\": "
               "\"test:///nonexistent/vmlab-no-such-file.xml\"}}",
               fixture_setup, test_unreachable, fixture_teardown);
    return g_test_run();
}
