/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-ftp-vfs.c - the FTP virtual file system against tables of cases: resolution through a
 * router's rules, stat, write checks, merged listings; a local backend, no sockets */
#include "ftp-test-util.h"
#include "vl-ftp-vfs.h"

#include <glib/gstdio.h>
#include <string.h>

/*
 * The router of every case:
 *   /pub         -> DIR/pub, read-only (holds a.txt, sub/ and a file "cfg" hidden by the rule
 * below) /pub/cfg     -> DIR/cfg, writable /cfg         -> DIR/cfg, writable /deep/x      -> DIR/x,
 * read-only ("/deep" is synthetic) /config.cfg  -> DIR/c/config.cfg, writable (a file rule) /gone
 * -> backend "nope", which is not configured
 * "/" is synthetic: no rule covers it.
 */
typedef struct {
    char *dir;
    VlFtpConfig *config;
    VlFtpVfs *vfs;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
    static const char *const dirs[] = {"pub", "pub/sub", "cfg", "x", "c"};
    VlFtpRouter *router = vl_ftp_router_new("lab1/r1");
    VlFtpBackend *backend = g_new0(VlFtpBackend, 1);
    g_autofree char *pub = NULL, *cfg = NULL, *x = NULL, *c = NULL, *file = NULL;

    f->dir = vl_test_mkdtemp();
    for (gsize i = 0; i < G_N_ELEMENTS(dirs); i++) {
        g_autofree char *p = g_build_filename(f->dir, dirs[i], NULL);
        g_assert_cmpint(g_mkdir(p, 0755), ==, 0);
    }
    file = g_build_filename(f->dir, "pub", "a.txt", NULL);
    vl_test_write_file(file, "hello", -1, 0644);
    g_free(file);
    file = g_build_filename(f->dir, "pub", "cfg", NULL);
    vl_test_write_file(file, "hidden", -1, 0644);
    g_free(file);
    file = g_build_filename(f->dir, "c", "config.cfg", NULL);
    vl_test_write_file(file, "conf", -1, 0644);

    pub = g_build_filename(f->dir, "pub", NULL);
    cfg = g_build_filename(f->dir, "cfg", NULL);
    x = g_build_filename(f->dir, "x", NULL);
    c = g_build_filename(f->dir, "c", "config.cfg", NULL);
    f->config = vl_ftp_config_new();
    backend->name = g_strdup("local");
    backend->type = VL_FTP_BACKEND_LOCAL;
    g_hash_table_insert(f->config->backends, g_strdup("local"), backend);
    g_ptr_array_add(router->rules, vl_ftp_rule_new("/pub", "local", pub, FALSE, FALSE));
    g_ptr_array_add(router->rules, vl_ftp_rule_new("/pub/cfg", "local", cfg, TRUE, FALSE));
    g_ptr_array_add(router->rules, vl_ftp_rule_new("/cfg", "local", cfg, TRUE, FALSE));
    g_ptr_array_add(router->rules, vl_ftp_rule_new("/deep/x", "local", x, FALSE, FALSE));
    g_ptr_array_add(router->rules, vl_ftp_rule_new("/config.cfg", "local", c, TRUE, FALSE));
    g_ptr_array_add(router->rules, vl_ftp_rule_new("/gone", "nope", "/nowhere", FALSE, FALSE));
    g_ptr_array_add(f->config->routers, router);
    f->vfs = vl_ftp_vfs_new(f->config, router);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
    vl_ftp_vfs_free(f->vfs);
    vl_ftp_config_unref(f->config);
    vl_test_rmtree(f->dir);
    g_free(f->dir);
}

/* -1: no error expected */
#define OK -1

