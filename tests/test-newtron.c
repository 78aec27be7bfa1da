/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-newtron.c - newtron/newtlab spec folders: links from interfaces, the linux map, their fields
 */
#include "vl-diag.h"
#include "vl-conn.h"
#include "vl-ifmap.h"
#include "vl-json.h"
#include "vl-lab.h"
#include "vl-netns.h"
#include "vl-render.h"
#include "vl-spec.h"
#include "vl-test-spec.h"
#include "vl-test-util.h"

#include <string.h>

#define PLATFORMS                                                                                  \
    "{\"version\": \"1.0\", \"platforms\": {\"sw\": {\"hwsku\": \"Some-SKU-32x100\", "             \
    "\"description\": \"a switch\", \"port_count\": 32, \"default_speed\": \"100G\", "             \
    "\"breakouts\": [\"4x25G\"], \"vm_image\": \"img.qcow2\", \"vm_memory\": 1024, \"vm_cpus\": "  \
    "1, \"vm_nic_driver\": \"e1000\", \"vm_interface_map\": \"sequential\", "                      \
    "\"vm_credentials\": {\"user\": \"admin\", \"pass\": \"pw\"}, \"vm_boot_timeout\": 60, "       \
    "\"dataplane\": \"vpp\", \"vm_image_release\": \"202405\", \"unsupported_features\": "         \
    "[\"acl\"]},\n"                                                                                \
    " \"cust\": {\"vm_image\": \"img.qcow2\", \"vm_interface_map\": \"custom\", "                  \
    "\"vm_interface_map_custom\": {\"swp1\": 2, \"swp2\": 1}}}}\n"

/* every field newtron keeps in a profile, none of which vmlab-virt reads */
#define PROFILE_SW                                                                                 \
    "{\"mgmt_ip\": \"127.0.0.1\", \"loopback_ip\": \"10.0.0.1\", \"zone\": \"amer\", "             \
    "\"evpn\": {\"peers\": [\"s2\"], \"route_reflector\": true, \"cluster_id\": \"1\"}, "          \
    "\"platform\": \"sw\", \"ssh_user\": \"admin\", \"ssh_pass\": \"pw\", \"underlay_asn\": "      \
    "65001, \"as_number\": 65000, \"mac\": \"52:54:00:00:00:01\", \"vlan_port_mapping\": "         \
    "{\"100\": [\"Ethernet1\"]}, \"ssh_port\": 22, \"console_port\": 0, \"host_ip\": "             \
    "\"10.9.9.9/24\", \"host_gateway\": \"10.9.9.1\"}\n"

/* Two switches joined twice, links only in the interfaces. */
#define DEV_S1                                                                                     \
    " \"s1\": {\"device_config\": {\"route_reflector\": true}, \"interfaces\": {\n"                \
    "   \"Ethernet0\": {\"link\": \"s2:Ethernet1\", \"service\": \"transit\", \"ip\": "            \
    "\"10.1.0.0/31\"},\n"                                                                          \
    "   \"Ethernet1\": {\"link\": \"s2:Ethernet0\"}, \"Ethernet2\": {}}}"
#define DEV_S2                                                                                     \
    " \"s2\": {\"interfaces\": {\"Ethernet0\": {\"link\": \"s1:Ethernet1\"},\n"                    \
    "   \"Ethernet1\": {\"link\": \"s1:Ethernet0\", \"ip\": \"10.1.0.1/31\"}}}"
#define NEWTLAB_SECTION                                                                            \
    " \"newtlab\": {\"link_port_base\": 10000, \"console_port_base\": 12000, \"ssh_port_base\": "  \
    "13000}}\n"
#define TOPOLOGY_HEAD    "{\"version\": \"1.0\", \"description\": \"d\", \"devices\": {\n"
#define TOPOLOGY_DERIVED TOPOLOGY_HEAD DEV_S1 ",\n" DEV_S2 "},\n" NEWTLAB_SECTION
#define TOPOLOGY_SWAPPED TOPOLOGY_HEAD DEV_S2 ",\n" DEV_S1 "},\n" NEWTLAB_SECTION

