/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-sros-xslt.c - the SR OS CPM/IOM disk-layout stylesheets, applied in-process */
#include "vl-test-xslt.h"

#include <glib/gstdio.h>
#include <libxml/tree.h>
#include <libxslt/xsltInternals.h>
#include <string.h>

static void
run_kubevirt_case(const char *stylesheet, const char **params, const char *expected_name,
                  VlTestXsltLayout layout)
{
    g_autofree char *input_path = vl_test_xslt_data_path("kubevirt-domain.xml");
    g_autofree char *expected_path = vl_test_xslt_data_path(expected_name);
    g_autoptr(xsltStylesheet) style = vl_test_xslt_load(stylesheet);
    g_autoptr(xmlDoc) input = vl_test_xslt_parse_file(input_path);
    g_autoptr(xmlDoc) expected = vl_test_xslt_parse_file(expected_path);
    g_autofree char *messages = NULL;
    g_autofree char *out = vl_test_xslt_apply(style, input, params, &messages);

    if (out == NULL)
        g_error("%s failed: %s", stylesheet, messages);
    vl_test_xslt_check_output(input, out, xmlDocGetRootElement(expected), layout);
}

static void
test_cpm_kubevirt(void)
{
    run_kubevirt_case("sros-cpm-disk.xsl", vl_test_xslt_cpm_params, "expected-cpm-disk.xml",
                      VL_TEST_XSLT_CPM);
}

static void
test_iom_kubevirt(void)
{
    run_kubevirt_case("sros-iom-disk.xsl", vl_test_xslt_iom_params, "expected-iom-disk.xml",
                      VL_TEST_XSLT_IOM);
}

/* A compact domain like our own renderer's: no whitespace, a CD-ROM before the first disk, a
 * disk without device attribute (libvirt's default 'disk') on IDE named hda, a second disk. */
static const char compact_domain[] =
    "<domain type='qemu'><name>vsim-2-a</name><memory unit='MiB'>4096</memory>"
    "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>"
    "<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>"
    "<source file='/images/seed.iso'/><target dev='hdc' bus='ide'/><readonly/></disk>"
    "<disk type='file'><driver name='qemu' type='qcow2' cache='writeback'/>"
    "<source file='/images/old.qcow2'/><target dev='hda' bus='ide'/><serial>ABC</serial></disk>"
    "<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
    "<source file='/images/data.img'/><target dev='vdb' bus='virtio'/></disk>"
    "<interface type='user'><mac address='52:54:00:00:02:01'/><model type='virtio'/></interface>"
    "</devices></domain>";

static void
test_cpm_compact(void)
{
    g_autoptr(xsltStylesheet) style = vl_test_xslt_load("sros-cpm-disk.xsl");
    g_autoptr(xmlDoc) input = vl_test_xslt_parse_string(compact_domain);
    g_autoptr(xmlDoc) expected = vl_test_xslt_parse_string(
        "<disk type='file' device='disk'><driver name='qemu' type='raw' cache='none'/>"
        "<source file='" VL_TEST_XSLT_CPM_DISK "'/><backingStore/>"
        "<target dev='hda' bus='virtio'/></disk>");
    g_autofree char *messages = NULL;
    g_autofree char *out = vl_test_xslt_apply(style, input, vl_test_xslt_cpm_params, &messages);

    if (out == NULL)
        g_error("sros-cpm-disk.xsl failed: %s", messages);
    vl_test_xslt_check_output(input, out, xmlDocGetRootElement(expected), VL_TEST_XSLT_CPM);
    /* Compact stays compact: no whitespace text was added to the new disk. */
    {
        g_autoptr(xmlDoc) doc = vl_test_xslt_parse_string(out);
        for (xmlNode *n = vl_test_xslt_first_disk(doc)->children; n; n = n->next)
            g_assert_cmpint(n->type, ==, XML_ELEMENT_NODE);
    }
}