static void
test_resolve(Fixture *f, gconstpointer data)
{
    static const struct {
        const char *cwd, *arg;
        int code; /* G_IO_ERROR_* or OK */
        const char *vpath, *rule, *rel;
        gboolean synthetic;
    } cases[] = {
        {"/", "", OK, "/", NULL, NULL, TRUE},
        {"/", "pub", OK, "/pub", "/pub", "", TRUE},
        {"/pub", "a.txt", OK, "/pub/a.txt", "/pub", "a.txt", FALSE},
        {"/pub", "cfg/new", OK, "/pub/cfg/new", "/pub/cfg", "new", FALSE},
        {"/pub", "../cfg/x", OK, "/cfg/x", "/cfg", "x", FALSE},
        {"/pub/sub", "../../../../cfg", OK, "/cfg", "/cfg", "", FALSE},
        {"/", "/deep", OK, "/deep", NULL, NULL, TRUE},
        {"/deep", "./x/../x/f", OK, "/deep/x/f", "/deep/x", "f", FALSE},
        {"/", "config.cfg", OK, "/config.cfg", "/config.cfg", "", FALSE},
        {"/", "nothere", G_IO_ERROR_NOT_FOUND, NULL, NULL, NULL, FALSE},
        {"/", "/deep/y", G_IO_ERROR_NOT_FOUND, NULL, NULL, NULL, FALSE},
        {"/", "pub\\a.txt", G_IO_ERROR_INVALID_FILENAME, NULL, NULL, NULL, FALSE},
        {"/", "pub/\x01", G_IO_ERROR_INVALID_FILENAME, NULL, NULL, NULL, FALSE},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_auto(VlFtpTarget) t = {0};
        g_autoptr(GError) err = NULL;
        gboolean ok = vl_ftp_vfs_resolve(f->vfs, cases[i].cwd, cases[i].arg, &t, &err);

        g_test_message("resolve cwd '%s' arg '%s'", cases[i].cwd, cases[i].arg);
        if (cases[i].code != OK) {
            g_assert_false(ok);
            g_assert_error(err, G_IO_ERROR, cases[i].code);
            continue;
        }
        g_assert_no_error(err);
        g_assert_true(ok);
        g_assert_cmpstr(t.vpath, ==, cases[i].vpath);
        g_assert_cmpstr(t.rule ? t.rule->path : NULL, ==, cases[i].rule);
        if (cases[i].rule)
            g_assert_cmpstr(t.rel, ==, cases[i].rel);
        g_assert_cmpint(t.synthetic, ==, cases[i].synthetic);
    }
}

static void
test_stat(Fixture *f, gconstpointer data)
{
    static const struct {
        const char *path;
        int code;
        gboolean is_dir;
        guint64 size; /* files only */
        guint32 mode; /* 0: not checked */
    } cases[] = {
        {"/", OK, TRUE, 0, 0555},
        {"/deep", OK, TRUE, 0, 0555},
        {"/pub", OK, TRUE, 0, 0},
        {"/pub/a.txt", OK, FALSE, 5, 0},
        {"/pub/cfg", OK, TRUE, 0, 0}, /* the rule's folder, not the backend's file */
        {"/config.cfg", OK, FALSE, 4, 0},
        {"/pub/none", G_IO_ERROR_NOT_FOUND, FALSE, 0, 0},
        {"/gone", G_IO_ERROR_NOT_FOUND, FALSE, 0, 0}, /* its backend is not configured */
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_auto(VlFtpTarget) t = {0};
        g_autoptr(GError) err = NULL;
        VlFtpEntry st;

        g_test_message("stat '%s'", cases[i].path);
        g_assert_true(vl_ftp_vfs_resolve(f->vfs, "/", cases[i].path, &t, &err));
        if (cases[i].code != OK) {
            g_assert_false(vl_ftp_vfs_stat(f->vfs, &t, &st, &err));
            g_assert_error(err, G_IO_ERROR, cases[i].code);
            continue;
        }
        g_assert_true(vl_ftp_vfs_stat(f->vfs, &t, &st, &err));
        g_assert_no_error(err);
        g_assert_cmpint(st.is_dir, ==, cases[i].is_dir);
        if (!cases[i].is_dir)
            g_assert_cmpuint(st.size, ==, cases[i].size);
        if (cases[i].mode)
            g_assert_cmpuint(st.mode, ==, cases[i].mode);
    }
}

