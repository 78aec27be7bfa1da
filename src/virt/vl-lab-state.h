/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-lab-state.h - state.json: what `up` deployed, where, and how it is wired */
#pragma once

#include "vl-lab-hosts.h"
#include "vl-spec.h"

/**
 * vl_lab_state_write:
 * @vms: (element-type VlVm): the VMs this operation acted on (a `--host` share, or all)
 * @reports: (element-type VlVmReport): their reports, in the same order (more may follow)
 * @hosts: the hosts this operation opened
 *
 * Writes the lab's state.json atomically. The nodes and hosts of an earlier state that this
 * operation did not touch (another host's share, after `up --host`) are kept.
 * Return: TRUE, or FALSE with @error.
 */
gboolean vl_lab_state_write(const VlSpec *spec, GPtrArray *vms, GPtrArray *reports,
                            const VlLabHosts *hosts, GError **error);

/**
 * vl_lab_state_drop_host:
 * @state: a state document
 * @host: a host's name
 *
 * Removes @host's nodes and its "servers" entry from @state (after `down --host`).
 * Return: the number of nodes left.
 */
guint vl_lab_state_drop_host(json_object *state, const char *host);
