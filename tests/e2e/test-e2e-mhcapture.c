/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-e2e-mhcapture.c - end to end: `capture` on a VM of a remote libvirt host (another user's
 * session over ssh): the pcap comes back over the libvirt connection */
#include "e2e-capture.h"
#include "e2e-remote.h"
#include "e2e-util.h"
#include "vl-test-util.h"

#include <gio/gio.h>
#include <string.h>

/*
 * Runs only with VMLAB_E2E=1, as root, with the fixture of test-e2e-multihost.c (e2e-remote.h):
 * host a is qemu:///system at 127.0.0.2, host b the session of user vmlabremote over an sshd on
 * 127.0.0.1:22290, at 127.0.0.3. Its own lab (cpmh, domains cpm-*, ports 22100/22150/22200):
 * r1 on a, r2 on b, one UDP link across. r1 pings r2 while r2:eth1 (on b) is captured; the
 * frames come back through b's pool vmlab-cpmh and the libvirt connection. Then a capture killed
 * with SIGKILL leaves its filter and volume, and the next capture removes both; so does `up`.
 * The parent purges both hosts before and after, pass or fail.
 */

#define LAB       "cpmh"
#define PREFIX    "cpm-"
#define SSHD_PORT 22290

/* Return: the number of capture volumes in b's lab pool. */
static guint
capture_volumes(const char *uri)
{
    g_autofree char *out = e2e_virsh_on(uri, "vol-list vmlab-" LAB);
    g_auto(GStrv) lines = NULL;
    guint n = 0;

    g_assert_nonnull(out);
    lines = g_strsplit(out, "\n", -1);
    for (guint i = 0; lines[i]; i++)
        n += g_str_has_prefix(g_strstrip(lines[i]), "vlcap-"); /* name, then path */
    return n;
}

/* Starts a capture of r2:eth1 and kills it with SIGKILL once its filter is on: its filter and
 * volume stay on host b. */
static void
capture_killed(const char *remote)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GSubprocess) cap =
        g_subprocess_new(G_SUBPROCESS_FLAGS_STDERR_SILENCE, &err, g_getenv("VMLAB_BIN"), "capture",
                         "--lab", LAB, "--connect", URI, "r2:eth1", "-w", "/dev/null", NULL);

    g_assert_no_error(err);
    e2e_wait_filters(remote, PREFIX "r2", 1);
    g_subprocess_force_exit(cap);
    g_subprocess_wait(cap, NULL, NULL);
    g_assert_cmpuint(e2e_filter_count(remote, PREFIX "r2"), ==, 1);
    g_assert_cmpuint(capture_volumes(remote), ==, 1);
}

static void
write_spec(const char *spec, const char *uri)
{
    g_autofree char *src = vl_test_srcpath("../specs/example/platforms.json");
    g_autofree char *platforms = vl_test_read_file(src, NULL);
    g_autofree char *topo = g_strdup_printf(
        "{\"name\": \"" LAB "\",\n"
        " \"devices\": {\"r1\": {\"interfaces\": {\"eth1\": {\"link\": \"r2:eth1\"}}},\n"
        "  \"r2\": {\"interfaces\": {\"eth1\": {\"link\": \"r1:eth1\"}}}},\n"
        " \"vmlab\": {\"link_port_base\": 22100, \"console_port_base\": 22150,\n"
        "   \"ssh_port_base\": 22200, \"domain_prefix\": \"" PREFIX "\",\n"
        "   \"hosts\": {\"a\": \"127.0.0.2\", \"b\": {\"address\": \"127.0.0.3\", \"uri\": "
        "\"%s\"}}}}\n",
        uri);

    vl_test_write(spec, "topology.json", topo);
    vl_test_write(spec, "platforms.json", platforms);
    vl_test_write(spec, "profiles/r1.json",
                  "{\"platform\": \"tiny-linux\", \"vm_host\": \"a\", \"vm_cmdline\": "
                  "\"console=ttyS0 vmlab.name=r1 vmlab.ip=eth1:10.4.12.1/24\"}");
    vl_test_write(spec, "profiles/r2.json",
                  "{\"platform\": \"tiny-linux\", \"vm_host\": \"b\", \"vm_cmdline\": "
                  "\"console=ttyS0 vmlab.name=r2 vmlab.ip=eth1:10.4.12.2/24\"}");
}

