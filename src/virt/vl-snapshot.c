/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-snapshot.c - lab snapshots: take one (memory and disks of every VM), list, delete */
#include "vl-snapshot.h"

#include "vl-disk-copy.h"
#include "vl-error.h"
#include "vl-virt-error.h"
#include "vl-fs.h"
#include "vl-lock.h"
#include "vl-log.h"
#include "vl-xml.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

/*
 * Theory of operation
 *
 * A snapshot is a folder $VMLAB_HOME/labs/<lab>/snapshots/<name>/ holding, per VM, its memory
 * (<domain>.mem, a libvirt save image) and a copy of each of its disks (<domain>-<target>.disk),
 * and manifest.json describing them (time, the lab's digest, per VM its domain XML, files and
 * sizes). Everything goes through libvirt; the disk files are copied by vl_disk_copy_new()
 * (reflink, else sparse).
 *
 * Taking one, under the lab's lock:
 *   1. every running VM of the lab is paused (virDomainSuspend). QEMU drains and flushes its
 *      block devices when it stops the CPUs, so a disk file copied now is consistent with the
 *      memory, qcow2 metadata included. The lab's VMs are stopped at one moment: no VM sees a
 *      peer that runs on while it is saved.
 *   2. per VM (--jobs at a time), its disks are copied (qcow2 overlays and raw SR OS CPM disks
 * alike; the backing images are read-only and shared, not copied), then its memory is written:
 *      - on QEMU, by an external memory snapshot without metadata and with every disk excluded
 *        (virDomainSnapshotCreateXML, <memory snapshot='external'/>, <disk snapshot='no'/>,
 *        VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA). QEMU migrates the memory to the file and the
 *        same QEMU process goes on: consoles, SSH sessions and TCP links stay connected. The
 *        file is a libvirt save image, which virDomainRestoreFlags() reads. This covers
 *        direct-kernel VMs without a disk, which internal snapshots cannot. Measured here
 *        (TCG, 256 MiB tiny guest): 0.8-1.3 s and 55-98 MB per VM. virDomainSaveFlags() would stop
 *        the QEMU process instead (1.8 s), dropping every connection to the VM, and libvirt 9.0
 *        cannot revert an external snapshot itself (9.7 can), hence the restore below.
 *      - on other drivers (the test driver of the fast tests writes no memory for a snapshot),
 *        by virDomainSaveFlags() and, once all are saved, virDomainRestoreFlags().
 *   3. the VMs that were running are resumed; then manifest.json is written (temp + rename) in
 *      <name>.partial/ and that folder renamed to <name>. Only folders holding a manifest and a
 *      name without a dot are listed, so a failure at any step leaves nothing listed: every VM
 *      is resumed (or restored), and the .partial folder is removed.
 *
 * Several hosts: the memory goes through the connection that holds the VM and is written by
 * that host's libvirtd, so a lab spread over hosts needs one connection per host, the pause of
 * step 1 across all of them first, and a manifest naming each VM's host. The disk copies are
 * the one part made by this process on local files; on a remote host they would go through the
 * storage volume API (virStorageVolDownload/Upload with VIR_STORAGE_VOL_*_SPARSE_STREAM).
 *
 * Restoring (vl-snapshot-restore.c) stops the snapshot's VMs, copies the disks back, restores
 * the memory of each VM paused, in an order where TCP listening ends come before the VMs that
 * connect to them, then resumes them all. Without memory (--no-memory) the VMs boot instead.
 */

#define VL_SNAPSHOT_PARTIAL  ".partial"
#define VL_SNAPSHOT_DELETING ".deleting"

gboolean
vl_snapshot_name_check(const char *name, GError **error)
{
    gsize len = name ? strlen(name) : 0;
    gboolean ok = len >= 1 && len <= 64 && g_ascii_isalnum(name[0]);

    for (gsize i = 0; ok && i < len; i++)
        ok = g_ascii_isalnum(name[i]) || name[i] == '_' || name[i] == '-';
    if (!ok)
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE,
                    "--name: snapshot name '%s' is not 1-64 letters, digits, '_' or '-' "
                    "starting with a letter or digit",
                    name ? name : "");
    return ok;
}

