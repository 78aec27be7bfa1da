/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-kubevirt-sftp.c - `kubevirt export --with-sftp`: manifests, keys, and the hook's proxy on
 * the exported SFTP backend against a real sshd run from the exported sshd_config */
#include "ftp-test-sshd.h"
#include "ftp-test-util.h"
#include "kv-test-util.h"
#include "vl-json.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SROS_SPEC "data/kubevirt/sros-spec"
#define SFTP_HOST "srlab-vmlab-sftp.routers.svc"

/*
 * The golden export (tests/data/kubevirt/sros-sftp) uses the fixed test keys of
 * tests/data/kubevirt/sftp-keys, so it is the same bytes every run. ssh-keygen refuses a key
 * file others can read, and git keeps no such mode: each test copies them to 0600 files.
 */
typedef struct {
    char *dir;
    char *host_key;
    char *client_key;
} Keys;

static void
keys_setup(Keys *k, gconstpointer data)
{
    g_autofree char *src_host = vl_test_srcpath("data/kubevirt/sftp-keys/host_key");
    g_autofree char *src_client = vl_test_srcpath("data/kubevirt/sftp-keys/client_key");
    g_autofree char *text = NULL;

    (void)data;
    k->dir = vl_test_mkdtemp();
    k->host_key = g_build_filename(k->dir, "host_key", NULL);
    k->client_key = g_build_filename(k->dir, "client_key", NULL);
    text = vl_test_read_file(src_host, NULL);
    vl_test_write_file(k->host_key, text, -1, 0600);
    g_free(text);
    text = vl_test_read_file(src_client, NULL);
    vl_test_write_file(k->client_key, text, -1, 0600);
}

static void
keys_teardown(Keys *k, gconstpointer data)
{
    (void)data;
    kv_test_proxy_stop();
    vl_test_rmtree(k->dir);
    g_free(k->dir);
    g_free(k->host_key);
    g_free(k->client_key);
}

/* The SR OS spec exported with --with-sftp and the test keys, in namespace routers. */
static char *
export_sros(const Keys *k)
{
    const char *extra[] = {"--with-sftp",       "--sftp-host-key", k->host_key,
                           "--sftp-client-key", k->client_key,     NULL};

    return kv_test_export(SROS_SPEC, "routers", extra);
}

/* Return: (transfer full): the string value of "KEY:" in a YAML file of the export (a JSON
 * string literal, as the exporter writes every string). */
static char *
yaml_value(const char *dir, const char *file, const char *key)
{
    g_autofree char *path = g_build_filename(dir, file, NULL);
    g_autofree char *text = vl_test_read_file(path, NULL);
    g_autofree char *needle = g_strdup_printf(" %s: \"", key);
    const char *p;
    const char *eol;
    g_autofree char *lit = NULL;
    g_autoptr(json_object) v = NULL;

    g_assert_nonnull(text);
    p = strstr(text, needle);
    if (!p)
        g_error("%s: no key %s", path, key);
    p += strlen(needle) - 1;
    eol = strchr(p, '\n');
    lit = g_strndup(p, eol ? (gsize)(eol - p) : strlen(p));
    v = json_tokener_parse(lit);
    g_assert_nonnull(v);
    g_assert_true(json_object_is_type(v, json_type_string));
    return g_strdup(json_object_get_string(v));
}

/* Asserts the string value of "KEY:" in FILE of the export is @expected. */
static void
assert_yaml(const char *dir, const char *file, const char *key, const char *expected)
{
    g_autofree char *v = yaml_value(dir, file, key);

    g_assert_cmpstr(v, ==, expected);
}

static void
assert_mode(const char *dir, const char *file, int mode)
{
    g_autofree char *path = g_build_filename(dir, file, NULL);
    struct stat st;

    g_assert_cmpint(stat(path, &st), ==, 0);
    if ((int)(st.st_mode & 0777) != mode)
        g_printerr("# %s: mode %o, expected %o\n", path, st.st_mode & 0777, mode);
    g_assert_cmpint(st.st_mode & 0777, ==, mode);
}

