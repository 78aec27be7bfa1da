/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-kv-hook.c - the KubeVirt onDefineDomain hook: SR OS disks, SMBIOS line and serial console */
#include "vl-kv-hook.h"

#include "vl-error.h"
#include "vl-fs.h"
#include "vl-json.h"
#include "vl-kv-export.h"
#include "vl-kv-hook-ftp.h"
#include "vl-xml.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

/*
 * Theory of operation: virt-launcher calls the hook 2 to 3 times per boot, each time on its own
 * re-marshalled copy of the previous output (lossy: unknown elements may be gone). So nothing
 * here looks for traces of an earlier call: every edit is derived from the VMI's configuration
 * entry and from what the input says about the disk KubeVirt made (its source file and, for a
 * containerDisk, its backing file). Those paths survive the round trip unchanged, which makes
 * the result of a call on its own output equal to that output.
 */

#define VL_KV_TELNET_ALIAS "serial0"

static xmlNode *
vl_kv_child(xmlNode *parent, const char *name)
{
    for (xmlNode *c = parent ? parent->children : NULL; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, BAD_CAST name))
            return c;
    }
    return NULL;
}

/* Return: (transfer none): @parent's child @name, added at the end when missing. */
static xmlNode *
vl_kv_child_ensure(xmlNode *parent, const char *name)
{
    xmlNode *c = vl_kv_child(parent, name);

    return c ? c : xmlNewChild(parent, NULL, BAD_CAST name, NULL);
}

static char *
vl_kv_prop(xmlNode *n, const char *name)
{
    xmlChar *v = n ? xmlGetProp(n, BAD_CAST name) : NULL;
    char *s = v ? g_strdup((const char *)v) : NULL;

    xmlFree(v);
    return s;
}

/* The first disk with device='disk' (or no device). Return: (transfer none) (nullable). */
static xmlNode *
vl_kv_first_disk(xmlDoc *doc)
{
    xmlNode *devices = vl_kv_child(xmlDocGetRootElement(doc), "devices");

    for (xmlNode *c = devices ? devices->children : NULL; c; c = c->next) {
        g_autofree char *dev = NULL;
        if (c->type != XML_ELEMENT_NODE || !xmlStrEqual(c->name, BAD_CAST "disk"))
            continue;
        dev = vl_kv_prop(c, "device");
        if (!dev || g_str_equal(dev, "disk"))
            return c;
    }
    return NULL;
}

/* The SR OS disk layout. Return: (transfer full): the new document, or NULL with an error. */
static xmlDoc *
vl_kv_hook_disk(const VlKvHookVm *vm, xmlDoc *doc, GError **error)
{
    xmlNode *disk = vl_kv_first_disk(doc);
    g_autofree char *src = vl_kv_prop(vl_kv_child(disk, "source"), "file");
    g_autofree char *base =
        vl_kv_prop(vl_kv_child(vl_kv_child(disk, "backingStore"), "source"), "file");
    g_autofree char *dir = vl_fs_data_dir("xslt");
    g_autofree char *xsl = NULL;
    g_autoptr(xsltStylesheet) style = NULL;
    gboolean cpm = g_str_equal(vm->disk, "cpm");
    const char *params[5] = {NULL};

    if (!src) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "domain XML: the first disk has no <source file=...> to lay out as %s",
                    vm->disk);
        return NULL;
    }
    if (!cpm && !base) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "domain XML: the IOM disk %s has no backing file (not a containerDisk)", src);
        return NULL;
    }
    xsl = g_build_filename(dir, cpm ? "sros-cpm-disk.xsl" : "sros-iom-disk.xsl", NULL);
    style = vl_xslt_load(xsl, error);
    if (!style)
        return NULL;
    if (cpm) {
        params[0] = "disk_path";
        params[1] = src;
    } else {
        params[0] = "overlay_path";
        params[1] = src;
        params[2] = "base_path";
        params[3] = base;
    }
    return vl_xslt_apply(style, doc, params, error);
}

/* <sysinfo type='smbios'><system><entry name='product'>LINE</entry> and <os><smbios
 * mode='sysinfo'/>; the other entries (KubeVirt's uuid above all) are left as they are. */
