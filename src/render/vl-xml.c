/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-xml.c - safe XML parsing, sandboxed XSLT and RelaxNG validation on libxml2/libxslt */
#include "vl-xml.h"

#include "vl-error.h"

#include <libxml/parser.h>
#include <libxml/xmlsave.h>
#include <libxslt/documents.h>
#include <libxslt/security.h>
#include <libxslt/transform.h>
#include <libxslt/variables.h>
#include <libxslt/xsltutils.h>
#include <string.h>

/* No network, no entities, no DTD loading; CDATA kept as is. */
#define VL_XML_PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

/* libxml2 and libxslt report through global callbacks: collect their text while one call runs. */
static GString *vl_xml_messages;

static void vl_xml_collect(void *ctx, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* libxml2's generic error handler: appends one message piece to the collected text. */
static void
vl_xml_collect(void *ctx, const char *fmt, ...)
{
    va_list ap;

    if (!vl_xml_messages)
        return;
    va_start(ap, fmt);
    g_string_append_vprintf(vl_xml_messages, fmt, ap);
    va_end(ap);
}

static void
vl_xml_collect_begin(void)
{
    if (vl_xml_messages)
        g_string_truncate(vl_xml_messages, 0);
    else
        vl_xml_messages = g_string_new(NULL);
    xmlSetGenericErrorFunc(NULL, vl_xml_collect);
    xsltSetGenericErrorFunc(NULL, vl_xml_collect);
}

/* Return: (transfer full): what was collected, trimmed, or @fallback. */
static char *
vl_xml_collect_end(const char *fallback)
{
    g_autofree char *msg = g_strdup(vl_xml_messages ? vl_xml_messages->str : "");

    xmlSetGenericErrorFunc(NULL, NULL);
    xsltSetGenericErrorFunc(NULL, NULL);
    g_strstrip(msg);
    /* Several messages become one line each joined by "; ". */
    for (char *p = msg; *p; p++) {
        if (*p == '\n')
            *p = ';';
    }
    return *msg ? g_steal_pointer(&msg) : g_strdup(fallback);
}

static xmlDoc *
vl_xml_check_doc(xmlDoc *doc, xmlParserCtxt *ctxt, const char *name, GError **error)
{
    if (!doc) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        g_autofree char *msg = g_strdup(e && e->message ? e->message : "not well-formed");
        g_strstrip(msg);
        if (e && e->line)
            g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "%s:%d: %s", name, e->line, msg);
        else
            g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "%s: %s", name, msg);
        return NULL;
    }
    if (doc->intSubset || doc->extSubset) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "%s: documents with a DTD are not accepted",
                    name);
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

xmlDoc *
vl_xml_parse_file(const char *path, GError **error)
{
    xmlParserCtxt *ctxt = xmlNewParserCtxt();
    xmlDoc *doc;

    if (!ctxt) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "%s: out of memory", path);
        return NULL;
    }
    doc = xmlCtxtReadFile(ctxt, path, NULL, VL_XML_PARSE_OPTIONS);
    doc = vl_xml_check_doc(doc, ctxt, path, error);
    xmlFreeParserCtxt(ctxt);
    return doc;
}

xmlDoc *
vl_xml_parse_memory(const char *text, gsize len, const char *name, GError **error)
{
    xmlParserCtxt *ctxt = xmlNewParserCtxt();
    xmlDoc *doc;

    if (!ctxt) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "%s: out of memory", name);
        return NULL;
    }
    doc = xmlCtxtReadMemory(ctxt, text, (int)len, name, NULL, VL_XML_PARSE_OPTIONS);
    doc = vl_xml_check_doc(doc, ctxt, name, error);
    xmlFreeParserCtxt(ctxt);
    return doc;
}

/* Loader for stylesheets and their imports: the same safe parser, never the network. */
static xmlDoc *
vl_xslt_safe_loader(const xmlChar *uri, xmlDict *dict, int options, void *ctxt, xsltLoadType type)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *path = NULL;
    xmlDoc *doc;

    if (g_str_has_prefix((const char *)uri, "file://"))
        path = g_filename_from_uri((const char *)uri, NULL, NULL);
    else if (!strstr((const char *)uri, "://"))
        path = g_strdup((const char *)uri);
    if (!path || type != XSLT_LOAD_STYLESHEET) {
        vl_xml_collect(NULL, "refusing to load '%s'\n", (const char *)uri);
        return NULL;
    }
    doc = vl_xml_parse_file(path, &err);
    if (!doc)
        vl_xml_collect(NULL, "%s\n", err->message);
    return doc;
}

static void
vl_xslt_init_once(void)
{
    static gsize done = 0;

    if (g_once_init_enter(&done)) {
        xsltSetLoaderFunc(vl_xslt_safe_loader);
        g_once_init_leave(&done, 1);
    }
}

