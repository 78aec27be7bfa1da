/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-sftp-pool.c - shared SSH connections of an SFTP backend: setup, retries, leases */
#include "vl-ftp-sftp-pool.h"

/*
 * Theory of operation
 *
 * Routers boot together, and each FTP session used to open an SSH connection of its own: a
 * stock sshd (MaxStartups 10:30:100) drops new connections beyond ten unauthenticated ones, so
 * a burst of sessions failed with "Failed getting banner". Now each backend owns a pool of at
 * most max_connections SSH connections, and sessions share them.
 *
 * A connection is one TCP connection, one SSH session and one SFTP channel, set up by src/ssh
 * (vl_ssh_session_open(): TCP, handshake, the host key checked against known_hosts with no trust
 * on first use, authentication with the key and then the password, SFTP, all within the
 * backend's timeout, which then bounds each libssh2 call). Sessions using the
 * same connection share that channel: each has its own SFTP handles on it, and SFTP matches
 * replies to requests by id, so their operations interleave. libssh2 is not thread-safe per
 * session, so every call goes through vl_ftp_sftp_conn_lock(); a call holds the mutex only for
 * one blocking libssh2 operation (one read of a download, one stat), and the data socket is
 * written with the mutex released, so sessions take turns.
 *
 * States of a connection (changed under the pool's lock):
 *   CONNECTING  set up by the session that created it, outside any lock; other sessions may
 *               lease it and wait on pool->changed. Success -> READY, failure -> FAILED (the
 *               waiters get the same error: no cascade of retries).
 *   READY       in the pool's list, handed out by vl_ftp_sftp_pool_acquire().
 *   BROKEN      after a session-level failure (connection lost, timeout): out of the list,
 *               freed when the last lease or file lets go; users lease another one.
 *   FAILED      setup failed: out of the list.
 * A READY connection nobody has leased for POOL_IDLE_MAX_US is closed at the next acquire,
 * so a server that dropped an idle connection does not cost a failed command.
 *
 * Choice on acquire: the live (READY or CONNECTING) connection with the fewest leases, unless
 * that one already has POOL_SPREAD leases and the pool may grow: then a new connection. So one
 * session uses one connection, 16 sessions spread over 4, and 64 share 4 as well. The number of
 * connections being set up at once is at most max_connections per backend, well below
 * MaxStartups.
 *
 * Memory: libssh2 keeps up to four times the size of a read in flight per file, and on a shared
 * channel the replies for all files are taken into memory by whichever user reads first. So
 * vl_ftp_sftp_conn_read_size() splits the connection's read-ahead among its open files: the
 * connection keeps as much in flight as one download alone, and memory stays bounded by about
 * four reads' worth per connection (at least 120000 bytes per read and file).
 *
 * Setup retries: a refused TCP connection or a handshake the server cuts short is retried up
 * to POOL_ATTEMPTS times, waiting 200 ms, 400 ms, ... (at most 3.2 s, plus up to 25 % jitter
 * so several proxies do not retry in step) and never past the backend's timeout from the first
 * attempt. A host key that does not match known_hosts, a failed authentication or an
 * unreadable known_hosts is final at once.
 */

#define POOL_SPREAD         4 /* leases per connection before another one is opened */
#define POOL_ATTEMPTS       6
#define POOL_FIRST_DELAY_MS 200
#define POOL_MAX_DELAY_MS   3200
#define POOL_IDLE_MAX_US    (60 * G_USEC_PER_SEC)
#define POOL_SFTP_CHUNK     30000 /* bytes per libssh2 read request */
#define POOL_MIN_READ       (4 * POOL_SFTP_CHUNK)

typedef enum {
    CONN_CONNECTING,
    CONN_READY,
    CONN_BROKEN,
    CONN_FAILED,
} ConnState;

