/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-hosts.c - multi-host specs: host forms, URIs, placement, cross-host links, their errors */
#include "vl-diag.h"
#include "vl-spec.h"
#include "vl-test-util.h"

#include <string.h>

#define PLATFORMS                                                                                  \
    "{\"platforms\": {\"p\": {\"vm_image\": \"img.qcow2\", \"vm_interface_map\": \"sequential\"}," \
    " \"hostp\": {\"device_type\": \"host\", \"vm_image\": \"img.qcow2\"}}}"

/*
 * Writes a spec folder: @devices is topology.json's "devices" object, @section its "vmlab"
 * section, @pins "DEVICE=HOST" strings (each a profile with vm_host), NULL-terminated.
 * Return: (transfer full): the folder.
 */
static char *
hosts_spec(const char *devices, const char *links, const char *section, const char *const *pins)
{
    char *dir = vl_test_mkdtemp();
    g_autofree char *topo =
        g_strdup_printf("{\"name\": \"mh\", \"devices\": %s, %s%s%s \"vmlab\": %s}", devices,
                        links ? "\"links\": " : "", links ? links : "", links ? "," : "", section);

    vl_test_write(dir, "topology.json", topo);
    vl_test_write(dir, "platforms.json", PLATFORMS);
    vl_test_write(dir, "img.qcow2", "");
    for (guint i = 0; pins && pins[i]; i++) {
        g_auto(GStrv) kv = g_strsplit(pins[i], "=", 2);
        g_autofree char *rel = g_strdup_printf("profiles/%s.json", kv[0]);
        g_autofree char *prof =
            g_strdup_printf("{\"platform\": \"p\", \"vm_host\": \"%s\"}", kv[1]);
        vl_test_write(dir, rel, prof);
    }
    return dir;
}

static VlSpec *
load_ok(const char *dir)
{
    g_autoptr(VlDiag) diag = vl_diag_new();
    g_autoptr(GError) err = NULL;
    VlSpec *spec = vl_spec_load(dir, diag);

    vl_diag_to_error(diag, &err);
    g_assert_no_error(err);
    g_assert_nonnull(spec);
    return spec;
}

/* Return: (transfer full): "SERVER: vm, vm; SERVER: vm" in server order, VMs in spec order. */
static char *
placement_string(const VlSpec *spec)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < spec->servers->len; i++) {
        const VlServer *srv = g_ptr_array_index(spec->servers, i);
        guint n = 0;
        g_string_append_printf(s, "%s%s:", i ? "; " : "", srv->name);
        for (guint j = 0; j < spec->vms->len; j++) {
            const VlVm *vm = g_ptr_array_index(spec->vms, j);
            if (vm->server == srv)
                g_string_append_printf(s, "%s %s", n++ ? "," : "", vm->name);
        }
        g_assert_cmpuint(n, ==, srv->vm_count);
    }
    return g_string_free(s, FALSE);
}

/* newtlab's worked example (docs/newtlab/hld.md): 6 nodes, 2 servers of 4, leaf1 pinned. */
static void
test_place_newtlab_example(void)
{
    const char *const pins[] = {"leaf1=server-a", NULL};
    g_autofree char *dir =
        hosts_spec("{\"spine1\": {\"platform\": \"p\"}, \"spine2\": {\"platform\": \"p\"},"
                   " \"spine3\": {\"platform\": \"p\"}, \"leaf1\": {}, \"leaf2\": {\"platform\": "
                   "\"p\"}, \"leaf3\": {\"platform\": \"p\"}}",
                   NULL,
                   "{\"servers\": [{\"name\": \"server-b\", \"address\": \"192.0.2.11\", "
                   "\"max_nodes\": 4}, {\"name\": \"server-a\", \"address\": \"192.0.2.10\", "
                   "\"max_nodes\": 4}]}",
                   pins);
    g_autoptr(VlSpec) spec = load_ok(dir);
    g_autofree char *got = placement_string(spec);

    g_assert_cmpstr(got, ==, "server-a: spine2, leaf1, leaf3; server-b: spine1, spine3, leaf2");
    g_assert_cmpstr(vl_spec_find_node(spec, "leaf2")->host, ==, "server-b");
    g_assert_cmpstr(vl_spec_find_node(spec, "leaf2")->host_addr, ==, "192.0.2.11");
    vl_test_rmtree(dir);
}

