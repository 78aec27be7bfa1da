/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-cli.c - what the command implementations share: spec loading with warnings, option parsing */
#include "vl-cli.h"

#include "vl-error.h"

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
