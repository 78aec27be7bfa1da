/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-spec-sros.c - Nokia SR OS devices: settings, card VMs, port placement, TIMOS lines, disk
 * layouts */
#include "vl-spec-private.h"

#include "vl-fs.h"
#include "vl-json.h"
#include "vl-spec-settings.h"

#include <stdlib.h>
#include <string.h>

/*
 * An SR OS device is one VM per card for the distributed types (vsim, magc: cards "a", "b" are
 * CPMs, numbers are line cards, named vmtype-vmid-card) or one VM for the integrated types (vpc,
 * vsri: vmtype-vmid). Every card VM has the management NIC (guest 10.0.2.2/24, host 10.0.2.1);
 * the cards of a distributed router share a fabric segment (NIC 1, a UDP multicast group of its
 * own); data ports "card/mda/port" are NICs of the line card's VM (integrated: of the one VM),
 * numbered (mda - 1) * ports_per_mda + port, after the fabric NIC.
 */

static const struct {
    const char *name;
    VlSrosType type;
    const char *chassis, *cpm_card, *iom_card, *mda;
} vl_sros_types[] = {
    {"vsim", VL_SROS_VSIM, "SR-7", "cpm5", "iom4-e", "me10-10gb-sfp+"},
    {"magc", VL_SROS_MAGC, "VSR-I", "cpm-v", "iom-v", "m20-v"},
    {"vpc", VL_SROS_VPC, "VSR-I", "cpm-v", "iom-v", "m20-v"},
    {"vsri", VL_SROS_VSRI, "VSR-I", "cpm-v", "iom-v", "m20-v"},
};

#define VL_SROS_MGMT_HOST  "10.0.2.1"
#define VL_SROS_MGMT_GUEST "10.0.2.2"

gboolean
vl_sros_is_distributed(const VlSros *s)
{
    return s->type == VL_SROS_VSIM || s->type == VL_SROS_MAGC;
}

static const char *
vl_sros_type_name(VlSrosType t)
{
    for (guint i = 0; i < G_N_ELEMENTS(vl_sros_types); i++) {
        if (vl_sros_types[i].type == t)
            return vl_sros_types[i].name;
    }
    return "none";
}

void
vl_sros_free(VlSros *s)
{
    if (!s)
        return;
    g_ptr_array_unref(s->cards);
    g_ptr_array_unref(s->mdas);
    g_free(s->chassis);
    g_free(s->cpm_card);
    g_free(s->iom_card);
    g_free(s->timos_extra);
    g_free(s->cpm_image);
    g_free(s->iom_image);
    g_free(s->timos_path);
    g_free(s->license);
    g_free(s->vm_uuid);
    g_free(s->fabric_group);
    g_free(s);
}

static const char *
vl_sros_string(const VlNode *node, const char *key, const char *def)
{
    json_object *v = vl_spec_sros_setting_lookup(node, key, NULL);

    return v && json_object_is_type(v, json_type_string) && *json_object_get_string(v)
               ? json_object_get_string(v)
               : def;
}

static guint64
vl_sros_posint(const VlNode *node, const char *key, guint64 def)
{
    json_object *v = vl_spec_sros_setting_lookup(node, key, NULL);

    return v && json_object_is_type(v, json_type_int) && json_object_get_int64(v) > 0
               ? (guint64)json_object_get_int64(v)
               : def;
}

