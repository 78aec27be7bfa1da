/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-serial.c - what a domain's serial console is: a pty or a telnet server, and its boot log */
#include "vl-serial.h"

#include "vl-error.h"
#include "vl-virt-error.h"
#include "vl-xml.h"

#include <libxml/xpath.h>
#include <string.h>

void
vl_serial_free(VlSerial *s)
{
    if (!s)
        return;
    g_free(s->host);
    g_free(s->log_path);
    g_free(s);
}

/* Return: (transfer full) (nullable): the string value of @expr in @ctxt, NULL when empty. */
static char *
vl_serial_text(xmlXPathContext *ctxt, const char *expr)
{
    xmlXPathObject *res = xmlXPathEvalExpression(BAD_CAST expr, ctxt);
    char *out = NULL;

    if (res && res->type == XPATH_STRING && res->stringval && *res->stringval)
        out = g_strdup((const char *)res->stringval);
    xmlXPathFreeObject(res);
    return out;
}

VlSerial *
vl_serial_get(virDomainPtr dom, GError **error)
{
    /* the name first: every libvirt call resets the last error */
    const char *name = virDomainGetName(dom);
    char *xml = virDomainGetXMLDesc(dom, 0);
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(VlSerial) s = NULL;
    g_autofree char *type = NULL;
    g_autofree char *protocol = NULL;
    g_autofree char *service = NULL;
    xmlXPathContext *ctxt;
    guint64 port = 0;

    if (!xml) {
        vl_error_set_libvirt(error, "cannot read domain '%s'", name);
        return NULL;
    }
    doc = vl_xml_parse_memory(xml, strlen(xml), "domain", error);
    free(xml);
    if (!doc)
        return NULL;
    ctxt = xmlXPathNewContext(doc);
    s = g_new0(VlSerial, 1);
    type = vl_serial_text(ctxt, "string(/domain/devices/serial[1]/@type)");
    protocol = vl_serial_text(ctxt, "string(/domain/devices/serial[1]/protocol/@type)");
    service = vl_serial_text(ctxt, "string(/domain/devices/serial[1]/source/@service)");
    s->host = vl_serial_text(ctxt, "string(/domain/devices/serial[1]/source/@host)");
    s->log_path = vl_serial_text(ctxt, "string(/domain/devices/serial[1]/log/@file)");
    xmlXPathFreeContext(ctxt);
    if (!type) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "domain '%s' has no serial console", name);
        return NULL;
    }
    s->telnet = g_str_equal(type, "tcp") && g_strcmp0(protocol, "telnet") == 0;
    if (s->telnet &&
        (!service || !g_ascii_string_to_unsigned(service, 10, 1, 65535, &port, NULL))) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                    "domain '%s': telnet console port '%s' is not in 1..65535", name,
                    service ? service : "");
        return NULL;
    }
    s->port = (guint)port;
    return g_steal_pointer(&s);
}