static char *
nt_make(const char *topology)
{
    char *dir = vl_test_mkdtemp();

    vl_test_write(dir, "topology.json", topology);
    vl_test_write(dir, "platforms.json", PLATFORMS);
    vl_test_write(dir, "profiles/s1.json", PROFILE_SW);
    vl_test_write(dir, "profiles/s2.json", PROFILE_SW);
    vl_test_write(dir, "img.qcow2", "");
    return dir;
}

/* Return: (transfer full): the spec of @dir, asserting it loads with no error and no warning. */
static VlSpec *
nt_load_clean(const char *dir)
{
    g_autoptr(VlDiag) diag = vl_diag_new();
    VlSpec *spec = vl_spec_load(dir, diag);

    for (guint i = 0; i < vl_diag_items(diag)->len; i++) {
        g_autofree char *line = vl_diag_item_format(g_ptr_array_index(vl_diag_items(diag), i));
        g_test_message("diag: %s", line);
    }
    g_assert_nonnull(spec);
    g_assert_cmpuint(vl_diag_items(diag)->len, ==, 0);
    return spec;
}

static void
assert_link(const VlSpec *spec, guint i, const char *a, const char *z, const char *where)
{
    const VlLink *l = g_ptr_array_index(spec->links, i);
    g_autofree char *as = g_strdup_printf("%s:%s", l->a->node->name, l->a->name);
    g_autofree char *zs = g_strdup_printf("%s:%s", l->z->node->name, l->z->name);

    g_assert_cmpuint(l->index, ==, i);
    g_assert_cmpstr(as, ==, a);
    g_assert_cmpstr(zs, ==, z);
    g_assert_cmpstr(l->where, ==, where);
    g_assert_true(l->a->link == l && l->z->link == l);
}

static void
test_links_derived(void)
{
    g_autofree char *dir = nt_make(TOPOLOGY_DERIVED);
    g_autoptr(VlSpec) spec = nt_load_clean(dir);
    const VlLink *l0;
    const VlLink *l1;

    /* one link per pair, at its first mention, the first-mentioned end being a */
    g_assert_cmpuint(spec->links->len, ==, 2);
    assert_link(spec, 0, "s1:Ethernet0", "s2:Ethernet1", "devices.s1.interfaces.Ethernet0.link");
    assert_link(spec, 1, "s1:Ethernet1", "s2:Ethernet0", "devices.s1.interfaces.Ethernet1.link");
    l0 = g_ptr_array_index(spec->links, 0);
    l1 = g_ptr_array_index(spec->links, 1);
    /* the newtlab section's bases, UDP ports by position */
    g_assert_cmpuint(l0->port_a, ==, 10000);
    g_assert_cmpuint(l0->port_z, ==, 10001);
    g_assert_cmpuint(l1->port_a, ==, 10002);
    g_assert_cmpuint(l1->port_z, ==, 10003);
    g_assert_cmpuint(vl_spec_find_vm(spec, "s2")->ssh_port, ==, 13001);
    /* Ethernet2 is declared and unlinked */
    g_assert_null(((VlIface *)g_ptr_array_index(vl_spec_find_node(spec, "s1")->ifaces, 2))->link);
    vl_test_rmtree(dir);
}

/* Swapping the devices' order in the file swaps which end comes first; the same file gives the
 * same links and ports on every load. */
static void
test_links_derived_order(void)
{
    g_autofree char *dir = nt_make(TOPOLOGY_DERIVED);
    g_autofree char *dir2 = nt_make(TOPOLOGY_SWAPPED);
    g_autoptr(VlSpec) a = nt_load_clean(dir);
    g_autoptr(VlSpec) again = nt_load_clean(dir);
    g_autoptr(VlSpec) b = nt_load_clean(dir2);

    for (guint i = 0; i < a->links->len; i++) {
        const VlLink *x = g_ptr_array_index(a->links, i);
        const VlLink *y = g_ptr_array_index(again->links, i);
        g_assert_cmpstr(x->a->name, ==, y->a->name);
        g_assert_cmpuint(x->port_a, ==, y->port_a);
        g_assert_cmpuint(x->port_z, ==, y->port_z);
    }
    g_assert_cmpstr(((VlNode *)g_ptr_array_index(b->nodes, 0))->name, ==, "s2");
    assert_link(b, 0, "s2:Ethernet0", "s1:Ethernet1", "devices.s2.interfaces.Ethernet0.link");
    assert_link(b, 1, "s2:Ethernet1", "s1:Ethernet0", "devices.s2.interfaces.Ethernet1.link");
    vl_test_rmtree(dir);
    vl_test_rmtree(dir2);
}

