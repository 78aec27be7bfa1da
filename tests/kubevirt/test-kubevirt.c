/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-kubevirt.c - `kubevirt export` golden manifests and schemas, the onDefineDomain hook */
#include "ftp-test-sshd.h"
#include "kv-test-util.h"
#include "vl-test-registry.h"
#include "vl-test-util.h"
#include "vl-xml.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Golden manifests live in tests/data/kubevirt/<case>/ (every file of the export folder). To
 * rewrite them after an intended change, run with VMLAB_TEST_REGENERATE=1 and review the diff.
 * Every export is also checked by check-manifests.py (YAML parse, JSON schemas of
 * tests/data/kubevirt-schemas, copied from ../shared/reference/kubevirt-schemas).
 */
typedef struct {
    const char *name;
    const char *spec; /* relative to tests/ */
    const char *namespace;
} ExportCase;

static const ExportCase export_cases[] = {
    {"example", "../specs/example", NULL},
    {"fabric", "../specs/fabric", "labs"},
    {"sros", "data/kubevirt/sros-spec", "routers"},
};

static char *
export_to_tmp(const ExportCase *c)
{
    return kv_test_export(c->spec, c->namespace, NULL);
}

static void
test_export_golden(gconstpointer data)
{
    const ExportCase *c = data;
    g_autofree char *out = export_to_tmp(c);
    g_autofree char *rel = g_strdup_printf("data/kubevirt/%s", c->name);

    kv_test_golden_compare(out, rel);
    kv_test_export_remove(out);
}

static void
test_export_schema(gconstpointer data)
{
    const ExportCase *c = data;
    g_autofree char *out = NULL;

    if (!kv_test_schemas_available())
        return;
    out = export_to_tmp(c);
    kv_test_assert_manifests_valid(out);
    kv_test_export_remove(out);
}

