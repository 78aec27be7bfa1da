/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-netns.h - coalesced hosts inside their shared VM: one network namespace per host */
#pragma once

#include "vl-spec.h"

/**
 * vl_netns_setup_script:
 * @host_vm: a host VM node (hostvm-N)
 *
 * The shell script (iproute2's `ip`, run as root over SSH) that gives every host of @host_vm a
 * network namespace named after it, holding its NICs renamed to the topology's names (the VM
 * names NIC n "eth<n>", management being eth0), with lo up, its address and default route. A
 * host whose namespace exists is left as it is, so the script may run again.
 * Return: (transfer full): the script.
 */
char *vl_netns_setup_script(const VlNode *host_vm);

/**
 * vl_netns_wrap:
 * @host: a host device's name (its namespace's)
 * @command: (nullable): a shell command; NULL for an interactive login shell
 *
 * Return: (transfer full): the command line that runs @command in @host's namespace, under bash
 * when the VM has it (busybox sh would run its own `ip` applet), else sh.
 */
char *vl_netns_wrap(const char *host, const char *command);

/**
 * vl_netns_console_line:
 * @host: a host device's name (its namespace's)
 *
 * What `console HOST` types into its VM's console: a line that starts a login shell in @host's
 * namespace (not exec'd: leaving it returns to the VM's shell), Ctrl-U before it, Enter after.
 * Return: (transfer full): the keys.
 */
char *vl_netns_console_line(const char *host);
