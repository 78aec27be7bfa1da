/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* e2e-capture.c - what the end-to-end capture checks share: running `capture`, counting the
 * filters in a VM, reading the pcap with tcpdump */
#include "e2e-capture.h"

#include "e2e-util.h"

#include <signal.h>
#include <string.h>

guint
e2e_count(const char *text, const char *what)
{
    guint n = 0;

    for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

guint
e2e_filter_count(const char *uri, const char *domain)
{
    g_autofree char *cmd = g_strdup_printf(
        "qemu-monitor-command %s {\"execute\":\"qom-list\",\"arguments\":{\"path\":\"/objects\"}}",
        domain);
    g_autofree char *objs = e2e_virsh_on(uri, cmd);

    if (!objs || !strstr(objs, "\"return\""))
        g_printerr("qom-list on %s: %s\n", domain, objs ? objs : "(virsh did not run)");
    g_assert_nonnull(objs);
    g_assert_nonnull(strstr(objs, "\"return\""));
    return e2e_count(objs, "child<filter-dump>");
}

void
e2e_wait_filters(const char *uri, const char *domain, guint n)
{
    guint have = 0;

    for (int i = 0; i < 150; i++) {
        have = e2e_filter_count(uri, domain);
        if (have == n)
            return;
        g_usleep(200 * 1000);
    }
    g_printerr("%s has %u capture filters, expected %u\n", domain, have, n);
    g_assert_cmpuint(have, ==, n);
}

GSubprocess *
e2e_capture_start(const char *uri, const char *lab, const char *target, const char *pcap)
{
    g_autoptr(GError) err = NULL;
    GSubprocess *p =
        g_subprocess_new(G_SUBPROCESS_FLAGS_NONE, &err, "timeout", "180", g_getenv("VMLAB_BIN"),
                         "capture", "--lab", lab, "--connect", uri, target, "-w", pcap, NULL);

    g_assert_no_error(err);
    return p;
}

void
e2e_capture_stop(GSubprocess *cap)
{
    g_autoptr(GError) err = NULL;

    /* timeout(1) passes SIGINT on to the capture */
    g_subprocess_send_signal(cap, SIGINT);
    g_subprocess_wait(cap, NULL, &err);
    g_assert_no_error(err);
    g_assert_true(g_subprocess_get_if_exited(cap));
    g_assert_cmpint(g_subprocess_get_exit_status(cap), ==, 0);
}

char *
e2e_tcpdump_read(const char *file)
{
    const char *argv[] = {"tcpdump", "-nr", file, NULL};
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    int status = 1;

    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                               &err, &status, NULL));
    if (status != 0)
        g_printerr("tcpdump -nr %s: status %d\n%s%s", file, status, out, err);
    g_assert_cmpint(status, ==, 0);
    return g_steal_pointer(&out);
}

void
e2e_pcap_assert_pings(const char *file, guint n)
{
    g_autofree char *text = e2e_tcpdump_read(file);

    if (e2e_count(text, "ICMP echo request") < n || e2e_count(text, "ICMP echo reply") < n)
        g_printerr("tcpdump -nr %s:\n%s", file, text);
    g_assert_cmpuint(e2e_count(text, "ICMP echo request"), >=, n);
    g_assert_cmpuint(e2e_count(text, "ICMP echo reply"), >=, n);
}
