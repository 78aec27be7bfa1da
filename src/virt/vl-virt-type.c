/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-virt-type.c - chooses the virt type (kvm or qemu/TCG) from what a host can really run */
#include "vl-virt-type.h"

#include "vl-error.h"
#include "vl-virt-error.h"
#include "vl-log.h"
#include "vl-xml.h"

#include <fcntl.h>
#include <libvirt/virterror.h>
#include <libxml/xpath.h>
#include <string.h>
#include <unistd.h>

/*
 * Why not just open /dev/kvm: some hosts (paravirtualised KVM, as on this project's CI machines)
 * have a /dev/kvm that libvirt happily offers, yet QEMU cannot run a stock guest on it. Real
 * hardware virtualisation shows as the vmx (Intel) or svm (AMD) CPU flag. libvirt's capabilities
 * name the host CPU as a model plus the features beyond that model, and a model such as EPYC
 * already includes svm, so the model is expanded into its full feature list before looking.
 */

void
vl_virt_type_free(VlVirtType *vt)
{
    if (!vt)
        return;
    g_free(vt->type);
    g_free(vt->reason);
    g_free(vt);
}

static VlVirtType *
vl_virt_type_new(const char *type, char *reason)
{
    VlVirtType *vt = g_new0(VlVirtType, 1);

    vt->type = g_strdup(type);
    vt->reason = reason;
    return vt;
}

gboolean
vl_virt_type_check(const char *type, const char *what, GError **error)
{
    if (type && (g_str_equal(type, "qemu") || g_str_equal(type, "kvm")))
        return TRUE;
    g_set_error(error, VL_ERROR, VL_ERROR_USAGE, "%s: virt type must be 'qemu' or 'kvm', got '%s'",
                what, type ? type : "");
    return FALSE;
}

char *
vl_virt_type_describe(const VlVirtType *vt)
{
    return g_strdup_printf("virt type %s: %s",
                           g_str_equal(vt->type, "qemu") ? "qemu (TCG)" : vt->type, vt->reason);
}

/* Return: TRUE when @names (feature names) hold vmx or svm; stores which in @which. */
static gboolean
vl_virt_type_has_hw(GHashTable *names, const char **which)
{
    if (g_hash_table_contains(names, "vmx")) {
        *which = "vmx";
        return TRUE;
    }
    if (g_hash_table_contains(names, "svm")) {
        *which = "svm";
        return TRUE;
    }
    return FALSE;
}

/* Adds the names of the enabled <feature> elements matched by @expr in @doc to @names. */
static void
vl_virt_type_add_features(xmlDoc *doc, const char *expr, GHashTable *names)
{
    g_autoptr(xmlXPathContext) ctxt = xmlXPathNewContext(doc);
    g_autoptr(xmlXPathObject) res = xmlXPathEvalExpression(BAD_CAST expr, ctxt);

    if (!res || !res->nodesetval)
        return;
    for (int i = 0; i < res->nodesetval->nodeNr; i++) {
        xmlNode *f = res->nodesetval->nodeTab[i];
        g_autofree xmlChar *name = xmlGetProp(f, BAD_CAST "name");
        g_autofree xmlChar *policy = xmlGetProp(f, BAD_CAST "policy");

        if (!name)
            continue;
        if (policy &&
            (xmlStrEqual(policy, BAD_CAST "disable") || xmlStrEqual(policy, BAD_CAST "forbid")))
            continue;
        g_hash_table_add(names, g_strdup((const char *)name));
    }
}

static char *
vl_virt_type_xpath_string(xmlDoc *doc, const char *expr)
{
    g_autoptr(xmlXPathContext) ctxt = xmlXPathNewContext(doc);
    g_autoptr(xmlXPathObject) res = xmlXPathEvalExpression(BAD_CAST expr, ctxt);

    if (!res || res->type != XPATH_STRING || !res->stringval || !*res->stringval)
        return NULL;
    return g_strdup((const char *)res->stringval);
}

/*
 * Expands @cpu_xml (a host <cpu>) into every feature of its model. virConnectBaselineCPU expands
 * from libvirt's CPU map alone; the hypervisor variant is the newer API for drivers without it.
 * Return: (transfer full) (nullable): the expanded <cpu> XML, NULL when neither API can.
 */
