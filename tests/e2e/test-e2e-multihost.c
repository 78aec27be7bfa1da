/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-e2e-multihost.c - one lab on two real libvirt hosts: the system daemon and another user's
 * session over ssh; cross-host links, uploads, --host, an unreachable host */
#include "e2e-remote.h"
#include "e2e-util.h"
#include "vl-test-util.h"

#include <string.h>

/*
 * Runs only with VMLAB_E2E=1, as root. Host a is qemu:///system (the -c connection) at address
 * 127.0.0.2; host b is the session daemon of the user vmlabremote, reached through an sshd on
 * 127.0.0.1 (e2e-remote.h), at address 127.0.0.3. The lab is a ring of four tiny guests (a line
 * with TCP), r1 pinned to a and r2 to b; placement puts r3 on a and r4 on b, so every link
 * crosses the hosts.
 * Host b cannot read this machine's state folder: its kernel and initrd are uploaded into its
 * pool vmlab-images.
 *
 * Clean-up, pass or fail: the parent starts the sshd, purges both hosts, runs the case's body
 * in a child (g_test_trap_subprocess), purges both hosts again, stops the sshd and the user's
 * daemons, and only then reports the child's result.
 */

#define LAB    "e2e-mh"
#define PREFIX "e2em-"
/* link ports 21100+, ssh 21500+ (below the ephemeral range); the sshd of host b */
#define SSHD_PORT 21960

typedef struct {
    const char *transport;
    gboolean bad_port; /* host b's URI names a port nobody listens on */
} MhCase;

typedef struct {
    char *home;
    char *spec;
    E2eRemote *remote;
    const MhCase *c;
} Fixture;

static const char *const mh_ips[] = {
    "eth1:10.2.12.1/24,eth2:10.2.14.1/24",
    "eth1:10.2.12.2/24,eth2:10.2.23.2/24",
    "eth1:10.2.23.3/24,eth2:10.2.34.3/24",
    "eth1:10.2.34.4/24,eth2:10.2.14.4/24",
};

static void
mh_write_spec(Fixture *f, const char *uri)
{
    g_autofree char *src = vl_test_srcpath("../specs/example/platforms.json");
    g_autofree char *platforms = vl_test_read_file(src, NULL);
    /* UDP: a ring; TCP: a line (a cycle of TCP links could never all connect) */
    gboolean ring = g_str_equal(f->c->transport, "udp");
    g_autofree char *topo = g_strdup_printf(
        "{\"name\": \"" LAB "\",\n"
        " \"devices\": {\n"
        "  \"r1\": {\"interfaces\": {\"eth1\": {\"link\": \"r2:eth1\"}, \"eth2\": {%s}}},\n"
        "  \"r2\": {\"interfaces\": {\"eth1\": {\"link\": \"r1:eth1\"}, \"eth2\": {\"link\": "
        "\"r3:eth1\"}}},\n"
        "  \"r3\": {\"interfaces\": {\"eth1\": {\"link\": \"r2:eth2\"}, \"eth2\": {\"link\": "
        "\"r4:eth1\"}}},\n"
        "  \"r4\": {\"interfaces\": {\"eth1\": {\"link\": \"r3:eth2\"}, \"eth2\": {%s}}}},\n"
        " \"vmlab\": {\"link_port_base\": 21100, \"console_port_base\": 21300,\n"
        "   \"ssh_port_base\": 21500, \"domain_prefix\": \"" PREFIX "\", \"link_transport\": "
        "\"%s\",\n"
        "   \"hosts\": {\"a\": \"127.0.0.2\", \"b\": {\"address\": \"127.0.0.3\", \"uri\": "
        "\"%s\"}}}}\n",
        ring ? "\"link\": \"r4:eth2\"" : "", ring ? "\"link\": \"r1:eth2\"" : "", f->c->transport,
        uri);

    vl_test_write(f->spec, "topology.json", topo);
    vl_test_write(f->spec, "platforms.json", platforms);
    for (guint i = 0; i < G_N_ELEMENTS(mh_ips); i++) {
        g_autofree char *rel = g_strdup_printf("profiles/r%u.json", i + 1);
        g_autofree char *prof = g_strdup_printf(
            "{\"platform\": \"tiny-linux\", \"vm_cmdline\": \"console=ttyS0 vmlab.name=r%u "
            "vmlab.ip=%s\"%s}",
            i + 1, mh_ips[i],
            i == 0   ? ", \"vm_host\": \"a\""
            : i == 1 ? ", \"vm_host\": \"b\""
                     : "");
        vl_test_write(f->spec, rel, prof);
    }
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
    f->c = data;
    if (!e2e_enabled())
        return;
    if (g_test_subprocess()) {
        f->home = g_strdup(g_getenv("VMLAB_HOME"));
        f->spec = g_strdup(g_getenv("VMLAB_E2E_SPEC"));
        return;
    }
    f->remote = e2e_remote_start(SSHD_PORT);
    f->home = e2e_home_new();
    f->spec = vl_test_mkdtemp();
    g_setenv("VMLAB_E2E_SPEC", f->spec, TRUE);
    g_setenv("VMLAB_E2E_REMOTE_URI", f->remote->uri, TRUE);
    if (f->c->bad_port) {
        g_autoptr(GString) uri = g_string_new(f->remote->uri);
        g_string_replace(uri, ":" G_STRINGIFY(SSHD_PORT) "/", ":21961/", 1);
        mh_write_spec(f, uri->str);
    } else {
        mh_write_spec(f, f->remote->uri);
    }
    e2e_purge(LAB, PREFIX);
    e2e_remote_purge(f->remote->uri, LAB, PREFIX, TRUE);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
    if (f->home && !g_test_subprocess()) {
        e2e_remote_stop(f->remote);
        vl_test_rmtree(f->home);
        vl_test_rmtree(f->spec);
    }
    g_free(f->home);
    g_free(f->spec);
}

