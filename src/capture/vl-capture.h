/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-capture.h - rootless packet capture on a running VM's NIC through QEMU's filter-dump */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

/**
 * vl_capture_netdev_for_mac:
 * @dom: a running domain
 * @mac: the NIC's MAC address (from the spec)
 *
 * Return: (transfer full): QEMU's netdev id of the NIC ("host" + its live alias, e.g.
 *   "hostnet0"), or NULL with an error when the running domain has no such NIC.
 */
char *vl_capture_netdev_for_mac(virDomainPtr dom, const char *mac, GError **error);

/**
 * vl_capture_remove_stale:
 * @removed: (out) (optional): how many leftover filters were removed
 *
 * Removes the filter-dump objects (and their fd sets) of captures whose process is gone: found
 * through qom-list /objects and query-fdsets by their "vlcap-PID-..." ids. A capture that still
 * runs is left alone.
 * Return: TRUE on success.
 */
gboolean vl_capture_remove_stale(virDomainPtr dom, guint *removed, GError **error);

/**
 * vl_capture_list:
 *
 * Return: (transfer full) (element-type utf8): the ids of the vmlab capture filters in @dom, or
 *   NULL with an error.
 */
GPtrArray *vl_capture_list(virDomainPtr dom, GError **error);

/**
 * vl_capture_attach:
 * @netdev: the NIC's netdev id
 * @id: the filter's id, "vlcap-PID-SEQ"
 * @fd: a write-only descriptor of the pcap file (mode 0622), handed to QEMU
 *
 * Passes @fd to QEMU (add-fd), adds a filter-dump object on @netdev that reopens it through
 * /proc/self/fd, then drops the fd set (remove-fd): the filter holds its own descriptor.
 * Return: TRUE on success (on failure nothing is left in QEMU).
 */
gboolean vl_capture_attach(virDomainPtr dom, const char *netdev, const char *id, int fd,
                           GError **error);

/**
 * vl_capture_attach_file:
 * @path: a file on the VM's host that QEMU may create or truncate and write
 *
 * Adds a filter-dump object on @netdev writing @path (the remote capture's way).
 * Return: TRUE on success.
 */
gboolean vl_capture_attach_file(virDomainPtr dom, const char *netdev, const char *id,
                                const char *path, GError **error);

/* Removes filter @id (and an fd set of it, if any is left). Return: TRUE on success. */
gboolean vl_capture_detach(virDomainPtr dom, const char *id, GError **error);

typedef struct {
    int out_fd;         /* where the pcap goes (a file or stdout) */
    guint64 count;      /* stop after this many frames; 0: no limit */
    guint duration_s;   /* stop after this many seconds; 0: no limit */
    guint64 frames_out; /* (out) frames written */
} VlCaptureOptions;

/**
 * vl_capture_run:
 * @dom: a running domain on a local connection (fd passing needs a UNIX socket)
 * @netdev: the NIC's netdev id (vl_capture_netdev_for_mac())
 *
 * Captures until SIGINT, SIGTERM or SIGHUP, @opts->count frames, @opts->duration_s seconds, or
 * the reader of @opts->out_fd going away. Always removes its filter and fd set before returning.
 * Return: TRUE on success.
 */
gboolean vl_capture_run(virDomainPtr dom, const char *netdev, VlCaptureOptions *opts,
                        GError **error);

/**
 * vl_capture_run_remote:
 * @dom: a running domain, on any connection (a remote one included)
 * @pool: the lab's storage pool on the domain's host (QEMU there can write its folder)
 * @netdev: the NIC's netdev id
 *
 * vl_capture_run() for a VM whose host this machine cannot hand a descriptor: QEMU writes the
 * pcap into a volume "vlcap-ID.pcap" of @pool, which is downloaded from a growing offset every
 * 200 ms over the libvirt connection (virStorageVolDownload). On stop: the filter goes, a last
 * download, the volume is deleted.
 * Return: TRUE on success.
 */
gboolean vl_capture_run_remote(virDomainPtr dom, virStoragePoolPtr pool, const char *netdev,
                               VlCaptureOptions *opts, GError **error);

/**
 * vl_capture_remove_stale_files:
 *
 * Deletes the capture volumes of @pool whose capture is gone (see vl_capture_remove_stale()), left
 * by a remote capture that was killed. Best effort.
 * Return: how many were deleted.
 */
guint vl_capture_remove_stale_files(virStoragePoolPtr pool);
