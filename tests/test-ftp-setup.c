/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-ftp-setup.c - labs' side of the shared FTP proxy: proxy.json under one lock, one proxy,
 * hand-written configs, a daemon that cannot start */
#include "vl-error.h"
#include "vl-fs.h"
#include "vl-ftp-config.h"
#include "vl-ftp-setup.h"
#include "vl-json.h"
#include "vl-test-util.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

typedef struct {
    char *home;  /* VMLAB_HOME */
    char *specs; /* one spec folder per lab below it */
} Fixture;

/* Return: (transfer full): the PIDs of the running proxies that serve @config. */
static GArray *
proxies_of(const char *config)
{
    GArray *pids = g_array_new(FALSE, FALSE, sizeof(int));
    g_autoptr(GDir) d = g_dir_open("/proc", 0, NULL);
    const char *ent;

    while (d && (ent = g_dir_read_name(d))) {
        g_autofree char *path = NULL;
        g_autofree char *cmd = NULL;
        gsize len = 0;
        gboolean daemon = FALSE, ours = FALSE;
        int pid = atoi(ent);

        if (pid <= 0)
            continue;
        path = g_strdup_printf("/proc/%s/cmdline", ent);
        if (!g_file_get_contents(path, &cmd, &len, NULL))
            continue;
        for (gsize off = 0; off < len; off += strlen(cmd + off) + 1) {
            daemon |= g_str_equal(cmd + off, "ftp-proxy");
            ours |= g_str_equal(cmd + off, config);
        }
        if (daemon && ours)
            g_array_append_val(pids, pid);
    }
    return pids;
}

static char *
proxy_config_path(Fixture *f)
{
    return g_build_filename(f->home, "ftp", "proxy.json", NULL);
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
    f->home = vl_test_mkdtemp();
    f->specs = vl_test_mkdtemp();
    g_setenv("VMLAB_HOME", f->home, TRUE);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
    g_autofree char *config = proxy_config_path(f);
    g_autoptr(GArray) pids = proxies_of(config);

    /* Pass or fail, no proxy of this test outlives it. */
    for (guint i = 0; i < pids->len; i++)
        kill(g_array_index(pids, int, i), SIGKILL);
    vl_test_rmtree(f->home);
    vl_test_rmtree(f->specs);
    g_free(f->home);
    g_free(f->specs);
}

/*
 * Return: (transfer full): lab @lab with one SR OS router pe1 (its images need not exist);
 * @ftp_extra: (nullable): more members of vmlab.ftp, e.g. "\"backends\": {...}".
 */
static VlSpec *
sros_lab_with(Fixture *f, const char *lab, const char *ftp_extra)
{
    g_autofree char *dir = g_build_filename(f->specs, lab, NULL);
    g_autofree char *topo = g_strdup_printf(
        "{\"name\": \"%s\", \"devices\": {\"pe1\": {\"interfaces\": {\"1/1/1\": {}}}},"
        " \"vmlab\": {\"ftp\": {\"listen\": \"127.0.0.1:0\"%s%s}}}",
        lab, ftp_extra ? ", " : "", ftp_extra ? ftp_extra : "");
    g_autoptr(VlDiag) diag = vl_diag_new();
    g_autoptr(GError) err = NULL;
    VlSpec *spec;

    vl_test_write(dir, "topology.json", topo);
    vl_test_write(dir, "platforms.json",
                  "{\"platforms\": {\"sros\": {\"sros\": {\"cpm_image\": \"cpm.img\", "
                  "\"iom_image\": \"iom.qcow2\"}}}}");
    vl_test_write(dir, "profiles/pe1.json",
                  "{\"platform\": \"sros\", \"vm_type\": \"vsim\", \"vm_id\": 1, "
                  "\"cards\": [\"a\", 1]}");
    spec = vl_spec_load(dir, diag);
    vl_diag_to_error(diag, &err);
    g_assert_no_error(err);
    return spec;
}

static VlSpec *
sros_lab(Fixture *f, const char *lab)
{
    return sros_lab_with(f, lab, NULL);
}

