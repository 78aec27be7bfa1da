/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-config.c - the FTP proxy's configuration: JSON file or single-router command line */
#include "vl-ftp-config.h"

#include "vl-error.h"
#include "vl-fs.h"
#include "vl-ftp-path.h"
#include "vl-ftp-sftp-pool.h"
#include "vl-json.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

VlFtpConfig *
vl_ftp_config_new(void)
{
    VlFtpConfig *config = g_new0(VlFtpConfig, 1);

    config->ref_count = 1;
    config->listen = g_strdup("127.0.0.1:21");
    config->idle_timeout = VL_FTP_DEFAULT_IDLE_TIMEOUT;
    config->data_timeout = VL_FTP_DEFAULT_DATA_TIMEOUT;
    config->login_timeout = VL_FTP_DEFAULT_LOGIN_TIMEOUT;
    config->pasv_window = VL_FTP_DEFAULT_PASV_WINDOW;
    config->max_sessions = VL_FTP_DEFAULT_MAX_SESSIONS;
    config->max_per_router = VL_FTP_DEFAULT_MAX_PER_ROUTER;
    config->max_login_fails = VL_FTP_DEFAULT_MAX_LOGIN_FAILS;
    config->backends =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)vl_ftp_backend_free);
    config->routers = g_ptr_array_new_with_free_func((GDestroyNotify)vl_ftp_router_free);
    return config;
}

VlFtpConfig *
vl_ftp_config_ref(VlFtpConfig *config)
{
    g_atomic_int_inc(&config->ref_count);
    return config;
}

void
vl_ftp_config_unref(VlFtpConfig *config)
{
    if (!config || !g_atomic_int_dec_and_test(&config->ref_count))
        return;
    g_free(config->listen);
    g_hash_table_unref(config->backends);
    g_ptr_array_unref(config->routers);
    g_free(config);
}

const VlFtpRouter *
vl_ftp_config_find_router(const VlFtpConfig *config, const char *login)
{
    for (guint i = 0; i < config->routers->len; i++) {
        const VlFtpRouter *router = config->routers->pdata[i];
        if (!router->login || strcmp(router->login, login) == 0)
            return router;
    }
    return NULL;
}

char *
vl_ftp_read_password_file(const char *path, GError **error)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;
    struct stat st;
    char *nl;

    if (stat(path, &st) < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "password file '%s': %s", path, g_strerror(e));
        return NULL;
    }
    if (st.st_mode & 077) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "password file '%s' is readable by others (mode %04o); run chmod 600 on it",
                    path, (unsigned)(st.st_mode & 07777));
        return NULL;
    }
    if (!g_file_get_contents(path, &text, NULL, &err)) {
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "password file '%s': %s", path, err->message);
        return NULL;
    }
    nl = strpbrk(text, "\r\n");
    if (nl)
        *nl = '\0';
    return g_steal_pointer(&text);
}

/* ---- JSON parsing ---- */

typedef struct {
    const char *file;
    char *base; /* folder of the file: relative paths are taken from it */
    gboolean inline_password;
} ParseCtx;

static gboolean G_GNUC_PRINTF(4, 5)
    parse_fail(ParseCtx *ctx, const char *path, GError **error, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "%s: %s: %s", ctx->file, *path ? path : "(top)",
                msg);
    return FALSE;
}

static gboolean
check_object(ParseCtx *ctx, json_object *obj, const char *path, const char *const *allowed,
             GError **error)
{
    if (!json_object_is_type(obj, json_type_object))
        return parse_fail(ctx, path, error, "expected an object, found %s", vl_json_type_name(obj));
    json_object_object_foreach(obj, key, val)
    {
        (void)val;
        if (!g_strv_contains(allowed, key)) {
            g_autofree char *p = vl_json_path_key(path, key);
            return parse_fail(ctx, p, error, "unknown member");
        }
    }
    return TRUE;
}

