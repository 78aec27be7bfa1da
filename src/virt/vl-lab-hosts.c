/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-lab-hosts.c - the libvirt hosts of a lab: one connection per host, opened in parallel */
#include "vl-lab-hosts.h"

#include "vl-error.h"
#include "vl-fs.h"
#include "vl-json.h"
#include "vl-log.h"

#include <string.h>

static void
vl_lab_host_free(gpointer data)
{
    VlLabHost *h = data;

    g_free(h->name);
    g_free(h->address);
    g_free(h->uri);
    g_free(h->pool_dir);
    if (h->conn)
        virConnectClose(h->conn);
    g_free(h);
}

void
vl_lab_hosts_free(VlLabHosts *hosts)
{
    if (!hosts)
        return;
    g_ptr_array_unref(hosts->hosts);
    g_free(hosts);
}

static VlLabHosts *
vl_lab_hosts_new(void)
{
    VlLabHosts *hosts = g_new0(VlLabHosts, 1);

    hosts->hosts = g_ptr_array_new_with_free_func(vl_lab_host_free);
    return hosts;
}

static void
vl_lab_hosts_add(VlLabHosts *hosts, const char *name, const char *address, const char *uri,
                 gboolean remote)
{
    VlLabHost *h = g_new0(VlLabHost, 1);

    h->name = g_strdup(name);
    h->address = g_strdup(address);
    h->uri = g_strdup(uri);
    h->remote = remote;
    g_ptr_array_add(hosts->hosts, h);
}

/* One connection attempt, in its own thread: libvirt's last error is per thread. */
typedef struct {
    VlLabHost *host;
    GError *error;
} VlLabHostOpen;

static gpointer
vl_lab_host_open_thread(gpointer data)
{
    VlLabHostOpen *o = data;

    o->host->conn = vl_conn_open(o->host->uri, &o->error);
    return NULL;
}

/* Opens every host's connection at once. Return: FALSE with one error naming each failure. */
static gboolean
vl_lab_hosts_connect(VlLabHosts *hosts, GError **error)
{
    guint n = hosts->hosts->len;
    g_autofree VlLabHostOpen *opens = g_new0(VlLabHostOpen, n);
    g_autofree GThread **threads = g_new0(GThread *, n);
    g_autoptr(GString) msg = g_string_new(NULL);

    for (guint i = 0; i < n; i++) {
        opens[i].host = g_ptr_array_index(hosts->hosts, i);
        threads[i] = g_thread_new("vl-connect", vl_lab_host_open_thread, &opens[i]);
    }
    for (guint i = 0; i < n; i++) {
        g_thread_join(threads[i]);
        if (!opens[i].error)
            continue;
        if (opens[i].host->name[0])
            g_string_append_printf(msg, "%shost '%s' is unreachable: %s", msg->len ? "\n" : "",
                                   opens[i].host->name, opens[i].error->message);
        else
            g_string_append_printf(msg, "%s%s", msg->len ? "\n" : "", opens[i].error->message);
        g_clear_error(&opens[i].error);
    }
    if (msg->len) {
        g_set_error_literal(error, VL_ERROR, VL_ERROR_FAILED, msg->str);
        return FALSE;
    }
    return TRUE;
}

/* Return: FALSE with a usage error when @only names no host of @names (NULL-terminated). */
static gboolean
vl_lab_hosts_check_only(const char *only, GPtrArray *names, GError **error)
{
    g_autofree char *list = NULL;

    if (!only)
        return TRUE;
    for (guint i = 0; i < names->len; i++) {
        if (g_str_equal(g_ptr_array_index(names, i), only))
            return TRUE;
    }
    g_ptr_array_add(names, NULL);
    list = g_strjoinv("', '", (char **)names->pdata);
    g_ptr_array_remove_index(names, names->len - 1);
    if (!names->len)
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE,
                    "--host %s: this lab has no hosts (no vmlab.hosts in its topology.json)", only);
    else
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE, "--host %s: no such host; the lab's are '%s'",
                    only, list);
    return FALSE;
}

/*
 * The end of every open: @only must name one of the lab's hosts (@names); a lab without hosts
 * has the -c connection as its one host; then every host is connected.
 * Return: (transfer full): @hosts, or NULL with @error (@hosts freed).
 */
static VlLabHosts *
vl_lab_hosts_finish(VlLabHosts *hosts_in, GPtrArray *names, const char *only,
                    const char *default_uri, GError **error)
{
    g_autoptr(VlLabHosts) hosts = hosts_in;

    if (!vl_lab_hosts_check_only(only, names, error))
        return NULL;
    if (!names->len)
        vl_lab_hosts_add(hosts, "", NULL, default_uri, FALSE);
    if (!vl_lab_hosts_connect(hosts, error))
        return NULL;
    return g_steal_pointer(&hosts);
}

VlLabHosts *
vl_lab_hosts_open_spec(const VlSpec *spec, const char *default_uri, const char *only,
                       GError **error)
{
    g_autoptr(VlLabHosts) hosts = vl_lab_hosts_new();
    g_autoptr(GPtrArray) names = g_ptr_array_new();

    for (guint i = 0; i < spec->servers->len; i++) {
        const VlServer *s = g_ptr_array_index(spec->servers, i);

        g_ptr_array_add(names, s->name);
        if ((only && !g_str_equal(only, s->name)) || (!only && !s->vm_count))
            continue;
        vl_lab_hosts_add(hosts, s->name, s->address, s->uri ? s->uri : default_uri, s->uri != NULL);
    }
    return vl_lab_hosts_finish(g_steal_pointer(&hosts), names, only, default_uri, error);
}