/* Both forms: the list decides order and a/z; the fields agree with it. */
static void
test_links_both_forms(void)
{
    g_autofree char *dir =
        nt_make(TOPOLOGY_HEAD DEV_S1 ",\n" DEV_S2 "},\n \"links\": [{\"a\": \"s2:Ethernet0\", "
                                     "\"z\": \"s1:Ethernet1\"}, {\"a\": \"s1:Ethernet0\", \"z\": "
                                     "\"s2:Ethernet1\"}],\n" NEWTLAB_SECTION);
    g_autoptr(VlSpec) spec = nt_load_clean(dir);

    g_assert_cmpuint(spec->links->len, ==, 2);
    assert_link(spec, 0, "s2:Ethernet0", "s1:Ethernet1", "links[0]");
    assert_link(spec, 1, "s1:Ethernet0", "s2:Ethernet1", "links[1]");
    vl_test_rmtree(dir);
}

static void
test_ifmap_linux(void)
{
    g_autofree char *why = NULL;

    g_assert_cmpuint(vl_ifmap_place(VL_IFMAP_LINUX, NULL, "eth1", &why), ==, 1);
    g_assert_cmpuint(vl_ifmap_place(VL_IFMAP_LINUX, NULL, "eth12", &why), ==, 12);
    g_assert_null(why);
    g_assert_cmpuint(vl_ifmap_place(VL_IFMAP_LINUX, NULL, "eth0", &why), ==, 0);
    g_assert_nonnull(strstr(why, "management"));
    g_assert_true(vl_ifmap_is_mgmt(VL_IFMAP_LINUX, "eth0"));
    g_assert_false(vl_ifmap_is_mgmt(VL_IFMAP_LINUX, "eth1"));
    g_assert_false(vl_ifmap_is_mgmt(VL_IFMAP_SEQUENTIAL, "eth0"));
    for (guint i = 0; i < 4; i++) {
        static const char *const bad[] = {"eth01", "ens3", "eth", "Ethernet0"};
        g_clear_pointer(&why, g_free);
        g_assert_cmpuint(vl_ifmap_place(VL_IFMAP_LINUX, NULL, bad[i], &why), ==, 0);
        g_assert_nonnull(strstr(why, "linux map places only"));
    }
}

/* newtlab's vm_interface_map_custom places interfaces like vm_interface_custom_map. */
static void
test_ifmap_custom_newtlab_name(void)
{
    g_autofree char *dir = nt_make(
        "{\"devices\": {\"s1\": {}, \"s2\": {}, \"c\": {\"platform\": \"cust\", \"interfaces\": "
        "{\"swp1\": {}, \"swp2\": {}}}}}");
    g_autoptr(VlSpec) spec = nt_load_clean(dir);
    VlNode *c = vl_spec_find_node(spec, "c");

    g_assert_cmpint(c->ifmap, ==, VL_IFMAP_CUSTOM);
    g_assert_cmpuint(((VlIface *)g_ptr_array_index(c->ifaces, 0))->nic, ==, 2);
    g_assert_cmpuint(((VlIface *)g_ptr_array_index(c->ifaces, 1))->nic, ==, 1);
    vl_test_rmtree(dir);
}

/* newtron's platform and profile fields load without an error or a warning, and the ones that
 * are VM settings still apply. */
static void
test_newtron_fields_kept(void)
{
    g_autofree char *dir = nt_make(TOPOLOGY_DERIVED);
    g_autoptr(VlSpec) spec = nt_load_clean(dir);
    VlNode *s1 = vl_spec_find_node(spec, "s1");
    g_autofree char *asn = NULL;
    g_autofree char *sku = NULL;

    g_assert_cmpuint(s1->memory_mb, ==, 1024);
    g_assert_cmpint(s1->ifmap, ==, VL_IFMAP_SEQUENTIAL);
    g_assert_cmpstr(s1->ssh_pass, ==, "pw");
    vl_spec_report_lookup(s1, "underlay_asn", &asn);
    g_assert_cmpstr(asn, ==, "profiles/s1.json: underlay_asn");
    vl_spec_report_lookup(s1, "hwsku", &sku);
    g_assert_cmpstr(sku, ==, "platforms.json: platforms.sw.hwsku");
    vl_test_rmtree(dir);
}

