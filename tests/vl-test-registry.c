/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-test-registry.c - a throw-away container registry (Debian's docker-registry) on loopback */
#include "vl-test-registry.h"

#include "vl-test-util.h"

#include <string.h>

static gboolean
registry_answers(guint16 port)
{
    g_autoptr(GSocketClient) c = g_socket_client_new();
    g_autoptr(GSocketConnection) conn = NULL;

    g_socket_client_set_timeout(c, 1);
    conn = g_socket_client_connect_to_host(c, "127.0.0.1", port, NULL, NULL);
    return conn != NULL;
}

/* Starts the registry process of @reg (config written anew) and waits until it answers. */
static void
registry_spawn(VlTestRegistry *reg)
{
    g_autofree char *data = g_build_filename(reg->dir, "data", NULL);
    g_autofree char *config_path = g_build_filename(reg->dir, "config.yml", NULL);
    g_autofree char *log_path = g_build_filename(reg->dir, "log", NULL);
    g_autoptr(GString) config = g_string_new(NULL);
    g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
    g_autoptr(GError) err = NULL;

    g_string_append_printf(config,
                           "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n"
                           "    rootdirectory: %s\n  delete:\n    enabled: true\n"
                           "http:\n  addr: %s\n  secret: vmlab-test\n",
                           data, reg->addr);
    if (reg->htpasswd)
        g_string_append_printf(config, "auth:\n  htpasswd:\n    realm: vmlab\n    path: %s\n",
                               reg->htpasswd);
    g_assert_true(g_file_set_contents(config_path, config->str, -1, NULL));
    g_subprocess_launcher_set_stdout_file_path(l, log_path);
    g_subprocess_launcher_set_stderr_file_path(l, log_path);
    reg->proc = g_subprocess_launcher_spawn(l, &err, "docker-registry", "serve", config_path, NULL);
    g_assert_no_error(err);
    for (guint i = 0; i < 100 && !registry_answers(reg->port); i++)
        g_usleep(100 * 1000);
    if (!registry_answers(reg->port)) {
        g_autofree char *log = NULL;
        g_file_get_contents(log_path, &log, NULL, NULL);
        g_printerr("docker-registry did not answer on %s; its log:\n%s\n", reg->addr,
                   log ? log : "");
    }
    g_assert_true(registry_answers(reg->port));
}

VlTestRegistry *
vl_test_registry_start(const char *htpasswd)
{
    VlTestRegistry *reg = g_new0(VlTestRegistry, 1);

    reg->dir = vl_test_mkdtemp();
    reg->port = vl_test_free_port();
    reg->addr = g_strdup_printf("127.0.0.1:%u", reg->port);
    reg->htpasswd = g_strdup(htpasswd);
    registry_spawn(reg);
    return reg;
}

void
vl_test_registry_kill(VlTestRegistry *reg)
{
    if (!reg->proc)
        return;
    g_subprocess_force_exit(reg->proc);
    g_subprocess_wait(reg->proc, NULL, NULL);
    g_clear_object(&reg->proc);
}

void
vl_test_registry_resume(VlTestRegistry *reg)
{
    if (!reg->proc)
        registry_spawn(reg);
}

void
vl_test_registry_stop(VlTestRegistry *reg)
{
    if (!reg)
        return;
    vl_test_registry_kill(reg);
    vl_test_rmtree(reg->dir);
    g_free(reg->htpasswd);
    g_free(reg->dir);
    g_free(reg->addr);
    g_free(reg);
}

char *
vl_test_registry_push(VlTestRegistry *reg, const char *file, const char *repo_tag)
{
    g_autofree char *ref = g_strdup_printf("oci://%s/%s", reg->addr, repo_tag);
    const char *argv[] = {"image", "push", file, ref, "--insecure-registry", reg->addr, NULL};
    g_autofree char *out = NULL;

    vl_test_run_expect(300, argv, 0, &out);
    g_assert_nonnull(strstr(out, "pushed"));
    return g_steal_pointer(&ref);
}