char *
vl_snapshot_root(const char *lab)
{
    g_autofree char *dir = vl_fs_lab_dir(lab);

    return g_build_filename(dir, "snapshots", NULL);
}

char *
vl_snapshot_dir(const char *lab, const char *name)
{
    g_autofree char *root = vl_snapshot_root(lab);

    return g_build_filename(root, name, NULL);
}

char *
vl_snapshot_lab_digest(GHashTable *domains)
{
    g_autoptr(GList) names = g_list_sort(g_hash_table_get_keys(domains), (GCompareFunc)g_strcmp0);
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);

    for (GList *l = names; l; l = l->next) {
        const VlDomainMeta *m = g_hash_table_lookup(domains, l->data);
        g_autofree char *line =
            g_strdup_printf("%s %s\n", (const char *)l->data, m->digest ? m->digest : "");
        g_checksum_update(sum, (const guchar *)line, (gssize)strlen(line));
    }
    return g_strdup(g_checksum_get_string(sum));
}

void
vl_snapshot_remove_dir(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *ent;

    while (d && (ent = g_dir_read_name(d))) {
        g_autofree char *f = g_build_filename(dir, ent, NULL);
        /* a folder in it is not ours: g_rmdir() takes it only when empty */
        if (g_unlink(f) < 0)
            g_rmdir(f);
    }
    g_rmdir(dir);
}

guint64
vl_snapshot_file_size(const char *path)
{
    struct stat st;

    if (stat(path, &st) < 0)
        return 0;
    return (guint64)st.st_blocks * 512;
}

void
vl_snapshot_progress(const VlSnapshotOptions *opts, GMutex *lock, const char *domain,
                     const char *event, guint64 bytes, double seconds, const char *detail)
{
    if (!opts->progress)
        return;
    g_mutex_lock(lock);
    opts->progress(domain, event, bytes, seconds, detail, opts->data);
    g_mutex_unlock(lock);
}

gboolean
vl_snapshot_conn_is_qemu(virConnectPtr conn)
{
    const char *type = virConnectGetType(conn);

    return type && g_ascii_strcasecmp(type, "QEMU") == 0;
}

/* One VM while its lab is being saved. */
typedef struct {
    char *name;
    virDomainPtr dom;
    VlDomainMeta *meta; /* (transfer none): from the lab's domain table */
    int state;          /* at the start */
    gboolean paused;    /* paused by us: resume it */
    GError *error;      /* why capturing it failed */
    gboolean saved;     /* saved by virDomainSaveFlags: restore it */
    char *mem_path;
    json_object *json; /* its manifest entry */
} VlSnapVm;

static void
vl_snap_vm_free(gpointer data)
{
    VlSnapVm *v = data;

    if (v->dom)
        virDomainFree(v->dom);
    g_free(v->name);
    g_free(v->mem_path);
    g_clear_error(&v->error);
    if (v->json)
        json_object_put(v->json);
    g_free(v);
}

typedef struct {
    virConnectPtr conn;
    const char *lab;
    const char *name;
    const VlSnapshotOptions *opts;
    char *partial;
    GPtrArray *vms; /* VlSnapVm, by name */
    gboolean qemu;
    GMutex lock; /* serialises progress calls from the capture workers */
} VlSnapRun;

static void
vl_snap_progress(VlSnapRun *run, const char *domain, const char *event, guint64 bytes, double s,
                 const char *detail)
{
    vl_snapshot_progress(run->opts, &run->lock, domain, event, bytes, s, detail);
}