/* Return: (transfer full): the spec of tests/data/render/@name, asserting no error; @warnings
 * receives the number of warnings. */
static VlSpec *
nt_load_folder(const char *name, guint *warnings)
{
    g_autofree char *rel = g_strdup_printf("data/render/%s", name);
    g_autofree char *dir = vl_test_srcpath(rel);

    return vl_test_spec_load(dir, warnings);
}

static const VlIface *
nt_iface(const VlSpec *spec, const char *node, guint i)
{
    return g_ptr_array_index(vl_spec_find_node(spec, node)->ifaces, i);
}

/* 2 switches + 6 hosts, wired only in the interfaces: 9 links, the hosts in one shared VM. */
static void
test_folder_2node(void)
{
    guint warnings = 0;
    g_autoptr(VlSpec) spec = nt_load_folder("nt-2node", &warnings);
    VlNode *hvm = vl_spec_find_host_vm(spec, "hostvm-0");
    VlVm *vm = vl_spec_find_vm(spec, "hostvm-0");
    static const char *const vms[] = {"sw1", "sw2", "hostvm-0"};

    g_assert_cmpuint(spec->nodes->len, ==, 8);
    g_assert_cmpuint(spec->links->len, ==, 9);
    g_assert_cmpuint(spec->vms->len, ==, 3);
    for (guint i = 0; i < G_N_ELEMENTS(vms); i++)
        g_assert_cmpstr(((VlVm *)g_ptr_array_index(spec->vms, i))->name, ==, vms[i]);
    /* sw1 mentions sw2 first, then h1..h3, then sw2 twice more */
    assert_link(spec, 0, "sw1:Ethernet0", "sw2:Ethernet0", "devices.sw1.interfaces.Ethernet0.link");
    assert_link(spec, 1, "sw1:Ethernet1", "h1:eth0", "devices.sw1.interfaces.Ethernet1.link");
    assert_link(spec, 5, "sw1:Ethernet5", "sw2:Ethernet5", "devices.sw1.interfaces.Ethernet5.link");
    assert_link(spec, 8, "sw2:Ethernet3", "h6:eth0", "devices.sw2.interfaces.Ethernet3.link");
    /* the hosts: one VM, one NIC each in file order, the VM's ports those of the first host */
    g_assert_nonnull(hvm);
    g_assert_true(hvm->is_host_vm);
    g_assert_cmpuint(hvm->hosts->len, ==, 6);
    g_assert_cmpstr(vm->role, ==, "hostvm");
    g_assert_cmpuint(vm->nics->len, ==, 6);
    g_assert_cmpuint(vm->ssh_port, ==, 17002);
    g_assert_cmpuint(vm->console_port, ==, 16002);
    for (guint i = 0; i < 6; i++) {
        g_autofree char *h = g_strdup_printf("h%u", i + 1);
        VlNode *host = vl_spec_find_node(spec, h);
        const VlIface *eth0 = nt_iface(spec, h, 0);
        g_assert_true(host->is_host);
        g_assert_true(host->host_vm == hvm);
        g_assert_true(vl_iface_vm(eth0) == vm);
        g_assert_cmpuint(eth0->nic, ==, i + 1);
        g_assert_true(((VlNic *)g_ptr_array_index(vm->nics, i))->iface == eth0);
        /* a host reports its VM's ports */
        g_assert_cmpuint(host->ssh_port, ==, 17002);
    }
    /* addresses: profile; /24 by ordinal; /31 the other; /30 + 1; none (with a warning) */
    g_assert_cmpstr(vl_spec_find_node(spec, "h1")->host_ip, ==, "10.20.9.5/24");
    g_assert_cmpstr(vl_spec_find_node(spec, "h1")->host_gateway, ==, "10.20.9.1");
    g_assert_cmpstr(vl_spec_find_node(spec, "h2")->host_ip, ==, "10.20.1.20/24");
    g_assert_cmpstr(vl_spec_find_node(spec, "h2")->host_gateway, ==, "10.20.1.1");
    g_assert_cmpstr(vl_spec_find_node(spec, "h3")->host_ip, ==, "10.20.3.5/31");
    g_assert_cmpstr(vl_spec_find_node(spec, "h4")->host_ip, ==, "10.20.4.2/30");
    g_assert_cmpstr(vl_spec_find_node(spec, "h4")->host_gateway, ==, "10.20.4.1");
    g_assert_null(vl_spec_find_node(spec, "h5")->host_ip);
    g_assert_null(vl_spec_find_node(spec, "h6")->host_gateway);
    g_assert_cmpuint(warnings, ==, 2);
}