static void
test_sftp_golden(Keys *k, gconstpointer data)
{
    g_autofree char *out = export_sros(k);

    (void)data;
    kv_test_golden_compare(out, "data/kubevirt/sros-sftp");
    kv_test_export_remove(out);
}

/* Every object valid (schemas, core-kind checks, references); private keys in 0600 files only. */
static void
test_sftp_manifests(Keys *k, gconstpointer data)
{
    g_autofree char *out = export_sros(k);
    g_autofree char *ann = NULL;
    const char *private_files[] = {"secret-srlab-vmlab-sftp-host-key.yaml",
                                   "secret-srlab-vmlab-sftp-client-key.yaml",
                                   "configmap-srlab-vmlab-hook.yaml", "hook-config.json", NULL};
    const char *public_files[] = {"deployment-srlab-vmlab-sftp.yaml",
                                  "service-srlab-vmlab-sftp.yaml",
                                  "configmap-srlab-vmlab-sftp.yaml",
                                  "kustomization.yaml",
                                  "vm-vsim-1-1.yaml",
                                  NULL};
    g_autofree char *path = g_build_filename(out, "pvc-sros-files.yaml", NULL);

    (void)data;
    kv_test_assert_manifests_valid(out);
    for (guint i = 0; private_files[i]; i++)
        assert_mode(out, private_files[i], 0600);
    for (guint i = 0; public_files[i]; i++)
        assert_mode(out, public_files[i], 0644);
    /* ftp.pvc names a claim that exists: the server mounts it, the export makes none */
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    assert_yaml(out, "deployment-srlab-vmlab-sftp.yaml", "claimName", "sros-files");
    /* and the sidecars no longer mount it: the SFTP server serves it */
    ann = yaml_value(out, "vm-vsim-1-1.yaml", "hooks.kubevirt.io/hookSidecars");
    g_assert_null(strstr(ann, "\"pvc\""));
    kv_test_export_remove(out);
}

/* The checker's core-kind checks can fail: a mount naming no volume, a Service selecting no pod. */
static void
test_sftp_checker_rejects(Keys *k, gconstpointer data)
{
    g_autofree char *out = NULL;
    g_autofree char *report = NULL;
    const char *edits[][3] = {
        {"deployment-srlab-vmlab-sftp.yaml", "- name: \"host-key\"\n              mountPath",
         "- name: \"host-keys\"\n              mountPath"},
        {"service-srlab-vmlab-sftp.yaml", "    vmlab.io/sftp: \"srlab\"\n  ports",
         "    vmlab.io/sftp: \"other\"\n  ports"},
    };
    int status;

    (void)data;
    if (!kv_test_schemas_available())
        return;
    for (guint i = 0; i < G_N_ELEMENTS(edits); i++) {
        g_autofree char *path = NULL;
        g_autofree char *text = NULL;
        g_autoptr(GString) bad = NULL;

        out = export_sros(k);
        path = g_build_filename(out, edits[i][0], NULL);
        text = vl_test_read_file(path, NULL);
        bad = g_string_new(text);
        g_assert_cmpuint(g_string_replace(bad, edits[i][1], edits[i][2], 1), ==, 1);
        vl_test_write_file(path, bad->str, -1, 0644);
        g_clear_pointer(&report, g_free);
        status = kv_test_check_manifests(out, &report);
        if (status == 77) {
            g_test_skip(report);
        } else {
            g_assert_cmpint(status, ==, 1);
            g_assert_nonnull(strstr(report, i == 0 ? "names no volume" : "matches no Deployment"));
        }
        kv_test_export_remove(out);
        g_clear_pointer(&out, g_free);
    }
}