static void
test_iom_compact(void)
{
    g_autoptr(xsltStylesheet) style = vl_test_xslt_load("sros-iom-disk.xsl");
    g_autoptr(xmlDoc) input = vl_test_xslt_parse_string(compact_domain);
    g_autoptr(xmlDoc) expected = vl_test_xslt_parse_string(
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='none'/>"
        "<source file='" VL_TEST_XSLT_IOM_OVERLAY
        "'/><backingStore type='file'><format type='qcow2'/>"
        "<source file='" VL_TEST_XSLT_IOM_BASE
        "'/></backingStore><target dev='hda' bus='virtio'/></disk>");
    g_autofree char *messages = NULL;
    g_autofree char *out = vl_test_xslt_apply(style, input, vl_test_xslt_iom_params, &messages);

    if (out == NULL)
        g_error("sros-iom-disk.xsl failed: %s", messages);
    vl_test_xslt_check_output(input, out, xmlDocGetRootElement(expected), VL_TEST_XSLT_IOM);
}

typedef struct {
    const char *stylesheet;
    const char *params[5];
    const char *message;
} FailCase;

static const FailCase fail_cases[] = {
    {"sros-cpm-disk.xsl", {NULL}, "missing string parameter 'disk_path'"},
    {"sros-cpm-disk.xsl", {"disk_path", "", NULL}, "missing string parameter 'disk_path'"},
    {"sros-cpm-disk.xsl", {"disk_path", "disk.img", NULL}, "'disk.img' is not an absolute path"},
    {"sros-cpm-disk.xsl",
     {"overlay_path", VL_TEST_XSLT_IOM_OVERLAY, NULL},
     "missing string parameter 'disk_path'"},
    {"sros-iom-disk.xsl", {NULL}, "missing string parameter 'overlay_path'"},
    {"sros-iom-disk.xsl",
     {"overlay_path", VL_TEST_XSLT_IOM_OVERLAY, NULL},
     "missing string parameter 'base_path'"},
    {"sros-iom-disk.xsl",
     {"base_path", VL_TEST_XSLT_IOM_BASE, NULL},
     "missing string parameter 'overlay_path'"},
    {"sros-iom-disk.xsl",
     {"disk_path", VL_TEST_XSLT_CPM_DISK, NULL},
     "missing string parameter 'overlay_path'"},
    {"sros-iom-disk.xsl",
     {"overlay_path", VL_TEST_XSLT_IOM_OVERLAY, "base_path", "disk_0.img", NULL},
     "base_path 'disk_0.img' is not an absolute path"},
    {"sros-iom-disk.xsl",
     {"overlay_path", VL_TEST_XSLT_IOM_BASE, "base_path", VL_TEST_XSLT_IOM_BASE, NULL},
     "overlay_path and base_path are the same file"},
};

static void
test_missing_params(void)
{
    g_autofree char *input_path = vl_test_xslt_data_path("kubevirt-domain.xml");
    g_autoptr(xmlDoc) input = vl_test_xslt_parse_file(input_path);

    for (gsize i = 0; i < G_N_ELEMENTS(fail_cases); i++) {
        const FailCase *c = &fail_cases[i];
        g_autoptr(xsltStylesheet) style = vl_test_xslt_load(c->stylesheet);
        g_autofree char *messages = NULL;
        g_autofree char *out =
            vl_test_xslt_apply(style, input, (const char **)c->params, &messages);

        g_test_message("case %" G_GSIZE_FORMAT ": %s: %s", i, c->stylesheet, messages);
        g_assert_null(out);
        if (strstr(messages, c->message) == NULL)
            g_error("case %" G_GSIZE_FORMAT ": '%s' lacks '%s'", i, messages, c->message);
    }
}

/* Inputs the stylesheets cannot rewrite stop them instead of passing through unchanged. */
static void
test_no_disk(void)
{
    static const char *const inputs[][2] = {
        {"<domain type='qemu'><name>x</name><devices><disk type='file' device='cdrom'>"
         "<target dev='hdc' bus='ide'/></disk></devices></domain>",
         "no disk with device='disk'"},
        {"<domain type='qemu'><name>x</name><devices><disk type='file' device='disk'>"
         "<source file='/a.img'/></disk></devices></domain>",
         "the first disk has no target dev"},
        {"<network><name>x</name></network>", "not a libvirt domain"},
    };
    const char *styles[] = {"sros-cpm-disk.xsl", "sros-iom-disk.xsl"};
    const char **params[] = {vl_test_xslt_cpm_params, vl_test_xslt_iom_params};

    for (gsize s = 0; s < G_N_ELEMENTS(styles); s++) {
        g_autoptr(xsltStylesheet) style = vl_test_xslt_load(styles[s]);

        for (gsize i = 0; i < G_N_ELEMENTS(inputs); i++) {
            g_autoptr(xmlDoc) input = vl_test_xslt_parse_string(inputs[i][0]);
            g_autofree char *messages = NULL;
            g_autofree char *out = vl_test_xslt_apply(style, input, params[s], &messages);

            g_assert_null(out);
            if (strstr(messages, inputs[i][1]) == NULL)
                g_error("%s, input %" G_GSIZE_FORMAT ": '%s' lacks '%s'", styles[s], i, messages,
                        inputs[i][1]);
        }
    }
}