static double
vl_snap_since(gint64 t0)
{
    return (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
}

/* Return: an attribute's value at @xpath (relative to @node), or NULL. */
static char *
vl_snap_xpath_string(xmlXPathContext *ctxt, xmlNode *node, const char *xpath)
{
    g_autoptr(xmlXPathObject) res = NULL;

    ctxt->node = node;
    res = xmlXPathEvalExpression(BAD_CAST xpath, ctxt);
    if (!res || res->type != XPATH_STRING || !res->stringval || !*res->stringval)
        return NULL;
    return g_strdup((const char *)res->stringval);
}

/*
 * Copies the disks of @v (each <disk> with a file source, not read-only) into the snapshot and
 * adds them to its manifest entry; fills @targets with every disk's target (for the memory
 * snapshot's exclusions). Return: FALSE with @error on a failed copy.
 */
static gboolean
vl_snap_copy_disks(VlSnapRun *run, VlSnapVm *v, const char *xml, GPtrArray *targets, GError **error)
{
    g_autoptr(xmlDoc) doc = vl_xml_parse_memory(xml, strlen(xml), v->name, error);
    g_autoptr(xmlXPathContext) ctxt = NULL;
    g_autoptr(xmlXPathObject) disks = NULL;
    json_object *arr = json_object_new_array();

    json_object_object_add(v->json, "disks", arr);
    if (!doc)
        return FALSE;
    ctxt = xmlXPathNewContext(doc);
    disks = xmlXPathEvalExpression(BAD_CAST "/domain/devices/disk", ctxt);
    for (int i = 0; disks && disks->nodesetval && i < disks->nodesetval->nodeNr; i++) {
        xmlNode *n = disks->nodesetval->nodeTab[i];
        g_autofree char *target = vl_snap_xpath_string(ctxt, n, "string(target/@dev)");
        g_autofree char *path = vl_snap_xpath_string(ctxt, n, "string(source/@file)");
        g_autofree char *format = vl_snap_xpath_string(ctxt, n, "string(driver/@type)");
        g_autofree char *ro = vl_snap_xpath_string(ctxt, n, "string(name(readonly))");
        g_autofree char *file = NULL;
        g_autofree char *dest = NULL;
        json_object *o;
        gint64 t0 = g_get_monotonic_time();
        guint64 size;

        if (!target)
            continue;
        g_ptr_array_add(targets, g_strdup(target));
        if (!path || ro)
            continue;
        file = g_strdup_printf("%s-%s.disk", v->name, target);
        dest = g_build_filename(run->partial, file, NULL);
        g_unlink(dest); /* left by a snapshot that was killed */
        if (!vl_disk_copy_new(path, dest, VL_DISK_COPY_FLAGS_NONE, NULL, NULL, error)) {
            g_prefix_error(error, "domain '%s': disk %s: ", v->name, target);
            return FALSE;
        }
        size = vl_snapshot_file_size(dest);
        o = json_object_new_object();
        json_object_object_add(o, "target", json_object_new_string(target));
        json_object_object_add(o, "path", json_object_new_string(path));
        json_object_object_add(o, "file", json_object_new_string(file));
        json_object_object_add(o, "format", json_object_new_string(format ? format : "raw"));
        json_object_object_add(o, "size", json_object_new_int64((gint64)size));
        json_object_array_add(arr, o);
        vl_snap_progress(run, v->name, "disk", size, vl_snap_since(t0), path);
    }
    return TRUE;
}

/* Return: (transfer full): the snapshot XML that writes @v's memory to @path, no disk. */
static char *
vl_snap_memory_xml(const char *name, const char *path, GPtrArray *targets)
{
    g_autoptr(xmlDoc) doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNode *root = xmlNewNode(NULL, BAD_CAST "domainsnapshot");
    xmlNode *mem, *disks;

    xmlDocSetRootElement(doc, root);
    xmlNewTextChild(root, NULL, BAD_CAST "name", BAD_CAST name);
    mem = xmlNewChild(root, NULL, BAD_CAST "memory", NULL);
    xmlNewProp(mem, BAD_CAST "snapshot", BAD_CAST "external");
    xmlNewProp(mem, BAD_CAST "file", BAD_CAST path);
    disks = xmlNewChild(root, NULL, BAD_CAST "disks", NULL);
    for (guint i = 0; i < targets->len; i++) {
        xmlNode *d = xmlNewChild(disks, NULL, BAD_CAST "disk", NULL);
        xmlNewProp(d, BAD_CAST "name", g_ptr_array_index(targets, i));
        xmlNewProp(d, BAD_CAST "snapshot", BAD_CAST "no");
    }
    return vl_xml_to_string(doc);
}

/* Writes @v's memory into the snapshot (the VM is paused). Return: FALSE with @error. */
static gboolean
vl_snap_save_memory(VlSnapRun *run, VlSnapVm *v, GPtrArray *targets, GError **error)
{
    g_autofree char *file = g_strdup_printf("%s.mem", v->name);
    gint64 t0 = g_get_monotonic_time();
    json_object *o;
    guint64 size;

    v->mem_path = g_build_filename(run->partial, file, NULL);
    g_unlink(v->mem_path);
    if (run->qemu) {
        g_autofree char *snap_name = g_strdup_printf("vmlab-%s", run->name);
        g_autofree char *xml = vl_snap_memory_xml(snap_name, v->mem_path, targets);
        virDomainSnapshotPtr s;

        vl_trace("virDomainSnapshotCreateXML('%s', external memory '%s')", v->name, v->mem_path);
        s = virDomainSnapshotCreateXML(v->dom, xml, VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA);
        if (!s) {
            vl_error_set_libvirt(error, "cannot save the memory of domain '%s' to '%s'", v->name,
                                 v->mem_path);
            return FALSE;
        }
        virDomainSnapshotFree(s);
    } else {
        vl_trace("virDomainSaveFlags('%s', '%s')", v->name, v->mem_path);
        if (virDomainSaveFlags(v->dom, v->mem_path, NULL, 0) < 0) {
            vl_error_set_libvirt(error, "cannot save the memory of domain '%s' to '%s'", v->name,
                                 v->mem_path);
            return FALSE;
        }
        v->saved = TRUE;
    }
    size = vl_snapshot_file_size(v->mem_path);
    o = json_object_new_object();
    json_object_object_add(o, "file", json_object_new_string(file));
    json_object_object_add(o, "size", json_object_new_int64((gint64)size));
    json_object_object_add(v->json, "memory", o);
    vl_snap_progress(run, v->name, "memory", size, vl_snap_since(t0), NULL);
    return TRUE;
}

/* Captures one VM: its XML, its disks, its memory if it runs. Return: FALSE with @error. */
static gboolean
vl_snap_capture(VlSnapRun *run, VlSnapVm *v, GError **error)
{
    g_autofree char *live = virDomainGetXMLDesc(v->dom, VIR_DOMAIN_XML_SECURE);
    g_autofree char *inactive =
        virDomainGetXMLDesc(v->dom, VIR_DOMAIN_XML_SECURE | VIR_DOMAIN_XML_INACTIVE);
    g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func(g_free);
    gboolean active = v->state == VIR_DOMAIN_RUNNING || v->state == VIR_DOMAIN_PAUSED;

    if (!live || !inactive) {
        vl_error_set_libvirt(error, "cannot read the XML of domain '%s'", v->name);
        return FALSE;
    }
    json_object_object_add(v->json, "xml", json_object_new_string(live));
    json_object_object_add(v->json, "inactive_xml", json_object_new_string(inactive));
    if (!vl_snap_copy_disks(run, v, live, targets, error))
        return FALSE;
    if (active && run->opts->memory)
        return vl_snap_save_memory(run, v, targets, error);
    json_object_object_add(v->json, "memory", NULL);
    return TRUE;
}

/* Worker: captures one VM, keeping its failure in the VM. */
static void
vl_snap_capture_worker(gpointer data, gpointer user_data)
{
    VlSnapVm *v = data;

    vl_snap_capture(user_data, v, &v->error);
}

/* Captures every VM, @opts->jobs at a time. Return: FALSE with the first failure in @error. */
static gboolean
vl_snap_capture_all(VlSnapRun *run, GError **error)
{
    GThreadPool *tp =
        g_thread_pool_new(vl_snap_capture_worker, run, (gint)MAX(run->opts->jobs, 1), FALSE, NULL);

    for (guint i = 0; i < run->vms->len; i++)
        g_thread_pool_push(tp, g_ptr_array_index(run->vms, i), NULL);
    g_thread_pool_free(tp, FALSE, TRUE);
    for (guint i = 0; i < run->vms->len; i++) {
        VlSnapVm *v = g_ptr_array_index(run->vms, i);
        if (v->error) {
            g_propagate_error(error, g_steal_pointer(&v->error));
            return FALSE;
        }
    }
    return TRUE;
}

/* Lets the lab run on: restores what was saved, resumes what was paused. Return: FALSE with the
 * first failure in @error (the others go on). */
static gboolean
vl_snap_resume_all(VlSnapRun *run, GError **error)
{
    gboolean ok = TRUE;

    for (guint i = 0; i < run->vms->len; i++) {
        VlSnapVm *v = g_ptr_array_index(run->vms, i);
        int state = VIR_DOMAIN_NOSTATE;

        if (v->saved) {
            vl_trace("virDomainRestoreFlags('%s')", v->mem_path);
            if (virDomainRestoreFlags(run->conn, v->mem_path, NULL, 0) < 0) {
                if (ok)
                    vl_error_set_libvirt(error, "cannot restore domain '%s' from '%s'", v->name,
                                         v->mem_path);
                ok = FALSE;
                continue;
            }
            v->saved = FALSE;
        }
        if (!v->paused)
            continue;
        virDomainGetState(v->dom, &state, NULL, 0);
        vl_trace("virDomainResume('%s')", v->name);
        if (state == VIR_DOMAIN_PAUSED && virDomainResume(v->dom) < 0) {
            if (ok)
                vl_error_set_libvirt(error, "cannot resume domain '%s'", v->name);
            ok = FALSE;
            continue;
        }
        v->paused = FALSE;
        vl_snap_progress(run, v->name, "resumed", 0, 0, NULL);
    }
    return ok;
}

/* Collects the lab's domains and pauses the running ones. Return: FALSE with @error. */
static gboolean
vl_snap_pause_all(VlSnapRun *run, GHashTable *domains, GError **error)
{
    g_autoptr(GList) names = g_list_sort(g_hash_table_get_keys(domains), (GCompareFunc)g_strcmp0);

    for (GList *l = names; l; l = l->next) {
        VlSnapVm *v = g_new0(VlSnapVm, 1);

        g_ptr_array_add(run->vms, v);
        v->name = g_strdup(l->data);
        v->meta = g_hash_table_lookup(domains, l->data);
        v->dom = virDomainLookupByName(run->conn, v->name);
        if (!v->dom || virDomainGetState(v->dom, &v->state, NULL, 0) < 0) {
            vl_error_set_libvirt(error, "cannot read domain '%s'", v->name);
            return FALSE;
        }
        v->json = json_object_new_object();
        json_object_object_add(v->json, "domain", json_object_new_string(v->name));
        json_object_object_add(v->json, "node",
                               json_object_new_string(v->meta->node ? v->meta->node : ""));
        json_object_object_add(v->json, "digest",
                               json_object_new_string(v->meta->digest ? v->meta->digest : ""));
        json_object_object_add(v->json, "state",
                               json_object_new_string(vl_domain_state_name(v->state)));
    }
    for (guint i = 0; i < run->vms->len; i++) {
        VlSnapVm *v = g_ptr_array_index(run->vms, i);

        if (v->state != VIR_DOMAIN_RUNNING)
            continue;
        vl_trace("virDomainSuspend('%s')", v->name);
        if (virDomainSuspend(v->dom) < 0) {
            vl_error_set_libvirt(error, "cannot pause domain '%s'", v->name);
            return FALSE;
        }
        v->paused = TRUE;
        vl_snap_progress(run, v->name, "paused", 0, 0, NULL);
    }
    return TRUE;
}

/* Writes the manifest into the .partial folder and renames it into place. */
static gboolean
vl_snap_finish(VlSnapRun *run, const char *digest, double seconds, double paused, GError **error)
{
    g_autoptr(json_object) m = json_object_new_object();
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *stamp = g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");
    g_autofree char *path = g_build_filename(run->partial, "manifest.json", NULL);
    g_autofree char *final = vl_snapshot_dir(run->lab, run->name);
    json_object *vms = json_object_new_array();
    guint64 total = 0;

    json_object_object_add(m, "version", json_object_new_int(1));
    json_object_object_add(m, "name", json_object_new_string(run->name));
    json_object_object_add(m, "lab", json_object_new_string(run->lab));
    json_object_object_add(m, "created", json_object_new_string(stamp));
    json_object_object_add(m, "spec_digest", json_object_new_string(digest));
    json_object_object_add(m, "memory", json_object_new_boolean(run->opts->memory));
    json_object_object_add(m, "method",
                           json_object_new_string(!run->opts->memory ? "disks"
                                                  : run->qemu        ? "external-memory-snapshot"
                                                                     : "save"));
    json_object_object_add(m, "seconds", json_object_new_double(seconds));
    json_object_object_add(m, "paused_seconds", json_object_new_double(paused));
    for (guint i = 0; i < run->vms->len; i++) {
        VlSnapVm *v = g_ptr_array_index(run->vms, i);
        json_object *mem = json_object_object_get(v->json, "memory");
        json_object *disks = json_object_object_get(v->json, "disks");

        if (mem)
            total += (guint64)json_object_get_int64(json_object_object_get(mem, "size"));
        for (size_t d = 0; disks && d < json_object_array_length(disks); d++)
            total += (guint64)json_object_get_int64(
                json_object_object_get(json_object_array_get_idx(disks, d), "size"));
        json_object_array_add(vms, json_object_get(v->json));
    }
    json_object_object_add(m, "size", json_object_new_int64((gint64)total));
    json_object_object_add(m, "vms", vms);
    if (!vl_json_write_file(path, m, 0600, error))
        return FALSE;
    if (g_rename(run->partial, final) < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot rename it to '%s': %s", run->partial,
                    final, g_strerror(e));
        return FALSE;
    }
    return TRUE;
}

