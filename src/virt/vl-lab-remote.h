/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-lab-remote.h - a lab's VMs on remote hosts: images uploaded, disks and logs in its pools */
#pragma once

#include "vl-lab.h"

/**
 * vl_lab_remote_check:
 * @vms: (element-type VlVm): the VMs of this operation
 *
 * What a remote host cannot take, found before anything changes: an SR OS router (its FTP
 * proxy runs where `up` runs: use `up --host NAME` on that host) or a VM with a disk of its own
 * that is not an overlay.
 * Return: TRUE, or FALSE with a VL_ERROR_INVALID error naming each VM.
 */
gboolean vl_lab_remote_check(const VlLabHosts *hosts, GPtrArray *vms, GError **error);

/**
 * vl_lab_remote_prepare:
 * @vms: (element-type VlVm): the VMs of this operation
 * @upload: (nullable): progress of each upload
 *
 * For each VM on a remote host: uploads its base image, kernel and initrd into that host's
 * `vmlab-images` pool unless it holds them already (vl-image-upload.h), and points the VM at
 * them there; its overlay and boot log go to the lab's pool folder on that host
 * (@host->pool_dir, a sibling of the `vmlab-images` folder). Local hosts are left alone.
 * Return: TRUE, or FALSE with @error naming the host.
 */
gboolean vl_lab_remote_prepare(VlLabHosts *hosts, VlSpec *spec, GPtrArray *vms,
                               VlLabUploadFunc upload, gpointer data, GError **error);
