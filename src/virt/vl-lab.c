/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-lab.c - lab operations on libvirt: bring a lab up to its spec, take it down */
#include "vl-lab.h"

#include "vl-lab-ports.h"
#include "vl-lab-priv.h"
#include "vl-lab-remote.h"
#include "vl-handoff.h"
#include "vl-lab-state.h"

#include "vl-conn-retry.h"
#include "vl-lab-images.h"
#include "vl-error.h"
#include "vl-virt-error.h"
#include "vl-fs.h"
#include "vl-json.h"
#include "vl-log.h"
#include "vl-ftp-setup.h"
#include "vl-spec-profiles.h"
#include "vl-lock.h"
#include "vl-ready.h"
#include "vl-snapshot.h"
#include "vl-sros-disk.h"
#include "vl-storage.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

/*
 * Theory of operation: the reconcile of `up`.
 *
 * `up` makes libvirt hold exactly the spec's domains, changing only what differs, so that a
 * second `up` of an unchanged spec touches nothing. Under the lab's lock (one lab operation at a
 * time) it goes:
 *
 *  1. Ownership. A domain named like one of the spec's VMs must carry our <metadata> naming this
 *     lab; one of another lab, or of none, stops `up` before anything changes.
 *  2. Define, one VM at a time, in spec order. Each VM's domain XML is rendered (templates +
 *     xslt, vl-render.h) and hashed (vl_render_domain_digest); the digest is kept in the
 *     domain's metadata. Then:
 *       - no domain of that name: define it (CREATE), making its overlay volume first;
 *       - a domain whose metadata digest equals the new one: leave it (NONE); an SR OS line
 *         card that is not running gets a fresh overlay all the same (its disk is scratch);
 *       - otherwise (REDEFINE): render again with the domain's existing UUID, so the identity
 *         virsh, virt-manager and the user's tools know survives; stop the domain if it runs
 *         (new inputs take effect at the next boot), recreate its overlay, and define it over
 *         the old definition. A pinned vm_uuid wins: when it differs from the domain's, the
 *         domain is undefined first, since libvirt keeps a name's UUID.
 *     SR OS CPM disks are persistent: copied once, with boot files written while the VM is down.
 *  3. Remove the lab's domains (found by metadata) that left the spec, with their volumes.
 *  4. FTP proxy: the lab's SR OS routers are written into proxy.json and the proxy is started
 *     or told to reload (vl-ftp-setup.h).
 *  5. Start, in waves: a VM's start_wave comes from its TCP links (listening ends first, so
 *     connecting ends find them); UDP-only labs are one wave. Within a wave `--jobs` workers
 *     start VMs in parallel; a VM already running is left running. A connection lost mid-start
 *     (libvirtd restarted) is reopened once and the domain's state read again before a failure
 *     is reported (vl-conn-retry.h).
 *  6. Readiness, in parallel: SSH login or console pattern per platform, within
 *     vm_boot_timeout; a timeout fails the command but leaves the VM running.
 *  7. state.json (ports, digests, image digests, what the profiles held before) and the
 *     profiles' mgmt_ip/ssh_port/console_port, both written atomically.
 *
 * A failure of one VM is recorded in its report and the others go on; `up` fails at the end if
 * any VM failed. `down` is the reverse: stop and undefine the lab's domains, delete volumes and
 * pool, take the routers out of the proxy, restore the profiles, remove state.json.
 */

void
vl_vm_report_free(gpointer data)
{
    VlVmReport *r = data;

    g_free(r->name);
    g_free(r->error);
    g_free(r);
}

const char *
vl_vm_action_to_string(VlVmAction a)
{
    switch (a) {
    case VL_VM_ACTION_NONE:
        return "unchanged";
    case VL_VM_ACTION_CREATE:
        return "created";
    case VL_VM_ACTION_REDEFINE:
        return "redefined";
    case VL_VM_ACTION_REMOVE:
        return "removed";
    }
    return "unknown";
}

