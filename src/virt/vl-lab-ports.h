/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-lab-ports.h - before `up` starts VMs: the host ports their QEMUs will bind are free */
#pragma once

#include "vl-lab-hosts.h"
#include "vl-spec.h"

#include <glib.h>

/**
 * vl_lab_ports_check:
 * @vms: (element-type VlVm): the VMs about to be started on this machine
 *
 * Tries to bind, as QEMU will, each port that @vms' QEMUs listen on: the SSH forward and a
 * telnet console (TCP, with SO_REUSEADDR, on the VM's management address), each UDP link end
 * (UDP, on its bind address) and each TCP link's listening end. An address this machine does not
 * have is not checked (QEMU reports it itself).
 * Return: TRUE when every port is free; FALSE with one VL_ERROR_FAILED error naming every port in
 *   use, with its VM and what it is for.
 */
gboolean vl_lab_ports_check(GPtrArray *vms, GError **error);

/**
 * vl_lab_ports_host_checked:
 * @host: one of the lab's hosts
 *
 * Return: TRUE when @host's QEMUs bind their ports on this machine and they can be checked
 *   here: a QEMU driver reached by a URI without a server (qemu:///system, qemu:///session).
 */
gboolean vl_lab_ports_host_checked(const VlLabHost *host);
