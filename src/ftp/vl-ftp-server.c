/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-server.c - the FTP proxy's listener: one thread per session, limits, live reload */
#include "vl-ftp-server.h"

#include "vl-error.h"
#include "vl-ftp-data.h"
#include "vl-ftp-session.h"

/*
 * A GThreadedSocketService runs each accepted connection in a worker thread
 * (vl_ftp_session_run), so blocking backend calls never stall the main loop, which only handles
 * signals. The mutex guards the configuration pointer, the session counters and the set of
 * control sockets that vl_ftp_server_stop() shuts down.
 */
struct _VlFtpServer {
    GSocketService *service;
    GMutex lock;
    GCond changed;
    VlFtpConfig *config;
    guint16 port;
    guint next_id;
    guint n_sessions;
    GHashTable *per_router; /* router name -> count, as GUINT_TO_POINTER */
    GHashTable *controls;   /* set of GSocket */
    gint stopping;
};

static gboolean
server_run_cb(GThreadedSocketService *service, GSocketConnection *connection,
              GObject *source_object, gpointer user_data)
{
    vl_ftp_session_run(user_data, connection);
    return TRUE;
}

VlFtpServer *
vl_ftp_server_new(VlFtpConfig *config, GError **error)
{
    g_autoptr(VlFtpServer) server = g_new0(VlFtpServer, 1);
    g_autoptr(GSocketAddress) addr = NULL;
    g_autoptr(GSocketAddress) bound = NULL;
    g_autoptr(GError) err = NULL;

    g_mutex_init(&server->lock);
    g_cond_init(&server->changed);
    server->config = vl_ftp_config_ref(config);
    server->per_router = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    server->controls = g_hash_table_new(g_direct_hash, g_direct_equal);
    addr = vl_ftp_parse_listen(config->listen, error);
    if (!addr)
        return NULL;
    /* Idle sessions hold a thread each; the session limit is enforced by the sessions. */
    server->service = g_threaded_socket_service_new((int)config->max_sessions + 16);
    g_signal_connect(server->service, "run", G_CALLBACK(server_run_cb), server);
    if (!g_socket_listener_add_address(G_SOCKET_LISTENER(server->service), addr,
                                       G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, &bound,
                                       &err)) {
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "cannot listen on %s: %s", config->listen,
                    err->message);
        return NULL;
    }
    server->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
    return g_steal_pointer(&server);
}

void
vl_ftp_server_free(VlFtpServer *server)
{
    if (!server)
        return;
    if (server->service) {
        g_socket_service_stop(server->service);
        g_socket_listener_close(G_SOCKET_LISTENER(server->service));
        g_object_unref(server->service);
    }
    g_clear_pointer(&server->config, vl_ftp_config_unref);
    g_hash_table_unref(server->per_router);
    g_hash_table_unref(server->controls);
    g_mutex_clear(&server->lock);
    g_cond_clear(&server->changed);
    g_free(server);
}

void
vl_ftp_server_start(VlFtpServer *server)
{
    g_socket_service_start(server->service);
}

guint16
vl_ftp_server_get_port(VlFtpServer *server)
{
    return server->port;
}

void
vl_ftp_server_set_config(VlFtpServer *server, VlFtpConfig *config)
{
    VlFtpConfig *old;

    g_mutex_lock(&server->lock);
    old = server->config;
    if (g_strcmp0(old->listen, config->listen) != 0)
        g_message("the listen address changed from %s to %s: restart the proxy to apply it",
                  old->listen, config->listen);
    server->config = vl_ftp_config_ref(config);
    g_mutex_unlock(&server->lock);
    vl_ftp_config_unref(old);
}

VlFtpConfig *
vl_ftp_server_dup_config(VlFtpServer *server)
{
    VlFtpConfig *config;

    g_mutex_lock(&server->lock);
    config = vl_ftp_config_ref(server->config);
    g_mutex_unlock(&server->lock);
    return config;
}

gboolean
vl_ftp_server_session_enter(VlFtpServer *server, GSocket *control, guint max, guint *id)
{
    gboolean ok;

    g_mutex_lock(&server->lock);
    *id = ++server->next_id;
    ok = server->n_sessions < max && !g_atomic_int_get(&server->stopping);
    if (ok) {
        server->n_sessions++;
        g_hash_table_add(server->controls, control);
    }
    g_mutex_unlock(&server->lock);
    return ok;
}

void
vl_ftp_server_session_leave(VlFtpServer *server, GSocket *control)
{
    g_mutex_lock(&server->lock);
    if (g_hash_table_remove(server->controls, control))
        server->n_sessions--;
    g_cond_broadcast(&server->changed);
    g_mutex_unlock(&server->lock);
}

gboolean
vl_ftp_server_router_enter(VlFtpServer *server, const char *router, guint max)
{
    guint n;
    gboolean ok;

    g_mutex_lock(&server->lock);
    n = GPOINTER_TO_UINT(g_hash_table_lookup(server->per_router, router));
    ok = n < max;
    if (ok)
        g_hash_table_insert(server->per_router, g_strdup(router), GUINT_TO_POINTER(n + 1));
    g_mutex_unlock(&server->lock);
    return ok;
}

void
vl_ftp_server_router_leave(VlFtpServer *server, const char *router)
{
    guint n;

    g_mutex_lock(&server->lock);
    n = GPOINTER_TO_UINT(g_hash_table_lookup(server->per_router, router));
    if (n <= 1)
        g_hash_table_remove(server->per_router, router);
    else
        g_hash_table_insert(server->per_router, g_strdup(router), GUINT_TO_POINTER(n - 1));
    g_mutex_unlock(&server->lock);
}

gboolean
vl_ftp_server_is_stopping(VlFtpServer *server)
{
    return g_atomic_int_get(&server->stopping);
}

guint
vl_ftp_server_stop(VlFtpServer *server, guint grace)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)grace * G_USEC_PER_SEC;
    GHashTableIter it;
    gpointer key;
    guint left;

    g_atomic_int_set(&server->stopping, 1);
    g_socket_service_stop(server->service);
    g_socket_listener_close(G_SOCKET_LISTENER(server->service));
    g_mutex_lock(&server->lock);
    g_hash_table_iter_init(&it, server->controls);
    while (g_hash_table_iter_next(&it, &key, NULL))
        g_socket_shutdown(key, TRUE, TRUE, NULL);
    while (server->n_sessions > 0 && g_cond_wait_until(&server->changed, &server->lock, deadline))
        ;
    left = server->n_sessions;
    g_mutex_unlock(&server->lock);
    return left;
}