VlVmReport *
vl_vm_report_new(const char *name)
{
    VlVmReport *r = g_new0(VlVmReport, 1);

    r->name = g_strdup(name);
    r->t_defined = r->t_started = r->t_ready = -1;
    return r;
}

char *
vl_lab_state_path(const char *lab)
{
    g_autofree char *dir = vl_fs_lab_dir(lab);

    return g_build_filename(dir, "state.json", NULL);
}

/* One lab operation's working state, shared with the start workers. */
typedef struct {
    VlLabHosts *hosts;       /* the hosts of this operation: defines and removals */
    VlConnRetry *start_conn; /* per host, what the start workers use: reopened once if that
                                host's libvirtd restarts */
    GPtrArray *vms;          /* VlVm (not owned): the VMs on @hosts, in spec order */
    VlSpec *spec;
    const VlUpOptions *opts;
    gint64 t0;
    GMutex lock; /* guards progress calls and report updates from workers */
} VlUpRun;

typedef struct {
    VlUpRun *run;
    VlVm *vm;
    VlVmReport *report;
    VlConnRetry *conn; /* its host's */
} VlStartJob;

/* Return: the index in @run->hosts of @vm's host (the VM is on an open host). */
static guint
vl_up_host_index(VlUpRun *run, const VlVm *vm)
{
    const VlLabHost *h = vl_lab_hosts_for_vm(run->hosts, vm);

    for (guint i = 0; i < run->hosts->hosts->len; i++) {
        if (g_ptr_array_index(run->hosts->hosts, i) == h)
            return i;
    }
    g_return_val_if_reached(0);
}

static double
vl_up_elapsed(VlUpRun *run)
{
    return (double)(g_get_monotonic_time() - run->t0) / G_USEC_PER_SEC;
}

static void
vl_up_progress(VlUpRun *run, VlVmReport *report, const char *event)
{
    if (!run->opts->progress)
        return;
    g_mutex_lock(&run->lock);
    run->opts->progress(report, event, run->opts->data);
    g_mutex_unlock(&run->lock);
}

static void
vl_up_fail(VlUpRun *run, VlVmReport *report, GError *err)
{
    g_mutex_lock(&run->lock);
    g_free(report->error);
    report->error = g_strdup(err->message);
    g_mutex_unlock(&run->lock);
    vl_up_progress(run, report, "failed");
}

/* Worker: starts one VM if it is not running; across a libvirtd restart (vl-conn-retry.c). */
static void
vl_up_start_worker(gpointer data, gpointer user_data)
{
    VlStartJob *job = data;
    VlUpRun *run = job->run;
    g_autoptr(virConnect) conn = vl_conn_retry_get(job->conn);
    g_autoptr(GError) err = NULL;
    gboolean issued = FALSE;
    GStatBuf st;
    int rc;

    /* The log is appended to: a boot this worker starts begins at its present end. */
    job->report->log_offset = g_stat(job->vm->log_path, &st) == 0 ? (gint64)st.st_size : 0;
    rc = vl_conn_domain_start(conn, job->vm->name, &issued, &err);

    if (rc == 0) {
        g_autoptr(GError) rerr = NULL;
        g_autoptr(virConnect) again = vl_conn_retry_reopen(job->conn, conn, &rerr);
        gboolean issued_again = FALSE;

        if (!again) {
            g_prefix_error(&err, "%s; ", rerr->message);
        } else {
            /* The state again, on the new connection: a VM that did start counts as started. */
            g_clear_error(&err);
            rc = vl_conn_domain_start(again, job->vm->name, &issued_again, &err);
            issued |= issued_again;
        }
    }
    if (rc != 1) {
        vl_up_fail(run, job->report, err);
        return;
    }
    if (issued) {
        job->report->started = TRUE;
        job->report->t_started = vl_up_elapsed(run);
        vl_up_progress(run, job->report, "started");
    }
    job->report->running = TRUE;
}

