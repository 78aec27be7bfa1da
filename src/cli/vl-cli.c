/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-cli.c - what the command implementations share: spec loading with warnings, option parsing */
#include "vl-cli.h"

#include "vl-error.h"
#include "vl-log.h"
#include "vl-virt-type.h"

#include <string.h>

VlSpec *
vl_cli_spec_load(const char *dir, gboolean need_images, GError **error)
{
    g_autoptr(VlDiag) diag = vl_diag_new();
    g_autoptr(VlSpec) spec = vl_spec_load(dir, diag);
    g_autoptr(VlDiag) strict = vl_diag_new();
    gboolean images_ok = TRUE;
    const GPtrArray *items;

    /* Missing images were warnings; for a command that needs them they are errors. */
    if (spec && need_images)
        images_ok = vl_spec_check_images(spec, strict);
    /* Every other warning is shown, whatever the command: the user fixes what they see. */
    items = vl_diag_items(diag);
    for (guint i = 0; i < items->len; i++) {
        const VlDiagItem *item = g_ptr_array_index(items, i);
        g_autofree char *line = NULL;

        if (item->level != VL_DIAG_WARNING || vl_diag_contains(strict, item))
            continue;
        line = vl_diag_item_format(item);
        g_printerr("%s\n", line);
    }
    if (!images_ok) {
        vl_diag_to_error(strict, error);
        return NULL;
    }
    if (!vl_diag_to_error(diag, error))
        return NULL;
    return g_steal_pointer(&spec);
}

/* The options every command takes besides its own (-S/--specs, -v/--verbose). */
static struct {
    char *specs;
    gboolean verbose;
} vl_cli_common;

/* Shows the -v trace (and GLib debug messages of our own code) on stderr. */
static void
vl_cli_trace_cb(const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
    g_printerr("%s: %s\n", (const char *)data, message);
}

gboolean
vl_cli_parse(GOptionContext *ctx, int *argc, char ***argv, GError **error)
{
    GOptionEntry common[] = {
        {"specs", 'S', 0, G_OPTION_ARG_FILENAME, &vl_cli_common.specs,
         "The lab's spec folder, instead of SPECDIR (commands on a node: the lab it names)", "DIR"},
        {"verbose", 'v', 0, G_OPTION_ARG_NONE, &vl_cli_common.verbose,
         "Print on stderr the libvirt calls made and why a VM is redefined", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GError) err = NULL;

    g_option_context_add_main_entries(ctx, common, NULL);
    if (!g_option_context_parse(ctx, argc, argv, &err)) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE, "%s (see '%s --help')", err->message,
                    g_get_prgname());
        return FALSE;
    }
    if (vl_cli_common.verbose) {
        g_log_set_handler(VL_LOG_DOMAIN, G_LOG_LEVEL_DEBUG, vl_cli_trace_cb, "trace");
        g_log_set_handler(NULL, G_LOG_LEVEL_DEBUG, vl_cli_trace_cb, "debug");
    }
    return TRUE;
}

const char *
vl_cli_specs(void)
{
    return vl_cli_common.specs;
}

gboolean
vl_cli_spec_arg(int argc, char **argv, const char **dir, GError **error)
{
    *dir = NULL;
    if (argc > 2 || (argc == 2 && vl_cli_common.specs)) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE,
                    "one spec folder at most, as SPECDIR or -S DIR: unexpected '%s' (see '%s "
                    "--help')",
                    argv[argc - 1], g_get_prgname());
        return FALSE;
    }
    *dir = argc == 2 ? argv[1] : vl_cli_common.specs;
    return TRUE;
}

int
vl_cli_split_command(int *argc, char **argv, char ***command)
{
    int n = *argc;

    *command = NULL;
    for (int i = 1; i < n; i++) {
        if (g_str_equal(argv[i], "--")) {
            *command = argv + i + 1;
            *argc = i;
            argv[i] = NULL;
            return n - i - 1;
        }
    }
    return 0;
}

VlRenderer *
vl_cli_renderer_new(const char *virt_type, const VlSpec *spec, virConnectPtr conn, char **line,
                    GError **error)
{
    g_autoptr(VlVirtType) vt = vl_virt_type_choose(virt_type, spec->virt_type, conn, error);
    VlRenderer *r;

    if (!vt)
        return NULL;
    r = vl_renderer_new(vt->type, error);
    if (r && line)
        *line = vl_virt_type_describe(vt);
    return r;
}

/* Return: (transfer full): "h1 (eth0 on NIC 1, 10.1.0.2/24 via 10.1.0.1)". */
static char *
vl_cli_host_describe(const VlNode *host)
{
    GString *s = g_string_new(host->name);

    g_string_append(s, " (");
    for (guint i = 0; i < host->ifaces->len; i++) {
        const VlIface *iface = g_ptr_array_index(host->ifaces, i);
        g_string_append_printf(s, "%s on NIC %u, ", iface->name, iface->nic);
    }
    if (host->host_ip)
        g_string_append_printf(s, "%s%s%s)", host->host_ip, host->host_gateway ? " via " : "",
                               host->host_gateway ? host->host_gateway : "");
    else
        g_string_append(s, "no address)");
    return g_string_free(s, FALSE);
}

void
vl_cli_print_hosts(const VlSpec *spec)
{
    for (guint i = 0; i < spec->host_vms->len; i++) {
        const VlNode *hvm = g_ptr_array_index(spec->host_vms, i);
        g_autoptr(GString) line = g_string_new(NULL);

        for (guint j = 0; j < hvm->hosts->len; j++) {
            g_autofree char *d = vl_cli_host_describe(g_ptr_array_index(hvm->hosts, j));
            g_string_append_printf(line, "%s%s", j ? ", " : "", d);
        }
        g_printerr("%s%s: hosts, one network namespace each: %s\n", spec->domain_prefix, hvm->name,
                   line->str);
    }
    if (spec->coalesce_hosts)
        return;
    for (guint i = 0; i < spec->nodes->len; i++) {
        const VlNode *host = g_ptr_array_index(spec->nodes, i);
        g_autofree char *d = NULL;

        if (!host->is_host)
            continue;
        d = vl_cli_host_describe(host);
        g_printerr("host %s: a VM of its own (%s.coalesce_hosts is false), management on NIC 0\n",
                   d, spec->section);
    }
}
