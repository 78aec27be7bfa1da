/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-lab.h - lab operations on libvirt: bring a lab up to its spec, take it down, describe it */
#pragma once

#include "vl-conn.h"
#include "vl-lab-hosts.h"
#include "vl-render.h"
#include "vl-spec.h"

typedef enum {
    VL_VM_ACTION_NONE,     /* defined and unchanged */
    VL_VM_ACTION_CREATE,   /* newly defined */
    VL_VM_ACTION_REDEFINE, /* its inputs changed: redefined with the same UUID */
    VL_VM_ACTION_REMOVE,   /* left the spec: removed */
} VlVmAction;

/* What happened to one VM during a lab operation. */
typedef struct {
    char *name;
    VlVmAction action;
    gboolean started; /* this operation started it */
    gboolean running;
    gboolean ready;
    char *error;       /* (nullable): why this VM failed */
    gint64 log_offset; /* the boot log's size just before this operation started the VM */
    double t_defined, t_started,
        t_ready; /* seconds since the operation began; < 0: did not happen */
} VlVmReport;

void vl_vm_report_free(gpointer data);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlVmReport, vl_vm_report_free)
const char *vl_vm_action_to_string(VlVmAction a);

/* Called as a VM passes a step ("defined", "started", "ready", "failed", "removed", "unchanged").
 */
typedef void (*VlLabProgressFunc)(const VlVmReport *report, const char *event, gpointer data);

/* Waits until @vm is ready or @timeout_s passes; runs in a worker thread. @report says where
 * this boot starts in the boot log (log_offset). Return: TRUE when ready. */
typedef gboolean (*VlLabReadyFunc)(const VlSpec *spec, const VlVm *vm, const VlVmReport *report,
                                   guint timeout_s, gpointer data, GError **error);

/* Called while an image is uploaded to a remote host: @done of @total bytes after @seconds;
 * @done == @total once it is there. */
typedef void (*VlLabUploadFunc)(const char *host, const char *file, guint64 done, guint64 total,
                                double seconds, gpointer data);

typedef struct {
    gboolean start;      /* start the VMs (else only define them) */
    gboolean reset_boot; /* rewrite SR OS boot files on existing CPM disks */
    gboolean wait;       /* wait for readiness (needs @ready) */
    guint jobs;          /* VMs started and waited for at once */
    VlLabProgressFunc progress;
    VlLabReadyFunc ready;
    VlLabUploadFunc upload; /* (nullable) */
    gpointer data;          /* for @progress, @ready and @upload */
} VlUpOptions;

/**
 * vl_lab_up:
 * @reports: (out) (transfer full): a VlVmReport per VM, spec order, then removed VMs
 *
 * Makes libvirt match @spec: refuses outright (changing nothing) if a domain of the same name
 * belongs to another lab or to none; creates disks and defines missing domains; redefines those
 * whose digest changed (keeping their UUIDs); removes the lab's domains that left the spec;
 * starts and waits for VMs @opts->jobs at a time; writes state.json and the profiles back. A VM
 * that fails is reported and the others go on.
 * Return: TRUE when every VM succeeded; FALSE with @error otherwise (@reports still set).
 */
gboolean vl_lab_up(virConnectPtr conn, VlSpec *spec, VlRenderer *r, const VlUpOptions *opts,
                   GPtrArray **reports, GError **error);

/**
 * vl_lab_up_hosts:
 * @hosts: the lab's hosts (vl_lab_hosts_open_spec()), each with its renderer set
 *
 * vl_lab_up() across hosts: acts on the VMs placed on @hosts (every host, or a `--host` share),
 * each on its own host's connection, with the start waves spanning the hosts. Remote hosts get
 * their images uploaded first (vl-lab-remote.h). @reports holds those VMs, then removed ones.
 * Return: as vl_lab_up().
 */
gboolean vl_lab_up_hosts(VlLabHosts *hosts, VlSpec *spec, const VlUpOptions *opts,
                         GPtrArray **reports, GError **error);

/**
 * vl_lab_down:
 * @lab: the lab name
 * @force: also remove the lab's domains (by metadata) that its state file does not list
 * @purge: also delete the persistent SR OS CPM disks and the lab's snapshots (kept otherwise)
 *
 * Stops and undefines the lab's domains and deletes its volumes and pool and its state file,
 * removes its routers from the FTP proxy, and puts the profiles back as they were before the
 * first `up` (vl_spec_profiles_restore()).
 * Return: TRUE on success.
 */
gboolean vl_lab_down(virConnectPtr conn, const char *lab, gboolean force, gboolean purge,
                     VlLabProgressFunc progress, gpointer data, GError **error);

/**
 * vl_lab_domain_xml:
 * @uuid: (nullable): the existing domain's UUID
 *
 * Renders @vm's domain with exactly one <uuid>: the spec's pinned one (vm_uuid, which the
 * stylesheet writes) if any, else @uuid (so a redefinition keeps the domain's identity), else none
 * (libvirt picks one).
 * Return: (transfer full): the domain XML, or NULL with @error set.
 */
char *vl_lab_domain_xml(VlRenderer *r, const VlSpec *spec, const VlVm *vm, const char *uuid,
                        GError **error);

/**
 * vl_lab_state_path:
 * Return: (transfer full): <state dir>/labs/@lab/state.json.
 */
char *vl_lab_state_path(const char *lab);

/**
 * vl_lab_down_hosts:
 * @hosts: the lab's hosts (vl_lab_hosts_open_state())
 * @share: @hosts is one host's share (`down --host`): the rest stays recorded and the lab's
 *   files, profiles and proxy entries stay until the last share goes
 *
 * vl_lab_down() across hosts.
 * Return: TRUE on success; FALSE with @error naming the host that failed.
 */
gboolean vl_lab_down_hosts(const VlLabHosts *hosts, const char *lab, gboolean share, gboolean force,
                           gboolean purge, VlLabProgressFunc progress, gpointer data,
                           GError **error);
