/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-spec.c - the spec model: loading, resolution, interface maps, ports, and bad specs */
#include "vl-spec.h"

/* The model's public API hides json-c: only src/spec reads the documents (first, so that no other
 * header brings json-c in before this check). */
#ifdef JSON_C_TO_STRING_PLAIN
#error "vl-spec.h includes json-c"
#endif

#include "vl-diag.h"
#include "vl-error.h"
#include "vl-fs.h"
#include "vl-ifmap.h"
#include "vl-json.h"
#include "vl-test-spec.h"
#include "vl-test-util.h"

#include <glib/gstdio.h>
#include <string.h>

/* A small valid spec; each bad case replaces one of its files. */
#define BASE_TOPOLOGY                                                                              \
    "{\"name\": \"t\", \"devices\": {\"a\": {\"interfaces\": {\"Ethernet0\": {}, \"Ethernet4\": "  \
    "{}}},\n"                                                                                      \
    " \"b\": {\"interfaces\": {\"Ethernet0\": {}, \"Ethernet4\": {}}}},\n"                         \
    " \"links\": [{\"a\": \"a:Ethernet0\", \"z\": \"b:Ethernet0\"}],\n"                            \
    " \"vmlab\": {\"link_port_base\": 20000, \"console_port_base\": 30000, \"ssh_port_base\": "    \
    "40000,\n"                                                                                     \
    "   \"hosts\": {\"h1\": \"127.0.0.1\"}}}\n"
#define BASE_PLATFORMS                                                                             \
    "{\"platforms\": {\"p\": {\"vm_image\": \"img.qcow2\", \"vm_interface_map\": \"stride-4\"},\n" \
    "  \"seq\": {\"vm_image\": \"img.qcow2\", \"vm_interface_map\": \"sequential\"},\n"            \
    "  \"lx\": {\"vm_image\": \"img.qcow2\", \"vm_interface_map\": \"linux\"}}}\n"
#define BASE_PROFILE_A "{\"platform\": \"p\", \"kept\": {\"x\": 1}}\n"
#define BASE_PROFILE_B "{\"platform\": \"p\"}\n"

static char *
spec_make(const char *topology, const char *platforms, const char *prof_a, const char *prof_b)
{
    char *dir = vl_test_mkdtemp();

    if (topology)
        vl_test_write(dir, "topology.json", topology);
    if (platforms)
        vl_test_write(dir, "platforms.json", platforms);
    if (prof_a)
        vl_test_write(dir, "profiles/a.json", prof_a);
    if (prof_b)
        vl_test_write(dir, "profiles/b.json", prof_b);
    vl_test_write(dir, "img.qcow2", "");
    return dir;
}

static void
test_load_base(void)
{
    g_autofree char *dir = spec_make(BASE_TOPOLOGY, BASE_PLATFORMS, BASE_PROFILE_A, BASE_PROFILE_B);
    g_autoptr(VlSpec) spec = vl_test_spec_load(dir, NULL);
    VlNode *a = vl_spec_find_node(spec, "a");
    VlLink *link;

    g_assert_cmpstr(spec->name, ==, "t");
    g_assert_cmpuint(spec->nodes->len, ==, 2);
    g_assert_cmpuint(spec->links->len, ==, 1);
    g_assert_nonnull(a);
    /* built-in defaults */
    g_assert_cmpuint(a->memory_mb, ==, 4096);
    g_assert_cmpuint(a->cpus, ==, 2);
    g_assert_cmpstr(a->nic_model, ==, "e1000");
    g_assert_cmpint(a->ifmap, ==, VL_IFMAP_STRIDE4);
    /* relative image path is taken from the spec folder */
    g_assert_true(g_str_has_prefix(a->image, spec->dir));
    g_assert_true(g_str_has_suffix(a->image, "/img.qcow2"));
    link = g_ptr_array_index(spec->links, 0);
    g_assert_cmpuint(link->port_a, ==, 20000);
    g_assert_cmpuint(link->port_z, ==, 20001);
    vl_test_rmtree(dir);
}