/* In the parent: the body in a child, then both hosts purged. Return: TRUE in the child. */
static gboolean
mh_in_child(Fixture *f)
{
    if (g_test_subprocess())
        return TRUE;
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
    e2e_purge(LAB, PREFIX);
    e2e_remote_purge(f->remote->uri, LAB, PREFIX, TRUE);
    g_test_trap_assert_passed();
    return FALSE;
}

static void
run_ok(guint seconds, const char *const *argv, char **out)
{
    vl_test_run_expect(seconds, argv, 0, out);
}

static void
assert_ping(const char *node, const char *addr)
{
    g_autofree char *cmd = g_strdup_printf("ping -c 3 -W 2 %s", addr);

    g_free(e2e_exec_ok(LAB, node, cmd));
}

static int
mh_strptr_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Return: (transfer full): the sorted domain names of prefix PREFIX on @uri, space-separated. */
static char *
domains_on(const char *uri)
{
    g_autofree char *out = e2e_virsh_on(uri, "list --all --name");
    g_auto(GStrv) lines = g_strsplit(out ? out : "", "\n", -1);
    g_autoptr(GPtrArray) names = g_ptr_array_new();

    for (guint i = 0; lines[i]; i++) {
        if (g_str_has_prefix(g_strstrip(lines[i]), PREFIX))
            g_ptr_array_add(names, lines[i]);
    }
    g_ptr_array_sort(names, mh_strptr_cmp);
    g_ptr_array_add(names, NULL);
    return g_strjoinv(" ", (char **)names->pdata);
}

/* Asserts neither host has a domain, volume or pool of the lab left. */
static void
assert_nothing_left(const char *remote_uri)
{
    g_autofree char *a = domains_on(URI);
    g_autofree char *b = domains_on(remote_uri);
    g_autofree char *pools_a = e2e_virsh_on(URI, "pool-list --all --name");
    g_autofree char *pools_b = e2e_virsh_on(remote_uri, "pool-list --all --name");

    g_assert_cmpstr(a, ==, "");
    g_assert_cmpstr(b, ==, "");
    g_assert_null(strstr(pools_a, "vmlab-" LAB));
    g_assert_null(strstr(pools_b, "vmlab-" LAB));
}

/* Return: the number of image volumes (not their .done marks) in host b's vmlab-images. */
static guint
images_on(const char *uri)
{
    g_autofree char *out = e2e_virsh_on(uri, "vol-list vmlab-images");
    g_auto(GStrv) lines = g_strsplit(out ? out : "", "\n", -1);
    guint n = 0;

    for (guint i = 0; lines[i]; i++) {
        const char *l = g_strstrip(lines[i]);
        if (g_str_has_prefix(l, "sha256-") && !strstr(l, ".done "))
            n++;
    }
    return n;
}

