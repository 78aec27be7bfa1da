/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-lab-remote.c - a lab's VMs on remote hosts: images uploaded, disks and logs in its pools */
#include "vl-lab-remote.h"

#include "vl-error.h"
#include "vl-image-upload.h"
#include "vl-ready.h"
#include "vl-storage.h"

/*
 * A remote host does not see this machine's files. So, before anything is defined there:
 *  - each base image, kernel and initrd its VMs use is uploaded once into the host's
 *    `vmlab-images` pool, named by its content hash (vl-image-upload.c), and the VM's setting
 *    is pointed at that volume's path on the host; a later lab with the same file uploads
 *    nothing;
 *  - the lab's pool on that host is a sibling folder of `vmlab-images`, vmlab-lab-LAB: the VMs'
 *    overlays are created in it, and virtlogd writes their boot logs there (`down` deletes the
 *    pool with everything in it).
 * The spec model is changed in place, for this run only: the rendered XML names the host's
 * paths, and state.json records them.
 */

gboolean
vl_lab_remote_check(const VlLabHosts *hosts, GPtrArray *vms, GError **error)
{
    g_autoptr(GString) msg = g_string_new(NULL);

    for (guint i = 0; i < vms->len; i++) {
        const VlVm *vm = g_ptr_array_index(vms, i);
        const VlLabHost *h = vl_lab_hosts_for_vm(hosts, vm);

        if (!h || !h->remote)
            continue;
        if (vm->node->sros)
            g_string_append_printf(msg,
                                   "%s%s: an SR OS router on remote host '%s': its FTP proxy runs "
                                   "where `up` runs; run `vmlab-virt up --host %s` on that host",
                                   msg->len ? "\n" : "", vm->name, h->name, h->name);
        else if (vl_ready_vm_how(vm) == VL_READY_CONSOLE)
            g_string_append_printf(msg,
                                   "%s%s: readiness by console pattern reads the boot log, which "
                                   "stays on remote host '%s'; it needs an SSH login there",
                                   msg->len ? "\n" : "", vm->name, h->name);
        else if (vm->disk_path && !vm->backing_path)
            g_string_append_printf(msg,
                                   "%s%s: a disk of its own on remote host '%s' is not supported "
                                   "(only overlays on an uploaded base image)",
                                   msg->len ? "\n" : "", vm->name, h->name);
    }
    if (msg->len) {
        g_set_error_literal(error, VL_ERROR, VL_ERROR_INVALID, msg->str);
        return FALSE;
    }
    return TRUE;
}

/* Context of one remote host's uploads, for the progress callback. */
typedef struct {
    const VlLabHost *host;
    const char *file;
    VlLabUploadFunc upload;
    gpointer data;
} VlLabRemoteUpload;

static void
vl_lab_remote_upload_progress(guint64 done, guint64 total, double seconds, gpointer data)
{
    VlLabRemoteUpload *u = data;

    if (u->upload)
        u->upload(u->host->name, u->file, done, total, seconds, u->data);
}

/* Replaces *@path (a file of this machine) by its volume's path on @host, uploading it once. */
static gboolean
vl_lab_remote_place(VlLabHost *host, char **path, GHashTable *done, VlLabUploadFunc upload,
                    gpointer data, GError **error)
{
    VlLabRemoteUpload u = {host, *path, upload, data};
    const char *known;
    g_autofree char *vol_path = NULL;

    if (!*path)
        return TRUE;
    known = g_hash_table_lookup(done, *path);
    if (!known) {
        if (!vl_image_upload_ensure(host->conn, *path, vl_lab_remote_upload_progress, &u, &vol_path,
                                    error)) {
            g_prefix_error(error, "host '%s': ", host->name);
            return FALSE;
        }
        g_hash_table_insert(done, g_strdup(*path), g_strdup(vol_path));
        known = vol_path;
    }
    g_free(*path);
    *path = g_strdup(known);
    return TRUE;
}

/* Sets @host->pool_dir: vmlab-lab-LAB beside the `vmlab-images` folder on that host. */
static gboolean
vl_lab_remote_pool_dir(VlLabHost *host, const char *lab, GError **error)
{
    g_autoptr(virStoragePool) images = NULL;
    g_autofree char *images_dir = NULL;
    g_autofree char *parent = NULL;
    g_autofree char *leaf = g_strdup_printf("vmlab-lab-%s", lab);

    if (host->pool_dir)
        return TRUE;
    images = vl_image_upload_pool_ensure(host->conn, error);
    if (!images) {
        g_prefix_error(error, "host '%s': ", host->name);
        return FALSE;
    }
    images_dir = vl_storage_pool_path(images);
    if (!images_dir) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                    "host '%s': cannot read the folder of its pool 'vmlab-images'", host->name);
        return FALSE;
    }
    parent = g_path_get_dirname(images_dir);
    host->pool_dir = g_build_filename(parent, leaf, NULL);
    return TRUE;
}

gboolean
vl_lab_remote_prepare(VlLabHosts *hosts, VlSpec *spec, GPtrArray *vms, VlLabUploadFunc upload,
                      gpointer data, GError **error)
{
    g_autoptr(GHashTable) nodes_done = g_hash_table_new(g_direct_hash, g_direct_equal);

    for (guint h = 0; h < hosts->hosts->len; h++) {
        VlLabHost *host = g_ptr_array_index(hosts->hosts, h);
        g_autoptr(GHashTable) done = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

        if (!host->remote)
            continue;
        for (guint i = 0; i < vms->len; i++) {
            VlVm *vm = g_ptr_array_index(vms, i);
            VlNode *node = vm->node;
            g_autofree char *disk = NULL;
            g_autofree char *log = NULL;

            if (vl_lab_hosts_for_vm(hosts, vm) != host)
                continue;
            if (!vl_lab_remote_pool_dir(host, spec->name, error) ||
                !vl_lab_remote_place(host, &vm->backing_path, done, upload, data, error))
                return FALSE;
            /* A node's VMs are all on one host: its kernel and initrd are placed once. */
            if (!g_hash_table_contains(nodes_done, node)) {
                g_hash_table_add(nodes_done, node);
                if (!vl_lab_remote_place(host, &node->kernel, done, upload, data, error) ||
                    !vl_lab_remote_place(host, &node->initrd, done, upload, data, error))
                    return FALSE;
            }
            if (vm->disk_path) {
                disk = g_path_get_basename(vm->disk_path);
                g_free(vm->disk_path);
                vm->disk_path = g_build_filename(host->pool_dir, disk, NULL);
            }
            log = g_path_get_basename(vm->log_path);
            g_free(vm->log_path);
            vm->log_path = g_build_filename(host->pool_dir, log, NULL);
        }
    }
    return TRUE;
}