static void
test_writable(Fixture *f, gconstpointer data)
{
    static const struct {
        const char *path;
        gboolean allow_rule_root;
        const char *root; /* below DIR, NULL: refused */
        const char *rel;
        gboolean writable; /* vl_ftp_vfs_is_writable */
    } cases[] = {
        {"/pub/a.txt", TRUE, NULL, NULL, FALSE},
        {"/pub", TRUE, NULL, NULL, FALSE},
        {"/", TRUE, NULL, NULL, FALSE},
        {"/deep", TRUE, NULL, NULL, FALSE},
        {"/cfg/new", FALSE, "cfg", "new", TRUE},
        {"/cfg/a/b", FALSE, "cfg", "a/b", TRUE},
        {"/pub/cfg/new", FALSE, "cfg", "new", TRUE},
        {"/cfg", FALSE, NULL, NULL, TRUE}, /* a rule's own folder is not an entry */
        {"/cfg", TRUE, "", "cfg", TRUE},
        {"/config.cfg", TRUE, "c", "config.cfg", TRUE},
        {"/config.cfg", FALSE, NULL, NULL, TRUE},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_auto(VlFtpTarget) t = {0};
        g_autoptr(GError) err = NULL;
        g_autofree char *root = NULL, *rel = NULL;
        gboolean ok;

        g_test_message("writable '%s' (rule root %d)", cases[i].path, cases[i].allow_rule_root);
        g_assert_true(vl_ftp_vfs_resolve(f->vfs, "/", cases[i].path, &t, &err));
        ok = vl_ftp_vfs_writable_entry(&t, cases[i].allow_rule_root, &root, &rel, &err);
        g_assert_cmpint(vl_ftp_vfs_is_writable(f->vfs, cases[i].path), ==, cases[i].writable);
        if (!cases[i].root) {
            g_assert_false(ok);
            g_assert_error(err, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
            continue;
        }
        g_autofree char *want = g_build_filename(f->dir, cases[i].root, NULL);
        g_assert_true(ok);
        g_assert_cmpstr(root, ==, want);
        g_assert_cmpstr(rel, ==, cases[i].rel);
    }
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
    const VlFtpEntry *ea = *(VlFtpEntry *const *)a;
    const VlFtpEntry *eb = *(VlFtpEntry *const *)b;

    return strcmp(ea->name, eb->name);
}

static void
test_list(Fixture *f, gconstpointer data)
{
    static const struct {
        const char *path;
        gboolean dirs_only;
        int code;
        gboolean is_dir;
        const char *names; /* sorted, "/" after a folder's name */
    } cases[] = {
        {"/", TRUE, OK, TRUE, "cfg/ config.cfg deep/ pub/"}, /* "/gone" cannot be stat'ed */
        {"/pub", TRUE, OK, TRUE, "a.txt cfg/ sub/"},         /* the rule hides the file "cfg" */
        {"/deep", TRUE, OK, TRUE, "x/"},
        {"/deep/x", TRUE, OK, TRUE, ""},
        {"/pub/a.txt", FALSE, OK, FALSE, "a.txt"},
        {"/pub/a.txt", TRUE, G_IO_ERROR_NOT_DIRECTORY, FALSE, NULL},
        {"/pub/none", FALSE, G_IO_ERROR_NOT_FOUND, FALSE, NULL},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_auto(VlFtpTarget) t = {0};
        g_autoptr(GError) err = NULL;
        g_autoptr(GPtrArray) entries = NULL;
        g_autoptr(GString) names = g_string_new(NULL);
        gboolean is_dir = FALSE;

        g_test_message("list '%s'", cases[i].path);
        g_assert_true(vl_ftp_vfs_resolve(f->vfs, "/", cases[i].path, &t, &err));
        entries = vl_ftp_vfs_list(f->vfs, &t, cases[i].dirs_only, &is_dir, &err);
        if (cases[i].code != OK) {
            g_assert_null(entries);
            g_assert_error(err, G_IO_ERROR, cases[i].code);
            continue;
        }
        g_assert_no_error(err);
        g_assert_nonnull(entries);
        g_assert_cmpint(is_dir, ==, cases[i].is_dir);
        g_ptr_array_sort(entries, compare_names);
        for (guint j = 0; j < entries->len; j++) {
            const VlFtpEntry *e = entries->pdata[j];
            g_string_append_printf(names, "%s%s%s", j ? " " : "", e->name, e->is_dir ? "/" : "");
        }
        g_assert_cmpstr(names->str, ==, cases[i].names);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, func) g_test_add(path, Fixture, NULL, fixture_setup, func, fixture_teardown)
    ADD("/ftp/vfs/resolve", test_resolve);
    ADD("/ftp/vfs/stat", test_stat);
    ADD("/ftp/vfs/writable", test_writable);
    ADD("/ftp/vfs/list", test_list);
#undef ADD
    return g_test_run();
}