static char *
vl_virt_type_expand(virConnectPtr conn, const char *cpu_xml, const char *arch)
{
    const char *cpus[] = {cpu_xml};
    char *out;

    out = virConnectBaselineCPU(conn, cpus, 1, VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES);
    if (out)
        return out;
    return virConnectBaselineHypervisorCPU(conn, NULL, arch, NULL, "kvm", cpus, 1,
                                           VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES);
}

VlVirtType *
vl_virt_type_from_caps(virConnectPtr conn, const char *caps_xml, gboolean kvm_offered,
                       GError **error)
{
    g_autoptr(xmlDoc) doc = vl_xml_parse_memory(caps_xml, strlen(caps_xml), "capabilities", error);
    g_autoptr(GHashTable) names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autofree char *arch = NULL;
    g_autofree char *model = NULL;
    g_autofree char *cpu_desc = NULL;
    const char *which = NULL;
    gboolean expanded = FALSE;

    if (!doc)
        return NULL;
    arch = vl_virt_type_xpath_string(doc, "string(/capabilities/host/cpu/arch)");
    model = vl_virt_type_xpath_string(doc, "string(/capabilities/host/cpu/model)");
    if (!arch) {
        g_set_error(error, VL_ERROR, VL_ERROR_LIBVIRT,
                    "libvirt's capabilities name no host CPU architecture");
        return NULL;
    }
    cpu_desc = model ? g_strdup_printf("%s %s", arch, model) : g_strdup(arch);
    if (!kvm_offered)
        return vl_virt_type_new("qemu", g_strdup_printf("libvirt offers no kvm domains on this "
                                                        "host (CPU %s)",
                                                        cpu_desc));
    if (!g_str_equal(arch, "x86_64") && !g_str_equal(arch, "i686"))
        return vl_virt_type_new("kvm", g_strdup_printf("libvirt offers kvm (CPU %s)", cpu_desc));

    vl_virt_type_add_features(doc, "/capabilities/host/cpu/feature", names);
    if (!vl_virt_type_has_hw(names, &which) && conn && model) {
        g_autoptr(xmlXPathContext) ctxt = xmlXPathNewContext(doc);
        g_autoptr(xmlXPathObject) res =
            xmlXPathEvalExpression(BAD_CAST "/capabilities/host/cpu", ctxt);
        g_autoptr(xmlBuffer) buf = xmlBufferCreate();
        g_autofree char *full = NULL;

        if (res && res->nodesetval && res->nodesetval->nodeNr == 1 &&
            xmlNodeDump(buf, doc, res->nodesetval->nodeTab[0], 0, 0) > 0)
            full = vl_virt_type_expand(conn, (const char *)xmlBufferContent(buf), arch);
        if (full) {
            g_autoptr(xmlDoc) cpu = vl_xml_parse_memory(full, strlen(full), "baseline CPU", NULL);
            if (cpu) {
                vl_virt_type_add_features(cpu, "/cpu/feature", names);
                expanded = TRUE;
            }
        }
    }
    if (vl_virt_type_has_hw(names, &which))
        return vl_virt_type_new(
            "kvm", g_strdup_printf("libvirt offers kvm, host CPU %s has %s", cpu_desc, which));
    return vl_virt_type_new("qemu",
                            g_strdup_printf("libvirt offers kvm, but host CPU %s is without "
                                            "vmx/svm%s (a paravirtualised KVM cannot boot stock "
                                            "guests)",
                                            cpu_desc, expanded ? "" : " (model not expanded)"));
}

/* Return: whether @conn's domain capabilities (else its capabilities) offer kvm for @arch. */
static gboolean
vl_virt_type_kvm_offered(virConnectPtr conn, const char *caps_xml, const char *arch)
{
    g_autofree char *domcaps = virConnectGetDomainCapabilities(conn, NULL, arch, NULL, "kvm", 0);
    g_autoptr(xmlDoc) doc = NULL;
    g_autofree char *expr = NULL;
    g_autofree char *hit = NULL;

    if (domcaps)
        return strstr(domcaps, "<domain>kvm</domain>") != NULL;
    if (virGetLastErrorCode() != VIR_ERR_NO_SUPPORT)
        return FALSE;
    /* Drivers without domain capabilities (the test driver) still list guest domain types. */
    doc = vl_xml_parse_memory(caps_xml, strlen(caps_xml), "capabilities", NULL);
    if (!doc)
        return FALSE;
    expr = g_strdup_printf("string(/capabilities/guest/arch[@name='%s']/domain[@type='kvm']/"
                           "@type)",
                           arch);
    hit = vl_virt_type_xpath_string(doc, expr);
    return hit != NULL;
}