static void
vl_kv_hook_smbios(xmlDoc *doc, const char *product)
{
    xmlNode *root = xmlDocGetRootElement(doc);
    xmlNode *sysinfo = NULL, *system, *entry = NULL, *os, *smbios;

    for (xmlNode *c = root->children; c; c = c->next) {
        g_autofree char *type = NULL;
        if (c->type != XML_ELEMENT_NODE || !xmlStrEqual(c->name, BAD_CAST "sysinfo"))
            continue;
        type = vl_kv_prop(c, "type");
        if (type && g_str_equal(type, "smbios"))
            sysinfo = c;
    }
    if (!sysinfo) {
        sysinfo = xmlNewNode(NULL, BAD_CAST "sysinfo");
        xmlSetProp(sysinfo, BAD_CAST "type", BAD_CAST "smbios");
        os = vl_kv_child(root, "os");
        if (os)
            xmlAddPrevSibling(os, sysinfo);
        else
            xmlAddChild(root, sysinfo);
    }
    system = vl_kv_child_ensure(sysinfo, "system");
    for (xmlNode *c = system->children; c; c = c->next) {
        g_autofree char *name = NULL;
        if (c->type != XML_ELEMENT_NODE || !xmlStrEqual(c->name, BAD_CAST "entry"))
            continue;
        name = vl_kv_prop(c, "name");
        if (name && g_str_equal(name, "product"))
            entry = c;
    }
    if (!entry) {
        entry = xmlNewChild(system, NULL, BAD_CAST "entry", NULL);
        xmlSetProp(entry, BAD_CAST "name", BAD_CAST "product");
    }
    xmlNodeSetContent(entry, NULL);
    xmlNodeAddContent(entry, BAD_CAST product);
    os = vl_kv_child_ensure(root, "os");
    smbios = vl_kv_child_ensure(os, "smbios");
    xmlSetProp(smbios, BAD_CAST "mode", BAD_CAST "sysinfo");
}

static xmlNode *
vl_kv_hook_telnet_node(const char *element, guint port, gboolean serial)
{
    g_autofree char *service = g_strdup_printf("%u", port);
    xmlNode *n = xmlNewNode(NULL, BAD_CAST element);
    xmlNode *src = xmlNewChild(n, NULL, BAD_CAST "source", NULL);
    xmlNode *proto = xmlNewChild(n, NULL, BAD_CAST "protocol", NULL);
    xmlNode *target = xmlNewChild(n, NULL, BAD_CAST "target", NULL);
    xmlNode *alias;

    xmlSetProp(n, BAD_CAST "type", BAD_CAST "tcp");
    xmlSetProp(src, BAD_CAST "mode", BAD_CAST "bind");
    xmlSetProp(src, BAD_CAST "host", BAD_CAST "0.0.0.0");
    xmlSetProp(src, BAD_CAST "service", BAD_CAST service);
    xmlSetProp(proto, BAD_CAST "type", BAD_CAST "telnet");
    xmlSetProp(target, BAD_CAST "type", BAD_CAST(serial ? "isa-serial" : "serial"));
    xmlSetProp(target, BAD_CAST "port", BAD_CAST "0");
    if (serial) {
        xmlNode *model = xmlNewChild(target, NULL, BAD_CAST "model", NULL);
        xmlSetProp(model, BAD_CAST "name", BAD_CAST "isa-serial");
    }
    alias = xmlNewChild(n, NULL, BAD_CAST "alias", NULL);
    xmlSetProp(alias, BAD_CAST "name", BAD_CAST VL_KV_TELNET_ALIAS);
    return n;
}

/* Serial port 0 (and its console) becomes a telnet server on @port in the pod: the new pair takes
 * the place of the first serial or console there was, and every old one goes. */
static void
vl_kv_hook_telnet(xmlDoc *doc, guint port)
{
    xmlNode *devices = vl_kv_child(xmlDocGetRootElement(doc), "devices");
    xmlNode *serial = vl_kv_hook_telnet_node("serial", port, TRUE);
    xmlNode *console = vl_kv_hook_telnet_node("console", port, FALSE);
    xmlNode *first = NULL;
    xmlNode *c, *next;

    if (!devices)
        devices = xmlNewChild(xmlDocGetRootElement(doc), NULL, BAD_CAST "devices", NULL);
    for (c = devices->children; c && !first; c = c->next) {
        if (c->type == XML_ELEMENT_NODE &&
            (xmlStrEqual(c->name, BAD_CAST "serial") || xmlStrEqual(c->name, BAD_CAST "console")))
            first = c;
    }
    if (first)
        xmlAddPrevSibling(first, serial);
    else
        xmlAddChild(devices, serial);
    xmlAddNextSibling(serial, console);
    for (c = devices->children; c; c = next) {
        next = c->next;
        if (c != serial && c != console && c->type == XML_ELEMENT_NODE &&
            (xmlStrEqual(c->name, BAD_CAST "serial") || xmlStrEqual(c->name, BAD_CAST "console"))) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        }
    }
}

/* Drops whitespace-only text nodes so the output is indented the same on every call. */
static void
vl_kv_hook_strip_blanks(xmlNode *n)
{
    xmlNode *c, *next;

    for (c = n->children; c; c = next) {
        next = c->next;
        if (c->type == XML_TEXT_NODE && xmlIsBlankNode(c)) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        } else if (c->type == XML_ELEMENT_NODE) {
            vl_kv_hook_strip_blanks(c);
        }
    }
}

