/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-sros-disk.h - an SR OS CPM's persistent cf3: disk: copied once, boot files written before
 * first boot */
#pragma once

#include "vl-spec.h"

/**
 * vl_sros_disk_prepare:
 * @vm: a CPM (or integrated) VM whose disk is a persistent copy (@vm->copy_from)
 * @reset_boot: rewrite bof.cfg and nvram.dat even on an existing disk (`up --reset-boot`)
 * @wrote: (out) (optional): TRUE when boot files were written
 *
 * Copies the CPM image to the VM's disk if the disk does not exist yet (sparse, reflinked where
 * possible; an existing disk is never replaced) and then writes bof.cfg and nvram.dat (and the
 * license) into its FAT file system with mtools. A disk that already existed keeps the boot files
 * the router owns, unless @reset_boot. The VM must not be running.
 * Return: TRUE on success.
 */
gboolean vl_sros_disk_prepare(const VlSpec *spec, const VlVm *vm, gboolean reset_boot,
                              gboolean *wrote, GError **error);