/* 3 nodes and 4 nodes: explicit links agreeing with the interfaces' link fields. */
static void
test_folder_3node_4node(void)
{
    guint warnings = 0;
    g_autoptr(VlSpec) s3 = nt_load_folder("nt-3node", &warnings);
    g_autoptr(VlSpec) s4 = NULL;

    g_assert_cmpuint(warnings, ==, 0);
    g_assert_cmpuint(s3->links->len, ==, 3);
    assert_link(s3, 1, "leaf1:Ethernet1", "host1:eth0", "links[1]");
    /* hosts by their platform's device_type alone */
    g_assert_true(vl_spec_find_node(s3, "host2")->is_host);
    g_assert_cmpstr(vl_spec_find_node(s3, "host2")->host_ip, ==, "10.30.200.20/24");
    g_assert_cmpuint(s3->vms->len, ==, 3);
    g_assert_cmpuint(vl_spec_find_vm(s3, "hostvm-0")->nics->len, ==, 2);

    s4 = nt_load_folder("nt-4node", &warnings);
    g_assert_cmpuint(warnings, ==, 0);
    g_assert_cmpuint(s4->links->len, ==, 4);
    g_assert_cmpuint(s4->vms->len, ==, 4);
    g_assert_cmpuint(s4->host_vms->len, ==, 0);
    assert_link(s4, 3, "spine2:Ethernet1", "leaf2:Ethernet1", "links[3]");
    /* leaf Ethernet2 and 3: declared, unlinked, still NICs 3 and 4 */
    g_assert_cmpuint(vl_spec_find_vm(s4, "leaf1")->nics->len, ==, 4);
    g_assert_null(nt_iface(s4, "leaf1", 3)->link);
}

/* A topology of @n hosts on one switch, with @section as its vmlab section. */
static char *
nt_hosts_topology(guint n, const char *section)
{
    GString *t = g_string_new("{\"devices\": {\"s1\": {\"interfaces\": {");

    for (guint i = 0; i < n; i++)
        g_string_append_printf(
            t, "%s\"Ethernet%u\": {\"link\": \"h%u:eth0\", \"ip\": \"10.5.%u.1/24\"}",
            i ? ", " : "", i, i, i);
    g_string_append(t, "}}");
    for (guint i = 0; i < n; i++)
        g_string_append_printf(t,
                               ", \"h%u\": {\"type\": \"host\", \"platform\": \"sw\", "
                               "\"interfaces\": {\"eth0\": {\"link\": \"s1:Ethernet%u\"}}}",
                               i, i);
    g_string_append_printf(t, ", \"s2\": {}}, \"vmlab\": {%s}}", section);
    return g_string_free(t, FALSE);
}

/* At most VL_HOSTS_PER_VM hosts per VM: the next one opens hostvm-1. */
static void
test_hosts_per_vm(void)
{
    g_autofree char *topo = nt_hosts_topology(VL_HOSTS_PER_VM + 1, "");
    g_autofree char *dir = nt_make(topo);
    g_autoptr(VlSpec) spec = nt_load_clean(dir);
    VlNode *last = vl_spec_find_node(spec, "h8");

    g_assert_cmpuint(spec->host_vms->len, ==, 2);
    g_assert_cmpuint(vl_spec_find_host_vm(spec, "hostvm-0")->hosts->len, ==, VL_HOSTS_PER_VM);
    g_assert_true(last->host_vm == vl_spec_find_host_vm(spec, "hostvm-1"));
    /* its NIC numbering starts again at 1; its VM takes its port slot (node index 9) */
    g_assert_cmpuint(nt_iface(spec, "h8", 0)->nic, ==, 1);
    g_assert_cmpuint(vl_spec_find_vm(spec, "hostvm-1")->ssh_port, ==, 40009);
    vl_test_rmtree(dir);
}

