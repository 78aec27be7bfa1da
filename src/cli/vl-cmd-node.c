/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-cmd-node.c - per-node commands: `start`, `stop`, `console`, `logs`, `ssh` and `exec` */
#include "vl-cli.h"

#include "vl-bootlog.h"
#include "vl-cli-askpass.h"
#include "vl-console.h"
#include "vl-error.h"
#include "vl-virt-error.h"
#include "vl-fs.h"
#include "vl-log.h"
#include "vl-serial.h"
#include "vl-netns.h"
#include "vl-ready.h"
#include "vl-ssh.h"

#include <errno.h>
#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The longest `exec -t` (a day, in seconds): its milliseconds still fit a guint. */
#define VL_EXEC_TIMEOUT_MAX 86400

typedef struct {
    char *uri;
    char *lab;
} VlNodeOpts;

static void
vl_node_opts_add(GOptionContext *ctx, VlNodeOpts *o)
{
    GOptionEntry entries[] = {
        {"connect", 'c', 0, G_OPTION_ARG_STRING, &o->uri, "libvirt URI", "URI"},
        {"lab", 'l', 0, G_OPTION_ARG_STRING, &o->lab,
         "The lab the node belongs to (when names clash)", "NAME"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_option_context_add_main_entries(ctx, entries, NULL);
}

/*
 * After parsing: --lab is checked to be a lab name, -S DIR stands for the lab its spec names, and
 * without either the one lab that is up here is taken. With none or several up, @o->lab stays NULL
 * and the node is looked for in every lab (vl_cli_lab_vms() says when that is ambiguous).
 * Return: TRUE, or FALSE with a usage error.
 */
static gboolean
vl_node_opts_finish(VlNodeOpts *o, GError **error)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *lab = vl_cli_lab_resolve(o->lab, vl_cli_specs(), FALSE, &err);

    if (err) {
        g_propagate_error(error, g_steal_pointer(&err));
        return FALSE;
    }
    if (!lab)
        lab = vl_cli_lab_deployed(NULL);
    g_free(o->lab);
    o->lab = g_steal_pointer(&lab);
    return TRUE;
}

/* The hosts of the command's lab (all that its state records, else -c) and their domains. */
typedef struct {
    VlLabHosts *hosts;
    GHashTable *doms; /* domain name -> VlLabDomain (a VlDomainMeta) */
    char *where;      /* the hosts, for messages */
} VlNodeHosts;

static void
vl_node_hosts_clear(VlNodeHosts *h)
{
    g_clear_pointer(&h->doms, g_hash_table_unref);
    g_clear_pointer(&h->hosts, vl_lab_hosts_free);
    g_clear_pointer(&h->where, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VlNodeHosts, vl_node_hosts_clear)

/* Connects to the lab's hosts and lists its domains there. Return: TRUE, or FALSE with @error. */
static gboolean
vl_node_hosts_open(VlNodeHosts *h, const VlNodeOpts *o, GError **error)
{
    h->hosts = vl_cli_lab_hosts(o->uri, o->lab, NULL, error);
    if (!h->hosts)
        return FALSE;
    h->where = vl_cli_hosts_describe(h->hosts);
    h->doms = vl_lab_hosts_domains(h->hosts, o->lab, error);
    return h->doms != NULL;
}

/* Return: (transfer full) (nullable): domain @name on its host. */
static virDomainPtr
vl_node_domain(const VlNodeHosts *h, const char *name)
{
    virConnectPtr conn = vl_lab_domains_conn(h->doms, name);

    return conn ? virDomainLookupByName(conn, name) : NULL;
}

/* Return: TRUE if domain @name runs, else FALSE with a runtime error saying it does not. */
static gboolean
vl_node_check_running(const VlNodeHosts *h, const char *name, GError **error)
{
    g_autoptr(virDomain) dom = vl_node_domain(h, name);

    if (dom && virDomainIsActive(dom) == 1)
        return TRUE;
    g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                "domain '%s' is not running (start it with 'vmlab-virt start %s')", name, name);
    return FALSE;
}

/* Return: TRUE if @port (from @m's metadata) is a port, else FALSE with a runtime error. */
static gboolean
vl_node_check_port(const char *domain, const VlDomainMeta *m, guint port, const char *what,
                   GError **error)
{
    if (port)
        return TRUE;
    g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                "domain '%s' has no valid %s port in its metadata%s%s", domain, what,
                m->invalid ? ": " : "", m->invalid ? m->invalid : "");
    return FALSE;
}

