/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-error.c - the one GError domain of vmlab-virt and its mapping to exit codes */
#include "vl-error.h"

#include <libvirt/virterror.h>

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

void
vl_error_set_libvirt(GError **error, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *context = NULL;
    virErrorPtr err = virGetLastError();

    va_start(ap, fmt);
    context = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(error, VL_ERROR, VL_ERROR_LIBVIRT, "%s: %s", context,
                err && err->message ? err->message : "unknown libvirt error");
}
