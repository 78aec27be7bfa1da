/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-hosts.c - multi-host specs: host forms, URIs, placement, cross-host links, their errors */
#include "vl-diag.h"
#include "vl-spec.h"
#include "vl-test-spec.h"
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
    g_autoptr(VlSpec) spec = vl_test_spec_load(dir, NULL);
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
    g_autoptr(VlSpec) spec = vl_test_spec_load(dir, NULL);
    g_autofree char *got = placement_string(spec);

    /* a->x, b->y (full now), c->z, d->x, e->z */
    g_assert_cmpstr(got, ==, "x: d, a; y: b; z: e, c");
    vl_test_rmtree(dir);
}

/* Return: (transfer full): a copy of the SR OS render spec (pe1 vsim of 4 cards, pe2 magc of 2,
 * pe3 vsri, pe4 vpc) with @topology as its topology.json. */
static char *
sros_spec(const char *topology)
{
    g_autofree char *src = vl_test_srcpath("data/render/sros");
    char *dir = vl_test_mkdtemp();
    const char *const files[] = {"platforms.json",    "profiles/pe1.json",  "profiles/pe2.json",
                                 "profiles/pe3.json", "profiles/pe4.json",  "images/cpm.img",
                                 "images/iom.qcow2",  "images/license.txt", NULL};

    vl_test_copy_files(src, dir, files);
    vl_test_write(dir, "topology.json", topology);
    return dir;
}

/* A distributed SR OS router's cards stay together and count as their number of VMs. */
static void
test_place_sros_one_host(void)
{
    g_autoptr(VlSpec) spec = NULL;
    g_autofree char *got = NULL;

    g_autofree char *dir =
        sros_spec("{\"name\": \"sros\", \"devices\": {\"pe1\": {\"interfaces\": {\"1/1/1\": {}}},"
                  " \"pe2\": {\"interfaces\": {\"1/1/1\": {}}}, \"pe3\": {}, \"pe4\": {}},"
                  " \"links\": [{\"a\": \"pe1:1/1/1\", \"z\": \"pe2:1/1/1\"}],"
                  " \"vmlab\": {\"hosts\": {\"a\": {\"address\": \"192.0.2.1\", \"max_nodes\": 4},"
                  " \"b\": {\"address\": \"192.0.2.2\", \"max_nodes\": 4}}}}");
    spec = vl_test_spec_load(dir, NULL);
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
    spec = vl_test_spec_load(dir, NULL);
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
    g_autoptr(VlSpec) one = vl_test_spec_load(dir, NULL);
    g_autoptr(VlSpec) two = vl_test_spec_load(dir, NULL);
    g_autofree char *p1 = placement_string(one);
    g_autofree char *p2 = placement_string(two);

    g_assert_cmpstr(p1, ==, "a: n2, n0; b: n3, n1");
    g_assert_cmpstr(p1, ==, p2);
    vl_test_rmtree(dir);
}

/* Return: the server of @spec named @name (asserted to exist). */
static const VlServer *
server(const VlSpec *spec, const char *name)
{
    const VlServer *s = vl_spec_find_server(spec, name);

    g_assert_nonnull(s);
    return s;
}

/* The string form, the object form and newtlab's servers list mean the same. */
static void
test_hosts_forms(void)
{
    static const char *const sections[] = {
        "{\"hosts\": {\"b\": \"192.0.2.2\", \"a\": \"192.0.2.1\"}}",
        "{\"hosts\": {\"b\": {\"address\": \"192.0.2.2\"}, \"a\": {\"address\": \"192.0.2.1\", "
        "\"max_nodes\": 0}}}",
        "{\"servers\": [{\"name\": \"b\", \"address\": \"192.0.2.2\"}, {\"name\": \"a\", "
        "\"address\": \"192.0.2.1\"}]}",
    };

    for (guint i = 0; i < G_N_ELEMENTS(sections); i++) {
        g_autofree char *dir =
            hosts_spec("{\"n1\": {\"platform\": \"p\"}, \"n2\": {\"platform\": \"p\"}}", NULL,
                       sections[i], NULL);
        g_autoptr(VlSpec) spec = vl_test_spec_load(dir, NULL);
        const VlServer *a = g_ptr_array_index(spec->servers, 0);
        const VlServer *b = g_ptr_array_index(spec->servers, 1);

        g_test_message("section %s", sections[i]);
        g_assert_cmpuint(spec->servers->len, ==, 2);
        /* sorted by name */
        g_assert_cmpstr(a->name, ==, "a");
        g_assert_cmpstr(b->name, ==, "b");
        g_assert_cmpstr(a->address, ==, "192.0.2.1");
        g_assert_cmpstr(a->uri, ==, "qemu+ssh://192.0.2.1/system");
        g_assert_cmpstr(b->uri, ==, "qemu+ssh://192.0.2.2/system");
        g_assert_false(a->local);
        g_assert_cmpuint(a->max_nodes, ==, 0);
        g_assert_cmpuint(a->vm_count + b->vm_count, ==, 2);
        vl_test_rmtree(dir);
    }
}