static void
test_resolve_precedence(void)
{
    g_autofree char *dir = spec_make(
        BASE_TOPOLOGY,
        "{\"platforms\": {\"p\": {\"vm_image\": \"img.qcow2\", \"vm_memory\": 2048, \"vm_cpus\": 4,"
        " \"vm_nic_driver\": \"virtio-net-pci\", \"vm_credentials\": {\"user\": \"u\", \"pass\": "
        "\"pw\"},"
        " \"vm_cpu_features\": \"+sse4.2,-avx\"}}}",
        "{\"platform\": \"p\", \"vm_memory\": 1024, \"ssh_user\": \"ops\", \"vm_image\": "
        "\"~/x.img\"}",
        BASE_PROFILE_B);
    g_autoptr(VlSpec) spec = NULL;
    VlNode *a;
    VlNode *b;
    g_autofree char *home_img = g_build_filename(g_get_home_dir(), "x.img", NULL);

    {
        g_autoptr(VlDiag) diag = vl_diag_new();
        spec = vl_spec_load(dir, diag);
        /* ~/x.img does not exist: a warning only */
        g_assert_nonnull(spec);
        g_assert_cmpuint(vl_diag_count(diag, VL_DIAG_WARNING), ==, 1);
    }
    a = vl_spec_find_node(spec, "a");
    b = vl_spec_find_node(spec, "b");
    g_assert_cmpuint(a->memory_mb, ==, 1024); /* profile */
    g_assert_cmpuint(b->memory_mb, ==, 2048); /* platform */
    g_assert_cmpuint(a->cpus, ==, 4);
    g_assert_cmpstr(a->nic_model, ==, "virtio");
    g_assert_cmpstr(a->ssh_user, ==, "ops");
    g_assert_cmpstr(b->ssh_user, ==, "u");
    g_assert_cmpstr(b->ssh_pass, ==, "pw");
    g_assert_cmpstr(a->image, ==, home_img);
    g_assert_cmpuint(a->cpu_features->len, ==, 2);
    g_assert_cmpstr(g_ptr_array_index(a->cpu_features, 1), ==, "-avx");
    vl_test_rmtree(dir);
}

static void
test_ifmap(void)
{
    g_autofree char *why = NULL;
    g_autoptr(json_object) custom = json_tokener_parse("{\"swp1\": 3}");

    g_assert_cmpuint(vl_ifmap_place(VL_IFMAP_STRIDE4, NULL, "Ethernet0", &why), ==, 1);
    g_assert_cmpuint(vl_ifmap_place(VL_IFMAP_STRIDE4, NULL, "Ethernet8", &why), ==, 3);
    g_assert_cmpuint(vl_ifmap_place(VL_IFMAP_STRIDE4, NULL, "Ethernet6", &why), ==, 0);
    g_clear_pointer(&why, g_free);
    g_assert_cmpuint(vl_ifmap_place(VL_IFMAP_SEQUENTIAL, NULL, "Ethernet0", &why), ==, 1);
    g_assert_cmpuint(vl_ifmap_place(VL_IFMAP_SEQUENTIAL, NULL, "Ethernet7", &why), ==, 8);
    g_assert_cmpuint(vl_ifmap_place(VL_IFMAP_SEQUENTIAL, NULL, "mgmt", &why), ==, 0);
    g_clear_pointer(&why, g_free);
    g_assert_cmpuint(vl_ifmap_place(VL_IFMAP_CUSTOM, custom, "swp1", &why), ==, 3);
    g_assert_cmpuint(vl_ifmap_place(VL_IFMAP_CUSTOM, custom, "swp2", &why), ==, 0);
}

static void
test_ports_tcp(void)
{
    g_autofree char *topo = g_strdup(BASE_TOPOLOGY);
    g_autofree char *dir = NULL;
    g_autoptr(VlSpec) spec = NULL;
    VlVm *vm;
    VlNic *nic;
    char *p = strstr(topo, "\"hosts\"");

    /* insert the transport before "hosts" */
    g_autofree char *t =
        g_strdup_printf("%.*s\"link_transport\": \"tcp\", %s", (int)(p - topo), topo, p);
    dir = spec_make(t, BASE_PLATFORMS, BASE_PROFILE_A, BASE_PROFILE_B);
    spec = vl_test_spec_load(dir, NULL);
    g_assert_cmpuint(((VlLink *)g_ptr_array_index(spec->links, 0))->port_a, ==, 20000);
    vm = vl_spec_find_vm(spec, "a");
    nic = g_ptr_array_index(vm->nics, 0);
    g_assert_cmpint(nic->kind, ==, VL_NIC_SERVER);
    /* the listening end starts first */
    g_assert_cmpuint(vm->start_wave, ==, 0);
    vm = vl_spec_find_vm(spec, "b");
    g_assert_cmpuint(vm->start_wave, ==, 1);
    nic = g_ptr_array_index(vm->nics, 0);
    g_assert_cmpint(nic->kind, ==, VL_NIC_CLIENT);
    g_assert_cmpuint(nic->remote_port, ==, 20000);
    /* node j: console and ssh base + j */
    g_assert_cmpuint(vm->console_port, ==, 30001);
    g_assert_cmpuint(vm->ssh_port, ==, 40001);
    vl_test_rmtree(dir);
}

