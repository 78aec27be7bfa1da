/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-sros-xslt.c - the SR OS CPM/IOM disk-layout stylesheets, in-process and with xsltproc */
#include "vl-fs.h"

#include <glib/gstdio.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>
#include <libxslt/security.h>
#include <libxslt/transform.h>
#include <libxslt/variables.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/xsltutils.h>
#include <string.h>

#define DOMAIN_RNG "/usr/share/libvirt/schemas/domain.rng"

#define CPM_DISK    "/var/lib/vmlab/labs/sros/vsim-2-a/disk.img"
#define IOM_OVERLAY "/var/lib/vmlab/labs/sros/vsim-2-1/disk.qcow2"
#define IOM_BASE    "/var/lib/vmlab/images/sros/disk_0.img"
#define PARSE_OPTS  (XML_PARSE_NONET | XML_PARSE_NOCDATA)

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xsltStylesheet, xsltFreeStylesheet)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xsltTransformContext, xsltFreeTransformContext)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xsltSecurityPrefs, xsltFreeSecurityPrefs)

/* ---- small helpers (to be merged into the shared src/render XML helper later) ---- */

/* Messages of libxml2/libxslt (xsl:message among them) go here instead of stderr. */
static GString *xml_messages;

static void G_GNUC_PRINTF(2, 3) collect_message(void *ctx, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_string_append_vprintf(xml_messages, fmt, ap);
    va_end(ap);
}

static void
silent_libvirt_error(void *data, virErrorPtr err)
{
}

static char *
data_path(const char *name)
{
    return g_test_build_filename(G_TEST_DIST, "data", "sros-xslt", name, NULL);
}

static char *
stylesheet_path(const char *name)
{
    g_autofree char *dir = vl_fs_data_dir("xslt");
    return g_build_filename(dir, name, NULL);
}

static xmlDoc *
parse_file(const char *path)
{
    xmlDoc *doc = xmlReadFile(path, NULL, PARSE_OPTS);

    if (doc == NULL)
        g_error("cannot parse '%s': %s", path, xml_messages->str);
    return doc;
}

static xmlDoc *
parse_string(const char *text)
{
    xmlDoc *doc = xmlReadMemory(text, (int)strlen(text), "string.xml", NULL, PARSE_OPTS);

    if (doc == NULL)
        g_error("cannot parse XML: %s\n%s", xml_messages->str, text);
    return doc;
}

static xsltStylesheet *
load_stylesheet(const char *name)
{
    g_autofree char *path = stylesheet_path(name);
    xmlDoc *doc = parse_file(path);
    xsltStylesheet *style = xsltParseStylesheetDoc(doc);

    if (style == NULL)
        g_error("cannot compile '%s': %s", path, xml_messages->str);
    return style;
}

/**
 * apply:
 * @params: NULL-terminated name, value, ... pairs, passed as strings (like --stringparam)
 * @out_messages: (out) (optional): what the transform reported (xsl:message)
 *
 * Applies @style to @doc in-process, with file writes, folder creation and network access
 * forbidden, and serializes the result with the stylesheet's xsl:output.
 * Return: (transfer full) (nullable): the output text, NULL if the transform failed or stopped.
 */
