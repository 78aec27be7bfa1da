/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-cmd-capture.c - `vmlab-virt capture NODE:IFACE`: a pcap of a data interface, rootless */
#include "vl-cli.h"

#include "vl-capture.h"
#include "vl-error.h"
#include "vl-storage.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* Return: (transfer none): the NIC of @iface in its VM, or NULL. */
static const VlNic *
vl_cmd_capture_nic(const VlIface *iface)
{
    const VlVm *vm = vl_iface_vm(iface);

    for (guint i = 0; i < vm->nics->len; i++) {
        const VlNic *nic = g_ptr_array_index(vm->nics, i);
        if (nic->iface == iface)
            return nic;
    }
    return NULL;
}

/* Return: (transfer none): the interface @name of @node, or NULL with an error naming them all. */
static const VlIface *
vl_cmd_capture_iface(const VlNode *node, const char *name, GError **error)
{
    g_autoptr(GString) names = g_string_new(NULL);

    for (guint i = 0; i < node->ifaces->len; i++) {
        const VlIface *iface = g_ptr_array_index(node->ifaces, i);
        if (g_str_equal(iface->name, name))
            return iface;
        g_string_append_printf(names, "%s%s", i ? ", " : "", iface->name);
    }
    g_set_error(error, VL_ERROR, VL_ERROR_USAGE, "device '%s' has no interface '%s' (it has: %s)",
                node->name, name, names->len ? names->str : "none");
    return NULL;
}

/* Return: whether @conn reaches libvirt over its UNIX socket (no host in its URI), so that QEMU can
 * be handed a descriptor; else the capture goes through a file in the lab's pool there. */
static gboolean
vl_cmd_capture_conn_local(virConnectPtr conn)
{
    g_autofree char *uri = virConnectGetURI(conn);
    g_autoptr(GUri) u = uri ? g_uri_parse(uri, G_URI_FLAGS_NONE, NULL) : NULL;

    return !(u && g_uri_get_host(u) && *g_uri_get_host(u));
}

/* What NODE:IFACE names: the spec the lab was deployed from, the device and its interface. */
typedef struct {
    VlSpec *spec;
    const VlNode *node;
    const VlIface *iface;
} VlCaptureTarget;

static void
vl_capture_target_clear(VlCaptureTarget *t)
{
    g_clear_pointer(&t->spec, vl_spec_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VlCaptureTarget, vl_capture_target_clear)

/* Finds @node_name (a device, a domain, or a coalesced host) and its interface @iface_name among
 * the lab domains @doms. Return: TRUE, or FALSE with @error. */
static gboolean
vl_cmd_capture_target(GHashTable *doms, const char *where, const char *lab, const char *node_name,
                      const char *iface_name, VlCaptureTarget *t, GError **error)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) names = vl_cli_lab_vms_in(doms, where, lab, node_name, NULL, &err);
    const VlDomainMeta *meta = NULL;

    if (names) {
        /* The interface map comes from the spec the lab was deployed from. */
        meta = g_hash_table_lookup(doms, g_ptr_array_index(names, 0));
        if (!meta->spec_dir) {
            g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                        "domain '%s' does not say which spec it came from",
                        (const char *)g_ptr_array_index(names, 0));
            return FALSE;
        }
        t->spec = vl_cli_spec_load(meta->spec_dir, FALSE, error);
        if (!t->spec)
            return FALSE;
        t->node = vl_spec_find_node(t->spec, meta->node ? meta->node : node_name);
        if (!t->node) {
            g_set_error(error, VL_ERROR, VL_ERROR_USAGE, "%s: no device '%s'", meta->spec_dir,
                        node_name);
            return FALSE;
        }
    } else {
        /* a coalesced host: its interfaces are NICs of its host VM */
        t->spec = vl_cli_lab_host_find(doms, lab, node_name, NULL);
        if (!t->spec) {
            g_propagate_error(error, g_steal_pointer(&err));
            return FALSE;
        }
        t->node = vl_spec_find_node(t->spec, node_name);
    }
    t->iface = vl_cmd_capture_iface(t->node, iface_name, error);
    return t->iface != NULL;
}

