/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-conn-retry.c - a libvirt connection shared by workers, reopened once when libvirtd restarts */
#include "vl-conn-retry.h"

#include "vl-error.h"
#include "vl-virt-error.h"
#include "vl-log.h"

#include <string.h>

/*
 * When libvirtd restarts in the middle of `up`, the calls in flight fail with the connection,
 * not with the domain: a virDomainCreate may well have started the VM before the daemon went
 * away. So a worker whose call fails that way reopens the connection (once for the whole
 * operation, shared by every worker) and reads the domain's state again before it reports: a
 * domain that runs is a success; one that does not is started on the new connection.
 */

void
vl_conn_retry_init(VlConnRetry *h, virConnectPtr conn)
{
    g_mutex_init(&h->lock);
    h->conn = conn;
    h->owned = NULL;
    h->reopen_wait_ms = 15000;
}

void
vl_conn_retry_clear(VlConnRetry *h)
{
    if (h->owned)
        virConnectClose(h->owned);
    h->owned = NULL;
    h->conn = NULL;
    g_mutex_clear(&h->lock);
}

virConnectPtr
vl_conn_retry_get(VlConnRetry *h)
{
    virConnectPtr c;

    g_mutex_lock(&h->lock);
    c = h->conn;
    virConnectRef(c);
    g_mutex_unlock(&h->lock);
    return c;
}

virConnectPtr
vl_conn_retry_reopen(VlConnRetry *h, virConnectPtr lost, GError **error)
{
    g_autofree char *uri = NULL;
    gint64 deadline = g_get_monotonic_time() + (gint64)h->reopen_wait_ms * 1000;
    virConnectPtr c = NULL;
    char *u;

    g_mutex_lock(&h->lock);
    if (h->conn != lost) {
        /* Another worker already reconnected. */
        c = h->conn;
        virConnectRef(c);
        g_mutex_unlock(&h->lock);
        return c;
    }
    if (h->owned) {
        g_mutex_unlock(&h->lock);
        g_set_error(error, VL_ERROR, VL_ERROR_LIBVIRT,
                    "the connection to libvirt was lost again after reconnecting");
        return NULL;
    }
    u = virConnectGetURI(lost);
    uri = g_strdup(u);
    free(u);
    vl_trace("lost the connection to libvirt: virConnectOpen('%s') again", uri ? uri : "");
    while (!c) {
        c = virConnectOpen(uri);
        if (c || g_get_monotonic_time() >= deadline)
            break;
        g_usleep(200 * 1000);
    }
    if (!c) {
        g_mutex_unlock(&h->lock);
        vl_error_set_libvirt(error, "lost the connection to libvirt and cannot reconnect to '%s'",
                             uri ? uri : "the default URI");
        return NULL;
    }
    h->conn = h->owned = c;
    virConnectRef(c);
    g_mutex_unlock(&h->lock);
    return c;
}

gboolean
vl_conn_error_is_lost(virConnectPtr conn, const virError *err)
{
    if (conn && virConnectIsAlive(conn) == 0)
        return TRUE;
    if (!err)
        return FALSE;
    switch (err->code) {
    case VIR_ERR_NO_CONNECT:
        return TRUE;
    case VIR_ERR_INTERNAL_ERROR:
        return err->message && strstr(err->message, "client socket is closed");
    case VIR_ERR_SYSTEM_ERROR:
        return err->domain == VIR_FROM_RPC || err->domain == VIR_FROM_REMOTE;
    default:
        return FALSE;
    }
}

/* Sets @error from libvirt's last error. Return: 0 when it says the connection was lost, else -1.
 */
static int
vl_conn_domain_fail(virConnectPtr conn, GError **error, const char *what, const char *name)
{
    virErrorPtr saved = virSaveLastError(); /* virConnectIsAlive() resets the last error */
    gboolean lost;

    vl_error_set_libvirt(error, "%s '%s'", what, name);
    lost = vl_conn_error_is_lost(conn, saved);
    virFreeError(saved);
    return lost ? 0 : -1;
}

int
vl_conn_domain_start(virConnectPtr conn, const char *name, gboolean *issued, GError **error)
{
    g_autoptr(virDomain) dom = NULL;
    int active;

    *issued = FALSE;
    dom = virDomainLookupByName(conn, name);
    if (!dom)
        return vl_conn_domain_fail(conn, error, "cannot find domain", name);
    active = virDomainIsActive(dom);
    if (active < 0)
        return vl_conn_domain_fail(conn, error, "cannot read the state of domain", name);
    if (active == 1)
        return 1;
    *issued = TRUE;
    vl_trace("virDomainCreate('%s')", name);
    if (virDomainCreate(dom) < 0)
        return vl_conn_domain_fail(conn, error, "cannot start domain", name);
    return 1;
}