/* The newtlab section name works with servers too; messages use it. */
static void
test_hosts_newtlab_section(void)
{
    const char *const pins[] = {"n1=server-b", NULL};
    g_autofree char *dir =
        hosts_spec("{\"n1\": {}, \"n2\": {\"platform\": \"p\"}}", NULL, "{}", pins);
    g_autoptr(VlSpec) spec = NULL;

    vl_test_write(dir, "topology.json",
                  "{\"name\": \"nt\", \"devices\": {\"n1\": {}, \"n2\": {\"platform\": \"p\"}},"
                  " \"newtlab\": {\"servers\": [{\"name\": \"server-a\", \"address\": "
                  "\"192.0.2.10\", \"max_nodes\": 4}, {\"name\": \"server-b\", \"address\": "
                  "\"192.0.2.11\", \"max_nodes\": 4}]}}");
    spec = vl_test_spec_load(dir, NULL);
    g_assert_cmpstr(spec->section, ==, "newtlab");
    g_assert_cmpstr(server(spec, "server-b")->where, ==, "newtlab.servers[1]");
    g_assert_true(vl_spec_find_vm(spec, "n1")->server == server(spec, "server-b"));
    g_assert_true(vl_spec_find_vm(spec, "n2")->server == server(spec, "server-a"));
    vl_test_rmtree(dir);
}

/* Which URI each host uses: its own, else -c when local or alone, else qemu+ssh. */
static void
test_hosts_uri_rule(void)
{
    g_autofree char *dir = hosts_spec(
        "{\"n1\": {\"platform\": \"p\"}}", NULL,
        "{\"hosts\": {\"here\": \"192.0.2.1\", \"there\": \"192.0.2.2\", \"v6\": \"2001:db8::5\","
        " \"lo\": {\"address\": \"127.0.0.3\", \"uri\": \"qemu+ssh://u@127.0.0.1:2222/session\"},"
        " \"own\": {\"address\": \"192.0.2.1\", \"uri\": \"qemu:///session\"}}}",
        NULL);
    g_autoptr(VlSpec) spec = NULL;

    /* "here" is this machine's address; "own" repeats it: an error, so drop "own" */
    g_setenv("VMLAB_TEST_LOCAL_ADDRS", "198.51.100.7, 192.0.2.1", TRUE);
    vl_test_write(
        dir, "topology.json",
        "{\"name\": \"u\", \"devices\": {\"n1\": {\"platform\": \"p\"}}, \"vmlab\": {\"hosts\": "
        "{\"here\": \"192.0.2.1\", \"there\": \"192.0.2.2\", \"v6\": \"2001:db8::5\","
        " \"lo\": {\"address\": \"127.0.0.3\", \"uri\": "
        "\"qemu+ssh://u@127.0.0.1:2222/session\"}}}}");
    spec = vl_test_spec_load(dir, NULL);
    g_assert_true(server(spec, "here")->local);
    g_assert_null(server(spec, "here")->uri);
    g_assert_cmpstr(vl_server_uri(server(spec, "here"), "qemu:///system"), ==, "qemu:///system");
    g_assert_false(server(spec, "there")->local);
    g_assert_cmpstr(vl_server_uri(server(spec, "there"), "qemu:///system"), ==,
                    "qemu+ssh://192.0.2.2/system");
    g_assert_cmpstr(server(spec, "v6")->uri, ==, "qemu+ssh://[2001:db8::5]/system");
    /* loopback is local, but an explicit uri wins */
    g_assert_true(server(spec, "lo")->local);
    g_assert_cmpstr(vl_server_uri(server(spec, "lo"), "qemu:///system"), ==,
                    "qemu+ssh://u@127.0.0.1:2222/session");
    /* no hosts: the -c connection */
    g_assert_cmpstr(vl_server_uri(NULL, "test:///default"), ==, "test:///default");
    g_clear_pointer(&spec, vl_spec_free);

    /* the only host is reached through -c, wherever it is */
    g_setenv("VMLAB_TEST_LOCAL_ADDRS", "", TRUE);
    vl_test_write(dir, "topology.json",
                  "{\"name\": \"u\", \"devices\": {\"n1\": {\"platform\": \"p\"}}, \"vmlab\": "
                  "{\"hosts\": {\"far\": \"203.0.113.9\"}}}");
    spec = vl_test_spec_load(dir, NULL);
    g_assert_true(server(spec, "far")->local);
    g_assert_null(server(spec, "far")->uri);
    /* ...and its VMs' management is still on its address */
    g_assert_cmpstr(vl_vm_mgmt_address(vl_spec_find_vm(spec, "n1")), ==, "203.0.113.9");
    vl_test_rmtree(dir);
}