gboolean
vl_spec_sros_resolve(VlSpec *spec, VlNode *node, guint router_ordinal, VlDiag *diag)
{
    const char *type = vl_spec_setting_string(node, "vm_type", NULL);
    g_autofree char *rel = g_strdup_printf("profiles/%s.json", node->name);
    json_object *v;
    VlSros *s;
    guint t = 0;
    const char *p;

    if (!type)
        return FALSE;
    while (t < G_N_ELEMENTS(vl_sros_types) && !g_str_equal(vl_sros_types[t].name, type))
        t++;
    if (t == G_N_ELEMENTS(vl_sros_types))
        return FALSE; /* reported by the settings check */
    s = node->sros = g_new0(VlSros, 1);
    s->type = vl_sros_types[t].type;
    s->cards = g_ptr_array_new_with_free_func(g_free);
    s->mdas = g_ptr_array_new_with_free_func(g_free);
    s->vm_id = (guint)vl_spec_setting_posint(node, "vm_id", 0);
    if (!s->vm_id)
        vl_diag_error(diag, rel, "vm_id", "SR OS device '%s' needs a vm_id (a positive integer)",
                      node->name);

    v = vl_spec_setting_lookup(node, "cards", NULL);
    if (vl_sros_is_distributed(s)) {
        if (!v || !json_object_is_type(v, json_type_array)) {
            vl_diag_error(diag, rel, "cards",
                          "distributed SR OS device '%s' (%s) needs its cards, e.g. [\"a\", 1]",
                          node->name, type);
        } else {
            guint cpms = 0;
            for (size_t i = 0; i < json_object_array_length(v); i++) {
                json_object *c = json_object_array_get_idx(v, i);
                char *card = json_object_is_type(c, json_type_int)
                                 ? g_strdup_printf("%" G_GINT64_FORMAT, json_object_get_int64(c))
                                 : g_strdup(json_object_get_string(c));
                for (guint j = 0; j < s->cards->len; j++) {
                    if (g_str_equal(g_ptr_array_index(s->cards, j), card)) {
                        g_autofree char *where = NULL;
                        vl_spec_setting_lookup(node, "cards", &where);
                        vl_diag_error(diag, NULL, where, "card '%s' is listed twice", card);
                    }
                }
                cpms += g_ascii_isalpha(card[0]);
                g_ptr_array_add(s->cards, card);
            }
            if (!cpms)
                vl_diag_error(diag, rel, "cards", "device '%s' has no CPM card (\"a\" or \"b\")",
                              node->name);
        }
    } else if (v) {
        g_autofree char *where = NULL;
        vl_spec_setting_lookup(node, "cards", &where);
        vl_diag_error(diag, NULL, where,
                      "an integrated SR OS device (%s) is one VM: it takes no cards", type);
    }

    s->chassis = g_strdup(vl_sros_string(node, "chassis", vl_sros_types[t].chassis));
    s->cpm_card = g_strdup(vl_sros_string(node, "cpm_card", vl_sros_types[t].cpm_card));
    s->iom_card = g_strdup(vl_sros_string(node, "iom_card", vl_sros_types[t].iom_card));
    v = vl_spec_sros_setting_lookup(node, "mdas", NULL);
    if (v && json_object_is_type(v, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(v); i++)
            g_ptr_array_add(s->mdas,
                            g_strdup(json_object_get_string(json_object_array_get_idx(v, i))));
    }
    if (!s->mdas->len)
        g_ptr_array_add(s->mdas, g_strdup(vl_sros_types[t].mda));
    s->timos_extra = g_strdup(vl_sros_string(node, "timos_extra", NULL));
    if ((p = vl_sros_string(node, "cpm_image", NULL)))
        s->cpm_image = vl_spec_image_value(p, spec->dir);
    if ((p = vl_sros_string(node, "iom_image", NULL)))
        s->iom_image = vl_spec_image_value(p, spec->dir);
    if ((p = vl_sros_string(node, "license", NULL)))
        s->license = vl_fs_expand_path(p, spec->dir);
    s->timos_path = g_strdup(vl_sros_string(node, "timos_path", "/sros"));
    s->vm_uuid = g_strdup(vl_spec_setting_string(node, "vm_uuid", NULL));
    s->cpm_memory = vl_sros_posint(node, "cpm_memory", node->memory_mb);
    s->cpm_cpus = (guint)vl_sros_posint(node, "cpm_cpus", node->cpus);
    s->iom_memory = vl_sros_posint(node, "iom_memory", node->memory_mb);
    s->iom_cpus = (guint)vl_sros_posint(node, "iom_cpus", node->cpus);
    s->ports_per_mda = (guint)vl_sros_posint(node, "ports_per_mda", 10);
    if (vl_sros_is_distributed(s)) {
        s->fabric_group =
            g_strdup_printf("239.255.%u.%u", 1 + router_ordinal / 250, 1 + router_ordinal % 250);
        s->fabric_port = spec->fabric_port_base + router_ordinal;
    }

    if (!s->cpm_image && !node->kernel)
        vl_diag_error(diag, rel, "sros.cpm_image",
                      "SR OS device '%s' has no CPM image: set sros.cpm_image", node->name);
    for (guint i = 0; i < s->cards->len; i++) {
        const char *card = g_ptr_array_index(s->cards, i);
        if (g_ascii_isdigit(card[0]) && !s->iom_image && !node->kernel) {
            vl_diag_error(diag, rel, "sros.iom_image",
                          "SR OS device '%s' has line cards but no sros.iom_image", node->name);
            break;
        }
    }
    return TRUE;
}

