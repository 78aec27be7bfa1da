/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-diag.h - a list of problems found in input files, reported all at once */
#pragma once

#include <glib.h>

typedef enum {
    VL_DIAG_ERROR,
    VL_DIAG_WARNING,
} VlDiagLevel;

typedef struct {
    VlDiagLevel level;
    char *file; /* as shown to the user, e.g. "topology.json" */
    char *path; /* JSON path, e.g. "links[3].z", or "" for the whole file */
    char *message;
} VlDiagItem;

typedef struct _VlDiag VlDiag;

VlDiag *vl_diag_new(void);
void vl_diag_free(VlDiag *diag);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlDiag, vl_diag_free)

void vl_diag_add(VlDiag *diag, VlDiagLevel level, const char *file, const char *path,
                 const char *fmt, ...) G_GNUC_PRINTF(5, 6);
#define vl_diag_error(d, f, p, ...)   vl_diag_add((d), VL_DIAG_ERROR, (f), (p), __VA_ARGS__)
#define vl_diag_warning(d, f, p, ...) vl_diag_add((d), VL_DIAG_WARNING, (f), (p), __VA_ARGS__)

/* Return: the number of items at @level. */
guint vl_diag_count(const VlDiag *diag, VlDiagLevel level);
/* Return: TRUE if @diag has an item with @item's file, path and message, at any level. */
gboolean vl_diag_contains(const VlDiag *diag, const VlDiagItem *item);
/* Return: (transfer none): the items in the order they were added. */
const GPtrArray *vl_diag_items(const VlDiag *diag);
/* Return: (transfer full): one item formatted as "FILE: PATH: message" (warnings prefixed "warning:
 * "). */
char *vl_diag_item_format(const VlDiagItem *item);
/**
 * vl_diag_to_error:
 *
 * Sets a VL_ERROR_INVALID error whose message lists every error item, one per line.
 * Return: FALSE if there were errors (and @error was set), TRUE otherwise.
 */
gboolean vl_diag_to_error(const VlDiag *diag, GError **error);