/* Captures on @dom through a file in the lab's pool on its host (a remote connection). */
static gboolean
vl_cmd_capture_remote(virConnectPtr conn, virDomainPtr dom, const VlSpec *spec, const char *netdev,
                      VlCaptureOptions *opts, GError **error)
{
    g_autoptr(virStoragePool) pool = vl_storage_pool_lookup(conn, spec->name);
    g_autofree char *uri = virConnectGetURI(conn);
    g_autofree char *pool_name = vl_storage_pool_name(spec->name);
    guint stale;

    if (!pool || virStoragePoolIsActive(pool) != 1) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                    "'%s' is on %s, which this machine cannot hand a file descriptor, and that "
                    "host has no active pool '%s' to write the capture into",
                    virDomainGetName(dom), uri ? uri : "a remote host", pool_name);
        return FALSE;
    }
    stale = vl_capture_remove_stale_files(pool);
    if (stale)
        g_printerr("%s: removed %u leftover capture file%s\n", virStoragePoolGetName(pool), stale,
                   stale == 1 ? "" : "s");
    g_printerr("(a remote host: QEMU writes the pcap into pool '%s' there; it is downloaded over "
               "the libvirt connection as it grows)\n",
               virStoragePoolGetName(pool));
    return vl_capture_run_remote(dom, pool, netdev, opts, error);
}

