/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-cmd-lab.c - whole-lab commands: `up`, `down` and `status` */
#include "vl-cli.h"

#include "vl-error.h"
#include "vl-fs.h"
#include "vl-handoff.h"
#include "vl-json.h"
#include "vl-lab.h"
#include "vl-lab-images.h"
#include "vl-netns.h"
#include "vl-ready.h"
#include "vl-ssh.h"
#include "vl-virt-type.h"

#include <gio/gio.h>
#include <string.h>

static void
vl_cmd_up_progress(const VlVmReport *rep, const char *event, gpointer data)
{
    double t = rep->t_ready >= 0     ? rep->t_ready
               : rep->t_started >= 0 ? rep->t_started
                                     : rep->t_defined;

    if (g_str_equal(event, "failed"))
        g_print("  %-24s failed: %s\n", rep->name, rep->error);
    else if (t >= 0)
        g_print("  %-24s %-10s %6.1fs\n", rep->name, event, t);
    else
        g_print("  %-24s %s\n", rep->name, event);
}

/* An upload to a remote host: a line every few seconds, and one when it is there. */
static void
vl_cmd_up_upload_progress(const char *host, const char *file, guint64 done, guint64 total,
                          double seconds, gpointer data)
{
    static gint64 last;
    gint64 now = g_get_monotonic_time();
    double mbs = seconds > 0 ? (double)done / 1e6 / seconds : 0;

    if (done < total && now - last < 3 * G_USEC_PER_SEC)
        return;
    last = now;
    if (done < total)
        g_print("  host %s: uploading %s: %.1f of %.1f MB (%.1f MB/s)\n", host, file,
                (double)done / 1e6, (double)total / 1e6, mbs);
    else
        g_print("  host %s: uploaded %s: %.1f MB in %.1f s (%.1f MB/s)\n", host, file,
                (double)total / 1e6, seconds, mbs);
}

static void
vl_cmd_up_image_progress(guint64 bytes, double seconds, gboolean done, gpointer data)
{
    if (done)
        g_print("  image %s: pulled %.1f MB in %.1f s (%.1f MB/s)\n", (const char *)data,
                (double)bytes / 1e6, seconds, seconds > 0 ? (double)bytes / 1e6 / seconds : 0);
}

/* A host VM is ready once its hosts' namespaces are set up (over SSH, as root). */
static gboolean
vl_cmd_up_hosts_setup(const VlVm *vm, const char *known, guint timeout_s, GError **error)
{
    const VlNode *node = vm->node;
    g_autofree char *script = vl_netns_setup_script(node);
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    int status = 0;
    VlSshTarget t = {.host = node->host_addr,
                     .port = vm->ssh_port,
                     .user = node->ssh_user,
                     .password = node->ssh_pass,
                     .known_hosts = known,
                     .timeout_ms = CLAMP(timeout_s, 30, 120) * 1000};

    if (!vl_ssh_exec(&t, script, &out, &err, &status, NULL, error)) {
        g_prefix_error(error, "domain '%s': setting up its hosts' namespaces: ", vm->name);
        return FALSE;
    }
    if (status) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                    "domain '%s': setting up its hosts' namespaces failed (exit status %d): %s",
                    vm->name, status, g_strstrip(err));
        return FALSE;
    }
    return TRUE;
}

/* Readiness: the platform's console pattern (in the boot log), else an SSH login with its
 * credentials; a host VM then gets its hosts' namespaces. */
static gboolean
vl_cmd_up_ready(const VlSpec *spec, const VlVm *vm, const VlVmReport *report, guint timeout_s,
                gpointer data, GError **error)
{
    const VlNode *node = vm->node;
    g_autofree char *lab_dir = vl_fs_lab_dir(spec->name);
    g_autofree char *known = g_build_filename(lab_dir, "known_hosts", NULL);
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC;
    g_autoptr(GError) last = NULL;

    /* vl_ready_vm_how(): running is all an SR OS line card can show */
    if (vl_ready_vm_how(vm) == VL_READY_RUNNING)
        return TRUE;
    if (vl_ready_vm_how(vm) == VL_READY_CONSOLE) {
        if (!vl_ready_log_wait(vm->log_path, report->log_offset, node->ready_pattern, timeout_s,
                               error))
            return FALSE;
        return !node->is_host_vm || vl_cmd_up_hosts_setup(vm, known, timeout_s, error);
    }
    while (g_get_monotonic_time() < deadline) {
        g_clear_error(&last);
        gint64 left_ms = (deadline - g_get_monotonic_time()) / 1000;
        VlSshTarget t = {.host = node->host_addr,
                         .port = vm->ssh_port,
                         .user = node->ssh_user,
                         .password = node->ssh_pass,
                         .known_hosts = known,
                         .timeout_ms = (guint)CLAMP(left_ms, 1, 10000)};
        if (vl_ssh_check_login(&t, NULL, &last))
            return !node->is_host_vm || vl_cmd_up_hosts_setup(vm, known, timeout_s, error);
        /* A changed host key will not fix itself. */
        if (last->code == VL_ERROR_INVALID)
            break;
        g_usleep(2 * G_USEC_PER_SEC);
    }
    g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "domain '%s' not ready within %u s: %s", vm->name,
                timeout_s, last ? last->message : "timed out");
    return FALSE;
}

