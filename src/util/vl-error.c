/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-error.c - the one GError domain of vmlab-virt and its mapping to exit codes */
#include "vl-error.h"

/* Written out rather than with G_DEFINE_QUARK, whose argument clang-format would space out. */
GQuark
vl_error_quark(void)
{
    return g_quark_from_static_string("vmlab-virt-error-quark");
}

int
vl_error_exit_code(const GError *error)
{
    if (!error)
        return 0;
    if (error->domain == VL_ERROR &&
        (error->code == VL_ERROR_INVALID || error->code == VL_ERROR_USAGE))
        return 2;
    if (error->domain == G_OPTION_ERROR)
        return 2;
    return 1;
}