static gboolean
get_string(ParseCtx *ctx, json_object *obj, const char *path, const char *key, gboolean required,
           char **out, GError **error)
{
    json_object *val = NULL;
    g_autofree char *p = vl_json_path_key(path, key);

    if (!json_object_object_get_ex(obj, key, &val) || !val) {
        if (required)
            return parse_fail(ctx, p, error, "missing");
        return TRUE;
    }
    if (!json_object_is_type(val, json_type_string))
        return parse_fail(ctx, p, error, "expected a string, found %s", vl_json_type_name(val));
    if (json_object_get_string_len(val) == 0)
        return parse_fail(ctx, p, error, "must not be empty");
    g_free(*out);
    *out = g_strdup(json_object_get_string(val));
    return TRUE;
}

static gboolean
get_file(ParseCtx *ctx, json_object *obj, const char *path, const char *key, gboolean required,
         char **out, GError **error)
{
    g_autofree char *raw = NULL;

    if (!get_string(ctx, obj, path, key, required, &raw, error))
        return FALSE;
    if (raw) {
        g_free(*out);
        *out = vl_fs_expand_path(raw, ctx->base);
    }
    return TRUE;
}

static gboolean
get_uint(ParseCtx *ctx, json_object *obj, const char *path, const char *key, guint min, guint max,
         guint *out, GError **error)
{
    json_object *val = NULL;
    g_autofree char *p = vl_json_path_key(path, key);
    gint64 v;

    if (!json_object_object_get_ex(obj, key, &val) || !val)
        return TRUE;
    if (!json_object_is_type(val, json_type_int))
        return parse_fail(ctx, p, error, "expected an integer, found %s", vl_json_type_name(val));
    v = json_object_get_int64(val);
    if (v < min || v > max)
        return parse_fail(ctx, p, error, "%" G_GINT64_FORMAT " is out of range %u-%u", v, min, max);
    *out = (guint)v;
    return TRUE;
}

static gboolean
get_bool(ParseCtx *ctx, json_object *obj, const char *path, const char *key, gboolean *out,
         GError **error)
{
    json_object *val = NULL;
    g_autofree char *p = vl_json_path_key(path, key);

    if (!json_object_object_get_ex(obj, key, &val) || !val)
        return TRUE;
    if (!json_object_is_type(val, json_type_boolean))
        return parse_fail(ctx, p, error, "expected true or false, found %s",
                          vl_json_type_name(val));
    *out = json_object_get_boolean(val);
    return TRUE;
}

/* Reads "password" or "password_file" into *@out. Return: TRUE on success. */
static gboolean
get_password(ParseCtx *ctx, json_object *obj, const char *path, gboolean required, char **out,
             GError **error)
{
    g_autofree char *file = NULL;
    g_autoptr(GError) err = NULL;

    if (!get_string(ctx, obj, path, "password", FALSE, out, error) ||
        !get_file(ctx, obj, path, "password_file", FALSE, &file, error))
        return FALSE;
    if (*out && file)
        return parse_fail(ctx, path, error, "give either password or password_file, not both");
    if (*out)
        ctx->inline_password = TRUE;
    if (file) {
        *out = vl_ftp_read_password_file(file, &err);
        if (!*out) {
            g_autofree char *p = vl_json_path_key(path, "password_file");
            return parse_fail(ctx, p, error, "%s", err->message);
        }
    }
    if (required && !*out)
        return parse_fail(ctx, path, error, "missing password or password_file");
    return TRUE;
}