static char *
apply(xsltStylesheet *style, xmlDoc *doc, const char **params, char **out_messages)
{
    g_autoptr(xsltSecurityPrefs) prefs = xsltNewSecurityPrefs();
    g_autoptr(xsltTransformContext) ctxt = xsltNewTransformContext(style, doc);
    g_autoptr(xmlDoc) res = NULL;
    xmlChar *text = NULL;
    int len = 0;
    char *out = NULL;

    g_string_truncate(xml_messages, 0);
    g_assert_nonnull(prefs);
    g_assert_nonnull(ctxt);
    g_assert_cmpint(xsltSetSecurityPrefs(prefs, XSLT_SECPREF_WRITE_FILE, xsltSecurityForbid), ==,
                    0);
    g_assert_cmpint(xsltSetSecurityPrefs(prefs, XSLT_SECPREF_CREATE_DIRECTORY, xsltSecurityForbid),
                    ==, 0);
    g_assert_cmpint(xsltSetSecurityPrefs(prefs, XSLT_SECPREF_READ_NETWORK, xsltSecurityForbid), ==,
                    0);
    g_assert_cmpint(xsltSetSecurityPrefs(prefs, XSLT_SECPREF_WRITE_NETWORK, xsltSecurityForbid), ==,
                    0);
    g_assert_cmpint(xsltSetCtxtSecurityPrefs(prefs, ctxt), ==, 0);
    xsltSetTransformErrorFunc(ctxt, NULL, collect_message);
    g_assert_cmpint(xsltQuoteUserParams(ctxt, params), ==, 0);

    res = xsltApplyStylesheetUser(style, doc, NULL, NULL, NULL, ctxt);
    if (res != NULL && ctxt->state == XSLT_STATE_OK &&
        xsltSaveResultToString(&text, &len, res, style) == 0 && text != NULL) {
        out = g_strndup((const char *)text, (gsize)len);
    }
    xmlFree(text);
    if (out_messages)
        *out_messages = g_strdup(xml_messages->str);
    return out;
}

/* Return: (transfer none): the first <disk> with device 'disk' (or none) under /domain/devices. */
static xmlNode *
first_disk(xmlDoc *doc)
{
    xmlNode *root = xmlDocGetRootElement(doc);

    g_assert_nonnull(root);
    g_assert_cmpstr((const char *)root->name, ==, "domain");
    for (xmlNode *dev = root->children; dev; dev = dev->next) {
        if (dev->type != XML_ELEMENT_NODE || !xmlStrEqual(dev->name, BAD_CAST "devices"))
            continue;
        for (xmlNode *n = dev->children; n; n = n->next) {
            g_autofree xmlChar *device = NULL;

            if (n->type != XML_ELEMENT_NODE || !xmlStrEqual(n->name, BAD_CAST "disk"))
                continue;
            device = xmlGetProp(n, BAD_CAST "device");
            if (device == NULL || xmlStrEqual(device, BAD_CAST "disk"))
                return n;
        }
    }
    return NULL;
}

/* Return: (transfer none): the @index-th (0-based) child element of @parent named @name. */
static xmlNode *
nth_child(xmlNode *parent, const char *name, guint index)
{
    for (xmlNode *n = parent ? parent->children : NULL; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, BAD_CAST name) && index-- == 0)
            return n;
    return NULL;
}

/* Return: (transfer none): the next <disk> sibling after @disk (the second disk in the tests). */
static xmlNode *
next_disk(xmlNode *disk)
{
    for (xmlNode *n = disk->next; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, BAD_CAST "disk"))
            return n;
    return NULL;
}

static gboolean
is_blank_text(const xmlNode *n)
{
    return n->type == XML_TEXT_NODE && xmlIsBlankNode((xmlNode *)n);
}

/* Return: the next sibling from @n on that takes part in a comparison. */
static xmlNode *
next_significant(xmlNode *n, gboolean keep_blanks)
{
    while (n && (n->type == XML_ATTRIBUTE_NODE || (!keep_blanks && is_blank_text(n))))
        n = n->next;
    return n;
}

static const char *
ns_href(const xmlNode *n)
{
    return n->ns && n->ns->href ? (const char *)n->ns->href : "";
}

/**
 * compare_nodes:
 * @a: @b: the nodes
 * @keep_blanks: whitespace-only text counts too (FALSE: ignored, for indentation-independent
 * checks)
 * @skip_a: @skip_b: (nullable): nodes that must sit at the same place and are not compared
 * @where: the path so far, and on a mismatch what differs
 *
 * Compares structurally: node type, element names and namespaces, attributes as sets (name,
 * namespace, value), text and comments, and children in order.
 * Return: TRUE if equal.
 */