VlVirtType *
vl_virt_type_detect(virConnectPtr conn, GError **error)
{
    g_autofree char *caps = virConnectGetCapabilities(conn);
    g_autoptr(xmlDoc) doc = NULL;
    g_autofree char *arch = NULL;

    if (!caps) {
        g_autofree char *uri = virConnectGetURI(conn);
        vl_error_set_libvirt(error, "cannot read the host capabilities of '%s'", uri);
        return NULL;
    }
    doc = vl_xml_parse_memory(caps, strlen(caps), "capabilities", error);
    if (!doc)
        return NULL;
    arch = vl_virt_type_xpath_string(doc, "string(/capabilities/host/cpu/arch)");
    vl_trace("virConnectGetCapabilities, virConnectGetDomainCapabilities(%s, kvm), "
             "virConnectBaselineHypervisorCPU",
             arch ? arch : "?");
    return vl_virt_type_from_caps(conn, caps, arch && vl_virt_type_kvm_offered(conn, caps, arch),
                                  error);
}

VlVirtType *
vl_virt_type_from_local(gboolean kvm_dev_opens, const char *cpuinfo)
{
    g_auto(GStrv) lines = g_strsplit(cpuinfo ? cpuinfo : "", "\n", -1);
    gboolean x86 = FALSE;
    const char *which = NULL;

    for (guint i = 0; lines[i] && !which; i++) {
        g_auto(GStrv) kv = g_strsplit(lines[i], ":", 2);
        g_auto(GStrv) flags = NULL;

        if (!kv[0] || !kv[1] || !g_str_equal(g_strstrip(kv[0]), "flags"))
            continue;
        x86 = TRUE;
        flags = g_strsplit(kv[1], " ", -1);
        for (guint j = 0; flags[j] && !which; j++) {
            if (g_str_equal(flags[j], "vmx"))
                which = "vmx";
            else if (g_str_equal(flags[j], "svm"))
                which = "svm";
        }
    }
    if (!kvm_dev_opens)
        return vl_virt_type_new("qemu", g_strdup("no usable /dev/kvm"));
    if (!x86)
        return vl_virt_type_new("kvm", g_strdup("/dev/kvm present"));
    if (which)
        return vl_virt_type_new("kvm", g_strdup_printf("/dev/kvm present, CPU has %s", which));
    return vl_virt_type_new("qemu", g_strdup("/dev/kvm present, CPU without vmx/svm"));
}

VlVirtType *
vl_virt_type_detect_local(void)
{
    g_autofree char *cpuinfo = NULL;
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    gboolean opens = fd >= 0;

    if (fd >= 0)
        close(fd);
    g_file_get_contents("/proc/cpuinfo", &cpuinfo, NULL, NULL);
    return vl_virt_type_from_local(opens, cpuinfo);
}

VlVirtType *
vl_virt_type_choose(const char *option, const char *spec_value, virConnectPtr conn, GError **error)
{
    const char *env = g_getenv("VMLAB_VIRT_TYPE");

    if (option) {
        if (!vl_virt_type_check(option, "--virt-type", error))
            return NULL;
        return vl_virt_type_new(option, g_strdup("set by --virt-type"));
    }
    if (env && *env) {
        if (!vl_virt_type_check(env, "$VMLAB_VIRT_TYPE", error))
            return NULL;
        return vl_virt_type_new(env, g_strdup("set by $VMLAB_VIRT_TYPE"));
    }
    if (spec_value) {
        if (!vl_virt_type_check(spec_value, "topology.json: vmlab.virt_type", error))
            return NULL;
        return vl_virt_type_new(spec_value, g_strdup("set by vmlab.virt_type in topology.json"));
    }
    if (!conn)
        return vl_virt_type_detect_local();
    return vl_virt_type_detect(conn, error);
}
