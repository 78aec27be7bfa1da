/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-cmd-snapshot.c - lab snapshot commands: `snapshot`, `restore` and `snapshots` */
#include "vl-cli.h"

#include "vl-error.h"
#include "vl-snapshot.h"

static void
vl_cmd_snapshot_progress(const char *domain, const char *event, guint64 bytes, double seconds,
                         const char *detail, gpointer data)
{
    if (g_str_equal(event, "failed") || g_str_equal(event, "left") || g_str_equal(event, "defined"))
        g_print("  %-24s %-9s %s\n", domain, event, detail ? detail : "");
    else if (bytes)
        g_print("  %-24s %-9s %8.1f MB %6.2fs%s%s\n", domain, event, (double)bytes / 1e6, seconds,
                detail ? "  " : "", detail ? detail : "");
    else
        g_print("  %-24s %s\n", domain, event);
}

/* The lab named by SPECDIR, -S DIR, --lab or else the one deployed. Return: NULL on error. */
static char *
vl_cmd_snapshot_lab(int argc, char **argv, const char *lab, GError **error)
{
    const char *dir = NULL;

    if (!vl_cli_spec_arg(argc, argv, &dir, error))
        return NULL;
    /* Only the lab's name is needed, as for `down`. */
    return vl_cli_lab_resolve(lab, dir, TRUE, error);
}

/* Return: @bytes in MB or GB for a table. */
static char *
vl_cmd_snapshot_size(gint64 bytes)
{
    if (bytes >= 1000000000)
        return g_strdup_printf("%.2f GB", (double)bytes / 1e9);
    return g_strdup_printf("%.1f MB", (double)bytes / 1e6);
}

/* The options `snapshot` and `restore` share. */
typedef struct {
    char *uri;
    char *lab;
    char *name;
    gint jobs;
    VlSnapshotOptions opts;
} VlSnapArgs;

static void
vl_snap_args_clear(VlSnapArgs *a)
{
    g_free(a->uri);
    g_free(a->lab);
    g_free(a->name);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VlSnapArgs, vl_snap_args_clear)

/* Adds -c, --lab, --name and --jobs (@jobs_help) to @ctx, with their defaults in @a. */
static void
vl_snap_args_add(GOptionContext *ctx, VlSnapArgs *a, const char *jobs_help)
{
    GOptionEntry entries[] = {
        {"connect", 'c', 0, G_OPTION_ARG_STRING, &a->uri, "libvirt URI", "URI"},
        {"lab", 'l', 0, G_OPTION_ARG_STRING, &a->lab, "The lab's name, instead of its spec folder",
         "NAME"},
        {"name", 'n', 0, G_OPTION_ARG_STRING, &a->name, "The snapshot's name", "SNAP"},
        {"jobs", 'j', 0, G_OPTION_ARG_INT, &a->jobs, jobs_help, "N"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };

    a->jobs = 4;
    a->opts.progress = vl_cmd_snapshot_progress;
    g_option_context_add_main_entries(ctx, entries, NULL);
}

/*
 * Parses the command line of `snapshot` or `restore` (@usage: what follows the program name in
 * the usage line); @need_name: --name is required. Return: TRUE on success.
 */
static gboolean
vl_snap_args_parse(GOptionContext *ctx, VlSnapArgs *a, gboolean need_name, const char *usage,
                   int *argc, char ***argv, GError **error)
{
    if (!vl_cli_parse(ctx, argc, argv, error))
        return FALSE;
    if ((need_name && !a->name) || a->jobs < 1) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE, "usage: %s %s", g_get_prgname(), usage);
        return FALSE;
    }
    a->opts.jobs = (guint)a->jobs;
    return TRUE;
}