/* A spec copy with @topology (the SR OS spec's platform and profiles). Return: its folder. */
static char *
sros_spec_with(const char *topology)
{
    g_autofree char *src = vl_test_srcpath(SROS_SPEC);
    char *dir = vl_test_mkdtemp();
    const char *files[] = {"platforms.json", "profiles/pe1.json", "profiles/pe2.json", NULL};

    vl_test_copy_files(src, dir, files);
    vl_test_write(dir, "topology.json", topology);
    return dir;
}

static const char topology_sftp[] =
    "{\"name\": \"srlab\", \"devices\": {\"pe1\": {}, \"pe2\": {}},\n"
    " \"vmlab\": {\"kubevirt\": {\"images\": {\"cpm.img\": {\"pvc\": \"images/sros-cpm\"}},\n"
    "  \"storage_class\": \"ceph-block\", \"ftp\": {\"login\": \"admin\"},\n"
    "  \"sftp\": {\"image\": \"registry.lab/sftp:1\", \"pvc\": \"lab-files\", \"size\": \"50Gi\","
    "\n   \"storage_class\": \"cephfs\"}}}}\n";

/*
 * Without ftp.pvc the export makes the files PVC (vmlab.kubevirt.sftp's name, size and class);
 * keys it generates itself (no key options): private, in 0600 files, different each run, the
 * known_hosts line the host key's, and no key left in $TMPDIR.
 */
static void
test_sftp_generated(Keys *k, gconstpointer data)
{
    g_autofree char *spec = sros_spec_with(topology_sftp);
    g_autofree char *tmpdir = g_build_filename(k->dir, "tmp", NULL);
    char *pubs[2] = {NULL, NULL};
    const char *extra[] = {"--with-sftp", NULL};
    g_autofree char *saved_tmpdir = g_strdup(g_getenv("TMPDIR"));

    (void)data;
    g_assert_cmpint(g_mkdir_with_parents(tmpdir, 0700), ==, 0);
    for (guint i = 0; i < 2; i++) {
        g_autofree char *out = NULL;
        g_autofree char *hook_path = NULL;
        g_autofree char *priv = NULL, *priv_path = NULL, *derived = NULL;
        g_autoptr(json_object) hook = NULL;
        g_autofree char *known = NULL;
        json_object *ftp, *b;
        g_autoptr(GDir) d = NULL;

        g_setenv("TMPDIR", tmpdir, TRUE);
        out = kv_test_export(spec, NULL, extra);
        if (saved_tmpdir)
            g_setenv("TMPDIR", saved_tmpdir, TRUE);
        else
            g_unsetenv("TMPDIR");
        d = g_dir_open(tmpdir, 0, NULL);
        g_assert_null(g_dir_read_name(d));
        assert_yaml(out, "pvc-lab-files.yaml", "storage", "50Gi");
        assert_yaml(out, "pvc-lab-files.yaml", "storageClassName", "cephfs");
        assert_yaml(out, "deployment-srlab-vmlab-sftp.yaml", "claimName", "lab-files");
        assert_yaml(out, "deployment-srlab-vmlab-sftp.yaml", "image", "registry.lab/sftp:1");
        assert_mode(out, "secret-srlab-vmlab-sftp-host-key.yaml", 0600);
        assert_mode(out, "hook-config.json", 0600);
        kv_test_assert_manifests_valid(out);

        /* the hook trusts exactly the server's host key, under the Service's name */
        pubs[i] = yaml_value(out, "secret-srlab-vmlab-sftp-host-key.yaml", "ssh_host_key.pub");
        hook_path = g_build_filename(out, "hook-config.json", NULL);
        hook = json_object_from_file(hook_path);
        g_assert_nonnull(hook);
        ftp = json_object_object_get(hook, "ftp");
        b = json_object_object_get(ftp, "backend");
        g_assert_cmpstr(json_object_get_string(json_object_object_get(b, "host")), ==,
                        "srlab-vmlab-sftp");
        g_assert_cmpstr(json_object_get_string(json_object_object_get(ftp, "login")), ==, "admin");
        known = g_strdup_printf("srlab-vmlab-sftp %s", pubs[i]);
        g_assert_cmpstr(json_object_get_string(json_object_object_get(ftp, "known_hosts")), ==,
                        known);
        /* the private host key is the public one's, and so is the client's */
        priv = yaml_value(out, "secret-srlab-vmlab-sftp-host-key.yaml", "ssh_host_key");
        priv_path = g_build_filename(k->dir, "priv", NULL);
        vl_test_write_file(priv_path, priv, -1, 0600);
        {
            const char *argv[] = {"ssh-keygen", "-y", "-f", priv_path, NULL};
            g_assert_cmpint(kv_test_run_checked(argv, &derived), ==, 0);
            g_assert_true(g_str_has_prefix(pubs[i], g_strchomp(derived)) ||
                          g_str_has_prefix(derived, g_strchomp(pubs[i])));
        }
        g_free(priv);
        g_free(derived);
        derived = NULL;
        priv = g_strdup(json_object_get_string(json_object_object_get(ftp, "client_key")));
        vl_test_write_file(priv_path, priv, -1, 0600);
        {
            const char *argv[] = {"ssh-keygen", "-y", "-f", priv_path, NULL};
            g_autofree char *auth =
                yaml_value(out, "secret-srlab-vmlab-sftp-client-key.yaml", "authorized_keys");
            g_auto(GStrv) a = NULL;
            g_auto(GStrv) b2 = NULL;
            g_assert_cmpint(kv_test_run_checked(argv, &derived), ==, 0);
            a = g_strsplit(auth, " ", 3);
            b2 = g_strsplit(derived, " ", 3);
            g_assert_cmpstr(a[1], ==, b2[1]);
        }
        kv_test_export_remove(out);
    }
    g_assert_cmpstr(pubs[0], !=, pubs[1]);
    g_free(pubs[0]);
    g_free(pubs[1]);
    vl_test_rmtree(spec);
}

