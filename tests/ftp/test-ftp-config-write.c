/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-ftp-config-write.c - the proxy config writer: what it writes the loader reads, it keeps
 * what it does not own, a lab's entries go with the lab, a bad listen changes nothing */
#include "ftp-test-util.h"
#include "vl-error.h"
#include "vl-ftp-config-write.h"
#include "vl-ftp-config.h"
#include "vl-json.h"

#include <string.h>

typedef struct {
    char *dir;
    char *path; /* DIR/proxy.json */
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
    f->dir = vl_test_mkdtemp();
    f->path = g_build_filename(f->dir, "proxy.json", NULL);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
    vl_test_rmtree(f->dir);
    g_free(f->dir);
    g_free(f->path);
}

/* Adds router <lab>/pe1 on backend @backend, with a password file in DIR. */
static void
add_router(Fixture *f, VlFtpConfigFile *cfg, const char *lab, const char *backend)
{
    g_autofree char *key = vl_ftp_config_lab_key(lab, "pe1");
    g_autofree char *login = g_strdup_printf("login-%s", lab);
    g_autofree char *pw_name = g_strdup_printf("%s.password", lab);
    g_autofree char *pw = g_build_filename(f->dir, pw_name, NULL);
    g_autofree char *target = g_build_filename(f->dir, "images", NULL);
    const VlFtpConfigRule rules[] = {{"/sros", backend, target}};
    const VlFtpConfigRouter router = {
        .login = login,
        .password_file = pw,
        .lab = lab,
        .vsim = "pe1",
        .rules = rules,
        .n_rules = G_N_ELEMENTS(rules),
        .config_path = "/config",
        .config_backend = backend,
    };

    vl_test_write_file(pw, "secret\n", -1, 0600);
    vl_ftp_config_file_set_router(cfg, key, &router);
}

