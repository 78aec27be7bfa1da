/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-lab-priv.h - what vl-lab.c shares with vl-lab-down.c */
#pragma once

#include "vl-lab.h"

/* Return: (transfer full): a report of VM @name with nothing done yet. */
VlVmReport *vl_vm_report_new(const char *name);

/* Stops and undefines domain @name and deletes its volume from @pool (if any). */
gboolean vl_lab_remove_domain(virConnectPtr conn, virStoragePoolPtr pool, const char *name,
                              GError **error);