gboolean
vl_snapshot_create(virConnectPtr conn, const char *lab, const char *name,
                   const VlSnapshotOptions *opts, GError **error)
{
    g_autofree char *lab_dir = vl_fs_lab_dir(lab);
    g_autofree char *final = vl_snapshot_dir(lab, name);
    g_autofree char *partial = g_strconcat(final, VL_SNAPSHOT_PARTIAL, NULL);
    g_autoptr(VlLock) lock = NULL;
    g_autoptr(GHashTable) domains = NULL;
    g_autoptr(GPtrArray) vms = g_ptr_array_new_with_free_func(vl_snap_vm_free);
    g_autoptr(GError) err = NULL;
    g_autofree char *digest = NULL;
    VlSnapRun run = {conn, lab, name, opts, partial, vms, vl_snapshot_conn_is_qemu(conn), {0}};
    gint64 t0 = g_get_monotonic_time();
    gint64 t_paused;
    double paused = 0;
    gboolean ok;

    if (!vl_snapshot_name_check(name, error))
        return FALSE;
    lock = vl_lock_acquire(lab_dir, error);
    if (!lock)
        return FALSE;
    if (g_file_test(final, G_FILE_TEST_EXISTS)) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                    "lab '%s' already has a snapshot '%s' (%s): delete it first or pick another "
                    "name",
                    lab, name, final);
        return FALSE;
    }
    domains = vl_conn_lab_domains(conn, lab, error);
    if (!domains)
        return FALSE;
    if (!g_hash_table_size(domains)) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "lab '%s' is not up: nothing to snapshot",
                    lab);
        return FALSE;
    }
    digest = vl_snapshot_lab_digest(domains);
    /* A .partial folder left by a killed snapshot is reused; the files in it are replaced. */
    if (g_mkdir_with_parents(partial, 0700) < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot create folder: %s", partial,
                    g_strerror(e));
        return FALSE;
    }
    t_paused = g_get_monotonic_time();
    g_mutex_init(&run.lock);
    ok = vl_snap_pause_all(&run, domains, &err) && vl_snap_capture_all(&run, &err);
    /* The lab runs on whatever happened. */
    if (!vl_snap_resume_all(&run, ok ? &err : NULL))
        ok = FALSE;
    paused = vl_snap_since(t_paused);
    if (ok)
        ok = vl_snap_finish(&run, digest, vl_snap_since(t0), paused, &err);
    g_mutex_clear(&run.lock);
    if (!ok) {
        vl_snapshot_remove_dir(partial);
        g_set_error(error, VL_ERROR, err ? (VlError)err->code : VL_ERROR_FAILED,
                    "snapshot '%s' of lab '%s' failed, nothing was kept and the lab runs on: %s",
                    name, lab, err ? err->message : "unknown error");
        return FALSE;
    }
    return TRUE;
}