static void
vl_node_opts_clear(VlNodeOpts *o)
{
    g_free(o->uri);
    g_free(o->lab);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VlNodeOpts, vl_node_opts_clear)

/* start/stop: the node's domains, in name order (CPMs before line cards). */
static gboolean
vl_cmd_start_stop(int argc, char **argv, gboolean start, GError **error)
{
    g_auto(VlNodeOpts) o = {0};
    g_autoptr(GOptionContext) ctx = g_option_context_new(
        start ? "NODE - start a node's VMs" : "NODE - stop a node's VMs (disks are kept)");
    g_auto(VlNodeHosts) h = {0};
    g_autoptr(GPtrArray) names = NULL;

    vl_node_opts_add(ctx, &o);
    g_option_context_set_description(ctx, start ? "Examples:\n"
                                                  "  vmlab-virt start r1\n"
                                                  "  vmlab-virt start -S specs/example r2\n"
                                                : "Examples:\n"
                                                  "  vmlab-virt stop r1\n"
                                                  "  vmlab-virt stop --lab example r2\n");
    if (!vl_cli_parse(ctx, &argc, &argv, error) || !vl_node_opts_finish(&o, error))
        return FALSE;
    if (argc != 2) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE, "usage: %s NODE [--lab NAME] [-c URI]",
                    g_get_prgname());
        return FALSE;
    }
    if (!vl_node_hosts_open(&h, &o, error))
        return FALSE;
    names = vl_cli_lab_vms_in(h.doms, h.where, o.lab, argv[1], NULL, error);
    if (!names) {
        /* a coalesced host has no VM of its own to start or stop */
        g_autofree char *domain = NULL;
        g_autoptr(VlSpec) spec = vl_cli_lab_host_find(h.doms, o.lab, argv[1], &domain);
        if (spec) {
            g_clear_error(error);
            g_set_error(error, VL_ERROR, VL_ERROR_USAGE,
                        "host '%s' is a network namespace in VM '%s', which it shares with the "
                        "other hosts there: %s '%s' instead",
                        argv[1], domain, start ? "start" : "stop", domain);
        }
        return FALSE;
    }
    for (guint i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        g_autoptr(virDomain) dom = vl_node_domain(&h, name);
        int active = dom ? virDomainIsActive(dom) : -1;

        if (!dom) {
            vl_error_set_libvirt(error, "cannot find domain '%s'", name);
            return FALSE;
        }
        if (active == 1 ? !start : start)
            vl_trace("%s('%s')", start ? "virDomainCreate" : "virDomainDestroy", name);
        if (start && active != 1 && virDomainCreate(dom) < 0) {
            vl_error_set_libvirt(error, "cannot start domain '%s'", name);
            return FALSE;
        }
        if (!start && active == 1 && virDomainDestroy(dom) < 0) {
            vl_error_set_libvirt(error, "cannot stop domain '%s'", name);
            return FALSE;
        }
        g_print("%s: %s\n", name,
                start ? (active == 1 ? "already running" : "started")
                      : (active == 1 ? "stopped" : "already stopped"));
    }
    return TRUE;
}

gboolean
vl_cmd_start(int argc, char **argv, GError **error)
{
    return vl_cmd_start_stop(argc, argv, TRUE, error);
}