/* Return: (transfer full): proxy.json as it is now. */
static json_object *
load_config(Fixture *f)
{
    g_autofree char *path = proxy_config_path(f);
    g_autoptr(GError) err = NULL;
    json_object *cfg = vl_json_load_file(path, &err);

    g_assert_no_error(err);
    return cfg;
}

static gboolean
has_router(json_object *cfg, const char *key)
{
    json_object *routers = NULL;

    return json_object_object_get_ex(cfg, "routers", &routers) &&
           json_object_object_get_ex(routers, key, NULL);
}

/* Return: (transfer none) (nullable): member @key of member @section of @cfg. */
static json_object *
config_entry(json_object *cfg, const char *section, const char *key)
{
    json_object *s = NULL;
    json_object *v = NULL;

    if (!json_object_object_get_ex(cfg, section, &s) || !json_object_object_get_ex(s, key, &v))
        return NULL;
    return v;
}

/* Return: the backend of rule @i of router @key. */
static const char *
rule_backend(json_object *cfg, const char *key, gsize i)
{
    json_object *rules = NULL;
    json_object *b = NULL;

    g_assert_true(json_object_object_get_ex(config_entry(cfg, "routers", key), "rules", &rules));
    g_assert_true(json_object_object_get_ex(json_object_array_get_idx(rules, i), "backend", &b));
    return json_object_get_string(b);
}

/* The proxy's own loader accepts what the labs wrote. Return: its router count. */
static guint
proxy_loads(Fixture *f)
{
    g_autofree char *path = proxy_config_path(f);
    g_autoptr(GError) err = NULL;
    g_autoptr(VlFtpConfig) config = vl_ftp_config_load(path, &err);

    g_assert_no_error(err);
    return config->routers->len;
}

/*
 * Two labs name a backend "files" of their own: each is kept under "<lab>/files", the lab's rules
 * use it, and `down` of one lab removes its routers and backends only.
 */
static void
test_lab_backends(Fixture *f, gconstpointer data)
{
    g_autofree char *root_a = g_build_filename(f->specs, "files-a", NULL);
    g_autofree char *root_b = g_build_filename(f->specs, "files-b", NULL);
    g_autofree char *extra_a = g_strdup_printf("\"backend\": \"files\", \"backends\": {\"files\": "
                                               "{\"type\": \"local\", \"root\": \"%s\"}}",
                                               root_a);
    g_autofree char *extra_b = g_strdup_printf("\"backend\": \"files\", \"backends\": {\"files\": "
                                               "{\"type\": \"local\", \"root\": \"%s\"}}",
                                               root_b);
    g_autoptr(VlSpec) a = NULL;
    g_autoptr(VlSpec) b = NULL;
    g_autoptr(VlSpec) c = NULL;
    g_autoptr(json_object) cfg = NULL;
    g_autoptr(GError) err = NULL;
    json_object *v = NULL;

    g_assert_cmpint(g_mkdir_with_parents(root_a, 0755), ==, 0);
    g_assert_cmpint(g_mkdir_with_parents(root_b, 0755), ==, 0);
    a = sros_lab_with(f, "laba", extra_a);
    b = sros_lab_with(f, "labb", extra_b);
    c = sros_lab(f, "labc"); /* the default backend */
    g_assert_true(vl_ftp_proxy_update(a, &err));
    g_assert_no_error(err);
    g_assert_true(vl_ftp_proxy_update(b, &err));
    g_assert_no_error(err);
    g_assert_true(vl_ftp_proxy_update(c, &err));
    g_assert_no_error(err);
    cfg = load_config(f);
    g_assert_null(config_entry(cfg, "backends", "files")); /* no shared namespace */
    g_assert_true(
        json_object_object_get_ex(config_entry(cfg, "backends", "laba/files"), "root", &v));
    g_assert_cmpstr(json_object_get_string(v), ==, root_a);
    g_assert_true(
        json_object_object_get_ex(config_entry(cfg, "backends", "labb/files"), "root", &v));
    g_assert_cmpstr(json_object_get_string(v), ==, root_b);
    g_assert_nonnull(config_entry(cfg, "backends", "local"));
    for (gsize i = 0; i < 3; i++) {
        g_assert_cmpstr(rule_backend(cfg, "laba/pe1", i), ==, "laba/files");
        g_assert_cmpstr(rule_backend(cfg, "labb/pe1", i), ==, "labb/files");
        g_assert_cmpstr(rule_backend(cfg, "labc/pe1", i), ==, "local");
    }
    g_assert_cmpuint(proxy_loads(f), ==, 3);

    /* down of laba: its router and backend go, the others stay */
    g_assert_true(vl_ftp_proxy_remove_lab("laba", &err));
    g_assert_no_error(err);
    g_clear_pointer(&cfg, json_object_put);
    cfg = load_config(f);
    g_assert_false(has_router(cfg, "laba/pe1"));
    g_assert_null(config_entry(cfg, "backends", "laba/files"));
    g_assert_true(has_router(cfg, "labb/pe1"));
    g_assert_nonnull(config_entry(cfg, "backends", "labb/files"));
    g_assert_nonnull(config_entry(cfg, "backends", "local"));
    g_assert_cmpuint(proxy_loads(f), ==, 2);

    /* up again after a change of mind: the lab's backends are replaced, not merged */
    g_clear_pointer(&b, vl_spec_free);
    b = sros_lab(f, "labb");
    g_assert_true(vl_ftp_proxy_update(b, &err));
    g_assert_no_error(err);
    g_clear_pointer(&cfg, json_object_put);
    cfg = load_config(f);
    g_assert_null(config_entry(cfg, "backends", "labb/files"));
    g_assert_cmpstr(rule_backend(cfg, "labb/pe1", 0), ==, "local");
    g_assert_true(vl_ftp_proxy_remove_lab("labb", &err));
    g_assert_no_error(err);
    g_assert_true(vl_ftp_proxy_remove_lab("labc", &err));
    g_assert_no_error(err);
}