static gboolean
compare_nodes(xmlNode *a, xmlNode *b, gboolean keep_blanks, xmlNode *skip_a, xmlNode *skip_b,
              GString *where)
{
    gsize mark = where->len;
    xmlNode *ca;
    xmlNode *cb;
    guint na = 0;
    guint nb = 0;

    if (a == skip_a || b == skip_b) {
        if (a == skip_a && b == skip_b)
            return TRUE;
        g_string_append(where, ": the skipped node is not at the same place");
        return FALSE;
    }
    if (a->type != b->type) {
        g_string_append_printf(where, ": node type %d != %d", a->type, b->type);
        return FALSE;
    }
    if (a->type == XML_TEXT_NODE || a->type == XML_COMMENT_NODE || a->type == XML_PI_NODE) {
        if (!xmlStrEqual(a->name, b->name) || !xmlStrEqual(a->content, b->content)) {
            g_string_append_printf(where, ": text '%s' != '%s'", a->content, b->content);
            return FALSE;
        }
        return TRUE;
    }
    if (a->type != XML_ELEMENT_NODE)
        return TRUE;
    g_string_append_printf(where, "/%s", a->name);
    if (!xmlStrEqual(a->name, b->name) || g_strcmp0(ns_href(a), ns_href(b)) != 0) {
        g_string_append_printf(where, ": element {%s}%s != {%s}%s", ns_href(a), a->name, ns_href(b),
                               b->name);
        return FALSE;
    }
    for (xmlAttr *p = a->properties; p; p = p->next, na++) {
        const xmlChar *ns = p->ns ? p->ns->href : NULL;
        g_autofree xmlChar *va = xmlNodeGetContent((xmlNode *)p);
        g_autofree xmlChar *vb = ns ? xmlGetNsProp(b, p->name, ns) : xmlGetNoNsProp(b, p->name);

        if (vb == NULL || !xmlStrEqual(va, vb)) {
            g_string_append_printf(where, "/@%s: '%s' != '%s'", p->name, va,
                                   vb ? (const char *)vb : "(missing)");
            return FALSE;
        }
    }
    for (xmlAttr *p = b->properties; p; p = p->next)
        nb++;
    if (na != nb) {
        g_string_append_printf(where, ": %u attributes != %u", na, nb);
        return FALSE;
    }
    ca = next_significant(a->children, keep_blanks);
    cb = next_significant(b->children, keep_blanks);
    for (guint i = 0; ca && cb; i++) {
        gsize len = where->len;

        g_string_append_printf(where, "[%u]", i);
        if (!compare_nodes(ca, cb, keep_blanks, skip_a, skip_b, where))
            return FALSE;
        g_string_truncate(where, len);
        ca = next_significant(ca->next, keep_blanks);
        cb = next_significant(cb->next, keep_blanks);
    }
    if (ca || cb) {
        g_string_append_printf(where, ": %s has more children", ca ? "the first" : "the second");
        return FALSE;
    }
    g_string_truncate(where, mark);
    return TRUE;
}

static void
assert_same_node(xmlNode *a, xmlNode *b, gboolean keep_blanks, xmlNode *skip_a, xmlNode *skip_b)
{
    g_autoptr(GString) where = g_string_new("");

    g_assert_nonnull(a);
    g_assert_nonnull(b);
    if (!compare_nodes(a, b, keep_blanks, skip_a, skip_b, where))
        g_error("XML differs at %s", where->str);
}

/* Return: the number of nodes in the tree under @n (attributes included), leaving out @skip. */
static guint
count_nodes(xmlNode *n, xmlNode *skip)
{
    guint count = 1;

    if (n == skip)
        return 0;
    if (n->type == XML_ELEMENT_NODE)
        for (xmlAttr *p = n->properties; p; p = p->next)
            count++;
    for (xmlNode *c = n->children; c && n->type != XML_ATTRIBUTE_NODE; c = c->next)
        count += count_nodes(c, skip);
    return count;
}

