/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* e2e-capture.h - what the end-to-end capture checks share: running `capture`, counting the
 * filters in a VM, reading the pcap with tcpdump */
#pragma once

#include <gio/gio.h>
#include <glib.h>

/* Return: how many filter-dump objects domain @domain on @uri has (qom-list /objects through the
 * monitor). Asserts the monitor answered. */
guint e2e_filter_count(const char *uri, const char *domain);

/* Waits (30 s at most) until @domain on @uri has @n capture filters; fails the test if not. */
void e2e_wait_filters(const char *uri, const char *domain, guint n);

/**
 * e2e_capture_start:
 * @target: NODE:IFACE
 * @pcap: the file to write (-w)
 *
 * Starts `capture --lab @lab --connect @uri @target -w @pcap`, bounded to 180 s.
 * Return: (transfer full): the running capture.
 */
GSubprocess *e2e_capture_start(const char *uri, const char *lab, const char *target,
                               const char *pcap);

/* Stops @cap with SIGINT and asserts it exited 0. */
void e2e_capture_stop(GSubprocess *cap);

/* Return: (transfer full): what `tcpdump -nr @file` prints; asserts it exited 0. */
char *e2e_tcpdump_read(const char *file);

/* Return: how many times @what occurs in @text. */
guint e2e_count(const char *text, const char *what);

/* Asserts that `tcpdump -nr @file` shows at least @n ICMP echo requests and @n replies. */
void e2e_pcap_assert_pings(const char *file, guint n);
