/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-e2e-lab.c - end to end on a real libvirtd + QEMU (TCG): up, pings over links, stop/start,
 * exec, down */
#include "e2e-capture.h"
#include "e2e-util.h"
#include "vl-test-registry.h"
#include "vl-test-util.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

/*
 * Runs only with VMLAB_E2E=1 (CI sets it): needs root, a libvirtd answering on qemu:///system and
 * the tiny guest image (scripts/build-tiny-guest.sh) in $VMLAB_TINY_DIR or
 * /var/lib/vmlab/images/tiny. Each case copies its spec into a private state folder, so nothing of
 * a user's labs is touched; domain names carry a prefix of their own. Every command is bounded.
 *
 * Clean-up, pass or fail: each case's body runs in a child process (g_test_trap_subprocess), so a
 * failed assertion aborts only the child. The parent removes the lab's domains (by prefix) and
 * its pool before the case starts, again after the child ends whatever its outcome, and only
 * then reports the child's result. The child gets the parent's folders through the environment.
 */

typedef struct {
    const char *name;                /* test case */
    const char *spec;                /* relative to tests/ */
    const char *lab;                 /* lab name after the rewrite */
    const char *prefix;              /* domain prefix after the rewrite */
    const char *pings[3][3];         /* node, then the addresses it must reach */
    const char *restart;             /* the node to stop and start */
    const char *after_restart[2][2]; /* node, address: pings that must work again */
    guint port_base;                 /* example: link ports; console +200, ssh +400 */
    gboolean oci;                    /* kernel and initrd from a registry (oci:// references) */
} E2eCase;

static const E2eCase e2e_cases[] = {
    {"udp-triangle",
     "../specs/example",
     "e2e-udp",
     "e2eu-",
     {{"r1", "10.0.12.2", "10.0.13.3"},
      {"r2", "10.0.12.1", "10.0.23.3"},
      {"r3", "10.0.23.2", "10.0.13.1"}},
     "r2",
     {{"r1", "10.0.12.2"}, {"r3", "10.0.23.2"}},
     24000,
     FALSE},
    /* TCP: r3 only connects (to r2), so restarting it brings its link back. Its kernel and
     * initrd come from a local registry as containerDisk images (oci:// references). */
    {"tcp-line",
     "e2e/data/tcp-line",
     "e2e-tcp",
     "e2et-",
     {{"r1", "10.1.12.2", "10.1.12.1"},
      {"r2", "10.1.12.1", "10.1.23.3"},
      {"r3", "10.1.23.2", "10.1.23.3"}},
     "r3",
     {{"r2", "10.1.23.3"}, {"r3", "10.1.23.2"}},
     0,
     TRUE},
};

typedef struct {
    char *home;
    char *spec;
    const E2eCase *c;
    VlTestRegistry *reg; /* parent only: the oci case's registry */
} Fixture;

/*
 * Pushes the tiny guest's file @name to @reg and makes @spec_file (in @dir) name it by its
 * reference instead of $VMLAB_HOME/images/tiny/@name.
 */