guint
vl_spec_sros_vm_count(const VlNode *node)
{
    return node->sros && vl_sros_is_distributed(node->sros) ? MAX(node->sros->cards->len, 1) : 1;
}

/* Return: the index of @card in the node's VMs (= its position in cards), or -1. */
static int
vl_sros_card_index(const VlSros *s, const char *card)
{
    for (guint i = 0; i < s->cards->len; i++) {
        if (g_str_equal(g_ptr_array_index(s->cards, i), card))
            return (int)i;
    }
    return -1;
}

guint
vl_spec_sros_place(const VlNode *node, VlIface *iface, char **why)
{
    const VlSros *s = node->sros;
    g_auto(GStrv) parts = g_strsplit(iface->name, "/", -1);
    guint64 card, mda, port;
    char *end;

    if (g_strv_length(parts) != 3) {
        *why = g_strdup("SR OS ports are named card/mda/port, e.g. 1/1/1");
        return 0;
    }
    card = g_ascii_strtoull(parts[0], &end, 10);
    if (*end || !*parts[0])
        goto bad;
    mda = g_ascii_strtoull(parts[1], &end, 10);
    if (*end || !*parts[1])
        goto bad;
    port = g_ascii_strtoull(parts[2], &end, 10);
    if (*end || !*parts[2])
        goto bad;
    if (vl_sros_is_distributed(s)) {
        int idx = vl_sros_card_index(s, parts[0]);
        if (idx < 0) {
            *why = g_strdup_printf("card %s is not one of the device's cards", parts[0]);
            return 0;
        }
        iface->vm_index = (guint)idx;
    } else if (card != 1) {
        *why = g_strdup("an integrated SR OS device has only card 1");
        return 0;
    }
    if (mda < 1 || mda > s->mdas->len) {
        *why = g_strdup_printf("MDA %" G_GUINT64_FORMAT " is not configured (sros.mdas has %u)",
                               mda, s->mdas->len);
        return 0;
    }
    if (port < 1 || port > s->ports_per_mda) {
        *why = g_strdup_printf("port %" G_GUINT64_FORMAT " is outside 1..%u (sros.ports_per_mda)",
                               port, s->ports_per_mda);
        return 0;
    }
    /* After the fabric NIC on distributed routers. */
    return (guint)((mda - 1) * s->ports_per_mda + port) + (vl_sros_is_distributed(s) ? 1 : 0);

bad:
    *why = g_strdup("SR OS ports are named card/mda/port with numbers, e.g. 1/1/1");
    return 0;
}

/* Return: (transfer full): the TIMOS line of @card ("a", "b", a number, or NULL for integrated). */
static char *
vl_sros_timos_line(const VlSros *s, const char *card)
{
    GString *t = g_string_new("TIMOS:");
    gboolean cpm = !card || g_ascii_isalpha(card[0]);

    g_string_append_printf(t, "slot=%s chassis=%s card=%s",
                           card ? (cpm ? (card[0] == 'a' ? "A" : "B") : card) : "A", s->chassis,
                           cpm ? s->cpm_card : s->iom_card);
    if (!cpm || !card) {
        for (guint i = 0; i < s->mdas->len; i++)
            g_string_append_printf(t, " mda/%u=%s", i + 1,
                                   (const char *)g_ptr_array_index(s->mdas, i));
    }
    if (cpm) {
        g_string_append(t, " address=" VL_SROS_MGMT_GUEST "/24@active");
        if (s->license)
            g_string_append(t, " license-file=cf3:/license.txt");
    }
    if (s->timos_extra)
        g_string_append_printf(t, " %s", s->timos_extra);
    return g_string_free(t, FALSE);
}