/* No pins, no limits: round robin in name order; a full host is skipped. */
static void
test_place_spread(void)
{
    g_autofree char *dir = hosts_spec(
        "{\"e\": {\"platform\": \"p\"}, \"d\": {\"platform\": \"p\"}, \"c\": {\"platform\": "
        "\"p\"}, \"b\": {\"platform\": \"p\"}, \"a\": {\"platform\": \"p\"}}",
        NULL,
        "{\"hosts\": {\"z\": \"192.0.2.3\", \"y\": {\"address\": \"192.0.2.2\", \"max_nodes\": 1},"
        " \"x\": \"192.0.2.1\"}}",
        NULL);
    g_autoptr(VlSpec) spec = load_ok(dir);
    g_autofree char *got = placement_string(spec);

    /* a->x, b->y (full now), c->z, d->x, e->z */
    g_assert_cmpstr(got, ==, "x: d, a; y: b; z: e, c");
    vl_test_rmtree(dir);
}

/* A distributed SR OS router's cards stay together and count as their number of VMs. */
static void
test_place_sros_one_host(void)
{
    g_autofree char *src = vl_test_srcpath("data/render/sros");
    g_autofree char *dir = vl_test_mkdtemp();
    const char *const files[] = {"platforms.json",    "profiles/pe1.json",  "profiles/pe2.json",
                                 "profiles/pe3.json", "profiles/pe4.json",  "images/cpm.img",
                                 "images/iom.qcow2",  "images/license.txt", NULL};
    g_autoptr(VlSpec) spec = NULL;
    g_autofree char *got = NULL;

    vl_test_copy_files(src, dir, files);
    vl_test_write(dir, "topology.json",
                  "{\"name\": \"sros\", \"devices\": {\"pe1\": {\"interfaces\": {\"1/1/1\": {}}},"
                  " \"pe2\": {\"interfaces\": {\"1/1/1\": {}}}, \"pe3\": {}, \"pe4\": {}},"
                  " \"links\": [{\"a\": \"pe1:1/1/1\", \"z\": \"pe2:1/1/1\"}],"
                  " \"vmlab\": {\"hosts\": {\"a\": {\"address\": \"192.0.2.1\", \"max_nodes\": 4},"
                  " \"b\": {\"address\": \"192.0.2.2\", \"max_nodes\": 4}}}}");
    spec = load_ok(dir);
    got = placement_string(spec);
    /* pe1 (4 cards) fills a; pe2 (2 cards), pe3 and pe4 go to b */
    g_assert_cmpstr(got, ==,
                    "a: vsim-2-a, vsim-2-b, vsim-2-1, vsim-2-2; b: magc-3-a, magc-3-1, vsri-4, "
                    "vpc-5");
    /* the fabric of a router stays on loopback; the cross-host link uses the hosts' addresses */
    {
        const VlVm *iom = vl_spec_find_vm(spec, "vsim-2-1");
        const VlNic *fabric = g_ptr_array_index(iom->nics, 0);
        g_assert_cmpint(fabric->kind, ==, VL_NIC_MCAST);
        g_assert_cmpstr(fabric->local_addr, ==, "127.0.0.1");
    }
    vl_test_rmtree(dir);
}