/* Return: error text if @doc does not validate against libvirt's domain schema, else NULL. */
static char *
rng_problems(xmlDoc *doc)
{
    static xmlRelaxNG *schema;
    xmlRelaxNGValidCtxt *valid;
    int rc;

    if (schema == NULL) {
        xmlRelaxNGParserCtxt *pctxt = xmlRelaxNGNewParserCtxt(DOMAIN_RNG);

        g_assert_nonnull(pctxt);
        schema = xmlRelaxNGParse(pctxt);
        xmlRelaxNGFreeParserCtxt(pctxt);
        if (schema == NULL)
            g_error("cannot load %s: %s", DOMAIN_RNG, xml_messages->str);
    }
    g_string_truncate(xml_messages, 0);
    valid = xmlRelaxNGNewValidCtxt(schema);
    xmlRelaxNGSetValidErrors(valid, collect_message, collect_message, NULL);
    rc = xmlRelaxNGValidateDoc(valid, doc);
    xmlRelaxNGFreeValidCtxt(valid);
    return rc == 0 ? NULL : g_strdup_printf("rc %d: %s", rc, xml_messages->str);
}

/**
 * define_on_test_driver:
 * @xml: a domain
 *
 * Defines @xml on libvirt's in-process test driver and reads its XML back.
 * Return: (transfer full) (nullable): libvirt's XML of the defined domain, NULL if it was refused
 *   (@out_error says why).
 */
static char *
define_on_test_driver(const char *xml, char **out_error)
{
    virConnectPtr conn = virConnectOpen("test:///default");
    virDomainPtr dom;
    char *back = NULL;

    g_assert_nonnull(conn);
    dom = virDomainDefineXML(conn, xml);
    if (dom == NULL) {
        *out_error = g_strdup(virGetLastErrorMessage());
    } else {
        char *desc = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);

        g_assert_nonnull(desc);
        back = g_strdup(desc);
        free(desc);
        g_assert_cmpint(virDomainUndefine(dom), ==, 0);
        virDomainFree(dom);
    }
    virConnectClose(conn);
    return back;
}

static char *
get_attr(xmlNode *n, const char *name)
{
    xmlChar *v = n ? xmlGetNoNsProp(n, BAD_CAST name) : NULL;
    char *s = g_strdup((const char *)v);

    xmlFree(v);
    return s;
}

/* ---- the checks every successful transform must pass ---- */

typedef enum { LAYOUT_CPM, LAYOUT_IOM } Layout;

/**
 * check_output:
 * @input: the domain the stylesheet got
 * @output_text: what it produced
 * @expected_disk: (nullable): the expected first disk (compared structurally)
 *
 * Checks: the first disk equals @expected_disk; everything else equals @input (whitespace
 * included); the output validates against libvirt's schema; the test driver defines it and keeps
 * the disk layout.
 */
