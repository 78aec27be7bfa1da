/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-snapshot-restore.c - bring a lab back to one of its snapshots */
#include "vl-snapshot.h"

#include "vl-disk-copy.h"
#include "vl-error.h"
#include "vl-virt-error.h"
#include "vl-fs.h"
#include "vl-lab.h"
#include "vl-lock.h"
#include "vl-log.h"
#include "vl-xml.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

/*
 * Restore, under the lab's lock (see the theory of operation in vl-snapshot.c):
 *   0. refuse, changing nothing, when the lab is not up or (without --force) its digest differs
 *      from the manifest's;
 *   1. stop every VM of the snapshot that runs; define the ones removed since (their inactive
 *      XML from the manifest, same UUID and metadata);
 *   2. in link order (below), per VM: copy its disks back over its disk files, then restore its
 *      memory paused (virDomainRestoreFlags with VIR_DOMAIN_SAVE_PAUSED, the domain XML being
 *      the one in the save image), or, for a snapshot without memory, start it paused;
 *   3. resume every VM that was running at the snapshot, all at once, so no VM runs long
 *      beside peers still being restored.
 * Link order: QEMU connects a TCP link (<interface type='client'>) when its process starts, so
 * the VM holding the listening end (type='server', same address and port) must be restored
 * first. The order is taken from the saved XML, not the spec, so --lab NAME needs no spec.
 * A VM that fails is reported ("failed") and the others go on.
 */

typedef struct {
    const char *name;   /* (transfer none): from the manifest */
    json_object *json;  /* (transfer none): its manifest entry */
    GPtrArray *servers; /* "address:port" of its listening TCP ends */
    GPtrArray *clients; /* "address:port" its TCP ends connect to */
    gboolean running;   /* at the snapshot */
    gboolean active;    /* running or paused at the snapshot */
    gboolean done;      /* in the order already */
    guint wave;         /* restored after the VMs of lower waves (their listening ends) */
    gboolean failed;
} VlRestVm;

typedef struct {
    virConnectPtr conn;
    const VlSnapshotOptions *opts;
    const char *lab;
    const char *name;
    const char *dir;
    gboolean qemu;
    guint failed;
    GString *first; /* the first failure */
    GMutex lock;    /* guards progress calls and @failed from the restore workers */
} VlRestRun;

static void
vl_rest_vm_clear(gpointer data)
{
    VlRestVm *v = data;

    g_ptr_array_unref(v->servers);
    g_ptr_array_unref(v->clients);
}

static void
vl_rest_progress(VlRestRun *run, const char *domain, const char *event, guint64 bytes, double s,
                 const char *detail)
{
    vl_snapshot_progress(run->opts, &run->lock, domain, event, bytes, s, detail);
}

static void
vl_rest_fail(VlRestRun *run, VlRestVm *v, GError *err)
{
    v->failed = TRUE;
    g_mutex_lock(&run->lock);
    if (!run->failed++)
        g_string_append_printf(run->first, "%s", err->message);
    g_mutex_unlock(&run->lock);
    vl_rest_progress(run, v->name, "failed", 0, 0, err->message);
}

