/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-kv-hook-ftp.h - the hook starts its router's FTP proxy in the pod, once per pod */
#pragma once

#include "vl-kv-hookcfg.h"

/**
 * vl_kv_hook_ftp_ensure:
 * @vm: the VMI's entry (its lab's "ftp" settings included)
 *
 * Writes the proxy's configuration for the VMI's router (mode 0600) to $VMLAB_HOOK_STATE_DIR
 * (default /var/run/vmlab) and starts `vmlab-virt ftp-proxy --config` on $VMLAB_HOOK_FTP_LISTEN
 * (default 10.0.2.1:21) unless the pid file there names a live process. The proxy detaches fully
 * (new session, stdin/stdout to /dev/null, stderr to its log): it holds none of the hook's pipes.
 * Return: TRUE when the proxy runs (or the lab has no "ftp" settings), else FALSE with an error.
 */
gboolean vl_kv_hook_ftp_ensure(const VlKvHookVm *vm, GError **error);