/* Without $VMLAB_TEST_LOCAL_ADDRS, this machine's interfaces and loopback decide. */
static void
test_hosts_local_detect(void)
{
    g_autofree char *dir =
        hosts_spec("{\"n1\": {\"platform\": \"p\"}}", NULL,
                   "{\"hosts\": {\"lo\": \"127.0.0.2\", \"doc\": \"192.0.2.77\"}}", NULL);
    g_autoptr(VlSpec) spec = NULL;

    g_unsetenv("VMLAB_TEST_LOCAL_ADDRS");
    spec = vl_test_spec_load(dir, NULL);
    g_setenv("VMLAB_TEST_LOCAL_ADDRS", "", TRUE);
    g_assert_true(server(spec, "lo")->local);
    g_assert_null(server(spec, "lo")->uri);
    /* 192.0.2.0/24 is for documentation: no machine of ours has it */
    g_assert_false(server(spec, "doc")->local);
    g_assert_cmpstr(server(spec, "doc")->uri, ==, "qemu+ssh://192.0.2.77/system");
    vl_test_rmtree(dir);
}

/* The golden multi-host specs: links within a host on loopback, across hosts on the hosts'
 * addresses; management on the VM's host's address. */
static void
test_links_cross_host(void)
{
    static const char *const specs[] = {"data/render/mh-udp", "data/render/mh-tcp"};

    for (guint i = 0; i < G_N_ELEMENTS(specs); i++) {
        g_autofree char *dir = vl_test_srcpath(specs[i]);
        g_autoptr(VlSpec) spec = vl_test_spec_load(dir, NULL);
        const VlVm *r1 = vl_spec_find_vm(spec, "r1");
        const VlVm *r2 = vl_spec_find_vm(spec, "r2");
        const VlVm *r4 = vl_spec_find_vm(spec, "r4");
        const VlNic *r1_r2 = g_ptr_array_index(r1->nics, 0); /* links[0], a end, across */
        const VlNic *r2_r1 = g_ptr_array_index(r2->nics, 0); /* its z end */
        const VlNic *r2_r4 = g_ptr_array_index(r2->nics, 1); /* links[1], within b */
        const VlNic *r4_r2 = g_ptr_array_index(r4->nics, 0);

        g_assert_true(r1->server == server(spec, "a"));
        g_assert_true(r2->server == server(spec, "b"));
        g_assert_cmpstr(vl_vm_mgmt_address(r1), ==, "127.0.0.2");
        g_assert_cmpstr(vl_vm_mgmt_address(r2), ==, "127.0.0.3");
        g_assert_cmpstr(r2->node->host_addr, ==, "127.0.0.3");
        g_assert_cmpstr(r2->node->host, ==, "b");
        if (spec->transport == VL_TRANSPORT_UDP) {
            g_assert_cmpstr(r1_r2->local_addr, ==, "127.0.0.2");
            g_assert_cmpstr(r1_r2->remote_addr, ==, "127.0.0.3");
            g_assert_cmpstr(r2_r1->local_addr, ==, "127.0.0.3");
            g_assert_cmpstr(r2_r1->remote_addr, ==, "127.0.0.2");
            g_assert_cmpstr(r2_r4->local_addr, ==, "127.0.0.1");
            g_assert_cmpstr(r4_r2->remote_addr, ==, "127.0.0.1");
        } else {
            /* the listening (a) end binds its host's address; the z end connects to it */
            g_assert_cmpint(r1_r2->kind, ==, VL_NIC_SERVER);
            g_assert_cmpstr(r1_r2->remote_addr, ==, "127.0.0.2");
            g_assert_cmpint(r2_r1->kind, ==, VL_NIC_CLIENT);
            g_assert_cmpstr(r2_r1->remote_addr, ==, "127.0.0.2");
            g_assert_cmpstr(r2_r4->remote_addr, ==, "127.0.0.1");
            g_assert_cmpstr(r4_r2->remote_addr, ==, "127.0.0.1");
        }
    }
}

