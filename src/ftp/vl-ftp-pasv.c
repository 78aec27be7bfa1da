/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-pasv.c - one passive data connection: accepted once, within a window, then no more */
#include "vl-ftp-pasv.h"

struct _VlFtpPasv {
    GSocket *listener;
    GInetAddress *peer;
    guint window;
    GCancellable *cancel;
    GThread *thread;
    GMutex lock;
    GCond cond;
    gboolean done;  /* the outcome below is set */
    gboolean taken; /* vl_ftp_pasv_take() returned it */
    GSocket *conn;
    GError *error;
};

/* Return: (transfer full): the one connection of @p's listener, or NULL with an error. */
static GSocket *
pasv_accept_one(VlFtpPasv *p, GError **error)
{
    g_autoptr(GSocket) conn = NULL;
    g_autoptr(GSocketAddress) remote = NULL;
    g_autoptr(GError) err = NULL;
    GInetAddress *ip;

    if (!g_socket_condition_timed_wait(p->listener, G_IO_IN, (gint64)p->window * G_USEC_PER_SEC,
                                       p->cancel, &err)) {
        if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                        "no passive data connection within %u s", p->window);
        else
            g_propagate_error(error, g_steal_pointer(&err));
        return NULL;
    }
    /* Non-blocking: a connection reset since the wait makes accept fail, never hang. */
    g_socket_set_blocking(p->listener, FALSE);
    conn = g_socket_accept(p->listener, p->cancel, error);
    if (!conn)
        return NULL;
    remote = g_socket_get_remote_address(conn, error);
    if (!remote)
        return NULL;
    ip = g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(remote));
    if (!g_inet_address_equal(ip, p->peer)) {
        g_autofree char *a = g_inet_address_to_string(ip);
        g_socket_close(conn, NULL);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    "passive data connection from %s refused: not the control peer", a);
        return NULL;
    }
    g_socket_set_blocking(conn, TRUE);
    return g_steal_pointer(&conn);
}

static gpointer
pasv_thread(gpointer data)
{
    VlFtpPasv *p = data;
    GError *err = NULL;
    GSocket *conn = pasv_accept_one(p, &err);

    /* One connection per PASV/EPSV: nobody else reaches this port from now on. */
    g_socket_close(p->listener, NULL);
    g_mutex_lock(&p->lock);
    p->conn = conn;
    p->error = err;
    p->done = TRUE;
    g_cond_broadcast(&p->cond);
    g_mutex_unlock(&p->lock);
    return NULL;
}

VlFtpPasv *
vl_ftp_pasv_start(GSocket *listener, GInetAddress *peer, guint window)
{
    VlFtpPasv *p = g_new0(VlFtpPasv, 1);

    p->listener = listener;
    p->peer = g_object_ref(peer);
    p->window = window;
    p->cancel = g_cancellable_new();
    g_mutex_init(&p->lock);
    g_cond_init(&p->cond);
    p->thread = g_thread_new("ftp-pasv", pasv_thread, p);
    return p;
}

GSocket *
vl_ftp_pasv_take(VlFtpPasv *p, GError **error)
{
    GSocket *conn = NULL;

    g_mutex_lock(&p->lock);
    while (!p->done)
        g_cond_wait(&p->cond, &p->lock);
    if (p->taken) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, "use PASV or PORT first");
    } else if (p->conn) {
        conn = g_steal_pointer(&p->conn);
    } else {
        g_propagate_error(error, g_steal_pointer(&p->error));
    }
    p->taken = TRUE;
    g_mutex_unlock(&p->lock);
    return conn;
}

void
vl_ftp_pasv_free(VlFtpPasv *p)
{
    if (!p)
        return;
    g_cancellable_cancel(p->cancel);
    g_thread_join(p->thread);
    if (p->conn)
        g_socket_close(p->conn, NULL);
    g_clear_object(&p->conn);
    g_clear_error(&p->error);
    g_object_unref(p->listener);
    g_object_unref(p->peer);
    g_object_unref(p->cancel);
    g_mutex_clear(&p->lock);
    g_cond_clear(&p->cond);
    g_free(p);
}
