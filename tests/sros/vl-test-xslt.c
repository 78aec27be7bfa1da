/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-test-xslt.c - the SR OS stylesheet tests' helpers: parse, transform, compare, check with
 * libvirt */
#include "vl-test-xslt.h"

#include "vl-fs.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxslt/security.h>
#include <libxslt/transform.h>
#include <libxslt/variables.h>
#include <libxslt/xsltutils.h>
#include <string.h>

#define DOMAIN_RNG "/usr/share/libvirt/schemas/domain.rng"
#define PARSE_OPTS (XML_PARSE_NONET | XML_PARSE_NOCDATA)

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xsltTransformContext, xsltFreeTransformContext)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xsltSecurityPrefs, xsltFreeSecurityPrefs)

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

char *
vl_test_xslt_data_path(const char *name)
{
    return g_test_build_filename(G_TEST_DIST, "data", "sros-xslt", name, NULL);
}

char *
vl_test_xslt_stylesheet_path(const char *name)
{
    g_autofree char *dir = vl_fs_data_dir("xslt");
    return g_build_filename(dir, name, NULL);
}

xmlDoc *
vl_test_xslt_parse_file(const char *path)
{
    xmlDoc *doc = xmlReadFile(path, NULL, PARSE_OPTS);

    if (doc == NULL)
        g_error("cannot parse '%s': %s", path, xml_messages->str);
    return doc;
}

xmlDoc *
vl_test_xslt_parse_string(const char *text)
{
    xmlDoc *doc = xmlReadMemory(text, (int)strlen(text), "string.xml", NULL, PARSE_OPTS);

    if (doc == NULL)
        g_error("cannot parse XML: %s\n%s", xml_messages->str, text);
    return doc;
}

xsltStylesheet *
vl_test_xslt_load(const char *name)
{
    g_autofree char *path = vl_test_xslt_stylesheet_path(name);
    xmlDoc *doc = vl_test_xslt_parse_file(path);
    xsltStylesheet *style = xsltParseStylesheetDoc(doc);

    if (style == NULL)
        g_error("cannot compile '%s': %s", path, xml_messages->str);
    return style;
}

/**
 * vl_test_xslt_apply:
 * @params: NULL-terminated name, value, ... pairs, passed as strings (like --stringparam)
 * @out_messages: (out) (optional): what the transform reported (xsl:message)
 *
 * Applies @style to @doc in-process, with file writes, folder creation and network access
 * forbidden, and serializes the result with the stylesheet's xsl:output.
 * Return: (transfer full) (nullable): the output text, NULL if the transform failed or stopped.
 */
char *
vl_test_xslt_apply(xsltStylesheet *style, xmlDoc *doc, const char **params, char **out_messages)
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
xmlNode *
vl_test_xslt_first_disk(xmlDoc *doc)
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
xmlNode *
vl_test_xslt_nth_child(xmlNode *parent, const char *name, guint index)
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
 * vl_test_xslt_compare_nodes:
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
gboolean
vl_test_xslt_compare_nodes(xmlNode *a, xmlNode *b, gboolean keep_blanks, xmlNode *skip_a,
                           xmlNode *skip_b, GString *where)
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
        if (!vl_test_xslt_compare_nodes(ca, cb, keep_blanks, skip_a, skip_b, where))
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
    if (!vl_test_xslt_compare_nodes(a, b, keep_blanks, skip_a, skip_b, where))
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
char *
vl_test_xslt_rng_problems(xmlDoc *doc)
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
 * vl_test_xslt_define_on_test_driver:
 * @xml: a domain
 *
 * Defines @xml on libvirt's in-process test driver and reads its XML back.
 * Return: (transfer full) (nullable): libvirt's XML of the defined domain, NULL if it was refused
 *   (@out_error says why).
 */
char *
vl_test_xslt_define_on_test_driver(const char *xml, char **out_error)
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

/**
 * vl_test_xslt_check_output:
 * @input: the domain the stylesheet got
 * @output_text: what it produced
 * @expected_disk: (nullable): the expected first disk (compared structurally)
 *
 * Checks: the first disk equals @expected_disk; everything else equals @input (whitespace
 * included); the output validates against libvirt's schema; the test driver defines it and keeps
 * the disk layout.
 */