static void
e2e_use_registry(VlTestRegistry *reg, const char *dir, const char *spec_file, const char *name)
{
    g_autofree char *file = g_build_filename(e2e_tiny_dir(), name, NULL);
    g_autofree char *tag = g_strdup_printf("vmlab/tiny-%s:1", name);
    g_autofree char *ref = vl_test_registry_push(reg, file, tag);
    g_autofree char *path = g_build_filename(dir, spec_file, NULL);
    g_autofree char *local = g_strdup_printf("$VMLAB_HOME/images/tiny/%s", name);
    g_autofree char *text = NULL;
    g_autoptr(GString) t = NULL;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    t = g_string_new(text);
    g_assert_cmpuint(g_string_replace(t, local, ref, 0), >, 0);
    g_assert_true(g_file_set_contents(path, t->str, -1, NULL));
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
    const E2eCase *c = data;
    const char *files[] = {"topology.json",    "platforms.json",   "profiles/r1.json",
                           "profiles/r2.json", "profiles/r3.json", NULL};
    g_autofree char *src = vl_test_srcpath(c->spec);
    g_autofree char *topo = NULL;
    g_autofree char *text = NULL;
    g_autoptr(GString) t = NULL;

    f->c = c;
    if (!e2e_enabled())
        return;
    if (g_test_subprocess()) {
        f->home = g_strdup(g_getenv("VMLAB_HOME"));
        f->spec = g_strdup(g_getenv("VMLAB_E2E_SPEC"));
        return;
    }
    e2e_purge(c->lab, c->prefix);
    f->home = e2e_home_new();

    f->spec = vl_test_mkdtemp();
    g_setenv("VMLAB_E2E_SPEC", f->spec, TRUE);
    vl_test_copy_files(src, f->spec, files);
    if (c->oci) {
        f->reg = vl_test_registry_start(NULL);
        e2e_use_registry(f->reg, f->spec, "platforms.json", "vmlinuz");
        e2e_use_registry(f->reg, f->spec, "platforms.json", "initrd.img");
    }
    /* Own lab name, domain prefix and ports, so a running example lab is not disturbed. */
    topo = g_build_filename(f->spec, "topology.json", NULL);
    g_file_get_contents(topo, &text, NULL, NULL);
    t = g_string_new(text);
    if (strstr(c->spec, "example")) {
        g_autofree char *name = g_strdup_printf("\"name\": \"%s\"", c->lab);
        g_autofree char *vmlab =
            g_strdup_printf("\"link_transport\": \"udp\", \"domain_prefix\": \"%s\"", c->prefix);
        /* below the kernel's ephemeral range (32768-60999), where a client socket can hold a port
         */
        g_autofree char *link = g_strdup_printf("%u", c->port_base);
        g_autofree char *console = g_strdup_printf("%u", c->port_base + 200);
        g_autofree char *ssh = g_strdup_printf("%u", c->port_base + 400);

        g_string_replace(t, "\"name\": \"example\"", name, 1);
        g_string_replace(t, "\"link_transport\": \"udp\"", vmlab, 1);
        g_string_replace(t, "21000", link, 1);
        g_string_replace(t, "31000", console, 1);
        g_string_replace(t, "41000", ssh, 1);
    }
    if (c->oci) {
        g_autofree char *prefix = g_strdup_printf("\"domain_prefix\": \"%s\"", c->prefix);
        g_autofree char *with =
            g_strdup_printf("%s, \"insecure_registries\": [\"%s\"]", prefix, f->reg->addr);
        g_assert_cmpuint(g_string_replace(t, prefix, with, 1), ==, 1);
    }
    g_file_set_contents(topo, t->str, -1, NULL);
}

static void
run_ok(guint seconds, const char *const *argv)
{
    vl_test_run_expect(seconds, argv, 0, NULL);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
    if (f->home && !g_test_subprocess()) {
        vl_test_registry_stop(f->reg);
        vl_test_rmtree(f->home);
        vl_test_rmtree(f->spec);
    }
    g_free(f->home);
    g_free(f->spec);
}

/* Pings @addr from @node over the lab's links; a few tries while ARP settles. */
static void
assert_ping(const Fixture *f, const char *node, const char *addr)
{
    g_autofree char *cmd = g_strdup_printf("ping -c 3 -W 2 %s", addr);
    g_autofree char *what =
        g_strdup_printf("%s cannot ping %s after 5 tries; the last:", node, addr);

    g_free(e2e_exec_retry(f->c->lab, node, cmd, 5, 60, what));
}