static void
check_output(xmlDoc *input, const char *output_text, xmlNode *expected_disk, Layout layout)
{
    g_autoptr(xmlDoc) out = parse_string(output_text);
    g_autoptr(xmlDoc) back = NULL;
    g_autofree char *problems = NULL;
    g_autofree char *define_error = NULL;
    g_autofree char *back_text = NULL;
    xmlNode *in_disk = first_disk(input);
    xmlNode *out_disk = first_disk(out);
    xmlNode *back_disk;
    xmlNode *in_devices = nth_child(xmlDocGetRootElement(input), "devices", 0);
    xmlNode *out_devices = nth_child(xmlDocGetRootElement(out), "devices", 0);

    g_assert_nonnull(in_disk);
    g_assert_nonnull(out_disk);

    /* The first disk is the expected one (whitespace ignored). */
    if (expected_disk)
        assert_same_node(out_disk, expected_disk, FALSE, NULL, NULL);

    /* Everything else is untouched: the whole tree, whitespace, comments and foreign namespaces
     * included, compared with the first disks skipped (they must sit at the same place). */
    assert_same_node(xmlDocGetRootElement(input), xmlDocGetRootElement(out), TRUE, in_disk,
                     out_disk);
    g_assert_cmpuint(count_nodes(xmlDocGetRootElement(input), in_disk), ==,
                     count_nodes(xmlDocGetRootElement(out), out_disk));
    /* And the parts named in the issue, one by one. */
    assert_same_node(next_disk(in_disk), next_disk(out_disk), TRUE, NULL, NULL);
    for (guint i = 0; nth_child(in_devices, "interface", i); i++)
        assert_same_node(nth_child(in_devices, "interface", i),
                         nth_child(out_devices, "interface", i), TRUE, NULL, NULL);
    g_assert_null(nth_child(out_devices, "interface", 99));

    /* libvirt's schema accepts it ... */
    problems = rng_problems(out);
    if (problems)
        g_error("output does not validate against %s: %s\n%s", DOMAIN_RNG, problems, output_text);

    /* ... and so does libvirt, which keeps the layout. */
    back_text = define_on_test_driver(output_text, &define_error);
    if (back_text == NULL)
        g_error("test:///default refused the output: %s", define_error);
    back = parse_string(back_text);
    back_disk = first_disk(back);
    g_assert_nonnull(back_disk);
    {
        g_autofree char *driver_type = get_attr(nth_child(back_disk, "driver", 0), "type");
        g_autofree char *cache = get_attr(nth_child(back_disk, "driver", 0), "cache");
        g_autofree char *source = get_attr(nth_child(back_disk, "source", 0), "file");
        g_autofree char *bus = get_attr(nth_child(back_disk, "target", 0), "bus");
        g_autofree char *dev = get_attr(nth_child(back_disk, "target", 0), "dev");
        g_autofree char *in_dev = get_attr(nth_child(in_disk, "target", 0), "dev");
        xmlNode *bs = nth_child(back_disk, "backingStore", 0);

        g_assert_cmpstr(driver_type, ==, layout == LAYOUT_CPM ? "raw" : "qcow2");
        g_assert_cmpstr(cache, ==, "none");
        g_assert_cmpstr(source, ==, layout == LAYOUT_CPM ? CPM_DISK : IOM_OVERLAY);
        g_assert_cmpstr(bus, ==, "virtio");
        g_assert_cmpstr(dev, ==, in_dev);
        g_assert_nonnull(bs);
        if (layout == LAYOUT_CPM) {
            g_assert_null(bs->children); /* the empty <backingStore/>: no backing chain */
        } else {
            g_autofree char *bs_type = get_attr(bs, "type");
            g_autofree char *bs_format = get_attr(nth_child(bs, "format", 0), "type");
            g_autofree char *bs_source = get_attr(nth_child(bs, "source", 0), "file");

            g_assert_cmpstr(bs_type, ==, "file");
            g_assert_cmpstr(bs_format, ==, "qcow2");
            g_assert_cmpstr(bs_source, ==, IOM_BASE);
        }
    }
}

static const char *cpm_params[] = {"disk_path", CPM_DISK, NULL};
static const char *iom_params[] = {"overlay_path", IOM_OVERLAY, "base_path", IOM_BASE, NULL};

static void
run_kubevirt_case(const char *stylesheet, const char **params, const char *expected_name,
                  Layout layout)
{
    g_autofree char *input_path = data_path("kubevirt-domain.xml");
    g_autofree char *expected_path = data_path(expected_name);
    g_autoptr(xsltStylesheet) style = load_stylesheet(stylesheet);
    g_autoptr(xmlDoc) input = parse_file(input_path);
    g_autoptr(xmlDoc) expected = parse_file(expected_path);
    g_autofree char *messages = NULL;
    g_autofree char *out = apply(style, input, params, &messages);

    if (out == NULL)
        g_error("%s failed: %s", stylesheet, messages);
    check_output(input, out, xmlDocGetRootElement(expected), layout);
}

static void
test_cpm_kubevirt(void)
{
    run_kubevirt_case("sros-cpm-disk.xsl", cpm_params, "expected-cpm-disk.xml", LAYOUT_CPM);
}