typedef struct {
    Fixture *f;
    guint first, count; /* labs lab<first> .. lab<first+count-1> */
    GError *error;
} Writer;

static gpointer
writer_thread(gpointer data)
{
    Writer *w = data;

    for (guint i = w->first; i < w->first + w->count && !w->error; i++) {
        g_autofree char *name = g_strdup_printf("lab%u", i);
        g_autoptr(VlSpec) spec = sros_lab(w->f, name);
        vl_ftp_proxy_update(spec, &w->error);
    }
    return NULL;
}

/* Two labs' `up` at once (different lab locks): every router is kept, one proxy runs. */
static void
test_concurrent_labs(Fixture *f, gconstpointer data)
{
    const guint per_writer = 6;
    Writer w[2] = {{f, 0, per_writer, NULL}, {f, per_writer, per_writer, NULL}};
    g_autofree char *config = proxy_config_path(f);
    g_autoptr(json_object) cfg = NULL;
    g_autoptr(GArray) pids = NULL;
    g_autoptr(GError) err = NULL;
    GThread *t[2];

    for (guint i = 0; i < 2; i++)
        t[i] = g_thread_new("writer", writer_thread, &w[i]);
    for (guint i = 0; i < 2; i++) {
        g_thread_join(t[i]);
        g_assert_no_error(w[i].error);
    }
    cfg = load_config(f);
    for (guint i = 0; i < 2 * per_writer; i++) {
        g_autofree char *key = g_strdup_printf("lab%u/pe1", i);
        if (!has_router(cfg, key))
            g_test_message("proxy.json: %s", vl_json_to_string(cfg));
        g_assert_true(has_router(cfg, key));
    }
    pids = proxies_of(config);
    g_assert_cmpuint(pids->len, ==, 1);
    /* down of every lab: the last one stops the proxy */
    for (guint i = 0; i < 2 * per_writer; i++) {
        g_autofree char *name = g_strdup_printf("lab%u", i);
        g_assert_true(vl_ftp_proxy_remove_lab(name, &err));
        g_assert_no_error(err);
    }
    for (guint i = 0; i < 100; i++) {
        g_autoptr(GArray) left = proxies_of(config);
        if (left->len == 0)
            break;
        g_usleep(50 * 1000);
    }
    g_clear_pointer(&pids, g_array_unref);
    pids = proxies_of(config);
    g_assert_cmpuint(pids->len, ==, 0);
}

/* A hand-written proxy.json without routers or backends: taken as empty, its other fields kept.
 */
