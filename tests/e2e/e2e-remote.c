/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* e2e-remote.c - a second libvirt host for the multi-host tests: another user's session over ssh */
#include "e2e-remote.h"

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
    check = e2e_remote_virsh(r->uri, "uri");
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

char *
e2e_remote_virsh(const char *uri, const char *args)
{
    g_auto(GStrv) words = g_strsplit(args, " ", -1);
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    char *out = NULL;

    g_ptr_array_add(argv, "timeout");
    g_ptr_array_add(argv, "60");
    g_ptr_array_add(argv, "virsh");
    g_ptr_array_add(argv, "-q");
    g_ptr_array_add(argv, "-c");
    g_ptr_array_add(argv, (char *)uri);
    for (guint i = 0; words[i]; i++)
        g_ptr_array_add(argv, words[i]);
    g_ptr_array_add(argv, NULL);
    if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL,
                      NULL, NULL))
        return NULL;
    return out;
}

static void
e2e_remote_pool_drop(const char *uri, const char *pool)
{
    g_autofree char *vols_cmd = g_strdup_printf("vol-list %s", pool);
    g_autofree char *vols = e2e_remote_virsh(uri, vols_cmd);
    g_auto(GStrv) lines = g_strsplit(vols ? vols : "", "\n", -1);

    for (guint i = 0; lines[i]; i++) {
        g_auto(GStrv) f = g_strsplit_set(g_strstrip(lines[i]), " ", 2);
        g_autofree char *del = NULL;
        g_autofree char *o = NULL;

        if (!f[0] || !f[0][0])
            continue;
        del = g_strdup_printf("vol-delete --pool %s %s", pool, f[0]);
        o = e2e_remote_virsh(uri, del);
    }
    {
        g_autofree char *a = g_strdup_printf("pool-destroy %s", pool);
        g_autofree char *b = g_strdup_printf("pool-delete %s", pool);
        g_autofree char *c = g_strdup_printf("pool-undefine %s", pool);
        g_free(e2e_remote_virsh(uri, a));
        g_free(e2e_remote_virsh(uri, b));
        g_free(e2e_remote_virsh(uri, c));
    }
}

void
e2e_remote_purge(const char *uri, const char *lab, const char *prefix, gboolean images)
{
    g_autofree char *names = e2e_remote_virsh(uri, "list --all --name");
    g_auto(GStrv) lines = g_strsplit(names ? names : "", "\n", -1);
    g_autofree char *pool = g_strdup_printf("vmlab-%s", lab);

    for (guint i = 0; lines[i]; i++) {
        g_autofree char *destroy = NULL;
        g_autofree char *undefine = NULL;

        if (!g_str_has_prefix(g_strstrip(lines[i]), prefix))
            continue;
        destroy = g_strdup_printf("destroy %s", lines[i]);
        undefine = g_strdup_printf("undefine %s", lines[i]);
        g_free(e2e_remote_virsh(uri, destroy));
        g_free(e2e_remote_virsh(uri, undefine));
    }
    e2e_remote_pool_drop(uri, pool);
    if (images)
        e2e_remote_pool_drop(uri, "vmlab-images");
}
