/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-render.c - renders the VMs of a lab model into libvirt domain XML */
#include "vl-render.h"

#include "vl-error.h"
#include "vl-fs.h"

#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <string.h>

/*
 * Pipeline: the model of one VM becomes a <vlm:model> element (built with libxml2, never by
 * pasting strings) appended to a copy of the VM's boilerplate; xslt/domain.xsl completes the
 * boilerplate from it; the platform's stylesheet (vm_xslt) may then adjust the result and still
 * sees the model; last, the model element is dropped and the digest stamped.
 *
 * PCI layout (explicit, so that NIC n is the guest's n-th network device): bus 0 slot 2 holds
 * the disk, slot 3 the management NIC (a QEMU pass-through device libvirt does not know of),
 * slots 4..29 data NICs 1..26; slots 30 and 31 hold PCI bridges (buses 1, 2) for NICs 27..88.
 */
#define VL_PCI_DISK_SLOT   0x02
#define VL_PCI_MGMT_SLOT   0x03
#define VL_PCI_FIRST_NIC   0x04
#define VL_PCI_BUS0_NICS   26
#define VL_PCI_BRIDGE_NICS 31
#define VL_MAX_DATA_NICS   (VL_PCI_BUS0_NICS + 2 * VL_PCI_BRIDGE_NICS)

struct _VlRenderer {
    char *virt_type;
    xsltStylesheet *domain_xsl;
    GHashTable *templates;   /* path -> xmlDoc */
    GHashTable *stylesheets; /* path -> xsltStylesheet */
};

VlRenderer *
vl_renderer_new(const char *virt_type, GError **error)
{
    g_autoptr(VlRenderer) r = g_new0(VlRenderer, 1);
    g_autofree char *dir = vl_fs_data_dir("xslt");
    g_autofree char *path = g_build_filename(dir, "domain.xsl", NULL);

    if (!virt_type || (!g_str_equal(virt_type, "qemu") && !g_str_equal(virt_type, "kvm"))) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE, "virt type must be 'qemu' or 'kvm', got '%s'",
                    virt_type ? virt_type : "");
        return NULL;
    }
    r->virt_type = g_strdup(virt_type);
    r->templates =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)xmlFreeDoc);
    r->stylesheets =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)xsltFreeStylesheet);
    r->domain_xsl = vl_xslt_load(path, error);
    if (!r->domain_xsl)
        return NULL;
    return g_steal_pointer(&r);
}

void
vl_renderer_free(VlRenderer *r)
{
    if (!r)
        return;
    g_free(r->virt_type);
    if (r->domain_xsl)
        xsltFreeStylesheet(r->domain_xsl);
    g_hash_table_unref(r->templates);
    g_hash_table_unref(r->stylesheets);
    g_free(r);
}

static xmlDoc *
vl_renderer_template(VlRenderer *r, const char *path, GError **error)
{
    xmlDoc *doc = g_hash_table_lookup(r->templates, path);

    if (doc)
        return doc;
    doc = vl_xml_parse_file(path, error);
    if (!doc)
        return NULL;
    if (!xmlDocGetRootElement(doc) ||
        !xmlStrEqual(xmlDocGetRootElement(doc)->name, BAD_CAST "domain")) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "%s: a template's root element must be <domain>", path);
        xmlFreeDoc(doc);
        return NULL;
    }
    g_hash_table_insert(r->templates, g_strdup(path), doc);
    return doc;
}

static xsltStylesheet *
vl_renderer_stylesheet(VlRenderer *r, const char *path, GError **error)
{
    xsltStylesheet *style = g_hash_table_lookup(r->stylesheets, path);

    if (style)
        return style;
    style = vl_xslt_load(path, error);
    if (style)
        g_hash_table_insert(r->stylesheets, g_strdup(path), style);
    return style;
}

static void
vl_xml_set_prop_u(xmlNode *node, const char *name, guint64 value)
{
    char buf[32];

    g_snprintf(buf, sizeof(buf), "%" G_GUINT64_FORMAT, value);
    xmlNewProp(node, BAD_CAST name, BAD_CAST buf);
}

static void
vl_xml_set_prop_hex(xmlNode *node, const char *name, guint value)
{
    char buf[16];

    g_snprintf(buf, sizeof(buf), "0x%02x", value);
    xmlNewProp(node, BAD_CAST name, BAD_CAST buf);
}

