/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* e2e-remote.c - a second libvirt host for the multi-host tests: another user's session over ssh */
#include "e2e-remote.h"

#include "e2e-util.h"

#include "vl-test-util.h"

#include <string.h>

E2eRemote *
e2e_remote_start(guint16 port)
{
    E2eRemote *r = g_new0(E2eRemote, 1);
    g_autofree char *script = vl_test_srcpath("e2e/remote-host.sh");
    g_autofree char *port_s = g_strdup_printf("%u", port);
    g_autofree char *out = NULL;
    g_autofree char *check = NULL;
    g_autofree char *err = NULL;
    const char *argv[] = {"timeout", "60",   "bash",          script, "start",
                          NULL,      port_s, E2E_REMOTE_USER, NULL};
    int status = -1;

    r->dir = vl_test_mkdtemp();
    argv[5] = r->dir;
    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                      &status, NULL) ||
        !g_spawn_check_wait_status(status, NULL)) {
        vl_test_print_failure(argv, status, out, err);
        g_assert_not_reached();
    }
    r->uri = g_strdup(g_strstrip(out));
    check = e2e_virsh_on(r->uri, "uri");
    g_assert_nonnull(check);
    g_assert_nonnull(strstr(check, "/session"));
    return r;
}

void
e2e_remote_stop(E2eRemote *r)
{
    g_autofree char *script = vl_test_srcpath("e2e/remote-host.sh");
    const char *argv[] = {"timeout", "60", "bash", script, "stop", NULL, E2E_REMOTE_USER, NULL};

    if (!r)
        return;
    argv[5] = r->dir;
    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                 NULL);
    vl_test_rmtree(r->dir);
    g_free(r->dir);
    g_free(r->uri);
    g_free(r);
}

static void
e2e_remote_pool_drop(const char *uri, const char *pool)
{
    g_autofree char *vols_cmd = g_strdup_printf("vol-list %s", pool);
    g_autofree char *vols = e2e_virsh_on(uri, vols_cmd);
    g_auto(GStrv) lines = g_strsplit(vols ? vols : "", "\n", -1);

    for (guint i = 0; lines[i]; i++) {
        g_auto(GStrv) f = g_strsplit_set(g_strstrip(lines[i]), " ", 2);
        g_autofree char *del = NULL;
        g_autofree char *o = NULL;

        if (!f[0] || !f[0][0])
            continue;
        del = g_strdup_printf("vol-delete --pool %s %s", pool, f[0]);
        o = e2e_virsh_on(uri, del);
    }
    {
        g_autofree char *a = g_strdup_printf("pool-destroy %s", pool);
        g_autofree char *b = g_strdup_printf("pool-delete %s", pool);
        g_autofree char *c = g_strdup_printf("pool-undefine %s", pool);
        g_free(e2e_virsh_on(uri, a));
        g_free(e2e_virsh_on(uri, b));
        g_free(e2e_virsh_on(uri, c));
    }
}

void
e2e_remote_purge(const char *uri, const char *lab, const char *prefix, gboolean images)
{
    g_autofree char *pool = g_strdup_printf("vmlab-%s", lab);

    e2e_purge_domains(uri, prefix);
    e2e_remote_pool_drop(uri, pool);
    if (images)
        e2e_remote_pool_drop(uri, "vmlab-images");
}