/* Worker: waits for one running VM to be ready. */
static void
vl_up_ready_worker(gpointer data, gpointer user_data)
{
    VlStartJob *job = data;
    VlUpRun *run = job->run;
    g_autoptr(GError) err = NULL;

    /* a console VM this run did not start cannot show its ready line again (vl-ready.h) */
    if (!vl_ready_vm_waits(job->vm, job->report->started)) {
        job->report->ready = TRUE;
        return;
    }
    if (!run->opts->ready(run->spec, job->vm, job->report, job->vm->node->boot_timeout,
                          run->opts->data, &err)) {
        vl_up_fail(run, job->report, err);
        return;
    }
    job->report->ready = TRUE;
    job->report->t_ready = vl_up_elapsed(run);
    vl_up_progress(run, job->report, "ready");
}

/*
 * Starts the VMs wave by wave (TCP listening ends before connecting ends; UDP labs have one
 * wave), @jobs at a time, then waits for all of them to be ready, @jobs at a time.
 */
static void
vl_up_start_all(VlUpRun *run, GPtrArray *reports)
{
    guint n = run->vms->len;
    g_autofree VlStartJob *jobs = g_new0(VlStartJob, n);
    guint max_wave = 0;
    gint threads = (gint)MAX(run->opts->jobs, 1);

    /* The waves span the hosts: a TCP link's listening end may be on another host. */
    for (guint i = 0; i < n; i++) {
        VlVm *vm = g_ptr_array_index(run->vms, i);
        jobs[i] = (VlStartJob){run, vm, g_ptr_array_index(reports, i),
                               &run->start_conn[vl_up_host_index(run, vm)]};
        max_wave = MAX(max_wave, vm->start_wave);
    }
    for (guint w = 0; w <= max_wave; w++) {
        GThreadPool *tp = g_thread_pool_new(vl_up_start_worker, NULL, threads, FALSE, NULL);
        for (guint i = 0; i < n; i++) {
            if (jobs[i].vm->start_wave == w && !jobs[i].report->error)
                g_thread_pool_push(tp, &jobs[i], NULL);
        }
        g_thread_pool_free(tp, FALSE, TRUE);
    }
    if (!run->opts->wait || !run->opts->ready)
        return;
    {
        GThreadPool *tp = g_thread_pool_new(vl_up_ready_worker, NULL, threads, FALSE, NULL);
        for (guint i = 0; i < n; i++) {
            if (jobs[i].report->running && !jobs[i].report->error)
                g_thread_pool_push(tp, &jobs[i], NULL);
        }
        g_thread_pool_free(tp, FALSE, TRUE);
    }
}

char *
vl_lab_domain_xml(VlRenderer *r, const VlSpec *spec, const VlVm *vm, const char *uuid,
                  GError **error)
{
    g_autoptr(xmlDoc) doc = vl_render_vm_doc(r, spec, vm, error);
    xmlNode *root;

    if (!doc)
        return NULL;
    root = xmlDocGetRootElement(doc);
    for (xmlNode *n = root->children; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, BAD_CAST "uuid"))
            return vl_xml_to_string(doc);
    }
    if (uuid)
        xmlNewTextChild(root, NULL, BAD_CAST "uuid", BAD_CAST uuid);
    return vl_xml_to_string(doc);
}

/* Return: FALSE if any domain of the VMs' names, on their hosts, belongs to another lab or to
 * none. */