static void
vl_xml_set_prop(xmlNode *node, const char *name, const char *value)
{
    if (value)
        xmlNewProp(node, BAD_CAST name, BAD_CAST value);
}

/* Return: the QEMU device name of a libvirt NIC model, for the pass-through management NIC. */
static const char *
vl_render_qemu_nic_device(const char *model)
{
    return g_str_equal(model, "virtio") ? "virtio-net-pci" : model;
}

static void
vl_render_model_nics(xmlNode *model, xmlNs *ns, const VlVm *vm)
{
    for (guint i = 0; i < vm->nics->len; i++) {
        const VlNic *nic = g_ptr_array_index(vm->nics, i);
        xmlNode *n = xmlNewChild(model, ns, BAD_CAST "nic", NULL);
        guint k = nic->index - 1; /* 0-based data NIC position */
        guint bus = 0;
        guint slot;

        if (k < VL_PCI_BUS0_NICS) {
            slot = VL_PCI_FIRST_NIC + k;
        } else {
            bus = 1 + (k - VL_PCI_BUS0_NICS) / VL_PCI_BRIDGE_NICS;
            slot = 1 + (k - VL_PCI_BUS0_NICS) % VL_PCI_BRIDGE_NICS;
        }
        vl_xml_set_prop_u(n, "index", nic->index);
        vl_xml_set_prop(n, "type", vl_nic_kind_to_string(nic->kind));
        vl_xml_set_prop(n, "mac", nic->mac);
        vl_xml_set_prop(n, "model", vm->node->nic_model);
        vl_xml_set_prop(n, "qemu-device", vl_render_qemu_nic_device(vm->node->nic_model));
        vl_xml_set_prop(n, "local-address", nic->local_addr);
        if (nic->kind == VL_NIC_UDP)
            vl_xml_set_prop_u(n, "local-port", nic->local_port);
        vl_xml_set_prop(n, "address", nic->remote_addr);
        vl_xml_set_prop_u(n, "port", nic->remote_port);
        vl_xml_set_prop_hex(n, "pci-bus", bus);
        vl_xml_set_prop_hex(n, "pci-slot", slot);
        if (nic->iface) {
            vl_xml_set_prop(n, "interface", nic->iface->name);
            if (nic->iface->link) {
                const VlIface *peer =
                    nic->iface->link->a == nic->iface ? nic->iface->link->z : nic->iface->link->a;
                g_autofree char *p = g_strdup_printf("%s:%s", peer->node->name, peer->name);
                vl_xml_set_prop(n, "peer", p);
                vl_xml_set_prop_u(n, "link", nic->iface->link->index);
            }
        }
    }
    if (vm->nics->len > VL_PCI_BUS0_NICS) {
        guint bridges = 1 + (vm->nics->len - VL_PCI_BUS0_NICS - 1) / VL_PCI_BRIDGE_NICS;
        for (guint b = 0; b < bridges; b++) {
            xmlNode *br = xmlNewChild(model, ns, BAD_CAST "pci-bridge", NULL);
            vl_xml_set_prop_u(br, "index", b + 1);
            vl_xml_set_prop_hex(br, "pci-slot", VL_PCI_FIRST_NIC + VL_PCI_BUS0_NICS + b);
        }
    }
}