static gboolean
parse_backend(ParseCtx *ctx, VlFtpConfig *config, const char *name, json_object *obj,
              const char *path, GError **error)
{
    static const char *const allowed[] = {"type",
                                          "root",
                                          "host",
                                          "port",
                                          "user",
                                          "password",
                                          "password_file",
                                          "private_key",
                                          "public_key",
                                          "key_passphrase_file",
                                          "known_hosts",
                                          "timeout",
                                          "max_connections",
                                          NULL};
    g_autoptr(VlFtpBackend) backend = g_new0(VlFtpBackend, 1);
    g_autofree char *type = NULL;
    g_autofree char *pass_file = NULL;
    guint port = 22;

    if (!check_object(ctx, obj, path, allowed, error) ||
        !get_string(ctx, obj, path, "type", TRUE, &type, error))
        return FALSE;
    backend->name = g_strdup(name);
    backend->timeout = VL_FTP_DEFAULT_BACKEND_TIMEOUT;
    backend->max_connections = VL_FTP_SFTP_DEFAULT_MAX_CONNECTIONS;
    if (strcmp(type, "local") == 0) {
        backend->type = VL_FTP_BACKEND_LOCAL;
        if (!get_file(ctx, obj, path, "root", FALSE, &backend->root, error))
            return FALSE;
        if (json_object_object_length(obj) != (backend->root ? 2 : 1))
            return parse_fail(ctx, path, error,
                              "a local backend takes no other member than type and root");
    } else if (strcmp(type, "sftp") == 0) {
        backend->type = VL_FTP_BACKEND_SFTP;
        if (!get_string(ctx, obj, path, "host", TRUE, &backend->host, error) ||
            !get_uint(ctx, obj, path, "port", 1, 65535, &port, error) ||
            !get_string(ctx, obj, path, "user", TRUE, &backend->user, error) ||
            !get_password(ctx, obj, path, FALSE, &backend->password, error) ||
            !get_file(ctx, obj, path, "private_key", FALSE, &backend->private_key, error) ||
            !get_file(ctx, obj, path, "public_key", FALSE, &backend->public_key, error) ||
            !get_file(ctx, obj, path, "key_passphrase_file", FALSE, &pass_file, error) ||
            !get_file(ctx, obj, path, "known_hosts", TRUE, &backend->known_hosts, error) ||
            !get_uint(ctx, obj, path, "timeout", 1, 3600, &backend->timeout, error) ||
            !get_uint(ctx, obj, path, "max_connections", 1, 64, &backend->max_connections, error))
            return FALSE;
        backend->port = (guint16)port;
        if (!backend->password && !backend->private_key)
            return parse_fail(ctx, path, error, "needs private_key or password (or both)");
        if (pass_file) {
            g_autoptr(GError) err = NULL;
            backend->key_passphrase = vl_ftp_read_password_file(pass_file, &err);
            if (!backend->key_passphrase)
                return parse_fail(ctx, path, error, "%s", err->message);
        }
    } else {
        g_autofree char *p = vl_json_path_key(path, "type");
        return parse_fail(ctx, p, error, "'%s' is not a backend type (local, sftp)", type);
    }
    if (backend->type == VL_FTP_BACKEND_SFTP)
        backend->sftp_pool = vl_ftp_sftp_pool_new(backend);
    g_hash_table_insert(config->backends, g_strdup(name), g_steal_pointer(&backend));
    return TRUE;
}

/* Return: the backend name to use when a rule names none: the only backend, or NULL. */
static const char *
default_backend(VlFtpConfig *config)
{
    GHashTableIter it;
    gpointer key;

    if (g_hash_table_size(config->backends) != 1)
        return NULL;
    g_hash_table_iter_init(&it, config->backends);
    g_hash_table_iter_next(&it, &key, NULL);
    return key;
}

