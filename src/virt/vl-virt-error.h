/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-virt-error.h - libvirt's last error as a VL_ERROR_LIBVIRT GError */
#pragma once

#include "vl-error.h"

/**
 * vl_error_set_libvirt:
 * @error: where to store the error
 * @fmt: printf-style context, such as "cannot define domain 'r1'"
 *
 * Sets a VL_ERROR_LIBVIRT error from @fmt followed by libvirt's last error message.
 */
void vl_error_set_libvirt(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