gboolean
vl_cmd_stop(int argc, char **argv, GError **error)
{
    return vl_cmd_start_stop(argc, argv, FALSE, error);
}

/* Return: (transfer none): the metadata of the one domain @name names, with its lab. */
static const VlDomainMeta *
vl_node_single(const VlNodeHosts *h, const char *lab, const char *name, char **domain,
               GError **error)
{
    g_autoptr(GPtrArray) names = vl_cli_lab_vms_in(h->doms, h->where, lab, name, NULL, error);

    if (!names)
        return NULL;
    if (names->len > 1) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE,
                    "'%s' has %u VMs; name one of its domains (e.g. '%s')", name, names->len,
                    (const char *)g_ptr_array_index(names, 0));
        return NULL;
    }
    *domain = g_strdup(g_ptr_array_index(names, 0));
    return g_hash_table_lookup(h->doms, *domain);
}

/* Return: (transfer full): the spec a deployed lab was made from (its credentials live there). */
static VlSpec *
vl_node_spec(const VlDomainMeta *m, GError **error)
{
    g_autoptr(VlDiag) diag = vl_diag_new();
    VlSpec *spec;

    if (!m->spec_dir) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                    "domain of lab '%s' does not name its spec folder", m->lab);
        return NULL;
    }
    spec = vl_spec_load(m->spec_dir, diag);
    if (!spec) {
        vl_diag_to_error(diag, error);
        g_prefix_error(error, "the spec of lab '%s' no longer loads:\n", m->lab);
    }
    return spec;
}

gboolean
vl_cmd_console(int argc, char **argv, GError **error)
{
    g_auto(VlNodeOpts) o = {0};
    gboolean force = FALSE;
    GOptionEntry entries[] = {
        {"force", 'f', 0, G_OPTION_ARG_NONE, &force,
         "Take the console over from another client (virsh console --force)", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("NODE - attach to a VM's serial console (Ctrl-] leaves)");
    g_auto(VlNodeHosts) h = {0};
    g_autoptr(virDomain) dom = NULL;
    g_autoptr(VlConsoleTarget) t = NULL;
    g_autofree char *domain = NULL;
    g_autoptr(VlSpec) host_spec = NULL;
    gboolean ok;

    vl_node_opts_add(ctx, &o);
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx, "A coalesced host's console is its VM's, with a shell "
                                          "in the host's namespace typed in (exit returns to "
                                          "the VM's shell).\n"
                                          "Examples:\n"
                                          "  vmlab-virt console r1\n"
                                          "  vmlab-virt console -S specs/example r1\n"
                                          "  vmlab-virt console --force r1\n");
    if (!vl_cli_parse(ctx, &argc, &argv, error) || !vl_node_opts_finish(&o, error))
        return FALSE;
    if (argc != 2) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE,
                    "usage: %s NODE [--force] [--lab NAME] [-c URI]", g_get_prgname());
        return FALSE;
    }
    /* the console stream needs libvirt's event loop before the connection opens */
    if (!vl_console_event_init(error) || !vl_node_hosts_open(&h, &o, error))
        return FALSE;
    /* a coalesced host: the console of its VM */
    host_spec = vl_cli_lab_host_find(h.doms, o.lab, argv[1], &domain);
    if (!host_spec && !vl_node_single(&h, o.lab, argv[1], &domain, error))
        return FALSE;
    if (!vl_node_check_running(&h, domain, error))
        return FALSE;
    dom = vl_node_domain(&h, domain);
    t = dom ? vl_console_open(dom, force, error) : NULL;
    if (!t)
        return FALSE;
    g_printerr("Connected to the console of '%s' (%s). Ctrl-] leaves.\n", domain,
               vl_console_target_describe(t));
    if (host_spec) {
        /* a coalesced host: its shell is one in its namespace, typed into the VM's console */
        g_autofree char *line = vl_netns_console_line(argv[1]);
        if (!vl_console_target_type(t, line, error))
            return FALSE;
        g_printerr("Host '%s' is network namespace '%s' in it: typed `ip netns exec %s ...` to "
                   "enter it (`exit` returns to the VM's shell).\n",
                   argv[1], argv[1], argv[1]);
    }
    ok = vl_console_target_run(t, STDIN_FILENO, STDOUT_FILENO, error);
    g_printerr("\nDisconnected from '%s'.\n", domain);
    return ok;
}