/* The checker can fail: an unknown field in a VirtualMachine and an unlisted file. */
static void
test_export_schema_rejects(void)
{
    g_autofree char *out = NULL;
    g_autofree char *tmp = NULL;
    g_autofree char *report = NULL;
    g_autofree char *vm = NULL;
    g_autofree char *text = NULL;
    g_autoptr(GString) bad = NULL;
    int status;

    if (!kv_test_schemas_available())
        return;
    out = export_to_tmp(&export_cases[2]);
    tmp = g_path_get_dirname(out);
    vm = g_build_filename(out, "vm-vsim-1-a.yaml", NULL);
    g_assert_true(g_file_get_contents(vm, &text, NULL, NULL));
    bad = g_string_new(text);
    g_assert_cmpuint(g_string_replace(bad, "  runStrategy:", "  runStrategyy:", 1), ==, 1);
    g_assert_true(g_file_set_contents(vm, bad->str, -1, NULL));
    vl_test_write(out, "extra.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
    status = kv_test_check_manifests(out, &report);
    if (status == 77) {
        g_test_skip(report);
    } else {
        g_assert_cmpint(status, ==, 1);
        g_assert_nonnull(strstr(report, "vm-vsim-1-a.yaml"));
        g_assert_nonnull(strstr(report, "runStrategyy"));
        g_assert_nonnull(strstr(report, "extra.yaml"));
    }
    vl_test_rmtree(tmp);
}

/* `-o -` prints the same objects as the folder's files, as one YAML stream. */
static void
test_export_stdout(void)
{
    const ExportCase *c = &export_cases[1];
    g_autofree char *out = export_to_tmp(c);
    g_autofree char *tmp = g_path_get_dirname(out);
    g_autofree char *spec = vl_test_srcpath(c->spec);
    g_autofree char *kust_path = g_build_filename(out, "kustomization.yaml", NULL);
    g_autofree char *kust = NULL;
    g_autofree char *stream = NULL;
    g_autoptr(GString) expected = g_string_new(NULL);
    const char *argv[] = {"kubevirt", "export", "-S", spec, "-o", "-", "--namespace", "labs", NULL};
    g_auto(GStrv) lines = NULL;

    vl_test_run_expect(30, argv, 0, &stream);
    g_assert_true(g_file_get_contents(kust_path, &kust, NULL, NULL));
    lines = g_strsplit(kust, "\n", -1);
    for (guint i = 0; lines[i]; i++) {
        g_autofree char *file = NULL;
        g_autofree char *path = NULL;
        g_autofree char *text = NULL;
        if (!g_str_has_prefix(lines[i], "  - \""))
            continue;
        file = g_strndup(lines[i] + 5, strlen(lines[i]) - 6);
        path = g_build_filename(out, file, NULL);
        g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
        g_string_append_printf(expected, "---\n%s", text);
    }
    g_assert_cmpuint(expected->len, >, 0);
    g_assert_cmpstr(stream, ==, expected->str);
    vl_test_rmtree(tmp);
}

/* A spec that cannot be exported: exit 2, every reason once, as FILE: PATH: message. */
static void
test_export_errors(void)
{
    g_autofree char *dir = vl_test_mkdtemp();
    g_autofree char *src = vl_test_srcpath("data/kubevirt/sros-spec");
    g_autofree char *out = g_build_filename(dir, "out", NULL);
    const char *files[] = {"platforms.json", "profiles/pe1.json", "profiles/pe2.json", NULL};
    const char *argv[] = {"kubevirt", "export", dir, "-o", out, NULL};
    g_autofree char *o = NULL, *e = NULL;
    int status;

    vl_test_copy_files(src, dir, files);
    vl_test_write(dir, "topology.json",
                  "{\"name\": \"Bad_Lab\", \"devices\": {\"pe1\": {}, \"pe2\": {}},\n"
                  " \"vmlab\": {\"kubevirt\": {\"images\": {\"x\": 3}, \"colour\": 1,\n"
                  "  \"disk_size\": \"lots\", \"telnet_console\": 0}}}\n");
    status = vl_test_run(argv, &o, &e);
    if (status != 2)
        vl_test_print_failure(argv, status, o, e);
    g_assert_cmpint(status, ==, 2);
    g_assert_nonnull(strstr(e, "topology.json: vmlab.kubevirt.colour: unknown key"));
    g_assert_nonnull(strstr(e, "topology.json: vmlab.kubevirt.images.x: must be an image"));
    g_assert_nonnull(strstr(e, "topology.json: vmlab.kubevirt.disk_size: must be a size"));
    g_assert_nonnull(strstr(e, "topology.json: vmlab.kubevirt.telnet_console: must be a port"));
    g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));

    /* settings fine, but names and an unmapped local image are not */
    vl_test_write(dir, "topology.json",
                  "{\"name\": \"Bad_Lab\", \"devices\": {\"pe1\": {}, \"pe2\": {}}}\n");
    g_clear_pointer(&e, g_free);
    g_clear_pointer(&o, g_free);
    status = vl_test_run(argv, &o, &e);
    if (status != 2)
        vl_test_print_failure(argv, status, o, e);
    g_assert_cmpint(status, ==, 2);
    g_assert_nonnull(strstr(e, "topology.json: name: lab name 'Bad_Lab' is not a Kubernetes"));
    vl_test_write(dir, "topology.json",
                  "{\"name\": \"lab\", \"devices\": {\"pe1\": {}, \"pe2\": {}}}\n");
    g_clear_pointer(&e, g_free);
    g_clear_pointer(&o, g_free);
    status = vl_test_run(argv, &o, &e);
    g_assert_cmpint(status, ==, 2);
    g_assert_nonnull(strstr(e, "profiles/pe2.json: sros.cpm_image: image 'cpm.img' has no entry "
                               "in vmlab.kubevirt.images"));
    g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
    vl_test_rmtree(dir);
}

/* vmlab.kubevirt.link_nad_template: the cluster's CNI for links, filled per link, and no
 * lab-wide pod affinity then. */
