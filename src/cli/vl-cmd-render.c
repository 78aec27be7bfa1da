/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-cmd-render.c - `vmlab-virt render SPECDIR`: write the libvirt domain XML of every VM */
#include "vl-cli.h"

#include "vl-error.h"
#include "vl-fs.h"
#include "vl-lab-images.h"
#include "vl-render.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

gboolean
vl_cmd_render(int argc, char **argv, GError **error)
{
    g_autofree char *outdir = NULL;
    g_autofree char *node_name = NULL;
    g_autofree char *virt_type = NULL;
    g_autofree char *uri = NULL;
    GOptionEntry entries[] = {
        {"connect", 'c', 0, G_OPTION_ARG_STRING, &uri,
         "Judge the virt type by this libvirt connection's host (default: this machine)", "URI"},
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &outdir, "Write DIR/<domain>.xml for every VM",
         "DIR"},
        {"node", 0, 0, G_OPTION_ARG_STRING, &node_name,
         "Print the domain of one device (or domain) to stdout", "NAME"},
        {"virt-type", 0, 0, G_OPTION_ARG_STRING, &virt_type,
         "Domain type: qemu (TCG) or kvm (default: $VMLAB_VIRT_TYPE, vmlab.virt_type, "
         "else detected)",
         "TYPE"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("SPECDIR|-S DIR - render libvirt domain XML");
    const char *dir = NULL;
    g_autoptr(VlSpec) spec = NULL;
    g_autoptr(VlRenderer) r = NULL;
    g_autofree char *vt_line = NULL;
    g_autoptr(virConnect) conn = NULL;
    g_autoptr(GPtrArray) vms = g_ptr_array_new();
    g_autofree char *placement = NULL;

    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(
        ctx, "Without -o or --node, every domain is printed to stdout in turn.\n\n"
             "Examples:\n"
             "  vmlab-virt render specs/example -o example-xml\n"
             "  vmlab-virt render -S specs/example --node r1 --virt-type qemu\n");
    if (!vl_cli_parse(ctx, &argc, &argv, error) || !vl_cli_spec_arg(argc, argv, &dir, error))
        return FALSE;
    if (!dir) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE,
                    "usage: %s SPECDIR|-S DIR [-o DIR] [--node NAME] [--virt-type qemu|kvm] [-c "
                    "URI]",
                    g_get_prgname());
        return FALSE;
    }
    spec = vl_cli_spec_load(dir, FALSE, error);
    if (!spec)
        return FALSE;
    /* Registry images the store already holds are shown as their local files. */
    if (!vl_lab_images_resolve(spec, VL_LAB_IMAGES_OFFLINE, NULL, NULL, error))
        return FALSE;
    /* Without -c, the local host is judged by the same rule as a connection's host. */
    if (uri && !(conn = vl_conn_open(uri, error)))
        return FALSE;
    r = vl_cli_renderer_new(virt_type, spec, conn, &vt_line, error);
    if (!r)
        return FALSE;
    vl_cli_print_hosts(spec);
    placement = vl_spec_placement_describe(spec); /* each VM's libvirt host */
    g_printerr("%s", placement);

    if (node_name) {
        VlVm *vm = vl_spec_find_vm(spec, node_name);
        VlNode *node = vl_spec_find_node(spec, node_name);
        if (vm) {
            g_ptr_array_add(vms, vm);
        } else if (node && node->vms->len == 1) {
            g_ptr_array_add(vms, g_ptr_array_index(node->vms, 0));
        } else if (node) {
            g_set_error(error, VL_ERROR, VL_ERROR_USAGE,
                        "device '%s' has %u VMs; name one of its domains (e.g. '%s')", node_name,
                        node->vms->len, ((VlVm *)g_ptr_array_index(node->vms, 0))->name);
            return FALSE;
        } else {
            g_set_error(error, VL_ERROR, VL_ERROR_USAGE, "%s: no device or domain named '%s'", dir,
                        node_name);
            return FALSE;
        }
    } else {
        g_ptr_array_extend(vms, spec->vms, NULL, NULL);
    }

    if (outdir && g_mkdir_with_parents(outdir, 0755) < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot create folder: %s", outdir,
                    g_strerror(e));
        return FALSE;
    }
    for (guint i = 0; i < vms->len; i++) {
        const VlVm *vm = g_ptr_array_index(vms, i);
        g_autofree char *xml = vl_render_vm(r, spec, vm, error);

        if (!xml)
            return FALSE;
        if (outdir && !node_name) {
            g_autofree char *file = g_strdup_printf("%s.xml", vm->name);
            g_autofree char *path = g_build_filename(outdir, file, NULL);
            if (!vl_fs_write_output(path, xml, strlen(xml), 0644, error))
                return FALSE;
        } else {
            g_print("%s", xml);
        }
    }
    if (outdir && !node_name) {
        g_print("%s\n%s: wrote %u domain%s\n", vt_line, outdir, vms->len, vms->len == 1 ? "" : "s");
    }
    return TRUE;
}