xsltStylesheet *
vl_xslt_load(const char *path, GError **error)
{
    xmlDoc *doc;
    xsltStylesheet *style;

    vl_xslt_init_once();
    doc = vl_xml_parse_file(path, error);
    if (!doc)
        return NULL;
    vl_xml_collect_begin();
    style = xsltParseStylesheetDoc(doc); /* takes @doc on success */
    if (!style || style->errors) {
        g_autofree char *msg = vl_xml_collect_end("invalid stylesheet");
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "%s: %s", path, msg);
        if (style)
            xsltFreeStylesheet(style);
        else
            xmlFreeDoc(doc);
        return NULL;
    }
    g_free(vl_xml_collect_end(NULL));
    return style;
}

xmlDoc *
vl_xslt_apply(xsltStylesheet *style, xmlDoc *doc, const char *const *params, GError **error)
{
    xsltSecurityPrefs *prefs = xsltNewSecurityPrefs();
    xsltTransformContext *ctxt = xsltNewTransformContext(style, doc);
    g_autoptr(GPtrArray) quoted = g_ptr_array_new_with_free_func(g_free);
    xmlDoc *res = NULL;
    int state;

    /* String parameters are passed literally, whatever quotes they hold. */
    for (guint i = 0; params && params[i] && params[i + 1]; i += 2) {
        g_ptr_array_add(quoted, g_strdup(params[i]));
        g_ptr_array_add(quoted, g_strdup(params[i + 1]));
    }
    g_ptr_array_add(quoted, NULL);

    xsltSetSecurityPrefs(prefs, XSLT_SECPREF_READ_FILE, xsltSecurityForbid);
    xsltSetSecurityPrefs(prefs, XSLT_SECPREF_WRITE_FILE, xsltSecurityForbid);
    xsltSetSecurityPrefs(prefs, XSLT_SECPREF_CREATE_DIRECTORY, xsltSecurityForbid);
    xsltSetSecurityPrefs(prefs, XSLT_SECPREF_READ_NETWORK, xsltSecurityForbid);
    xsltSetSecurityPrefs(prefs, XSLT_SECPREF_WRITE_NETWORK, xsltSecurityForbid);
    xsltSetCtxtSecurityPrefs(prefs, ctxt);

    vl_xml_collect_begin();
    if (xsltQuoteUserParams(ctxt, (const char **)quoted->pdata) == 0)
        res = xsltApplyStylesheetUser(style, doc, NULL, NULL, NULL, ctxt);
    state = ctxt->state;
    xsltFreeTransformContext(ctxt);
    xsltFreeSecurityPrefs(prefs);
    if (!res || state != XSLT_STATE_OK) {
        g_autofree char *msg = vl_xml_collect_end("transformation failed");
        const char *name =
            style->doc && style->doc->URL ? (const char *)style->doc->URL : "stylesheet";
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "%s: %s", name, msg);
        if (res)
            xmlFreeDoc(res);
        return NULL;
    }
    g_free(vl_xml_collect_end(NULL));
    return res;
}

char *
vl_xml_to_string(xmlDoc *doc)
{
    xmlBuffer *buf = xmlBufferCreate();
    xmlSaveCtxt *save = xmlSaveToBuffer(buf, "UTF-8", XML_SAVE_FORMAT | XML_SAVE_NO_DECL);
    char *out;

    xmlSaveDoc(save, doc);
    xmlSaveClose(save);
    out = g_strndup((const char *)xmlBufferContent(buf), (gsize)xmlBufferLength(buf));
    xmlBufferFree(buf);
    return out;
}

struct _VlXmlValidator {
    xmlRelaxNG *schema;
};

VlXmlValidator *
vl_xml_validator_new(const char *rng_path, GError **error)
{
    xmlRelaxNGParserCtxt *pctxt = xmlRelaxNGNewParserCtxt(rng_path);
    VlXmlValidator *v;
    xmlRelaxNG *schema;

    vl_xml_collect_begin();
    xmlRelaxNGSetParserErrors(pctxt, vl_xml_collect, vl_xml_collect, NULL);
    schema = xmlRelaxNGParse(pctxt);
    xmlRelaxNGFreeParserCtxt(pctxt);
    if (!schema) {
        g_autofree char *msg = vl_xml_collect_end("cannot load the schema");
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "%s: %s", rng_path, msg);
        return NULL;
    }
    g_free(vl_xml_collect_end(NULL));
    v = g_new0(VlXmlValidator, 1);
    v->schema = schema;
    return v;
}

void
vl_xml_validator_free(VlXmlValidator *v)
{
    if (!v)
        return;
    xmlRelaxNGFree(v->schema);
    g_free(v);
}

gboolean
vl_xml_validator_check(VlXmlValidator *v, xmlDoc *doc, GError **error)
{
    xmlRelaxNGValidCtxt *vctxt = xmlRelaxNGNewValidCtxt(v->schema);
    int rc;

    vl_xml_collect_begin();
    xmlRelaxNGSetValidErrors(vctxt, vl_xml_collect, vl_xml_collect, NULL);
    rc = xmlRelaxNGValidateDoc(vctxt, doc);
    xmlRelaxNGFreeValidCtxt(vctxt);
    if (rc != 0) {
        g_autofree char *msg = vl_xml_collect_end("does not match the schema");
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "%s", msg);
        return FALSE;
    }
    g_free(vl_xml_collect_end(NULL));
    return TRUE;
}