static void
test_e2e(Fixture *f, gconstpointer data)
{
    const E2eCase *c = f->c;
    const char *up[] = {"up", f->spec, "-c", URI, "--jobs", "3", NULL};
    const char *down[] = {"down", f->spec, "-c", URI, NULL};
    const char *all[] = {"exec", "--all", "--lab", c->lab, "-c", URI, "--", "hostname", NULL};
    const char *stop[] = {"stop", c->restart, "--lab", c->lab, "-c", URI, NULL};
    const char *start[] = {"start", c->restart, "--lab", c->lab, "-c", URI, NULL};
    g_autofree char *out = NULL;
    g_autofree char *virsh = NULL;
    g_autofree char *pools = NULL;
    g_autofree char *pool_name = g_strdup_printf("vmlab-%s", c->lab);

    if (!e2e_enabled()) {
        g_test_skip("set VMLAB_E2E=1 (needs root, libvirtd and the tiny guest image)");
        return;
    }
    if (!e2e_in_child(c->lab, c->prefix))
        return;
    vl_test_run_expect(400, up, 0, &out);
    /* the oci case pulls kernel and initrd once, before anything is defined */
    if (c->oci)
        g_assert_nonnull(strstr(out, "pulled"));
    g_clear_pointer(&out, g_free);
    for (guint i = 0; i < 3; i++) {
        assert_ping(f, c->pings[i][0], c->pings[i][1]);
        assert_ping(f, c->pings[i][0], c->pings[i][2]);
    }
    /* status --json: every VM running and ready, with its ports */
    {
        const char *status[] = {"status", "--lab", c->lab, "--json", "-c", URI, NULL};
        g_autofree char *json = NULL;
        vl_test_run_expect(60, status, 0, &json);
        g_assert_nonnull(strstr(json, "\"version\": 1"));
        for (guint i = 0; i < 3; i++) {
            g_autofree char *dom =
                g_strdup_printf("\"domain\": \"%s%s\"", c->prefix, c->pings[i][0]);
            g_assert_nonnull(strstr(json, dom));
        }
        g_assert_null(strstr(json, "\"ready\": false"));
        g_assert_null(strstr(json, "shut off"));
    }
    /* exec --all: every VM answers, exit status 0 */
    vl_test_run_expect(120, all, 0, &out);
    for (guint i = 0; i < 3; i++) {
        g_autofree char *hdr = g_strdup_printf("== %s%s", c->prefix, c->pings[i][0]);
        g_assert_nonnull(strstr(out, hdr));
        g_assert_nonnull(strstr(out, c->pings[i][0]));
    }
    /* stop and start one node; `up` then waits until it is ready again */
    run_ok(60, stop);
    run_ok(60, start);
    g_clear_pointer(&out, g_free);
    vl_test_run_expect(400, up, 0, &out);
    /* a second up of the same tags uses the stored images: nothing is pulled */
    g_assert_null(strstr(out, "pulled"));
    for (guint i = 0; i < 2; i++)
        assert_ping(f, c->after_restart[i][0], c->after_restart[i][1]);
    /* down leaves no domain, volume or pool of the lab */
    run_ok(120, down);
    g_assert_true(
        g_spawn_command_line_sync("virsh -c " URI " list --all --name", &virsh, NULL, NULL, NULL));
    g_assert_null(strstr(virsh, c->prefix));
    g_assert_true(g_spawn_command_line_sync("virsh -c " URI " pool-list --all --name", &pools, NULL,
                                            NULL, NULL));
    g_assert_null(strstr(pools, pool_name));
}

/* Runs `exec` on @node of lab e2e-sros until it exits 0; fails the test otherwise.
 * Return: (transfer full): its output. */
static char *
sros_exec(const char *node, const char *cmd)
{
    /* line cards count as ready once running: give their guests time to boot */
    return e2e_exec_retry("e2e-sros", node, cmd, 40, 60, NULL);
}

/*
 * SR OS with the tiny guest standing in for TiMOS: a vsim with CPM a and line cards 1 and 2, and a
 * Linux peer on port 1/1/1. The CPM mounts its raw cf3: disk, reads bof.cfg, fetches the
 * primary image from 10.0.2.1 through the FTP proxy and uploads a config naming the image's
 * sha256, which must land in /data/cfgs/<lab>/<device>/ on the backend: the proxy's local folder,
 * or an OpenSSH sshd (internal-sftp, chrooted, key login, host key pinned in known_hosts) that the
 * test starts on 127.0.0.1.
 */
typedef struct {
    char *home;     /* VMLAB_HOME */
    char *spec;     /* a copy of e2e/data/sros, with the backend written in */
    char *files;    /* the backend's root as seen on this host */
    char *sshd_dir; /* sftp: keys, config */
    GSubprocess *sshd;
    VlTestRegistry *reg; /* local: CPM and IOM images come from it */
} SrosFixture;

static void
sros_keygen(const char *path)
{
    const char *argv[] = {"ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-f", path, NULL};
    int status = 1;

    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, &status, NULL));
    g_assert_cmpint(status, ==, 0);
}