/* Return: (transfer full): the <vlm:model> element describing @vm to the stylesheets. */
static xmlNode *
vl_render_model_new(VlRenderer *r, const VlSpec *spec, const VlVm *vm)
{
    const VlNode *node = vm->node;
    xmlNode *model = xmlNewNode(NULL, BAD_CAST "model");
    xmlNs *ns = xmlNewNs(model, BAD_CAST VL_MODEL_NS, BAD_CAST "vlm");
    g_autofree char *title = NULL;
    g_autofree char *descr = NULL;

    xmlSetNs(model, ns);
    title = g_strdup_printf("%s (lab %s, platform %s)", vm->name, spec->name, node->platform_name);
    descr = g_strdup_printf("vmlab-virt lab '%s', device '%s', role %s; spec %s", spec->name,
                            node->name, vm->role, spec->dir);
    vl_xml_set_prop(model, "virt-type", r->virt_type);
    vl_xml_set_prop(model, "name", vm->name);
    vl_xml_set_prop(model, "lab", spec->name);
    vl_xml_set_prop(model, "node", node->name);
    vl_xml_set_prop(model, "role", vm->role);
    vl_xml_set_prop(model, "platform", node->platform_name);
    vl_xml_set_prop(model, "spec-dir", spec->dir);
    vl_xml_set_prop(model, "title", title);
    vl_xml_set_prop(model, "description", descr);
    vl_xml_set_prop_u(model, "memory-mib", vm->memory_mb);
    vl_xml_set_prop_u(model, "cpus", vm->cpus);
    /* management (SSH forward, telnet console) binds the VM's host's address */
    vl_xml_set_prop(model, "host-address", vl_vm_mgmt_address(vm));
    if (vm->server)
        vl_xml_set_prop(model, "server", vm->server->name);
    vl_xml_set_prop(model, "console", node->console == VL_CONSOLE_TELNET ? "telnet" : "pty");
    if (node->console == VL_CONSOLE_TELNET)
        vl_xml_set_prop_u(model, "console-port", vm->console_port);
    vl_xml_set_prop(model, "log-path", vm->log_path);
    vl_xml_set_prop_u(model, "ssh-port", vm->ssh_port);
    vl_xml_set_prop(model, "mgmt-mac", vm->mgmt_mac);
    vl_xml_set_prop(model, "mgmt-device", vl_render_qemu_nic_device(node->nic_model));
    vl_xml_set_prop_hex(model, "mgmt-pci-slot", VL_PCI_MGMT_SLOT);
    vl_xml_set_prop(model, "mgmt-net", "10.0.2.0/24");
    if (vm->mgmt_host) {
        g_autofree char *opt = g_strdup_printf(",host=%s", vm->mgmt_host);
        vl_xml_set_prop(model, "mgmt-host-opt", opt);
    }
    vl_xml_set_prop(model, "mgmt-guest", vm->mgmt_guest);
    vl_xml_set_prop(model, "uuid", vm->uuid);
    vl_xml_set_prop(model, "smbios-product", vm->smbios_product);
    vl_xml_set_prop(model, "card", vm->card);

    for (guint i = 0; i < node->cpu_features->len; i++) {
        const char *f = g_ptr_array_index(node->cpu_features, i);
        xmlNode *n = xmlNewChild(model, ns, BAD_CAST "cpu-feature", NULL);
        vl_xml_set_prop(n, "policy", *f == '-' ? "disable" : "require");
        vl_xml_set_prop(n, "name", (*f == '-' || *f == '+') ? f + 1 : f);
    }
    if (node->kernel) {
        xmlNode *k = xmlNewChild(model, ns, BAD_CAST "kernel", NULL);
        vl_xml_set_prop(k, "path", node->kernel);
        vl_xml_set_prop(k, "initrd", node->initrd);
        vl_xml_set_prop(k, "cmdline", vm->cmdline);
    }
    if (vm->disk_path) {
        xmlNode *d = xmlNewChild(model, ns, BAD_CAST "disk", NULL);
        vl_xml_set_prop(d, "path", vm->disk_path);
        vl_xml_set_prop(d, "format", vm->disk_format);
        vl_xml_set_prop(d, "backing", vm->backing_path);
        vl_xml_set_prop(d, "backing-format", vm->backing_format);
        vl_xml_set_prop_hex(d, "pci-slot", VL_PCI_DISK_SLOT);
    }
    vl_render_model_nics(model, ns, vm);
    return model;
}

/* Return: (transfer none) (nullable): the first element under @root matching @xpath. */
static xmlNode *
vl_xml_find(xmlDoc *doc, const char *xpath)
{
    xmlXPathContext *ctxt = xmlXPathNewContext(doc);
    xmlXPathObject *res;
    xmlNode *found = NULL;

    xmlXPathRegisterNs(ctxt, BAD_CAST "vlm", BAD_CAST VL_MODEL_NS);
    xmlXPathRegisterNs(ctxt, BAD_CAST VL_METADATA_PREFIX, BAD_CAST VL_METADATA_NS);
    res = xmlXPathEvalExpression(BAD_CAST xpath, ctxt);
    if (res && res->nodesetval && res->nodesetval->nodeNr > 0)
        found = res->nodesetval->nodeTab[0];
    xmlXPathFreeObject(res);
    xmlXPathFreeContext(ctxt);
    return found;
}