static void vl_sros_vm_layout(VlVm *vm, const char *xslt_dir, const char *name,
                              ...) G_GNUC_NULL_TERMINATED;

/* Lays out @vm's disk with stylesheet @name; the variadic part is NAME, VALUE pairs, then NULL. */
static void
vl_sros_vm_layout(VlVm *vm, const char *xslt_dir, const char *name, ...)
{
    va_list ap;
    const char *p;

    vm->layout_xslt = g_build_filename(xslt_dir, name, NULL);
    vm->layout_params = g_ptr_array_new_with_free_func(g_free);
    va_start(ap, name);
    while ((p = va_arg(ap, const char *)))
        g_ptr_array_add(vm->layout_params, g_strdup(p));
    va_end(ap);
}

void
vl_spec_sros_expand(VlSpec *spec, VlNode *node, VlVmNewFunc vm_new)
{
    const VlSros *s = node->sros;
    g_autofree char *lab_dir = vl_fs_lab_dir(spec->name);
    g_autofree char *xslt_dir = vl_fs_data_dir("xslt");
    guint n = vl_spec_sros_vm_count(node);

    for (guint i = 0; i < n; i++) {
        const char *card =
            vl_sros_is_distributed(s) && s->cards->len ? g_ptr_array_index(s->cards, i) : NULL;
        gboolean cpm = !card || g_ascii_isalpha(card[0]);
        g_autofree char *name = card ? g_strdup_printf("%s%s-%u-%s", spec->domain_prefix,
                                                       vl_sros_type_name(s->type), s->vm_id, card)
                                     : g_strdup_printf("%s%s-%u", spec->domain_prefix,
                                                       vl_sros_type_name(s->type), s->vm_id);
        VlVm *vm = vm_new(spec, node, name, card ? (cpm ? "cpm" : "iom") : "router");

        vm->card = g_strdup(card);
        vm->smbios_product = vl_sros_timos_line(s, card);
        vm->mgmt_host = g_strdup(VL_SROS_MGMT_HOST);
        vm->mgmt_guest = g_strdup(VL_SROS_MGMT_GUEST);
        vm->memory_mb = cpm && card ? s->cpm_memory : card ? s->iom_memory : node->memory_mb;
        vm->cpus = cpm && card ? s->cpm_cpus : card ? s->iom_cpus : node->cpus;
        if (i == 0) {
            vm->console_port = node->console_port;
            vm->ssh_port = node->ssh_port;
        } else {
            guint k = spec->nodes->len + node->first_extra_vm + i - 1;
            vm->console_port = spec->console_port_base + k;
            vm->ssh_port = spec->ssh_port_base + k;
        }
        if (cpm && s->cpm_image) {
            /* cf3: a persistent raw copy of the CPM image, kept across down/up */
            g_autofree char *file = g_strdup_printf("%s.img", name);
            vm->uuid = g_strdup(s->vm_uuid);
            vm->disk_path = g_build_filename(lab_dir, "persist", file, NULL);
            vm->disk_format = g_strdup("raw");
            vm->copy_from = g_strdup(s->cpm_image);
            vl_sros_vm_layout(vm, xslt_dir, "sros-cpm-disk.xsl", "disk_path", vm->disk_path,
                              (const char *)NULL);
        } else if (!cpm && s->iom_image) {
            /* an ephemeral qcow2 overlay on the shared IOM base */
            g_autofree char *file = g_strdup_printf("%s.qcow2", name);
            vm->disk_path = g_build_filename(lab_dir, "disks", file, NULL);
            vm->disk_format = g_strdup("qcow2");
            vm->backing_path = g_strdup(s->iom_image);
            vm->backing_format = g_strdup("qcow2");
            vl_sros_vm_layout(vm, xslt_dir, "sros-iom-disk.xsl", "overlay_path", vm->disk_path,
                              "base_path", s->iom_image, (const char *)NULL);
        }
    }
}
