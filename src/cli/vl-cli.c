/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-cli.c - what the command implementations share: spec loading with warnings, option parsing */
#include "vl-cli.h"

#include "vl-error.h"
#include "vl-fs.h"
#include "vl-virt-type.h"

#include <string.h>

VlSpec *
vl_cli_spec_load(const char *dir, gboolean need_images, GError **error)
{
    g_autoptr(VlDiag) diag = vl_diag_new();
    g_autoptr(VlSpec) spec = vl_spec_load(dir, diag);
    const GPtrArray *items;

    if (spec && need_images) {
        /* Missing images were warnings; for this command they are errors. */
        g_autoptr(VlDiag) strict = vl_diag_new();
        if (!vl_spec_check_images(spec, strict)) {
            vl_diag_to_error(strict, error);
            return NULL;
        }
    }
    items = vl_diag_items(diag);
    for (guint i = 0; i < items->len; i++) {
        const VlDiagItem *item = g_ptr_array_index(items, i);
        g_autofree char *line = NULL;

        if (item->level != VL_DIAG_WARNING || need_images)
            continue;
        line = vl_diag_item_format(item);
        g_printerr("%s\n", line);
    }
    if (!vl_diag_to_error(diag, error))
        return NULL;
    return g_steal_pointer(&spec);
}

gboolean
vl_cli_parse(GOptionContext *ctx, int *argc, char ***argv, GError **error)
{
    g_autoptr(GError) err = NULL;

    if (!g_option_context_parse(ctx, argc, argv, &err)) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE, "%s (see '%s --help')", err->message,
                    (*argv)[0]);
        return FALSE;
    }
    return TRUE;
}

void
vl_cli_known_hosts_forget(const char *path, const char *host, guint port)
{
    g_autofree char *text = NULL;
    g_autofree char *prefix = g_strdup_printf("[%s]:%u ", host, port);
    g_autoptr(GString) out = g_string_new(NULL);
    g_auto(GStrv) lines = NULL;
    gboolean dropped = FALSE;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return;
    lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; lines[i]; i++) {
        if (g_str_has_prefix(lines[i], prefix)) {
            dropped = TRUE;
            continue;
        }
        if (*lines[i])
            g_string_append_printf(out, "%s\n", lines[i]);
    }
    if (dropped)
        vl_fs_write_atomic(path, out->str, out->len, 0600, NULL);
}

GPtrArray *
vl_cli_lab_vms(virConnectPtr conn, const char *lab, const char *name, char **lab_out,
               GError **error)
{
    g_autoptr(GHashTable) doms = vl_conn_lab_domains(conn, lab, error);
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GList) keys = NULL;
    const char *found_lab = NULL;

    if (!doms)
        return NULL;
    keys = g_list_sort(g_hash_table_get_keys(doms), (GCompareFunc)g_strcmp0);
    for (GList *l = keys; l; l = l->next) {
        const VlDomainMeta *m = g_hash_table_lookup(doms, l->data);
        if (!g_str_equal(l->data, name) && g_strcmp0(m->node, name) != 0)
            continue;
        if (found_lab && !g_str_equal(found_lab, m->lab)) {
            g_set_error(error, VL_ERROR, VL_ERROR_USAGE,
                        "'%s' is in labs '%s' and '%s': say which with --lab", name, found_lab,
                        m->lab);
            return NULL;
        }
        found_lab = m->lab;
        g_ptr_array_add(out, g_strdup(l->data));
    }
    if (!out->len) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE, "no vmlab domain or device named '%s'%s%s",
                    name, lab ? " in lab " : "", lab ? lab : "");
        return NULL;
    }
    if (lab_out)
        *lab_out = g_strdup(found_lab);
    return g_steal_pointer(&out);
}

VlRenderer *
vl_cli_renderer_new(const char *virt_type, const VlSpec *spec, virConnectPtr conn, char **line,
                    GError **error)
{
    g_autoptr(VlVirtType) vt = vl_virt_type_choose(virt_type, spec->virt_type, conn, error);
    VlRenderer *r;

    if (!vt)
        return NULL;
    r = vl_renderer_new(vt->type, error);
    if (r && line)
        *line = vl_virt_type_describe(vt);
    return r;
}