/* coalesce_hosts: false: one VM per host, eth0 on NIC 1, management on NIC 0. */
static void
test_hosts_not_coalesced(void)
{
    g_autofree char *topo = nt_hosts_topology(2, "\"coalesce_hosts\": false");
    g_autofree char *dir = nt_make(topo);
    g_autoptr(VlSpec) spec = nt_load_clean(dir);
    VlVm *h1 = vl_spec_find_vm(spec, "h1");

    g_assert_cmpuint(spec->host_vms->len, ==, 0);
    g_assert_cmpuint(spec->vms->len, ==, 4); /* s1, h0, h1, s2 */
    g_assert_nonnull(h1);
    g_assert_cmpstr(h1->role, ==, "host");
    g_assert_cmpuint(h1->nics->len, ==, 1);
    g_assert_cmpuint(((VlNic *)g_ptr_array_index(h1->nics, 0))->index, ==, 1);
    g_assert_cmpuint(h1->ssh_port, ==, 40002);
    g_assert_cmpstr(vl_spec_find_node(spec, "h1")->host_ip, ==, "10.5.1.20/24");
    vl_test_rmtree(dir);
}

/* Two loads and renders of the same folder: the same XML for every VM, the same ports. */
static void
test_render_deterministic(void)
{
    static const char *const folders[] = {"nt-2node", "nt-3node", "nt-4node"};
    g_autoptr(GError) err = NULL;
    g_autoptr(VlRenderer) r = vl_renderer_new("qemu", &err);

    g_assert_no_error(err);
    for (guint f = 0; f < G_N_ELEMENTS(folders); f++) {
        guint warnings = 0;
        g_autoptr(VlSpec) a = nt_load_folder(folders[f], &warnings);
        g_autoptr(VlSpec) b = nt_load_folder(folders[f], &warnings);

        g_assert_cmpuint(a->vms->len, ==, b->vms->len);
        g_assert_cmpuint(a->links->len, ==, b->links->len);
        for (guint i = 0; i < a->vms->len; i++) {
            const VlVm *va = g_ptr_array_index(a->vms, i);
            const VlVm *vb = g_ptr_array_index(b->vms, i);
            g_autofree char *xa = vl_render_vm(r, a, va, &err);
            g_autofree char *xb = NULL;

            g_assert_no_error(err);
            xb = vl_render_vm(r, b, vb, &err);
            g_assert_no_error(err);
            g_assert_cmpstr(xa, ==, xb);
            g_assert_cmpuint(va->ssh_port, ==, vb->ssh_port);
        }
        for (guint i = 0; i < a->links->len; i++) {
            const VlLink *la = g_ptr_array_index(a->links, i);
            const VlLink *lb = g_ptr_array_index(b->links, i);
            g_assert_cmpstr(la->where, ==, lb->where);
            g_assert_cmpuint(la->port_a, ==, lb->port_a);
            g_assert_cmpuint(la->port_z, ==, lb->port_z);
        }
    }
}

/* `render` says how hosts become VMs: shared, or one VM each. */
static void
test_render_says_hosts(void)
{
    g_autofree char *t1 = nt_hosts_topology(2, "");
    g_autofree char *t2 = nt_hosts_topology(2, "\"coalesce_hosts\": false");
    g_autofree char *d1 = nt_make(t1);
    g_autofree char *d2 = nt_make(t2);
    g_autofree char *o1 = g_build_filename(d1, "out", NULL);
    g_autofree char *o2 = g_build_filename(d2, "out", NULL);
    const char *a1[] = {"render", d1, "-o", o1, "--virt-type", "qemu", NULL};
    const char *a2[] = {"render", d2, "-o", o2, "--virt-type", "qemu", NULL};
    g_autofree char *e1 = NULL;
    g_autofree char *e2 = NULL;
    int st1 = vl_test_run(a1, NULL, &e1);
    int st2 = vl_test_run(a2, NULL, &e2);

    if (st1 != 0)
        vl_test_print_failure(a1, st1, NULL, e1);
    if (st2 != 0)
        vl_test_print_failure(a2, st2, NULL, e2);
    g_assert_cmpint(st1, ==, 0);
    g_assert_cmpint(st2, ==, 0);
    g_assert_nonnull(strstr(e1, "hostvm-0: hosts, one network namespace each: h0 (eth0 on NIC 1, "
                                "10.5.0.10/24 via 10.5.0.1), h1 (eth0 on NIC 2,"));
    g_assert_nonnull(strstr(e2, "host h1 (eth0 on NIC 1, 10.5.1.20/24 via 10.5.1.1): a VM of its "
                                "own (vmlab.coalesce_hosts is false)"));
    g_assert_null(strstr(e2, "hostvm-0"));
    vl_test_rmtree(d1);
    vl_test_rmtree(d2);
}