void
vl_test_xslt_check_output(xmlDoc *input, const char *output_text, xmlNode *expected_disk,
                          VlTestXsltLayout layout)
{
    g_autoptr(xmlDoc) out = vl_test_xslt_parse_string(output_text);
    g_autoptr(xmlDoc) back = NULL;
    g_autofree char *problems = NULL;
    g_autofree char *define_error = NULL;
    g_autofree char *back_text = NULL;
    xmlNode *in_disk = vl_test_xslt_first_disk(input);
    xmlNode *out_disk = vl_test_xslt_first_disk(out);
    xmlNode *back_disk;
    xmlNode *in_devices = vl_test_xslt_nth_child(xmlDocGetRootElement(input), "devices", 0);
    xmlNode *out_devices = vl_test_xslt_nth_child(xmlDocGetRootElement(out), "devices", 0);

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
    for (guint i = 0; vl_test_xslt_nth_child(in_devices, "interface", i); i++)
        assert_same_node(vl_test_xslt_nth_child(in_devices, "interface", i),
                         vl_test_xslt_nth_child(out_devices, "interface", i), TRUE, NULL, NULL);
    g_assert_null(vl_test_xslt_nth_child(out_devices, "interface", 99));

    /* libvirt's schema accepts it ... */
    problems = vl_test_xslt_rng_problems(out);
    if (problems)
        g_error("output does not validate against %s: %s\n%s", DOMAIN_RNG, problems, output_text);

    /* ... and so does libvirt, which keeps the layout. */
    back_text = vl_test_xslt_define_on_test_driver(output_text, &define_error);
    if (back_text == NULL)
        g_error("test:///default refused the output: %s", define_error);
    back = vl_test_xslt_parse_string(back_text);
    back_disk = vl_test_xslt_first_disk(back);
    g_assert_nonnull(back_disk);
    {
        g_autofree char *driver_type =
            get_attr(vl_test_xslt_nth_child(back_disk, "driver", 0), "type");
        g_autofree char *cache = get_attr(vl_test_xslt_nth_child(back_disk, "driver", 0), "cache");
        g_autofree char *source = get_attr(vl_test_xslt_nth_child(back_disk, "source", 0), "file");
        g_autofree char *bus = get_attr(vl_test_xslt_nth_child(back_disk, "target", 0), "bus");
        g_autofree char *dev = get_attr(vl_test_xslt_nth_child(back_disk, "target", 0), "dev");
        g_autofree char *in_dev = get_attr(vl_test_xslt_nth_child(in_disk, "target", 0), "dev");
        xmlNode *bs = vl_test_xslt_nth_child(back_disk, "backingStore", 0);

        g_assert_cmpstr(driver_type, ==, layout == VL_TEST_XSLT_CPM ? "raw" : "qcow2");
        g_assert_cmpstr(cache, ==, "none");
        g_assert_cmpstr(source, ==,
                        layout == VL_TEST_XSLT_CPM ? VL_TEST_XSLT_CPM_DISK
                                                   : VL_TEST_XSLT_IOM_OVERLAY);
        g_assert_cmpstr(bus, ==, "virtio");
        g_assert_cmpstr(dev, ==, in_dev);
        g_assert_nonnull(bs);
        if (layout == VL_TEST_XSLT_CPM) {
            g_assert_null(bs->children); /* the empty <backingStore/>: no backing chain */
        } else {
            g_autofree char *bs_type = get_attr(bs, "type");
            g_autofree char *bs_format = get_attr(vl_test_xslt_nth_child(bs, "format", 0), "type");
            g_autofree char *bs_source = get_attr(vl_test_xslt_nth_child(bs, "source", 0), "file");

            g_assert_cmpstr(bs_type, ==, "file");
            g_assert_cmpstr(bs_format, ==, "qcow2");
            g_assert_cmpstr(bs_source, ==, VL_TEST_XSLT_IOM_BASE);
        }
    }
}

const char *vl_test_xslt_cpm_params[] = {"disk_path", VL_TEST_XSLT_CPM_DISK, NULL};
const char *vl_test_xslt_iom_params[] = {"overlay_path", VL_TEST_XSLT_IOM_OVERLAY, "base_path",
                                         VL_TEST_XSLT_IOM_BASE, NULL};

void
vl_test_xslt_init(void)
{
    xml_messages = g_string_new(NULL);
    xmlSetGenericErrorFunc(NULL, collect_message);
    xsltSetGenericErrorFunc(NULL, collect_message);
    virSetErrorFunc(NULL, silent_libvirt_error);
}

void
vl_test_xslt_cleanup(void)
{
    xsltCleanupGlobals();
    xmlCleanupParser();
    g_string_free(xml_messages, TRUE);
}