gboolean
vl_cmd_snapshot(int argc, char **argv, GError **error)
{
    g_auto(VlSnapArgs) a = {0};
    g_autofree char *delete = NULL;
    g_autofree char *named = NULL;
    gboolean no_memory = FALSE;
    GOptionEntry entries[] = {
        {"no-memory", 0, 0, G_OPTION_ARG_NONE, &no_memory,
         "Keep the disks only: a restore boots the VMs", NULL},
        {"delete", 0, 0, G_OPTION_ARG_STRING, &delete, "Remove snapshot SNAP instead", "SNAP"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new(
        "[SPECDIR|-S DIR|--lab NAME] --name SNAP - save a running lab's memory and disks");
    g_autoptr(virConnect) conn = NULL;
    gint64 t0 = g_get_monotonic_time();

    vl_snap_args_add(ctx, &a, "VMs saved at once (default 4)");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(
        ctx, "Every VM of the lab is paused, then its memory and disks are saved in\n"
             "$VMLAB_HOME/labs/LAB/snapshots/SNAP, then the lab runs on. Without a lab named,\n"
             "the one lab that is up is taken.\n\n"
             "Examples:\n"
             "  vmlab-virt snapshot specs/example --name before-change\n"
             "  vmlab-virt snapshot --lab example --name disks-only --no-memory\n"
             "  vmlab-virt snapshot --lab example --delete disks-only\n");
    if (!vl_snap_args_parse(ctx, &a, FALSE,
                            "[SPECDIR|-S DIR|--lab NAME] --name SNAP [--no-memory] [--jobs N] | "
                            "--delete SNAP",
                            &argc, &argv, error))
        return FALSE;
    if (!a.name == !delete) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE,
                    "give either --name SNAP or --delete SNAP (see '%s --help')", g_get_prgname());
        return FALSE;
    }
    named = vl_cmd_snapshot_lab(argc, argv, a.lab, error);
    if (!named)
        return FALSE;
    if (delete) {
        if (!vl_snapshot_delete(named, delete, error))
            return FALSE;
        g_print("snapshot '%s' of lab '%s' deleted\n", delete, named);
        return TRUE;
    }
    if (!vl_snapshot_name_check(a.name, error))
        return FALSE;
    a.opts.memory = !no_memory;
    if (!vl_cli_lab_check_local(named, "snapshot", error))
        return FALSE;
    conn = vl_conn_open(a.uri, error);
    if (!conn)
        return FALSE;
    g_print("snapshot '%s' of lab '%s'%s\n", a.name, named, no_memory ? " (disks only)" : "");
    if (!vl_snapshot_create(conn, named, a.name, &a.opts, error))
        return FALSE;
    {
        g_autoptr(json_object) list = vl_snapshot_list(named, NULL);
        for (size_t i = 0; i < json_object_array_length(list); i++) {
            json_object *o = json_object_array_get_idx(list, i);
            if (g_str_equal(json_object_get_string(json_object_object_get(o, "name")), a.name)) {
                g_autofree char *size =
                    vl_cmd_snapshot_size(json_object_get_int64(json_object_object_get(o, "size")));
                g_print("snapshot '%s' taken in %.1f s: %d VMs, %s\n", a.name,
                        (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC,
                        json_object_get_int(json_object_object_get(o, "vms")), size);
            }
        }
    }
    return TRUE;
}

gboolean
vl_cmd_restore(int argc, char **argv, GError **error)
{
    g_auto(VlSnapArgs) a = {0};
    g_autofree char *named = NULL;
    GOptionEntry entries[] = {
        {"force", 'f', 0, G_OPTION_ARG_NONE, &a.opts.force,
         "Restore even if the lab changed since the snapshot (VMs added since are left)", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new(
        "[SPECDIR|-S DIR|--lab NAME] --name SNAP - bring a lab back to a snapshot");
    g_autoptr(virConnect) conn = NULL;
    gint64 t0 = g_get_monotonic_time();

    vl_snap_args_add(ctx, &a, "VMs restored at once (default 4)");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(
        ctx, "The lab must be up. If `up` changed it since the snapshot, restore is refused\n"
             "unless --force. Without a lab named, the one lab that is up is taken.\n\n"
             "Examples:\n"
             "  vmlab-virt restore specs/example --name before-change\n"
             "  vmlab-virt restore --lab example --name before-change --force\n");
    if (!vl_snap_args_parse(ctx, &a, TRUE,
                            "[SPECDIR|-S DIR|--lab NAME] --name SNAP [--force] [--jobs N]", &argc,
                            &argv, error))
        return FALSE;
    named = vl_cmd_snapshot_lab(argc, argv, a.lab, error);
    if (!named || !vl_snapshot_name_check(a.name, error) ||
        !vl_cli_lab_check_local(named, "restore", error))
        return FALSE;
    conn = vl_conn_open(a.uri, error);
    if (!conn)
        return FALSE;
    g_print("restore of lab '%s' to snapshot '%s'\n", named, a.name);
    if (!vl_snapshot_restore(conn, named, a.name, &a.opts, error))
        return FALSE;
    g_print("lab '%s' restored to snapshot '%s' in %.1f s\n", named, a.name,
            (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC);
    return TRUE;
}

gboolean
vl_cmd_snapshots(int argc, char **argv, GError **error)
{
    g_autofree char *lab = NULL;
    g_autofree char *named = NULL;
    gboolean as_json = FALSE;
    GOptionEntry entries[] = {
        {"lab", 'l', 0, G_OPTION_ARG_STRING, &lab, "The lab's name, instead of its spec folder",
         "NAME"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print a JSON document (see vmlab-virt(1))",
         NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("[SPECDIR|-S DIR|--lab NAME] - list a lab's snapshots");
    g_autoptr(json_object) list = NULL;

    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx, "Examples:\n"
                                          "  vmlab-virt snapshots specs/example\n"
                                          "  vmlab-virt snapshots --lab example --json\n");
    if (!vl_cli_parse(ctx, &argc, &argv, error))
        return FALSE;
    named = vl_cmd_snapshot_lab(argc, argv, lab, error);
    if (!named)
        return FALSE;
    list = vl_snapshot_list(named, error);
    if (!list)
        return FALSE;
    if (as_json) {
        g_autoptr(json_object) doc = json_object_new_object();
        json_object_object_add(doc, "version", json_object_new_int(1));
        json_object_object_add(doc, "lab", json_object_new_string(named));
        json_object_object_add(doc, "snapshots", json_object_get(list));
        g_print("%s\n", vl_json_to_string(doc));
        return TRUE;
    }
    g_print("lab '%s'\n  %-24s %-21s %-4s %-7s %s\n", named, "SNAPSHOT", "TIME", "VMS", "MEMORY",
            "SIZE");
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *o = json_object_array_get_idx(list, i);
        g_autofree char *size =
            vl_cmd_snapshot_size(json_object_get_int64(json_object_object_get(o, "size")));
        g_print("  %-24s %-21s %-4d %-7s %s\n",
                json_object_get_string(json_object_object_get(o, "name")),
                json_object_get_string(json_object_object_get(o, "created")),
                json_object_get_int(json_object_object_get(o, "vms")),
                json_object_get_boolean(json_object_object_get(o, "memory")) ? "yes" : "no", size);
    }
    return TRUE;
}
