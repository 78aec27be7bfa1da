/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-image.c - registry images against a real local registry (Debian's docker-registry) */
#include "vl-conn.h"
#include "vl-diag.h"
#include "vl-error.h"
#include "vl-fs.h"
#include "vl-json.h"
#include "vl-image.h"
#include "vl-lab-images.h"
#include "vl-lab.h"
#include "vl-oci-ref.h"
#include "vl-test-registry.h"
#include "vl-test-util.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

/*
 * Each case gets its own VMLAB_HOME and a registry on 127.0.0.1 (a free port, plain HTTP,
 * listed as insecure), with its storage in a temporary folder; both are removed afterwards.
 */
typedef struct {
    char *home;
    char *work;
    VlTestRegistry *reg;
    const char *addr; /* the registry's 127.0.0.1:PORT */
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
    f->home = vl_test_mkdtemp();
    f->work = vl_test_mkdtemp();
    g_setenv("VMLAB_HOME", f->home, TRUE);
    g_unsetenv("REGISTRY_AUTH_FILE");
    if (!data) {
        f->reg = vl_test_registry_start(NULL);
        f->addr = f->reg->addr;
    }
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
    vl_test_registry_stop(f->reg);
    vl_test_rmtree(f->home);
    vl_test_rmtree(f->work);
    g_free(f->home);
    g_free(f->work);
}

/* Runs the binary; on an unexpected status prints argv, status, stdout and stderr. */
static char *
run_expect(int want, const char *const *argv, char **err_out)
{
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    int status = vl_test_run_timeout(120, argv, &out, &err);

    if (status != want)
        vl_test_print_failure(argv, status, out, err);
    g_assert_cmpint(status, ==, want);
    if (err_out)
        *err_out = g_steal_pointer(&err);
    return g_steal_pointer(&out);
}

/* Runs a helper program that must succeed. Return: (transfer full): its stdout. */
static char *
sh_ok(const char *const *argv)
{
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autoptr(GError) error = NULL;
    int status = 0;

    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status,
                 &error);
    g_assert_no_error(error);
    if (!g_spawn_check_wait_status(status, NULL)) {
        g_autofree char *cmd = g_strjoinv(" ", (char **)argv);
        g_printerr("command: %s\nwait status: %d\n--- stdout\n%s\n--- stderr\n%s\n---\n", cmd,
                   status, out, err);
    }
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    return g_steal_pointer(&out);
}

/* A sparse raw disk: @mib MiB with a little data at 0 and in the middle. */
static char *
make_disk(Fixture *f, const char *name, guint mib, const char *marker)
{
    g_autofree char *path = g_build_filename(f->work, name, NULL);
    FILE *fp = fopen(path, "w");

    g_assert_nonnull(fp);
    g_assert_cmpint(fputs(marker, fp), >=, 0);
    g_assert_cmpint(fseek(fp, (long)mib * 1024 * 1024 / 2, SEEK_SET), ==, 0);
    g_assert_cmpint(fputs(marker, fp), >=, 0);
    g_assert_cmpint(fflush(fp), ==, 0);
    g_assert_cmpint(ftruncate(fileno(fp), (off_t)mib * 1024 * 1024), ==, 0);
    fclose(fp);
    g_assert_cmpint(chmod(path, 0644), ==, 0);
    return g_steal_pointer(&path);
}

static char *
file_sha256(const char *path)
{
    g_autofree char *text = NULL;
    gsize len = 0;

    g_assert_true(g_file_get_contents(path, &text, &len, NULL));
    return g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)text, len);
}

static char *
ref_of(Fixture *f, const char *repo_tag)
{
    return g_strdup_printf("oci://%s/%s", f->addr, repo_tag);
}

static void
push(Fixture *f, const char *file, const char *ref)
{
    const char *argv[] = {"image", "push", file, ref, "--insecure-registry", f->addr, NULL};
    g_autofree char *out = run_expect(0, argv, NULL);

    g_assert_nonnull(strstr(out, "pushed"));
}

