/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-kv-net.h - a lab's links as Multus networks and the VM interfaces attached to them */
#pragma once

#include "vl-kv-export.h"

/**
 * vl_kv_net_vm_attach:
 * @ifaces: (inout): the VM's spec.template.spec.domain.devices.interfaces
 * @networks: (inout): the VM's spec.template.spec.networks
 *
 * NIC 0 on the pod network (masquerade, serving SSH only), then one Multus interface per data
 * NIC in NIC order: the router fabric, a link's network, or a network of its own when unlinked.
 */
void vl_kv_net_vm_attach(const VlSpec *spec, const VlVm *vm, json_object *ifaces,
                         json_object *networks);

/* Appends one NetworkAttachmentDefinition per network vl_kv_net_vm_attach() refers to. */
void vl_kv_net_build(VlKvExport *e, const VlSpec *spec, const VlKvConfig *cfg,
                     const VlKvExportOptions *opts);