/* Starts sshd on a free loopback port serving @f->files over internal-sftp. Return: the port. */
static guint
sros_start_sshd(SrosFixture *f)
{
    g_autofree char *hostkey = g_build_filename(f->sshd_dir, "host_key", NULL);
    g_autofree char *hostpub = g_build_filename(f->sshd_dir, "host_key.pub", NULL);
    g_autofree char *client = g_build_filename(f->sshd_dir, "client_key", NULL);
    g_autofree char *clientpub = g_build_filename(f->sshd_dir, "client_key.pub", NULL);
    g_autofree char *auth = g_build_filename(f->sshd_dir, "authorized_keys", NULL);
    g_autofree char *known = g_build_filename(f->sshd_dir, "known_hosts", NULL);
    g_autofree char *conf = g_build_filename(f->sshd_dir, "sshd_config", NULL);
    g_autofree char *pub = NULL;
    g_autofree char *hpub = NULL;
    g_autofree char *text = NULL;
    g_autofree char *kh = NULL;
    g_autoptr(GSocket) probe =
        g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
    g_autoptr(GSocketAddress) bound = NULL;
    guint port;

    sros_keygen(hostkey);
    sros_keygen(client);
    g_assert_true(g_file_get_contents(clientpub, &pub, NULL, NULL));
    g_assert_true(g_file_set_contents(auth, pub, -1, NULL));
    /* a free port: bind 0, read it back, release it for sshd */
    g_assert_true(g_socket_bind(probe, any, TRUE, NULL));
    bound = g_socket_get_local_address(probe, NULL);
    port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
    g_socket_close(probe, NULL);
    g_assert_true(g_file_get_contents(hostpub, &hpub, NULL, NULL));
    kh = g_strdup_printf("[127.0.0.1]:%u %s", port, hpub);
    g_assert_true(g_file_set_contents(known, kh, -1, NULL));
    text = g_strdup_printf(
        "Port %u\nListenAddress 127.0.0.1\nHostKey %s\nPidFile none\nAuthorizedKeysFile %s\n"
        "PermitRootLogin prohibit-password\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nStrictModes no\nUsePAM no\n"
        "Subsystem sftp internal-sftp\nChrootDirectory %s\nForceCommand internal-sftp\n",
        port, hostkey, auth, f->files);
    g_assert_true(g_file_set_contents(conf, text, -1, NULL));
    g_mkdir_with_parents("/run/sshd", 0755);
    f->sshd = g_subprocess_new(G_SUBPROCESS_FLAGS_STDERR_SILENCE, NULL, "/usr/sbin/sshd", "-D",
                               "-e", "-f", conf, NULL);
    g_assert_nonnull(f->sshd);
    for (int i = 0; i < 50; i++) {
        g_autoptr(GSocketClient) c = g_socket_client_new();
        g_autoptr(GSocketConnection) conn =
            g_socket_client_connect_to_host(c, "127.0.0.1", (guint16)port, NULL, NULL);
        if (conn)
            return port;
        g_usleep(100 * 1000);
    }
    g_error("sshd did not listen on 127.0.0.1:%u", port);
}

