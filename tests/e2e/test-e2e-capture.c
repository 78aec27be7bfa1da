/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-e2e-capture.c - end to end: `capture` on a running lab's UDP link (file, pipe, signals,
 * leftovers), on a real libvirtd + QEMU (TCG) */
#include "e2e-capture.h"
#include "e2e-util.h"
#include "vl-test-util.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

/*
 * Runs only with VMLAB_E2E=1: needs root, libvirtd on qemu:///system and the tiny guest image
 * ($VMLAB_TINY_DIR or /var/lib/vmlab/images/tiny). The lab (e2e/data/capture: r1 -- r2 over UDP,
 * 10.3.12.0/24) has its own name, domain prefix and ports (23000-23401; its TCP twin e2ecp- uses
 * 23600-23801), so other e2e labs are not disturbed. As in test-e2e-lab.c, the body runs in a
 * child: the parent purges the lab before and after, pass or fail.
 */

/* One lab: the UDP one runs every step, the TCP one (same spec, "link_transport": "tcp") the
 * file capture. */
typedef struct {
    const char *lab;
    const char *prefix;
    gboolean tcp;
} CaptureCase;

static const CaptureCase capture_cases[] = {
    {"e2e-capture", "e2ec-", FALSE},
    {"e2e-capture-tcp", "e2ecp-", TRUE},
};

static const CaptureCase *cur; /* the case being run */

/* Runs virsh @args (split on spaces, no shell quoting) on URI. Return: (transfer full): its
 * stdout, "" if virsh cannot run. */
static char *
capture_virsh(const char *args)
{
    char *out = e2e_virsh_on(URI, args);

    return out ? out : g_strdup("");
}

/* The QEMU objects of r1, through the monitor (qom-list /objects). */
static char *
r1_objects(void)
{
    g_autofree char *cmd =
        g_strdup_printf("qemu-monitor-command %sr1 "
                        "{\"execute\":\"qom-list\",\"arguments\":{\"path\":\"/objects\"}}",
                        cur->prefix);
    return capture_virsh(cmd);
}

/* Waits (bounded) until r1 has @n capture filters. */
static void
wait_filters(guint n)
{
    g_autofree char *r1 = g_strconcat(cur->prefix, "r1", NULL);

    e2e_wait_filters(URI, r1, n);
}

static void
assert_no_filter(void)
{
    g_autofree char *objs = r1_objects();

    if (strstr(objs, "filter-dump") || !strstr(objs, "masterKey0"))
        g_printerr("r1's objects: %s\n", objs);
    g_assert_nonnull(strstr(objs, "masterKey0")); /* the monitor answered */
    g_assert_null(strstr(objs, "filter-dump"));
}

/* r1 pings r2 @count times (a few tries while the link settles). */
static void
ping_r2(guint count)
{
    g_autofree char *cmd = g_strdup_printf("ping -c %u -W 2 10.3.12.2", count);

    g_free(e2e_exec_retry(cur->lab, "r1", cmd, 5, 90, NULL));
}

/* Starts `sh -c @script` bounded to @seconds, with VMLAB_BIN in its environment. */
static GSubprocess *
spawn_sh(guint seconds, const char *script)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *limit = g_strdup_printf("%u", seconds);
    GSubprocess *p =
        g_subprocess_new(G_SUBPROCESS_FLAGS_NONE, &err, "timeout", limit, "sh", "-c", script, NULL);

    g_assert_no_error(err);
    return p;
}

/* Chromium, headless, quiet, with a throw-away profile; what a user's browser does with the page.
 * @arg2 may be NULL. Return: its wait status. */
static int
chromium_run(const char *profile, const char *arg, const char *arg2, const char *url, char **out)
{
    g_autofree char *prof = g_strdup_printf("--user-data-dir=%s", profile);
    const char *argv[] = {"timeout",
                          "120",
                          "chromium",
                          "--headless",
                          "--no-sandbox",
                          "--disable-gpu",
                          "--no-first-run",
                          "--disable-background-networking",
                          "--disable-component-update",
                          "--disable-sync",
                          "--window-size=1200,900",
                          prof,
                          url,
                          arg,
                          arg2,
                          NULL};
    g_autofree char *err = NULL;
    int status = -1;

    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, out,
                               &err, &status, NULL));
    if (!g_spawn_check_wait_status(status, NULL))
        g_printerr("chromium %s %s: status %d\n%s\n", arg, url, status, err);
    return status;
}

/* Return: how many requests the page itself (a file:// page) made to a network URL, from a
 * Chromium net-log. Chromium's own background requests carry another isolation key. */