static gboolean
vl_up_check_ownership(VlUpRun *run, GError **error)
{
    const VlSpec *spec = run->spec;
    g_autoptr(GString) msg = g_string_new(NULL);

    for (guint i = 0; i < run->vms->len; i++) {
        const VlVm *vm = g_ptr_array_index(run->vms, i);
        virConnectPtr conn = vl_lab_hosts_for_vm(run->hosts, vm)->conn;
        g_autoptr(virDomain) dom = virDomainLookupByName(conn, vm->name);
        g_autoptr(VlDomainMeta) meta = NULL;

        if (!dom)
            continue;
        meta = vl_domain_meta_get(dom);
        if (!meta)
            g_string_append_printf(
                msg,
                "%sdomain '%s' already exists and belongs to no vmlab lab; refusing to touch it",
                msg->len ? "\n" : "", vm->name);
        else if (!g_str_equal(meta->lab, spec->name))
            g_string_append_printf(
                msg, "%sdomain '%s' already exists and belongs to lab '%s'; refusing to touch it",
                msg->len ? "\n" : "", vm->name, meta->lab);
    }
    if (msg->len) {
        g_set_error_literal(error, VL_ERROR, VL_ERROR_FAILED, msg->str);
        return FALSE;
    }
    return TRUE;
}

gboolean
vl_lab_remove_domain(virConnectPtr conn, virStoragePoolPtr pool, const char *name, GError **error)
{
    g_autoptr(virDomain) dom = virDomainLookupByName(conn, name);
    g_autofree char *vol = g_strdup_printf("%s.qcow2", name);

    if (dom) {
        if (virDomainIsActive(dom) == 1)
            vl_trace("virDomainDestroy('%s')", name);
        if (virDomainIsActive(dom) == 1 && virDomainDestroy(dom) < 0) {
            vl_error_set_libvirt(error, "cannot stop domain '%s'", name);
            return FALSE;
        }
        vl_trace("virDomainUndefineFlags('%s')", name);
        if (virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_NVRAM |
                                            VIR_DOMAIN_UNDEFINE_MANAGED_SAVE) < 0 &&
            virDomainUndefine(dom) < 0) {
            vl_error_set_libvirt(error, "cannot undefine domain '%s'", name);
            return FALSE;
        }
    }
    if (pool && !vl_storage_volume_delete(pool, vol, error))
        return FALSE;
    return TRUE;
}