static void
test_export_nad_template(void)
{
    g_autofree char *dir = vl_test_mkdtemp();
    g_autofree char *src = vl_test_srcpath("../specs/example");
    const char *files[] = {"platforms.json", "profiles/r1.json", "profiles/r2.json",
                           "profiles/r3.json", NULL};
    const char *argv[] = {"kubevirt", "export", dir, "-o", "-", NULL};
    g_autofree char *out = NULL;

    vl_test_copy_files(src, dir, files);
    vl_test_write(
        dir, "topology.json",
        "{\"name\": \"ex\", \"devices\": {\"r1\": {\"interfaces\": {\"eth1\": {}}},\n"
        " \"r2\": {\"interfaces\": {\"eth1\": {}}}},\n"
        " \"links\": [{\"a\": \"r1:eth1\", \"z\": \"r2:eth1\"}],\n"
        " \"vmlab\": {\"kubevirt\": {\"images\": {\"vmlinuz\": {\"kernel_boot\": \"k:1\"}},\n"
        "  \"link_nad_template\": {\"type\": \"vxlan\", \"vni\": \"${index}\",\n"
        "   \"bridge\": {\"name\": \"${bridge}\", \"net\": \"${name}\"}}}}}\n");
    vl_test_run_expect(30, argv, 0, &out);
    g_assert_nonnull(strstr(out, "\\\"type\\\":\\\"vxlan\\\",\\\"vni\\\":\\\"1\\\""));
    g_assert_nonnull(strstr(out, "\\\"net\\\":\\\"ex-link-0\\\""));
    g_assert_null(strstr(out, "${"));
    g_assert_null(strstr(out, "podAffinity"));
    vl_test_rmtree(dir);
}

/* ---- the hook ---- */

typedef struct {
    char *dir;
    char *config;
    char *log;
} HookFixture;

static const char hook_config[] =
    "{\"lab\": \"srlab\", \"vms\": {\n"
    " \"vsim-1-a\": {\"device\": \"pe1\", \"disk\": \"cpm\", \"smbios_product\": \"TIMOS:slot=A "
    "chassis=SR-7 card=cpm5 address=10.0.2.2/24@active\", \"telnet_console\": 2300},\n"
    " \"vsim-1-1\": {\"device\": \"pe1\", \"disk\": \"iom\", \"smbios_product\": \"TIMOS:slot=1 "
    "chassis=SR-7 card=iom4-e\"}}}\n";

static void
hook_setup(HookFixture *f, gconstpointer data)
{
    f->dir = vl_test_mkdtemp();
    vl_test_write(f->dir, "hook-config.json", hook_config);
    f->config = g_build_filename(f->dir, "hook-config.json", NULL);
    f->log = g_build_filename(f->dir, "hook.log", NULL);
    g_setenv("VMLAB_HOOK_CONFIG", f->config, TRUE);
    g_setenv("VMLAB_HOOK_LOG", f->log, TRUE);
}

static void
hook_teardown(HookFixture *f, gconstpointer data)
{
    g_autofree char *pid_file = g_build_filename(f->dir, "state", "ftp-proxy.pid", NULL);
    g_autofree char *pid = NULL;

    /* a proxy a failed test left running */
    if (g_file_get_contents(pid_file, &pid, NULL, NULL) && atoi(pid) > 1)
        kill(atoi(pid), SIGTERM);
    vl_test_rmtree(f->dir);
    g_free(f->dir);
    g_free(f->config);
    g_free(f->log);
}

static int
hook_run(HookFixture *f, const char *vmi, const char *xml, char **out, char **err, gint64 *usec)
{
    return kv_test_hook_run(f->dir, vmi, xml, out, err, usec);
}

