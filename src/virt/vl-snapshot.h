/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-snapshot.h - lab snapshots: the whole lab's memory and disks at one moment, and back */
#pragma once

#include "vl-conn.h"
#include "vl-json.h"

/*
 * Called as a VM passes a step. @event is one of "paused", "memory", "disk", "resumed" (snapshot),
 * "stopped", "defined", "restored", "started", "left", "failed" (restore); @bytes is the size
 * written or read for "memory", "disk" and "restored" (else 0), @seconds the time the step took,
 * @detail (nullable) a disk's path, a failure's message or why a VM is left. Calls never
 * overlap, though they may come from worker threads (with jobs > 1).
 */
typedef void (*VlSnapshotProgressFunc)(const char *domain, const char *event, guint64 bytes,
                                       double seconds, const char *detail, gpointer data);

typedef struct {
    gboolean memory; /* snapshot: capture the memory too (else the disks only) */
    gboolean force;  /* restore: even when the lab changed since the snapshot */
    guint jobs;      /* VMs saved or restored at once (0 or 1: one after the other) */
    VlSnapshotProgressFunc progress;
    gpointer data;
} VlSnapshotOptions;

/**
 * vl_snapshot_name_check:
 * @name: a snapshot name from the command line
 *
 * Return: TRUE when @name is 1-64 letters, digits, '_' or '-', starting with a letter or digit;
 *   else FALSE with a VL_ERROR_USAGE error quoting it.
 */
gboolean vl_snapshot_name_check(const char *name, GError **error);

/* Return: (transfer full): <lab dir>/snapshots (the folder of every snapshot of @lab). */
char *vl_snapshot_root(const char *lab);

/**
 * vl_snapshot_lab_digest:
 * @domains: name -> VlDomainMeta, as vl_conn_lab_domains() returns them
 *
 * The lab's deployed spec, as one value: a SHA-256 over each domain's name and the digest of its
 * rendered XML that `up` records in its metadata. It changes when `up` adds, removes or
 * redefines a VM, and only then.
 * Return: (transfer full): the hex digest.
 */
char *vl_snapshot_lab_digest(GHashTable *domains);

/**
 * vl_snapshot_create:
 * @name: the new snapshot's name (vl_snapshot_name_check())
 *
 * Saves lab @lab as it is now, under the lab's lock: every running VM is paused, then the memory
 * (unless !@opts->memory) and the disks of each VM are written into the snapshot's folder, then
 * the VMs run on. The manifest is written last and the folder renamed into place, so a snapshot
 * is listed only once it is whole. On a failure every VM is resumed, the half-made folder is
 * removed and nothing is listed.
 * Return: TRUE on success.
 */
gboolean vl_snapshot_create(virConnectPtr conn, const char *lab, const char *name,
                            const VlSnapshotOptions *opts, GError **error);

/**
 * vl_snapshot_restore:
 *
 * Brings every VM of snapshot @name of @lab back to that moment, under the lab's lock. Refused
 * (changing nothing) when the lab is not up, or when its digest differs from the snapshot's and
 * !@opts->force; with it, a VM added since is left as it is and reported, and a VM removed since
 * is defined again from the manifest. TCP listening ends come back before connecting ends. A VM
 * that fails is reported and the others go on.
 * Return: TRUE when every VM was restored.
 */
gboolean vl_snapshot_restore(virConnectPtr conn, const char *lab, const char *name,
                             const VlSnapshotOptions *opts, GError **error);

/**
 * vl_snapshot_list:
 *
 * Return: (transfer full): a JSON array, oldest first, of {name, created, size, vms, memory}
 *   for each whole snapshot of @lab (an empty array when there is none).
 */
json_object *vl_snapshot_list(const char *lab, GError **error);

/* Removes snapshot @name of @lab (an error if there is none). Return: TRUE on success. */
gboolean vl_snapshot_delete(const char *lab, const char *name, GError **error);

/* Removes every snapshot of @lab (for `down --purge`). Return: TRUE on success. */
gboolean vl_snapshot_purge(const char *lab, GError **error);

/* Internal, shared by vl-snapshot.c and vl-snapshot-restore.c. */

/* Return: (transfer full): the folder of snapshot @name of @lab. */
char *vl_snapshot_dir(const char *lab, const char *name);

/* Removes the files in @dir (one level: a snapshot folder holds no folders), then @dir. */
void vl_snapshot_remove_dir(const char *dir);

/* Return: the space @path takes on disk (allocated blocks), 0 if it cannot be read. */
guint64 vl_snapshot_file_size(const char *path);

/* Calls @opts->progress (if set) under @lock: workers report one at a time. */
void vl_snapshot_progress(const VlSnapshotOptions *opts, GMutex *lock, const char *domain,
                          const char *event, guint64 bytes, double seconds, const char *detail);

/* Return: TRUE if @conn's driver is QEMU (external memory snapshots; else save and restore). */
gboolean vl_snapshot_conn_is_qemu(virConnectPtr conn);