static const struct {
    const char *text;
    const char *registry, *repo, *tag, *digest;
} good_refs[] = {
    {"oci://127.0.0.1:5000/tiny", "127.0.0.1:5000", "tiny", "latest", NULL},
    {"oci://reg.example.org/vrnetlab/vr-sros:23.10", "reg.example.org", "vrnetlab/vr-sros", "23.10",
     NULL},
    {"oci://[::1]:5000/a/b_c/d-e:v1", "[::1]:5000", "a/b_c/d-e", "v1", NULL},
    {"oci://localhost/x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
     "localhost", "x", NULL,
     "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
};

static void
test_ref_good(void)
{
    for (guint i = 0; i < G_N_ELEMENTS(good_refs); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(VlOciRef) r = vl_oci_ref_parse(good_refs[i].text, &err);
        g_autofree char *back = NULL;

        g_assert_no_error(err);
        g_assert_cmpstr(r->registry, ==, good_refs[i].registry);
        g_assert_cmpstr(r->repo, ==, good_refs[i].repo);
        g_assert_cmpstr(r->tag, ==, good_refs[i].tag);
        g_assert_cmpstr(r->digest, ==, good_refs[i].digest);
        back = vl_oci_ref_to_string(r);
        if (good_refs[i].tag && strchr(good_refs[i].text + 6, ':') &&
            !g_str_has_suffix(good_refs[i].text, "/tiny"))
            g_assert_cmpstr(back, ==, good_refs[i].text);
    }
}

static const struct {
    const char *text;
    const char *says;
} bad_refs[] = {
    {"docker://a/b", "not an image reference"},
    {"oci://nohost", "names no registry"},
    {"oci:///repo", "names no registry"},
    {"oci://host:99999/r", "not a valid registry"},
    {"oci://ho_st/r", "not a valid registry"},
    {"oci://host/Upper", "repository 'Upper' is not valid"},
    {"oci://host/a//b", "is not valid"},
    {"oci://host/a:b:c", "is not valid"},
    {"oci://host/a:-x", "'-x' is not a valid tag"},
    {"oci://host/a@sha256:abc", "is not sha256: and 64"},
    {"oci://host/a:t@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
     "not both"},
};

static void
test_ref_bad(void)
{
    for (guint i = 0; i < G_N_ELEMENTS(bad_refs); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(VlOciRef) r = vl_oci_ref_parse(bad_refs[i].text, &err);

        g_assert_null(r);
        g_assert_error(err, VL_ERROR, VL_ERROR_INVALID);
        if (!strstr(err->message, bad_refs[i].says))
            g_test_message("%s: %s", bad_refs[i].text, err->message);
        g_assert_nonnull(strstr(err->message, bad_refs[i].says));
    }
}

/* push: one layer, /disk/<file> owned 107:107 with mode 0440, as extracted by hand. */
static void
test_push_layout(Fixture *f, gconstpointer data)
{
    const char *tiny_dir =
        g_getenv("VMLAB_TINY_DIR") ? g_getenv("VMLAB_TINY_DIR") : "/var/lib/vmlab/images/tiny";
    g_autofree char *tiny = g_build_filename(tiny_dir, "disk.qcow2", NULL);
    /* the tiny guest's qcow2 disk when it is built (CI builds it), else a made-up raw disk */
    g_autofree char *disk = g_file_test(tiny, G_FILE_TEST_IS_REGULAR)
                                ? g_strdup(tiny)
                                : make_disk(f, "tiny.img", 8, "vmlab");
    g_autofree char *base = g_path_get_basename(disk);
    g_autofree char *quoted = g_regex_escape_string(base, -1);
    g_autofree char *expect = NULL;
    g_autofree char *ref = ref_of(f, "vmlab/tiny:1");
    struct stat st;
    g_autofree char *src = g_strdup_printf("docker://%s/vmlab/tiny:1", f->addr);
    g_autofree char *dir = g_build_filename(f->work, "dl", NULL);
    g_autofree char *dst = g_strdup_printf("dir:%s", dir);
    const char *inspect[] = {"skopeo", "inspect", "--tls-verify=false", src, NULL};
    const char *copy[] = {"skopeo", "copy", "--quiet", "--src-tls-verify=false", src, dst, NULL};
    g_autofree char *info = NULL;
    g_autoptr(json_object) o = NULL;
    json_object *layers = NULL;
    g_autofree char *blob = NULL;
    g_autofree char *listing = NULL;

    push(f, disk, ref);
    info = sh_ok(inspect);
    o = json_tokener_parse(info);
    g_assert_true(json_object_object_get_ex(o, "Layers", &layers));
    g_assert_cmpuint(json_object_array_length(layers), ==, 1);
    g_free(sh_ok(copy));
    blob = g_build_filename(dir, json_object_get_string(json_object_array_get_idx(layers, 0)) + 7,
                            NULL);
    {
        const char *tar[] = {"tar", "--numeric-owner", "-tvzf", blob, NULL};
        listing = sh_ok(tar);
    }
    g_test_message("%s", listing);
    g_assert_cmpint(stat(disk, &st), ==, 0);
    expect =
        g_strdup_printf("^-r--r----- 107/107 +%lld .* disk/%s$", (long long)st.st_size, quoted);
    g_assert_true(g_regex_match_simple(expect, listing, G_REGEX_MULTILINE, 0));
    g_assert_true(g_regex_match_simple("^d\\S+ 107/107 .* disk/$", listing, G_REGEX_MULTILINE, 0));
}

/* pull into an empty store: byte-identical and still sparse; a second pull fetches nothing. */
static void
test_pull_identical_sparse(Fixture *f, gconstpointer data)
{
    g_autofree char *disk = make_disk(f, "disk.raw", 64, "sparse");
    g_autofree char *ref = ref_of(f, "vmlab/disk:2");
    const char *pull[] = {"image", "pull", ref, "--insecure-registry", f->addr, NULL};
    g_autofree char *out = NULL;
    g_autofree char *again = NULL;
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;
    g_autoptr(GPtrArray) images = NULL;
    g_autoptr(GError) err = NULL;
    const VlImage *img;
    struct stat st;

    push(f, disk, ref);
    out = run_expect(0, pull, NULL);
    g_assert_nonnull(strstr(out, "pulled"));
    images = vl_image_store_list(&err);
    g_assert_no_error(err);
    g_assert_cmpuint(images->len, ==, 1);
    img = g_ptr_array_index(images, 0);
    a = file_sha256(disk);
    b = file_sha256(img->path);
    g_assert_cmpstr(a, ==, b);
    g_assert_cmpint(stat(img->path, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, 64 * 1024 * 1024);
    g_test_message("%s: %lld bytes, %lld allocated", img->path, (long long)st.st_size,
                   (long long)st.st_blocks * 512);
    g_assert_cmpint((gint64)st.st_blocks * 512, <, 1024 * 1024);
    g_assert_cmpstr(img->format, ==, "raw");
    g_assert_true(st.st_mode & S_IROTH);
    again = run_expect(0, pull, NULL);
    g_assert_null(strstr(again, "pulled"));
}

static void
write_state(Fixture *f, const char *lab, const char *digest)
{
    g_autofree char *rel = g_strdup_printf("labs/%s/state.json", lab);
    g_autofree char *json = g_strdup_printf(
        "{\"lab\": \"%s\", \"nodes\": [{\"domain\": \"d\", \"images\": [{\"key\": \"vm_image\", "
        "\"ref\": \"x\", \"digest\": \"%s\"}]}]}",
        lab, digest);

    vl_test_write(f->home, rel, json);
}

/* list --json shows the image and its users; rm is refused while a lab uses it; prune keeps it. */
static void
test_list_rm_prune(Fixture *f, gconstpointer data)
{
    g_autofree char *d1 = make_disk(f, "one.raw", 4, "one");
    g_autofree char *d2 = make_disk(f, "two.raw", 4, "two");
    g_autofree char *r1 = ref_of(f, "vmlab/one:1");
    g_autofree char *r2 = ref_of(f, "vmlab/two:1");
    const char *pull1[] = {"image", "pull", r1, "--insecure-registry", f->addr, NULL};
    const char *pull2[] = {"image", "pull", r2, "--insecure-registry", f->addr, NULL};
    const char *list[] = {"image", "list", "--json", NULL};
    const char *rm[] = {"image", "rm", r1, NULL};
    const char *rm_force[] = {"image", "rm", r1, "--force", NULL};
    const char *prune[] = {"image", "prune", NULL};
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autofree char *digest1 = NULL;
    g_autoptr(json_object) arr = NULL;
    json_object *labs = NULL;
    g_autoptr(GPtrArray) left = NULL;

    push(f, d1, r1);
    push(f, d2, r2);
    g_free(run_expect(0, pull1, NULL));
    g_free(run_expect(0, pull2, NULL));
    digest1 = vl_image_store_ref_digest(r1);
    g_assert_nonnull(digest1);
    write_state(f, "lab1", digest1);

    out = run_expect(0, list, NULL);
    arr = json_tokener_parse(out);
    g_assert_cmpuint(json_object_array_length(arr), ==, 2);
    g_assert_nonnull(strstr(out, r1));
    g_assert_nonnull(strstr(out, digest1));
    for (size_t i = 0; i < 2; i++) {
        json_object *o = json_object_array_get_idx(arr, i);
        json_object *d = NULL;
        json_object_object_get_ex(o, "digest", &d);
        json_object_object_get_ex(o, "labs", &labs);
        g_assert_cmpuint(json_object_array_length(labs), ==,
                         g_str_equal(json_object_get_string(d), digest1) ? 1 : 0);
    }

    g_free(run_expect(1, rm, &err));
    g_assert_nonnull(strstr(err, "used by lab 'lab1'"));
    g_clear_pointer(&out, g_free);
    out = run_expect(0, prune, NULL);
    g_assert_nonnull(strstr(out, "1 image removed"));
    left = vl_image_store_list(NULL);
    g_assert_cmpuint(left->len, ==, 1);
    g_assert_cmpstr(((VlImage *)g_ptr_array_index(left, 0))->digest, ==, digest1);
    g_free(run_expect(0, rm_force, NULL));
    g_clear_pointer(&left, g_ptr_array_unref);
    left = vl_image_store_list(NULL);
    g_assert_cmpuint(left->len, ==, 0);
}

/* A spec folder on test:///default whose device "a" boots @ref and "b" a local file. */
static char *
make_spec(Fixture *f, const char *ref, const char *local)
{
    g_autofree char *dir = g_build_filename(f->work, "spec", NULL);
    g_autofree char *topo = g_strdup_printf(
        "{\"name\": \"imglab\", \"devices\": {\"a\": {\"platform\": \"oci\"}, \"b\": "
        "{\"platform\": \"local\"}},\n \"links\": [],\n \"vmlab\": {\"insecure_registries\": "
        "[\"%s\"]}}\n",
        f->addr);
    g_autofree char *plat = g_strdup_printf(
        "{\"platforms\": {\"oci\": {\"vm_image\": \"%s\", \"vm_image_format\": \"raw\", "
        "\"vm_memory\": 64},\n \"local\": {\"vm_image\": \"%s\", \"vm_image_format\": \"raw\", "
        "\"vm_memory\": 64}}}\n",
        ref, local);

    vl_test_write(dir, "topology.json", topo);
    vl_test_write(dir, "platforms.json", plat);
    return g_steal_pointer(&dir);
}

static GPtrArray *
up_in_process(virConnectPtr conn, const char *dir, VlLabImagesMode mode, GError **error)
{
    g_autoptr(VlDiag) diag = vl_diag_new();
    g_autoptr(VlSpec) spec = vl_spec_load(dir, diag);
    g_autoptr(VlRenderer) r = vl_renderer_new("qemu", error);
    VlUpOptions opts = {.start = FALSE, .jobs = 1};
    GPtrArray *reports = NULL;

    g_assert_nonnull(spec);
    if (!vl_lab_images_resolve(spec, mode, NULL, NULL, error))
        return NULL;
    if (!vl_lab_up(conn, spec, r, &opts, &reports, error))
        return NULL;
    return reports;
}

static VlVmAction
action_of(GPtrArray *reports, const char *name)
{
    for (guint i = 0; i < reports->len; i++) {
        const VlVmReport *rep = g_ptr_array_index(reports, i);
        if (g_str_equal(rep->name, name))
            return rep->action;
    }
    g_assert_not_reached();
}

/*
 * A second up pulls nothing and changes nothing; retagging the image changes nothing until
 * --pull, which then redefines exactly the VM that uses it.
 */
static void
test_up_reconcile(Fixture *f, gconstpointer data)
{
    g_autofree char *d1 = make_disk(f, "v1.raw", 4, "version 1");
    g_autofree char *d2 = make_disk(f, "v2.raw", 4, "version 2");
    g_autofree char *local = make_disk(f, "local.raw", 4, "local");
    g_autofree char *ref = ref_of(f, "vmlab/node:latest");
    g_autofree char *dir = make_spec(f, ref, local);
    g_autofree char *state_path = g_build_filename(f->home, "labs/imglab/state.json", NULL);
    g_autofree char *state = NULL;
    g_autofree char *digest1 = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(virConnect) conn = vl_conn_open("test:///default", &err);
    GPtrArray *reports;

    g_assert_no_error(err);
    push(f, d1, ref);
    reports = up_in_process(conn, dir, VL_LAB_IMAGES_CACHED, &err);
    g_assert_no_error(err);
    g_assert_cmpint(action_of(reports, "a"), ==, VL_VM_ACTION_CREATE);
    g_ptr_array_unref(reports);
    digest1 = vl_image_store_ref_digest(ref);
    g_assert_true(g_file_get_contents(state_path, &state, NULL, NULL));
    g_assert_nonnull(strstr(state, digest1));

    /* The registry goes away: a second up needs nothing from it. */
    vl_test_registry_kill(f->reg);
    reports = up_in_process(conn, dir, VL_LAB_IMAGES_CACHED, &err);
    g_assert_no_error(err);
    g_assert_cmpint(action_of(reports, "a"), ==, VL_VM_ACTION_NONE);
    g_assert_cmpint(action_of(reports, "b"), ==, VL_VM_ACTION_NONE);
    g_ptr_array_unref(reports);

    vl_test_registry_resume(f->reg);
    push(f, d2, ref);
    reports = up_in_process(conn, dir, VL_LAB_IMAGES_CACHED, &err);
    g_assert_no_error(err);
    g_assert_cmpint(action_of(reports, "a"), ==, VL_VM_ACTION_NONE);
    g_ptr_array_unref(reports);
    reports = up_in_process(conn, dir, VL_LAB_IMAGES_REFRESH, &err);
    g_assert_no_error(err);
    g_assert_cmpint(action_of(reports, "a"), ==, VL_VM_ACTION_REDEFINE);
    g_assert_cmpint(action_of(reports, "b"), ==, VL_VM_ACTION_NONE);
    g_ptr_array_unref(reports);
    g_assert_true(vl_lab_down(conn, "imglab", FALSE, FALSE, NULL, NULL, &err));
    g_assert_no_error(err);
}

/* Each failure stops `up` before anything of the lab exists, with its own message. */
static void
check_up_fails(Fixture *f, const char *ref, const char *says)
{
    g_autofree char *local = make_disk(f, "l.raw", 1, "l");
    g_autofree char *dir = make_spec(f, ref, local);
    g_autofree char *lab_dir = g_build_filename(f->home, "labs", "imglab", NULL);
    const char *up[] = {"up", dir, "--no-start", "-c", "test:///default", NULL};
    g_autofree char *err = NULL;

    g_free(run_expect(1, up, &err));
    if (!strstr(err, says))
        g_test_message("stderr: %s", err);
    g_assert_nonnull(strstr(err, says));
    g_assert_false(g_file_test(lab_dir, G_FILE_TEST_EXISTS));
    vl_test_rmtree(dir);
}

static void
test_errors(Fixture *f, gconstpointer data)
{
    g_autofree char *disk = make_disk(f, "x.raw", 1, "x");
    g_autofree char *other = make_disk(f, "y.raw", 1, "y");
    g_autofree char *wrong_tag = ref_of(f, "vmlab/x:nope");
    g_autofree char *two = ref_of(f, "vmlab/two-files:t");
    g_autofree char *two_dest = g_strdup_printf("%s/vmlab/two-files:t", f->addr);
    g_autofree char *script = vl_test_srcpath("image/make-image.sh");
    g_autofree char *down = g_strdup_printf("oci://127.0.0.1:%u/vmlab/x:1", vl_test_free_port());
    const char *make[] = {script, two_dest, disk, other, NULL};
    g_autofree char *ok_ref = ref_of(f, "vmlab/x:1");

    push(f, disk, ok_ref);
    check_up_fails(f, wrong_tag, "no such tag in the registry");
    g_free(sh_ok(make));
    check_up_fails(f, two,
                   "exactly one regular file under /disk/, found /disk/x.raw (file), "
                   "/disk/y.raw (file)");
    check_up_fails(f, down, "the registry cannot be reached");
}

/* A registry with htpasswd auth: a pull works with an auth file, and fails clearly without. */
static void
test_auth(Fixture *f, gconstpointer data)
{
    g_autofree char *htpasswd = g_build_filename(f->work, "htpasswd", NULL);
    g_autofree char *auth = g_build_filename(f->work, "auth.json", NULL);
    g_autofree char *cred = g_base64_encode((const guchar *)"alice:s3cret", 12);
    g_autofree char *auth_json = NULL;
    g_autofree char *disk = make_disk(f, "auth.raw", 1, "auth");
    g_autofree char *ref = NULL;
    const char *mkpw[] = {"htpasswd", "-Bbc", htpasswd, "alice", "s3cret", NULL};
    const char *pull[] = {"image", "pull", NULL, "--insecure-registry", NULL, NULL};
    g_autofree char *err = NULL;
    g_autofree char *out = NULL;

    g_free(sh_ok(mkpw));
    f->reg = vl_test_registry_start(htpasswd);
    f->addr = f->reg->addr;
    ref = ref_of(f, "vmlab/private:1");
    pull[2] = ref;
    pull[4] = f->addr;
    auth_json = g_strdup_printf("{\"auths\": {\"%s\": {\"auth\": \"%s\"}}}", f->addr, cred);
    g_assert_true(g_file_set_contents(auth, auth_json, -1, NULL));
    g_assert_cmpint(chmod(auth, 0600), ==, 0);
    g_setenv("REGISTRY_AUTH_FILE", auth, TRUE);
    push(f, disk, ref);
    g_unsetenv("REGISTRY_AUTH_FILE");
    g_free(run_expect(1, pull, &err));
    g_assert_nonnull(strstr(err, "access denied"));
    g_assert_null(strstr(err, "s3cret"));
    g_setenv("REGISTRY_AUTH_FILE", auth, TRUE);
    out = run_expect(0, pull, NULL);
    g_unsetenv("REGISTRY_AUTH_FILE");
    g_assert_nonnull(strstr(out, "pulled"));
}

/* SIGINT in the middle of a pull leaves the store as it was. */
static void
test_interrupt(Fixture *f, gconstpointer data)
{
    g_autofree char *disk = g_build_filename(f->work, "random.raw", NULL);
    g_autofree char *ref = ref_of(f, "vmlab/big:1");
    g_autofree char *store = g_build_filename(f->home, "images", "oci", NULL);
    g_autofree char *tmp = g_build_filename(store, "tmp", NULL);
    g_autofree char *blobs = g_build_filename(store, "sha256", NULL);
    g_autofree char *of = g_strdup_printf("of=%s", disk);
    const char *dd[] = {"dd", "if=/dev/urandom", of, "bs=1M", "count=96", "status=none", NULL};
    g_autoptr(GSubprocess) p = NULL;
    g_autoptr(GError) err = NULL;
    gboolean staged = FALSE;

    g_free(sh_ok(dd));
    g_assert_cmpint(chmod(disk, 0644), ==, 0);
    push(f, disk, ref);
    p = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                         &err, g_getenv("VMLAB_BIN"), "image", "pull", ref, "--insecure-registry",
                         f->addr, NULL);
    g_assert_no_error(err);
    for (guint i = 0; i < 200 && !staged; i++) {
        g_autoptr(GDir) d = g_dir_open(tmp, 0, NULL);
        staged = d && g_dir_read_name(d) != NULL;
        if (!staged)
            g_usleep(10 * 1000);
    }
    g_assert_true(staged);
    g_subprocess_send_signal(p, SIGINT);
    g_assert_true(g_subprocess_wait(p, NULL, NULL));
    g_assert_false(g_subprocess_get_successful(p));
    {
        g_autoptr(GDir) d = g_dir_open(tmp, 0, NULL);
        g_assert_null(d ? g_dir_read_name(d) : NULL);
    }
    {
        g_autoptr(GDir) d = g_dir_open(blobs, 0, NULL);
        g_assert_null(d ? g_dir_read_name(d) : NULL);
    }
}

static gboolean
have(const char *prog)
{
    g_autofree char *p = g_find_program_in_path(prog);
    return p != NULL;
}

static void
test_no_tools(void)
{
    g_test_skip("needs docker-registry, skopeo and htpasswd (scripts/install-deps.sh)");
}

int
main(int argc, char **argv)
{
    gboolean tools;

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/image/ref/good", test_ref_good);
    g_test_add_func("/image/ref/bad", test_ref_bad);
    tools = have("docker-registry") && have("skopeo") && have("htpasswd");
#define ADD(path, fn, data)                                                                        \
    if (tools)                                                                                     \
        g_test_add(path, Fixture, data, fixture_setup, fn, fixture_teardown);                      \
    else                                                                                           \
        g_test_add_func(path, test_no_tools)
    ADD("/image/push/containerdisk-layout", test_push_layout, NULL);
    ADD("/image/pull/identical-and-sparse", test_pull_identical_sparse, NULL);
    ADD("/image/store/list-rm-prune", test_list_rm_prune, NULL);
    ADD("/image/up/reconcile-by-digest", test_up_reconcile, NULL);
    ADD("/image/up/errors-change-nothing", test_errors, NULL);
    ADD("/image/pull/auth", test_auth, GINT_TO_POINTER(1));
    ADD("/image/pull/interrupted", test_interrupt, NULL);
    return g_test_run();
}