/* Return: (transfer full): the serialized node at @xpath of @xml (there must be one). */
static char *
xpath_node(const char *xml, const char *xpath)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(xmlDoc) doc = vl_xml_parse_memory(xml, strlen(xml), "hook output", &err);
    g_autoptr(xmlXPathContext) ctx = NULL;
    g_autoptr(xmlXPathObject) res = NULL;
    g_autoptr(xmlBuffer) buf = xmlBufferCreate();

    g_assert_no_error(err);
    ctx = xmlXPathNewContext(doc);
    res = xmlXPathEvalExpression(BAD_CAST xpath, ctx);
    g_assert_nonnull(res);
    g_assert_nonnull(res->nodesetval);
    g_assert_cmpint(res->nodesetval->nodeNr, ==, 1);
    xmlNodeDump(buf, doc, res->nodesetval->nodeTab[0], 0, 0);
    return g_strdup((const char *)xmlBufferContent(buf));
}

static void
assert_domain_valid(const char *xml)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(VlXmlValidator) v =
        vl_xml_validator_new("/usr/share/libvirt/schemas/domain.rng", &err);
    g_autoptr(xmlDoc) doc = NULL;

    g_assert_no_error(err);
    doc = vl_xml_parse_memory(xml, strlen(xml), "hook output", &err);
    g_assert_no_error(err);
    vl_xml_validator_check(v, doc, &err);
    g_assert_no_error(err);
}

typedef struct {
    const char *vmi;
    const char *input;    /* below tests/ */
    const char *expected; /* the whole output, below tests/ */
    const char *disk;     /* the brief's disk element */
} HookCase;

static const HookCase hook_cases[] = {
    {"vsim-1-a", "data/kubevirt/hook/domain-pvc.xml", "data/kubevirt/hook/expected-cpm.xml",
     "<disk type=\"file\" device=\"disk\"><driver name=\"qemu\" type=\"raw\" cache=\"none\"/>"
     "<source file=\"/var/run/kubevirt-private/vmi-disks/rootdisk/disk.img\"/><backingStore/>"
     "<target dev=\"vda\" bus=\"virtio\"/><boot order=\"1\"/><alias name=\"ua-rootdisk\"/>"
     "<address type=\"pci\" domain=\"0x0000\" bus=\"0x07\" slot=\"0x00\" function=\"0x0\"/>"
     "</disk>"},
    {"vsim-1-1", "data/kubevirt/hook/domain-containerdisk.xml",
     "data/kubevirt/hook/expected-iom.xml",
     "<disk type=\"file\" device=\"disk\"><driver name=\"qemu\" type=\"qcow2\" cache=\"none\"/>"
     "<source file=\"/var/run/kubevirt-ephemeral-disks/disk-data/containerdisk/disk.qcow2\"/>"
     "<backingStore type=\"file\"><format type=\"qcow2\"/>"
     "<source file=\"/var/run/kubevirt/container-disks/disk_0.img\"/></backingStore>"
     "<target dev=\"vda\" bus=\"virtio\"/><boot order=\"1\"/>"
     "<alias name=\"ua-containerdisk\"/>"
     "<address type=\"pci\" domain=\"0x0000\" bus=\"0x07\" slot=\"0x00\" function=\"0x0\"/>"
     "</disk>"},
};

/* Strips the whitespace between tags, so a disk element compares by content. */
static char *
squeeze(const char *xml)
{
    g_autoptr(GRegex) re = g_regex_new(">\\s+<", G_REGEX_DEFAULT, G_REGEX_MATCH_DEFAULT, NULL);

    return g_regex_replace_literal(re, xml, -1, 0, "><", G_REGEX_MATCH_DEFAULT, NULL);
}