gboolean
vl_cmd_logs(int argc, char **argv, GError **error)
{
    g_auto(VlNodeOpts) o = {0};
    gboolean follow = FALSE;
    GOptionEntry entries[] = {
        {"follow", 'f', 0, G_OPTION_ARG_NONE, &follow, "Keep printing what the VM writes", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("NODE - print a VM's boot log (its serial console output)");
    g_auto(VlNodeHosts) h = {0};
    g_autoptr(virDomain) dom = NULL;
    g_autoptr(VlSerial) serial = NULL;
    g_autofree char *domain = NULL;
    const VlLabDomain *ld;

    vl_node_opts_add(ctx, &o);
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx, "Examples:\n"
                                          "  vmlab-virt logs r1\n"
                                          "  vmlab-virt logs -f --lab example r2\n");
    if (!vl_cli_parse(ctx, &argc, &argv, error) || !vl_node_opts_finish(&o, error))
        return FALSE;
    if (argc != 2) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE, "usage: %s NODE [-f] [--lab NAME] [-c URI]",
                    g_get_prgname());
        return FALSE;
    }
    if (!vl_node_hosts_open(&h, &o, error) || !vl_node_single(&h, o.lab, argv[1], &domain, error))
        return FALSE;
    ld = g_hash_table_lookup(h.doms, domain);
    dom = vl_node_domain(&h, domain);
    serial = dom ? vl_serial_get(dom, error) : NULL;
    if (!serial)
        return FALSE;
    if (!serial->log_path) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                    "domain '%s' has no boot log (its serial device has no <log>)", domain);
        return FALSE;
    }
    if (ld->host->remote) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                    "domain '%s' is on remote host '%s': its boot log is %s there (its console "
                    "works from here: vmlab-virt console %s)",
                    domain, ld->host->name, serial->log_path, argv[1]);
        return FALSE;
    }
    return vl_bootlog_print(serial->log_path, follow, STDOUT_FILENO, NULL, error);
}

