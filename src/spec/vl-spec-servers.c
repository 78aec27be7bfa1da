/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-spec-servers.c - the lab's libvirt hosts: vmlab.hosts or vmlab.servers, their URIs */
#include "vl-spec-private.h"

#include "vl-json.h"

#include <gio/gio.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>

/*
 * A lab may run on several libvirt hosts ("servers" in the code; "host devices" are another
 * thing, see vl-spec-hosts.c). They are given in one of two forms of the vmlab (or newtlab)
 * section, never both:
 *   "hosts":   {"NAME": "ADDRESS"} or {"NAME": {"address": A, "uri": U, "max_nodes": N}}
 *   "servers": [{"name": NAME, "address": A, "uri": U, "max_nodes": N}]   (newtlab's form)
 * ADDRESS is the host's address as the other hosts (and the machine running vmlab-virt) reach
 * it: cross-host links and the host's VMs' management ports bind it. max_nodes caps the VMs
 * placed on the host (0 or absent: no cap).
 *
 * Which URI a host uses (vl_server_uri()):
 *   1. its "uri", when given, whatever its address;
 *   2. else the -c connection (uri NULL), when the host is local: its address is one of this
 *      machine's (127.0.0.0/8 and ::1 always count), or it is the spec's only host;
 *   3. else qemu+ssh://ADDRESS/system.
 * Two hosts may not share an address or a URI (two local hosts without "uri" would share the -c
 * connection). Only rule 2 depends on the machine running the command; nothing rendered does.
 */

void
vl_server_free(gpointer data)
{
    VlServer *s = data;

    g_free(s->name);
    g_free(s->address);
    g_free(s->uri);
    g_free(s->where);
    g_free(s);
}

const char *
vl_server_uri(const VlServer *s, const char *default_uri)
{
    return s && s->uri ? s->uri : default_uri;
}

/* Return: whether @ia is in $VMLAB_TEST_LOCAL_ADDRS (@list) or on one of this machine's
 * interfaces. */
static gboolean
vl_spec_address_on_machine(GInetAddress *ia, const char *list)
{
    struct ifaddrs *ifs = NULL;
    gboolean found = FALSE;

    if (list) {
        g_auto(GStrv) items = g_strsplit(list, ",", -1);
        for (guint i = 0; items[i] && !found; i++) {
            g_autoptr(GInetAddress) other = g_inet_address_new_from_string(g_strstrip(items[i]));
            found = other && g_inet_address_equal(ia, other);
        }
        return found;
    }
    if (getifaddrs(&ifs) < 0)
        return FALSE;
    for (const struct ifaddrs *i = ifs; i && !found; i = i->ifa_next) {
        g_autoptr(GInetAddress) other = NULL;
        if (!i->ifa_addr)
            continue;
        if (i->ifa_addr->sa_family == AF_INET)
            other = g_inet_address_new_from_bytes(
                (const guint8 *)&((const struct sockaddr_in *)(const void *)i->ifa_addr)->sin_addr,
                G_SOCKET_FAMILY_IPV4);
        else if (i->ifa_addr->sa_family == AF_INET6)
            other = g_inet_address_new_from_bytes(
                (const guint8 *)&((const struct sockaddr_in6 *)(const void *)i->ifa_addr)
                    ->sin6_addr,
                G_SOCKET_FAMILY_IPV6);
        found = other && g_inet_address_equal(ia, other);
    }
    freeifaddrs(ifs);
    return found;
}

gboolean
vl_spec_address_is_local(const char *address)
{
    g_autoptr(GInetAddress) ia = g_inet_address_new_from_string(address);

    if (!ia)
        return FALSE;
    if (g_inet_address_get_is_loopback(ia))
        return TRUE;
    return vl_spec_address_on_machine(ia, g_getenv("VMLAB_TEST_LOCAL_ADDRS"));
}

VlServer *
vl_spec_find_server(const VlSpec *spec, const char *name)
{
    for (guint i = 0; i < spec->servers->len; i++) {
        VlServer *s = g_ptr_array_index(spec->servers, i);
        if (g_str_equal(s->name, name))
            return s;
    }
    return NULL;
}

/* Return: (transfer full) (nullable): the canonical form of the IP address @v, else NULL with an
 * error at @path. */