static void
test_iom_kubevirt(void)
{
    run_kubevirt_case("sros-iom-disk.xsl", iom_params, "expected-iom-disk.xml", LAYOUT_IOM);
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
    g_autoptr(xsltStylesheet) style = load_stylesheet("sros-cpm-disk.xsl");
    g_autoptr(xmlDoc) input = parse_string(compact_domain);
    g_autoptr(xmlDoc) expected =
        parse_string("<disk type='file' device='disk'><driver name='qemu' type='raw' cache='none'/>"
                     "<source file='" CPM_DISK "'/><backingStore/>"
                     "<target dev='hda' bus='virtio'/></disk>");
    g_autofree char *messages = NULL;
    g_autofree char *out = apply(style, input, cpm_params, &messages);

    if (out == NULL)
        g_error("sros-cpm-disk.xsl failed: %s", messages);
    check_output(input, out, xmlDocGetRootElement(expected), LAYOUT_CPM);
    /* Compact stays compact: no whitespace text was added to the new disk. */
    {
        g_autoptr(xmlDoc) doc = parse_string(out);
        for (xmlNode *n = first_disk(doc)->children; n; n = n->next)
            g_assert_cmpint(n->type, ==, XML_ELEMENT_NODE);
    }
}

static void
test_iom_compact(void)
{
    g_autoptr(xsltStylesheet) style = load_stylesheet("sros-iom-disk.xsl");
    g_autoptr(xmlDoc) input = parse_string(compact_domain);
    g_autoptr(xmlDoc) expected = parse_string(
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='none'/>"
        "<source file='" IOM_OVERLAY "'/><backingStore type='file'><format type='qcow2'/>"
        "<source file='" IOM_BASE "'/></backingStore><target dev='hda' bus='virtio'/></disk>");
    g_autofree char *messages = NULL;
    g_autofree char *out = apply(style, input, iom_params, &messages);

    if (out == NULL)
        g_error("sros-iom-disk.xsl failed: %s", messages);
    check_output(input, out, xmlDocGetRootElement(expected), LAYOUT_IOM);
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
     {"overlay_path", IOM_OVERLAY, NULL},
     "missing string parameter 'disk_path'"},
    {"sros-iom-disk.xsl", {NULL}, "missing string parameter 'overlay_path'"},
    {"sros-iom-disk.xsl",
     {"overlay_path", IOM_OVERLAY, NULL},
     "missing string parameter 'base_path'"},
    {"sros-iom-disk.xsl", {"base_path", IOM_BASE, NULL}, "missing string parameter 'overlay_path'"},
    {"sros-iom-disk.xsl", {"disk_path", CPM_DISK, NULL}, "missing string parameter 'overlay_path'"},
    {"sros-iom-disk.xsl",
     {"overlay_path", IOM_OVERLAY, "base_path", "disk_0.img", NULL},
     "base_path 'disk_0.img' is not an absolute path"},
    {"sros-iom-disk.xsl",
     {"overlay_path", IOM_BASE, "base_path", IOM_BASE, NULL},
     "overlay_path and base_path are the same file"},
};