static void
test_config_without_members(Fixture *f, gconstpointer data)
{
    g_autoptr(VlSpec) spec = sros_lab(f, "hand");
    g_autoptr(json_object) cfg = NULL;
    g_autoptr(GError) err = NULL;
    json_object *v = NULL;

    vl_test_write(f->home, "ftp/proxy.json", "{\"timeouts\": {\"idle\": 77}}");
    g_assert_true(vl_ftp_proxy_update(spec, &err));
    g_assert_no_error(err);
    cfg = load_config(f);
    g_assert_true(has_router(cfg, "hand/pe1"));
    g_assert_true(json_object_object_get_ex(cfg, "backends", &v));
    g_assert_true(json_object_object_get_ex(v, "local", NULL));
    g_assert_true(json_object_object_get_ex(cfg, "timeouts", &v));
    g_assert_true(json_object_object_get_ex(v, "idle", &v));
    g_assert_cmpint(json_object_get_int(v), ==, 77);
    g_assert_true(vl_ftp_proxy_remove_lab("hand", &err));
    g_assert_no_error(err);

    /* and down on a bare {} */
    vl_test_write(f->home, "ftp/proxy.json", "{}");
    g_assert_true(vl_ftp_proxy_remove_lab("hand", &err));
    g_assert_no_error(err);
    /* a member of the wrong type is refused, not replaced */
    vl_test_write(f->home, "ftp/proxy.json", "{\"routers\": []}");
    g_assert_false(vl_ftp_proxy_update(spec, &err));
    g_assert_error(err, VL_ERROR, VL_ERROR_INVALID);
    g_assert_nonnull(strstr(err->message, "routers: is an array, not an object"));
}

typedef struct {
    VlSpec *spec;
    gboolean ok;
    GError *error;
    gboolean done;
    GMutex lock;
    GCond cond;
} Update;

static gpointer
update_thread(gpointer data)
{
    Update *u = data;
    gboolean ok = vl_ftp_proxy_update(u->spec, &u->error);

    g_mutex_lock(&u->lock);
    u->ok = ok;
    u->done = TRUE;
    g_cond_signal(&u->cond);
    g_mutex_unlock(&u->lock);
    return NULL;
}

/* The daemon cannot open its log: `up` fails within seconds, saying why (it used to hang). */
static void
test_log_unwritable(Fixture *f, gconstpointer data)
{
    g_autoptr(VlSpec) spec = sros_lab(f, "nolog");
    g_autofree char *log = g_build_filename(f->home, "ftp", "proxy.log", NULL);
    gint64 deadline = g_get_monotonic_time() + 15 * G_USEC_PER_SEC;
    Update u = {.spec = spec};
    GThread *t;

    /* A folder where the log file should be: open() fails, for root too. */
    g_assert_cmpint(g_mkdir_with_parents(log, 0755), ==, 0);
    g_mutex_init(&u.lock);
    g_cond_init(&u.cond);
    t = g_thread_new("update", update_thread, &u);
    g_mutex_lock(&u.lock);
    while (!u.done)
        if (!g_cond_wait_until(&u.cond, &u.lock, deadline))
            break;
    g_mutex_unlock(&u.lock);
    /* still waiting after 15 s: the hang (abort, which ends the stuck thread too) */
    g_assert_true(u.done);
    g_thread_join(t);
    g_assert_false(u.ok);
    g_assert_error(u.error, VL_ERROR, VL_ERROR_FAILED);
    g_test_message("%s", u.error->message);
    g_assert_nonnull(strstr(u.error->message, "the FTP proxy did not start"));
    g_assert_nonnull(strstr(u.error->message, log));
    g_assert_nonnull(strstr(u.error->message, "cannot open the log"));
    g_clear_error(&u.error);
    g_mutex_clear(&u.lock);
    g_cond_clear(&u.cond);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/ftp-setup/proxy-json/concurrent-labs-one-proxy", test_concurrent_labs);
    ADD("/ftp-setup/proxy-json/without-routers-backends", test_config_without_members);
    ADD("/ftp-setup/proxy-json/lab-backends-keyed-removed-on-down", test_lab_backends);
    ADD("/ftp-setup/daemon/log-unwritable-fails-fast", test_log_unwritable);
    return g_test_run();
}