/* The namespaces script: each host's NIC moved into its namespace, renamed, addressed. */
static void
test_netns_script(void)
{
    guint warnings = 0;
    g_autoptr(VlSpec) spec = nt_load_folder("nt-2node", &warnings);
    g_autofree char *script = vl_netns_setup_script(vl_spec_find_host_vm(spec, "hostvm-0"));
    g_autofree char *wrapped = vl_netns_wrap("h2", "ip -br addr; echo 'x'");

    g_assert_nonnull(strstr(script, "if [ ! -e /run/netns/h2 ]; then\nip netns add h2\n"
                                    "ip link set dev eth2 netns h2\n"
                                    "ip -n h2 link set dev eth2 name vltmp2\n"
                                    "ip -n h2 link set dev vltmp2 name eth0\n"
                                    "ip -n h2 link set dev eth0 up\n"
                                    "ip -n h2 link set dev lo up\n"
                                    "ip -n h2 addr add 10.20.1.20/24 dev eth0\n"
                                    "ip -n h2 route add default via 10.20.1.1\nfi\n"));
    /* no address: no addr or route line */
    g_assert_nonnull(strstr(script, "ip -n h5 link set dev lo up\nfi\n"));
    g_assert_cmpstr(wrapped, ==,
                    "exec ip netns exec h2 \"$(command -v bash || echo sh)\" -c 'ip -br addr; "
                    "echo '\\''x'\\'''");
}

static const char *const nt2_files[] = {"topology.json",
                                        "platforms.json",
                                        "profiles/sw1.json",
                                        "profiles/sw2.json",
                                        "profiles/h1.json",
                                        "profiles/h2.json",
                                        "profiles/h3.json",
                                        "profiles/h4.json",
                                        "profiles/h5.json",
                                        "profiles/h6.json",
                                        "images/vswitch.qcow2",
                                        "images/testhost.qcow2",
                                        NULL};

