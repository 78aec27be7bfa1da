/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-cmd-kubevirt.c - the `vmlab-virt kubevirt` command: export manifests, run the hook */
#include "vl-kubevirt.h"

#include "vl-cli.h"
#include "vl-error.h"
#include "vl-kv-export.h"
#include "vl-kv-hook.h"
#include "vl-kv-sftp.h"

#include <stdio.h>

#define VL_KV_USAGE                                                                                \
    "usage: vmlab-virt kubevirt export SPECDIR|-S DIR -o DIR|- [--namespace NS]\n"                 \
    "         [--with-sftp [--sftp-host-key FILE] [--sftp-client-key FILE]]\n"                     \
    "       vmlab-virt kubevirt hook onDefineDomain --vmi JSON --domain XML"

static gboolean
vl_kv_cmd_export(int argc, char **argv, GError **error)
{
    g_autofree char *outdir = NULL;
    g_autofree char *namespace = NULL;
    g_autofree char *host_key = NULL;
    g_autofree char *client_key = NULL;
    gboolean with_sftp = FALSE;
    GOptionEntry entries[] = {
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &outdir,
         "Write the manifests and kustomization.yaml to DIR ('-': one YAML stream on stdout)",
         "DIR"},
        {"namespace", 'n', 0, G_OPTION_ARG_STRING, &namespace,
         "Put every object in namespace NS (default: kubectl's)", "NS"},
        {"with-sftp", 0, 0, G_OPTION_ARG_NONE, &with_sftp,
         "Add an SFTP server (Deployment, Service, key Secrets, a files PVC) as the SR OS FTP "
         "proxy's backend",
         NULL},
        {"sftp-host-key", 0, 0, G_OPTION_ARG_FILENAME, &host_key,
         "With --with-sftp: the server's private host key (default: a new ed25519 key)", "FILE"},
        {"sftp-client-key", 0, 0, G_OPTION_ARG_FILENAME, &client_key,
         "With --with-sftp: the proxy's private client key (default: a new ed25519 key)", "FILE"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("SPECDIR|-S DIR -o DIR|- - write KubeVirt manifests for a lab");
    const char *dir = NULL;
    g_autoptr(VlSpec) spec = NULL;
    g_autoptr(VlDiag) diag = vl_diag_new();
    g_autoptr(VlKvConfig) cfg = NULL;
    g_autoptr(VlKvExport) e = NULL;
    g_autoptr(GString) out = g_string_new(NULL);
    g_autoptr(VlKvSftpKeys) keys = NULL;
    VlKvExportOptions opts = {0};

    /* help and messages say "vmlab-virt kubevirt export" */
    g_set_prgname("vmlab-virt kubevirt export");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(
        ctx,
        "Settings come from the spec's optional vmlab.kubevirt section (see README.md,\n"
        "\"KubeVirt\"). Apply the result with 'kubectl apply -k DIR'.\n"
        "--with-sftp writes private keys into DIR (Secrets and the hook's configuration,\n"
        "mode 0600); keys are made with ssh-keygen unless given.\n\n"
        "Examples:\n"
        "  vmlab-virt kubevirt export specs/fabric -o fabric-k8s\n"
        "  vmlab-virt kubevirt export -S specs/example -o - --namespace labs\n"
        "  vmlab-virt kubevirt export tests/data/kubevirt/sros-spec -o sros-k8s --with-sftp\n");
    if (!vl_cli_parse(ctx, &argc, &argv, error) || !vl_cli_spec_arg(argc, argv, &dir, error))
        return FALSE;
    if (!dir || !outdir) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE, "%s", VL_KV_USAGE);
        return FALSE;
    }
    if (namespace && !vl_kv_name_is_valid(namespace)) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE,
                    "--namespace: '%s' is not a Kubernetes name (lowercase letters, digits, '-')",
                    namespace);
        return FALSE;
    }
    if ((host_key || client_key) && !with_sftp) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE,
                    "--sftp-host-key and --sftp-client-key need --with-sftp");
        return FALSE;
    }
    spec = vl_cli_spec_load(dir, FALSE, error);
    if (!spec)
        return FALSE;
    opts.namespace = namespace;
    cfg = vl_kv_config_load(spec, with_sftp, diag);
    if (!vl_diag_to_error(diag, error))
        return FALSE;
    /* keys after the spec checks, so a bad spec costs no key generation */
    if (with_sftp) {
        keys = vl_kv_sftp_keys_load(spec->name, host_key, client_key, error);
        if (!keys)
            return FALSE;
        opts.sftp_keys = keys;
    }
    e = vl_kv_export_build(spec, cfg, &opts, diag);
    if (!vl_diag_to_error(diag, error))
        return FALSE;
    if (!vl_kv_export_write(e, outdir, namespace, out, error))
        return FALSE;
    for (guint i = 0; i < e->notes->len; i++)
        g_printerr("note: %s\n", (const char *)g_ptr_array_index(e->notes, i));
    if (out->len)
        fputs(out->str, stdout);
    return TRUE;
}

gboolean
vl_kubevirt_is_hook(const char *argv0)
{
    g_autofree char *base = g_path_get_basename(argv0);

    return g_str_equal(base, "onDefineDomain");
}

int
vl_kubevirt_hook_run(int argc, char **argv)
{
    return vl_kv_hook_main(argc, argv);
}

gboolean
vl_cmd_kubevirt(int argc, char **argv, GError **error)
{
    if (argc >= 2 && g_str_equal(argv[1], "export"))
        return vl_kv_cmd_export(argc - 1, argv + 1, error);
    if (argc >= 3 && g_str_equal(argv[1], "hook") && g_str_equal(argv[2], "onDefineDomain")) {
        int status = vl_kv_hook_main(argc - 2, argv + 2);
        if (status == 0)
            return TRUE;
        /* the hook printed its one line; exit with its status and no second message */
        exit(status);
    }
    if (argc >= 2 && (g_str_equal(argv[1], "--help") || g_str_equal(argv[1], "-h"))) {
        printf("%s\n\nSubcommands:\n"
               "  export   Write VirtualMachine, NetworkAttachmentDefinition and hook manifests\n"
               "           (--with-sftp: and the SFTP server the hook's FTP proxy reads from)\n"
               "  hook     Run as KubeVirt's onDefineDomain hook sidecar (also as a binary named\n"
               "           onDefineDomain)\n",
               VL_KV_USAGE);
        return TRUE;
    }
    g_set_error(error, VL_ERROR, VL_ERROR_USAGE, "%s", VL_KV_USAGE);
    return FALSE;
}