static void
test_lab(Fixture *f, gconstpointer data)
{
    const char *remote = g_getenv("VMLAB_E2E_REMOTE_URI");
    const char *up[] = {"up", f->spec, "-c", URI, "--jobs", "4", NULL};
    const char *status[] = {"status", "--lab", LAB, "-c", URI, "--json", NULL};
    const char *down[] = {"down", "--lab", LAB, "-c", URI, NULL};
    g_autofree char *out = NULL;
    g_autofree char *again = NULL;
    g_autofree char *st = NULL;
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;

    if (!e2e_enabled()) {
        g_test_skip("VMLAB_E2E=1 not set");
        return;
    }
    if (!mh_in_child(f))
        return;
    run_ok(400, up, &out);
    g_assert_nonnull(strstr(out, "host b: uploaded"));
    a = domains_on(URI);
    b = domains_on(remote);
    g_assert_cmpstr(a, ==, PREFIX "r1 " PREFIX "r3");
    g_assert_cmpstr(b, ==, PREFIX "r2 " PREFIX "r4");
    /* every link crosses the hosts */
    assert_ping("r1", "10.2.12.2");
    assert_ping("r2", "10.2.23.3");
    assert_ping("r3", "10.2.34.4");
    if (g_str_equal(f->c->transport, "udp"))
        assert_ping("r4", "10.2.14.1");
    run_ok(60, status, &st);
    g_assert_nonnull(strstr(st, "\"domain\": \"" PREFIX "r2\""));
    g_assert_nonnull(strstr(st, "\"server\": \"b\""));
    g_assert_nonnull(strstr(st, "\"server\": \"a\""));
    g_assert_nonnull(strstr(st, "\"host\": \"127.0.0.3\""));
    /* A second up sends nothing: host b holds each file once. */
    run_ok(400, up, &again);
    g_assert_null(strstr(again, "uploaded"));
    g_assert_cmpuint(images_on(remote), ==, 2);
    run_ok(300, down, NULL);
    assert_nothing_left(remote);
}

/* newtlab's model: `up --host NAME` once per host gives what one `up` gives. */
static void
test_in_turn(Fixture *f, gconstpointer data)
{
    const char *remote = g_getenv("VMLAB_E2E_REMOTE_URI");
    const char *up_b[] = {"up", f->spec, "-c", URI, "--host", "b", NULL};
    const char *up_a[] = {"up", f->spec, "-c", URI, "--host", "a", NULL};
    const char *down_b[] = {"down", "--lab", LAB, "-c", URI, "--host", "b", NULL};
    const char *down[] = {"down", "--lab", LAB, "-c", URI, NULL};
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;

    if (!e2e_enabled()) {
        g_test_skip("VMLAB_E2E=1 not set");
        return;
    }
    if (!mh_in_child(f))
        return;
    run_ok(400, up_b, NULL);
    a = domains_on(URI);
    g_assert_cmpstr(a, ==, "");
    run_ok(400, up_a, NULL);
    g_free(a);
    a = domains_on(URI);
    b = domains_on(remote);
    g_assert_cmpstr(a, ==, PREFIX "r1 " PREFIX "r3");
    g_assert_cmpstr(b, ==, PREFIX "r2 " PREFIX "r4");
    assert_ping("r1", "10.2.12.2");
    run_ok(300, down_b, NULL);
    g_free(a);
    g_free(b);
    a = domains_on(URI);
    b = domains_on(remote);
    g_assert_cmpstr(a, ==, PREFIX "r1 " PREFIX "r3");
    g_assert_cmpstr(b, ==, "");
    run_ok(300, down, NULL);
    assert_nothing_left(remote);
}

/* A wrong port in host b's URI: a clear error naming b, and nothing changes on host a. */
static void
test_unreachable(Fixture *f, gconstpointer data)
{
    const char *up[] = {"up", f->spec, "-c", URI, NULL};
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autofree char *a = NULL;
    g_autofree char *state = NULL;
    int status;

    if (!e2e_enabled()) {
        g_test_skip("VMLAB_E2E=1 not set");
        return;
    }
    if (!mh_in_child(f))
        return;
    status = vl_test_run_timeout(120, up, &out, &err);
    if (status != 1 || !strstr(err, "host 'b' is unreachable"))
        vl_test_print_failure(up, status, out, err);
    g_assert_cmpint(status, ==, 1);
    g_assert_nonnull(strstr(err, "host 'b' is unreachable"));
    a = domains_on(URI);
    g_assert_cmpstr(a, ==, "");
    state = g_build_filename(f->home, "labs", LAB, "state.json", NULL);
    g_assert_false(g_file_test(state, G_FILE_TEST_EXISTS));
}

static const MhCase mh_udp = {"udp", FALSE};
static const MhCase mh_tcp = {"tcp", FALSE};
static const MhCase mh_bad = {"udp", TRUE};

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/e2e/multihost/udp", Fixture, &mh_udp, fixture_setup, test_lab, fixture_teardown);
    g_test_add("/e2e/multihost/tcp", Fixture, &mh_tcp, fixture_setup, test_lab, fixture_teardown);
    g_test_add("/e2e/multihost/up-host-in-turn", Fixture, &mh_udp, fixture_setup, test_in_turn,
               fixture_teardown);
    g_test_add("/e2e/multihost/unreachable", Fixture, &mh_bad, fixture_setup, test_unreachable,
               fixture_teardown);
    return g_test_run();
}