/* up on the test driver: the host VM, state.json's hosts, profiles as newtlab writes them. */
static void
test_up_hosts_profiles(void)
{
    g_autofree char *src = vl_test_srcpath("data/render/nt-2node");
    g_autofree char *home = vl_test_mkdtemp();
    g_autofree char *dir = vl_test_mkdtemp();
    g_autofree char *prof = g_build_filename(dir, "profiles", "h3.json", NULL);
    g_autofree char *text = NULL;
    g_autofree char *state_path = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(virConnect) conn = NULL;
    g_autoptr(VlRenderer) r = NULL;
    g_autoptr(VlSpec) spec = NULL;
    g_autoptr(GPtrArray) reports = NULL;
    g_autoptr(json_object) p = NULL;
    g_autoptr(json_object) st = NULL;
    json_object *v = NULL;
    VlUpOptions opts = {.start = TRUE, .wait = FALSE, .jobs = 2};
    gboolean ok;

    g_setenv("VMLAB_HOME", home, TRUE);
    vl_test_copy_files(src, dir, nt2_files);
    {
        g_autoptr(VlDiag) diag = vl_diag_new();
        spec = vl_spec_load(dir, diag);
        g_assert_nonnull(spec);
        g_assert_cmpuint(vl_diag_count(diag, VL_DIAG_WARNING), ==, 2);
    }
    conn = vl_conn_open("test:///default", &err);
    g_assert_no_error(err);
    r = vl_renderer_new("qemu", &err);
    g_assert_no_error(err);
    ok = vl_lab_up(conn, spec, r, &opts, &reports, &err);
    g_assert_no_error(err);
    g_assert_true(ok);
    g_assert_cmpuint(reports->len, ==, 3);
    /* a host's profile points at its VM's ports; its other fields stay, in their order */
    p = vl_json_load_file(prof, &err);
    g_assert_no_error(err);
    g_assert_true(json_object_object_get_ex(p, "ssh_port", &v));
    g_assert_cmpint(json_object_get_int(v), ==, 17002);
    /* a pty console (the default) has no console_port */
    g_assert_false(json_object_object_get_ex(p, "console_port", &v));
    g_assert_true(json_object_object_get_ex(p, "mgmt_ip", &v));
    g_assert_cmpstr(json_object_get_string(v), ==, "127.0.0.1");
    g_file_get_contents(prof, &text, NULL, NULL);
    g_assert_true(strstr(text, "\"mgmt_ip\"") < strstr(text, "\"loopback_ip\""));
    g_assert_true(strstr(text, "\"zone\"") < strstr(text, "\"platform\""));
    g_assert_true(strstr(text, "\"ssh_pass\"") < strstr(text, "\"ssh_port\""));
    /* state.json: each host, its VM and namespace */
    state_path = vl_lab_state_path("nt2node");
    st = vl_json_load_file(state_path, &err);
    g_assert_no_error(err);
    g_assert_true(json_object_object_get_ex(st, "hosts", &v));
    g_assert_cmpuint(json_object_array_length(v), ==, 6);
    {
        json_object *h4 = json_object_array_get_idx(v, 3);
        json_object *f = NULL;
        g_assert_true(json_object_object_get_ex(h4, "name", &f));
        g_assert_cmpstr(json_object_get_string(f), ==, "h4");
        g_assert_true(json_object_object_get_ex(h4, "domain", &f));
        g_assert_cmpstr(json_object_get_string(f), ==, "hostvm-0");
        g_assert_true(json_object_object_get_ex(h4, "namespace", &f));
        g_assert_cmpstr(json_object_get_string(f), ==, "h4");
        g_assert_true(json_object_object_get_ex(h4, "address", &f));
        g_assert_cmpstr(json_object_get_string(f), ==, "10.20.4.2/30");
    }
    g_assert_true(vl_lab_down(conn, "nt2node", FALSE, TRUE, NULL, NULL, &err));
    g_assert_no_error(err);
    g_assert_false(g_file_test(state_path, G_FILE_TEST_EXISTS));
    vl_test_rmtree(dir);
    vl_test_rmtree(home);
    g_setenv("VMLAB_HOME", "/vmlab-test-state", TRUE);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_setenv("VMLAB_HOME", "/vmlab-test-state", TRUE);

    g_test_add_func("/newtron/links/from-interfaces", test_links_derived);
    g_test_add_func("/newtron/links/file-order-and-stable-ports", test_links_derived_order);
    g_test_add_func("/newtron/links/both-forms-agree", test_links_both_forms);
    g_test_add_func("/newtron/ifmap/linux", test_ifmap_linux);
    g_test_add_func("/newtron/ifmap/custom-newtlab-name", test_ifmap_custom_newtlab_name);
    g_test_add_func("/newtron/fields/kept-and-ignored", test_newtron_fields_kept);
    g_test_add_func("/newtron/folder/2node-hosts-links-in-interfaces", test_folder_2node);
    g_test_add_func("/newtron/folder/3node-4node-explicit-links", test_folder_3node_4node);
    g_test_add_func("/newtron/hosts/per-vm-limit", test_hosts_per_vm);
    g_test_add_func("/newtron/hosts/not-coalesced", test_hosts_not_coalesced);
    g_test_add_func("/newtron/render/deterministic", test_render_deterministic);
    g_test_add_func("/newtron/render/says-how-hosts-are-placed", test_render_says_hosts);
    g_test_add_func("/newtron/hosts/netns-script", test_netns_script);
    g_test_add_func("/newtron/hosts/up-state-and-profiles", test_up_hosts_profiles);
    return g_test_run();
}