/* Stamps the digest: SHA-256 of the document serialized with an empty digest element. */
static gboolean
vl_render_stamp_digest(xmlDoc *doc, const char *name, GError **error)
{
    xmlNode *digest = vl_xml_find(doc, "/domain/metadata/vmlab:vm/vmlab:digest");
    g_autofree char *text = NULL;
    g_autofree char *sum = NULL;
    g_autofree char *value = NULL;

    if (!digest) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "domain '%s': the rendered XML lost its <vmlab:digest> metadata (check the "
                    "template and vm_xslt)",
                    name);
        return FALSE;
    }
    xmlNodeSetContent(digest, BAD_CAST "");
    text = vl_xml_to_string(doc);
    sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, text, -1);
    value = g_strconcat("sha256:", sum, NULL);
    xmlNodeSetContent(digest, BAD_CAST value);
    return TRUE;
}

xmlDoc *
vl_render_vm_doc(VlRenderer *r, const VlSpec *spec, const VlVm *vm, GError **error)
{
    xmlDoc *tmpl;
    g_autoptr(xmlDoc) input = NULL;
    g_autoptr(xmlDoc) out = NULL;
    xmlNode *model;

    if (vm->nics->len > VL_MAX_DATA_NICS) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "domain '%s': %u data NICs, at most %d are supported", vm->name, vm->nics->len,
                    VL_MAX_DATA_NICS);
        return NULL;
    }
    tmpl = vl_renderer_template(r, vm->template, error);
    if (!tmpl)
        return NULL;
    input = xmlCopyDoc(tmpl, 1);
    xmlAddChild(xmlDocGetRootElement(input), vl_render_model_new(r, spec, vm));

    out = vl_xslt_apply(r->domain_xsl, input, NULL, error);
    if (!out)
        return NULL;
    if (vm->layout_xslt) {
        xsltStylesheet *layout = vl_renderer_stylesheet(r, vm->layout_xslt, error);
        g_autoptr(GPtrArray) params = g_ptr_array_new();
        xmlDoc *next;

        if (!layout)
            return NULL;
        for (guint i = 0; i < vm->layout_params->len; i++)
            g_ptr_array_add(params, g_ptr_array_index(vm->layout_params, i));
        g_ptr_array_add(params, NULL);
        next = vl_xslt_apply(layout, out, (const char *const *)params->pdata, error);
        if (!next)
            return NULL;
        xmlFreeDoc(g_steal_pointer(&out));
        out = next;
    }
    if (vm->xslt) {
        xsltStylesheet *extra = vl_renderer_stylesheet(r, vm->xslt, error);
        xmlDoc *next;
        if (!extra)
            return NULL;
        next = vl_xslt_apply(extra, out, NULL, error);
        if (!next)
            return NULL;
        xmlFreeDoc(g_steal_pointer(&out));
        out = next;
    }
    if (!xmlDocGetRootElement(out) ||
        !xmlStrEqual(xmlDocGetRootElement(out)->name, BAD_CAST "domain")) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "domain '%s': the stylesheets did not produce a <domain>", vm->name);
        return NULL;
    }
    while ((model = vl_xml_find(out, "/domain/vlm:model"))) {
        xmlUnlinkNode(model);
        xmlFreeNode(model);
    }
    xmlReconciliateNs(out, xmlDocGetRootElement(out));
    if (!vl_render_stamp_digest(out, vm->name, error))
        return NULL;
    return g_steal_pointer(&out);
}

char *
vl_render_vm(VlRenderer *r, const VlSpec *spec, const VlVm *vm, GError **error)
{
    g_autoptr(xmlDoc) doc = vl_render_vm_doc(r, spec, vm, error);

    return doc ? vl_xml_to_string(doc) : NULL;
}

char *
vl_render_domain_digest(const char *xml)
{
    g_autoptr(xmlDoc) doc = vl_xml_parse_memory(xml, strlen(xml), "domain", NULL);
    xmlNode *digest;

    if (!doc)
        return NULL;
    digest = vl_xml_find(doc, "//vmlab:vm/vmlab:digest");
    if (!digest)
        return NULL;
    {
        xmlChar *c = xmlNodeGetContent(digest);
        char *s = g_strdup((const char *)c);
        xmlFree(c);
        return s;
    }
}
