/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-conn.c - libvirt connections and the vmlab metadata of domains */
#include "vl-conn.h"

#include "vl-error.h"
#include "vl-virt-error.h"
#include "vl-log.h"
#include "vl-render.h"
#include "vl-spec.h"
#include "vl-xml-diff.h"
#include "vl-xml.h"

#include <libvirt/virterror.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <string.h>

/* libvirt prints its errors to stderr by default; ours go through GError. */
static void
vl_conn_silence(void *data, virErrorPtr err)
{
}

virConnectPtr
vl_conn_open(const char *uri, GError **error)
{
    virConnectPtr conn;

    virSetErrorFunc(NULL, vl_conn_silence);
    conn = virConnectOpen(uri);
    vl_trace("virConnectOpen(%s): %s", uri ? uri : "NULL (the default URI)",
             conn ? "ok" : "failed");
    if (!conn) {
        vl_error_set_libvirt(error, "cannot connect to libvirt at '%s'",
                             uri ? uri
                                 : (g_getenv("LIBVIRT_DEFAULT_URI")
                                        ? g_getenv("LIBVIRT_DEFAULT_URI")
                                        : "the default URI"));
        return NULL;
    }
    return conn;
}

void
vl_domain_meta_clear(VlDomainMeta *m)
{
    g_free(m->lab);
    g_free(m->node);
    g_free(m->role);
    g_free(m->digest);
    g_free(m->spec_dir);
    g_free(m->host);
    g_free(m->invalid);
}

void
vl_domain_meta_free(VlDomainMeta *m)
{
    if (!m)
        return;
    vl_domain_meta_clear(m);
    g_free(m);
}

static char *
vl_meta_text(xmlXPathContext *ctxt, const char *expr)
{
    xmlXPathObject *res = xmlXPathEvalExpression(BAD_CAST expr, ctxt);
    char *out = NULL;

    if (res && res->nodesetval && res->nodesetval->nodeNr > 0) {
        xmlChar *c = xmlNodeGetContent(res->nodesetval->nodeTab[0]);
        out = g_strdup((const char *)c);
        xmlFree(c);
    }
    xmlXPathFreeObject(res);
    return out;
}

/* Return: @text as a TCP port (1..65535), else 0, noting why in @invalid (when it is the first). */
static guint
vl_meta_port(const char *text, const char *what, char **invalid)
{
    guint64 v = 0;
    g_autoptr(GError) err = NULL;

    if (!text)
        return 0;
    if (!g_ascii_string_to_unsigned(text, 10, 1, 65535, &v, &err)) {
        if (!*invalid)
            *invalid = g_strdup_printf("%s: %s", what, err->message);
        return 0;
    }
    return (guint)v;
}

VlDomainMeta *
vl_domain_meta_get(virDomainPtr dom)
{
    char *xml = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, VL_METADATA_NS, 0);
    g_autoptr(xmlDoc) doc = NULL;
    xmlXPathContext *ctxt;
    VlDomainMeta *m;
    g_autofree char *ssh = NULL;
    g_autofree char *console = NULL;

    if (!xml)
        return NULL;
    doc = vl_xml_parse_memory(xml, strlen(xml), "metadata", NULL);
    free(xml);
    if (!doc)
        return NULL;
    /* libvirt hands the element back without its namespace: match local names. */
    ctxt = xmlXPathNewContext(doc);
    m = g_new0(VlDomainMeta, 1);
    m->lab = vl_meta_text(ctxt, "/*[local-name()=\'vm\']/*[local-name()=\'lab\']");
    m->node = vl_meta_text(ctxt, "/*[local-name()=\'vm\']/*[local-name()=\'node\']");
    m->role = vl_meta_text(ctxt, "/*[local-name()=\'vm\']/*[local-name()=\'role\']");
    m->digest = vl_meta_text(ctxt, "/*[local-name()=\'vm\']/*[local-name()=\'digest\']");
    m->spec_dir = vl_meta_text(ctxt, "/*[local-name()=\'vm\']/*[local-name()=\'spec-dir\']");
    m->host = vl_meta_text(ctxt, "/*[local-name()=\'vm\']/*[local-name()=\'host\']");
    ssh = vl_meta_text(ctxt, "/*[local-name()=\'vm\']/*[local-name()=\'ssh-port\']");
    console = vl_meta_text(ctxt, "/*[local-name()=\'vm\']/*[local-name()=\'console-port\']");
    m->ssh_port = vl_meta_port(ssh, "ssh-port", &m->invalid);
    m->console_port = vl_meta_port(console, "console-port", &m->invalid);
    xmlXPathFreeContext(ctxt);
    /* The lab becomes a folder name: a domain naming "../x" is none of ours. */
    if (!m->lab || !vl_spec_lab_name_check(m->lab, "lab", NULL)) {
        vl_domain_meta_free(m);
        return NULL;
    }
    return m;
}

char *
vl_domain_describe_change(virDomainPtr dom, const VlDomainMeta *meta, const char *xml)
{
    g_autofree char *current = NULL;
    char *diff;

    if (!meta || !meta->digest)
        return g_strdup("its metadata holds no digest of its inputs");
    current = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
    vl_trace("virDomainGetXMLDesc('%s', INACTIVE): %s", virDomainGetName(dom),
             current ? "ok" : "failed");
    diff = current ? vl_xml_diff_describe(current, xml, 6) : NULL;
    return diff ? diff
                : g_strdup_printf("the rendered XML changed (its digest is not %s), though not in "
                                  "a way libvirt's definition shows",
                                  meta->digest);
}

GHashTable *
vl_conn_lab_domains(virConnectPtr conn, const char *lab, GError **error)
{
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(conn, &doms, 0);
    GHashTable *out;

    vl_trace("virConnectListAllDomains: %d domains", n);
    if (n < 0) {
        vl_error_set_libvirt(error, "cannot list domains");
        return NULL;
    }
    out =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)vl_domain_meta_free);
    for (int i = 0; i < n; i++) {
        VlDomainMeta *m = vl_domain_meta_get(doms[i]);
        if (m && (!lab || g_str_equal(m->lab, lab)))
            g_hash_table_insert(out, g_strdup(virDomainGetName(doms[i])), m);
        else
            vl_domain_meta_free(m);
        virDomainFree(doms[i]);
    }
    free(doms);
    return out;
}

const char *
vl_domain_state_name(int state)
{
    switch (state) {
    case VIR_DOMAIN_RUNNING:
        return "running";
    case VIR_DOMAIN_BLOCKED:
        return "blocked";
    case VIR_DOMAIN_PAUSED:
        return "paused";
    case VIR_DOMAIN_SHUTDOWN:
        return "shutting down";
    case VIR_DOMAIN_SHUTOFF:
        return "shut off";
    case VIR_DOMAIN_CRASHED:
        return "crashed";
    case VIR_DOMAIN_PMSUSPENDED:
        return "suspended";
    default:
        return "unknown";
    }
}