/* Forgets the SSH host keys of VMs about to boot from fresh disks (their keys are new). */
static void
vl_cmd_up_forget_keys(const VlSpec *spec)
{
    g_autofree char *lab_dir = vl_fs_lab_dir(spec->name);
    g_autofree char *known = g_build_filename(lab_dir, "known_hosts", NULL);

    for (guint i = 0; i < spec->vms->len; i++) {
        const VlVm *vm = g_ptr_array_index(spec->vms, i);
        vl_ssh_known_hosts_forget(known, vm->node->host_addr, vm->ssh_port, NULL);
    }
}

/* After starting: leftover capture filters go, and the lab's html page is written. */
static void
vl_cmd_up_extras(const VlLabHosts *hosts, const VlSpec *spec)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *page = NULL;
    guint stale = 0;

    for (guint i = 0; i < hosts->hosts->len; i++)
        stale +=
            vl_cmd_capture_clean_lab(((VlLabHost *)g_ptr_array_index(hosts->hosts, i))->conn, spec);
    if (stale)
        g_print("removed %u leftover capture filter%s\n", stale, stale == 1 ? "" : "s");
    if (vl_cmd_graph_lab_page(hosts, spec, &page, &err))
        g_print("lab page: %s\n", page);
    else
        g_printerr("warning: no lab page: %s\n", err->message);
}

/* "lab 'x': 4 VMs on qemu:///system", or how many on which host. */
static void
vl_cmd_up_print_plan(const VlSpec *spec, const VlLabHosts *hosts)
{
    g_autofree char *where = vl_cli_hosts_describe(hosts);
    guint n = 0;

    for (guint i = 0; i < spec->vms->len; i++)
        n += vl_lab_hosts_for_vm(hosts, g_ptr_array_index(spec->vms, i)) != NULL;
    if (hosts->hosts->len == 1 && !((VlLabHost *)g_ptr_array_index(hosts->hosts, 0))->name[0]) {
        g_print("lab '%s': %u VMs on %s\n", spec->name, n, where);
        return;
    }
    g_print("lab '%s': %u of its %u VMs on %s\n", spec->name, n, spec->vms->len, where);
    for (guint h = 0; h < hosts->hosts->len; h++) {
        const VlLabHost *host = g_ptr_array_index(hosts->hosts, h);
        g_autoptr(GString) names = g_string_new(NULL);
        for (guint i = 0; i < spec->vms->len; i++) {
            const VlVm *vm = g_ptr_array_index(spec->vms, i);
            if (vl_lab_hosts_for_vm(hosts, vm) == host)
                g_string_append_printf(names, " %s", vm->name);
        }
        g_print("  host %s:%s\n", host->name, names->str);
    }
}