/* Bad input: exit 2, a reason naming the file or setting, nothing written. */
static void
test_sftp_errors(Keys *k, gconstpointer data)
{
    g_autofree char *dir = vl_test_mkdtemp();
    g_autofree char *out = g_build_filename(dir, "out", NULL);
    g_autofree char *sros = vl_test_srcpath(SROS_SPEC);
    g_autofree char *example = vl_test_srcpath("../specs/example");
    g_autofree char *open_key = g_build_filename(dir, "open_key", NULL);
    g_autofree char *not_key = g_build_filename(dir, "not_key", NULL);
    g_autofree char *backend_spec = sros_spec_with(
        "{\"name\": \"srlab\", \"devices\": {\"pe1\": {}, \"pe2\": {}},\n"
        " \"vmlab\": {\"kubevirt\": {\"images\": {\"cpm.img\": {\"pvc\": \"x\"}},\n"
        "  \"ftp\": {\"backend\": {\"type\": \"local\"}}, \"sftp\": {\"size\": \"big\", "
        "\"colour\": 1}}}}\n");
    g_autofree char *both_spec =
        sros_spec_with("{\"name\": \"srlab\", \"devices\": {\"pe1\": {}, \"pe2\": {}},\n"
                       " \"vmlab\": {\"kubevirt\": {\"images\": {\"cpm.img\": {\"pvc\": \"x\"}},\n"
                       "  \"ftp\": {\"pvc\": \"a\"}, \"sftp\": {\"pvc\": \"b\"}}}}\n");
    g_autofree char *key_text = vl_test_read_file(k->host_key, NULL);
    struct {
        const char *argv[12];
        const char *messages[3];
    } cases[] = {
        {{"kubevirt", "export", sros, "-o", out, "--sftp-host-key", k->host_key, NULL},
         {"--sftp-host-key and --sftp-client-key need --with-sftp", NULL}},
        {{"kubevirt", "export", sros, "-o", out, "--with-sftp", "--sftp-host-key", "/nonexistent",
          NULL},
         {"--sftp-host-key /nonexistent:", NULL}},
        {{"kubevirt", "export", sros, "-o", out, "--with-sftp", "--sftp-client-key", open_key,
          NULL},
         {"--sftp-client-key ", "open_key: ssh-keygen failed:", NULL}},
        {{"kubevirt", "export", sros, "-o", out, "--with-sftp", "--sftp-host-key", not_key, NULL},
         {"not_key: not an OpenSSH private key", NULL}},
        {{"kubevirt", "export", example, "-o", out, "--with-sftp", NULL},
         {"topology.json: devices: --with-sftp: the lab has no SR OS router", NULL}},
        {{"kubevirt", "export", backend_spec, "-o", out, "--with-sftp", NULL},
         {"topology.json: vmlab.kubevirt.ftp.backend: --with-sftp makes",
          "topology.json: vmlab.kubevirt.sftp.colour: unknown key",
          "topology.json: vmlab.kubevirt.sftp.size: must be a size"}},
        {{"kubevirt", "export", both_spec, "-o", out, "--with-sftp", NULL},
         {"topology.json: vmlab.kubevirt.sftp.pvc: ftp.pvc already names the claim", NULL}},
    };

    (void)data;
    vl_test_write_file(open_key, key_text, -1, 0644); /* ssh-keygen refuses it */
    vl_test_write_file(not_key, "ssh-ed25519 AAAA\n", -1, 0600);
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *o = NULL, *e = NULL;
        int status = vl_test_run(cases[i].argv, &o, &e);

        if (status != 2)
            vl_test_print_failure(cases[i].argv, status, o, e);
        g_assert_cmpint(status, ==, 2);
        for (guint j = 0; j < G_N_ELEMENTS(cases[i].messages) && cases[i].messages[j]; j++) {
            if (!strstr(e, cases[i].messages[j]))
                g_printerr("# case %u: stderr '%s' lacks '%s'\n", i, e, cases[i].messages[j]);
            g_assert_nonnull(strstr(e, cases[i].messages[j]));
        }
        g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
    }
    vl_test_rmtree(backend_spec);
    vl_test_rmtree(both_spec);
    vl_test_rmtree(dir);
}