/* Defines one VM (creating or recreating its disk). Return: FALSE with the report's error set. */
static gboolean
vl_up_define_vm(VlUpRun *run, virStoragePoolPtr pool, VlVm *vm, VlVmReport *report,
                GHashTable *lab_domains, GError **error)
{
    VlLabHost *host = vl_lab_hosts_for_vm(run->hosts, vm);
    VlRenderer *r = host->renderer;
    g_autoptr(virDomain) dom = virDomainLookupByName(host->conn, vm->name);
    g_autofree char *uuid = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *digest = NULL;
    VlLabDomain *found = g_hash_table_lookup(lab_domains, vm->name);
    VlDomainMeta *meta = found ? &found->meta : NULL;
    gboolean running = dom && virDomainIsActive(dom) == 1;
    gboolean ephemeral = vm->card && vm->backing_path; /* an SR OS line card's overlay */
    virDomainPtr defined;

    /* SR OS disks are prepared while the VM is down: the CPM's persistent cf3: is copied once
     * and gets its boot files before the first boot; a line card gets a fresh overlay. */
    if (vm->copy_from && running && run->opts->reset_boot) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                    "domain '%s' is running: stop it before resetting its boot files", vm->name);
        return FALSE;
    }
    if (vm->copy_from && !running &&
        !vl_sros_disk_prepare(run->spec, vm, run->opts->reset_boot, NULL, error))
        return FALSE;

    xml = vl_lab_domain_xml(r, run->spec, vm, NULL, error);
    if (!xml)
        return FALSE;
    digest = vl_render_domain_digest(xml);
    if (dom && meta && g_strcmp0(meta->digest, digest) == 0) {
        if (ephemeral && !running && !vl_storage_volume_create(pool, vm, TRUE, error))
            return FALSE;
        report->action = VL_VM_ACTION_NONE;
        report->running = virDomainIsActive(dom) == 1;
        vl_up_progress(run, report, "unchanged");
        return TRUE;
    }
    if (dom) {
        char buf[VIR_UUID_STRING_BUFLEN];
        if (virDomainGetUUIDString(dom, buf) < 0) {
            vl_error_set_libvirt(error, "cannot read the UUID of domain '%s'", vm->name);
            return FALSE;
        }
        uuid = g_strdup(buf);
        {
            g_autofree char *why = vl_domain_describe_change(dom, meta, xml);
            vl_trace("redefining '%s': %s", vm->name, why);
        }
        g_clear_pointer(&xml, g_free);
        xml = vl_lab_domain_xml(r, run->spec, vm, uuid, error);
        if (!xml)
            return FALSE;
        /* New inputs take effect at the next boot: stop it now, start it again later. */
        if (virDomainIsActive(dom) == 1)
            vl_trace("virDomainDestroy('%s')", vm->name);
        if (virDomainIsActive(dom) == 1 && virDomainDestroy(dom) < 0) {
            vl_error_set_libvirt(error, "cannot stop domain '%s' to redefine it", vm->name);
            return FALSE;
        }
        /* A changed vm_uuid is a new identity: libvirt redefines a name only with its UUID. */
        if (vm->uuid && g_ascii_strcasecmp(vm->uuid, uuid) != 0)
            vl_trace("virDomainUndefineFlags('%s'): its vm_uuid is now %s", vm->name, vm->uuid);
        if (vm->uuid && g_ascii_strcasecmp(vm->uuid, uuid) != 0 &&
            virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_NVRAM |
                                            VIR_DOMAIN_UNDEFINE_MANAGED_SAVE) < 0 &&
            virDomainUndefine(dom) < 0) {
            vl_error_set_libvirt(error, "cannot undefine domain '%s' to give it UUID %s", vm->name,
                                 vm->uuid);
            return FALSE;
        }
        report->action = VL_VM_ACTION_REDEFINE;
    } else {
        report->action = VL_VM_ACTION_CREATE;
    }
    if (vm->disk_path && vm->backing_path &&
        !vl_storage_volume_create(pool, vm, report->action == VL_VM_ACTION_REDEFINE || ephemeral,
                                  error))
        return FALSE;
    vl_trace("virDomainDefineXML('%s')", vm->name);
    defined = virDomainDefineXML(host->conn, xml);
    if (!defined) {
        vl_error_set_libvirt(error, "cannot define domain '%s'", vm->name);
        return FALSE;
    }
    virDomainFree(defined);
    report->t_defined = vl_up_elapsed(run);
    vl_up_progress(run, report, "defined");
    return TRUE;
}

/* Return: whether lab domain @name, listed on @host, is one of this operation's VMs there. */
static gboolean
vl_up_vm_is_here(VlUpRun *run, const char *name, const VlLabHost *host)
{
    const VlVm *vm = vl_spec_find_vm(run->spec, name);
    const VlLabHost *placed = vm ? vl_lab_hosts_for_vm(run->hosts, vm) : NULL;

    /* Placed on a host this operation leaves alone (`up --host`): left alone too, even if it
     * moved there from @host; a whole-lab `up` removes such a copy. */
    if (!placed)
        return vm != NULL;
    /* Local hosts share the -c daemon: a domain listed under one is on all of them. */
    return placed == host || (!placed->remote && !host->remote);
}

/* Ensures the lab's storage pool on every host that has an overlay to hold. */
static gboolean
vl_up_pools(VlUpRun *run, const char *disk_dir, virStoragePoolPtr *pools, GError **error)
{
    for (guint h = 0; h < run->hosts->hosts->len; h++) {
        VlLabHost *host = g_ptr_array_index(run->hosts->hosts, h);
        gboolean need = FALSE;

        for (guint i = 0; i < run->vms->len; i++) {
            const VlVm *vm = g_ptr_array_index(run->vms, i);
            /* a remote host's pool also holds the boot logs */
            need |= vl_lab_hosts_for_vm(run->hosts, vm) == host &&
                    ((vm->disk_path && vm->backing_path) || host->pool_dir);
        }
        if (!need)
            continue;
        pools[h] = vl_storage_pool_ensure(host->conn, run->spec->name,
                                          host->pool_dir ? host->pool_dir : disk_dir, error);
        if (!pools[h]) {
            if (host->name[0])
                g_prefix_error(error, "host '%s': ", host->name);
            return FALSE;
        }
    }
    return TRUE;
}