static void
test_round_trip(Fixture *f, gconstpointer data)
{
    g_autoptr(VlFtpConfigFile) cfg = NULL;
    g_autoptr(VlFtpConfig) loaded = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *files = g_build_filename(f->dir, "files", NULL);
    g_autofree char *text = NULL;
    g_autofree char *cfgs = NULL;
    const VlFtpRouter *r;

    /* a hand-written file: its own settings stay */
    vl_test_write_file(f->path, "{\"timeouts\": {\"idle\": 77}, \"limits\": {\"max_sessions\": 9}}",
                       -1, 0600);
    cfg = vl_ftp_config_file_load(f->path, &err);
    g_assert_no_error(err);
    g_assert_true(vl_ftp_config_file_set_listen(cfg, "127.0.0.1:2121", &err));
    g_assert_no_error(err);
    vl_ftp_config_file_set_local_backend(cfg, "local", files);
    add_router(f, cfg, "lab1", "local");
    g_assert_cmpuint(vl_ftp_config_file_n_routers(cfg), ==, 1);
    g_assert_true(vl_ftp_config_file_write(cfg, &err));
    g_assert_no_error(err);

    loaded = vl_ftp_config_load(f->path, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(loaded->listen, ==, "127.0.0.1:2121");
    g_assert_cmpuint(loaded->idle_timeout, ==, 77);
    g_assert_cmpuint(loaded->max_sessions, ==, 9);
    g_assert_nonnull(g_hash_table_lookup(loaded->backends, "local"));
    g_assert_cmpuint(loaded->routers->len, ==, 1);
    r = loaded->routers->pdata[0];
    g_assert_cmpstr(r->name, ==, "lab1/pe1");
    g_assert_cmpstr(r->login, ==, "login-lab1");
    g_assert_cmpstr(r->password, ==, "secret");
    /* /sros and the config folder, which defaults to /data/cfgs/<lab>/<vsim> (below the root) */
    cfgs = g_build_filename(files, "data", "cfgs", "lab1", "pe1", NULL);
    g_assert_cmpuint(r->rules->len, ==, 2);
    g_assert_cmpstr(((VlFtpRule *)r->rules->pdata[1])->path, ==, "/config");
    g_assert_cmpstr(((VlFtpRule *)r->rules->pdata[1])->target, ==, cfgs);
    g_assert_true(((VlFtpRule *)r->rules->pdata[1])->writable);
    text = vl_test_read_file(f->path, NULL);
    g_assert_nonnull(text);
    g_assert_null(strstr(text, "\\/")); /* paths are written as they are */
}

static void
test_remove_lab(Fixture *f, gconstpointer data)
{
    g_autoptr(VlFtpConfigFile) cfg = vl_ftp_config_file_load(f->path, NULL);
    g_autoptr(json_object) def = json_object_new_object();
    g_autofree char *a = vl_ftp_config_lab_key("laba", "files");
    g_autofree char *b = vl_ftp_config_lab_key("labb", "files");
    g_autofree char *ab = vl_ftp_config_lab_key("lab", "files"); /* a prefix of both labs' names */
    g_autoptr(GError) err = NULL;

    g_assert_nonnull(cfg);
    json_object_object_add(def, "type", json_object_new_string("local"));
    g_assert_true(vl_ftp_config_file_set_backend(cfg, a, def, &err));
    g_assert_true(vl_ftp_config_file_set_backend(cfg, b, def, &err));
    g_assert_true(vl_ftp_config_file_set_backend(cfg, ab, def, &err));
    g_assert_no_error(err);
    add_router(f, cfg, "laba", a);
    add_router(f, cfg, "labb", b);
    add_router(f, cfg, "lab", ab);
    g_assert_cmpuint(vl_ftp_config_file_remove_lab(cfg, "laba"), ==, 2);
    g_assert_false(vl_ftp_config_file_has_backend(cfg, a));
    g_assert_true(vl_ftp_config_file_has_backend(cfg, b));
    g_assert_true(vl_ftp_config_file_has_backend(cfg, ab));
    g_assert_cmpuint(vl_ftp_config_file_remove_lab(cfg, "lab"), ==, 1);
    g_assert_true(vl_ftp_config_file_has_backend(cfg, b));
    g_assert_false(vl_ftp_config_file_has_backend(cfg, ab));
    g_assert_cmpuint(vl_ftp_config_file_remove_lab(cfg, "labb"), ==, 0);
    g_assert_false(vl_ftp_config_file_has_backend(cfg, b));
}

static void
test_refusals(Fixture *f, gconstpointer data)
{
    static const char *const bad_listen[] = {"localhost:21", "127.0.0.1", "127.0.0.1:70000",
                                             "[::1:21", ":21"};
    g_autoptr(VlFtpConfigFile) cfg = vl_ftp_config_file_load(f->path, NULL);
    g_autoptr(json_object) str = json_object_new_string("x");
    g_autoptr(GError) err = NULL;

    g_assert_nonnull(cfg);
    for (gsize i = 0; i < G_N_ELEMENTS(bad_listen); i++) {
        g_test_message("listen '%s'", bad_listen[i]);
        g_assert_false(vl_ftp_config_file_set_listen(cfg, bad_listen[i], &err));
        g_assert_error(err, VL_ERROR, VL_ERROR_INVALID);
        g_assert_nonnull(strstr(err->message, bad_listen[i]));
        g_clear_error(&err);
    }
    g_assert_true(vl_ftp_config_file_set_listen(cfg, "[::1]:21", &err));
    g_assert_no_error(err);
    g_assert_false(vl_ftp_config_file_set_backend(cfg, "lab/x", str, &err));
    g_assert_error(err, VL_ERROR, VL_ERROR_INVALID);
    g_assert_false(vl_ftp_config_file_has_backend(cfg, "lab/x"));
    g_clear_error(&err);
    /* members of another type are not replaced */
    g_clear_pointer(&cfg, vl_ftp_config_file_free);
    vl_test_write_file(f->path, "{\"backends\": [], \"routers\": {}}", -1, 0600);
    g_assert_null(vl_ftp_config_file_load(f->path, &err));
    g_assert_error(err, VL_ERROR, VL_ERROR_INVALID);
    g_assert_nonnull(strstr(err->message, "backends: is an array, not an object"));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, func) g_test_add(path, Fixture, NULL, fixture_setup, func, fixture_teardown)
    ADD("/ftp/config-write/round-trip-keeps-unknown", test_round_trip);
    ADD("/ftp/config-write/remove-lab-by-key", test_remove_lab);
    ADD("/ftp/config-write/refusals", test_refusals);
#undef ADD
    return g_test_run();
}
