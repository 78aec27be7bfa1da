/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-vfs.c - a router's virtual file system: virtual paths resolved through its rules */
#include "vl-ftp-vfs.h"

#include "vl-ftp-path.h"

#include <string.h>

struct _VlFtpVfs {
    const VlFtpConfig *config;
    const VlFtpRouter *router;
    GHashTable *fs; /* backend name -> VlFtpFs */
};

void
vl_ftp_target_clear(VlFtpTarget *t)
{
    g_free(t->vpath);
    memset(t, 0, sizeof(*t));
}

VlFtpVfs *
vl_ftp_vfs_new(const VlFtpConfig *config, const VlFtpRouter *router)
{
    VlFtpVfs *vfs = g_new0(VlFtpVfs, 1);

    vfs->config = config;
    vfs->router = router;
    vfs->fs =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)vl_ftp_fs_free);
    return vfs;
}

void
vl_ftp_vfs_free(VlFtpVfs *vfs)
{
    if (!vfs)
        return;
    g_hash_table_unref(vfs->fs);
    g_free(vfs);
}

VlFtpFs *
vl_ftp_vfs_get_fs(VlFtpVfs *vfs, const VlFtpRule *rule, GError **error)
{
    VlFtpFs *fs = g_hash_table_lookup(vfs->fs, rule->backend);
    const VlFtpBackend *backend;
    g_autoptr(GError) err = NULL;

    if (fs)
        return fs;
    backend = g_hash_table_lookup(vfs->config->backends, rule->backend);
    if (!backend) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "backend '%s' is not configured",
                    rule->backend);
        return NULL;
    }
    fs = vl_ftp_fs_open(backend, &err);
    if (!fs) {
        /* Whatever the cause (host key, login, network), it is a backend failure: 451. */
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, "backend '%s': %s", rule->backend,
                    err->message);
        return NULL;
    }
    g_hash_table_insert(vfs->fs, g_strdup(rule->backend), fs);
    return fs;
}

gboolean
vl_ftp_vfs_resolve(VlFtpVfs *vfs, const char *cwd, const char *arg, VlFtpTarget *t, GError **error)
{
    g_autoptr(GPtrArray) children = NULL;

    memset(t, 0, sizeof(*t));
    t->vpath = vl_ftp_path_resolve(cwd, arg, error);
    if (!t->vpath)
        return FALSE;
    t->rule = vl_ftp_router_match(vfs->router, t->vpath, &t->rel);
    children = vl_ftp_router_children(vfs->router, t->vpath);
    t->synthetic = children->len > 0;
    if (!t->rule && !t->synthetic) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "'%s' is not served", t->vpath);
        return FALSE;
    }
    return TRUE;
}

gboolean
vl_ftp_vfs_stat(VlFtpVfs *vfs, const VlFtpTarget *t, VlFtpEntry *out, GError **error)
{
    VlFtpFs *fs;

    memset(out, 0, sizeof(*out));
    if (!t->rule) {
        out->is_dir = TRUE;
        out->mode = 0555;
        return TRUE;
    }
    fs = vl_ftp_vfs_get_fs(vfs, t->rule, error);
    if (!fs)
        return FALSE;
    if (!vl_ftp_fs_stat(fs, t->rule->target, t->rel, out, error)) {
        if (t->synthetic) {
            g_clear_error(error);
            out->is_dir = TRUE;
            out->mode = 0555;
            return TRUE;
        }
        return FALSE;
    }
    return TRUE;
}

gboolean
vl_ftp_vfs_writable_entry(const VlFtpTarget *t, gboolean allow_rule_root, char **root, char **rel,
                          GError **error)
{
    if (!t->rule || !t->rule->writable || (t->synthetic && !*t->rel)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "'%s' is read-only", t->vpath);
        return FALSE;
    }
    if (*t->rel) {
        *root = g_strdup(t->rule->target);
        *rel = g_strdup(t->rel);
        return TRUE;
    }
    if (!allow_rule_root || strcmp(t->rule->target, "/") == 0) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "'%s' is a rule's own path",
                    t->vpath);
        return FALSE;
    }
    *root = g_path_get_dirname(t->rule->target);
    *rel = g_path_get_basename(t->rule->target);
    return TRUE;
}

gboolean
vl_ftp_vfs_is_writable(VlFtpVfs *vfs, const char *vpath)
{
    const VlFtpRule *rule = vl_ftp_router_match(vfs->router, vpath, NULL);

    return rule && rule->writable;
}

GPtrArray *
vl_ftp_vfs_list(VlFtpVfs *vfs, const VlFtpTarget *t, gboolean dirs_only, gboolean *is_dir,
                GError **error)
{
    g_autoptr(GPtrArray) entries = NULL;
    g_autoptr(GPtrArray) children = NULL;
    VlFtpEntry st;

    if (!vl_ftp_vfs_stat(vfs, t, &st, error))
        return NULL;
    *is_dir = st.is_dir;
    if (!st.is_dir) {
        VlFtpEntry *e;
        if (dirs_only) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY, "'%s' is not a folder",
                        t->vpath);
            return NULL;
        }
        entries = g_ptr_array_new_with_free_func((GDestroyNotify)vl_ftp_entry_free);
        e = g_memdup2(&st, sizeof(st));
        e->name = g_path_get_basename(t->vpath);
        g_ptr_array_add(entries, e);
        return g_steal_pointer(&entries);
    }
    if (t->rule) {
        VlFtpFs *fs = vl_ftp_vfs_get_fs(vfs, t->rule, error);
        g_autoptr(GError) err = NULL;
        if (!fs)
            return NULL;
        entries = vl_ftp_fs_list(fs, t->rule->target, t->rel, &err);
        if (!entries && !t->synthetic) {
            g_propagate_error(error, g_steal_pointer(&err));
            return NULL;
        }
    }
    if (!entries)
        entries = g_ptr_array_new_with_free_func((GDestroyNotify)vl_ftp_entry_free);
    children = vl_ftp_router_children(vfs->router, t->vpath);
    for (guint i = 0; i < children->len; i++) {
        const char *name = children->pdata[i];
        g_autofree char *child = vl_ftp_path_join(t->vpath, name);
        g_auto(VlFtpTarget) ct = {0};
        g_autoptr(GError) err = NULL;
        VlFtpEntry *e;

        for (guint j = 0; j < entries->len; j++) {
            VlFtpEntry *old = entries->pdata[j];
            if (strcmp(old->name, name) == 0) {
                g_ptr_array_remove_index(entries, j);
                break;
            }
        }
        e = g_new0(VlFtpEntry, 1);
        if (!vl_ftp_vfs_resolve(vfs, "/", child, &ct, &err) ||
            !vl_ftp_vfs_stat(vfs, &ct, e, &err)) {
            g_free(e);
            continue;
        }
        e->name = g_strdup(name);
        g_ptr_array_add(entries, e);
    }
    return g_steal_pointer(&entries);
}