static guint
chromium_page_requests(const char *profile, const char *file)
{
    g_autofree char *log = g_build_filename(profile, "net.json", NULL);
    g_autofree char *arg = g_strdup_printf("--log-net-log=%s", log);
    g_autofree char *url = g_strdup_printf("file://%s", file);
    g_autofree char *shot = g_build_filename(profile, "net.png", NULL);
    g_autofree char *shot_arg = g_strdup_printf("--screenshot=%s", shot);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    guint n = 0;

    /* the net-log flag rides along a screenshot run, which waits for the page to load */
    g_assert_cmpint(chromium_run(profile, arg, shot_arg, url, NULL), ==, 0);
    g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
    lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; lines[i]; i++) {
        if (strstr(lines[i], "file:// [internally") &&
            (strstr(lines[i], "\"url\":\"http") || strstr(lines[i], "\"url\":\"ws")))
            n++;
    }
    return n;
}

/* The html page of the running lab in headless Chromium: drawn (not blank), every node and link
 * in its DOM, the VMs running and ready, and no network request. */
static void
check_html(const char *spec, const char *tmp)
{
    g_autofree char *page = g_build_filename(tmp, "lab.html", NULL);
    g_autofree char *blank = g_build_filename(tmp, "blank.html", NULL);
    g_autofree char *probe = g_build_filename(tmp, "probe.html", NULL);
    g_autofree char *profile = g_build_filename(tmp, "chromium", NULL);
    g_autofree char *shot = g_build_filename(tmp, "lab.png", NULL);
    g_autofree char *blank_shot = g_build_filename(tmp, "blank.png", NULL);
    g_autofree char *html = NULL;
    g_autofree char *dom = NULL;
    g_autofree char *url = g_strdup_printf("file://%s", page);
    g_autofree char *blank_url = g_strdup_printf("file://%s", blank);
    const char *graph[] = {"graph", spec, "-c", URI, "-o", page, NULL};
    const char *ids[] = {"id=\"node_r1\"",    "id=\"node_r2\"",   "id=\"link_0\"",
                         "id=\"row-link-0\"", "data-node=\"r1\"", "data-node=\"r2\""};
    GStatBuf st_shot, st_blank;

    vl_test_run_expect(120, graph, 0, NULL);
    g_assert_true(g_file_get_contents(page, &html, NULL, NULL));
    /* both VMs running and ready, with their ssh commands */
    {
        g_auto(GStrv) parts = g_strsplit(html, "<td class=\"up\">yes</td>", -1);
        if (g_strv_length(parts) != 3)
            g_printerr("%s:\n%s\n", page, html);
        g_assert_cmpuint(g_strv_length(parts), ==, 3);
        g_assert_nonnull(strstr(html, "ssh -p 23400 root@127.0.0.1"));
    }
    g_assert_true(
        g_file_set_contents(blank, "<!DOCTYPE html><html><body></body></html>", -1, NULL));
    g_assert_true(g_file_set_contents(
        probe,
        "<!DOCTYPE html><html><body><img src=\"http://127.0.0.1:9/probe.png\"></body></html>", -1,
        NULL));
    g_assert_cmpint(g_mkdir(profile, 0700), ==, 0);
    {
        g_autofree char *arg = g_strdup_printf("--screenshot=%s", shot);
        g_autofree char *barg = g_strdup_printf("--screenshot=%s", blank_shot);
        g_assert_cmpint(chromium_run(profile, arg, NULL, url, NULL), ==, 0);
        g_assert_cmpint(chromium_run(profile, barg, NULL, blank_url, NULL), ==, 0);
    }
    /* not blank: a drawn page compresses far worse than an empty one of the same size */
    g_assert_cmpint(g_stat(shot, &st_shot), ==, 0);
    g_assert_cmpint(g_stat(blank_shot, &st_blank), ==, 0);
    if (st_shot.st_size < 4 * st_blank.st_size)
        g_printerr("screenshot %s: %ld bytes, a blank page's: %ld\n", shot, (long)st_shot.st_size,
                   (long)st_blank.st_size);
    g_assert_cmpint(st_shot.st_size, >=, 4 * st_blank.st_size);
    /* the DOM as Chromium parsed it */
    g_assert_cmpint(chromium_run(profile, "--dump-dom", NULL, url, &dom), ==, 0);
    for (guint i = 0; i < G_N_ELEMENTS(ids); i++) {
        if (!strstr(dom, ids[i]))
            g_printerr("no %s in the DOM:\n%s\n", ids[i], dom);
        g_assert_nonnull(strstr(dom, ids[i]));
    }
    /* no network request; the detector sees one from a page that makes one */
    g_assert_cmpuint(chromium_page_requests(profile, probe), >=, 1);
    g_assert_cmpuint(chromium_page_requests(profile, page), ==, 0);
}