gboolean
vl_cmd_capture(int argc, char **argv, GError **error)
{
    g_autofree char *uri = NULL;
    g_autofree char *lab = NULL;
    g_autofree char *output = NULL;
    gint64 count = 0;
    int duration = 0;
    GOptionEntry entries[] = {
        /* -c is the frame count here, as in tcpdump; the URI has only the long form */
        {"connect", 0, 0, G_OPTION_ARG_STRING, &uri, "libvirt URI", "URI"},
        {"lab", 'l', 0, G_OPTION_ARG_STRING, &lab, "The node's lab (when several have the node)",
         "NAME"},
        {"write", 'w', 0, G_OPTION_ARG_FILENAME, &output,
         "Write the pcap to FILE, or to stdout with '-' (the default when it is not a terminal)",
         "FILE"},
        {"count", 'c', 0, G_OPTION_ARG_INT64, &count, "Stop after COUNT frames", "COUNT"},
        {"duration", 'd', 0, G_OPTION_ARG_INT, &duration, "Stop after S seconds", "S"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("NODE:IFACE - capture a data interface's frames as pcap");
    g_autoptr(VlLabHosts) hosts = NULL;
    g_autoptr(GHashTable) doms = NULL;
    g_autofree char *where = NULL;
    g_autoptr(virDomain) dom = NULL;
    g_autofree char *node_name = NULL;
    g_autofree char *netdev = NULL;
    g_auto(VlCaptureTarget) t = {0};
    const char *iface_name;
    const VlNic *nic;
    const VlVm *vm;
    virConnectPtr conn;
    VlCaptureOptions opts = {0};
    guint stale = 0;
    int fd = STDOUT_FILENO;
    gboolean ok;

    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(
        ctx, "Frames of both directions are written as QEMU's filter-dump sees them. Ctrl-C, "
             "SIGTERM, -c or --duration stop the capture, and its filter is always removed from "
             "the VM. A coalesced host's interface (host1:eth0) is captured on its NIC in the "
             "host VM. On a remote host QEMU writes the pcap into the lab's pool there and it "
             "comes back over the libvirt connection. Unlike other commands, -c is the frame "
             "count (as in tcpdump); the libvirt URI is --connect. Example: vmlab-virt capture "
             "r1:eth1 -w - | wireshark -k -i -");
    if (!vl_cli_parse(ctx, &argc, &argv, error))
        return FALSE;
    if (argc != 2 || !strchr(argv[1], ':') || count < 0 || duration < 0) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE,
                    "usage: vmlab-virt capture [--lab L] NODE:IFACE [-w FILE|-] [-c COUNT] "
                    "[--duration S] [--connect URI]");
        return FALSE;
    }
    node_name = g_strndup(argv[1], (gsize)(strchr(argv[1], ':') - argv[1]));
    iface_name = strchr(argv[1], ':') + 1;
    if ((!output || g_str_equal(output, "-")) && isatty(STDOUT_FILENO)) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE,
                    "will not write a pcap to a terminal: use -w FILE, or pipe stdout into a "
                    "reader (-w - | tcpdump -r -)");
        return FALSE;
    }
    {
        /* --lab, else the lab -S names, else the one lab up here; else any lab holding the node */
        g_autoptr(GError) err = NULL;
        g_autofree char *named = vl_cli_lab_resolve(lab, vl_cli_specs(), FALSE, &err);
        if (err) {
            g_propagate_error(error, g_steal_pointer(&err));
            return FALSE;
        }
        g_free(lab);
        lab = named ? g_steal_pointer(&named) : vl_cli_lab_deployed(NULL);
    }
    /* every host the lab's state records (a multi-host lab), else the --connect one */
    hosts = vl_cli_lab_hosts(uri, lab, NULL, error);
    if (!hosts)
        return FALSE;
    where = vl_cli_hosts_describe(hosts);
    doms = vl_lab_hosts_domains(hosts, lab, error);
    if (!doms || !vl_cmd_capture_target(doms, where, lab, node_name, iface_name, &t, error))
        return FALSE;
    vm = vl_iface_vm(t.iface);
    nic = vl_cmd_capture_nic(t.iface);
    conn = vl_lab_domains_conn(doms, vm->name);
    dom = conn ? virDomainLookupByName(conn, vm->name) : NULL;
    if (!nic || !dom || virDomainIsActive(dom) != 1) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "domain '%s' (holding %s:%s) is not running",
                    vm->name, t.node->name, t.iface->name);
        return FALSE;
    }
    if (!vl_capture_remove_stale(dom, &stale, error))
        return FALSE;
    if (stale)
        g_printerr("%s: removed %u leftover capture filter%s\n", vm->name, stale,
                   stale == 1 ? "" : "s");
    netdev = vl_capture_netdev_for_mac(dom, nic->mac, error);
    if (!netdev)
        return FALSE;
    if (output && !g_str_equal(output, "-")) {
        fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
            int e = errno;
            g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot write: %s", output,
                        g_strerror(e));
            return FALSE;
        }
    }
    g_printerr("capturing %s:%s on %s (netdev %s), Ctrl-C stops\n", t.node->name, t.iface->name,
               vm->name, netdev);
    opts.out_fd = fd;
    opts.count = (guint64)count;
    opts.duration_s = (guint)duration;
    if (vl_cmd_capture_conn_local(conn))
        ok = vl_capture_run(dom, netdev, &opts, error);
    else
        ok = vl_cmd_capture_remote(conn, dom, t.spec, netdev, &opts, error);
    if (fd != STDOUT_FILENO && close(fd) < 0 && ok) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: %s", output, g_strerror(e));
        ok = FALSE;
    }
    g_printerr("%" G_GUINT64_FORMAT " frame%s captured\n", opts.frames_out,
               opts.frames_out == 1 ? "" : "s");
    return ok;
}

guint
vl_cmd_capture_clean_lab(virConnectPtr conn, const VlSpec *spec)
{
    guint total = 0;

    for (guint i = 0; i < spec->vms->len; i++) {
        const VlVm *vm = g_ptr_array_index(spec->vms, i);
        g_autoptr(virDomain) dom = virDomainLookupByName(conn, vm->name);
        guint n = 0;

        /* best effort: a VM that is down has no filters; a monitor that fails is left as is */
        if (dom && virDomainIsActive(dom) == 1 && vl_capture_remove_stale(dom, &n, NULL))
            total += n;
    }
    /* and the files of killed captures on a remote host (vl_cmd_capture_remote()) */
    if (!vl_cmd_capture_conn_local(conn)) {
        g_autoptr(virStoragePool) pool = vl_storage_pool_lookup(conn, spec->name);
        if (pool)
            vl_capture_remove_stale_files(pool); /* not counted: each went with a filter */
    }
    return total;
}
