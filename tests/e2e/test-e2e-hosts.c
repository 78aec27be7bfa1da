/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-e2e-hosts.c - end to end: newtlab-style hosts coalesced into one tiny-guest VM, a network
 * namespace each, behind a tiny-guest "switch" */
#include "e2e-capture.h"
#include "e2e-util.h"
#include "vl-test-util.h"

#include <string.h>

/*
 * Runs only with VMLAB_E2E=1, like test-e2e-lab.c (root, qemu:///system, the tiny guest image in
 * $VMLAB_TINY_DIR or /var/lib/vmlab/images/tiny), with a lab of its own: e2e-hosts, domain prefix
 * e2eh-, ports 26000/26200/26400 (below the ephemeral range). The spec (tests/e2e/data/hosts) has a
 * tiny guest "sw" with three subnets and three hosts linked only through the interfaces' "link"
 * fields; the hosts share e2eh-hostvm-0. The body runs in a child; the parent purges the lab before
 * and after, pass or fail (the pattern of test-e2e-lab.c), and removes its folders.
 */

#define LAB    "e2e-hosts"
#define PREFIX "e2eh-"

static const char *const hosts[3][3] = {
    /* host, its own address, the switch's address on its subnet */
    {"h1", "10.61.1.10/24", "10.61.1.1"},
    {"h2", "10.61.2.20/24", "10.61.2.1"},
    {"h3", "10.61.3.7/24", "10.61.3.1"},
};

/* The spec's files, in tests/e2e/data/hosts. */
static const char *const spec_files[] = {"topology.json",
                                         "platforms.json",
                                         "profiles/sw.json",
                                         "profiles/h1.json",
                                         "profiles/h2.json",
                                         "profiles/h3.json",
                                         NULL};