static const char *
vl_rest_string(json_object *o, const char *key)
{
    json_object *v = json_object_object_get(o, key);

    return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* Reads the TCP ends of @v from its saved XML into @v->servers and @v->clients. */
static void
vl_rest_vm_links(VlRestVm *v)
{
    const char *xml = vl_rest_string(v->json, "xml");
    g_autoptr(xmlDoc) doc = xml ? vl_xml_parse_memory(xml, strlen(xml), v->name, NULL) : NULL;
    g_autoptr(xmlXPathContext) ctxt = doc ? xmlXPathNewContext(doc) : NULL;
    const char *kinds[] = {"server", "client"};

    for (guint k = 0; ctxt && k < 2; k++) {
        g_autofree char *xp =
            g_strdup_printf("/domain/devices/interface[@type='%s']/source", kinds[k]);
        g_autoptr(xmlXPathObject) res = xmlXPathEvalExpression(BAD_CAST xp, ctxt);

        for (int i = 0; res && res->nodesetval && i < res->nodesetval->nodeNr; i++) {
            xmlNode *n = res->nodesetval->nodeTab[i];
            xmlChar *addr = xmlGetProp(n, BAD_CAST "address");
            xmlChar *port = xmlGetProp(n, BAD_CAST "port");

            g_ptr_array_add(k == 0 ? v->servers : v->clients,
                            g_strdup_printf("%s:%s", addr ? (const char *)addr : "",
                                            port ? (const char *)port : ""));
            xmlFree(addr);
            xmlFree(port);
        }
    }
}

/* Return: TRUE when no VM of @vms that is not done yet listens on @end. */
static gboolean
vl_rest_end_ready(GArray *vms, const char *end)
{
    for (guint i = 0; i < vms->len; i++) {
        VlRestVm *o = &g_array_index(vms, VlRestVm, i);
        if (!o->done && g_ptr_array_find_with_equal_func(o->servers, end, g_str_equal, NULL))
            return FALSE;
    }
    return TRUE;
}

/*
 * Return: (transfer full): @vms in an order where every VM comes after the VMs whose TCP
 * listening ends it connects to; a cycle (which `up` could not start either) is broken in
 * manifest order.
 */
static GPtrArray *
vl_rest_order(GArray *vms)
{
    GPtrArray *order = g_ptr_array_new();

    for (guint wave = 0; order->len < vms->len; wave++) {
        g_autoptr(GPtrArray) ready = g_ptr_array_new();

        for (guint i = 0; i < vms->len; i++) {
            VlRestVm *v = &g_array_index(vms, VlRestVm, i);
            gboolean ok = !v->done;

            for (guint c = 0; ok && c < v->clients->len; c++)
                ok = vl_rest_end_ready(vms, g_ptr_array_index(v->clients, c));
            if (ok)
                g_ptr_array_add(ready, v);
        }
        /* a cycle: the first VM left goes alone */
        for (guint i = 0; !ready->len && i < vms->len; i++) {
            VlRestVm *v = &g_array_index(vms, VlRestVm, i);
            if (!v->done)
                g_ptr_array_add(ready, v);
        }
        for (guint i = 0; i < ready->len; i++) {
            VlRestVm *v = g_ptr_array_index(ready, i);
            v->done = TRUE;
            v->wave = wave;
            g_ptr_array_add(order, v);
        }
    }
    return order;
}

/*
 * Lists a VM defined again from the manifest in state.json, so that `down` removes it too (a
 * later `up` removes it as having left the spec). Return: FALSE with @error.
 */
static gboolean
vl_rest_state_add(VlRestRun *run, VlRestVm *v, GError **error)
{
    g_autofree char *path = vl_lab_state_path(run->lab);
    g_autoptr(json_object) st = vl_json_load_file(path, NULL);
    json_object *nodes = st ? json_object_object_get(st, "nodes") : NULL;
    json_object *n;

    if (!json_object_is_type(nodes, json_type_array))
        return TRUE; /* no state.json: `down` goes by the domains' metadata */
    for (size_t i = 0; i < json_object_array_length(nodes); i++) {
        if (g_strcmp0(vl_rest_string(json_object_array_get_idx(nodes, i), "domain"), v->name) == 0)
            return TRUE;
    }
    n = json_object_new_object();
    json_object_object_add(n, "domain", json_object_new_string(v->name));
    json_object_object_add(n, "node",
                           json_object_new_string(vl_rest_string(v->json, "node")
                                                      ? vl_rest_string(v->json, "node")
                                                      : ""));
    json_object_object_add(n, "state", json_object_new_string("restored"));
    json_object_object_add(n, "restored_from", json_object_new_string(run->name));
    json_object_array_add(nodes, n);
    return vl_json_write_file(path, st, 0600, error);
}

/* Step 1 for one VM: stopped if it runs, defined again if it is gone. Return: FALSE on error. */
static gboolean
vl_rest_prepare(VlRestRun *run, VlRestVm *v, GError **error)
{
    g_autoptr(virDomain) dom = virDomainLookupByName(run->conn, v->name);
    const char *inactive = vl_rest_string(v->json, "inactive_xml");

    if (!dom) {
        virDomainPtr d;

        if (!inactive) {
            g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                        "domain '%s' is gone and the manifest holds no XML for it", v->name);
            return FALSE;
        }
        vl_trace("virDomainDefineXML('%s')", v->name);
        d = virDomainDefineXML(run->conn, inactive);
        if (!d) {
            vl_error_set_libvirt(error, "cannot define domain '%s' again", v->name);
            return FALSE;
        }
        virDomainFree(d);
        vl_rest_progress(run, v->name, "defined", 0, 0, "removed since the snapshot");
        return vl_rest_state_add(run, v, error);
    }
    if (virDomainIsActive(dom) == 1) {
        vl_trace("virDomainDestroy('%s')", v->name);
        if (virDomainDestroy(dom) < 0) {
            vl_error_set_libvirt(error, "cannot stop domain '%s'", v->name);
            return FALSE;
        }
        vl_rest_progress(run, v->name, "stopped", 0, 0, NULL);
    }
    return TRUE;
}

