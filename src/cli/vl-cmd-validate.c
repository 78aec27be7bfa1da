/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-cmd-validate.c - `vmlab-virt validate SPECDIR`: check a whole spec, report every problem */
#include "vl-cli.h"

#include "vl-error.h"

gboolean
vl_cmd_validate(int argc, char **argv, GError **error)
{
    g_autoptr(GOptionContext) ctx = g_option_context_new("SPECDIR|-S DIR - check a lab spec");
    const char *dir = NULL;
    g_autoptr(VlSpec) spec = NULL;
    guint nvms;
    g_autofree char *placement = NULL;

    g_option_context_set_description(
        ctx, "Prints every problem as 'FILE: JSON.PATH: message' and exits "
             "2, or prints a summary and exits 0.\n"
             "A missing image file is a warning here (an error for 'up').\n\n"
             "Examples:\n"
             "  vmlab-virt validate specs/example\n"
             "  vmlab-virt validate -S specs/fabric\n");
    if (!vl_cli_parse(ctx, &argc, &argv, error) || !vl_cli_spec_arg(argc, argv, &dir, error))
        return FALSE;
    if (!dir) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE, "usage: %s SPECDIR|-S DIR", g_get_prgname());
        return FALSE;
    }
    spec = vl_cli_spec_load(dir, FALSE, error);
    if (!spec)
        return FALSE;
    nvms = spec->vms->len;
    vl_cli_print_hosts(spec);
    g_print("%s: lab '%s' is valid: %u device%s, %u link%s, %u VM%s\n", dir, spec->name,
            spec->nodes->len, spec->nodes->len == 1 ? "" : "s", spec->links->len,
            spec->links->len == 1 ? "" : "s", nvms, nvms == 1 ? "" : "s");
    placement = vl_spec_placement_describe(spec); /* each VM's libvirt host */
    g_print("%s", placement);
    return TRUE;
}
