/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-spec-private.h - the spec loader's internal steps, shared by its files */
#pragma once

#include "vl-spec.h"

VlSpec *vl_spec_new(void);
void vl_iface_free(gpointer data);
void vl_nic_free(gpointer data);

/* Return: TRUE if @name is usable as a lab, device or host name (and so in file and domain names).
 */
gboolean vl_spec_name_is_valid(const char *name);

/* Reads topology.json's links, joining interfaces; reports bad endpoints and reuse. */
void vl_spec_load_links(VlSpec *spec, VlDiag *diag);

/* Gives every link and node its ports and checks the three ranges against each other. */
void vl_spec_assign_ports(VlSpec *spec, VlDiag *diag);

/* Turns every node into its VMs, with disks, NICs and MAC addresses. */
void vl_spec_expand_vms(VlSpec *spec, VlDiag *diag);

/* Reports every missing image, kernel or initrd file at @level. Return: TRUE if none is missing. */
gboolean vl_spec_report_images(const VlSpec *spec, VlDiag *diag, VlDiagLevel level);