/* Copies @src over @dest: into a temporary file next to it, then renamed over it. */
static gboolean
vl_rest_copy_back(const char *src, const char *dest, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(dest);
    g_autofree char *tmp = g_strconcat(dest, ".vmlab-restore", NULL);

    if (g_mkdir_with_parents(dir, 0755) < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot create folder: %s", dir,
                    g_strerror(e));
        return FALSE;
    }
    g_unlink(tmp);
    if (!vl_disk_copy_new(src, tmp, VL_DISK_COPY_FLAGS_NONE, NULL, NULL, error))
        return FALSE;
    if (g_rename(tmp, dest) < 0) {
        int e = errno;
        g_unlink(tmp);
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot replace it: %s", dest, g_strerror(e));
        return FALSE;
    }
    return TRUE;
}

/* Step 2 for one VM: disks back, then memory (or a paused start). Return: FALSE on error. */
static gboolean
vl_rest_bring_back(VlRestRun *run, VlRestVm *v, GError **error)
{
    json_object *disks = json_object_object_get(v->json, "disks");
    json_object *mem = json_object_object_get(v->json, "memory");
    gint64 t0 = g_get_monotonic_time();
    guint64 bytes = 0;

    for (size_t i = 0; disks && i < json_object_array_length(disks); i++) {
        json_object *d = json_object_array_get_idx(disks, i);
        const char *file = vl_rest_string(d, "file");
        const char *path = vl_rest_string(d, "path");
        g_autofree char *src = NULL;

        if (!file || !path || strchr(file, '/')) {
            g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                        "domain '%s': manifest.json: vms[].disks[%zu] has no valid file or path",
                        v->name, i);
            return FALSE;
        }
        src = g_build_filename(run->dir, file, NULL);
        if (!vl_rest_copy_back(src, path, error)) {
            g_prefix_error(error, "domain '%s': ", v->name);
            return FALSE;
        }
        bytes += vl_snapshot_file_size(src);
    }
    if (mem && v->active) {
        const char *file = vl_rest_string(mem, "file");
        g_autofree char *path =
            file && !strchr(file, '/') ? g_build_filename(run->dir, file, NULL) : NULL;
        /* QEMU restores paused, to be resumed with the rest; the test driver knows no flags */
        unsigned int flags = run->qemu ? VIR_DOMAIN_SAVE_PAUSED : 0;

        if (!path) {
            g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                        "domain '%s': manifest.json: its memory has no valid file", v->name);
            return FALSE;
        }
        vl_trace("virDomainRestoreFlags('%s')", path);
        if (virDomainRestoreFlags(run->conn, path, NULL, flags) < 0) {
            vl_error_set_libvirt(error, "cannot restore domain '%s' from '%s'", v->name, path);
            return FALSE;
        }
        bytes += vl_snapshot_file_size(path);
    } else if (v->active) {
        g_autoptr(virDomain) dom = virDomainLookupByName(run->conn, v->name);

        vl_trace("virDomainCreateWithFlags('%s', VIR_DOMAIN_START_PAUSED)", v->name);
        if (!dom || virDomainCreateWithFlags(dom, run->qemu ? VIR_DOMAIN_START_PAUSED : 0) < 0) {
            vl_error_set_libvirt(error, "cannot start domain '%s'", v->name);
            return FALSE;
        }
    }
    vl_rest_progress(run, v->name, mem && v->active ? "restored" : "started", bytes,
                     (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC, NULL);
    return TRUE;
}