/* validate and render name each VM's host, only when there are hosts. */
static void
test_cli_shows_hosts(void)
{
    g_autofree char *mh = vl_test_srcpath("data/render/mh-udp");
    g_autofree char *plain = vl_test_srcpath("../specs/example");
    const char *validate_mh[] = {"validate", mh, NULL};
    const char *validate_plain[] = {"validate", plain, NULL};
    const char *render_mh[] = {"render", mh, "--node", "r2", "--virt-type", "qemu", NULL};
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;

    vl_test_run_expect(60, validate_mh, 0, &out);
    g_assert_nonnull(strstr(out, "host a (127.0.0.2, the -c connection): r1, r3\n"));
    g_assert_nonnull(strstr(out, "host b (127.0.0.3, qemu+ssh://vmlab-b@127.0.0.1:21900/"));
    g_assert_nonnull(strstr(out, ", at most 2 VMs): r2, r4\n"));
    g_clear_pointer(&out, g_free);
    vl_test_run_expect(60, validate_plain, 0, &out);
    g_assert_null(strstr(out, "host "));
    g_clear_pointer(&out, g_free);
    g_assert_cmpint(vl_test_run(render_mh, &out, &err), ==, 0);
    g_assert_nonnull(strstr(err, "host b (127.0.0.3, "));
    g_assert_nonnull(strstr(out, "<vmlab:server>b</vmlab:server>"));
}

/* A unit too big for every host's room is an error at the device, when the total fits. */
static void
test_place_no_room(void)
{
    g_autoptr(VlDiag) diag = vl_diag_new();
    g_autoptr(VlSpec) spec = NULL;
    g_autoptr(GError) err = NULL;

    /* 8 VMs, room for 9, but pe1's 4 cards fit on no host of 3 */
    g_autofree char *dir =
        sros_spec("{\"name\": \"sros\", \"devices\": {\"pe1\": {}, \"pe2\": {}, \"pe3\": {}, "
                  "\"pe4\": {}}, \"vmlab\": {\"hosts\": {"
                  "\"a\": {\"address\": \"192.0.2.1\", \"max_nodes\": 3},"
                  " \"b\": {\"address\": \"192.0.2.2\", \"max_nodes\": 3},"
                  " \"c\": {\"address\": \"192.0.2.3\", \"max_nodes\": 3}}}}");
    spec = vl_spec_load(dir, diag);
    g_assert_null(spec);
    vl_diag_to_error(diag, &err);
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "topology.json: devices.pe1: 'pe1' (4 VMs) fits on no "
                                          "host"));
    vl_test_rmtree(dir);
}

/* A bad multi-host spec: topology.json's vmlab section (and pins); the error expected. */
typedef struct {
    const char *name;
    const char *section;
    const char *pins;    /* "DEV=HOST,DEV=HOST" or NULL */
    const char *expect;  /* "FILE: PATH: " the error starts with */
    const char *message; /* a part of its message */
} BadCase;

#define TWO_HOSTS "\"a\": \"192.0.2.1\", \"b\": \"192.0.2.2\""