gboolean
vl_cmd_up(int argc, char **argv, GError **error)
{
    g_autofree char *uri = NULL;
    g_autofree char *virt_type = NULL;
    gboolean no_start = FALSE;
    gboolean no_wait = FALSE;
    gboolean reset_boot = FALSE;
    gboolean pull = FALSE;
    g_auto(GStrv) insecure = NULL;
    g_autofree char *only = NULL;
    gint jobs = 4;
    GOptionEntry entries[] = {
        {"connect", 'c', 0, G_OPTION_ARG_STRING, &uri,
         "libvirt URI (default: $LIBVIRT_DEFAULT_URI, then libvirt's)", "URI"},
        {"host", 'H', 0, G_OPTION_ARG_STRING, &only,
         "Deploy only the VMs placed on this host of vmlab.hosts (run it on each host)", "NAME"},
        {"no-start", 0, 0, G_OPTION_ARG_NONE, &no_start,
         "Define the VMs and their disks, do not start them", NULL},
        {"no-wait", 0, 0, G_OPTION_ARG_NONE, &no_wait,
         "Start the VMs, do not wait until they are ready", NULL},
        {"jobs", 'j', 0, G_OPTION_ARG_INT, &jobs, "VMs started and waited for at once (default 4)",
         "N"},
        {"virt-type", 0, 0, G_OPTION_ARG_STRING, &virt_type,
         "qemu (TCG) or kvm (default: $VMLAB_VIRT_TYPE, vmlab.virt_type, else what the host "
         "can run)",
         "TYPE"},
        {"reset-boot", 0, 0, G_OPTION_ARG_NONE, &reset_boot,
         "Rewrite bof.cfg and nvram.dat on existing SR OS CPM disks", NULL},
        {"pull", 0, 0, G_OPTION_ARG_NONE, &pull,
         "Resolve every oci:// image tag at its registry again (default: reuse the local copy)",
         NULL},
        {"insecure-registry", 0, 0, G_OPTION_ARG_STRING_ARRAY, &insecure,
         "Allow plain HTTP for this registry, beside vmlab.insecure_registries (repeatable)",
         "HOST:PORT"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("SPECDIR|-S DIR - deploy a lab and bring it up");
    const char *dir = NULL;
    g_autoptr(VlSpec) spec = NULL;
    g_autoptr(VlRenderer) r = NULL;
    g_autofree char *vt_line = NULL;
    g_autoptr(VlLabHosts) hosts = NULL;
    g_autoptr(GPtrArray) renderers =
        g_ptr_array_new_with_free_func((GDestroyNotify)vl_renderer_free);
    g_autoptr(GPtrArray) reports = NULL;
    VlUpOptions opts = {0};
    gboolean ok;
    guint changed = 0;

    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx, "Examples:\n"
                                          "  vmlab-virt up specs/example\n"
                                          "  vmlab-virt deploy -S specs/example --no-wait -v\n");
    if (!vl_cli_parse(ctx, &argc, &argv, error) || !vl_cli_spec_arg(argc, argv, &dir, error))
        return FALSE;
    if (!dir || jobs < 1) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE,
                    "usage: %s SPECDIR|-S DIR [--no-start] [--no-wait] [--jobs N] [-c URI]",
                    g_get_prgname());
        return FALSE;
    }
    /* The whole spec is checked, images included, before anything is touched. */
    spec = vl_cli_spec_load(dir, TRUE, error);
    if (!spec)
        return FALSE;
    if (virt_type && !vl_virt_type_check(virt_type, "--virt-type", error))
        return FALSE;
    /* Every host is connected (in parallel) before anything changes on any of them. */
    hosts = vl_lab_hosts_open_spec(spec, uri, only, error);
    if (!hosts)
        return FALSE;
    /* Judged by each connection's own host: its capabilities, not this machine's /dev/kvm. */
    for (guint i = 0; i < hosts->hosts->len; i++) {
        VlLabHost *h = g_ptr_array_index(hosts->hosts, i);
        g_clear_pointer(&vt_line, g_free);
        r = vl_cli_renderer_new(virt_type, spec, h->conn, &vt_line, error);
        if (!r) {
            if (h->name[0])
                g_prefix_error(error, "host '%s': ", h->name);
            return FALSE;
        }
        if (h->name[0])
            g_print("host %s: %s\n", h->name, vt_line);
        else
            g_print("%s\n", vt_line);
        h->renderer = r;
        g_ptr_array_add(renderers, g_steal_pointer(&r));
    }
    /* Registry images are made local before anything of the lab changes. */
    if (!vl_lab_images_resolve(spec, pull ? VL_LAB_IMAGES_REFRESH : VL_LAB_IMAGES_CACHED, insecure,
                               vl_cmd_up_image_progress, error))
        return FALSE;
    opts.start = !no_start;
    opts.reset_boot = reset_boot;
    opts.wait = !no_start && !no_wait;
    opts.jobs = (guint)jobs;
    opts.progress = vl_cmd_up_progress;
    opts.ready = vl_cmd_up_ready;
    opts.upload = vl_cmd_up_upload_progress;
    vl_cmd_up_print_plan(spec, hosts);
    if (opts.wait)
        vl_cmd_up_forget_keys(spec);
    ok = vl_lab_up_hosts(hosts, spec, &opts, &reports, error);
    if (reports && reports->len) {
        gboolean multi = spec->servers->len > 0;
        g_print("\n  %-24s %-10s %-8s %-6s %-6s %-8s%s\n", "DOMAIN", "ACTION", "STATE", "READY",
                "SSH", "CONSOLE", multi ? " HOST" : "");
        /* CONSOLE: a telnet console's port, or "pty" (virsh console, vmlab-virt console) */
        for (guint i = 0; i < reports->len; i++) {
            const VlVmReport *rep = g_ptr_array_index(reports, i);
            const VlVm *vm = vl_spec_find_vm(spec, rep->name);
            g_autofree char *console = vm && vm->node->console == VL_CONSOLE_TELNET
                                           ? g_strdup_printf("%u", vm->console_port)
                                           : g_strdup(vm ? "pty" : "-");
            changed += rep->action != VL_VM_ACTION_NONE || rep->started;
            g_print("  %-24s %-10s %-8s %-6s %-6u %-8s%s%s\n", rep->name,
                    vl_vm_action_to_string(rep->action),
                    rep->error     ? "failed"
                    : rep->running ? "running"
                                   : "defined",
                    rep->ready  ? "yes"
                    : opts.wait ? "no"
                                : "-",
                    vm ? vm->ssh_port : 0, console, multi ? " " : "",
                    multi && vm ? vl_lab_vm_host_name(vm) : "");
        }
        if (ok && changed == 0)
            g_print("lab '%s' is up to date: nothing changed\n", spec->name);
    }
    /* a run refused before it changed anything (lock, ownership, busy ports) writes no page */
    if (opts.start && reports && reports->len)
        vl_cmd_up_extras(hosts, spec);
    return ok;
}