static gboolean
add_rule(ParseCtx *ctx, VlFtpConfig *config, VlFtpRouter *router, const char *path,
         const char *vpath, const char *backend, const char *target, gboolean writable,
         gboolean create, GError **error)
{
    g_autofree char *norm = NULL;
    g_autofree char *norm_target = NULL;
    g_autoptr(GError) err = NULL;

    if (!backend)
        return parse_fail(ctx, path, error, "backend is required when there are several");
    if (!g_hash_table_contains(config->backends, backend))
        return parse_fail(ctx, path, error, "backend '%s' is not defined", backend);
    if (vpath[0] != '/')
        return parse_fail(ctx, path, error, "path '%s' must start with /", vpath);
    if (target[0] != '/')
        return parse_fail(ctx, path, error, "target '%s' must be an absolute path", target);
    norm = vl_ftp_path_resolve("/", vpath, &err);
    if (!norm)
        return parse_fail(ctx, path, error, "path '%s': %s", vpath, err->message);
    norm_target = vl_ftp_path_resolve("/", target, &err);
    if (!norm_target)
        return parse_fail(ctx, path, error, "target '%s': %s", target, err->message);
    {
        const VlFtpBackend *b = g_hash_table_lookup(config->backends, backend);
        if (b->root) {
            char *under = vl_ftp_path_join(b->root, norm_target + 1);
            g_free(norm_target);
            norm_target = under;
        }
    }
    for (guint i = 0; i < router->rules->len; i++) {
        VlFtpRule *other = router->rules->pdata[i];
        if (strcmp(other->path, norm) == 0)
            return parse_fail(ctx, path, error, "a rule for '%s' exists already", norm);
    }
    g_ptr_array_add(router->rules, vl_ftp_rule_new(norm, backend, norm_target, writable, create));
    return TRUE;
}

static gboolean
parse_router(ParseCtx *ctx, VlFtpConfig *config, const char *name, json_object *obj,
             const char *path, GError **error)
{
    static const char *const allowed[] = {"login", "password", "password_file", "lab",
                                          "vsim",  "rules",    "config",        NULL};
    static const char *const rule_allowed[] = {"path",     "backend", "target",
                                               "writable", "create",  NULL};
    static const char *const cfg_allowed[] = {"path", "backend", "target", NULL};
    g_autoptr(VlFtpRouter) router = vl_ftp_router_new(name);
    g_autofree char *lab = NULL;
    g_autofree char *vsim = NULL;
    json_object *rules = NULL;
    json_object *cfg = NULL;

    if (!check_object(ctx, obj, path, allowed, error) ||
        !get_string(ctx, obj, path, "login", TRUE, &router->login, error) ||
        !get_password(ctx, obj, path, TRUE, &router->password, error) ||
        !get_string(ctx, obj, path, "lab", FALSE, &lab, error) ||
        !get_string(ctx, obj, path, "vsim", FALSE, &vsim, error))
        return FALSE;
    if (vl_ftp_config_find_router(config, router->login))
        return parse_fail(ctx, path, error, "login '%s' is used by another router", router->login);
    if (json_object_object_get_ex(obj, "rules", &rules)) {
        g_autofree char *rp = vl_json_path_key(path, "rules");
        if (!json_object_is_type(rules, json_type_array))
            return parse_fail(ctx, rp, error, "expected an array, found %s",
                              vl_json_type_name(rules));
        for (gsize i = 0; i < json_object_array_length(rules); i++) {
            json_object *r = json_object_array_get_idx(rules, i);
            g_autofree char *ip = vl_json_path_index(rp, i);
            g_autofree char *vpath = NULL;
            g_autofree char *backend = g_strdup(default_backend(config));
            g_autofree char *target = NULL;
            gboolean writable = FALSE, create = FALSE;

            if (!check_object(ctx, r, ip, rule_allowed, error) ||
                !get_string(ctx, r, ip, "path", TRUE, &vpath, error) ||
                !get_string(ctx, r, ip, "backend", FALSE, &backend, error) ||
                !get_string(ctx, r, ip, "target", TRUE, &target, error) ||
                !get_bool(ctx, r, ip, "writable", &writable, error) ||
                !get_bool(ctx, r, ip, "create", &create, error) ||
                !add_rule(ctx, config, router, ip, vpath, backend, target, writable, create, error))
                return FALSE;
        }
    }
    if (json_object_object_get_ex(obj, "config", &cfg)) {
        g_autofree char *cp = vl_json_path_key(path, "config");
        g_autofree char *vpath = g_strdup("/config");
        g_autofree char *backend = g_strdup(default_backend(config));
        g_autofree char *target = NULL;

        if (!check_object(ctx, cfg, cp, cfg_allowed, error) ||
            !get_string(ctx, cfg, cp, "path", FALSE, &vpath, error) ||
            !get_string(ctx, cfg, cp, "backend", FALSE, &backend, error) ||
            !get_string(ctx, cfg, cp, "target", FALSE, &target, error))
            return FALSE;
        if (!target) {
            if (!lab || !vsim)
                return parse_fail(ctx, cp, error,
                                  "target defaults to /data/cfgs/<lab>/<vsim>: set lab and vsim "
                                  "on the router or a target here");
            if (strchr(lab, '/') || strchr(vsim, '/') || !vl_ftp_name_is_valid(lab) ||
                !vl_ftp_name_is_valid(vsim))
                return parse_fail(ctx, path, error, "lab and vsim must be plain names");
            target = g_strdup_printf("/data/cfgs/%s/%s", lab, vsim);
        }
        if (!add_rule(ctx, config, router, cp, vpath, backend, target, TRUE, TRUE, error))
            return FALSE;
    }
    if (router->rules->len == 0)
        return parse_fail(ctx, path, error, "a router needs at least one rule or a config folder");
    g_ptr_array_add(config->routers, g_steal_pointer(&router));
    return TRUE;
}

