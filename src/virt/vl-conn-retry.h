/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-conn-retry.h - a libvirt connection shared by workers, reopened once when libvirtd restarts */
#pragma once

#include "vl-conn.h"

#include <libvirt/virterror.h>

/* The connection a lab operation's workers share; swapped for a new one after a restart. */
typedef struct {
    GMutex lock;
    virConnectPtr conn;  /* the current one: the caller's, or @owned */
    virConnectPtr owned; /* (nullable): the one we opened, closed by vl_conn_retry_clear() */
    guint reopen_wait_ms;
} VlConnRetry;

/* Starts sharing @conn (the caller's, still owned by the caller). */
void vl_conn_retry_init(VlConnRetry *h, virConnectPtr conn);
/* Closes the connection this holder opened, if any. */
void vl_conn_retry_clear(VlConnRetry *h);

/* Return: (transfer full): the current connection (virConnectClose() it when done). */
virConnectPtr vl_conn_retry_get(VlConnRetry *h);

/**
 * vl_conn_retry_reopen:
 * @lost: the connection a worker saw fail
 *
 * Opens the same URI again, once per holder, trying for up to @h->reopen_wait_ms while the
 * daemon comes back. A worker whose @lost was already replaced by another gets the new one.
 * Return: (transfer full): the new connection, or NULL with @error (also when the reopened
 * connection was lost too: one reconnect only).
 */
virConnectPtr vl_conn_retry_reopen(VlConnRetry *h, virConnectPtr lost, GError **error);

/**
 * vl_conn_error_is_lost:
 * @conn: (nullable): the connection the call failed on
 * @err: (nullable): libvirt's error for that call
 *
 * Whether a failed call says the daemon went away rather than that the call was refused: a
 * connection that is no longer alive, VIR_ERR_NO_CONNECT, VIR_ERR_INTERNAL_ERROR "client socket
 * is closed", or VIR_ERR_SYSTEM_ERROR from the RPC layer (from a driver it is the daemon's own
 * failure, e.g. a file it cannot open, and asking again would not help).
 * Return: TRUE when it is worth reconnecting.
 */
gboolean vl_conn_error_is_lost(virConnectPtr conn, const virError *err);

/**
 * vl_conn_domain_start:
 * @issued: (out): set when this call asked libvirt to start the domain (even if that failed)
 *
 * Reads domain @name's state on @conn and starts it unless it runs.
 * Return: 1 when it runs now, 0 when the connection was lost (@error set; reconnect and call
 * again: the state is read again then), -1 on any other failure (@error set).
 */
int vl_conn_domain_start(virConnectPtr conn, const char *name, gboolean *issued, GError **error);