static void
test_nics_and_macs(void)
{
    g_autofree char *dir = spec_make(BASE_TOPOLOGY, BASE_PLATFORMS, BASE_PROFILE_A, BASE_PROFILE_B);
    g_autoptr(VlSpec) spec = vl_test_spec_load(dir, NULL);
    g_autoptr(VlSpec) again = vl_test_spec_load(dir, NULL);
    VlVm *a = vl_spec_find_vm(spec, "a");
    VlVm *b = vl_spec_find_vm(spec, "b");
    VlNic *an = g_ptr_array_index(a->nics, 0);
    VlNic *bn = g_ptr_array_index(b->nics, 0);

    /* Ethernet0 and Ethernet4 on stride-4: NICs 1 and 2; NIC 2 is unconnected */
    g_assert_cmpuint(a->nics->len, ==, 2);
    g_assert_cmpuint(an->local_port, ==, bn->remote_port);
    g_assert_cmpuint(bn->local_port, ==, an->remote_port);
    g_assert_cmpuint(((VlNic *)g_ptr_array_index(a->nics, 1))->local_port, ==, 0);
    /* stable across loads, distinct within the lab */
    g_assert_cmpstr(an->mac, ==,
                    ((VlNic *)g_ptr_array_index(vl_spec_find_vm(again, "a")->nics, 0))->mac);
    g_assert_cmpstr(an->mac, !=, bn->mac);
    g_assert_cmpstr(a->mgmt_mac, !=, an->mac);
    g_assert_true(g_str_has_prefix(an->mac, "52:54:"));
    vl_test_rmtree(dir);
}

static void
test_newtlab_section(void)
{
    const char *t = BASE_TOPOLOGY;
    const char *p = strstr(t, "\"vmlab\"");
    g_autofree char *u =
        g_strdup_printf("%.*s\"newtlab\"%s", (int)(p - t), t, p + strlen("\"vmlab\""));
    g_autofree char *dir = spec_make(u, BASE_PLATFORMS, BASE_PROFILE_A, BASE_PROFILE_B);
    g_autoptr(VlSpec) spec = vl_test_spec_load(dir, NULL);

    g_assert_cmpstr(spec->section, ==, "newtlab");
    g_assert_cmpuint(spec->servers->len, ==, 1);
    vl_test_rmtree(dir);
}

static void
test_json_line_column(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(json_object) o = vl_json_parse("{\n  \"a\": 1,\n  \"b\": ]\n}", 21, &err);

    g_assert_null(o);
    g_assert_error(err, VL_ERROR, VL_ERROR_INVALID);
    g_assert_true(g_str_has_prefix(err->message, "3:8:"));
}

static void
test_many_errors_at_once(void)
{
    g_autofree char *dir = spec_make(
        "{\"devices\": {\"a\": {\"interfaces\": {\"Ethernet0\": {}}}, \"b\": {\"interfaces\": {}}},"
        " \"links\": [{\"a\": \"a:Ethernet0\", \"z\": \"x:Ethernet0\"}, {\"a\": \"b:E1\", \"z\": "
        "\"a:Ethernet0\"}],"
        " \"vmlab\": {\"link_port_base\": 0}}",
        BASE_PLATFORMS, "{\"platform\": \"nope\"}", "{\"platform\": \"p\", \"vm_cpus\": -1}");
    g_autoptr(VlDiag) diag = vl_diag_new();
    g_autoptr(VlSpec) spec = vl_spec_load(dir, diag);

    g_assert_null(spec);
    g_assert_cmpuint(vl_diag_count(diag, VL_DIAG_ERROR), >=, 5);
    vl_test_rmtree(dir);
}

