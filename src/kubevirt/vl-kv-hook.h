/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-kv-hook.h - the KubeVirt onDefineDomain hook: SR OS disks, SMBIOS line and serial console */
#pragma once

#include "vl-kv-hookcfg.h"

#include <glib.h>

/**
 * vl_kv_hook_edit:
 * @vm: the VMI's entry of the hook configuration
 * @domain_xml: the domain XML virt-launcher passed
 *
 * Builds the edits afresh from @vm and the input: the SR OS disk layout (xslt/sros-cpm-disk.xsl
 * or sros-iom-disk.xsl on the paths KubeVirt gave the first disk), the SMBIOS product entry, and
 * a telnet serial console when asked for. Applying it to its own output changes nothing.
 * Return: (transfer full): the new domain XML, or NULL with an error.
 */
char *vl_kv_hook_edit(const VlKvHookVm *vm, const char *domain_xml, GError **error);

/**
 * vl_kv_hook_main:
 * @argc: arguments, argv[0] "onDefineDomain"
 *
 * The hook as KubeVirt's sidecar-shim runs it: `onDefineDomain --vmi JSON --domain XML`. Prints
 * the new domain XML on stdout and nothing else; logs to $VMLAB_HOOK_LOG (default
 * /tmp/vmlab-hook.log); reads $VMLAB_HOOK_CONFIG (default /etc/vmlab/hook-config.json).
 * Return: the exit status.
 */
int vl_kv_hook_main(int argc, char **argv);