static char *
vl_spec_server_address(json_object *v, const char *path, VlDiag *diag)
{
    const char *a = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
    g_autoptr(GInetAddress) ia = a ? g_inet_address_new_from_string(a) : NULL;

    if (!ia) {
        vl_diag_error(diag, "topology.json", path, "must be an IP address, got %s",
                      a ? a : vl_json_type_name(v));
        return NULL;
    }
    return g_inet_address_to_string(ia);
}

/* Reads the fields of one host object (object form or servers entry) into @s. */
static void
vl_spec_server_fields(VlServer *s, json_object *obj, gboolean list_form, VlDiag *diag)
{
    static const char *const known[] = {"name", "address", "uri", "max_nodes"};
    json_object *v = NULL;

    if (json_object_object_get_ex(obj, "address", &v)) {
        g_autofree char *p = vl_json_path_key(s->where, "address");
        s->address = vl_spec_server_address(v, p, diag);
    } else {
        vl_diag_error(diag, "topology.json", s->where, "host '%s' has no \"address\"",
                      s->name ? s->name : "");
    }
    if (json_object_object_get_ex(obj, "uri", &v)) {
        g_autofree char *p = vl_json_path_key(s->where, "uri");
        const char *u = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
        g_autoptr(GError) err = NULL;
        if (!u)
            vl_diag_error(diag, "topology.json", p, "must be a libvirt URI, got %s",
                          vl_json_type_name(v));
        else if (!strstr(u, "://") || !g_uri_is_valid(u, G_URI_FLAGS_NONE, &err))
            vl_diag_error(diag, "topology.json", p, "'%s' is not a libvirt URI%s%s", u,
                          err ? ": " : " (DRIVER[+TRANSPORT]://[USER@][HOST][:PORT]/PATH)",
                          err ? err->message : "");
        else
            s->uri = g_strdup(u);
    }
    if (json_object_object_get_ex(obj, "max_nodes", &v)) {
        g_autofree char *p = vl_json_path_key(s->where, "max_nodes");
        gint64 n = json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : -1;
        if (n < 0 || n > G_MAXINT)
            vl_diag_error(diag, "topology.json", p,
                          "must be a number of VMs (0 or absent: no limit), got %s",
                          json_object_is_type(v, json_type_int) ? json_object_get_string(v)
                                                                : vl_json_type_name(v));
        else
            s->max_nodes = (guint)n;
    }
    json_object_object_foreach(obj, key, val)
    {
        gboolean ok = FALSE;
        (void)val;
        for (guint i = 0; i < G_N_ELEMENTS(known); i++)
            ok = ok || (g_str_equal(key, known[i]) && (i > 0 || list_form));
        if (!ok) {
            g_autofree char *p = vl_json_path_key(s->where, key);
            vl_diag_warning(diag, "topology.json", p,
                            "unknown host field '%s' ignored (a host has %saddress, uri, "
                            "max_nodes)",
                            key, list_form ? "name, " : "");
        }
    }
}

/* Adds @s to the spec unless its name is bad or taken (then frees it). */
static void
vl_spec_server_add(VlSpec *spec, VlServer *s, VlDiag *diag)
{
    const VlServer *other = s->name ? vl_spec_find_server(spec, s->name) : NULL;

    if (!s->name || !vl_spec_name_is_valid(s->name)) {
        if (s->name)
            vl_diag_error(diag, "topology.json", s->where, "'%s' is not a valid host name",
                          s->name);
        vl_server_free(s);
    } else if (other) {
        vl_diag_error(diag, "topology.json", s->where, "host '%s' is defined twice (also at %s)",
                      s->name, other->where);
        vl_server_free(s);
    } else if (!s->address) {
        vl_server_free(s); /* reported */
    } else {
        g_ptr_array_add(spec->servers, s);
    }
}

/* vmlab.hosts: {"NAME": "ADDRESS"} or {"NAME": {...}}. */
static void
vl_spec_load_hosts_form(VlSpec *spec, json_object *hosts, const char *hpath, VlDiag *diag)
{
    if (!json_object_is_type(hosts, json_type_object)) {
        vl_diag_error(diag, "topology.json", hpath,
                      "must be an object of host name -> address (or -> {\"address\", \"uri\", "
                      "\"max_nodes\"}), got %s",
                      vl_json_type_name(hosts));
        return;
    }
    json_object_object_foreach(hosts, name, v)
    {
        VlServer *s = g_new0(VlServer, 1);

        s->name = g_strdup(name);
        s->where = vl_json_path_key(hpath, name);
        if (json_object_is_type(v, json_type_object))
            vl_spec_server_fields(s, v, FALSE, diag);
        else
            s->address = vl_spec_server_address(v, s->where, diag);
        vl_spec_server_add(spec, s, diag);
    }
}