struct _VlFtpSftpConn {
    VlFtpSftpPool *pool;
    gint refs;       /* atomic: the pool's list, each lease, each open file */
    gint files;      /* atomic: open files */
    guint leases;    /* under pool->lock */
    ConnState state; /* under pool->lock */
    gint64 idle_since;
    GError *setup_error; /* FAILED: why, for the sessions that waited */
    guint serial;        /* for log lines */
    GMutex lock;         /* serializes libssh2 calls */
    gboolean broken;     /* under lock: no more libssh2 calls */
    VlSshSession *session;
};

struct _VlFtpSftpPool {
    const VlFtpBackend *backend;
    GMutex lock;
    GCond changed;
    GPtrArray *conns; /* CONNECTING and READY connections, one reference each */
    guint serial;
};

static VlFtpSftpConn *
conn_ref(VlFtpSftpConn *conn)
{
    g_atomic_int_inc(&conn->refs);
    return conn;
}

static void
conn_unref(VlFtpSftpConn *conn)
{
    if (!conn || !g_atomic_int_dec_and_test(&conn->refs))
        return;
    vl_ssh_session_free(conn->session);
    g_clear_error(&conn->setup_error);
    g_mutex_clear(&conn->lock);
    g_free(conn);
}

VlFtpSftpConn *
vl_ftp_sftp_conn_open_file(VlFtpSftpConn *conn)
{
    g_atomic_int_inc(&conn->files);
    return conn_ref(conn);
}

void
vl_ftp_sftp_conn_close_file(VlFtpSftpConn *conn)
{
    g_atomic_int_add(&conn->files, -1);
    conn_unref(conn);
}

gsize
vl_ftp_sftp_conn_read_size(VlFtpSftpConn *conn, gsize len)
{
    guint files = (guint)MAX(g_atomic_int_get(&conn->files), 1);
    gsize share = len / files / POOL_SFTP_CHUNK * POOL_SFTP_CHUNK;

    return MIN(len, MAX(share, POOL_MIN_READ));
}

void
vl_ftp_sftp_conn_set_ssh_error(VlFtpSftpConn *conn, GError **error, const char *what)
{
    const VlFtpBackend *b = conn->pool->backend;
    LIBSSH2_SESSION *ssh = conn->session ? vl_ssh_session_get_libssh2(conn->session) : NULL;
    char *msg = NULL;
    int code = ssh ? libssh2_session_last_error(ssh, &msg, NULL, 0) : 0;

    g_set_error(error, G_IO_ERROR,
                code == LIBSSH2_ERROR_TIMEOUT ? G_IO_ERROR_TIMED_OUT : G_IO_ERROR_CONNECTION_CLOSED,
                "sftp %s@%s:%u: %s: %s", b->user, b->host, b->port, what,
                msg && *msg ? msg : "failed");
}

/*
 * One setup attempt (see vl_ssh_session_open()). *@retry says whether a failure may pass with
 * time (refused, or cut short by the server). Return: TRUE on success.
 */
static gboolean
conn_connect_once(VlFtpSftpConn *conn, gboolean *retry, GError **error)
{
    const VlFtpBackend *b = conn->pool->backend;
    VlSshTarget t = {.host = b->host,
                     .port = b->port,
                     .user = b->user,
                     .password = b->password,
                     .known_hosts = b->known_hosts,
                     .timeout_ms = b->timeout * 1000};
    VlSshKey key = {b->private_key, b->public_key, b->key_passphrase};

    conn->session = vl_ssh_session_open(&t, &key, VL_SSH_SESSION_KNOWN_ONLY | VL_SSH_SESSION_SFTP,
                                        retry, error);
    return conn->session != NULL;
}