static void
test_hook_edit(HookFixture *f, gconstpointer data)
{
    const HookCase *c = data;
    g_autofree char *vmi = kv_test_vmi_json(c->vmi);
    g_autofree char *xml = kv_test_read_data(c->input);
    g_autofree char *first = NULL;
    g_autofree char *disk = NULL;
    g_autofree char *squeezed = NULL;
    g_autofree char *product = NULL;
    g_autofree char *log = NULL;
    g_autofree char *exp_path = vl_test_srcpath(c->expected);
    const char *cur = xml;
    char *outputs[3] = {NULL};

    for (guint i = 0; i < 3; i++) {
        g_autofree char *err = NULL;
        gint64 usec = 0;
        int status = hook_run(f, vmi, cur, &outputs[i], &err, &usec);
        if (status != 0) {
            const char *argv[] = {"onDefineDomain", "--vmi", vmi, "--domain", "...", NULL};
            vl_test_print_failure(argv, status, outputs[i], err);
        }
        g_assert_cmpint(status, ==, 0);
        g_assert_cmpstr(err, ==, "");
        g_assert_cmpint(usec, <, 2 * G_USEC_PER_SEC);
        /* stdout holds only the domain */
        g_assert_true(g_str_has_prefix(outputs[i], "<domain"));
        g_assert_true(g_str_has_suffix(outputs[i], "</domain>\n"));
        assert_domain_valid(outputs[i]);
        cur = outputs[i];
    }
    /* idempotent: the second and third call (on its own output) change nothing */
    g_assert_cmpstr(outputs[1], ==, outputs[0]);
    g_assert_cmpstr(outputs[2], ==, outputs[0]);
    first = outputs[0];
    g_free(outputs[1]);
    g_free(outputs[2]);

    disk = xpath_node(first, "/domain/devices/disk[1]");
    squeezed = squeeze(disk);
    g_assert_cmpstr(squeezed, ==, c->disk);
    product = xpath_node(first, "/domain/sysinfo/system/entry[@name='product']/text()");
    g_assert_true(g_str_has_prefix(product, "TIMOS:slot="));
    /* the SMBIOS uuid entry is KubeVirt's and stays */
    g_free(product);
    product = xpath_node(first, "/domain/sysinfo/system/entry[@name='uuid']/text()");
    g_assert_cmpstr(product, ==, "6f1e4a52-8c33-5e2b-9a1d-0d4c7e2b91a3");
    g_free(xpath_node(first, "/domain/os/smbios[@mode='sysinfo']"));
    if (g_str_equal(c->vmi, "vsim-1-a")) {
        g_free(xpath_node(first, "/domain/devices/serial[@type='tcp']/protocol[@type='telnet']"));
        g_free(xpath_node(first, "/domain/devices/serial/source[@service='2300']"));
        g_free(xpath_node(first, "/domain/devices/console[@type='tcp']"));
    } else {
        g_free(xpath_node(first, "/domain/devices/serial[@type='unix']"));
        g_free(xpath_node(first, "/domain/devices/console[@type='pty']"));
    }
    /* everything else as it was: the interfaces, the earlier sidecar's qemu:commandline */
    g_free(xpath_node(first, "/domain/devices/interface[alias/@name='ua-default']"));
    g_assert_nonnull(strstr(first, "<qemu:commandline>"));

    if (g_getenv("VMLAB_TEST_REGENERATE")) {
        g_assert_true(g_file_set_contents(exp_path, first, -1, NULL));
    } else {
        g_autofree char *exp = NULL;
        g_assert_true(g_file_get_contents(exp_path, &exp, NULL, NULL));
        g_assert_cmpstr(first, ==, exp);
    }
    g_assert_true(g_file_get_contents(f->log, &log, NULL, NULL));
    g_assert_nonnull(strstr(log, "domain edited"));
}

/* The same hook through `vmlab-virt kubevirt hook onDefineDomain`. */
static void
test_hook_subcommand(HookFixture *f, gconstpointer data)
{
    g_autofree char *vmi = kv_test_vmi_json("vsim-1-1");
    g_autofree char *xml = kv_test_read_data("data/kubevirt/hook/domain-containerdisk.xml");
    g_autofree char *exp = kv_test_read_data("data/kubevirt/hook/expected-iom.xml");
    g_autofree char *out = NULL;
    const char *argv[] = {"kubevirt", "hook", "onDefineDomain", "--vmi", vmi, "--domain",
                          xml,        NULL};

    vl_test_run_expect(10, argv, 0, &out);
    g_assert_cmpstr(out, ==, exp);
}