static const BadCase bad_cases[] = {
    {"unknown-vm-host", "{\"hosts\": {" TWO_HOSTS "}}", "n1=h9",
     "profiles/n1.json: vm_host: ", "host 'h9' is not defined in topology.json vmlab.hosts"},
    {"vm-host-without-hosts", "{}", "n1=a",
     "profiles/n1.json: vm_host: ", "host 'a' is not defined"},
    {"duplicate-address", "{\"hosts\": {\"a\": \"192.0.2.1\", \"b\": \"192.0.2.1\"}}", NULL,
     "topology.json: vmlab.hosts.b: ", "same address as host 'a' (192.0.2.1)"},
    {"duplicate-address-spelling",
     "{\"servers\": [{\"name\": \"a\", \"address\": \"2001:db8::1\"}, {\"name\": \"b\", "
     "\"address\": \"2001:0db8:0::1\"}]}",
     NULL, "topology.json: vmlab.servers[1]: ", "same address as host 'a' (2001:db8::1)"},
    {"duplicate-uri",
     "{\"hosts\": {\"a\": {\"address\": \"192.0.2.1\", \"uri\": \"qemu+ssh://h/system\"}, \"b\": "
     "{\"address\": \"192.0.2.2\", \"uri\": \"qemu+ssh://h/system\"}}}",
     NULL, "topology.json: vmlab.hosts.b: ", "same URI as host 'a' (qemu+ssh://h/system)"},
    {"duplicate-uri-derived",
     "{\"hosts\": {\"a\": {\"address\": \"192.0.2.1\", \"uri\": \"qemu+ssh://192.0.2.2/system\"},"
     " \"b\": \"192.0.2.2\"}}",
     NULL, "topology.json: vmlab.hosts.b: ", "same URI as host 'a'"},
    {"shared-default-connection", "{\"hosts\": {\"a\": \"127.0.0.2\", \"b\": \"127.0.0.3\"}}", NULL,
     "topology.json: vmlab.hosts.b: ", "would share the -c connection"},
    {"pins-over-max-nodes",
     "{\"hosts\": {\"a\": {\"address\": \"192.0.2.1\", \"max_nodes\": 1}, \"b\": \"192.0.2.2\"}}",
     "n1=a,n2=a", "topology.json: vmlab.hosts.a.max_nodes: ",
     "host 'a' takes at most 1 VM, but vm_host pins 2 to it: n1, n2"},
    {"over-capacity",
     "{\"servers\": [{\"name\": \"a\", \"address\": \"192.0.2.1\", \"max_nodes\": 1}, {\"name\": "
     "\"b\", \"address\": \"192.0.2.2\", \"max_nodes\": 1}]}",
     NULL, "topology.json: vmlab.servers: ", "the lab has 3 VMs, but its 2 hosts take at most 2"},
    {"hosts-and-servers",
     "{\"hosts\": {" TWO_HOSTS "}, \"servers\": [{\"name\": \"c\", \"address\": \"192.0.2.3\"}]}",
     NULL, "topology.json: vmlab.servers: ", "both vmlab.hosts and vmlab.servers"},
    {"hosts-type", "{\"hosts\": [\"192.0.2.1\"]}", NULL,
     "topology.json: vmlab.hosts: ", "must be an object of host name -> address"},
    {"address-type", "{\"hosts\": {\"a\": 5}}", NULL,
     "topology.json: vmlab.hosts.a: ", "must be an IP address, got an integer"},
    {"address-bad", "{\"hosts\": {\"a\": {\"address\": \"192.0.2\"}}}", NULL,
     "topology.json: vmlab.hosts.a.address: ", "must be an IP address, got 192.0.2"},
    {"address-missing", "{\"hosts\": {\"a\": {\"uri\": \"qemu:///system\"}}}", NULL,
     "topology.json: vmlab.hosts.a: ", "host 'a' has no \"address\""},
    {"uri-type", "{\"hosts\": {\"a\": {\"address\": \"192.0.2.1\", \"uri\": true}}}", NULL,
     "topology.json: vmlab.hosts.a.uri: ", "must be a libvirt URI"},
    {"uri-bad", "{\"hosts\": {\"a\": {\"address\": \"192.0.2.1\", \"uri\": \"rack one\"}}}", NULL,
     "topology.json: vmlab.hosts.a.uri: ", "'rack one' is not a libvirt URI"},
    {"max-nodes-type", "{\"hosts\": {\"a\": {\"address\": \"192.0.2.1\", \"max_nodes\": \"4\"}}}",
     NULL, "topology.json: vmlab.hosts.a.max_nodes: ", "must be a number of VMs"},
    {"max-nodes-negative",
     "{\"servers\": [{\"name\": \"a\", \"address\": \"192.0.2.1\", \"max_nodes\": -1}]}", NULL,
     "topology.json: vmlab.servers[0].max_nodes: ", "must be a number of VMs"},
    {"servers-type", "{\"servers\": {\"a\": \"192.0.2.1\"}}", NULL,
     "topology.json: vmlab.servers: ", "must be an array"},
    {"server-type", "{\"servers\": [\"192.0.2.1\"]}", NULL,
     "topology.json: vmlab.servers[0]: ", "must be an object"},
    {"server-no-name", "{\"servers\": [{\"address\": \"192.0.2.1\"}]}", NULL,
     "topology.json: vmlab.servers[0]: ", "a server needs a \"name\""},
    {"server-twice",
     "{\"servers\": [{\"name\": \"a\", \"address\": \"192.0.2.1\"}, {\"name\": \"a\", "
     "\"address\": \"192.0.2.2\"}]}",
     NULL, "topology.json: vmlab.servers[1]: ",
     "host 'a' is defined twice (also at "
     "vmlab.servers[0])"},
    {"host-name", "{\"hosts\": {\"-a\": \"192.0.2.1\"}}", NULL, "topology.json: vmlab.hosts",
     "'-a' is not a valid host name"},
};

