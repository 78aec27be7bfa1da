/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-error.h - the one GError domain of vmlab-virt and its codes */
#pragma once

#include <glib.h>

#define VL_ERROR (vl_error_quark())

/**
 * VlError:
 * @VL_ERROR_INVALID: bad input (spec, arguments, config): exit status 2
 * @VL_ERROR_USAGE: bad command line: exit status 2
 * @VL_ERROR_FAILED: a runtime failure: exit status 1
 * @VL_ERROR_LIBVIRT: libvirt reported a failure: exit status 1
 * @VL_ERROR_IO: a file or socket operation failed: exit status 1
 * @VL_ERROR_BUSY: another operation holds the lab lock: exit status 1
 */
typedef enum {
    VL_ERROR_INVALID,
    VL_ERROR_USAGE,
    VL_ERROR_FAILED,
    VL_ERROR_LIBVIRT,
    VL_ERROR_IO,
    VL_ERROR_BUSY,
} VlError;

GQuark vl_error_quark(void);

/**
 * vl_error_exit_code:
 * @error: (nullable): the error main() is about to report
 *
 * Return: the process exit status for @error: 0 without an error, 2 for bad input or usage, 1
 * otherwise.
 */
int vl_error_exit_code(const GError *error);
