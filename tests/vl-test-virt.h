/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-test-virt.h - helpers for the g_test programs on libvirt's test driver (links virt) */
#pragma once

#include <libvirt/libvirt.h>

/* Stops and undefines every vmlab domain on @conn: leaves the shared test driver as the test
 * found it. Errors are ignored (a teardown). */
void vl_test_virt_clear(virConnectPtr conn);