static void
test_missing_params(void)
{
    g_autofree char *input_path = data_path("kubevirt-domain.xml");
    g_autoptr(xmlDoc) input = parse_file(input_path);

    for (gsize i = 0; i < G_N_ELEMENTS(fail_cases); i++) {
        const FailCase *c = &fail_cases[i];
        g_autoptr(xsltStylesheet) style = load_stylesheet(c->stylesheet);
        g_autofree char *messages = NULL;
        g_autofree char *out = apply(style, input, (const char **)c->params, &messages);

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
    const char **params[] = {cpm_params, iom_params};

    for (gsize s = 0; s < G_N_ELEMENTS(styles); s++) {
        g_autoptr(xsltStylesheet) style = load_stylesheet(styles[s]);

        for (gsize i = 0; i < G_N_ELEMENTS(inputs); i++) {
            g_autoptr(xmlDoc) input = parse_string(inputs[i][0]);
            g_autofree char *messages = NULL;
            g_autofree char *out = apply(style, input, params[s], &messages);

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
    g_autofree char *input_path = data_path("kubevirt-domain.xml");
    g_autoptr(xmlDoc) input = parse_file(input_path);
    g_autoptr(xmlDoc) changed = xmlCopyDoc(input, 1);
    g_autoptr(xmlDoc) broken = parse_string(
        "<domain type='kvm'><name>b</name><memory>1024</memory><os><type>hvm</type></os>"
        "<devices><disk type='file' device='disk'><driver name='qemu' type='raw'/>"
        "<source file='/a.img'/><target bus='virtio'/></disk></devices></domain>");
    g_autoptr(GString) where = g_string_new("");
    g_autofree char *problems = rng_problems(broken);
    g_autofree char *define_error = NULL;
    g_autofree char *back = NULL;
    g_autofree char *written = g_build_filename(g_get_tmp_dir(), "test-sros-xslt-forbidden", NULL);
    g_autofree char *writer = g_strdup_printf(
        "<xsl:stylesheet version='1.1' xmlns:xsl='http://www.w3.org/1999/XSL/Transform'>"
        "<xsl:template match='/'><xsl:document href='%s'><x/></xsl:document><ok/></xsl:template>"
        "</xsl:stylesheet>",
        written);
    xmlDoc *writer_doc = parse_string(writer);
    g_autoptr(xsltStylesheet) writer_style = xsltParseStylesheetDoc(writer_doc);
    g_autofree char *messages = NULL;
    g_autofree char *out = NULL;
    xmlNode *iface;

    g_assert_nonnull(problems);
    back = define_on_test_driver(
        "<domain type='kvm'><name>b</name><memory>1024</memory><os><type>hvm</type></os>"
        "<devices><disk type='file' device='disk'><source file='/a.img'/>"
        "<target dev='vda' bus='nope'/></disk></devices></domain>",
        &define_error);
    g_assert_null(back);
    g_assert_nonnull(define_error);

    iface = nth_child(nth_child(xmlDocGetRootElement(changed), "devices", 0), "interface", 1);
    xmlSetProp(nth_child(iface, "mtu", 0), BAD_CAST "size", BAD_CAST "1500");
    g_assert_false(compare_nodes(xmlDocGetRootElement(input), xmlDocGetRootElement(changed), TRUE,
                                 first_disk(input), first_disk(changed), where));
    g_assert_nonnull(strstr(where->str, "mtu/@size"));

    g_assert_nonnull(writer_style);
    g_unlink(written);
    out = apply(writer_style, input, (const char *[]){NULL}, &messages);
    g_assert_null(out);
    g_assert_nonnull(strstr(messages, "refused"));
    g_assert_false(g_file_test(written, G_FILE_TEST_EXISTS));
}

/* ---- the real xsltproc binary ---- */

/**
 * run_xsltproc:
 * @out_status: (out): its wait status
 * @out_stderr: (out): what it printed on stderr
 *
 * Runs `xsltproc --nonet [--stringparam NAME VALUE]... STYLESHEET INPUT`.
 * Return: (transfer full): its stdout.
 */
static char *
run_xsltproc(const char *xsltproc, const char *stylesheet, const char **params, int *out_status,
             char **out_stderr)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    g_autofree char *input = data_path("kubevirt-domain.xml");
    char *out = NULL;

    g_ptr_array_add(argv, g_strdup(xsltproc));
    g_ptr_array_add(argv, g_strdup("--nonet"));
    for (gsize i = 0; params[i]; i += 2) {
        g_ptr_array_add(argv, g_strdup("--stringparam"));
        g_ptr_array_add(argv, g_strdup(params[i]));
        g_ptr_array_add(argv, g_strdup(params[i + 1]));
    }
    g_ptr_array_add(argv, stylesheet_path(stylesheet));
    g_ptr_array_add(argv, g_steal_pointer(&input));
    g_ptr_array_add(argv, NULL);
    g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, out_stderr,
                 out_status, &error);
    g_assert_no_error(error);
    return out;
}

static void
run_xsltproc_case(const char *stylesheet, const char **params, const char *expected_name,
                  Layout layout)
{
    g_autofree char *xsltproc = g_find_program_in_path("xsltproc");
    g_autofree char *input_path = data_path("kubevirt-domain.xml");
    g_autofree char *expected_path = data_path(expected_name);
    g_autoptr(xmlDoc) input = NULL;
    g_autoptr(xmlDoc) expected = NULL;
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autofree char *in_process = NULL;
    int status = -1;

    if (xsltproc == NULL) {
        g_test_skip("xsltproc is not installed");
        return;
    }
    input = parse_file(input_path);
    expected = parse_file(expected_path);
    out = run_xsltproc(xsltproc, stylesheet, params, &status, &err);
    if (!g_spawn_check_wait_status(status, NULL))
        g_error("xsltproc %s failed: %s", stylesheet, err);
    check_output(input, out, xmlDocGetRootElement(expected), layout);

    /* Byte for byte what the in-process transform gives. */
    {
        g_autoptr(xsltStylesheet) style = load_stylesheet(stylesheet);
        in_process = apply(style, input, params, NULL);
    }
    g_assert_cmpstr(out, ==, in_process);
}

static void
test_xsltproc_cpm(void)
{
    run_xsltproc_case("sros-cpm-disk.xsl", cpm_params, "expected-cpm-disk.xml", LAYOUT_CPM);
}

static void
test_xsltproc_iom(void)
{
    run_xsltproc_case("sros-iom-disk.xsl", iom_params, "expected-iom-disk.xml", LAYOUT_IOM);
}

static void
test_xsltproc_missing_param(void)
{
    g_autofree char *xsltproc = g_find_program_in_path("xsltproc");
    const char *none[] = {NULL};
    const char *only_overlay[] = {"overlay_path", IOM_OVERLAY, NULL};
    struct {
        const char *stylesheet;
        const char **params;
        const char *message;
    } cases[] = {
        {"sros-cpm-disk.xsl", none, "missing string parameter 'disk_path'"},
        {"sros-iom-disk.xsl", only_overlay, "missing string parameter 'base_path'"},
    };

    if (xsltproc == NULL) {
        g_test_skip("xsltproc is not installed");
        return;
    }
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *err = NULL;
        int status = 0;
        g_autofree char *out =
            run_xsltproc(xsltproc, cases[i].stylesheet, cases[i].params, &status, &err);

        g_assert_false(g_spawn_check_wait_status(status, NULL));
        g_assert_cmpstr(out, ==, "");
        if (strstr(err, cases[i].message) == NULL)
            g_error("xsltproc %s: '%s' lacks '%s'", cases[i].stylesheet, err, cases[i].message);
    }
}