static void
sros_setup(SrosFixture *f, gconstpointer data)
{
    const char *backend = data;
    const char *files[] = {"topology.json", "platforms.json", "profiles/pe1.json",
                           "profiles/r9.json", NULL};
    g_autofree char *src = vl_test_srcpath("e2e/data/sros");
    g_autofree char *topo = NULL;
    g_autofree char *text = NULL;
    g_autoptr(GString) t = NULL;

    if (!e2e_enabled())
        return;
    if (g_test_subprocess()) {
        f->home = g_strdup(g_getenv("VMLAB_HOME"));
        f->spec = g_strdup(g_getenv("VMLAB_E2E_SPEC"));
        f->files = g_strdup(g_getenv("VMLAB_E2E_FILES"));
        return;
    }
    e2e_purge("e2e-sros", "e2es-");
    f->home = e2e_home_new();

    f->spec = vl_test_mkdtemp();
    g_setenv("VMLAB_E2E_SPEC", f->spec, TRUE);
    vl_test_copy_files(src, f->spec, files);
    if (g_str_equal(backend, "local")) {
        f->files = g_build_filename(f->home, "ftp", "files", NULL);
        g_setenv("VMLAB_E2E_FILES", f->files, TRUE);
        /* the local case takes cpm_image and iom_image from a registry (oci:// references) */
        {
            g_autofree char *insecure = NULL;

            f->reg = vl_test_registry_start(NULL);
            e2e_use_registry(f->reg, f->spec, "platforms.json", "disk.img");
            e2e_use_registry(f->reg, f->spec, "platforms.json", "disk.qcow2");
            topo = g_build_filename(f->spec, "topology.json", NULL);
            g_assert_true(g_file_get_contents(topo, &text, NULL, NULL));
            t = g_string_new(text);
            insecure = g_strdup_printf(
                "\"domain_prefix\": \"e2es-\", \"insecure_registries\": [\"%s\"]", f->reg->addr);
            g_assert_cmpuint(g_string_replace(t, "\"domain_prefix\": \"e2es-\"", insecure, 1), ==,
                             1);
            g_assert_true(g_file_set_contents(topo, t->str, -1, NULL));
        }
        return;
    }
    /* sshd refuses a chroot below a world-writable folder such as /tmp: use /run */
    f->files = g_strdup("/run/vmlab-e2e-sftp-XXXXXX");
    g_assert_nonnull(g_mkdtemp_full(f->files, 0755));
    g_setenv("VMLAB_E2E_FILES", f->files, TRUE);
    f->sshd_dir = vl_test_mkdtemp();
    {
        guint port = sros_start_sshd(f);
        g_autofree char *key = g_build_filename(f->sshd_dir, "client_key", NULL);
        g_autofree char *known = g_build_filename(f->sshd_dir, "known_hosts", NULL);
        g_autofree char *ftp =
            g_strdup_printf("\"domain_prefix\": \"e2es-\", \"ftp\": {\"backend\": \"images\", "
                            "\"backends\": {\"images\": "
                            "{\"type\": \"sftp\", \"host\": \"127.0.0.1\", \"port\": %u, \"user\": "
                            "\"root\", \"private_key\": \"%s\", "
                            "\"known_hosts\": \"%s\"}}}",
                            port, key, known);
        topo = g_build_filename(f->spec, "topology.json", NULL);
        g_assert_true(g_file_get_contents(topo, &text, NULL, NULL));
        t = g_string_new(text);
        g_assert_cmpuint(g_string_replace(t, "\"domain_prefix\": \"e2es-\"", ftp, 1), ==, 1);
        g_assert_true(g_file_set_contents(topo, t->str, -1, NULL));
    }
}

static void
sros_teardown(SrosFixture *f, gconstpointer data)
{
    if (!f->home)
        return;
    if (g_test_subprocess())
        goto out;
    if (f->sshd) {
        g_subprocess_send_signal(f->sshd, SIGTERM);
        g_subprocess_wait(f->sshd, NULL, NULL);
        g_object_unref(f->sshd);
        vl_test_rmtree(f->files);
        vl_test_rmtree(f->sshd_dir);
    }
    vl_test_registry_stop(f->reg);
    vl_test_rmtree(f->home);
    vl_test_rmtree(f->spec);
out:
    g_free(f->home);
    g_free(f->spec);
    g_free(f->files);
    g_free(f->sshd_dir);
}