static void
test_hook_bad_input(HookFixture *f, gconstpointer data)
{
    g_autofree char *good_vmi = kv_test_vmi_json("vsim-1-1");
    g_autofree char *unknown_vmi = kv_test_vmi_json("vsim-9-a");
    g_autofree char *xml = kv_test_read_data("data/kubevirt/hook/domain-containerdisk.xml");
    struct {
        const char *vmi;
        const char *xml;
        const char *config; /* NULL: the fixture's */
        const char *log;
    } cases[] = {
        {unknown_vmi, xml, NULL, "VMI vsim-9-a: hook configuration"},
        {good_vmi, "<domain><devices>", NULL, "VMI vsim-1-1: domain XML"},
        {good_vmi, "<notdomain/>", NULL, "VMI vsim-1-1: domain XML: the root element"},
        {good_vmi, "<domain><name>x</name></domain>", NULL,
         "VMI vsim-1-1: domain XML: the first disk has no"},
        {"{not json", xml, NULL, "VMI ?: --vmi: not JSON"},
        {good_vmi, xml, "/nonexistent/hook-config.json", "/nonexistent/hook-config.json"},
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *out = NULL, *err = NULL, *log = NULL;
        int status;
        g_auto(GStrv) lines = NULL;

        g_remove(f->log);
        g_setenv("VMLAB_HOOK_CONFIG", cases[i].config ? cases[i].config : f->config, TRUE);
        status = hook_run(f, cases[i].vmi, cases[i].xml, &out, &err, NULL);
        g_assert_cmpint(status, !=, 0);
        g_assert_cmpstr(out, ==, "");
        g_assert_true(g_file_get_contents(f->log, &log, NULL, NULL));
        lines = g_strsplit(g_strchomp(log), "\n", -1);
        g_assert_cmpuint(g_strv_length(lines), ==, 1);
        if (!strstr(log, cases[i].log))
            g_printerr("# case %u: log '%s' lacks '%s'\n", i, log, cases[i].log);
        g_assert_nonnull(strstr(log, cases[i].log));
    }
    g_setenv("VMLAB_HOOK_CONFIG", f->config, TRUE);
}

/*
 * The hook starts its router's FTP proxy once: three calls, each quick, leave one proxy (the pid
 * file's) that serves the router's translated tree and creates its config folder on demand. The
 * backend is a local folder, or (@data "sftp") the same folder behind the test's own sshd.
 */