gboolean
vl_cmd_ssh(int argc, char **argv, GError **error)
{
    g_auto(VlNodeOpts) o = {0};
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("NODE [-- CMD...] - log in to a VM with the system ssh");
    g_auto(VlNodeHosts) h = {0};
    g_autoptr(VlSpec) spec = NULL;
    g_autofree char *domain = NULL;
    g_autofree char *lab_dir = NULL;
    g_autofree char *known = NULL;
    g_autofree char *port = NULL;
    g_autofree char *kh_opt = NULL;
    g_autofree char *dest = NULL;
    g_autoptr(GPtrArray) args = g_ptr_array_new();
    char **command = NULL;
    g_autofree char *remote = NULL;
    const VlDomainMeta *mm;
    const VlVm *vm;

    vl_node_opts_add(ctx, &o);
    g_option_context_set_description(ctx, "The spec's password reaches ssh through SSH_ASKPASS "
                                          "(no prompt; works without a terminal).\n\n"
                                          "Examples:\n"
                                          "  vmlab-virt ssh r2\n"
                                          "  vmlab-virt ssh r1 -- ip -br addr\n"
                                          "  vmlab-virt ssh -S specs/example r3 -- uname -a\n");
    vl_cli_split_command(&argc, argv, &command);
    if (!vl_cli_parse(ctx, &argc, &argv, error) || !vl_node_opts_finish(&o, error))
        return FALSE;
    if (argc < 2 || (command && argc > 2)) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE,
                    "usage: %s NODE [--lab NAME] [-c URI] [-- CMD...]", g_get_prgname());
        return FALSE;
    }
    if (!vl_node_hosts_open(&h, &o, error))
        return FALSE;
    if ((spec = vl_cli_lab_host_find(h.doms, o.lab, argv[1], &domain))) {
        /* a coalesced host: its VM, then its namespace */
        g_autofree char *cmd = command    ? g_strjoinv(" ", command)
                               : argc > 2 ? g_strjoinv(" ", argv + 2)
                                          : NULL;
        mm = g_hash_table_lookup(h.doms, domain);
        if (!mm) {
            g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "host '%s': its VM '%s' is not deployed",
                        argv[1], domain);
            return FALSE;
        }
        remote = vl_netns_wrap(argv[1], cmd);
    } else {
        mm = vl_node_single(&h, o.lab, argv[1], &domain, error);
        if (!mm)
            return FALSE;
    }
    if (!vl_node_check_running(&h, domain, error) ||
        !vl_node_check_port(domain, mm, mm->ssh_port, "SSH", error) ||
        (!spec && !(spec = vl_node_spec(mm, error))))
        return FALSE;
    vm = vl_spec_find_vm(spec, domain);
    lab_dir = vl_fs_lab_dir(mm->lab);
    known = g_build_filename(lab_dir, "known_hosts", NULL);
    port = g_strdup_printf("%u", mm->ssh_port);
    kh_opt = g_strdup_printf("UserKnownHostsFile=%s", known);
    dest = g_strdup_printf("%s@%s", vl_ready_user(vm), vl_ready_address(mm->host));
    g_ptr_array_add(args, "ssh");
    if (remote && !command && argc <= 2)
        g_ptr_array_add(args, "-t"); /* an interactive shell in the namespace */
    g_ptr_array_add(args, "-p");
    g_ptr_array_add(args, port);
    g_ptr_array_add(args, "-o");
    g_ptr_array_add(args, kh_opt);
    g_ptr_array_add(args, "-o");
    g_ptr_array_add(args, "StrictHostKeyChecking=accept-new");
    /* "--": ssh takes no option after this, so the command's own dashed arguments stay its own */
    g_ptr_array_add(args, "--");
    g_ptr_array_add(args, dest);
    if (remote)
        g_ptr_array_add(args, remote);
    for (int i = 0; !remote && command && command[i]; i++)
        g_ptr_array_add(args, command[i]);
    for (int i = 2; !remote && i < argc; i++)
        g_ptr_array_add(args, argv[i]);
    g_ptr_array_add(args, NULL);
    {
        g_autofree char *line = g_strjoinv(" ", (char **)args->pdata);
        vl_trace("running %s", line);
    }
    /* the spec's password: ssh asks vmlab-virt for it (SSH_ASKPASS), no prompt, no terminal */
    if (vm && vm->node->ssh_pass && *vm->node->ssh_pass &&
        !vl_askpass_env_set(mm->lab, domain, error))
        return FALSE;
    execvp("ssh", (char **)args->pdata);
    g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "cannot run ssh: %s", g_strerror(errno));
    return FALSE;
}

/* One place `exec` runs its command: a domain, and the host namespace in it (or NULL). */
typedef struct {
    char *domain;
    char *host;
} VlExecTarget;

static void
vl_exec_target_free(gpointer data)
{
    VlExecTarget *t = data;

    g_free(t->domain);
    g_free(t->host);
    g_free(t);
}

static void
vl_exec_targets_add(GPtrArray *targets, const char *domain, const char *host)
{
    VlExecTarget *t = g_new0(VlExecTarget, 1);

    t->domain = g_strdup(domain);
    t->host = g_strdup(host);
    g_ptr_array_add(targets, t);
}

