/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-cli-askpass.c - `vmlab-virt ssh` without typing passwords: vmlab-virt as ssh's SSH_ASKPASS */
#include "vl-cli-askpass.h"

#include "vl-error.h"
#include "vl-json.h"
#include "vl-lab.h"
#include "vl-spec.h"

#include <stdio.h>
#include <string.h>

/* Return: whether the system ssh is OpenSSH older than 8.4 (no SSH_ASKPASS_REQUIRE). */
static gboolean
vl_askpass_ssh_is_old(void)
{
    const char *argv[] = {"ssh", "-V", NULL};
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    guint major = 0;
    guint minor = 0;
    const char *v;

    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, NULL,
                      NULL))
        return FALSE;
    v = err ? strstr(err, "OpenSSH_") : NULL;
    if (!v || sscanf(v, "OpenSSH_%u.%u", &major, &minor) != 2)
        return FALSE;
    return major < 8 || (major == 8 && minor < 4);
}

gboolean
vl_askpass_env_set(const char *lab, const char *domain, GError **error)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *self = g_file_read_link("/proc/self/exe", &err);

    if (!self) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                    "cannot find vmlab-virt's own path for SSH_ASKPASS: %s", err->message);
        return FALSE;
    }
    g_setenv("SSH_ASKPASS", self, TRUE);
    g_setenv("SSH_ASKPASS_REQUIRE", "force", TRUE);
    g_setenv(VL_ASKPASS_LAB_ENV, lab, TRUE);
    g_setenv(VL_ASKPASS_DOMAIN_ENV, domain, TRUE);
    /* OpenSSH before 8.4 asks SSH_ASKPASS only with a DISPLAY and no terminal */
    if (!g_getenv("DISPLAY") && vl_askpass_ssh_is_old())
        g_setenv("DISPLAY", ":0", TRUE);
    return TRUE;
}

gboolean
vl_askpass_wanted(int argc, char **argv)
{
    return argc == 2 && g_getenv(VL_ASKPASS_LAB_ENV) && g_getenv(VL_ASKPASS_DOMAIN_ENV) &&
           argv[1][0] != '-';
}

/* Return: (transfer full) (nullable): the spec lab @lab was brought up from. */
static VlSpec *
vl_askpass_spec(const char *lab, GError **error)
{
    g_autofree char *state_path = vl_lab_state_path(lab);
    g_autoptr(json_object) state = vl_json_load_file(state_path, error);
    g_autoptr(VlDiag) diag = vl_diag_new();
    json_object *dir = NULL;
    VlSpec *spec;

    if (!state)
        return NULL;
    if (!json_object_object_get_ex(state, "spec_dir", &dir) ||
        !json_object_is_type(dir, json_type_string)) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "%s: spec_dir: missing", state_path);
        return NULL;
    }
    spec = vl_spec_load(json_object_get_string(dir), diag);
    if (!spec) {
        vl_diag_to_error(diag, error);
        g_prefix_error(error, "the spec of lab '%s' no longer loads:\n", lab);
    }
    return spec;
}

int
vl_askpass_run(const char *prompt)
{
    const char *lab = g_getenv(VL_ASKPASS_LAB_ENV);
    const char *domain = g_getenv(VL_ASKPASS_DOMAIN_ENV);
    g_autoptr(GError) error = NULL;
    g_autoptr(VlSpec) spec = NULL;
    const VlVm *vm;

    /* a host key question or a key's passphrase is not the VM's password */
    if (!g_strrstr(prompt, "assword"))
        return 1;
    if (!lab || !domain || !(spec = vl_askpass_spec(lab, &error))) {
        fprintf(stderr, "vmlab-virt (askpass): %s\n",
                error ? error->message : "no lab named in the environment");
        return 1;
    }
    vm = vl_spec_find_vm(spec, domain);
    if (!vm || !vm->node->ssh_pass || !*vm->node->ssh_pass) {
        fprintf(stderr, "vmlab-virt (askpass): lab '%s' has no password for domain '%s'\n", lab,
                domain);
        return 1;
    }
    printf("%s\n", vm->node->ssh_pass);
    return fflush(stdout) == 0 ? 0 : 1;
}