/* The checks can fail: a broken disk is refused by the schema and by libvirt, a changed node
 * outside the first disk is seen, and a stylesheet writing a file is stopped by the prefs. */
static void
test_checks_can_fail(void)
{
    g_autofree char *input_path = vl_test_xslt_data_path("kubevirt-domain.xml");
    g_autoptr(xmlDoc) input = vl_test_xslt_parse_file(input_path);
    g_autoptr(xmlDoc) changed = xmlCopyDoc(input, 1);
    g_autoptr(xmlDoc) broken = vl_test_xslt_parse_string(
        "<domain type='kvm'><name>b</name><memory>1024</memory><os><type>hvm</type></os>"
        "<devices><disk type='file' device='disk'><driver name='qemu' type='raw'/>"
        "<source file='/a.img'/><target bus='virtio'/></disk></devices></domain>");
    g_autoptr(GString) where = g_string_new("");
    g_autofree char *problems = vl_test_xslt_rng_problems(broken);
    g_autofree char *define_error = NULL;
    g_autofree char *back = NULL;
    g_autofree char *written = g_build_filename(g_get_tmp_dir(), "test-sros-xslt-forbidden", NULL);
    g_autofree char *writer = g_strdup_printf(
        "<xsl:stylesheet version='1.1' xmlns:xsl='http://www.w3.org/1999/XSL/Transform'>"
        "<xsl:template match='/'><xsl:document href='%s'><x/></xsl:document><ok/></xsl:template>"
        "</xsl:stylesheet>",
        written);
    xmlDoc *writer_doc = vl_test_xslt_parse_string(writer);
    g_autoptr(xsltStylesheet) writer_style = xsltParseStylesheetDoc(writer_doc);
    g_autofree char *messages = NULL;
    g_autofree char *out = NULL;
    xmlNode *iface;

    g_assert_nonnull(problems);
    back = vl_test_xslt_define_on_test_driver(
        "<domain type='kvm'><name>b</name><memory>1024</memory><os><type>hvm</type></os>"
        "<devices><disk type='file' device='disk'><source file='/a.img'/>"
        "<target dev='vda' bus='nope'/></disk></devices></domain>",
        &define_error);
    g_assert_null(back);
    g_assert_nonnull(define_error);

    iface = vl_test_xslt_nth_child(
        vl_test_xslt_nth_child(xmlDocGetRootElement(changed), "devices", 0), "interface", 1);
    xmlSetProp(vl_test_xslt_nth_child(iface, "mtu", 0), BAD_CAST "size", BAD_CAST "1500");
    g_assert_false(vl_test_xslt_compare_nodes(
        xmlDocGetRootElement(input), xmlDocGetRootElement(changed), TRUE,
        vl_test_xslt_first_disk(input), vl_test_xslt_first_disk(changed), where));
    g_assert_nonnull(strstr(where->str, "mtu/@size"));

    g_assert_nonnull(writer_style);
    g_unlink(written);
    out = vl_test_xslt_apply(writer_style, input, (const char *[]){NULL}, &messages);
    g_assert_null(out);
    g_assert_nonnull(strstr(messages, "refused"));
    g_assert_false(g_file_test(written, G_FILE_TEST_EXISTS));
}

int
main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    vl_test_xslt_init();

    g_test_add_func("/sros/xslt/cpm/kubevirt", test_cpm_kubevirt);
    g_test_add_func("/sros/xslt/iom/kubevirt", test_iom_kubevirt);
    g_test_add_func("/sros/xslt/cpm/compact", test_cpm_compact);
    g_test_add_func("/sros/xslt/iom/compact", test_iom_compact);
    g_test_add_func("/sros/xslt/missing-params", test_missing_params);
    g_test_add_func("/sros/xslt/no-disk", test_no_disk);
    g_test_add_func("/sros/xslt/checks-can-fail", test_checks_can_fail);
    ret = g_test_run();

    vl_test_xslt_cleanup();
    return ret;
}