/* Sets the connection up, retrying with backoff (see the top). Return: TRUE on success. */
static gboolean
conn_connect(VlFtpSftpConn *conn, GError **error)
{
    const VlFtpBackend *b = conn->pool->backend;
    gint64 deadline = g_get_monotonic_time() + (gint64)b->timeout * G_USEC_PER_SEC;
    guint delay_ms = POOL_FIRST_DELAY_MS;

    for (guint attempt = 1;; attempt++) {
        g_autoptr(GError) err = NULL;
        gboolean retry = FALSE;
        guint wait_ms;

        if (conn_connect_once(conn, &retry, &err))
            return TRUE;
        wait_ms = delay_ms + (guint)g_random_int_range(0, (gint32)delay_ms / 4 + 1);
        if (!retry || attempt >= POOL_ATTEMPTS ||
            g_get_monotonic_time() + (gint64)wait_ms * 1000 > deadline) {
            if (attempt > 1)
                g_prefix_error(&err, "after %u attempts: ", attempt);
            g_propagate_error(error, g_steal_pointer(&err));
            return FALSE;
        }
        g_message("sftp %s:%u: connection %u, attempt %u failed (%s); retrying in %u ms", b->host,
                  b->port, conn->serial, attempt, err->message, wait_ms);
        g_usleep((gulong)wait_ms * 1000);
        delay_ms = MIN(delay_ms * 2, POOL_MAX_DELAY_MS);
    }
}

VlFtpSftpPool *
vl_ftp_sftp_pool_new(const VlFtpBackend *backend)
{
    VlFtpSftpPool *pool = g_new0(VlFtpSftpPool, 1);

    pool->backend = backend;
    g_mutex_init(&pool->lock);
    g_cond_init(&pool->changed);
    pool->conns = g_ptr_array_new();
    return pool;
}

/* Detaches @conn from the pool's list (pool->lock held). Return: the list's reference. */
static VlFtpSftpConn *
pool_detach(VlFtpSftpPool *pool, VlFtpSftpConn *conn)
{
    return g_ptr_array_remove_fast(pool->conns, conn) ? conn : NULL;
}

void
vl_ftp_sftp_pool_free(VlFtpSftpPool *pool)
{
    if (!pool)
        return;
    for (guint i = 0; i < pool->conns->len; i++) {
        VlFtpSftpConn *conn = pool->conns->pdata[i];

        /* Nobody leases it any more. A clean SSH goodbye could wait for the server, and this
         * may run in the main loop: cut the TCP connection first, so libssh2 only frees. */
        g_assert(conn->leases == 0);
        if (conn->session)
            vl_ssh_session_cut(conn->session);
        conn_unref(conn);
    }
    g_ptr_array_unref(pool->conns);
    g_mutex_clear(&pool->lock);
    g_cond_clear(&pool->changed);
    g_free(pool);
}

/* Return: (transfer none): the live connection with the fewest leases, or NULL. */
static VlFtpSftpConn *
pool_least_leased(VlFtpSftpPool *pool)
{
    VlFtpSftpConn *best = NULL;

    for (guint i = 0; i < pool->conns->len; i++) {
        VlFtpSftpConn *c = pool->conns->pdata[i];
        if (!best || c->leases < best->leases)
            best = c;
    }
    return best;
}

/* Moves connections idle for too long from the list into @stale (pool->lock held). */
static void
pool_take_stale(VlFtpSftpPool *pool, GPtrArray *stale)
{
    gint64 now = g_get_monotonic_time();

    for (guint i = pool->conns->len; i-- > 0;) {
        VlFtpSftpConn *c = pool->conns->pdata[i];
        if (c->state == CONN_READY && c->leases == 0 && now - c->idle_since > POOL_IDLE_MAX_US)
            g_ptr_array_add(stale, pool_detach(pool, c));
    }
}

/* Creates a CONNECTING connection in the list, leased once by the caller (pool->lock held). */
static VlFtpSftpConn *
pool_add_conn(VlFtpSftpPool *pool)
{
    VlFtpSftpConn *conn = g_new0(VlFtpSftpConn, 1);

    conn->pool = pool;
    conn->refs = 2; /* the list and the caller's lease */
    conn->leases = 1;
    conn->state = CONN_CONNECTING;
    conn->serial = ++pool->serial;
    g_mutex_init(&conn->lock);
    g_ptr_array_add(pool->conns, conn);
    return conn;
}