/* Removes the lab's domains that left the spec (or this host's share of it). */
static void
vl_up_remove_stale(VlUpRun *run, GHashTable *lab_domains, virStoragePoolPtr *pools, GPtrArray *reps)
{
    GHashTableIter it;
    gpointer key, value;

    g_hash_table_iter_init(&it, lab_domains);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        VlLabDomain *d = value;
        guint h = 0;
        g_autoptr(GError) err = NULL;
        g_autoptr(virStoragePool) looked_up = NULL;
        virStoragePoolPtr pool;
        VlVmReport *rep;

        if (vl_up_vm_is_here(run, key, d->host))
            continue;
        while (g_ptr_array_index(run->hosts->hosts, h) != d->host)
            h++;
        pool = pools[h];
        if (!pool)
            pool = looked_up = vl_storage_pool_lookup(d->host->conn, run->spec->name);
        rep = vl_vm_report_new(key);
        rep->action = VL_VM_ACTION_REMOVE;
        g_ptr_array_add(reps, rep);
        if (!vl_lab_remove_domain(d->host->conn, pool, key, &err))
            vl_up_fail(run, rep, err);
        else
            vl_up_progress(run, rep, "removed");
    }
}

/* The ports that the VMs this run starts will bind on this machine are free: those not running
 * yet, on hosts whose QEMUs run here (a running VM holds its own ports). */
static gboolean
vl_up_check_ports(VlUpRun *run, GHashTable *lab_domains, GError **error)
{
    guint nhosts = run->hosts->hosts->len;
    g_autofree gboolean *checked = g_new0(gboolean, nhosts);
    g_autoptr(GPtrArray) starting = g_ptr_array_new();

    /* asked once per host: each question is a call to its daemon */
    for (guint h = 0; h < nhosts; h++)
        checked[h] = vl_lab_ports_host_checked(g_ptr_array_index(run->hosts->hosts, h));
    for (guint i = 0; i < run->vms->len; i++) {
        VlVm *vm = g_ptr_array_index(run->vms, i);
        virConnectPtr conn;
        g_autoptr(virDomain) dom = NULL;

        if (!checked[vl_up_host_index(run, vm)])
            continue;
        conn = vl_lab_domains_conn(lab_domains, vm->name);
        dom = conn ? virDomainLookupByName(conn, vm->name) : NULL;
        if (!(dom && virDomainIsActive(dom) == 1))
            g_ptr_array_add(starting, vm);
    }
    return vl_lab_ports_check(starting, error);
}

gboolean
vl_lab_up(virConnectPtr conn, VlSpec *spec, VlRenderer *r, const VlUpOptions *opts,
          GPtrArray **reports, GError **error)
{
    g_autoptr(VlLabHosts) hosts = vl_lab_hosts_wrap(conn, r);

    return vl_lab_up_hosts(hosts, spec, opts, reports, error);
}