static void
test_hosts(void)
{
    g_autofree char *spec = NULL;
    const char *up[] = {"up", NULL, "-c", URI, "--jobs", "2", NULL};
    const char *down[] = {"down", NULL, "-c", URI, NULL};
    const char *status[] = {"status", "--lab", LAB, "-c", URI, NULL};
    const char *status_json[] = {"status", "--lab", LAB, "--json", "-c", URI, NULL};
    const char *all[] = {"exec", "--all", "--lab", LAB, "-c", URI, "--", "ip -br addr", NULL};
    g_autofree char *out = NULL;
    g_autofree char *virsh = NULL;

    if (!e2e_enabled()) {
        g_test_skip("set VMLAB_E2E=1 (needs root, libvirtd and the tiny guest image)");
        return;
    }
    spec = e2e_spec_in_child(LAB, PREFIX, "e2e/data/hosts", spec_files);
    if (!spec)
        return;
    up[1] = spec;
    down[1] = spec;
    vl_test_run_expect(600, up, 0, &out);
    g_assert_nonnull(strstr(out, PREFIX "hostvm-0"));
    /* the tiny guest routes between its subnets once asked to */
    g_free(e2e_exec_ok(LAB, "sw", "echo 1 > /proc/sys/net/ipv4/ip_forward"));

    for (guint i = 0; i < 3; i++) {
        g_autofree char *own = g_strdup_printf("ping -c 3 -W 2 %s", hosts[i][2]);
        g_autofree char *peer_addr =
            g_strndup(hosts[(i + 1) % 3][1], strcspn(hosts[(i + 1) % 3][1], "/"));
        g_autofree char *across = g_strdup_printf("ping -c 3 -W 2 %s", peer_addr);
        g_free(e2e_exec_ok(LAB, hosts[i][0], own));
        g_free(e2e_exec_ok(LAB, hosts[i][0], across));
    }
    /* capture h1:eth0 (its NIC in the host VM) while h1 pings the switch */
    {
        g_autofree char *pcap = g_build_filename(g_getenv("VMLAB_HOME"), "h1-eth0.pcap", NULL);
        g_autoptr(GSubprocess) cap = e2e_capture_start(URI, LAB, "h1:eth0", pcap);

        e2e_wait_filters(URI, PREFIX "hostvm-0", 1);
        g_free(e2e_exec_ok(LAB, "h1", "ping -c 4 -W 2 10.61.1.1"));
        e2e_capture_stop(cap);
        e2e_pcap_assert_pings(pcap, 4);
        g_assert_cmpuint(e2e_filter_count(URI, PREFIX "hostvm-0"), ==, 0);
    }
    /* a host's namespace holds only its own interface (and lo) */
    {
        g_autofree char *br = e2e_exec_ok(LAB, "h2", "ip -br addr");
        g_auto(GStrv) lines = g_strsplit(g_strstrip(strstr(br, "\n") + 1), "\n", -1);
        g_assert_nonnull(strstr(br, "== h2 (in " PREFIX "hostvm-0)"));
        g_assert_nonnull(strstr(br, hosts[1][1]));
        g_assert_null(strstr(br, "10.61.1."));
        g_assert_null(strstr(br, "10.0.2.15"));
        g_assert_cmpuint(g_strv_length(lines), ==, 2); /* lo and eth0 */
    }
    /* console h1: a shell in h1's namespace; `exit` returns to the VM's shell */
    {
        g_autofree char *script = g_strdup_printf(
            "(sleep 4; printf 'ip -br addr; echo MARK-$((6*7))\\r'; sleep 3; "
            "printf 'exit\\r'; sleep 2; printf 'ip -br addr; echo BACK-$((3*3))\\r'; sleep 3) | "
            "timeout 60 \"$VMLAB_BIN\" console --lab %s -c %s h1",
            LAB, URI);
        const char *sh[] = {"sh", "-c", script, NULL};
        g_autofree char *text = NULL;
        g_autofree char *err = NULL;
        const char *mark;
        int st = -1;

        g_assert_true(g_spawn_sync(NULL, (char **)sh, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &text,
                                   &err, &st, NULL));
        mark = strstr(text, "MARK-42");
        if (!g_spawn_check_wait_status(st, NULL) || !mark || !strstr(mark, "BACK-9"))
            g_printerr("console h1: status %d\n%s\n%s", st, text, err);
        g_assert_true(g_spawn_check_wait_status(st, NULL));
        g_assert_nonnull(strstr(err, "typed `ip netns exec h1"));
        g_assert_nonnull(mark);
        {
            g_autofree char *before = g_strndup(text, (gsize)(mark - text));
            g_assert_nonnull(strstr(before, hosts[0][1]));
            g_assert_null(strstr(before, "10.61.2."));
            g_assert_null(strstr(before, "10.0.2.15"));
        }
        g_assert_nonnull(strstr(mark, "BACK-9"));
        g_assert_nonnull(strstr(mark, "10.0.2.15"));
    }
    /* status: a line per host, with its VM */
    g_clear_pointer(&out, g_free);
    vl_test_run_expect(60, status, 0, &out);
    g_printerr("%s", out); /* for the log */
    for (guint i = 0; i < 3; i++) {
        g_autoptr(GRegex) re = NULL;
        g_autofree char *pat =
            g_strdup_printf("\\n  %s +" PREFIX "hostvm-0 +running +yes +%s +%s\\n", hosts[i][0],
                            hosts[i][1], hosts[i][0]);
        re = g_regex_new(pat, G_REGEX_DEFAULT, G_REGEX_MATCH_DEFAULT, NULL);
        if (!g_regex_match(re, out, 0, NULL))
            g_printerr("status output lacks /%s/:\n%s", pat, out);
        g_assert_true(g_regex_match(re, out, 0, NULL));
    }
    g_clear_pointer(&out, g_free);
    vl_test_run_expect(60, status_json, 0, &out);
    g_assert_nonnull(strstr(out, "\"hosts\""));
    g_assert_nonnull(strstr(out, "\"namespace\": \"h3\""));
    /* a coalesced host cannot be stopped alone */
    {
        const char *stop_h1[] = {"stop", "h1", "--lab", LAB, "-c", URI, NULL};
        g_autofree char *err = NULL;
        int st = vl_test_run_timeout(60, stop_h1, NULL, &err);
        if (st != 2)
            vl_test_print_failure(stop_h1, st, NULL, err);
        g_assert_cmpint(st, ==, 2);
        g_assert_nonnull(strstr(err, "is a network namespace in VM '" PREFIX "hostvm-0'"));
    }
    /* exec --all: the switch, and each host in its namespace */
    g_clear_pointer(&out, g_free);
    vl_test_run_expect(180, all, 0, &out);
    g_assert_nonnull(strstr(out, "== " PREFIX "sw\n"));
    for (guint i = 0; i < 3; i++) {
        g_autofree char *hdr = g_strdup_printf("== %s (in " PREFIX "hostvm-0)", hosts[i][0]);
        g_assert_nonnull(strstr(out, hdr));
    }
    /* down leaves nothing */
    vl_test_run_expect(120, down, 0, NULL);
    g_assert_true(
        g_spawn_command_line_sync("virsh -c " URI " list --all --name", &virsh, NULL, NULL, NULL));
    g_assert_null(strstr(virsh, PREFIX));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/e2e/hosts/coalesced-namespaces", test_hosts);
    return g_test_run();
}