/* Worker: step 2 for one VM. */
static void
vl_rest_bring_back_worker(gpointer data, gpointer user_data)
{
    VlRestVm *v = data;
    g_autoptr(GError) err = NULL;

    if (!vl_rest_bring_back(user_data, v, &err))
        vl_rest_fail(user_data, v, err);
}

/* Step 2 for every VM: wave by wave, @jobs at a time within a wave. */
static void
vl_rest_bring_back_all(VlRestRun *run, GPtrArray *order)
{
    guint last = order->len ? ((VlRestVm *)g_ptr_array_index(order, order->len - 1))->wave : 0;

    for (guint w = 0; w <= last; w++) {
        GThreadPool *tp = g_thread_pool_new(vl_rest_bring_back_worker, run,
                                            (gint)MAX(run->opts->jobs, 1), FALSE, NULL);
        for (guint i = 0; i < order->len; i++) {
            VlRestVm *v = g_ptr_array_index(order, i);
            if (v->wave == w && !v->failed)
                g_thread_pool_push(tp, v, NULL);
        }
        g_thread_pool_free(tp, FALSE, TRUE);
    }
}

/* Step 3: resumes the VMs that were running at the snapshot. */
static void
vl_rest_resume(VlRestRun *run, GPtrArray *order)
{
    for (guint i = 0; i < order->len; i++) {
        VlRestVm *v = g_ptr_array_index(order, i);
        g_autoptr(virDomain) dom = NULL;
        g_autoptr(GError) err = NULL;
        int state = VIR_DOMAIN_NOSTATE;

        if (v->failed || !v->running)
            continue;
        dom = virDomainLookupByName(run->conn, v->name);
        if (dom)
            virDomainGetState(dom, &state, NULL, 0);
        if (state == VIR_DOMAIN_RUNNING)
            continue;
        vl_trace("virDomainResume('%s')", v->name);
        if (!dom || virDomainResume(dom) < 0) {
            vl_error_set_libvirt(&err, "cannot resume domain '%s'", v->name);
            vl_rest_fail(run, v, err);
        }
    }
}

/*
 * Return: FALSE (with @error naming what changed) when the lab's domains differ from the
 * snapshot's, unless @force; then reports the VMs added since as left.
 */
static gboolean
vl_rest_check_lab(VlRestRun *run, const char *lab, const char *name, json_object *manifest,
                  GArray *vms, GHashTable *domains, GError **error)
{
    g_autofree char *digest = vl_snapshot_lab_digest(domains);
    g_autoptr(GString) what = g_string_new(NULL);
    g_autoptr(GList) names = g_list_sort(g_hash_table_get_keys(domains), (GCompareFunc)g_strcmp0);
    const char *was = vl_rest_string(manifest, "spec_digest");

    if (g_strcmp0(was, digest) == 0)
        return TRUE;
    for (guint i = 0; i < vms->len; i++) {
        VlRestVm *v = &g_array_index(vms, VlRestVm, i);
        const VlDomainMeta *m = g_hash_table_lookup(domains, v->name);
        if (!m)
            g_string_append_printf(what, "%s'%s' removed", what->len ? ", " : "", v->name);
        else if (g_strcmp0(m->digest, vl_rest_string(v->json, "digest")) != 0)
            g_string_append_printf(what, "%s'%s' redefined", what->len ? ", " : "", v->name);
    }
    for (GList *l = names; l; l = l->next) {
        gboolean known = FALSE;
        for (guint i = 0; !known && i < vms->len; i++)
            known = g_str_equal(g_array_index(vms, VlRestVm, i).name, l->data);
        if (known)
            continue;
        if (run->opts->force)
            vl_rest_progress(run, l->data, "left", 0, 0, "added since the snapshot: left as it is");
        g_string_append_printf(what, "%s'%s' added", what->len ? ", " : "", (const char *)l->data);
    }
    if (run->opts->force)
        return TRUE;
    g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                "lab '%s' changed since snapshot '%s' was taken (%s); nothing was restored: "
                "restore with --force to bring back the snapshot's VMs anyway",
                lab, name, what->len ? what->str : "its digest differs");
    return FALSE;
}