static gboolean
parse_top(ParseCtx *ctx, VlFtpConfig *config, json_object *top, GError **error)
{
    static const char *const allowed[] = {"listen",   "passive_ports", "timeouts", "limits",
                                          "backends", "routers",       NULL};
    static const char *const pasv_allowed[] = {"min", "max", NULL};
    static const char *const to_allowed[] = {"idle", "data", "login", "passive", NULL};
    static const char *const lim_allowed[] = {"max_sessions", "max_sessions_per_router",
                                              "max_login_failures", NULL};
    json_object *o = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(GSocketAddress) addr = NULL;

    if (!check_object(ctx, top, "", allowed, error) ||
        !get_string(ctx, top, "", "listen", FALSE, &config->listen, error))
        return FALSE;
    addr = vl_ftp_parse_listen(config->listen, &err);
    if (!addr)
        return parse_fail(ctx, "listen", error, "%s", err->message);
    if (json_object_object_get_ex(top, "passive_ports", &o)) {
        guint lo = 0, hi = 0;
        if (!check_object(ctx, o, "passive_ports", pasv_allowed, error) ||
            !get_uint(ctx, o, "passive_ports", "min", 1024, 65535, &lo, error) ||
            !get_uint(ctx, o, "passive_ports", "max", 1024, 65535, &hi, error))
            return FALSE;
        if (!lo || !hi || lo > hi)
            return parse_fail(ctx, "passive_ports", error, "needs min <= max, both >= 1024");
        config->pasv_min = (guint16)lo;
        config->pasv_max = (guint16)hi;
    }
    if (json_object_object_get_ex(top, "timeouts", &o) &&
        (!check_object(ctx, o, "timeouts", to_allowed, error) ||
         !get_uint(ctx, o, "timeouts", "idle", 1, 86400, &config->idle_timeout, error) ||
         !get_uint(ctx, o, "timeouts", "data", 1, 86400, &config->data_timeout, error) ||
         !get_uint(ctx, o, "timeouts", "login", 1, 86400, &config->login_timeout, error) ||
         !get_uint(ctx, o, "timeouts", "passive", 1, 3600, &config->pasv_window, error)))
        return FALSE;
    if (json_object_object_get_ex(top, "limits", &o) &&
        (!check_object(ctx, o, "limits", lim_allowed, error) ||
         !get_uint(ctx, o, "limits", "max_sessions", 1, 100000, &config->max_sessions, error) ||
         !get_uint(ctx, o, "limits", "max_sessions_per_router", 1, 100000, &config->max_per_router,
                   error) ||
         !get_uint(ctx, o, "limits", "max_login_failures", 1, 1000, &config->max_login_fails,
                   error)))
        return FALSE;
    if (!json_object_object_get_ex(top, "backends", &o))
        return parse_fail(ctx, "backends", error, "missing");
    if (!json_object_is_type(o, json_type_object))
        return parse_fail(ctx, "backends", error, "expected an object");
    json_object_object_foreach(o, bname, bval)
    {
        g_autofree char *p = vl_json_path_key("backends", bname);
        if (!parse_backend(ctx, config, bname, bval, p, error))
            return FALSE;
    }
    if (!json_object_object_get_ex(top, "routers", &o))
        return parse_fail(ctx, "routers", error, "missing");
    if (!json_object_is_type(o, json_type_object))
        return parse_fail(ctx, "routers", error, "expected an object");
    json_object_object_foreach(o, rname, rval)
    {
        g_autofree char *p = vl_json_path_key("routers", rname);
        if (!parse_router(ctx, config, rname, rval, p, error))
            return FALSE;
    }
    return TRUE;
}