gboolean
vl_cmd_down(int argc, char **argv, GError **error)
{
    g_autofree char *uri = NULL;
    g_autofree char *lab = NULL;
    gboolean force = FALSE;
    gboolean purge = FALSE;
    g_autofree char *only = NULL;
    GOptionEntry entries[] = {
        {"connect", 'c', 0, G_OPTION_ARG_STRING, &uri, "libvirt URI", "URI"},
        {"lab", 'l', 0, G_OPTION_ARG_STRING, &lab, "The lab's name, instead of its spec folder",
         "NAME"},
        {"force", 'f', 0, G_OPTION_ARG_NONE, &force,
         "Also remove the lab's domains the state file does not list", NULL},
        {"purge", 0, 0, G_OPTION_ARG_NONE, &purge,
         "Also delete the persistent SR OS CPM disks and the lab's snapshots", NULL},
        {"host", 'H', 0, G_OPTION_ARG_STRING, &only,
         "Remove only the VMs on this host of vmlab.hosts; the rest of the lab stays", "NAME"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("[SPECDIR|-S DIR|--lab NAME] - stop and remove a lab");
    g_autoptr(VlLabHosts) hosts = NULL;
    g_autofree char *name = NULL;
    const char *dir = NULL;

    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx,
                                     "Without a lab named, the one lab that is up is taken.\n\n"
                                     "Examples:\n"
                                     "  vmlab-virt down specs/example\n"
                                     "  vmlab-virt destroy --lab example\n"
                                     "  vmlab-virt destroy\n");
    if (!vl_cli_parse(ctx, &argc, &argv, error) || !vl_cli_spec_arg(argc, argv, &dir, error))
        return FALSE;
    /* Only the lab's name is needed: a spec broken since `up` must not prevent its teardown.
     * The name is checked before any lock, file or libvirt call. */
    name = vl_cli_lab_resolve(lab, dir, TRUE, error);
    if (!name)
        return FALSE;
    /* Every host the lab's state records, connected before anything is removed. */
    hosts = vl_cli_lab_hosts(uri, name, only, error);
    if (!hosts)
        return FALSE;
    if (!vl_lab_down_hosts(hosts, name, only != NULL, force, purge, vl_cmd_up_progress, NULL,
                           error))
        return FALSE;
    if (only)
        g_print("lab '%s' is down on host %s\n", name, only);
    else
        g_print("lab '%s' is down\n", name);
    return TRUE;
}

/* Return: (transfer full): one entry per host device of state.json, with its VM's state. */
static json_object *
vl_cmd_status_hosts(json_object *state, json_object *vms)
{
    json_object *out = json_object_new_array();
    json_object *hosts = NULL;

    if (!state || !json_object_object_get_ex(state, "hosts", &hosts) ||
        !json_object_is_type(hosts, json_type_array))
        return out;
    for (size_t i = 0; i < json_object_array_length(hosts); i++) {
        json_object *h = json_object_array_get_idx(hosts, i);
        json_object *o = json_object_new_object();
        json_object *d = NULL;
        static const char *const copied[] = {"name", "domain", "namespace", "address"};
        static const char *const from_vm[] = {"state", "ready", "ssh_port", "console_port"};

        for (guint k = 0; k < G_N_ELEMENTS(copied); k++) {
            json_object *v = NULL;
            json_object_object_get_ex(h, copied[k], &v);
            json_object_object_add(o, copied[k], json_object_get(v));
        }
        json_object_object_get_ex(h, "domain", &d);
        for (size_t j = 0; d && j < json_object_array_length(vms); j++) {
            json_object *vm = json_object_array_get_idx(vms, j);
            json_object *vd = NULL;
            if (!json_object_object_get_ex(vm, "domain", &vd) ||
                !g_str_equal(json_object_get_string(vd), json_object_get_string(d)))
                continue;
            for (guint k = 0; k < G_N_ELEMENTS(from_vm); k++) {
                json_object *v = NULL;
                json_object_object_get_ex(vm, from_vm[k], &v);
                json_object_object_add(o, from_vm[k], json_object_get(v));
            }
        }
        json_object_array_add(out, o);
    }
    return out;
}

/* Return: (transfer full): where `up` left the hand-off files (vl-handoff.h) of @lab. */
static json_object *
vl_cmd_status_files(const char *lab)
{
    static const char *const keys[] = {"ssh_config", "ansible_inventory", "topology_data"};
    g_autofree char *lab_dir = vl_fs_lab_dir(lab);
    g_auto(GStrv) paths = vl_handoff_paths(lab_dir);
    json_object *o = json_object_new_object();

    for (guint i = 0; i < G_N_ELEMENTS(keys); i++)
        json_object_object_add(o, keys[i], json_object_new_string(paths[i]));
    return o;
}

static json_object *
vl_cmd_status_lab(const VlLabHosts *hosts, const char *lab, GError **error)
{
    g_autoptr(GHashTable) doms = vl_lab_hosts_domains(hosts, lab, error);
    g_autofree char *state_path = vl_lab_state_path(lab);
    g_autoptr(json_object) state = vl_json_load_file(state_path, NULL);
    g_autoptr(GList) names = NULL;
    g_autofree VlReadyProbe *probes = NULL;
    guint nprobes = 0;
    json_object *out;
    json_object *vms;
    json_object *v = NULL;

    if (!doms)
        return NULL;
    probes = g_new0(VlReadyProbe, g_hash_table_size(doms));
    out = json_object_new_object();
    vms = json_object_new_array();
    json_object_object_add(out, "lab", json_object_new_string(lab));
    if (state && json_object_object_get_ex(state, "spec_dir", &v))
        json_object_object_add(out, "spec_dir", json_object_get(v));
    names = g_list_sort(g_hash_table_get_keys(doms), (GCompareFunc)g_strcmp0);
    for (GList *l = names; l; l = l->next) {
        const VlLabDomain *ld = g_hash_table_lookup(doms, l->data);
        const VlDomainMeta *m = &ld->meta;
        g_autoptr(virDomain) dom = virDomainLookupByName(ld->host->conn, l->data);
        const char *server = ld->host->name; /* where it was found, "" without hosts */
        json_object *o = json_object_new_object();
        int st = VIR_DOMAIN_NOSTATE;
        const char *host = NULL; /* state.json's, else vl_ready_address()'s fallback */
        json_object *nodes = NULL;

        if (dom)
            virDomainGetState(dom, &st, NULL, 0);
        if (state && json_object_object_get_ex(state, "nodes", &nodes)) {
            for (size_t i = 0; i < json_object_array_length(nodes); i++) {
                json_object *n = json_object_array_get_idx(nodes, i);
                json_object *d = NULL;
                json_object *h = NULL;
                if (json_object_object_get_ex(n, "domain", &d) &&
                    g_str_equal(json_object_get_string(d), l->data) &&
                    json_object_object_get_ex(n, "host", &h))
                    host = json_object_get_string(h);
            }
        }
        host = vl_ready_address(host);
        json_object_object_add(o, "domain", json_object_new_string(l->data));
        json_object_object_add(o, "node", json_object_new_string(m->node ? m->node : ""));
        json_object_object_add(o, "role", json_object_new_string(m->role ? m->role : ""));
        json_object_object_add(o, "state", json_object_new_string(vl_domain_state_name(st)));
        /* set below, once all VMs are probed at once */
        json_object_object_add(o, "ready", json_object_new_boolean(FALSE));
        probes[nprobes++] =
            (VlReadyProbe){m->role, st == VIR_DOMAIN_RUNNING, host, m->ssh_port, FALSE};
        json_object_object_add(o, "host", json_object_new_string(host));
        /* the libvirt host it runs on (vmlab.hosts), "" for a lab without hosts */
        json_object_object_add(o, "server", json_object_new_string(server));
        json_object_object_add(o, "ssh_port", json_object_new_int((int)m->ssh_port));
        json_object_object_add(o, "console",
                               json_object_new_string(m->console_port ? "telnet" : "pty"));
        json_object_object_add(o, "console_port", json_object_new_int((int)m->console_port));
        json_object_array_add(vms, o);
    }
    vl_ready_probe_all(probes, nprobes, NULL, 0);
    for (guint i = 0; i < nprobes; i++)
        json_object_object_add(json_object_array_get_idx(vms, i), "ready",
                               json_object_new_boolean(probes[i].ready));
    json_object_object_add(out, "vms", vms);
    json_object_object_add(out, "hosts", vl_cmd_status_hosts(state, vms));
    json_object_object_add(out, "files", vl_cmd_status_files(lab));
    return out;
}

/* The text form of status's "hosts": a line per host, with its VM. */
static void
vl_cmd_status_print_hosts(json_object *doc)
{
    json_object *hosts = NULL;

    if (!json_object_object_get_ex(doc, "hosts", &hosts) || !json_object_array_length(hosts))
        return;
    g_print("  %-24s %-12s %-10s %-6s %-20s %s\n", "HOST", "IN", "STATE", "READY", "ADDRESS",
            "NAMESPACE");
    for (size_t i = 0; i < json_object_array_length(hosts); i++) {
        json_object *h = json_object_array_get_idx(hosts, i);
        json_object *f[6] = {NULL};
        static const char *const keys[] = {"name",  "domain",  "state",
                                           "ready", "address", "namespace"};
        for (guint j = 0; j < G_N_ELEMENTS(keys); j++)
            json_object_object_get_ex(h, keys[j], &f[j]);
        g_print("  %-24s %-12s %-10s %-6s %-20s %s\n", json_object_get_string(f[0]),
                json_object_get_string(f[1]), f[2] ? json_object_get_string(f[2]) : "absent",
                json_object_get_boolean(f[3]) ? "yes" : "no",
                f[4] ? json_object_get_string(f[4]) : "-",
                f[5] ? json_object_get_string(f[5]) : "(own VM)");
    }
}

gboolean
vl_cmd_status(int argc, char **argv, GError **error)
{
    g_autofree char *uri = NULL;
    g_autofree char *lab = NULL;
    gboolean as_json = FALSE;
    GOptionEntry entries[] = {
        {"connect", 'c', 0, G_OPTION_ARG_STRING, &uri, "libvirt URI", "URI"},
        {"lab", 'l', 0, G_OPTION_ARG_STRING, &lab, "The lab's name, instead of its spec folder",
         "NAME"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print a JSON document (see vmlab-virt(1))",
         NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("[SPECDIR|-S DIR|--lab NAME] - show a lab, or list all labs");
    g_autofree char *named = NULL;
    const char *dir = NULL;
    g_autoptr(virConnect) conn = NULL;
    g_autoptr(VlLabHosts) hosts = NULL;
    g_autoptr(json_object) doc = json_object_new_object();

    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(
        ctx, "Without a lab named: the one lab that is up, else a list of the labs.\n\n"
             "Examples:\n"
             "  vmlab-virt status specs/example\n"
             "  vmlab-virt status -S specs/example --json\n"
             "  vmlab-virt status\n");
    if (!vl_cli_parse(ctx, &argc, &argv, error) || !vl_cli_spec_arg(argc, argv, &dir, error))
        return FALSE;
    /* As for down: only the lab's name is needed, whatever became of the rest of the spec. */
    named = vl_cli_lab_resolve(lab, dir, FALSE, error);
    if (!named && (lab || dir))
        return FALSE;
    g_free(lab);
    lab = named ? g_steal_pointer(&named) : vl_cli_lab_deployed(NULL);
    json_object_object_add(doc, "version", json_object_new_int(1));
    if (lab) {
        json_object *one = NULL;
        hosts = vl_cli_lab_hosts(uri, lab, NULL, error);
        if (!hosts || !(one = vl_cmd_status_lab(hosts, lab, error)))
            return FALSE;
        json_object *vms = NULL;
        json_object *files = NULL;
        json_object_object_foreach(one, key, val)
            json_object_object_add(doc, key, json_object_get(val));
        json_object_put(one);
        if (!as_json) {
            json_object_object_get_ex(doc, "vms", &vms);
            /* SERVER: the libvirt host of vmlab.hosts; HOST: where its SSH port is reached */
            gboolean multi = ((VlLabHost *)g_ptr_array_index(hosts->hosts, 0))->name[0] != '\0';
            g_print("lab '%s'\n  %-24s %-12s %-10s %-6s %-16s %-6s %-8s%s\n", lab, "DOMAIN", "NODE",
                    "STATE", "READY", "HOST", "SSH", "CONSOLE", multi ? " SERVER" : "");
            for (size_t i = 0; i < json_object_array_length(vms); i++) {
                json_object *o = json_object_array_get_idx(vms, i);
                json_object *f[8] = {NULL};
                const char *keys[] = {"domain", "node",     "state",        "ready",
                                      "host",   "ssh_port", "console_port", "server"};
                for (guint j = 0; j < G_N_ELEMENTS(keys); j++)
                    json_object_object_get_ex(o, keys[j], &f[j]);
                g_autofree char *console = json_object_get_int(f[6])
                                               ? g_strdup_printf("%d", json_object_get_int(f[6]))
                                               : g_strdup("pty");
                g_print("  %-24s %-12s %-10s %-6s %-16s %-6d %-8s%s%s\n",
                        json_object_get_string(f[0]), json_object_get_string(f[1]),
                        json_object_get_string(f[2]), json_object_get_boolean(f[3]) ? "yes" : "no",
                        json_object_get_string(f[4]), json_object_get_int(f[5]), console,
                        multi ? " " : "", multi ? json_object_get_string(f[7]) : "");
            }
            vl_cmd_status_print_hosts(doc);
            json_object_object_get_ex(doc, "files", &files);
            g_print("files:\n");
            json_object_object_foreach(files, fkey, path)
                g_print("  %-18s %s\n", fkey, json_object_get_string(path));
        }
    } else {
        g_autoptr(GHashTable) all = NULL;
        conn = vl_conn_open(uri, error);
        if (!conn)
            return FALSE;
        all = vl_conn_lab_domains(conn, NULL, error);
        g_autoptr(GHashTable) counts = g_hash_table_new(g_str_hash, g_str_equal);
        g_autoptr(GList) labs = NULL;
        GHashTableIter it;
        gpointer k, v;
        json_object *arr = json_object_new_array();

        if (!all)
            return FALSE;
        g_hash_table_iter_init(&it, all);
        while (g_hash_table_iter_next(&it, &k, &v)) {
            const VlDomainMeta *m = v;
            guint n = GPOINTER_TO_UINT(g_hash_table_lookup(counts, m->lab));
            g_hash_table_insert(counts, m->lab, GUINT_TO_POINTER(n + 1));
        }
        labs = g_list_sort(g_hash_table_get_keys(counts), (GCompareFunc)g_strcmp0);
        if (!as_json)
            g_print("  %-24s %s\n", "LAB", "DOMAINS");
        for (GList *l = labs; l; l = l->next) {
            json_object *o = json_object_new_object();
            guint n = GPOINTER_TO_UINT(g_hash_table_lookup(counts, l->data));
            json_object_object_add(o, "lab", json_object_new_string(l->data));
            json_object_object_add(o, "domains", json_object_new_int((int)n));
            json_object_array_add(arr, o);
            if (!as_json)
                g_print("  %-24s %u\n", (const char *)l->data, n);
        }
        json_object_object_add(doc, "labs", arr);
    }
    if (as_json)
        g_print("%s\n", vl_json_to_string(doc));
    return TRUE;
}