/* Return: (transfer full) (nullable): the manifest of the snapshot in folder @dir. */
static json_object *
vl_snapshot_manifest_load(const char *dir)
{
    g_autofree char *path = g_build_filename(dir, "manifest.json", NULL);

    return vl_json_load_file(path, NULL);
}

static int
vl_snapshot_created_cmp(const void *a, const void *b)
{
    json_object *const *x = a;
    json_object *const *y = b;

    return g_strcmp0(json_object_get_string(json_object_object_get(*x, "created")),
                     json_object_get_string(json_object_object_get(*y, "created")));
}

json_object *
vl_snapshot_list(const char *lab, GError **error)
{
    g_autofree char *root = vl_snapshot_root(lab);
    g_autoptr(GDir) d = g_dir_open(root, 0, NULL);
    json_object *arr = json_object_new_array();
    const char *ent;

    while (d && (ent = g_dir_read_name(d))) {
        g_autofree char *dir = g_build_filename(root, ent, NULL);
        g_autoptr(json_object) m = NULL;
        json_object *o, *vms, *v;

        if (!vl_snapshot_name_check(ent, NULL) || !(m = vl_snapshot_manifest_load(dir)))
            continue;
        vms = json_object_object_get(m, "vms");
        o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(ent));
        v = json_object_object_get(m, "created");
        json_object_object_add(o, "created", v ? json_object_get(v) : NULL);
        v = json_object_object_get(m, "size");
        json_object_object_add(o, "size", json_object_new_int64(v ? json_object_get_int64(v) : 0));
        json_object_object_add(o, "vms",
                               json_object_new_int(json_object_is_type(vms, json_type_array)
                                                       ? (int)json_object_array_length(vms)
                                                       : 0));
        json_object_object_add(
            o, "memory",
            json_object_new_boolean(json_object_get_boolean(json_object_object_get(m, "memory"))));
        json_object_array_add(arr, o);
    }
    (void)error;
    json_object_array_sort(arr, vl_snapshot_created_cmp);
    return arr;
}