static void
test_bad_case(gconstpointer data)
{
    const BadCase *c = data;
    g_auto(GStrv) pins = c->pins ? g_strsplit(c->pins, ",", -1) : NULL;
    g_autofree char *dir = NULL;
    g_autoptr(VlDiag) diag = vl_diag_new();
    g_autoptr(VlSpec) spec = NULL;
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    const char *argv[] = {"validate", NULL, NULL};
    gboolean found = FALSE;
    int status;

    /* three devices, n1 and n2 with profiles when pinned */
    dir = hosts_spec("{\"n1\": {\"platform\": \"p\"}, \"n2\": {\"platform\": \"p\"}, \"n3\": "
                     "{\"platform\": \"p\"}}",
                     NULL, c->section, (const char *const *)pins);
    argv[1] = dir;
    spec = vl_spec_load(dir, diag);
    g_assert_null(spec);
    for (guint i = 0; i < vl_diag_items(diag)->len; i++) {
        const VlDiagItem *item = g_ptr_array_index(vl_diag_items(diag), i);
        g_autofree char *line = vl_diag_item_format(item);
        g_test_message("got: %s", line);
        if (item->level == VL_DIAG_ERROR && g_str_has_prefix(line, c->expect) &&
            strstr(line, c->message))
            found = TRUE;
    }
    g_assert_true(found);
    /* the command: exit 2, the line on stderr, nothing on stdout */
    status = vl_test_run(argv, &out, &err);
    if (status != 2 || !strstr(err, c->expect) || !strstr(err, c->message) || *out)
        vl_test_print_failure(argv, status, out, err);
    g_assert_cmpint(status, ==, 2);
    g_assert_nonnull(strstr(err, c->message));
    g_assert_cmpstr(out, ==, "");
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
    g_test_add_func("/spec/place/no-room", test_place_no_room);
    g_test_add_func("/spec/hosts/forms", test_hosts_forms);
    g_test_add_func("/spec/hosts/newtlab-section", test_hosts_newtlab_section);
    g_test_add_func("/spec/hosts/uri-rule", test_hosts_uri_rule);
    g_test_add_func("/spec/hosts/local-detect", test_hosts_local_detect);
    g_test_add_func("/spec/links/cross-host", test_links_cross_host);
    g_test_add_func("/spec/hosts/cli-shows-hosts", test_cli_shows_hosts);
    for (guint i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
        g_autofree char *path = g_strdup_printf("/spec/hosts/bad/%s", bad_cases[i].name);
        g_test_add_data_func(path, &bad_cases[i], test_bad_case);
    }
    return g_test_run();
}