static void
test_write_atomic_keeps_fields(void)
{
    g_autofree char *dir = spec_make(BASE_TOPOLOGY, BASE_PLATFORMS, BASE_PROFILE_A, BASE_PROFILE_B);
    g_autofree char *path = g_build_filename(dir, "profiles", "a.json", NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(json_object) o = vl_json_load_file(path, &err);
    g_autofree char *text = NULL;

    g_assert_no_error(err);
    json_object_object_add(o, "ssh_port", json_object_new_int(40000));
    json_object_object_add(o, "platform", json_object_new_string("p"));
    g_assert_true(vl_json_write_file(path, o, 0600, &err));
    g_assert_no_error(err);
    g_file_get_contents(path, &text, NULL, NULL);
    /* order kept: platform, kept, then the new field */
    g_assert_true(strstr(text, "\"platform\"") < strstr(text, "\"kept\""));
    g_assert_true(strstr(text, "\"kept\"") < strstr(text, "\"ssh_port\""));
    vl_test_rmtree(dir);
}

/* ---- the bad-spec table ---- */

typedef struct {
    const char *name;
    const char *file; /* which file of the base spec to replace (NULL: delete topology.json) */
    const char *content;
    const char *expect;  /* the "FILE: PATH" the error must start with */
    const char *message; /* a part of the message */
} BadCase;

static const BadCase bad_cases[] = {
    /* vmlab.ftp.listen: what the FTP proxy would refuse is refused here (its own check) */
    {"ftp-listen-hostname", "topology.json",
     "{\"devices\": {\"a\": {}, \"b\": {}}, \"vmlab\": {\"ftp\": {\"listen\": \"localhost:21\"}}}",
     "topology.json: vmlab.ftp.listen: ", "'localhost' is not an IP address"},
    {"ftp-listen-no-port", "topology.json",
     "{\"devices\": {\"a\": {}, \"b\": {}}, \"vmlab\": {\"ftp\": {\"listen\": \"127.0.0.1\"}}}",
     "topology.json: vmlab.ftp.listen: ", "is not ADDR:PORT"},
    {"malformed-topology", "topology.json", "{\"name\": \"t\",\n  \"devices\": {,}}",
     "topology.json: ", "2:15"},
    {"malformed-platforms", "platforms.json", "{\"platforms\": [}", "platforms.json: ", "1:"},
    {"malformed-profile", "profiles/a.json", "{\"platform\": }", "profiles/a.json: ", "1:"},
    {"missing-topology", NULL, NULL, "topology.json: ", "cannot read"},
    {"devices-type", "topology.json", "{\"devices\": []}",
     "topology.json: devices: ", "must be an object"},
    {"links-type", "topology.json", "{\"devices\": {\"a\": {}, \"b\": {}}, \"links\": {}}",
     "topology.json: links: ", "must be an array"},
    {"unknown-device", "topology.json",
     "{\"devices\": {\"a\": {\"interfaces\": {\"Ethernet0\": {}}}, \"b\": {}},"
     " \"links\": [{\"a\": \"a:Ethernet0\", \"z\": \"leaf9:Ethernet0\"}]}",
     "topology.json: links[0].z: ", "device 'leaf9' is not defined"},
    {"undeclared-interface", "topology.json",
     "{\"devices\": {\"a\": {\"interfaces\": {\"Ethernet0\": {}}}, \"b\": {\"interfaces\": "
     "{\"Ethernet0\": {}}}},"
     " \"links\": [{\"a\": \"a:Ethernet0\", \"z\": \"b:Ethernet8\"}]}",
     "topology.json: links[0].z: ", "interface 'Ethernet8' is not declared by device 'b'"},
    {"interface-twice", "topology.json",
     "{\"devices\": {\"a\": {\"interfaces\": {\"Ethernet0\": {}}}, \"b\": {\"interfaces\": "
     "{\"Ethernet0\": {}, "
     "\"Ethernet4\": {}}}},"
     " \"links\": [{\"a\": \"a:Ethernet0\", \"z\": \"b:Ethernet0\"}, {\"a\": \"a:Ethernet0\", "
     "\"z\": \"b:Ethernet4\"}]}",
     "topology.json: links[1].a: ", "already used by links[0]"},
    {"self-link", "topology.json",
     "{\"devices\": {\"a\": {\"interfaces\": {\"Ethernet0\": {}}}, \"b\": {}},"
     " \"links\": [{\"a\": \"a:Ethernet0\", \"z\": \"a:Ethernet0\"}]}",
     "topology.json: links[0]: ", "to itself"},
    {"bad-endpoint", "topology.json",
     "{\"devices\": {\"a\": {}, \"b\": {}}, \"links\": [{\"a\": \"aEthernet0\", \"z\": \"b:x\"}]}",
     "topology.json: links[0].a: ", "not of the form"},
    {"missing-endpoint", "topology.json",
     "{\"devices\": {\"a\": {\"interfaces\": {\"Ethernet0\": {}}}, \"b\": {}}, \"links\": [{\"a\": "
     "\"a:Ethernet0\"}]}",
     "topology.json: links[0].z: ", "missing"},
    {"unknown-platform", "profiles/a.json", "{\"platform\": \"nope\"}",
     "profiles/a.json: platform: ", "platform 'nope' is not defined"},
    {"no-platform", "profiles/a.json", "{}", "profiles/a.json: platform: ", "has no platform"},
    {"stride4-cannot-place", "topology.json",
     "{\"devices\": {\"a\": {\"interfaces\": {\"Ethernet5\": {}}}, \"b\": {}}}",
     "topology.json: devices.a.interfaces.Ethernet5: ", "cannot place interface 'Ethernet5'"},
    {"duplicate-nic", "topology.json",
     "{\"devices\": {\"a\": {}, \"b\": {}, \"c\": {\"platform\": \"seq\", \"interfaces\": "
     "{\"Ethernet1\": {}, \"Port1\": {}}}}}",
     "topology.json: devices.c.interfaces.Port1: ",
     "maps to NIC 2, already used by interface 'Ethernet1'"},
    {"port-out-of-range", "topology.json",
     "{\"devices\": {\"a\": {}, \"b\": {}}, \"vmlab\": {\"link_port_base\": 70000}}",
     "topology.json: vmlab.link_port_base: ", "out of range"},
    {"port-collision", "topology.json",
     "{\"devices\": {\"a\": {}, \"b\": {}}, \"vmlab\": {\"console_port_base\": 40001}}",
     "topology.json: vmlab.ssh_port_base: ", "collide with console ports"},
    {"port-past-65535", "topology.json",
     "{\"devices\": {\"a\": {}, \"b\": {}}, \"vmlab\": {\"ssh_port_base\": 65535}}",
     "topology.json: vmlab.ssh_port_base: ", "go past 65535"},
    {"unknown-host", "profiles/a.json", "{\"platform\": \"p\", \"vm_host\": \"h9\"}",
     "profiles/a.json: vm_host: ", "host 'h9' is not defined"},
    {"missing-image", "platforms.json", "{\"platforms\": {\"p\": {}, \"seq\": {}}}",
     "profiles/a.json: vm_image: ", "has no image"},
    {"negative-memory", "platforms.json",
     "{\"platforms\": {\"p\": {\"vm_image\": \"i\", \"vm_memory\": -1}}}",
     "platforms.json: platforms.p.vm_memory: ", "between 1 and"},
    {"bad-console", "platforms.json",
     "{\"platforms\": {\"p\": {\"vm_image\": \"i\", \"vm_console\": \"serial\"}}}",
     "platforms.json: platforms.p.vm_console: ", "must be \"pty\" or \"telnet\", got serial"},
    {"console-type", "profiles/b.json", "{\"platform\": \"p\", \"vm_console\": 1}",
     "profiles/b.json: vm_console: ", "must be \"pty\" or \"telnet\", got an integer"},
    {"zero-cpus", "profiles/b.json", "{\"platform\": \"p\", \"vm_cpus\": 0}",
     "profiles/b.json: vm_cpus: ", "between 1 and"},
    {"memory-type", "platforms.json",
     "{\"platforms\": {\"p\": {\"vm_image\": \"i\", \"vm_memory\": \"4G\"}}}",
     "platforms.json: platforms.p.vm_memory: ", "must be a positive integer, got a string"},
    {"bad-transport", "topology.json",
     "{\"devices\": {\"a\": {}, \"b\": {}}, \"vmlab\": {\"link_transport\": \"sctp\"}}",
     "topology.json: vmlab.link_transport: ", "sctp"},
    {"bad-virt-type", "topology.json",
     "{\"devices\": {\"a\": {}, \"b\": {}}, \"newtlab\": {\"virt_type\": \"xen\"}}",
     "topology.json: newtlab.virt_type: ", "must be \"qemu\" or \"kvm\", got xen"},
    {"bad-host-address", "topology.json",
     "{\"devices\": {\"a\": {}, \"b\": {}}, \"vmlab\": {\"hosts\": {\"h1\": \"1.2.3\"}}}",
     "topology.json: vmlab.hosts.h1: ", "must be an IP address"},
    {"bad-interface-map", "platforms.json",
     "{\"platforms\": {\"p\": {\"vm_image\": \"i\", \"vm_interface_map\": \"stride-8\"}}}",
     "platforms.json: platforms.p.vm_interface_map: ", "stride-8"},
    {"bad-device-name", "topology.json", "{\"devices\": {\"a\": {}, \"b\": {}, \"a b\": {}}}",
     "topology.json: devices[\"a b\"]: ", "not a valid device name"},
    {"bad-cpu-feature", "platforms.json",
     "{\"platforms\": {\"p\": {\"vm_image\": \"i\", \"vm_cpu_features\": \"+ss e\"}}}",
     "platforms.json: platforms.p.vm_cpu_features: ", "not a CPU feature"},
    {"both-sections", "topology.json",
     "{\"devices\": {\"a\": {}, \"b\": {}}, \"vmlab\": {}, \"newtlab\": {}}",
     "topology.json: newtlab: ", "both"},
    {"credentials-type", "platforms.json",
     "{\"platforms\": {\"p\": {\"vm_image\": \"i\", \"vm_credentials\": {\"user\": 5}}}}",
     "platforms.json: platforms.p.vm_credentials.user: ", "must be a string"},
    {"bad-ready-pattern", "platforms.json",
     "{\"platforms\": {\"p\": {\"vm_image\": \"i\", \"vm_ready_pattern\": \"(\"}}}",
     "platforms.json: platforms.p.vm_ready_pattern: ", "not a valid regular expression"},
    {"custom-map-missing", "platforms.json",
     "{\"platforms\": {\"p\": {\"vm_image\": \"i\", \"vm_interface_map\": {\"Ethernet0\": 1}}}}",
     "topology.json: devices.a.interfaces.Ethernet4: ", "custom interface map"},
    {"custom-map-duplicate", "platforms.json",
     "{\"platforms\": {\"p\": {\"vm_image\": \"i\", \"vm_interface_map\": {\"Ethernet0\": 1, "
     "\"Ethernet4\": 1}}}}",
     "platforms.json: platforms.p.vm_interface_map.Ethernet4: ", "already mapped"},
    {"bad-lab-name", "topology.json", "{\"name\": \"my lab\", \"devices\": {\"a\": {}, \"b\": {}}}",
     "topology.json: name: ", "my lab"},
    {"lab-name-path", "topology.json",
     "{\"name\": \"../../../tmp/x\", \"devices\": {\"a\": {}, \"b\": {}}}",
     "topology.json: name: ", "must be a lab name"},
    {"lab-name-dot", "topology.json", "{\"name\": \".x\", \"devices\": {\"a\": {}, \"b\": {}}}",
     "topology.json: name: ", "'.x'"},
    {"lab-name-too-long", "topology.json",
     "{\"name\": \"a1234567890123456789012345678901234567890123456789012345678901234\", "
     "\"devices\": {\"a\": {}, \"b\": {}}}",
     "topology.json: name: ", "at most 64"},
    {"lab-name-not-string", "topology.json", "{\"name\": 7, \"devices\": {\"a\": {}, \"b\": {}}}",
     "topology.json: name: ", "must be a lab name"},
    {"missing-template", "profiles/a.json", "{\"platform\": \"p\", \"vm_template\": \"nope.xml\"}",
     "profiles/a.json: vm_template: ", "cannot be read"},
    {"tcp-cycle", "topology.json",
     "{\"devices\": {\"a\": {\"interfaces\": {\"Ethernet0\": {}, \"Ethernet4\": {}}}, \"b\": "
     "{\"interfaces\": "
     "{\"Ethernet0\": {}, \"Ethernet4\": {}}}}, \"links\": [{\"a\": \"a:Ethernet0\", \"z\": "
     "\"b:Ethernet0\"}, "
     "{\"a\": \"b:Ethernet4\", \"z\": \"a:Ethernet4\"}], \"vmlab\": {\"link_transport\": \"tcp\"}}",
     "topology.json: links[", "tcp links form a cycle"},
    {"bad-domain-prefix", "topology.json",
     "{\"devices\": {\"a\": {}, \"b\": {}}, \"vmlab\": {\"domain_prefix\": \"x y\"}}",
     "topology.json: vmlab.domain_prefix: ", "x y"},
    {"profile-not-object", "profiles/a.json", "[1, 2]",
     "profiles/a.json: ", "must be a JSON object"},
    /* links from interfaces ("link" fields), and their agreement with a links list */
    {"link-one-sided", "topology.json",
     "{\"devices\": {\"a\": {\"interfaces\": {\"Ethernet0\": {\"link\": \"b:Ethernet0\"}}},"
     " \"b\": {\"interfaces\": {\"Ethernet0\": {}}}}}",
     "topology.json: devices.a.interfaces.Ethernet0.link: ", "one-sided"},
    {"link-crossed", "topology.json",
     "{\"devices\": {\"a\": {\"interfaces\": {\"Ethernet0\": {\"link\": \"b:Ethernet0\"},"
     " \"Ethernet4\": {\"link\": \"b:Ethernet0\"}}},"
     " \"b\": {\"interfaces\": {\"Ethernet0\": {\"link\": \"a:Ethernet4\"}}}}}",
     "topology.json: devices.a.interfaces.Ethernet0.link: ",
     "whose \"link\" names 'a:Ethernet4' instead of 'a:Ethernet0'"},
    {"link-unknown-device", "topology.json",
     "{\"devices\": {\"a\": {\"interfaces\": {\"Ethernet0\": {\"link\": \"leaf9:Ethernet0\"}}},"
     " \"b\": {}}}",
     "topology.json: devices.a.interfaces.Ethernet0.link: ", "device 'leaf9' is not defined"},
    {"link-field-type", "topology.json",
     "{\"devices\": {\"a\": {\"interfaces\": {\"Ethernet0\": {\"link\": 7}}}, \"b\": {}}}",
     "topology.json: devices.a.interfaces.Ethernet0.link: ", "must be a string"},
    {"link-disagrees-with-list", "topology.json",
     "{\"devices\": {\"a\": {\"interfaces\": {\"Ethernet0\": {\"link\": \"b:Ethernet4\"}}},"
     " \"b\": {\"interfaces\": {\"Ethernet0\": {}, \"Ethernet4\": {}}}},"
     " \"links\": [{\"a\": \"a:Ethernet0\", \"z\": \"b:Ethernet0\"}]}",
     "topology.json: devices.a.interfaces.Ethernet0.link: ",
     "names 'b:Ethernet4', but links[0] joins 'a:Ethernet0' to 'b:Ethernet0'"},
    {"link-missing-from-list", "topology.json",
     "{\"devices\": {\"a\": {\"interfaces\": {\"Ethernet0\": {}, \"Ethernet4\": {\"link\": "
     "\"b:Ethernet4\"}}}, \"b\": {\"interfaces\": {\"Ethernet0\": {}, \"Ethernet4\": {\"link\": "
     "\"a:Ethernet4\"}}}}, \"links\": [{\"a\": \"a:Ethernet0\", \"z\": \"b:Ethernet0\"}]}",
     "topology.json: devices.a.interfaces.Ethernet4.link: ", "no entry of links joins"},
    /* the linux map: ethN is NIC N, eth0 is management */
    {"linux-eth0-in-links", "topology.json",
     "{\"devices\": {\"a\": {}, \"b\": {}, \"c\": {\"platform\": \"lx\", \"interfaces\": "
     "{\"eth0\": {}, \"eth1\": {}}}, \"d\": {\"platform\": \"lx\", \"interfaces\": {\"eth1\": "
     "{}}}}, \"links\": [{\"a\": \"c:eth0\", \"z\": \"d:eth1\"}]}",
     "topology.json: links[0].a: ", "management NIC"},
    {"linux-eth0-link-field", "topology.json",
     "{\"devices\": {\"a\": {}, \"b\": {}, \"c\": {\"platform\": \"lx\", \"interfaces\": "
     "{\"eth0\": {\"link\": \"d:eth1\"}}}, \"d\": {\"platform\": \"lx\", \"interfaces\": "
     "{\"eth1\": {\"link\": \"c:eth0\"}}}}}",
     "topology.json: devices.c.interfaces.eth0.link: ",
     "interface 'c:eth0' is the management NIC (NIC 0) of platform 'lx' (linux map"},
    {"linux-cannot-place", "topology.json",
     "{\"devices\": {\"a\": {}, \"b\": {}, \"c\": {\"platform\": \"lx\", \"interfaces\": "
     "{\"Ethernet0\": {}}}}}",
     "topology.json: devices.c.interfaces.Ethernet0: ", "linux map places only eth0, eth1"},
    /* host devices */
    {"host-interface-name", "topology.json",
     "{\"devices\": {\"a\": {}, \"b\": {}, \"c\": {\"type\": \"host\", \"platform\": \"lx\", "
     "\"interfaces\": {\"Ethernet0\": {}}}}}",
     "topology.json: devices.c.interfaces.Ethernet0: ", "names its interfaces as the host sees"},
    {"host-type-not-string", "topology.json",
     "{\"devices\": {\"a\": {}, \"b\": {}, \"c\": {\"type\": 1, \"platform\": \"lx\"}}}",
     "topology.json: devices.c.type: ", "must be a string"},
    {"host-ip-without-length", "profiles/a.json",
     "{\"platform\": \"p\", \"host_ip\": \"10.1.1.1\"}",
     "profiles/a.json: host_ip: ", "prefix length"},
    {"host-gateway-not-address", "profiles/a.json",
     "{\"platform\": \"p\", \"host_gateway\": \"gw\"}",
     "profiles/a.json: host_gateway: ", "an IP address"},
    {"coalesce-hosts-type", "topology.json",
     "{\"devices\": {\"a\": {}, \"b\": {}}, \"vmlab\": {\"coalesce_hosts\": \"no\"}}",
     "topology.json: vmlab.coalesce_hosts: ", "true or false"},
};

static void
test_bad_case(gconstpointer data)
{
    const BadCase *c = data;
    g_autofree char *dir = spec_make(BASE_TOPOLOGY, BASE_PLATFORMS, BASE_PROFILE_A, BASE_PROFILE_B);
    g_autoptr(VlDiag) diag = vl_diag_new();
    g_autoptr(VlSpec) spec = NULL;
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    const char *argv[] = {"validate", dir, NULL};
    gboolean found = FALSE;
    int status;

    if (c->file) {
        vl_test_write(dir, c->file, c->content);
    } else {
        g_autofree char *p = g_build_filename(dir, "topology.json", NULL);
        g_assert_cmpint(g_unlink(p), ==, 0);
    }
    /* in-process: the error is in the list, with its file and path */
    spec = vl_spec_load(dir, diag);
    g_assert_null(spec);
    for (guint i = 0; i < vl_diag_items(diag)->len; i++) {
        const VlDiagItem *item = g_ptr_array_index(vl_diag_items(diag), i);
        g_autofree char *line = vl_diag_item_format(item);
        if (item->level == VL_DIAG_ERROR && g_str_has_prefix(line, c->expect) &&
            (!c->message || strstr(line, c->message)))
            found = TRUE;
    }
    if (!found) {
        for (guint i = 0; i < vl_diag_items(diag)->len; i++) {
            g_autofree char *line = vl_diag_item_format(g_ptr_array_index(vl_diag_items(diag), i));
            g_test_message("got: %s", line);
        }
    }
    g_assert_true(found);

    /* the command: exit 2, the same line on stderr, nothing on stdout */
    status = vl_test_run(argv, &out, &err);
    g_assert_cmpint(status, ==, 2);
    g_assert_nonnull(strstr(err, c->expect));
    g_assert_cmpstr(out, ==, "");
    vl_test_rmtree(dir);
}

static void
test_validate_ok_exit(void)
{
    g_autofree char *dir = spec_make(BASE_TOPOLOGY, BASE_PLATFORMS, BASE_PROFILE_A, BASE_PROFILE_B);
    g_autofree char *out = NULL;
    const char *argv[] = {"validate", dir, NULL};

    g_assert_cmpint(vl_test_run(argv, &out, NULL), ==, 0);
    g_assert_nonnull(strstr(out, "lab 't' is valid: 2 devices, 1 link, 2 VMs"));
    vl_test_rmtree(dir);
}

/* down and status read only the lab's name: a bad one is an error, not the folder's name. */
static void
test_read_lab_name(void)
{
    g_autofree char *dir = spec_make(BASE_TOPOLOGY, BASE_PLATFORMS, BASE_PROFILE_A, BASE_PROFILE_B);
    g_autoptr(GError) err = NULL;
    g_autofree char *name = vl_spec_read_lab_name(dir, &err);
    g_autofree char *bad = NULL;
    g_autofree char *ok64 = g_strnfill(64, 'z');
    g_autofree char *long_topo = g_strdup_printf("{\"name\": \"%s\"}", ok64);

    g_assert_no_error(err);
    g_assert_cmpstr(name, ==, "t");
    vl_test_write(dir, "topology.json", "{\"name\": \"../../../tmp/x\", \"devices\": {}}");
    bad = vl_spec_read_lab_name(dir, &err);
    g_assert_null(bad);
    g_assert_error(err, VL_ERROR, VL_ERROR_INVALID);
    g_assert_nonnull(strstr(err->message, "topology.json: name: must be a lab name"));
    g_assert_nonnull(strstr(err->message, "../../../tmp/x"));
    g_clear_error(&err);
    g_clear_pointer(&name, g_free);
    vl_test_write(dir, "topology.json", long_topo);
    name = vl_spec_read_lab_name(dir, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(name, ==, ok64);
    g_assert_true(vl_spec_lab_name_check("a-b_c.9", "--lab", NULL));
    g_assert_false(vl_spec_lab_name_check("_a", "--lab", NULL));
    g_assert_false(vl_spec_lab_name_check("a\nb", "--lab", &err));
    g_assert_error(err, VL_ERROR, VL_ERROR_USAGE);
    g_assert_true(g_str_has_prefix(err->message, "--lab: must be a lab name"));
    vl_test_rmtree(dir);
}

static void
test_examples_valid(void)
{
    static const char *const specs[] = {"../specs/example", "../specs/fabric"};

    for (guint i = 0; i < G_N_ELEMENTS(specs); i++) {
        g_autofree char *dir = vl_test_srcpath(specs[i]);
        g_autoptr(VlSpec) spec = vl_test_spec_load(dir, NULL);
        g_assert_cmpuint(spec->nodes->len, >=, 3);
    }
}

/* A device's group: topology's "group", then "role", then the profile's; empty strings skipped.
 * Its role: topology's "role". */
static void
test_load_group(void)
{
    g_autofree char *dir = spec_make(
        "{\"name\": \"t\", \"devices\": {\"a\": {\"group\": \"spine\", \"role\": \"r\"},\n"
        " \"b\": {\"role\": \"leaf\"}, \"c\": {\"group\": \"\", \"platform\": \"p\"},\n"
        " \"d\": {\"platform\": \"p\"}}}\n",
        BASE_PLATFORMS, "{\"platform\": \"p\", \"group\": \"x\"}", BASE_PROFILE_B);
    g_autoptr(VlSpec) spec = NULL;

    vl_test_write(dir, "profiles/c.json", "{\"group\": 7, \"role\": \"host\"}");
    spec = vl_test_spec_load(dir, NULL);
    g_assert_cmpstr(vl_spec_find_node(spec, "a")->group, ==, "spine");
    g_assert_cmpstr(vl_spec_find_node(spec, "b")->group, ==, "leaf");
    g_assert_cmpstr(vl_spec_find_node(spec, "c")->group, ==, "host");
    g_assert_null(vl_spec_find_node(spec, "d")->group);
    /* its role as written in topology.json only (for the Ansible inventory) */
    g_assert_cmpstr(vl_spec_find_node(spec, "a")->role, ==, "r");
    g_assert_null(vl_spec_find_node(spec, "c")->role);
    vl_test_rmtree(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_setenv("VMLAB_HOME", "/vmlab-test-state", TRUE);

    g_test_add_func("/spec/load/base", test_load_base);
    g_test_add_func("/spec/load/examples", test_examples_valid);
    g_test_add_func("/spec/load/newtlab-section", test_newtlab_section);
    g_test_add_func("/spec/load/group", test_load_group);
    g_test_add_func("/spec/load/many-errors-at-once", test_many_errors_at_once);
    g_test_add_func("/spec/resolve/profile-platform-default", test_resolve_precedence);
    g_test_add_func("/spec/ifmap/places", test_ifmap);
    g_test_add_func("/spec/ports/tcp", test_ports_tcp);
    g_test_add_func("/spec/nics/udp-pairs-and-macs", test_nics_and_macs);
    g_test_add_func("/spec/json/line-column", test_json_line_column);
    g_test_add_func("/spec/json/write-keeps-fields", test_write_atomic_keeps_fields);
    g_test_add_func("/spec/validate/ok-exit", test_validate_ok_exit);
    g_test_add_func("/spec/lab-name/read", test_read_lab_name);
    for (guint i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
        g_autofree char *path = g_strdup_printf("/spec/bad/%s", bad_cases[i].name);
        g_test_add_data_func(path, &bad_cases[i], test_bad_case);
    }
    return g_test_run();
}
