/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-capture-priv.h - what the local (fd) and remote (file) captures share: ids and the copy loop
 */
#pragma once

#include "vl-capture.h"

#define VL_CAPTURE_PREFIX "vlcap-"

/**
 * VlCaptureFill:
 * @buf: appends what QEMU wrote since the last call
 *
 * Return: TRUE, or FALSE with @error when the capture file cannot be read.
 */
typedef gboolean (*VlCaptureFill)(GByteArray *buf, gpointer data, GError **error);

/**
 * vl_capture_id_new:
 * @tagged: add this machine's tag (a capture through a remote host's file, whose filter other
 *   machines' captures may find)
 *
 * Return: (transfer full): a new filter id: "vlcap-PID-SEQ", tagged "vlcap-PID-SEQ-MACHINE".
 */
char *vl_capture_id_new(gboolean tagged);

/* Return: TRUE when the capture named @id may still run: its process lives on this machine, or
 * it was started on another machine (which this one cannot judge). */
gboolean vl_capture_owner_alive(const char *id);

/**
 * vl_capture_loop:
 * @id: the filter, attached
 * @interval_ms: how often @fill is called
 *
 * RUNNING, then TEARDOWN (see vl-capture.c): copies whole pcap records from what @fill gives to
 * @opts->out_fd until a signal, the count, the duration or the reader going away; then removes
 * filter @id and copies the records written before it went.
 * Return: TRUE on success.
 */
gboolean vl_capture_loop(virDomainPtr dom, const char *id, guint interval_ms, VlCaptureFill fill,
                         gpointer data, VlCaptureOptions *opts, GError **error);