gboolean
vl_lab_up_hosts(VlLabHosts *hosts, VlSpec *spec, const VlUpOptions *opts, GPtrArray **reports,
                GError **error)
{
    g_autofree char *lab_dir = vl_fs_lab_dir(spec->name);
    g_autofree char *disk_dir = g_build_filename(lab_dir, "disks", NULL);
    g_autofree char *log_dir = g_build_filename(lab_dir, "logs", NULL);
    guint nhosts = hosts->hosts->len;
    g_autoptr(VlLock) lock = NULL;
    g_autoptr(GPtrArray) reps = g_ptr_array_new_with_free_func(vl_vm_report_free);
    g_autoptr(GPtrArray) vms = g_ptr_array_new();
    g_autoptr(GHashTable) lab_domains = NULL;
    g_autofree virStoragePoolPtr *pools = g_new0(virStoragePoolPtr, nhosts);
    g_autoptr(GError) first = NULL;
    gboolean ok = FALSE;
    guint failed = 0;
    VlUpRun run = {
        .hosts = hosts, .vms = vms, .spec = spec, .opts = opts, .t0 = g_get_monotonic_time()};

    *reports = NULL;
    g_mutex_init(&run.lock);
    run.start_conn = g_new0(VlConnRetry, nhosts);
    for (guint h = 0; h < nhosts; h++)
        vl_conn_retry_init(&run.start_conn[h],
                           ((VlLabHost *)g_ptr_array_index(hosts->hosts, h))->conn);
    /* This operation's VMs: those placed on the hosts it opened (all, or a --host share). */
    for (guint i = 0; i < spec->vms->len; i++) {
        VlVm *vm = g_ptr_array_index(spec->vms, i);
        if (vl_lab_hosts_for_vm(hosts, vm))
            g_ptr_array_add(vms, vm);
    }
    if (!vl_lab_remote_check(hosts, vms, error))
        goto out;
    lock = vl_lock_acquire(lab_dir, error);
    if (!lock)
        goto out;
    if (!vl_up_check_ownership(&run, error))
        goto out;
    lab_domains = vl_lab_hosts_domains(hosts, spec->name, error);
    if (!lab_domains || (opts->start && !vl_up_check_ports(&run, lab_domains, error)))
        goto out;
    /* The boot logs: virtlogd writes them (as root for qemu:///system, as the user for a
     * session), so the folder can be owner-only; console output may show secrets. */
    if (g_mkdir_with_parents(log_dir, 0700) < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot create folder: %s", log_dir,
                    g_strerror(e));
        goto out;
    }
    /* Remote hosts: images uploaded, disks and logs placed in their own pools. */
    if (!vl_lab_remote_prepare(hosts, spec, vms, opts->upload, opts->data, error))
        goto out;
    if (!vl_up_pools(&run, disk_dir, pools, error))
        goto out;

    /* Define: sequential and quick. */
    for (guint i = 0; i < vms->len; i++) {
        VlVm *vm = g_ptr_array_index(vms, i);
        VlVmReport *rep = vl_vm_report_new(vm->name);
        g_autoptr(GError) err = NULL;

        g_ptr_array_add(reps, rep);
        if (!vl_up_define_vm(&run, pools[vl_up_host_index(&run, vm)], vm, rep, lab_domains, &err))
            vl_up_fail(&run, rep, err);
    }
    vl_up_remove_stale(&run, lab_domains, pools, reps);

    /* SR OS routers fetch their images from the FTP proxy as they boot. */
    if (!vl_ftp_proxy_update(spec, error))
        goto out;
    if (opts->start)
        vl_up_start_all(&run, reps);

    /* the hand-off files (ssh_config, inventory, topology data) always describe the whole lab */
    if (!vl_lab_state_write(spec, vms, reps, hosts, error) ||
        !vl_spec_profiles_write(spec, error) || !vl_handoff_write(spec, lab_dir, error))
        goto out;
    for (guint i = 0; i < reps->len; i++) {
        const VlVmReport *rep = g_ptr_array_index(reps, i);
        if (rep->error) {
            failed++;
            if (!first)
                first = g_error_new(VL_ERROR, VL_ERROR_FAILED, "%s", rep->error);
        }
    }
    if (failed)
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "%u of %u VMs failed; first: %s", failed,
                    reps->len, first->message);
    ok = failed == 0;

out:
    for (guint h = 0; h < nhosts; h++) {
        vl_conn_retry_clear(&run.start_conn[h]);
        if (pools[h])
            virStoragePoolFree(pools[h]);
    }
    g_free(run.start_conn);
    g_mutex_clear(&run.lock);
    *reports = g_steal_pointer(&reps);
    return ok;
}