/* Starts a capture on r1:eth1 and kills it with SIGKILL once its filter is on: it leaves the
 * filter behind. No timeout(1) in between: the capture itself must die without cleaning up. */
static void
capture_killed(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GSubprocess) cap =
        g_subprocess_new(G_SUBPROCESS_FLAGS_STDERR_SILENCE, &err, g_getenv("VMLAB_BIN"), "capture",
                         "--lab", cur->lab, "--connect", URI, "r1:eth1", "-w", "/dev/null", NULL);

    g_assert_no_error(err);
    wait_filters(1);
    g_subprocess_force_exit(cap);
    g_subprocess_wait(cap, NULL, NULL);
    wait_filters(1);
}

static void
test_capture(gconstpointer data)
{
    const char *files[] = {"topology.json", "platforms.json", "profiles/r1.json",
                           "profiles/r2.json", NULL};
    g_autofree char *src = NULL;
    g_autofree char *spec = NULL;
    g_autofree char *home = NULL;
    g_autofree char *tmp = NULL;
    g_autofree char *inactive = NULL;
    g_autofree char *inactive_after = NULL;

    cur = data;
    if (!e2e_enabled()) {
        g_test_skip("set VMLAB_E2E=1 (needs root, libvirtd and the tiny guest image)");
        return;
    }
    if (!g_test_subprocess())
        e2e_purge(cur->lab, cur->prefix);
    if (!e2e_in_child(cur->lab, cur->prefix))
        return;
    /* a private VMLAB_HOME that QEMU (libvirt-qemu) can reach, with the tiny guest */
    home = e2e_home_new();
    src = vl_test_srcpath("e2e/data/capture");
    spec = vl_test_mkdtemp();
    tmp = vl_test_mkdtemp();
    vl_test_copy_files(src, spec, files);
    if (cur->tcp) {
        /* the same two VMs joined by a TCP link, with a name, prefix and ports of their own */
        g_autofree char *topo = g_build_filename(spec, "topology.json", NULL);
        g_autofree char *text = NULL;
        g_autoptr(GString) t = NULL;

        g_assert_true(g_file_get_contents(topo, &text, NULL, NULL));
        t = g_string_new(text);
        g_assert_cmpuint(g_string_replace(t, "\"e2e-capture\"", "\"e2e-capture-tcp\"", 1), ==, 1);
        g_assert_cmpuint(g_string_replace(t, "\"e2ec-\"", "\"e2ecp-\"", 1), ==, 1);
        g_assert_cmpuint(g_string_replace(t, "\"udp\"", "\"tcp\"", 1), ==, 1);
        g_assert_cmpuint(g_string_replace(t, "23000", "23600", 1), ==, 1);
        g_assert_cmpuint(g_string_replace(t, "23200", "23700", 1), ==, 1);
        g_assert_cmpuint(g_string_replace(t, "23400", "23800", 1), ==, 1);
        g_assert_true(g_file_set_contents(topo, t->str, -1, NULL));
    }
    {
        const char *up[] = {"up", spec, "-c", URI, NULL};
        vl_test_run_expect(600, up, 0, NULL);
    }
    ping_r2(2); /* the link works and ARP is settled */
    {
        g_autofree char *cmd = g_strdup_printf("dumpxml --inactive %sr1", cur->prefix);
        inactive = capture_virsh(cmd);
    }
    g_assert_nonnull(strstr(inactive, "<domain"));

    /* 1. -w FILE, stopped by SIGINT: >= 4 echo requests and 4 replies, no filter left. The UDP
     * lab runs two captures of the interface at once: each gets every frame. */
    {
        guint n = cur->tcp ? 1 : 2;
        GSubprocess *caps[2] = {NULL, NULL};
        char *pcaps[2] = {NULL, NULL};

        for (guint i = 0; i < n; i++) {
            g_autofree char *name = g_strdup_printf("r1-eth1-%u.pcap", i);
            pcaps[i] = g_build_filename(tmp, name, NULL);
            caps[i] = e2e_capture_start(URI, cur->lab, "r1:eth1", pcaps[i]);
            wait_filters(i + 1);
        }
        ping_r2(4);
        for (guint i = 0; i < n; i++) {
            e2e_capture_stop(caps[i]);
            e2e_pcap_assert_pings(pcaps[i], 4);
            g_object_unref(caps[i]);
            g_free(pcaps[i]);
        }
        assert_no_filter();
    }

    /* an unlinked NIC (r1:eth2, no link): the ARP requests of a ping nobody answers */
    if (!cur->tcp) {
        g_autofree char *pcap = g_build_filename(tmp, "r1-eth2.pcap", NULL);
        g_autoptr(GSubprocess) cap = e2e_capture_start(URI, cur->lab, "r1:eth2", pcap);
        const char *ping[] = {"exec", "--lab", cur->lab, "-c",
                              URI,    "r1",    "--",     "ping -c 3 -W 1 10.3.99.2; true",
                              NULL};
        g_autofree char *text = NULL;

        wait_filters(1);
        vl_test_run_expect(90, ping, 0, NULL);
        e2e_capture_stop(cap);
        text = e2e_tcpdump_read(pcap);
        if (e2e_count(text, "Request who-has 10.3.99.2") < 2)
            g_printerr("tcpdump -nr %s:\n%s", pcap, text);
        g_assert_cmpuint(e2e_count(text, "Request who-has 10.3.99.2"), >=, 2);
        assert_no_filter();
    }

    /* the html page of the running lab, in a browser */
    if (!cur->tcp)
        check_html(spec, tmp);

    /* 2. -w - into a pipe, stopped by -c: exactly 12 frames, >= 4 pairs among them */
    if (!cur->tcp) {
        g_autofree char *out = g_build_filename(tmp, "pipe.txt", NULL);
        g_autofree char *script =
            g_strdup_printf("\"$VMLAB_BIN\" capture --lab %s --connect " URI
                            " r1:eth1 -w - -c 12 --duration 120 | tcpdump -nr - > '%s'",
                            cur->lab, out);
        g_autoptr(GSubprocess) pipe = spawn_sh(150, script);
        g_autofree char *text = NULL;
        g_autoptr(GError) err = NULL;

        wait_filters(1);
        ping_r2(8);
        g_subprocess_wait(pipe, NULL, &err);
        g_assert_no_error(err);
        g_assert_cmpint(g_subprocess_get_exit_status(pipe), ==, 0);
        g_assert_true(g_file_get_contents(out, &text, NULL, NULL));
        if (e2e_count(text, "\n") != 12 || e2e_count(text, "ICMP echo reply") < 4)
            g_printerr("the pipe's tcpdump:\n%s", text);
        g_assert_cmpuint(e2e_count(text, "\n"), ==, 12);
        g_assert_cmpuint(e2e_count(text, "ICMP echo request"), >=, 4);
        g_assert_cmpuint(e2e_count(text, "ICMP echo reply"), >=, 4);
        assert_no_filter();
    }

    /* 3. a capture killed with SIGKILL leaves its filter; the next capture removes it */
    if (!cur->tcp) {
        const char *next[] = {"capture", "--lab",     cur->lab,     "--connect", URI, "r1:eth1",
                              "-w",      "/dev/null", "--duration", "1",         NULL};
        g_autofree char *err_text = NULL;
        g_autofree char *out = NULL;
        int status;

        capture_killed();
        status = vl_test_run_timeout(60, next, &out, &err_text);
        if (status != 0 || !strstr(err_text, "removed 1 leftover capture filter"))
            vl_test_print_failure(next, status, out, err_text);
        g_assert_cmpint(status, ==, 0);
        g_assert_nonnull(strstr(err_text, "removed 1 leftover capture filter"));
        assert_no_filter();
    }

    /* 4. ... or by `up` (the lab unchanged), which also rewrites the lab's html page */
    if (!cur->tcp) {
        const char *up[] = {"up", spec, "-c", URI, NULL};
        g_autofree char *out = NULL;
        g_autofree char *page = g_build_filename(home, "labs", cur->lab, "graph.html", NULL);
        g_autofree char *html = NULL;

        capture_killed();
        g_assert_cmpint(g_unlink(page), ==, 0); /* written by the first `up` */
        vl_test_run_expect(600, up, 0, &out);
        if (!strstr(out, "removed 1 leftover capture filter") || !strstr(out, "lab page: "))
            g_printerr("up:\n%s", out);
        g_assert_nonnull(strstr(out, "removed 1 leftover capture filter"));
        g_assert_nonnull(strstr(out, "lab page: "));
        assert_no_filter();
        g_assert_true(g_file_get_contents(page, &html, NULL, NULL));
        g_assert_nonnull(strstr(html, "<svg"));
        g_assert_nonnull(strstr(html, "running"));
    }

    /* the persistent definition is as it was */
    {
        g_autofree char *cmd = g_strdup_printf("dumpxml --inactive %sr1", cur->prefix);
        inactive_after = capture_virsh(cmd);
    }
    g_assert_cmpstr(inactive_after, ==, inactive);
    {
        const char *down[] = {"down", spec, "-c", URI, NULL};
        vl_test_run_expect(120, down, 0, NULL);
    }
    vl_test_rmtree(spec);
    vl_test_rmtree(tmp);
    vl_test_rmtree(home);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_data_func("/e2e/capture/udp-link", &capture_cases[0], test_capture);
    g_test_add_data_func("/e2e/capture/tcp-link", &capture_cases[1], test_capture);
    return g_test_run();
}