/* Return: TRUE if every folder from @path up is root's and writable by nobody else, as sshd's
 * ChrootDirectory demands. */
static gboolean
chroot_path_ok(const char *path)
{
    g_autofree char *p = g_strdup(path);

    for (;;) {
        struct stat st;
        char *slash;
        if (stat(*p ? p : "/", &st) < 0 || st.st_uid != 0 || (st.st_mode & 022))
            return FALSE;
        if (!*p)
            return TRUE;
        slash = strrchr(p, '/');
        *slash = '\0';
    }
}

/* Replaces the one @from in @s by @to, asserting there is exactly one. */
static void
replace_one(GString *s, const char *from, const char *to)
{
    g_assert_cmpuint(g_string_replace(s, from, to, 0), ==, 1);
}

/*
 * The SFTP server as the Deployment runs it, here: sshd with the exported sshd_config (its
 * container paths moved to @root, listening on 127.0.0.1:@port), the host key and
 * authorized_keys of the exported Secrets copied in as the start script does, and the chroot's
 * images/ and data/ as the PVC's subPaths would be.
 */
static GSubprocess *
start_exported_sshd(const char *out, const char *root, guint16 port)
{
    g_autofree char *config = yaml_value(out, "configmap-srlab-vmlab-sftp.yaml", "sshd_config");
    g_autofree char *host_key =
        yaml_value(out, "secret-srlab-vmlab-sftp-host-key.yaml", "ssh_host_key");
    g_autofree char *auth =
        yaml_value(out, "secret-srlab-vmlab-sftp-client-key.yaml", "authorized_keys");
    g_autofree char *run = g_build_filename(root, "run", NULL);
    g_autofree char *chroot = g_build_filename(root, "srv", NULL);
    g_autofree char *conf = g_build_filename(root, "sshd_config", NULL);
    g_autofree char *log = g_build_filename(root, "sshd.log", NULL);
    g_autofree char *p = NULL;
    g_autoptr(GString) c = g_string_new(config);
    g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(0);
    g_autoptr(GError) err = NULL;
    GSubprocess *proc;

    p = g_strdup_printf("Port %u\nListenAddress 127.0.0.1\n", port);
    replace_one(c, "Port 22\n", p);
    g_free(p);
    p = g_strdup_printf("HostKey %s/ssh_host_key\n", run);
    replace_one(c, "HostKey /run/vmlab-sftp/ssh_host_key\n", p);
    g_free(p);
    p = g_strdup_printf("AuthorizedKeysFile %s/authorized_keys\n", run);
    replace_one(c, "AuthorizedKeysFile /run/vmlab-sftp/authorized_keys\n", p);
    g_free(p);
    p = g_strdup_printf("ChrootDirectory %s\n", chroot);
    replace_one(c, "ChrootDirectory /srv/sftp\n", p);
    vl_test_write_file(conf, c->str, -1, 0600);
    g_assert_cmpint(g_mkdir_with_parents(run, 0755), ==, 0);
    g_free(p);
    p = g_build_filename(run, "ssh_host_key", NULL);
    vl_test_write_file(p, host_key, -1, 0600);
    g_free(p);
    p = g_build_filename(run, "authorized_keys", NULL);
    vl_test_write_file(p, auth, -1, 0644);
    g_assert_cmpint(g_mkdir_with_parents("/run/sshd", 0755), ==, 0);
    g_subprocess_launcher_set_stderr_file_path(launcher, log);
    g_subprocess_launcher_set_child_setup(launcher, vl_test_child_die_with_parent, NULL, NULL);
    proc = g_subprocess_launcher_spawn(launcher, &err, FTP_TEST_SSHD, "-D", "-e", "-f", conf, NULL);
    g_assert_no_error(err);
    ftp_test_sshd_wait(port, log);
    return proc;
}