static void
test_e2e_sros(SrosFixture *f, gconstpointer unused)
{
    const char *home = f->home;
    g_autofree char *timos = NULL;
    g_autofree char *image = NULL;
    g_autofree char *sum = NULL;
    g_autofree char *cfg = NULL;
    g_autofree char *text = NULL;
    g_autofree char *out = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *expect = NULL;
    g_autoptr(GBytes) data = NULL;
    const char *up[] = {"up", f->spec, "-c", URI, NULL};
    const char *down[] = {"down", f->spec, "-c", URI, "--purge", NULL};
    guint8 buf[65536];

    if (!e2e_enabled()) {
        g_test_skip("set VMLAB_E2E=1 (needs root, libvirtd and the tiny guest image)");
        return;
    }
    if (!e2e_in_child("e2e-sros", "e2es-"))
        return;
    /* the "TiMOS image" on the backend, at the platform's timos_path */
    timos = g_build_filename(f->files, "sros", "e2e", NULL);
    g_assert_cmpint(g_mkdir_with_parents(timos, 0755), ==, 0);
    for (guint i = 0; i < sizeof(buf); i++)
        buf[i] = (guint8)g_random_int();
    data = g_bytes_new(buf, sizeof(buf));
    image = g_build_filename(timos, "both.tim", NULL);
    g_assert_true(g_file_set_contents(image, (const char *)buf, sizeof(buf), NULL));
    sum = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, data);

    run_ok(600, up);
    /* cf3: holds the bof.cfg vmlab-virt wrote, pointing at 10.0.2.1 */
    out = sros_exec("e2es-vsim-1-a", "cat /cf3/bof.cfg");
    g_assert_nonnull(strstr(out, "primary-image"));
    g_assert_nonnull(strstr(out, "@10.0.2.1/sros/"));
    g_assert_nonnull(strstr(out, "10.0.2.2/24 active"));
    /* the fabric segment joins the CPM and both line cards */
    g_free(sros_exec("e2es-vsim-1-a", "ping -c 3 -W 2 10.99.0.11"));
    g_free(sros_exec("e2es-vsim-1-a", "ping -c 3 -W 2 10.99.0.12"));
    /* port 1/1/1 of line card 1 carries the link to r9 */
    g_free(sros_exec("e2es-vsim-1-1", "ping -c 3 -W 2 10.5.1.2"));
    /* ... and is captured on the line card's NIC while it pings r9 */
    {
        g_autofree char *pcap = g_build_filename(f->files, "pe1-1-1-1.pcap", NULL);
        g_autoptr(GSubprocess) cap = e2e_capture_start(URI, "e2e-sros", "pe1:1/1/1", pcap);

        e2e_wait_filters(URI, "e2es-vsim-1-1", 1);
        g_free(sros_exec("e2es-vsim-1-1", "ping -c 4 -W 2 10.5.1.2"));
        e2e_capture_stop(cap);
        e2e_pcap_assert_pings(pcap, 4);
        g_assert_cmpuint(e2e_filter_count(URI, "e2es-vsim-1-1"), ==, 0);
    }
    /* the CPM fetched the image through the proxy and saved a config naming its sha256 */
    cfg = g_build_filename(f->files, "data", "cfgs", "e2e-sros", "pe1", "config.cfg", NULL);
    for (int i = 0; i < 30 && !g_file_test(cfg, G_FILE_TEST_EXISTS); i++)
        g_usleep(G_USEC_PER_SEC);
    g_assert_true(g_file_get_contents(cfg, &text, NULL, NULL));
    expect = g_strdup_printf("image sha256 %s", sum);
    g_assert_nonnull(strstr(text, expect));
    /* the disk layouts of the brief */
    g_assert_true(g_spawn_command_line_sync("virsh -c " URI " dumpxml e2es-vsim-1-a", &xml, NULL,
                                            NULL, NULL));
    g_assert_nonnull(strstr(xml, "type='raw' cache='none'"));
    g_clear_pointer(&xml, g_free);
    g_assert_true(g_spawn_command_line_sync("virsh -c " URI " dumpxml e2es-vsim-1-1", &xml, NULL,
                                            NULL, NULL));
    g_assert_nonnull(strstr(xml, "type='qcow2' cache='none'"));
    g_assert_nonnull(strstr(xml, "disk.qcow2"));

    run_ok(120, down);
    {
        g_autofree char *list = NULL;
        g_autofree char *persist = g_build_filename(home, "labs", "e2e-sros", "persist", NULL);
        g_assert_true(g_spawn_command_line_sync("virsh -c " URI " list --all --name", &list, NULL,
                                                NULL, NULL));
        g_assert_null(strstr(list, "e2es-"));
        g_assert_false(g_file_test(persist, G_FILE_TEST_EXISTS));
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (guint i = 0; i < G_N_ELEMENTS(e2e_cases); i++) {
        g_autofree char *path = g_strdup_printf("/e2e/lab/%s", e2e_cases[i].name);
        g_test_add(path, Fixture, &e2e_cases[i], fixture_setup, test_e2e, fixture_teardown);
    }
    g_test_add("/e2e/sros/vsim-ftp-boot/local-oci-images", SrosFixture, "local", sros_setup,
               test_e2e_sros, sros_teardown);
    g_test_add("/e2e/sros/vsim-ftp-boot/sftp", SrosFixture, "sftp", sros_setup, test_e2e_sros,
               sros_teardown);
    return g_test_run();
}
