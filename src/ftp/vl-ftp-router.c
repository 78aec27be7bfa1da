/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-router.c - one router's login and the rules translating its virtual paths to backends */
#include "vl-ftp-router.h"

#include "vl-ftp-path.h"

#include <string.h>

VlFtpRule *
vl_ftp_rule_new(const char *path, const char *backend, const char *target, gboolean writable,
                gboolean create)
{
    VlFtpRule *rule = g_new0(VlFtpRule, 1);

    rule->path = g_strdup(path);
    rule->backend = g_strdup(backend);
    rule->target = g_strdup(target);
    rule->writable = writable;
    rule->create = create;
    return rule;
}

void
vl_ftp_rule_free(VlFtpRule *rule)
{
    if (!rule)
        return;
    g_free(rule->path);
    g_free(rule->backend);
    g_free(rule->target);
    g_free(rule);
}

VlFtpRouter *
vl_ftp_router_new(const char *name)
{
    VlFtpRouter *router = g_new0(VlFtpRouter, 1);

    router->name = g_strdup(name);
    router->rules = g_ptr_array_new_with_free_func((GDestroyNotify)vl_ftp_rule_free);
    return router;
}

void
vl_ftp_router_free(VlFtpRouter *router)
{
    if (!router)
        return;
    g_free(router->name);
    g_free(router->login);
    if (router->password)
        memset(router->password, 0, strlen(router->password));
    g_free(router->password);
    g_ptr_array_unref(router->rules);
    g_free(router);
}

const VlFtpRule *
vl_ftp_router_match(const VlFtpRouter *router, const char *vpath, const char **rel)
{
    const VlFtpRule *best = NULL;
    gsize best_len = 0;

    for (guint i = 0; i < router->rules->len; i++) {
        const VlFtpRule *rule = router->rules->pdata[i];
        gsize len = strlen(rule->path);
        if (vl_ftp_path_is_prefix(rule->path, vpath) && (!best || len > best_len)) {
            best = rule;
            best_len = len;
        }
    }
    if (best && rel)
        *rel = vl_ftp_path_below(best->path, vpath);
    return best;
}

GPtrArray *
vl_ftp_router_children(const VlFtpRouter *router, const char *vpath)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; i < router->rules->len; i++) {
        const VlFtpRule *rule = router->rules->pdata[i];
        const char *below;
        const char *slash;
        g_autofree char *name = NULL;
        gboolean dup = FALSE;

        if (strcmp(rule->path, vpath) == 0 || !vl_ftp_path_is_prefix(vpath, rule->path))
            continue;
        below = vl_ftp_path_below(vpath, rule->path);
        slash = strchr(below, '/');
        name = slash ? g_strndup(below, (gsize)(slash - below)) : g_strdup(below);
        for (guint j = 0; j < names->len && !dup; j++)
            dup = strcmp(names->pdata[j], name) == 0;
        if (!dup && *name)
            g_ptr_array_add(names, g_steal_pointer(&name));
    }
    return names;
}

gboolean
vl_ftp_router_check_password(const VlFtpRouter *router, const char *password)
{
    gsize a, b;
    guchar diff;

    if (!router->password)
        return TRUE;
    a = strlen(router->password);
    b = strlen(password);
    diff = a != b;
    for (gsize i = 0; i < b; i++)
        diff |= (guchar)(password[i] ^ router->password[i % (a ? a : 1)]);
    return diff == 0 && a == b;
}