VlFtpConfig *
vl_ftp_config_load(const char *path, GError **error)
{
    g_autoptr(json_object) top = NULL;
    g_autoptr(VlFtpConfig) config = vl_ftp_config_new();
    g_autoptr(GError) err = NULL;
    g_autofree char *abs = vl_fs_expand_path(path, NULL);
    ParseCtx ctx = {.file = path};
    struct stat st;
    gboolean ok;

    top = vl_json_load_file(abs, &err);
    if (!top) {
        g_set_error(error, VL_ERROR, err->code, "%s: %s", path, err->message);
        return NULL;
    }
    ctx.base = g_path_get_dirname(abs);
    ok = parse_top(&ctx, config, top, error);
    g_free(ctx.base);
    if (!ok)
        return NULL;
    if (ctx.inline_password && stat(abs, &st) == 0 && (st.st_mode & 077)) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "%s: holds passwords but is readable by others (mode %04o); run chmod 600 "
                    "on it or use password_file",
                    path, (unsigned)(st.st_mode & 07777));
        return NULL;
    }
    return g_steal_pointer(&config);
}

VlFtpConfig *
vl_ftp_config_new_single(const char *listen, const char *root, const char *user,
                         const char *password_file, const char *const *writable, GError **error)
{
    g_autoptr(VlFtpConfig) config = vl_ftp_config_new();
    g_autoptr(VlFtpRouter) router = vl_ftp_router_new("default");
    g_autoptr(GSocketAddress) addr = NULL;
    g_autofree char *abs_root = vl_fs_expand_path(root, NULL);
    VlFtpBackend *backend;

    g_free(config->listen);
    config->listen = g_strdup(listen);
    addr = vl_ftp_parse_listen(listen, error);
    if (!addr)
        return NULL;
    if (!g_file_test(abs_root, G_FILE_TEST_IS_DIR)) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "--root '%s' is not a folder", root);
        return NULL;
    }
    if (password_file && !user) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE, "--password-file needs --user");
        return NULL;
    }
    if (user) {
        router->login = g_strdup(user);
        if (password_file) {
            router->password = vl_ftp_read_password_file(password_file, error);
            if (!router->password)
                return NULL;
        }
    }
    backend = g_new0(VlFtpBackend, 1);
    backend->name = g_strdup("local");
    backend->type = VL_FTP_BACKEND_LOCAL;
    g_hash_table_insert(config->backends, g_strdup("local"), backend);
    g_ptr_array_add(router->rules, vl_ftp_rule_new("/", "local", abs_root, FALSE, FALSE));
    for (guint i = 0; writable && writable[i]; i++) {
        g_autoptr(GError) err = NULL;
        g_autofree char *sub = vl_ftp_path_resolve("/", writable[i], &err);
        g_autofree char *target = NULL;

        if (!sub || strcmp(sub, "/") == 0 || strstr(writable[i], "..")) {
            g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                        "--writable '%s' must name a sub-folder of the root", writable[i]);
            return NULL;
        }
        target = vl_ftp_path_join(abs_root, sub + 1);
        g_ptr_array_add(router->rules, vl_ftp_rule_new(sub, "local", target, TRUE, TRUE));
    }
    /* One router: its session limit is the overall one. */
    config->max_per_router = config->max_sessions;
    g_ptr_array_add(config->routers, g_steal_pointer(&router));
    return g_steal_pointer(&config);
}