static void
test_hook_ftp_proxy(HookFixture *f, gconstpointer data)
{
    gboolean sftp = data && g_str_equal(data, "sftp");
    guint port = vl_test_free_port();
    g_autofree char *listen = g_strdup_printf("127.0.0.1:%u", port);
    g_autofree char *backend = g_build_filename(f->dir, "backend", NULL);
    g_autofree char *state = g_build_filename(f->dir, "state", NULL);
    g_autofree char *pid_file = g_build_filename(state, "ftp-proxy.pid", NULL);
    g_autofree char *client_key = g_build_filename(f->dir, "client_key", NULL);
    g_autofree char *known_hosts = g_build_filename(f->dir, "known_hosts", NULL);
    FtpTestSshd sshd = {f->dir, client_key, known_hosts, 0, NULL};
    g_autofree char *backend_json = NULL;
    g_autofree char *config = NULL;
    g_autofree char *vmi = kv_test_vmi_json("vsim-1-1");
    g_autofree char *xml = kv_test_read_data("data/kubevirt/hook/domain-containerdisk.xml");
    g_autofree char *saved_path = g_build_filename(backend, "data/cfgs/srlab/pe1/pe1.cfg", NULL);

    if (sftp) {
        if (!g_file_test(FTP_TEST_SSHD, G_FILE_TEST_IS_EXECUTABLE) || getuid() != 0) {
            g_test_skip("needs " FTP_TEST_SSHD " (openssh-server) and root");
            return;
        }
        ftp_test_keygen(client_key);
        ftp_test_sshd_start(&sshd);
        /* on the SFTP server the targets are its absolute paths (the login is root) */
        backend_json = g_strdup_printf("{\"type\": \"sftp\", \"host\": \"127.0.0.1\", "
                                       "\"port\": %u, \"user\": \"root\", \"private_key\": "
                                       "\"%s\", \"known_hosts\": \"%s\", \"timeout\": 10}",
                                       sshd.port, client_key, known_hosts);
    } else {
        backend_json = g_strdup_printf("{\"type\": \"local\", \"root\": \"%s\"}", backend);
    }
    config = g_strdup_printf(
        "{\"lab\": \"srlab\", \"ftp\": {\"backend\": %s, \"login\": \"sw\", \"password\": "
        "\"sw123\"},\n \"vms\": {\"vsim-1-1\": {\"device\": \"pe1\", \"disk\": \"iom\", "
        "\"timos_path\": \"%s/images/sros-24.3\", \"config_path\": "
        "\"%s/data/cfgs/srlab/pe1\"}}}\n",
        backend_json, sftp ? backend : "", sftp ? backend : "");
    vl_test_write(f->dir, "hook-config.json", config);
    vl_test_write(backend, "images/sros-24.3/i386-iom.tim", "TiMOS IOM image\n");
    g_setenv("VMLAB_HOOK_FTP_LISTEN", listen, TRUE);
    g_setenv("VMLAB_HOOK_STATE_DIR", state, TRUE);
    kv_test_hook_run_thrice(f->dir, vmi, xml, pid_file);

    kv_test_assert_router_ftp(listen, f->dir, saved_path);

    kv_test_proxy_stop();
    g_unsetenv("VMLAB_HOOK_FTP_LISTEN");
    g_unsetenv("VMLAB_HOOK_STATE_DIR");
    ftp_test_sshd_stop(&sshd);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (guint i = 0; i < G_N_ELEMENTS(export_cases); i++) {
        g_autofree char *golden =
            g_strdup_printf("/kubevirt/export/golden/%s", export_cases[i].name);
        g_autofree char *schema =
            g_strdup_printf("/kubevirt/export/schema/%s", export_cases[i].name);
        g_test_add_data_func(golden, &export_cases[i], test_export_golden);
        g_test_add_data_func(schema, &export_cases[i], test_export_schema);
    }
    g_test_add_func("/kubevirt/export/schema-rejects", test_export_schema_rejects);
    g_test_add_func("/kubevirt/export/stdout", test_export_stdout);
    g_test_add_func("/kubevirt/export/errors", test_export_errors);
    g_test_add_func("/kubevirt/export/nad-template", test_export_nad_template);
    g_test_add("/kubevirt/hook/cpm-pvc", HookFixture, &hook_cases[0], hook_setup, test_hook_edit,
               hook_teardown);
    g_test_add("/kubevirt/hook/iom-containerdisk", HookFixture, &hook_cases[1], hook_setup,
               test_hook_edit, hook_teardown);
    g_test_add("/kubevirt/hook/subcommand", HookFixture, NULL, hook_setup, test_hook_subcommand,
               hook_teardown);
    g_test_add("/kubevirt/hook/ftp-proxy/local", HookFixture, "local", hook_setup,
               test_hook_ftp_proxy, hook_teardown);
    g_test_add("/kubevirt/hook/ftp-proxy/sftp", HookFixture, "sftp", hook_setup,
               test_hook_ftp_proxy, hook_teardown);
    g_test_add("/kubevirt/hook/bad-input", HookFixture, NULL, hook_setup, test_hook_bad_input,
               hook_teardown);
    return g_test_run();
}