char *
vl_kv_hook_edit(const VlKvHookVm *vm, const char *domain_xml, GError **error)
{
    g_autoptr(xmlDoc) in = vl_xml_parse_memory(domain_xml, strlen(domain_xml), "domain XML", error);
    g_autoptr(xmlDoc) doc = NULL;
    xmlNode *root;

    if (!in)
        return NULL;
    root = xmlDocGetRootElement(in);
    if (!root || !xmlStrEqual(root->name, BAD_CAST "domain")) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "domain XML: the root element is not <domain>");
        return NULL;
    }
    vl_kv_hook_strip_blanks(root);
    if (g_str_equal(vm->disk, "none"))
        doc = g_steal_pointer(&in);
    else if (!(doc = vl_kv_hook_disk(vm, in, error)))
        return NULL;
    if (vm->smbios_product)
        vl_kv_hook_smbios(doc, vm->smbios_product);
    if (vm->telnet_console)
        vl_kv_hook_telnet(doc, vm->telnet_console);
    vl_kv_hook_strip_blanks(xmlDocGetRootElement(doc));
    return vl_xml_to_string(doc);
}

/* Appends one line to the hook's log file (best effort: the log must not fail the hook). */
static void vl_kv_hook_log(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static void
vl_kv_hook_log(const char *fmt, ...)
{
    const char *path = g_getenv("VMLAB_HOOK_LOG");
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *stamp = g_date_time_format_iso8601(now);
    g_autofree char *msg = NULL;
    va_list ap;
    FILE *f;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (!path || !*path)
        path = "/tmp/vmlab-hook.log";
    {
        g_autofree char *dir = g_path_get_dirname(path);
        g_mkdir_with_parents(dir, 0700);
    }
    f = fopen(path, "ae");
    if (!f)
        return;
    fprintf(f, "%s onDefineDomain[%d]: %s\n", stamp, (int)getpid(), msg);
    fclose(f);
}

/* Return: (transfer full): metadata.name of the VMI JSON, or NULL with an error. */
static char *
vl_kv_hook_vmi_name(const char *vmi_json, GError **error)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(json_object) vmi = vl_json_parse(vmi_json, strlen(vmi_json), &err);
    json_object *meta = NULL, *name = NULL;

    if (!vmi) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "--vmi: not JSON: %s", err->message);
        return NULL;
    }
    if (!json_object_object_get_ex(vmi, "metadata", &meta) ||
        !json_object_object_get_ex(meta, "name", &name) ||
        !json_object_is_type(name, json_type_string)) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "--vmi: no metadata.name");
        return NULL;
    }
    return g_strdup(json_object_get_string(name));
}

int
vl_kv_hook_main(int argc, char **argv)
{
    g_autofree char *vmi_json = NULL;
    g_autofree char *domain_xml = NULL;
    g_autofree char *name = NULL;
    g_autofree char *xml = NULL;
    g_autoptr(VlKvHookVm) vm = NULL;
    g_autoptr(GError) error = NULL;
    const char *cfg = g_getenv("VMLAB_HOOK_CONFIG");
    GOptionEntry entries[] = {
        {"vmi", 0, 0, G_OPTION_ARG_STRING, &vmi_json, "The VirtualMachineInstance as JSON", "JSON"},
        {"domain", 0, 0, G_OPTION_ARG_STRING, &domain_xml, "The domain XML virt-launcher made",
         "XML"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("--vmi JSON --domain XML - KubeVirt's onDefineDomain hook");

    if (!cfg || !*cfg)
        cfg = VL_KV_HOOK_CONFIG;
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx, "Prints the edited domain XML on stdout. Environment: "
                                          "VMLAB_HOOK_CONFIG (default\n" VL_KV_HOOK_CONFIG
                                          "), VMLAB_HOOK_LOG (default /tmp/vmlab-hook.log).\n");
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        vl_kv_hook_log("bad arguments: %s", error->message);
        fprintf(stderr, "onDefineDomain: %s\n", error->message);
        return 2;
    }
    if (!vmi_json || !domain_xml) {
        vl_kv_hook_log("bad arguments: both --vmi and --domain are needed");
        fprintf(stderr, "onDefineDomain: both --vmi and --domain are needed\n");
        return 2;
    }
    if (!(name = vl_kv_hook_vmi_name(vmi_json, &error)) ||
        !(vm = vl_kv_hookcfg_lookup(cfg, name, &error)) ||
        !(xml = vl_kv_hook_edit(vm, domain_xml, &error)) || !vl_kv_hook_ftp_ensure(vm, &error)) {
        /* one line: the first line of the error */
        g_autofree char *line = g_strdup(error->message);
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        vl_kv_hook_log("VMI %s: %s", name ? name : "?", line);
        fprintf(stderr, "onDefineDomain: %s\n", line);
        return vl_error_exit_code(error);
    }
    fputs(xml, stdout);
    if (fflush(stdout) != 0) {
        vl_kv_hook_log("VMI %s: cannot write the domain XML", name);
        return 1;
    }
    vl_kv_hook_log("VMI %s: domain edited (disk %s%s%s)%s", name, vm->disk,
                   vm->smbios_product ? ", SMBIOS product" : "",
                   vm->telnet_console ? ", telnet console" : "",
                   vm->ftp_backend ? "; FTP proxy running" : "");
    return 0;
}
