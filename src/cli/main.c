/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* main.c - vmlab-virt's entry point: dispatches to a command, prints its error once, exits */
#include "vl-cli.h"

#include "vl-cli-askpass.h"
#include "vl-error.h"
#include "vl-ftp-cmd.h"
#include "vl-kubevirt.h"

#include <libxml/parser.h>
#include <locale.h>
#include <signal.h>

typedef struct {
    const char *name;
    const char *alias;
    VlCommandFunc func;
    const char *summary;
} VlCommand;

static const VlCommand vl_commands[] = {
    {"validate", NULL, vl_cmd_validate, "Check a lab spec and report every problem"},
    {"render", NULL, vl_cmd_render, "Write the libvirt domain XML of a lab's VMs"},
    {"up", "deploy", vl_cmd_up, "Deploy a lab: disks, domains, start, wait until ready"},
    {"down", "destroy", vl_cmd_down, "Stop and remove a lab's domains, disks and pool"},
    {"status", NULL, vl_cmd_status, "Show a lab's VMs, or list all labs"},
    {"snapshot", NULL, vl_cmd_snapshot, "Save a running lab's memory and disks at one moment"},
    {"restore", NULL, vl_cmd_restore, "Bring a lab back to one of its snapshots"},
    {"snapshots", NULL, vl_cmd_snapshots, "List a lab's snapshots"},
    {"start", NULL, vl_cmd_start, "Start a node's VMs"},
    {"stop", NULL, vl_cmd_stop, "Stop a node's VMs (disks are kept)"},
    {"console", NULL, vl_cmd_console, "Attach to a VM's serial console (Ctrl-] leaves)"},
    {"logs", NULL, vl_cmd_logs, "Print (or follow, -f) a VM's boot log"},
    {"ssh", NULL, vl_cmd_ssh, "Log in to a VM with the system ssh"},
    {"exec", NULL, vl_cmd_exec, "Run a command on one VM or all of a lab's over SSH"},
    {"image", NULL, vl_cmd_image, "Pull, push, list and remove containerDisk registry images"},
    {"graph", NULL, vl_cmd_graph, "Draw a lab's topology: dot, svg, mermaid, json or html"},
    {"capture", NULL, vl_cmd_capture, "Capture a data interface's frames as pcap (no root)"},
    {"ftp-proxy", NULL, vl_cmd_ftp_proxy, "Serve TiMOS images and configs to SR OS VMs over FTP"},
    {"kubevirt", NULL, vl_cmd_kubevirt,
     "Export a lab as KubeVirt manifests; the onDefineDomain hook"},
};

static void
vl_usage(FILE *out)
{
    fprintf(out, "Usage: vmlab-virt COMMAND [OPTION...] [ARG...]\n\n"
                 "Network labs from JSON topologies, as libvirt virtual machines.\n\nCommands:\n");
    for (guint i = 0; i < G_N_ELEMENTS(vl_commands); i++) {
        g_autofree char *name =
            vl_commands[i].alias
                ? g_strdup_printf("%s (%s)", vl_commands[i].name, vl_commands[i].alias)
                : g_strdup(vl_commands[i].name);
        fprintf(out, "  %-22s %s\n", name, vl_commands[i].summary);
    }
    fprintf(
        out,
        "\nEvery command but ftp-proxy and kubevirt hook also takes -S/--specs DIR (instead of\n"
        "SPECDIR) and "
        "-v/--verbose (the libvirt calls made, on stderr).\n"
        "Run 'vmlab-virt COMMAND --help' for a command's options. See vmlab-virt(1).\n");
}

static const VlCommand *
vl_command_find(const char *name)
{
    for (guint i = 0; i < G_N_ELEMENTS(vl_commands); i++) {
        if (g_str_equal(vl_commands[i].name, name) ||
            (vl_commands[i].alias && g_str_equal(vl_commands[i].alias, name)))
            return &vl_commands[i];
    }
    return NULL;
}

int
main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    const VlCommand *cmd;

    setlocale(LC_ALL, "");
    /* libvirt writes to its socket without MSG_NOSIGNAL: a libvirtd that goes away must fail the
     * call (EPIPE, and `up` reconnects), not kill us. */
    signal(SIGPIPE, SIG_IGN);
    xmlInitParser();
    /* The KubeVirt hook sidecar runs us through a symlink named onDefineDomain. */
    if (argc > 0 && vl_kubevirt_is_hook(argv[0]))
        return vl_kubevirt_hook_run(argc, argv);
    /* `vmlab-virt ssh` has ssh run us as its SSH_ASKPASS, with the prompt: not a command */
    if (vl_askpass_wanted(argc, argv) && !vl_command_find(argv[1]))
        return vl_askpass_run(argv[1]);
    if (argc < 2) {
        vl_usage(stderr);
        return 2;
    }
    if (g_str_equal(argv[1], "--help") || g_str_equal(argv[1], "-h") ||
        g_str_equal(argv[1], "help")) {
        vl_usage(stdout);
        return 0;
    }
    if (g_str_equal(argv[1], "--version")) {
        printf("vmlab-virt %s\n", VL_VERSION);
        return 0;
    }
    cmd = vl_command_find(argv[1]);
    if (!cmd) {
        fprintf(stderr, "vmlab-virt: unknown command '%s' (see 'vmlab-virt --help')\n", argv[1]);
        return 2;
    }
    /* Help and messages name the command as the user typed it ("deploy", not "up"). */
    {
        g_autofree char *prgname = g_strdup_printf("vmlab-virt %s", argv[1]);
        g_set_prgname(prgname);
    }
    if (!cmd->func(argc - 1, argv + 1, &error)) {
        if (!error)
            g_set_error(&error, VL_ERROR, VL_ERROR_FAILED, "%s failed", argv[1]);
        /* Input problems come one per line and already name their file; print them as they are. */
        if (error->domain == VL_ERROR && error->code == VL_ERROR_INVALID)
            fprintf(stderr, "%s\n", error->message);
        else
            fprintf(stderr, "%s: %s\n", g_get_prgname(), error->message);
        return vl_error_exit_code(error);
    }
    return 0;
}
