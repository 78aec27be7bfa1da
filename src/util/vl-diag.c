/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-diag.c - a list of problems found in input files, reported all at once */
#include "vl-diag.h"

#include "vl-error.h"

struct _VlDiag {
    GPtrArray *items; /* VlDiagItem */
};

static void
vl_diag_item_free(gpointer data)
{
    VlDiagItem *item = data;

    g_free(item->file);
    g_free(item->path);
    g_free(item->message);
    g_free(item);
}

VlDiag *
vl_diag_new(void)
{
    VlDiag *diag = g_new0(VlDiag, 1);

    diag->items = g_ptr_array_new_with_free_func(vl_diag_item_free);
    return diag;
}

void
vl_diag_free(VlDiag *diag)
{
    if (!diag)
        return;
    g_ptr_array_unref(diag->items);
    g_free(diag);
}

void
vl_diag_add(VlDiag *diag, VlDiagLevel level, const char *file, const char *path, const char *fmt,
            ...)
{
    va_list ap;
    VlDiagItem *item = g_new0(VlDiagItem, 1);

    item->level = level;
    item->file = g_strdup(file ? file : "");
    item->path = g_strdup(path ? path : "");
    va_start(ap, fmt);
    item->message = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_ptr_array_add(diag->items, item);
}

guint
vl_diag_count(const VlDiag *diag, VlDiagLevel level)
{
    guint n = 0;

    for (guint i = 0; i < diag->items->len; i++) {
        const VlDiagItem *item = g_ptr_array_index(diag->items, i);
        if (item->level == level)
            n++;
    }
    return n;
}

gboolean
vl_diag_contains(const VlDiag *diag, const VlDiagItem *item)
{
    for (guint i = 0; i < diag->items->len; i++) {
        const VlDiagItem *o = g_ptr_array_index(diag->items, i);
        if (g_str_equal(o->file, item->file) && g_str_equal(o->path, item->path) &&
            g_str_equal(o->message, item->message))
            return TRUE;
    }
    return FALSE;
}

const GPtrArray *
vl_diag_items(const VlDiag *diag)
{
    return diag->items;
}

char *
vl_diag_item_format(const VlDiagItem *item)
{
    GString *s = g_string_new(NULL);

    if (item->level == VL_DIAG_WARNING)
        g_string_append(s, "warning: ");
    if (*item->file)
        g_string_append_printf(s, "%s: ", item->file);
    if (*item->path)
        g_string_append_printf(s, "%s: ", item->path);
    g_string_append(s, item->message);
    return g_string_free(s, FALSE);
}

gboolean
vl_diag_to_error(const VlDiag *diag, GError **error)
{
    g_autoptr(GString) s = NULL;

    if (vl_diag_count(diag, VL_DIAG_ERROR) == 0)
        return TRUE;
    s = g_string_new(NULL);
    for (guint i = 0; i < diag->items->len; i++) {
        const VlDiagItem *item = g_ptr_array_index(diag->items, i);
        g_autofree char *line = NULL;

        if (item->level != VL_DIAG_ERROR)
            continue;
        line = vl_diag_item_format(item);
        if (s->len)
            g_string_append_c(s, '\n');
        g_string_append(s, line);
    }
    g_set_error_literal(error, VL_ERROR, VL_ERROR_INVALID, s->str);
    return FALSE;
}