gboolean
vl_snapshot_delete(const char *lab, const char *name, GError **error)
{
    g_autofree char *lab_dir = vl_fs_lab_dir(lab);
    g_autofree char *dir = vl_snapshot_dir(lab, name);
    g_autofree char *gone = g_strconcat(dir, VL_SNAPSHOT_DELETING, NULL);
    g_autoptr(VlLock) lock = NULL;

    if (!vl_snapshot_name_check(name, error))
        return FALSE;
    lock = vl_lock_acquire(lab_dir, error);
    if (!lock)
        return FALSE;
    if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "lab '%s' has no snapshot '%s' (no %s)", lab,
                    name, dir);
        return FALSE;
    }
    /* Unlisted at once, then removed. */
    vl_snapshot_remove_dir(gone);
    if (g_rename(dir, gone) < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot remove: %s", dir, g_strerror(e));
        return FALSE;
    }
    vl_snapshot_remove_dir(gone);
    return TRUE;
}

gboolean
vl_snapshot_purge(const char *lab, GError **error)
{
    g_autofree char *root = vl_snapshot_root(lab);
    g_autoptr(GDir) d = g_dir_open(root, 0, NULL);
    const char *ent;

    while (d && (ent = g_dir_read_name(d))) {
        g_autofree char *dir = g_build_filename(root, ent, NULL);
        vl_snapshot_remove_dir(dir);
    }
    if (g_rmdir(root) < 0 && g_file_test(root, G_FILE_TEST_EXISTS)) {
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot remove the lab's snapshots", root);
        return FALSE;
    }
    return TRUE;
}