/* vmlab.servers: [{"name", "address", "uri", "max_nodes"}], newtlab's form. */
static void
vl_spec_load_servers_form(VlSpec *spec, json_object *list, const char *spath, VlDiag *diag)
{
    if (!json_object_is_type(list, json_type_array)) {
        vl_diag_error(diag, "topology.json", spath,
                      "must be an array of {\"name\", \"address\", \"uri\", \"max_nodes\"}, got %s",
                      vl_json_type_name(list));
        return;
    }
    for (gsize i = 0; i < json_object_array_length(list); i++) {
        json_object *e = json_object_array_get_idx(list, i);
        json_object *n = NULL;
        VlServer *s = g_new0(VlServer, 1);

        s->where = vl_json_path_index(spath, i);
        if (!json_object_is_type(e, json_type_object)) {
            vl_diag_error(diag, "topology.json", s->where, "must be an object, got %s",
                          vl_json_type_name(e));
            vl_server_free(s);
            continue;
        }
        if (!json_object_object_get_ex(e, "name", &n) || !json_object_is_type(n, json_type_string))
            vl_diag_error(diag, "topology.json", s->where, "a server needs a \"name\" string%s%s",
                          n ? ", got " : "", n ? vl_json_type_name(n) : "");
        else
            s->name = g_strdup(json_object_get_string(n));
        vl_spec_server_fields(s, e, TRUE, diag);
        vl_spec_server_add(spec, s, diag);
    }
}

static int
vl_server_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp((*(VlServer *const *)a)->name, (*(VlServer *const *)b)->name);
}

/* Resolves every host's locality and URI, and reports shared addresses and URIs. */
static void
vl_spec_servers_resolve(VlSpec *spec, VlDiag *diag)
{
    for (guint i = 0; i < spec->servers->len; i++) {
        VlServer *s = g_ptr_array_index(spec->servers, i);

        s->local = spec->servers->len == 1 || vl_spec_address_is_local(s->address);
        if (!s->uri && !s->local)
            s->uri = strchr(s->address, ':') ? g_strdup_printf("qemu+ssh://[%s]/system", s->address)
                                             : g_strdup_printf("qemu+ssh://%s/system", s->address);
    }
    for (guint i = 0; i < spec->servers->len; i++) {
        const VlServer *s = g_ptr_array_index(spec->servers, i);
        for (guint j = 0; j < i; j++) {
            const VlServer *o = g_ptr_array_index(spec->servers, j);
            if (g_str_equal(s->address, o->address))
                vl_diag_error(diag, "topology.json", s->where,
                              "host '%s' has the same address as host '%s' (%s)", s->name, o->name,
                              s->address);
            else if (!s->uri && !o->uri)
                vl_diag_error(diag, "topology.json", s->where,
                              "hosts '%s' (%s) and '%s' (%s) would share the -c connection: both "
                              "addresses are this machine's; give one of them a \"uri\"",
                              o->name, o->address, s->name, s->address);
            else if (s->uri && o->uri && g_str_equal(s->uri, o->uri))
                vl_diag_error(diag, "topology.json", s->where,
                              "host '%s' has the same URI as host '%s' (%s)", s->name, o->name,
                              s->uri);
        }
    }
}

void
vl_spec_load_servers(VlSpec *spec, json_object *section, const char *sec, VlDiag *diag)
{
    json_object *hosts = NULL;
    json_object *servers = NULL;
    g_autofree char *hpath = vl_json_path_key(sec, "hosts");
    g_autofree char *spath = vl_json_path_key(sec, "servers");

    if (!section)
        return;
    json_object_object_get_ex(section, "hosts", &hosts);
    json_object_object_get_ex(section, "servers", &servers);
    if (hosts && servers) {
        vl_diag_error(diag, "topology.json", spath, "both %s and %s list the lab's hosts; keep one",
                      hpath, spath);
        return;
    }
    if (hosts)
        vl_spec_load_hosts_form(spec, hosts, hpath, diag);
    else if (servers)
        vl_spec_load_servers_form(spec, servers, spath, diag);
    g_ptr_array_sort(spec->servers, vl_server_cmp);
    vl_spec_servers_resolve(spec, diag);
}
