/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-lab-down.c - take a lab down: on every host, or one host's share (`down --host`) */
#include "vl-lab.h"

#include "vl-error.h"
#include "vl-fs.h"
#include "vl-ftp-setup.h"
#include "vl-handoff.h"
#include "vl-json.h"
#include "vl-lab-priv.h"
#include "vl-spec-profiles.h"
#include "vl-lab-state.h"
#include "vl-lock.h"
#include "vl-snapshot.h"
#include "vl-storage.h"

#include <glib/gstdio.h>

/*
 * `down` removes what state.json lists (with --force, every domain whose metadata names the
 * lab), host by host: domains, then the lab's pool on that host with its volumes. A whole-lab
 * down then takes the routers out of the FTP proxy, restores the profiles and removes
 * state.json. `down --host NAME` removes that host's share only and keeps the rest recorded; the
 * lab's files go when the last share does.
 */

/* Removes the flat folder @lab_dir/@name and its files (persistent disks, boot logs). */
static void
vl_lab_remove_folder(const char *lab_dir, const char *name)
{
    g_autofree char *dir = g_build_filename(lab_dir, name, NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *ent;

    while (d && (ent = g_dir_read_name(d))) {
        g_autofree char *f = g_build_filename(dir, ent, NULL);
        g_unlink(f);
    }
    g_rmdir(dir);
}

/* Return: whether state node @n is on one of @hosts (a node of a lab without hosts always). */
static gboolean
vl_lab_down_node_here(json_object *n, const VlLabHosts *hosts)
{
    json_object *server = NULL;

    if (!json_object_object_get_ex(n, "server", &server) || !json_object_get_string(server)[0])
        return TRUE;
    return vl_lab_hosts_find(hosts, json_object_get_string(server)) != NULL;
}

/* Return: whether a node that stays recorded in @state is on a host sharing the -c daemon. */
static gboolean
vl_lab_down_local_left(json_object *state)
{
    json_object *nodes = NULL;
    json_object *servers = NULL;

    if (!json_object_object_get_ex(state, "nodes", &nodes) || !json_object_array_length(nodes))
        return FALSE;
    if (!json_object_object_get_ex(state, "servers", &servers))
        return TRUE;
    for (size_t i = 0; i < json_object_array_length(servers); i++) {
        json_object *remote = NULL;
        json_object_object_get_ex(json_object_array_get_idx(servers, i), "remote", &remote);
        if (!json_object_get_boolean(remote))
            return TRUE;
    }
    return FALSE;
}

/* Removes the domains of @doms that are @listed (or all with @force) and the pools. */
static gboolean
vl_lab_down_remove(const VlLabHosts *hosts, const char *lab, GHashTable *doms, GHashTable *listed,
                   gboolean keep_local_pool, VlLabProgressFunc progress, gpointer data,
                   GError **error)
{
    for (guint h = 0; h < hosts->hosts->len; h++) {
        VlLabHost *host = g_ptr_array_index(hosts->hosts, h);
        g_autoptr(virStoragePool) pool = vl_storage_pool_lookup(host->conn, lab);
        GHashTableIter it;
        gpointer key, value;

        g_hash_table_iter_init(&it, doms);
        while (g_hash_table_iter_next(&it, &key, &value)) {
            const VlLabDomain *d = value;
            g_autoptr(VlVmReport) rep = NULL;

            if (d->host != host || (listed && !g_hash_table_contains(listed, key)))
                continue;
            rep = vl_vm_report_new(key);
            rep->action = VL_VM_ACTION_REMOVE;
            if (!vl_lab_remove_domain(host->conn, pool, key, error))
                goto failed;
            if (progress)
                progress(rep, "removed", data);
        }
        if (pool && !(keep_local_pool && !host->remote) && !vl_storage_pool_delete(pool, error))
            goto failed;
        continue;
    failed:
        if (host->name[0])
            g_prefix_error(error, "host '%s': ", host->name);
        return FALSE;
    }
    return TRUE;
}

gboolean
vl_lab_down(virConnectPtr conn, const char *lab, gboolean force, gboolean purge,
            VlLabProgressFunc progress, gpointer data, GError **error)
{
    g_autoptr(VlLabHosts) hosts = vl_lab_hosts_wrap(conn, NULL);

    return vl_lab_down_hosts(hosts, lab, FALSE, force, purge, progress, data, error);
}

gboolean
vl_lab_down_hosts(const VlLabHosts *hosts, const char *lab, gboolean share, gboolean force,
                  gboolean purge, VlLabProgressFunc progress, gpointer data, GError **error)
{
    g_autofree char *lab_dir = vl_fs_lab_dir(lab);
    g_autofree char *state_path = vl_lab_state_path(lab);
    g_autoptr(VlLock) lock = NULL;
    g_autoptr(json_object) state = NULL;
    g_autoptr(GHashTable) doms = NULL;
    g_autoptr(GHashTable) listed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    json_object *nodes = NULL;
    gboolean keep_local_pool = FALSE;

    lock = vl_lock_acquire(lab_dir, error);
    if (!lock)
        return FALSE;
    state = vl_json_load_file(state_path, NULL);
    if (state && json_object_object_get_ex(state, "nodes", &nodes) &&
        json_object_is_type(nodes, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(nodes); i++) {
            json_object *n = json_object_array_get_idx(nodes, i);
            json_object *d = NULL;
            if (vl_lab_down_node_here(n, hosts) && json_object_object_get_ex(n, "domain", &d))
                g_hash_table_add(listed, g_strdup(json_object_get_string(d)));
        }
    }
    doms = vl_lab_hosts_domains(hosts, lab, error);
    if (!doms)
        return FALSE;
    /* One host's share: the rest of the lab stays recorded, and its files stay. */
    if (share && state) {
        for (guint h = 0; h < hosts->hosts->len; h++)
            vl_lab_state_drop_host(state, ((VlLabHost *)g_ptr_array_index(hosts->hosts, h))->name);
        keep_local_pool = vl_lab_down_local_left(state);
    }
    /* Without a state file, the metadata alone says which domains are the lab's. */
    if (!vl_lab_down_remove(hosts, lab, doms, state && !force ? listed : NULL, keep_local_pool,
                            progress, data, error))
        return FALSE;
    if (share && state && json_object_array_length(json_object_object_get(state, "nodes")))
        return vl_json_write_file(state_path, state, 0600, error);
    if (!vl_ftp_proxy_remove_lab(lab, error))
        return FALSE;
    if (state && !vl_spec_profiles_restore(json_object_object_get(state, "profiles"), error))
        return FALSE;
    if (purge) {
        vl_lab_remove_folder(lab_dir, "persist");
        vl_lab_remove_folder(lab_dir, "logs");
        if (!vl_snapshot_purge(lab, error))
            return FALSE;
    }
    if (!vl_handoff_remove(lab_dir, error))
        return FALSE;
    if (g_unlink(state_path) < 0 && g_file_test(state_path, G_FILE_TEST_EXISTS)) {
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot remove", state_path);
        return FALSE;
    }
    return TRUE;
}
