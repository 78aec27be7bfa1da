/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-config-write.c - editing the FTP proxy's config file: typed routers, rules, backends */
#include "vl-ftp-config-write.h"

#include "vl-error.h"
#include "vl-ftp-listen.h"
#include "vl-json.h"

/* The members of the config file (docs/ftp-proxy.md), as vl-ftp-config.c parses them. */
#define KEY_LISTEN        "listen"
#define KEY_BACKENDS      "backends"
#define KEY_ROUTERS       "routers"
#define KEY_TYPE          "type"
#define KEY_ROOT          "root"
#define KEY_LOGIN         "login"
#define KEY_PASSWORD_FILE "password_file"
#define KEY_LAB           "lab"
#define KEY_VSIM          "vsim"
#define KEY_RULES         "rules"
#define KEY_CONFIG        "config"
#define KEY_PATH          "path"
#define KEY_BACKEND       "backend"
#define KEY_TARGET        "target"

#define DEFAULT_LISTEN "127.0.0.1:21"

struct _VlFtpConfigFile {
    char *path;
    json_object *top;
    json_object *backends; /* (transfer none): members of top */
    json_object *routers;
};

char *
vl_ftp_config_lab_key(const char *lab, const char *name)
{
    return g_strdup_printf("%s/%s", lab, name);
}

void
vl_ftp_config_file_free(VlFtpConfigFile *file)
{
    if (!file)
        return;
    g_free(file->path);
    json_object_put(file->top);
    g_free(file);
}

/* Return: (transfer none): member @key of @file's top object, added empty if missing. */
static json_object *
config_file_member(VlFtpConfigFile *file, const char *key, GError **error)
{
    json_object *v = NULL;

    if (!json_object_object_get_ex(file->top, key, &v)) {
        v = json_object_new_object();
        json_object_object_add(file->top, key, v);
    } else if (!json_object_is_type(v, json_type_object)) {
        /* not ours to replace */
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "%s: %s: is %s, not an object", file->path,
                    key, vl_json_type_name(v));
        return NULL;
    }
    return v;
}

VlFtpConfigFile *
vl_ftp_config_file_load(const char *path, GError **error)
{
    g_autoptr(VlFtpConfigFile) file = g_new0(VlFtpConfigFile, 1);

    file->path = g_strdup(path);
    if (g_file_test(path, G_FILE_TEST_EXISTS)) {
        file->top = vl_json_load_file(path, error);
        if (!file->top) {
            g_prefix_error(error, "%s: ", path);
            return NULL;
        }
        if (!json_object_is_type(file->top, json_type_object)) {
            g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "%s: is %s, not an object", path,
                        vl_json_type_name(file->top));
            return NULL;
        }
    } else {
        file->top = json_object_new_object();
        json_object_object_add(file->top, KEY_LISTEN, json_object_new_string(DEFAULT_LISTEN));
    }
    file->backends = config_file_member(file, KEY_BACKENDS, error);
    if (!file->backends)
        return NULL;
    file->routers = config_file_member(file, KEY_ROUTERS, error);
    if (!file->routers)
        return NULL;
    return g_steal_pointer(&file);
}

gboolean
vl_ftp_config_file_set_listen(VlFtpConfigFile *file, const char *listen, GError **error)
{
    if (!vl_ftp_listen_check(listen, error))
        return FALSE;
    json_object_object_add(file->top, KEY_LISTEN, json_object_new_string(listen));
    return TRUE;
}

gboolean
vl_ftp_config_file_has_backend(VlFtpConfigFile *file, const char *name)
{
    return json_object_object_get_ex(file->backends, name, NULL);
}

void
vl_ftp_config_file_set_local_backend(VlFtpConfigFile *file, const char *name, const char *root)
{
    json_object *local = json_object_new_object();

    json_object_object_add(local, KEY_TYPE, json_object_new_string("local"));
    json_object_object_add(local, KEY_ROOT, json_object_new_string(root));
    json_object_object_add(file->backends, name, local);
}

gboolean
vl_ftp_config_file_set_backend(VlFtpConfigFile *file, const char *name, json_object *definition,
                               GError **error)
{
    if (!json_object_is_type(definition, json_type_object)) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "backend '%s': is %s, not an object", name,
                    vl_json_type_name(definition));
        return FALSE;
    }
    json_object_object_add(file->backends, name, json_object_get(definition));
    return TRUE;
}

/* Return: (transfer full): a rule object. */
static json_object *
config_rule_new(const char *path, const char *backend, const char *target)
{
    json_object *r = json_object_new_object();

    json_object_object_add(r, KEY_PATH, json_object_new_string(path));
    json_object_object_add(r, KEY_BACKEND, json_object_new_string(backend));
    if (target)
        json_object_object_add(r, KEY_TARGET, json_object_new_string(target));
    return r;
}

void
vl_ftp_config_file_set_router(VlFtpConfigFile *file, const char *name,
                              const VlFtpConfigRouter *router)
{
    json_object *r = json_object_new_object();
    json_object *rules = json_object_new_array();

    json_object_object_add(r, KEY_LOGIN, json_object_new_string(router->login));
    json_object_object_add(r, KEY_PASSWORD_FILE, json_object_new_string(router->password_file));
    if (router->lab)
        json_object_object_add(r, KEY_LAB, json_object_new_string(router->lab));
    if (router->vsim)
        json_object_object_add(r, KEY_VSIM, json_object_new_string(router->vsim));
    for (guint i = 0; i < router->n_rules; i++) {
        const VlFtpConfigRule *rule = &router->rules[i];
        json_object_array_add(rules, config_rule_new(rule->path, rule->backend, rule->target));
    }
    json_object_object_add(r, KEY_RULES, rules);
    if (router->config_path)
        json_object_object_add(r, KEY_CONFIG,
                               config_rule_new(router->config_path, router->config_backend, NULL));
    json_object_object_add(file->routers, name, r);
}

/* Removes the members of @obj whose key starts with @prefix. */
static void
config_drop_prefixed(json_object *obj, const char *prefix)
{
    g_autoptr(GPtrArray) drop = g_ptr_array_new_with_free_func(g_free);

    json_object_object_foreach(obj, key, val)
    {
        (void)val;
        if (g_str_has_prefix(key, prefix))
            g_ptr_array_add(drop, g_strdup(key));
    }
    for (guint i = 0; i < drop->len; i++)
        json_object_object_del(obj, g_ptr_array_index(drop, i));
}

guint
vl_ftp_config_file_remove_lab(VlFtpConfigFile *file, const char *lab)
{
    g_autofree char *prefix = vl_ftp_config_lab_key(lab, "");

    config_drop_prefixed(file->routers, prefix);
    config_drop_prefixed(file->backends, prefix);
    return vl_ftp_config_file_n_routers(file);
}

guint
vl_ftp_config_file_n_routers(VlFtpConfigFile *file)
{
    return (guint)json_object_object_length(file->routers);
}

gboolean
vl_ftp_config_file_write(VlFtpConfigFile *file, GError **error)
{
    return vl_json_write_file(file->path, file->top, 0600, error);
}