gboolean
vl_snapshot_restore(virConnectPtr conn, const char *lab, const char *name,
                    const VlSnapshotOptions *opts, GError **error)
{
    g_autofree char *lab_dir = vl_fs_lab_dir(lab);
    g_autofree char *dir = vl_snapshot_dir(lab, name);
    g_autofree char *mpath = g_build_filename(dir, "manifest.json", NULL);
    g_autoptr(VlLock) lock = NULL;
    g_autoptr(json_object) manifest = NULL;
    g_autoptr(GHashTable) domains = NULL;
    g_autoptr(GArray) vms = g_array_new(FALSE, TRUE, sizeof(VlRestVm));
    g_autoptr(GPtrArray) order = NULL;
    g_autoptr(GString) first = g_string_new(NULL);
    VlRestRun run = {conn, opts, lab, name, dir, vl_snapshot_conn_is_qemu(conn), 0, first, {0}};
    json_object *jvms;
    const char *running = vl_domain_state_name(VIR_DOMAIN_RUNNING);
    const char *paused = vl_domain_state_name(VIR_DOMAIN_PAUSED);

    g_array_set_clear_func(vms, vl_rest_vm_clear);
    g_mutex_init(&run.lock);
    if (!vl_snapshot_name_check(name, error))
        return FALSE;
    lock = vl_lock_acquire(lab_dir, error);
    if (!lock)
        return FALSE;
    domains = vl_conn_lab_domains(conn, lab, error);
    if (!domains)
        return FALSE;
    if (!g_hash_table_size(domains)) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                    "lab '%s' is not up: bring it up with `up` first, then restore", lab);
        return FALSE;
    }
    if (!g_file_test(mpath, G_FILE_TEST_IS_REGULAR)) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "lab '%s' has no snapshot '%s' (no %s)", lab,
                    name, mpath);
        return FALSE;
    }
    manifest = vl_json_load_file(mpath, error);
    if (!manifest) {
        g_prefix_error(error, "%s: ", mpath);
        return FALSE;
    }
    jvms = json_object_object_get(manifest, "vms");
    for (size_t i = 0;
         json_object_is_type(jvms, json_type_array) && i < json_object_array_length(jvms); i++) {
        json_object *o = json_object_array_get_idx(jvms, i);
        const char *state = vl_rest_string(o, "state");
        VlRestVm v = {.name = vl_rest_string(o, "domain"),
                      .json = o,
                      .servers = g_ptr_array_new_with_free_func(g_free),
                      .clients = g_ptr_array_new_with_free_func(g_free)};

        v.running = g_strcmp0(state, running) == 0;
        v.active = v.running || g_strcmp0(state, paused) == 0;
        g_array_append_val(vms, v);
        if (!v.name) {
            g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "%s: vms[%zu].domain is missing", mpath,
                        i);
            return FALSE;
        }
        vl_rest_vm_links(&g_array_index(vms, VlRestVm, vms->len - 1));
    }
    if (!vl_rest_check_lab(&run, lab, name, manifest, vms, domains, error))
        return FALSE;

    order = vl_rest_order(vms);
    for (guint i = 0; i < order->len; i++) {
        VlRestVm *v = g_ptr_array_index(order, i);
        g_autoptr(GError) err = NULL;
        if (!vl_rest_prepare(&run, v, &err))
            vl_rest_fail(&run, v, err);
    }
    vl_rest_bring_back_all(&run, order);
    vl_rest_resume(&run, order);
    g_mutex_clear(&run.lock);
    if (run.failed) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                    "%u of %u VMs of lab '%s' were not restored; first: %s", run.failed, order->len,
                    lab, first->str);
        return FALSE;
    }
    return TRUE;
}