gboolean
vl_cmd_exec(int argc, char **argv, GError **error)
{
    g_auto(VlNodeOpts) o = {0};
    gboolean all = FALSE;
    g_autofree char *timeout_arg = NULL;
    guint64 timeout = 60;
    GOptionEntry entries[] = {
        {"all", 'a', 0, G_OPTION_ARG_NONE, &all,
         "Run on every VM of the lab (--lab NAME), and in every coalesced host", NULL},
        {"timeout", 't', 0, G_OPTION_ARG_STRING, &timeout_arg,
         "Seconds per VM, 1.." G_STRINGIFY(VL_EXEC_TIMEOUT_MAX) " (default 60)", "S"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GError) terr = NULL;
    char **argv_cmd = NULL;
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("NODE|--all -- CMD... - run a command over SSH");
    g_auto(VlNodeHosts) h = {0};
    g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func(vl_exec_target_free);
    GHashTable *metas;
    g_autoptr(VlSpec) spec = NULL;
    g_autofree char *command = NULL;
    g_autofree char *lab = NULL;
    g_autofree char *host_domain = NULL;
    int worst = 0;
    int first_cmd;

    vl_node_opts_add(ctx, &o);
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx, "Examples:\n"
                                          "  vmlab-virt exec r1 -- uname -a\n"
                                          "  vmlab-virt exec --all -- ip -br addr\n"
                                          "  vmlab-virt exec --all --lab example -t 20 -- ping -c1 "
                                          "127.0.0.1\n");
    vl_cli_split_command(&argc, argv, &argv_cmd);
    if (!vl_cli_parse(ctx, &argc, &argv, error) || !vl_node_opts_finish(&o, error))
        return FALSE;
    if (timeout_arg &&
        !g_ascii_string_to_unsigned(timeout_arg, 10, 1, VL_EXEC_TIMEOUT_MAX, &timeout, &terr)) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE, "--timeout: %s", terr->message);
        return FALSE;
    }
    /* The command: what follows "--", else the arguments after NODE */
    first_cmd = all ? 1 : 2;
    if ((!all && argc < 2) || (argv_cmd ? argc != first_cmd || !argv_cmd[0] : argc <= first_cmd)) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE,
                    "usage: %s NODE|--all [--lab NAME] [-t S] -- CMD...", g_get_prgname());
        return FALSE;
    }
    command = g_strjoinv(" ", argv_cmd ? argv_cmd : argv + first_cmd);
    if (!vl_node_hosts_open(&h, &o, error))
        return FALSE;
    metas = h.doms;
    if (all && !g_hash_table_size(metas)) {
        if (o.lab)
            g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                        "lab '%s' is not up (no domain of it on %s)", o.lab, h.where);
        else
            g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "no lab is up on %s", h.where);
        return FALSE;
    }
    if (all) {
        g_autoptr(GList) keys = g_list_sort(g_hash_table_get_keys(metas), (GCompareFunc)g_strcmp0);
        for (GList *l = keys; l; l = l->next) {
            const VlDomainMeta *m = g_hash_table_lookup(metas, l->data);
            if (lab && !g_str_equal(lab, m->lab)) {
                g_set_error(error, VL_ERROR, VL_ERROR_USAGE,
                            "several labs are deployed: say which with --lab");
                return FALSE;
            }
            g_free(lab);
            lab = g_strdup(m->lab);
            /* SR OS line cards have no management plane to log in to */
            if (!vl_ready_role_has_mgmt(m->role))
                continue;
            vl_exec_targets_add(targets, l->data, NULL);
        }
        if (!targets->len) {
            g_set_error(error, VL_ERROR, VL_ERROR_USAGE, "no deployed VM%s%s",
                        o.lab ? " in lab " : "", o.lab ? o.lab : "");
            return FALSE;
        }
    } else if ((spec = vl_cli_lab_host_find(metas, o.lab, argv[1], &host_domain))) {
        if (!g_hash_table_contains(metas, host_domain)) {
            g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "host '%s': its VM '%s' is not deployed",
                        argv[1], host_domain);
            return FALSE;
        }
        vl_exec_targets_add(targets, host_domain, argv[1]);
    } else {
        g_autoptr(GPtrArray) names = vl_cli_lab_vms_in(metas, h.where, o.lab, argv[1], &lab, error);
        if (!names)
            return FALSE;
        for (guint i = 0; i < names->len; i++)
            vl_exec_targets_add(targets, g_ptr_array_index(names, i), NULL);
    }
    /* Every VM must run, or the command would wait for each one's timeout in turn. */
    for (guint i = 0; i < targets->len; i++) {
        const VlExecTarget *tg = g_ptr_array_index(targets, i);
        const VlDomainMeta *m = g_hash_table_lookup(metas, tg->domain);
        if (!vl_node_check_running(&h, tg->domain, error))
            return FALSE;
        if (!vl_node_check_port(tg->domain, m, m->ssh_port, "SSH", error))
            return FALSE;
    }
    if (!spec) {
        const VlExecTarget *t0 = g_ptr_array_index(targets, 0);
        spec = vl_node_spec(g_hash_table_lookup(metas, t0->domain), error);
        if (!spec)
            return FALSE;
    }
    if (all) {
        /* a host VM runs the command in each of its hosts' namespaces instead */
        g_autoptr(GPtrArray) expanded = g_ptr_array_new_with_free_func(vl_exec_target_free);
        for (guint i = 0; i < targets->len; i++) {
            const VlExecTarget *t = g_ptr_array_index(targets, i);
            const VlVm *vm = vl_spec_find_vm(spec, t->domain);
            if (!vm || !vm->node->is_host_vm) {
                vl_exec_targets_add(expanded, t->domain, NULL);
                continue;
            }
            for (guint j = 0; j < vm->node->hosts->len; j++)
                vl_exec_targets_add(expanded, t->domain,
                                    ((const VlNode *)g_ptr_array_index(vm->node->hosts, j))->name);
        }
        g_ptr_array_unref(targets);
        targets = g_steal_pointer(&expanded);
    }
    for (guint i = 0; i < targets->len; i++) {
        const VlExecTarget *tg = g_ptr_array_index(targets, i);
        const char *name = tg->domain;
        const VlDomainMeta *m = g_hash_table_lookup(metas, name);
        const VlVm *vm = vl_spec_find_vm(spec, name);
        g_autofree char *wrapped = tg->host ? vl_netns_wrap(tg->host, command) : NULL;
        g_autofree char *lab_dir = vl_fs_lab_dir(m->lab);
        g_autofree char *known = g_build_filename(lab_dir, "known_hosts", NULL);
        g_autofree char *out = NULL;
        g_autofree char *err = NULL;
        g_autoptr(GError) e = NULL;
        int status = 0;
        VlSshTarget t = {vl_ready_address(m->host), m->ssh_port, vl_ready_user(vm),
                         vl_ready_pass(vm),         known,       (guint)(timeout * 1000)};

        if (tg->host)
            g_print("== %s (in %s)\n", tg->host, name);
        else
            g_print("== %s\n", name);
        vl_trace("libssh2 %s@%s:%u (%s): %s", t.user, t.host, t.port, name,
                 wrapped ? wrapped : command);
        if (!vl_ssh_exec(&t, wrapped ? wrapped : command, &out, &err, &status, NULL, &e)) {
            g_print("error: %s\n", e->message);
            worst = MAX(worst, 255);
            continue;
        }
        g_print("%s", out);
        if (err && *err)
            g_printerr("%s", err);
        if (status)
            g_print("(exit status %d)\n", status);
        worst = MAX(worst, status);
    }
    /* The exit status is the worst VM's, as the command reported it (not the generic 1). */
    if (worst) {
        fflush(stdout);
        exit(worst);
    }
    return TRUE;
}