/* Sets up @conn, created by pool_add_conn(), and tells the waiters. Return: TRUE if READY. */
static gboolean
pool_setup(VlFtpSftpPool *pool, VlFtpSftpConn *conn, GError **error)
{
    const VlFtpBackend *b = pool->backend;
    g_autoptr(GError) err = NULL;
    gboolean ok = conn_connect(conn, &err);
    VlFtpSftpConn *list_ref = NULL;
    guint live;

    g_mutex_lock(&pool->lock);
    if (ok) {
        conn->state = CONN_READY;
    } else {
        conn->state = CONN_FAILED;
        conn->setup_error = g_error_copy(err);
        list_ref = pool_detach(pool, conn);
    }
    live = pool->conns->len;
    g_cond_broadcast(&pool->changed);
    g_mutex_unlock(&pool->lock);
    conn_unref(list_ref);
    if (ok)
        g_message("sftp %s:%u: SSH connection %u opened (%u of at most %u)", b->host, b->port,
                  conn->serial, live, b->max_connections);
    else
        g_propagate_error(error, g_steal_pointer(&err));
    return ok;
}

VlFtpSftpConn *
vl_ftp_sftp_pool_acquire(VlFtpSftpPool *pool, GError **error)
{
    g_autoptr(GPtrArray) stale = g_ptr_array_new_with_free_func((GDestroyNotify)conn_unref);
    guint max = MAX(pool->backend->max_connections, 1);
    VlFtpSftpConn *conn;
    ConnState state;

    g_mutex_lock(&pool->lock);
    pool_take_stale(pool, stale);
    conn = pool_least_leased(pool);
    if (!conn || (conn->leases >= POOL_SPREAD && pool->conns->len < max)) {
        conn = pool_add_conn(pool);
        g_mutex_unlock(&pool->lock);
        g_clear_pointer(&stale, g_ptr_array_unref);
        if (pool_setup(pool, conn, error))
            return conn;
        vl_ftp_sftp_conn_release(conn);
        return NULL;
    }
    conn->leases++;
    conn_ref(conn);
    while (conn->state == CONN_CONNECTING)
        g_cond_wait(&pool->changed, &pool->lock);
    state = conn->state;
    g_mutex_unlock(&pool->lock);
    if (state == CONN_FAILED) {
        g_propagate_error(error, g_error_copy(conn->setup_error));
        vl_ftp_sftp_conn_release(conn);
        return NULL;
    }
    /* READY, or BROKEN already: the caller finds out at its first lock and leases again. */
    return conn;
}

void
vl_ftp_sftp_conn_release(VlFtpSftpConn *conn)
{
    VlFtpSftpPool *pool;

    if (!conn)
        return;
    pool = conn->pool;
    g_mutex_lock(&pool->lock);
    g_assert(conn->leases > 0);
    if (--conn->leases == 0)
        conn->idle_since = g_get_monotonic_time();
    g_mutex_unlock(&pool->lock);
    conn_unref(conn);
}

LIBSSH2_SFTP *
vl_ftp_sftp_conn_lock(VlFtpSftpConn *conn)
{
    g_mutex_lock(&conn->lock);
    return conn->broken ? NULL : vl_ssh_session_get_sftp(conn->session);
}

void
vl_ftp_sftp_conn_unlock(VlFtpSftpConn *conn)
{
    g_mutex_unlock(&conn->lock);
}

LIBSSH2_SESSION *
vl_ftp_sftp_conn_get_session(VlFtpSftpConn *conn)
{
    return vl_ssh_session_get_libssh2(conn->session);
}

void
vl_ftp_sftp_conn_set_broken(VlFtpSftpConn *conn)
{
    VlFtpSftpPool *pool = conn->pool;
    VlFtpSftpConn *list_ref;

    if (conn->broken)
        return;
    conn->broken = TRUE;
    g_mutex_lock(&pool->lock);
    conn->state = CONN_BROKEN;
    list_ref = pool_detach(pool, conn);
    g_mutex_unlock(&pool->lock);
    g_message("sftp %s:%u: SSH connection %u lost; its sessions reconnect", pool->backend->host,
              pool->backend->port, conn->serial);
    /* Never the last reference: the caller holds a lease or a file on it. */
    conn_unref(list_ref);
}