static void
run_body(const char *spec, const char *remote, const char *tmp)
{
    const char *up[] = {"up", spec, "-c", URI, NULL};
    const char *down[] = {"down", "--lab", LAB, "-c", URI, NULL};
    g_autofree char *pcap = g_build_filename(tmp, "r2-eth1.pcap", NULL);
    g_autofree char *inactive = NULL;
    g_autofree char *inactive_after = NULL;

    vl_test_run_expect(400, up, 0, NULL);
    g_free(e2e_exec_ok(LAB, "r1", "ping -c 2 -W 2 10.4.12.2"));
    inactive = e2e_virsh_on(remote, "dumpxml --inactive " PREFIX "r2");
    g_assert_nonnull(strstr(inactive, "<domain"));

    /* r2 is on host b: its frames come back through b's pool */
    {
        g_autoptr(GSubprocess) cap = e2e_capture_start(URI, LAB, "r2:eth1", pcap);
        e2e_wait_filters(remote, PREFIX "r2", 1);
        g_assert_cmpuint(capture_volumes(remote), ==, 1);
        g_free(e2e_exec_ok(LAB, "r1", "ping -c 4 -W 2 10.4.12.2"));
        e2e_capture_stop(cap);
        e2e_pcap_assert_pings(pcap, 4);
        g_assert_cmpuint(e2e_filter_count(remote, PREFIX "r2"), ==, 0);
        g_assert_cmpuint(capture_volumes(remote), ==, 0);
    }

    /* killed with SIGKILL: filter and volume stay; the next capture removes both */
    {
        const char *next[] = {"capture", "--lab",     LAB,          "--connect", URI, "r2:eth1",
                              "-w",      "/dev/null", "--duration", "1",         NULL};
        g_autofree char *out = NULL;
        g_autofree char *err_text = NULL;
        int status;

        capture_killed(remote);
        status = vl_test_run_timeout(120, next, &out, &err_text);
        if (status != 0 || !strstr(err_text, "removed 1 leftover capture filter") ||
            !strstr(err_text, "removed 1 leftover capture file"))
            vl_test_print_failure(next, status, out, err_text);
        g_assert_cmpint(status, ==, 0);
        g_assert_nonnull(strstr(err_text, "removed 1 leftover capture filter"));
        g_assert_nonnull(strstr(err_text, "removed 1 leftover capture file"));
        g_assert_cmpuint(e2e_filter_count(remote, PREFIX "r2"), ==, 0);
        g_assert_cmpuint(capture_volumes(remote), ==, 0);
    }
    /* ... or by `up` (the lab unchanged) */
    {
        g_autofree char *out = NULL;

        capture_killed(remote);
        vl_test_run_expect(400, up, 0, &out);
        if (!strstr(out, "removed 1 leftover capture filter"))
            g_printerr("up:\n%s", out);
        g_assert_nonnull(strstr(out, "removed 1 leftover capture filter"));
        g_assert_cmpuint(e2e_filter_count(remote, PREFIX "r2"), ==, 0);
        g_assert_cmpuint(capture_volumes(remote), ==, 0);
    }
    /* the persistent definition is as it was */
    inactive_after = e2e_virsh_on(remote, "dumpxml --inactive " PREFIX "r2");
    g_assert_cmpstr(inactive_after, ==, inactive);
    vl_test_run_expect(300, down, 0, NULL);
}

static void
test_remote_capture(void)
{
    E2eRemote *remote;
    g_autofree char *home = NULL;
    g_autofree char *spec = NULL;
    g_autofree char *tmp = NULL;

    if (!e2e_enabled()) {
        g_test_skip("VMLAB_E2E=1 not set");
        return;
    }
    if (g_test_subprocess()) {
        run_body(g_getenv("VMLAB_E2E_SPEC"), g_getenv("VMLAB_E2E_REMOTE_URI"),
                 g_getenv("VMLAB_E2E_TMP"));
        return;
    }
    remote = e2e_remote_start(SSHD_PORT);
    home = e2e_home_new();
    spec = vl_test_mkdtemp();
    tmp = vl_test_mkdtemp();
    g_setenv("VMLAB_E2E_SPEC", spec, TRUE);
    g_setenv("VMLAB_E2E_TMP", tmp, TRUE);
    g_setenv("VMLAB_E2E_REMOTE_URI", remote->uri, TRUE);
    write_spec(spec, remote->uri);
    e2e_purge(LAB, PREFIX);
    e2e_remote_purge(remote->uri, LAB, PREFIX, TRUE);
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
    e2e_purge(LAB, PREFIX);
    e2e_remote_purge(remote->uri, LAB, PREFIX, TRUE);
    e2e_remote_stop(remote);
    vl_test_rmtree(home);
    vl_test_rmtree(spec);
    vl_test_rmtree(tmp);
    g_test_trap_assert_passed();
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/e2e/multihost/capture", test_remote_capture);
    return g_test_run();
}
