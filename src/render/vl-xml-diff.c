/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-xml-diff.c - where a freshly rendered domain differs from the one libvirt holds, in words */
#include "vl-xml-diff.h"

#include "vl-xml.h"

#include <string.h>

typedef struct {
    GString *out;
    guint found;
    guint max;
} VlXmlDiff;

static void vl_xml_diff_add(VlXmlDiff *d, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
vl_xml_diff_add(VlXmlDiff *d, const char *fmt, ...)
{
    va_list ap;

    if (d->found++ >= d->max)
        return;
    if (d->out->len)
        g_string_append(d->out, "; ");
    va_start(ap, fmt);
    g_string_append_vprintf(d->out, fmt, ap);
    va_end(ap);
}

/* Return: the @n-th (from 1) element child of @parent with local name @name, or NULL. */
static xmlNode *
vl_xml_diff_nth(xmlNode *parent, const xmlChar *name, guint n)
{
    for (xmlNode *c = parent->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, name) && --n == 0)
            return c;
    }
    return NULL;
}

static guint
vl_xml_diff_count(xmlNode *parent, const xmlChar *name)
{
    guint n = 0;

    for (xmlNode *c = parent->children; c; c = c->next)
        n += c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, name);
    return n;
}

static gboolean
vl_xml_diff_is_leaf(xmlNode *n)
{
    for (xmlNode *c = n->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE)
            return FALSE;
    }
    return TRUE;
}

/* Return: (transfer full): @n's text, trimmed; a size with a unit attribute in KiB ("262144 KiB").
 */
static char *
vl_xml_diff_text(xmlNode *n)
{
    static const struct {
        const char *unit;
        guint64 kib;
    } units[] = {{"KiB", 1},       {"k", 1},         {"K", 1},       {"MiB", 1024},
                 {"M", 1024},      {"GiB", 1048576}, {"G", 1048576}, {"TiB", 1073741824},
                 {"T", 1073741824}};
    xmlChar *c = xmlNodeGetContent(n);
    xmlChar *unit = xmlGetProp(n, BAD_CAST "unit");
    char *text = g_strstrip(g_strdup(c ? (const char *)c : ""));
    guint64 v;

    for (guint i = 0; unit && i < G_N_ELEMENTS(units); i++) {
        if (g_str_equal((const char *)unit, units[i].unit) &&
            g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT64 / units[i].kib, &v, NULL)) {
            g_free(text);
            text = g_strdup_printf("%" G_GUINT64_FORMAT " KiB", v * units[i].kib);
            break;
        }
    }
    xmlFree(unit);
    xmlFree(c);
    return text;
}

/* Return: TRUE if libvirt's @cur is what it makes of the rendered @val (e.g. a machine alias). */
static gboolean
vl_xml_diff_same_value(const xmlChar *attr, const char *cur, const char *val)
{
    if (g_str_equal(cur, val))
        return TRUE;
    /* machine="pc" comes back as "pc-i440fx-7.2" */
    return xmlStrEqual(attr, BAD_CAST "machine") && g_str_has_prefix(cur, val) &&
           cur[strlen(val)] == '-';
}

static void
vl_xml_diff_element(VlXmlDiff *d, xmlNode *cur, xmlNode *ren, const char *path)
{
    for (xmlAttr *a = ren->properties; a; a = a->next) {
        xmlChar *rv = xmlNodeGetContent((xmlNode *)a);
        xmlChar *cv = xmlHasProp(cur, a->name) ? xmlGetProp(cur, a->name) : NULL;

        if (cv && !xmlStrEqual(a->name, BAD_CAST "unit") &&
            !vl_xml_diff_same_value(a->name, (const char *)cv, (const char *)rv))
            vl_xml_diff_add(d, "%s/@%s: '%s' -> '%s'", path, (const char *)a->name,
                            (const char *)cv, (const char *)rv);
        xmlFree(cv);
        xmlFree(rv);
    }
    if (vl_xml_diff_is_leaf(ren)) {
        g_autofree char *rt = vl_xml_diff_text(ren);
        g_autofree char *ct = vl_xml_diff_text(cur);
        if (*rt && !g_str_equal(rt, ct))
            vl_xml_diff_add(d, "%s: '%s' -> '%s'", path, ct, rt);
        return;
    }
    for (xmlNode *c = ren->children; c; c = c->next) {
        guint nth = 1;
        guint total;
        xmlNode *match;
        g_autofree char *sub = NULL;

        if (c->type != XML_ELEMENT_NODE || xmlStrEqual(c->name, BAD_CAST "digest"))
            continue;
        for (xmlNode *p = c->prev; p; p = p->prev)
            nth += p->type == XML_ELEMENT_NODE && xmlStrEqual(p->name, c->name);
        total = vl_xml_diff_count(ren, c->name);
        sub = total > 1 || vl_xml_diff_count(cur, c->name) > 1
                  ? g_strdup_printf("%s/%s[%u]", path, c->name, nth)
                  : g_strdup_printf("%s/%s", path, c->name);
        match = vl_xml_diff_nth(cur, c->name, nth);
        if (!match)
            vl_xml_diff_add(d, "%s: new", sub);
        else
            vl_xml_diff_element(d, match, c, sub);
        /* after the last of its kind: does libvirt hold more of them? */
        if (nth == total) {
            guint had = vl_xml_diff_count(cur, c->name);
            for (guint k = total + 1; k <= had; k++)
                vl_xml_diff_add(d, "%s/%s[%u]: no longer rendered", path, c->name, k);
        }
    }
}

char *
vl_xml_diff_describe(const char *current, const char *rendered, guint max)
{
    g_autoptr(xmlDoc) cur = vl_xml_parse_memory(current, strlen(current), "current", NULL);
    g_autoptr(xmlDoc) ren = vl_xml_parse_memory(rendered, strlen(rendered), "rendered", NULL);
    VlXmlDiff d = {g_string_new(NULL), 0, max};

    if (cur && ren)
        vl_xml_diff_element(&d, xmlDocGetRootElement(cur), xmlDocGetRootElement(ren),
                            (const char *)xmlDocGetRootElement(ren)->name);
    if (d.found > max)
        g_string_append_printf(d.out, "; %u more", d.found - max);
    return g_string_free(d.out, d.out->len == 0);
}
