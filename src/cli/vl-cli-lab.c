/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-cli-lab.c - which lab and which VMs a command is about: --lab, a spec folder, the one deployed
 */
#include "vl-cli.h"

#include "vl-error.h"
#include "vl-fs.h"
#include "vl-json.h"
#include "vl-lab-hosts.h"

#include <string.h>

static int
vl_cli_strptr_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char *
vl_cli_lab_deployed(GError **error)
{
    g_autofree char *state = vl_fs_state_dir();
    g_autofree char *labs_dir = g_build_filename(state, "labs", NULL);
    g_autoptr(GDir) d = g_dir_open(labs_dir, 0, NULL);
    g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func(g_free);
    const char *ent;

    while (d && (ent = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(labs_dir, ent, "state.json", NULL);
        if (vl_spec_lab_name_check(ent, "", NULL) && g_file_test(path, G_FILE_TEST_IS_REGULAR))
            g_ptr_array_add(found, g_strdup(ent));
    }
    if (found->len == 1)
        return g_strdup(g_ptr_array_index(found, 0));
    if (!found->len) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                    "no lab is up here (no %s/*/state.json): name one with SPECDIR, -S DIR or "
                    "--lab NAME",
                    labs_dir);
        return NULL;
    }
    g_ptr_array_sort(found, vl_cli_strptr_cmp);
    g_ptr_array_add(found, NULL);
    {
        g_autofree char *list = g_strjoinv("', '", (char **)found->pdata);
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE,
                    "%u labs are up ('%s'): say which with SPECDIR, -S DIR or --lab NAME",
                    found->len - 1, list);
    }
    return NULL;
}

char *
vl_cli_lab_resolve(const char *lab, const char *dir, gboolean need, GError **error)
{
    if (lab && dir) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE,
                    "name the lab once: SPECDIR, -S DIR or --lab NAME (see '%s --help')",
                    g_get_prgname());
        return NULL;
    }
    if (lab)
        return vl_spec_lab_name_check(lab, "--lab", error) ? g_strdup(lab) : NULL;
    if (dir)
        return vl_spec_read_lab_name(dir, error);
    return need ? vl_cli_lab_deployed(error) : NULL;
}

/* Return: a printable name of @conn's URI, for messages. */
static const char *
vl_cli_conn_uri(virConnectPtr conn, char **buf)
{
    *buf = virConnectGetURI(conn);
    return *buf ? *buf : "libvirt";
}

char *
vl_cli_hosts_describe(const VlLabHosts *hosts)
{
    g_autoptr(GString) out = g_string_new(NULL);

    for (guint i = 0; i < hosts->hosts->len; i++) {
        const VlLabHost *h = g_ptr_array_index(hosts->hosts, i);
        g_autofree char *uri = virConnectGetURI(h->conn);

        if (h->name[0])
            g_string_append_printf(out, "%shost '%s' (%s)", i ? ", " : "", h->name,
                                   uri ? uri : "libvirt");
        else
            g_string_append(out, uri ? uri : "libvirt");
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

VlLabHosts *
vl_cli_lab_hosts(const char *uri, const char *lab, const char *only, GError **error)
{
    if (!lab && only) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE, "--host %s: name the lab too", only);
        return NULL;
    }
    return lab ? vl_lab_hosts_open_state(lab, uri, only, error) : vl_lab_hosts_open_uri(uri, error);
}

GPtrArray *
vl_cli_lab_vms(virConnectPtr conn, const char *lab, const char *name, char **lab_out,
               GError **error)
{
    g_autoptr(GHashTable) doms = vl_conn_lab_domains(conn, lab, error);
    g_autofree char *uri = NULL;

    if (!doms)
        return NULL;
    return vl_cli_lab_vms_in(doms, vl_cli_conn_uri(conn, &uri), lab, name, lab_out, error);
}

GPtrArray *
vl_cli_lab_vms_in(GHashTable *doms, const char *where, const char *lab, const char *name,
                  char **lab_out, GError **error)
{
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GList) keys = NULL;
    const char *found_lab = NULL;

    if (!g_hash_table_size(doms)) {
        if (lab)
            g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                        "lab '%s' is not up (no domain of it on %s)", lab, where);
        else
            g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                        "no lab is up on %s, so '%s' is not up either", where, name);
        return NULL;
    }
    keys = g_list_sort(g_hash_table_get_keys(doms), (GCompareFunc)g_strcmp0);
    for (GList *l = keys; l; l = l->next) {
        const VlDomainMeta *m = g_hash_table_lookup(doms, l->data);
        if (!g_str_equal(l->data, name) && g_strcmp0(m->node, name) != 0)
            continue;
        if (found_lab && !g_str_equal(found_lab, m->lab)) {
            g_set_error(error, VL_ERROR, VL_ERROR_USAGE,
                        "'%s' is in labs '%s' and '%s': say which with --lab", name, found_lab,
                        m->lab);
            return NULL;
        }
        found_lab = m->lab;
        g_ptr_array_add(out, g_strdup(l->data));
    }
    if (!out->len) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE, "no vmlab domain or device named '%s'%s%s",
                    name, lab ? " in lab " : "", lab ? lab : "");
        return NULL;
    }
    if (lab_out)
        *lab_out = g_strdup(found_lab);
    return g_steal_pointer(&out);
}

gboolean
vl_cli_lab_check_local(const char *lab, const char *what, GError **error)
{
    g_autofree char *dir = vl_fs_lab_dir(lab);
    g_autofree char *path = g_build_filename(dir, "state.json", NULL);
    g_autoptr(json_object) state = vl_json_load_file(path, NULL);
    json_object *servers = NULL;

    if (!state || !json_object_object_get_ex(state, "servers", &servers) ||
        !json_object_is_type(servers, json_type_array))
        return TRUE;
    for (size_t i = 0; i < json_object_array_length(servers); i++) {
        json_object *s = json_object_array_get_idx(servers, i);
        json_object *remote = NULL;
        json_object *name = NULL;

        json_object_object_get_ex(s, "remote", &remote);
        json_object_object_get_ex(s, "name", &name);
        if (json_object_get_boolean(remote)) {
            g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                        "lab '%s' has VMs on remote host '%s': %s works on the hosts of the -c "
                        "connection only (run it with --host on each host's own machine)",
                        lab, json_object_get_string(name), what);
            return FALSE;
        }
    }
    return TRUE;
}

VlSpec *
vl_cli_lab_host_find(GHashTable *metas, const char *lab, const char *name, char **domain)
{
    g_autoptr(GList) keys = g_list_sort(g_hash_table_get_keys(metas), (GCompareFunc)g_strcmp0);
    g_autoptr(GHashTable) tried = g_hash_table_new(g_str_hash, g_str_equal);

    for (GList *l = keys; l; l = l->next) {
        const VlDomainMeta *m = g_hash_table_lookup(metas, l->data);
        g_autoptr(VlDiag) diag = NULL;
        g_autoptr(VlSpec) spec = NULL;
        VlNode *host;

        if (g_strcmp0(m->role, "hostvm") != 0 || !m->spec_dir || (lab && g_strcmp0(lab, m->lab)) ||
            g_hash_table_contains(tried, m->lab))
            continue;
        g_hash_table_add(tried, m->lab);
        diag = vl_diag_new();
        spec = vl_spec_load(m->spec_dir, diag);
        host = spec ? vl_spec_find_node(spec, name) : NULL;
        if (host && host->host_vm) {
            if (domain)
                *domain = g_strconcat(spec->domain_prefix, host->host_vm->name, NULL);
            return g_steal_pointer(&spec);
        }
    }
    return NULL;
}