/* Hosts coalesce by vm_host; an unpinned host VM is placed as one unit under its name. */
static void
test_place_host_vms(void)
{
    g_autofree char *dir = hosts_spec(
        "{\"sw\": {\"platform\": \"p\", \"interfaces\": {\"Ethernet0\": {\"link\": \"h1:eth0\"},"
        " \"Ethernet1\": {\"link\": \"h2:eth0\"}, \"Ethernet2\": {\"link\": \"h3:eth0\"}}},"
        " \"h1\": {\"platform\": \"hostp\", \"interfaces\": {\"eth0\": {\"link\": "
        "\"sw:Ethernet0\"}}},"
        " \"h2\": {\"platform\": \"hostp\", \"interfaces\": {\"eth0\": {\"link\": "
        "\"sw:Ethernet1\"}}},"
        " \"h3\": {\"platform\": \"hostp\", \"interfaces\": {\"eth0\": {\"link\": "
        "\"sw:Ethernet2\"}}}}",
        NULL, "{\"hosts\": {\"a\": \"192.0.2.1\", \"b\": \"192.0.2.2\"}}", NULL);
    g_autoptr(VlSpec) spec = NULL;
    g_autofree char *got = NULL;

    /* h3 pinned to b: a host VM of its own */
    vl_test_write(dir, "profiles/h3.json", "{\"platform\": \"hostp\", \"vm_host\": \"b\"}");
    spec = load_ok(dir);
    got = placement_string(spec);
    /* pinned hostvm-1 (h3) -> b; then hostvm-0 (h1, h2) -> a, sw -> a (a=1, b=1: tie) */
    g_assert_cmpstr(got, ==, "a: sw, hostvm-0; b: hostvm-1");
    g_assert_cmpuint(spec->host_vms->len, ==, 2);
    g_assert_true(vl_spec_find_node(spec, "h2")->server == vl_spec_find_server(spec, "a"));
    g_assert_cmpstr(vl_spec_find_node(spec, "h3")->host, ==, "b");
    {
        /* sw's NIC to h3 crosses hosts; to h1 it does not */
        const VlVm *sw = vl_spec_find_vm(spec, "sw");
        const VlNic *to_h1 = g_ptr_array_index(sw->nics, 0);
        const VlNic *to_h3 = g_ptr_array_index(sw->nics, 2);
        g_assert_cmpstr(to_h1->local_addr, ==, "127.0.0.1");
        g_assert_cmpstr(to_h1->remote_addr, ==, "127.0.0.1");
        g_assert_cmpstr(to_h3->local_addr, ==, "192.0.2.1");
        g_assert_cmpstr(to_h3->remote_addr, ==, "192.0.2.2");
    }
    vl_test_rmtree(dir);
}

/* The same spec loaded twice (and so on any machine) places the same way. */
static void
test_place_deterministic(void)
{
    g_autofree char *dir = hosts_spec(
        "{\"n3\": {\"platform\": \"p\"}, \"n1\": {\"platform\": \"p\"}, \"n2\": {\"platform\": "
        "\"p\"}, \"n0\": {\"platform\": \"p\"}}",
        NULL, "{\"hosts\": {\"b\": \"192.0.2.2\", \"a\": \"192.0.2.1\"}}", NULL);
    g_autoptr(VlSpec) one = load_ok(dir);
    g_autoptr(VlSpec) two = load_ok(dir);
    g_autofree char *p1 = placement_string(one);
    g_autofree char *p2 = placement_string(two);

    g_assert_cmpstr(p1, ==, "a: n2, n0; b: n3, n1");
    g_assert_cmpstr(p1, ==, p2);
    vl_test_rmtree(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_setenv("VMLAB_HOME", "/vmlab-test-state", TRUE);
    /* this machine's addresses, for locality: none but loopback, whatever the machine has */
    g_setenv("VMLAB_TEST_LOCAL_ADDRS", "", TRUE);

    g_test_add_func("/spec/place/newtlab-example", test_place_newtlab_example);
    g_test_add_func("/spec/place/spread", test_place_spread);
    g_test_add_func("/spec/place/sros-one-host", test_place_sros_one_host);
    g_test_add_func("/spec/place/host-vms", test_place_host_vms);
    g_test_add_func("/spec/place/deterministic", test_place_deterministic);
    return g_test_run();
}