VlLabHosts *
vl_lab_hosts_open_uri(const char *default_uri, GError **error)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new();

    return vl_lab_hosts_finish(vl_lab_hosts_new(), names, NULL, default_uri, error);
}

VlLabHosts *
vl_lab_hosts_wrap(virConnectPtr conn, VlRenderer *r)
{
    VlLabHosts *hosts = vl_lab_hosts_new();
    g_autofree char *uri = virConnectGetURI(conn);
    VlLabHost *h;

    vl_lab_hosts_add(hosts, "", NULL, uri, FALSE);
    h = g_ptr_array_index(hosts->hosts, 0);
    h->conn = conn;
    virConnectRef(conn);
    h->renderer = r;
    return hosts;
}

/* Return: (nullable): @obj's string member @key. */
static const char *
vl_lab_hosts_json_string(json_object *obj, const char *key)
{
    json_object *v = NULL;

    if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

VlLabHosts *
vl_lab_hosts_open_state(const char *lab, const char *default_uri, const char *only, GError **error)
{
    g_autofree char *dir = vl_fs_lab_dir(lab);
    g_autofree char *path = g_build_filename(dir, "state.json", NULL);
    g_autoptr(json_object) state = vl_json_load_file(path, NULL);
    g_autoptr(VlLabHosts) hosts = vl_lab_hosts_new();
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    json_object *servers = NULL;

    if (state && json_object_object_get_ex(state, "servers", &servers) &&
        json_object_is_type(servers, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(servers); i++) {
            json_object *s = json_object_array_get_idx(servers, i);
            const char *name = vl_lab_hosts_json_string(s, "name");
            const char *uri = vl_lab_hosts_json_string(s, "uri");
            json_object *remote = NULL;

            if (!name)
                continue;
            g_ptr_array_add(names, (char *)name);
            if (only && !g_str_equal(only, name))
                continue;
            json_object_object_get_ex(s, "remote", &remote);
            /* A host on the -c connection follows -c; a remote one keeps its own URI. */
            if (json_object_get_boolean(remote))
                vl_lab_hosts_add(hosts, name, vl_lab_hosts_json_string(s, "address"), uri, TRUE);
            else
                vl_lab_hosts_add(hosts, name, vl_lab_hosts_json_string(s, "address"), default_uri,
                                 FALSE);
        }
    }
    return vl_lab_hosts_finish(g_steal_pointer(&hosts), names, only, default_uri, error);
}

VlLabHost *
vl_lab_hosts_find(const VlLabHosts *hosts, const char *name)
{
    for (guint i = 0; i < hosts->hosts->len; i++) {
        VlLabHost *h = g_ptr_array_index(hosts->hosts, i);
        if (g_str_equal(h->name, name))
            return h;
    }
    return NULL;
}

const char *
vl_lab_vm_host_name(const VlVm *vm)
{
    return vm->server ? vm->server->name : "";
}

VlLabHost *
vl_lab_hosts_for_vm(const VlLabHosts *hosts, const VlVm *vm)
{
    return vl_lab_hosts_find(hosts, vl_lab_vm_host_name(vm));
}

static void
vl_lab_domain_free(gpointer data)
{
    VlLabDomain *d = data;

    /* the fields of the metadata, then the whole (vl_domain_meta_free() would free @d) */
    vl_domain_meta_clear(&d->meta);
    g_free(d);
}

virConnectPtr
vl_lab_domains_conn(GHashTable *doms, const char *domain)
{
    const VlLabDomain *d = g_hash_table_lookup(doms, domain);

    return d ? d->host->conn : NULL;
}

GHashTable *
vl_lab_hosts_domains(const VlLabHosts *hosts, const char *lab, GError **error)
{
    g_autoptr(GHashTable) out =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, vl_lab_domain_free);

    gboolean local_listed = FALSE;

    for (guint i = 0; i < hosts->hosts->len; i++) {
        VlLabHost *h = g_ptr_array_index(hosts->hosts, i);
        g_autoptr(GHashTable) doms = NULL;
        GHashTableIter it;
        gpointer key, value;

        /* Local hosts share the -c daemon: its domains are listed once, under the first. */
        if (!h->remote && local_listed)
            continue;
        local_listed |= !h->remote;
        doms = vl_conn_lab_domains(h->conn, lab, error);
        if (!doms) {
            if (h->name[0])
                g_prefix_error(error, "host '%s': ", h->name);
            return NULL;
        }
        g_hash_table_iter_init(&it, doms);
        while (g_hash_table_iter_next(&it, &key, &value)) {
            VlLabDomain *d = g_new0(VlLabDomain, 1);

            d->meta = *(VlDomainMeta *)value; /* its fields move into @d */
            g_free(value);
            d->host = h;
            g_hash_table_iter_steal(&it);
            g_hash_table_insert(out, key, d);
        }
    }
    return g_steal_pointer(&out);
}

json_object *
vl_lab_hosts_state(const VlLabHosts *hosts)
{
    json_object *arr = json_object_new_array();

    for (guint i = 0; i < hosts->hosts->len; i++) {
        const VlLabHost *h = g_ptr_array_index(hosts->hosts, i);
        g_autofree char *uri = NULL;
        json_object *o;

        if (!h->name[0])
            continue;
        o = json_object_new_object();
        uri = h->conn ? virConnectGetURI(h->conn) : NULL;
        json_object_object_add(o, "name", json_object_new_string(h->name));
        json_object_object_add(o, "address",
                               h->address ? json_object_new_string(h->address) : NULL);
        json_object_object_add(o, "uri", json_object_new_string(uri ? uri : h->uri ? h->uri : ""));
        json_object_object_add(o, "remote", json_object_new_boolean(h->remote));
        json_object_array_add(arr, o);
    }
    return arr;
}
