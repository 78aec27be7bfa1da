/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-virt-error.c - libvirt's last error as a VL_ERROR_LIBVIRT GError */
#include "vl-virt-error.h"

#include <libvirt/virterror.h>

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
