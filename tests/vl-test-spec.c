/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-test-spec.c - helpers for the g_test programs that load specs (links the spec library) */
#include "vl-test-spec.h"

#include "vl-diag.h"

VlSpec *
vl_test_spec_load(const char *dir, guint *warnings)
{
    g_autoptr(VlDiag) diag = vl_diag_new();
    g_autoptr(GError) err = NULL;
    VlSpec *spec = vl_spec_load(dir, diag);

    vl_diag_to_error(diag, &err);
    g_assert_no_error(err);
    g_assert_nonnull(spec);
    if (warnings)
        *warnings = vl_diag_count(diag, VL_DIAG_WARNING);
    return spec;
}
