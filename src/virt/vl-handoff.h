/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-handoff.h - the files `up` leaves for other tools: ssh_config, Ansible inventory, topology */
#pragma once

#include "vl-spec.h"

/*
 * Made from the resolved spec alone (no libvirt), so that they can be checked against golden
 * files without deploying. `up` writes them into the lab's state folder (temp + rename, every
 * time), `down` removes them.
 *
 * Who is in them:
 * - every VM that has SSH: one-VM devices, SR OS integrated routers and CPMs (line cards have no
 *   management plane), host VMs (hostvm-N);
 * - coalesced hosts (network namespaces in a host VM): in ssh_config, a Host whose RemoteCommand
 *   enters the namespace (interactive login; for a command, -o RemoteCommand=none and
 *   `ip netns exec HOST CMD`); not in the Ansible inventory (its tasks would run in the shared
 *   VM, outside the namespace): the host VM lists them in vmlab_netns; in topology-data.json as
 *   nodes of kind "host" naming their VM and namespace.
 */

#define VL_HANDOFF_SSH_CONFIG "ssh_config"
#define VL_HANDOFF_INVENTORY  "ansible-inventory.yml"
#define VL_HANDOFF_TOPOLOGY   "topology-data.json"

/**
 * vl_handoff_ssh_config:
 * @lab_dir: the lab's state folder (its known_hosts is named there)
 *
 * A Host per VM with SSH, named by its domain name and by "<lab>-<node>" (a device's further
 * CPMs: "<lab>-<node>-<card>"), with HostName (vl_vm_mgmt_address()), Port, User,
 * UserKnownHostsFile and StrictHostKeyChecking accept-new; `ssh -F FILE NAME` and `Include FILE`
 * both work.
 * Return: (transfer full): the file's text.
 */
char *vl_handoff_ssh_config(const VlSpec *spec, const char *lab_dir);

/**
 * vl_handoff_inventory:
 * @lab_dir: the lab's state folder (its known_hosts goes into ansible_ssh_common_args)
 *
 * An Ansible YAML inventory: every VM with SSH under all.hosts (named by domain name) with
 * ansible_host, ansible_port, ansible_user, ansible_password when the spec has one, and the
 * platform's ansible_network_os and ansible_connection when set; groups platform_<platform> and
 * role_<role> (the device's topology role, else the VM's: router, cpm, hostvm), names made of
 * [A-Za-z0-9_].
 * Return: (transfer full): the file's text (it holds passwords: write it 0600).
 */
char *vl_handoff_inventory(const VlSpec *spec, const char *lab_dir);

/**
 * vl_handoff_topology:
 *
 * topology-data.json: the lab's nodes (platform, host, role, kind, their VMs with domain name,
 * role, card, management address, SSH and console ports; a coalesced host's VM and namespace)
 * and links (both ends' node, interface, domain, NIC and port; the transport).
 * Return: (transfer full): the document, pretty-printed, ending in a newline.
 */
char *vl_handoff_topology(const VlSpec *spec);

/**
 * vl_handoff_write:
 * @lab_dir: the lab's state folder (created if missing)
 *
 * Writes the three files into @lab_dir, each atomically (the inventory mode 0600).
 * Return: TRUE, or FALSE with a VL_ERROR_IO error naming the file.
 */
gboolean vl_handoff_write(const VlSpec *spec, const char *lab_dir, GError **error);

/* Removes the three files from @lab_dir (those that exist). Return: TRUE, or FALSE with @error. */
gboolean vl_handoff_remove(const char *lab_dir, GError **error);

/* Return: (transfer full): the three files' paths in @lab_dir, NULL-terminated (ssh_config,
 * inventory, topology). */
char **vl_handoff_paths(const char *lab_dir);

/* Return: whether @vm can be logged in to (an SR OS line card cannot: vl_ready_role_has_mgmt()). */
gboolean vl_handoff_vm_has_ssh(const VlVm *vm);