/*
 * The hook, run as sidecar-shim runs it, on the exported hook-config.json: its proxy reaches the
 * exported SFTP server (a real sshd from the exported sshd_config and keys, chrooted) and serves
 * the router's tree; the first upload creates the config folder inside the chroot. The only
 * edits to the configuration are the Service's address: 127.0.0.1 and the test's port, in the
 * backend and in the known_hosts line.
 */
static void
test_sftp_hook(Keys *k, gconstpointer data)
{
    g_autofree char *root = NULL;
    g_autofree char *out = NULL;
    g_autofree char *hook_text = NULL;
    g_autofree char *hook_path = NULL;
    g_autoptr(GString) hook = NULL;
    g_autoptr(GSubprocess) sshd = NULL;
    guint16 sshd_port = vl_test_free_port();
    guint16 ftp_port = vl_test_free_port();
    g_autofree char *listen = g_strdup_printf("127.0.0.1:%u", ftp_port);
    g_autofree char *state = g_build_filename(k->dir, "state", NULL);
    g_autofree char *pid_file = g_build_filename(state, "ftp-proxy.pid", NULL);
    g_autofree char *vmi = kv_test_vmi_json("vsim-1-1");
    g_autofree char *xml = kv_test_read_data("data/kubevirt/hook/domain-containerdisk.xml");
    g_autofree char *saved_path = NULL;
    g_autofree char *p = NULL;

    (void)data;
    if (!g_file_test(FTP_TEST_SSHD, G_FILE_TEST_IS_EXECUTABLE) || getuid() != 0) {
        g_test_skip("needs " FTP_TEST_SSHD " (openssh-server) and root (sshd's chroot)");
        return;
    }
    /* the chroot must not be below /tmp (writable by all): /run is root's */
    root = g_strdup("/run/vmlab-test-sftp-XXXXXX");
    g_assert_nonnull(g_mkdtemp_full(root, 0755));
    if (!chroot_path_ok(root)) {
        vl_test_rmtree(root);
        g_test_skip("/run is not root's and closed to others: no place for sshd's chroot");
        return;
    }
    p = g_build_filename(root, "srv/images/sros-24.3/i386-iom.tim", NULL);
    vl_test_write_file(p, "TiMOS IOM image\n", -1, 0644);
    g_free(p);
    p = g_build_filename(root, "srv/data", NULL);
    g_assert_cmpint(g_mkdir_with_parents(p, 0755), ==, 0);
    saved_path = g_build_filename(root, "srv/data/cfgs/srlab/pe1/pe1.cfg", NULL);

    out = export_sros(k);
    sshd = start_exported_sshd(out, root, sshd_port);

    g_free(p);
    p = g_build_filename(out, "hook-config.json", NULL);
    hook_text = vl_test_read_file(p, NULL);
    hook = g_string_new(hook_text);
    g_free(p);
    p = g_strdup_printf("\"host\": \"127.0.0.1\",\n      \"port\": %u,", sshd_port);
    replace_one(hook, "\"host\": \"" SFTP_HOST "\",\n      \"port\": 22,", p);
    g_free(p);
    p = g_strdup_printf("\"known_hosts\": \"[127.0.0.1]:%u ssh-", sshd_port);
    replace_one(hook, "\"known_hosts\": \"" SFTP_HOST " ssh-", p);
    hook_path = g_build_filename(k->dir, "hook-config.json", NULL);
    vl_test_write_file(hook_path, hook->str, -1, 0600);
    g_setenv("VMLAB_HOOK_CONFIG", hook_path, TRUE);
    g_free(p);
    p = g_build_filename(k->dir, "hook.log", NULL);
    g_setenv("VMLAB_HOOK_LOG", p, TRUE);
    g_setenv("VMLAB_HOOK_FTP_LISTEN", listen, TRUE);
    g_setenv("VMLAB_HOOK_STATE_DIR", state, TRUE);

    kv_test_hook_run_thrice(k->dir, vmi, xml, pid_file);
    /* the client key went to a file of the proxy's, owner-only */
    assert_mode(state, "sftp-client-key", 0600);

    kv_test_assert_router_ftp(listen, k->dir, saved_path);

    kv_test_proxy_stop();
    g_subprocess_send_signal(sshd, SIGTERM);
    if (!ftp_test_wait_exit(sshd, 5000))
        g_subprocess_force_exit(sshd);
    g_unsetenv("VMLAB_HOOK_FTP_LISTEN");
    g_unsetenv("VMLAB_HOOK_STATE_DIR");
    kv_test_export_remove(out);
    vl_test_rmtree(root);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/kubevirt/sftp/golden", Keys, NULL, keys_setup, test_sftp_golden, keys_teardown);
    g_test_add("/kubevirt/sftp/manifests", Keys, NULL, keys_setup, test_sftp_manifests,
               keys_teardown);
    g_test_add("/kubevirt/sftp/checker-rejects", Keys, NULL, keys_setup, test_sftp_checker_rejects,
               keys_teardown);
    g_test_add("/kubevirt/sftp/generated-keys", Keys, NULL, keys_setup, test_sftp_generated,
               keys_teardown);
    g_test_add("/kubevirt/sftp/errors", Keys, NULL, keys_setup, test_sftp_errors, keys_teardown);
    g_test_add("/kubevirt/sftp/hook-real-sshd", Keys, NULL, keys_setup, test_sftp_hook,
               keys_teardown);
    return g_test_run();
}
