/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-newtron.c - newtron/newtlab spec folders: links from interfaces, the linux map, their fields
 */
#include "vl-diag.h"
#include "vl-ifmap.h"
#include "vl-spec.h"
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
    json_object *v = NULL;

    g_assert_cmpuint(s1->memory_mb, ==, 1024);
    g_assert_cmpint(s1->ifmap, ==, VL_IFMAP_SEQUENTIAL);
    g_assert_cmpstr(s1->ssh_pass, ==, "pw");
    g_assert_true(json_object_object_get_ex(s1->profile, "underlay_asn", &v));
    g_assert_true(json_object_object_get_ex(s1->platform, "hwsku", &v));
    vl_test_rmtree(dir);
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
    return g_test_run();
}