int
main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    xml_messages = g_string_new(NULL);
    xmlSetGenericErrorFunc(NULL, collect_message);
    xsltSetGenericErrorFunc(NULL, collect_message);
    virSetErrorFunc(NULL, silent_libvirt_error);

    g_test_add_func("/sros/xslt/cpm/kubevirt", test_cpm_kubevirt);
    g_test_add_func("/sros/xslt/iom/kubevirt", test_iom_kubevirt);
    g_test_add_func("/sros/xslt/cpm/compact", test_cpm_compact);
    g_test_add_func("/sros/xslt/iom/compact", test_iom_compact);
    g_test_add_func("/sros/xslt/missing-params", test_missing_params);
    g_test_add_func("/sros/xslt/no-disk", test_no_disk);
    g_test_add_func("/sros/xslt/checks-can-fail", test_checks_can_fail);
    g_test_add_func("/sros/xslt/xsltproc/cpm", test_xsltproc_cpm);
    g_test_add_func("/sros/xslt/xsltproc/iom", test_xsltproc_iom);
    g_test_add_func("/sros/xslt/xsltproc/missing-params", test_xsltproc_missing_param);
    ret = g_test_run();

    xsltCleanupGlobals();
    xmlCleanupParser();
    g_string_free(xml_messages, TRUE);
    return ret;
}
