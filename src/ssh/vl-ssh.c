/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ssh.c - SSH client on libssh2: login checks (readiness) and one-shot remote commands */
#include "vl-ssh-priv.h"

#include "vl-error.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * Theory of operation
 *
 * Every call is self-contained: one TCP connection, one libssh2 session, used by the calling
 * thread only, torn down before the call returns. libssh2 runs in non-blocking mode; whenever it
 * says LIBSSH2_ERROR_EAGAIN, vl_ssh_conn_wait() polls the socket in the directions
 * libssh2_session_block_directions() names, never past the call's deadline (start +
 * timeout_ms). So a host that accepts TCP but never speaks, or stalls half way, costs at most
 * timeout_ms. Teardown switches to blocking mode with a short libssh2 timeout (GRACE_MS) for the
 * polite disconnect; after a timeout or a socket error the socket is shut down first, so teardown
 * does no I/O that could wait.
 *
 * Host keys are checked against known_hosts before anything is sent: see vl-ssh-known-hosts.c.
 */

#define GRACE_MS   500
#define READ_CHUNK 32768

/* Signal names of SSH "exit-signal" (RFC 4254 6.10) and their Linux numbers. */
static const struct {
    const char *name;
    int number;
} exit_signals[] = {
    {"HUP", 1},   {"INT", 2},   {"QUIT", 3},  {"ILL", 4},   {"ABRT", 6},  {"FPE", 8},   {"KILL", 9},
    {"USR1", 10}, {"SEGV", 11}, {"USR2", 12}, {"PIPE", 13}, {"ALRM", 14}, {"TERM", 15},
};

/* Initializes libssh2 once per process. Return: TRUE if it is usable. */
static gboolean
ssh_global_init(GError **error)
{
    static gsize once;
    static int rc;

    if (g_once_init_enter(&once)) {
        rc = libssh2_init(0);
        g_once_init_leave(&once, 1);
    }
    if (rc != 0) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "cannot initialize libssh2 (error %d)", rc);
        return FALSE;
    }
    return TRUE;
}

/* Return: the milliseconds left before @c's deadline, 0 once it has passed. */
int
vl_ssh_conn_remaining_ms(const VlSshConn *c)
{
    gint64 left = c->deadline - g_get_monotonic_time();

    if (left <= 0)
        return 0;
    return (int)MIN((left + 999) / 1000, G_MAXINT);
}

/* Sets the timeout error for step @what and marks @c broken. Return: FALSE. */
static gboolean
conn_timed_out(VlSshConn *c, const char *what, GError **error)
{
    c->broken = TRUE;
    g_set_error(error, VL_ERROR, VL_ERROR_IO, "SSH %s@%s: timed out after %u ms while %s",
                c->t->user, c->hostport, c->t->timeout_ms, what);
    return FALSE;
}

/*
 * Sets @error (domain VL_ERROR, @code) from @what and libssh2's last session error. Socket
 * errors and timeouts become VL_ERROR_IO and mark @c broken.
 */
void
vl_ssh_conn_set_error(VlSshConn *c, int code, GError **error, const char *what)
{
    char *msg = NULL;
    int rc = c->ssh ? libssh2_session_last_error(c->ssh, &msg, NULL, 0) : 0;

    switch (rc) {
    case LIBSSH2_ERROR_SOCKET_NONE:
    case LIBSSH2_ERROR_BANNER_RECV:
    case LIBSSH2_ERROR_BANNER_SEND:
    case LIBSSH2_ERROR_SOCKET_SEND:
    case LIBSSH2_ERROR_SOCKET_DISCONNECT:
    case LIBSSH2_ERROR_SOCKET_TIMEOUT:
    case LIBSSH2_ERROR_SOCKET_RECV:
    case LIBSSH2_ERROR_TIMEOUT:
        c->broken = TRUE;
        code = VL_ERROR_IO;
        break;
    default:
        break;
    }
    g_set_error(error, VL_ERROR, code, "SSH %s@%s: %s: %s", c->t->user, c->hostport, what,
                msg && *msg ? msg : "failed");
}

gboolean
vl_ssh_conn_wait(VlSshConn *c, const char *what, GError **error)
{
    int dirs = libssh2_session_block_directions(c->ssh);
    struct pollfd pfd = {.fd = c->fd, .events = 0};

    if (dirs & LIBSSH2_SESSION_BLOCK_INBOUND)
        pfd.events |= POLLIN;
    if (dirs & LIBSSH2_SESSION_BLOCK_OUTBOUND)
        pfd.events |= POLLOUT;
    if (pfd.events == 0)
        pfd.events = POLLIN;
    for (;;) {
        int ms = vl_ssh_conn_remaining_ms(c);
        int n;

        if (ms == 0)
            return conn_timed_out(c, what, error);
        n = poll(&pfd, 1, ms);
        if (n > 0)
            return TRUE; /* readable, writable, or an error libssh2 will report */
        if (n < 0 && errno != EINTR) {
            int e = errno;
            c->broken = TRUE;
            g_set_error(error, VL_ERROR, VL_ERROR_IO, "SSH %s@%s: poll: %s", c->t->user,
                        c->hostport, g_strerror(e));
            return FALSE;
        }
    }
}

/*
 * Runs the libssh2 call @call (an int-returning expression) until it stops saying EAGAIN,
 * waiting on the socket in between. Leaves the result in @rc: LIBSSH2_ERROR_EAGAIN with @error
 * set means the deadline passed.
 */
#define CONN_RETRY(rc, c, what, error, call)                                                       \
    while (((rc) = (call)) == LIBSSH2_ERROR_EAGAIN) {                                              \
        if (!vl_ssh_conn_wait((c), (what), (error)))                                               \
            break;                                                                                 \
    }

/* Waits for a non-blocking connect() on @fd. Return: 0, an errno value, or ETIMEDOUT. */
static int
tcp_wait_connected(VlSshConn *c, int fd)
{
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};
    int soerr = 0;
    socklen_t len = sizeof(soerr);

    for (;;) {
        int ms = vl_ssh_conn_remaining_ms(c);
        int n;

        if (ms == 0)
            return ETIMEDOUT;
        n = poll(&pfd, 1, ms);
        if (n > 0)
            break;
        if (n < 0 && errno != EINTR)
            return errno;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
        return errno;
    return soerr;
}

/* Opens the TCP connection, trying each address of the host. Return: TRUE if connected. */
static gboolean
conn_tcp(VlSshConn *c, GError **error)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    char port[16];
    int last = ECONNREFUSED;
    int rc;

    g_snprintf(port, sizeof(port), "%u", c->t->port);
    rc = getaddrinfo(c->t->host, port, &hints, &res);
    if (rc != 0) {
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "SSH %s@%s: cannot resolve '%s': %s", c->t->user,
                    c->hostport, c->t->host, gai_strerror(rc));
        return FALSE;
    }
    for (struct addrinfo *ai = res; ai && c->fd < 0; ai = ai->ai_next) {
        int fd =
            socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        int one = 1;

        if (fd < 0) {
            last = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            last = 0;
        else if (errno == EINPROGRESS)
            last = tcp_wait_connected(c, fd);
        else
            last = errno;
        if (last == 0) {
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            c->fd = fd;
        } else {
            close(fd);
            if (last == ETIMEDOUT)
                break;
        }
    }
    freeaddrinfo(res);
    if (c->fd >= 0)
        return TRUE;
    if (last == ETIMEDOUT)
        return conn_timed_out(c, "connecting", error);
    c->retryable = last == ECONNREFUSED;
    g_set_error(error, VL_ERROR, VL_ERROR_IO, "SSH %s@%s: cannot connect: %s", c->t->user,
                c->hostport, g_strerror(last));
    return FALSE;
}

/* Answers every keyboard-interactive prompt with the password. */
static LIBSSH2_USERAUTH_KBDINT_RESPONSE_FUNC(kbdint_respond_cb)
{
    VlSshConn *c = *abstract;

    for (int i = 0; i < num_prompts; i++) {
        /* libssh2 frees the answers with free(). */
        responses[i].text = strdup(c->t->password);
        responses[i].length = responses[i].text ? (unsigned int)strlen(c->t->password) : 0;
    }
}

/* Return: TRUE if the comma-separated @list contains @method. */
static gboolean
method_offered(const char *list, const char *method)
{
    g_auto(GStrv) methods = g_strsplit(list, ",", -1);

    return g_strv_contains((const char *const *)methods, method);
}

/*
 * Tries public key authentication with @c's key.
 * Return: 1 if accepted, 0 if not (the error is set only when there is no password to try next),
 * -1 with @error set when the deadline passed.
 */
static int
conn_auth_key(VlSshConn *c, GError **error)
{
    const char *user = c->t->user;
    int rc;

    CONN_RETRY(rc, c, "authenticating", error,
               libssh2_userauth_publickey_fromfile_ex(c->ssh, user, (unsigned int)strlen(user),
                                                      c->key->public_key, c->key->private_key,
                                                      c->key->passphrase));
    if (rc == 0)
        return 1;
    if (rc == LIBSSH2_ERROR_EAGAIN)
        return -1; /* timed out, error set */
    if (c->t->password) {
        g_debug("SSH %s@%s: key '%s' not accepted (libssh2 error %d); trying the password", user,
                c->hostport, c->key->private_key, rc);
        return 0;
    }
    if (rc == LIBSSH2_ERROR_AUTHENTICATION_FAILED || rc == LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED)
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                    "SSH %s@%s: login refused (publickey authentication with '%s')", user,
                    c->hostport, c->key->private_key);
    else
        vl_ssh_conn_set_error(c, VL_ERROR_FAILED, error, "public key authentication failed");
    return 0;
}

/*
 * Authenticates with the key (if any and the server offers "publickey"), then with the password
 * (or keyboard-interactive). Return: TRUE if accepted.
 */
static gboolean
conn_auth(VlSshConn *c, GError **error)
{
    const char *user = c->t->user;
    unsigned int user_len = (unsigned int)strlen(user);
    g_autofree char *methods = NULL;
    const char *used;
    char *list;
    int rc;

    while (!(list = libssh2_userauth_list(c->ssh, user, user_len)) &&
           libssh2_session_last_errno(c->ssh) == LIBSSH2_ERROR_EAGAIN) {
        if (!vl_ssh_conn_wait(c, "asking for authentication methods", error))
            return FALSE;
    }
    if (!list) {
        if (libssh2_userauth_authenticated(c->ssh))
            return TRUE; /* the server accepted "none" */
        vl_ssh_conn_set_error(c, VL_ERROR_IO, error, "cannot list authentication methods");
        return FALSE;
    }
    methods = g_strdup(list);
    if (c->key && method_offered(methods, "publickey")) {
        int ok = conn_auth_key(c, error);
        if (ok != 0 || !c->t->password)
            return ok > 0;
    }
    if (!c->t->password) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                    "SSH %s@%s: the server does not offer publickey authentication (it offers: "
                    "%s)",
                    user, c->hostport, methods);
        return FALSE;
    }
    if (method_offered(methods, "password")) {
        used = "password";
        CONN_RETRY(rc, c, "authenticating", error,
                   libssh2_userauth_password_ex(c->ssh, user, user_len, c->t->password,
                                                (unsigned int)strlen(c->t->password), NULL));
    } else if (method_offered(methods, "keyboard-interactive")) {
        used = "keyboard-interactive";
        CONN_RETRY(
            rc, c, "authenticating", error,
            libssh2_userauth_keyboard_interactive_ex(c->ssh, user, user_len, kbdint_respond_cb));
    } else {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                    "SSH %s@%s: the server offers neither password nor keyboard-interactive "
                    "authentication (it offers: %s)",
                    user, c->hostport, methods);
        return FALSE;
    }
    if (rc == 0)
        return TRUE;
    if (rc == LIBSSH2_ERROR_EAGAIN)
        return FALSE; /* timed out, error set */
    if (rc == LIBSSH2_ERROR_AUTHENTICATION_FAILED || rc == LIBSSH2_ERROR_PASSWORD_EXPIRED) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                    "SSH %s@%s: login refused (%s authentication)%s", user, c->hostport, used,
                    rc == LIBSSH2_ERROR_PASSWORD_EXPIRED ? ": password expired" : "");
        return FALSE;
    }
    vl_ssh_conn_set_error(c, VL_ERROR_FAILED, error, "authentication failed");
    return FALSE;
}

/* Tears @c down (SFTP, channel, session, socket), waiting at most GRACE_MS per step. */
void
vl_ssh_conn_close(VlSshConn *c)
{
    if (c->broken && c->fd >= 0)
        shutdown(c->fd, SHUT_RDWR);
    if (c->ssh) {
        libssh2_session_set_blocking(c->ssh, 1);
        libssh2_session_set_timeout(c->ssh, GRACE_MS);
        if (c->sftp)
            libssh2_sftp_shutdown(c->sftp);
        if (c->chan)
            libssh2_channel_free(c->chan);
        if (c->handshaken && !c->broken)
            libssh2_session_disconnect(c->ssh, "bye");
        libssh2_session_free(c->ssh);
    }
    c->sftp = NULL;
    c->chan = NULL;
    c->ssh = NULL;
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    g_clear_pointer(&c->hostport, g_free);
}

/* Checks @t's fields (@key: nullable). Return: TRUE if they are usable. */
static gboolean
target_valid(const VlSshTarget *t, const VlSshKey *key, GError **error)
{
    if (key && !key->private_key)
        key = NULL;
    if (!t->host || !*t->host || !t->user || !*t->user || (!t->password && !key) || t->port == 0 ||
        t->port > 65535 || t->timeout_ms == 0) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    key ? "SSH: a host, a port (1-65535), a user and a timeout are required"
                        : "SSH: a host, a port (1-65535), a user, a password and a timeout are "
                          "required");
        return FALSE;
    }
    if (!t->known_hosts || !*t->known_hosts) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "SSH %s@%s:%u: no known_hosts file given; host keys are never accepted "
                    "unchecked",
                    t->user, t->host, t->port);
        return FALSE;
    }
    return TRUE;
}

gboolean
vl_ssh_conn_open(VlSshConn *c, const VlSshTarget *t, const VlSshKey *key, gboolean known_only,
                 gboolean *recorded, GError **error)
{
    LIBSSH2_KNOWNHOSTS *kh = NULL;
    int rc;

    *c = (VlSshConn){
        .t = t, .key = key && key->private_key ? key : NULL, .known_only = known_only, .fd = -1};
    if (recorded)
        *recorded = FALSE;
    if (!target_valid(t, key, error) || !ssh_global_init(error))
        return FALSE;
    c->deadline = g_get_monotonic_time() + (gint64)t->timeout_ms * G_TIME_SPAN_MILLISECOND;
    c->hostport = strchr(t->host, ':') ? g_strdup_printf("[%s]:%u", t->host, t->port)
                                       : g_strdup_printf("%s:%u", t->host, t->port);
    c->ssh = libssh2_session_init_ex(NULL, NULL, NULL, c);
    if (!c->ssh) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "SSH %s: cannot create a session",
                    c->hostport);
        goto fail;
    }
    libssh2_session_set_blocking(c->ssh, 0);
    /* Read known_hosts before connecting: a broken file fails without touching the network. */
    kh = vl_ssh_known_hosts_load(c, NULL, error);
    if (!kh || !vl_ssh_known_hosts_pin(c, kh, error) || !conn_tcp(c, error))
        goto fail;
    CONN_RETRY(rc, c, "in the SSH handshake", error, libssh2_session_handshake(c->ssh, c->fd));
    if (rc == LIBSSH2_ERROR_EAGAIN) {
        c->retryable = TRUE;
        goto fail;
    }
    if (rc != 0) {
        /* A server that cannot offer the pinned key type has changed its key. */
        if (rc == LIBSSH2_ERROR_KEX_FAILURE && vl_ssh_known_hosts_types(c, kh) != 0) {
            g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                        "SSH %s: the server offers no host key of the type recorded in "
                        "known_hosts '%s', so its key changed; not connecting (if the VM was "
                        "recreated, remove its line from that file)",
                        c->hostport, c->t->known_hosts);
        } else {
            /* Such as sshd's MaxStartups: it closes the connection before or instead of its
             * banner. */
            c->retryable = TRUE;
            vl_ssh_conn_set_error(c, VL_ERROR_IO, error, "SSH handshake failed");
        }
        goto fail;
    }
    c->handshaken = TRUE;
    if (!vl_ssh_known_hosts_check(c, kh, recorded, error))
        goto fail;
    libssh2_knownhost_free(kh);
    kh = NULL;
    if (!conn_auth(c, error))
        goto fail;
    g_debug("SSH %s@%s: logged in", t->user, c->hostport);
    return TRUE;

fail:
    if (kh)
        libssh2_knownhost_free(kh);
    vl_ssh_conn_close(c);
    return FALSE;
}

gboolean
vl_ssh_check_login(const VlSshTarget *target, gboolean *key_recorded, GError **error)
{
    VlSshConn c;

    if (!vl_ssh_conn_open(&c, target, NULL, FALSE, key_recorded, error))
        return FALSE;
    vl_ssh_conn_close(&c);
    return TRUE;
}

/*
 * Reads what stream @stream_id of @c's channel has now into @buf, up to VL_SSH_OUTPUT_MAX.
 * Return: TRUE if data came, FALSE if none; -1 with @error set on failure.
 */
static int
conn_drain(VlSshConn *c, int stream_id, GString *buf, GError **error)
{
    char chunk[READ_CHUNK];
    gboolean got = FALSE;

    for (;;) {
        ssize_t n = libssh2_channel_read_ex(c->chan, stream_id, chunk, sizeof(chunk));

        if (n == LIBSSH2_ERROR_EAGAIN || n == 0)
            return got;
        if (n < 0) {
            vl_ssh_conn_set_error(c, VL_ERROR_IO, error, "reading the command's output");
            return -1;
        }
        if (buf->len + (gsize)n > VL_SSH_OUTPUT_MAX) {
            g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                        "SSH %s@%s: the command's standard %s exceeds %u MiB", c->t->user,
                        c->hostport, stream_id == 0 ? "output" : "error",
                        VL_SSH_OUTPUT_MAX / (1024u * 1024u));
            return -1;
        }
        g_string_append_len(buf, chunk, n);
        got = TRUE;
    }
}

/* Return: the shell-style exit status of @c's finished channel. */
static int
conn_exit_status(VlSshConn *c)
{
    char *signame = NULL;
    size_t signame_len = 0;
    int status = libssh2_channel_get_exit_status(c->chan);

    if (libssh2_channel_get_exit_signal(c->chan, &signame, &signame_len, NULL, NULL, NULL, NULL) ==
            0 &&
        signame) {
        status = 255;
        for (guint i = 0; i < G_N_ELEMENTS(exit_signals); i++) {
            if (strlen(exit_signals[i].name) == signame_len &&
                memcmp(exit_signals[i].name, signame, signame_len) == 0)
                status = 128 + exit_signals[i].number;
        }
        g_debug("SSH %s: command killed by signal %.*s", c->hostport, (int)signame_len, signame);
        libssh2_free(c->ssh, signame);
    }
    return status;
}

gboolean
vl_ssh_exec(const VlSshTarget *target, const char *command, char **out, char **err,
            int *exit_status, gboolean *key_recorded, GError **error)
{
    g_autoptr(GString) out_buf = g_string_new(NULL);
    g_autoptr(GString) err_buf = g_string_new(NULL);
    VlSshConn c;
    int status;
    int rc;

    if (out)
        *out = NULL;
    if (err)
        *err = NULL;
    if (key_recorded)
        *key_recorded = FALSE;
    if (!command) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "SSH: no command given");
        return FALSE;
    }
    if (!vl_ssh_conn_open(&c, target, NULL, FALSE, key_recorded, error))
        return FALSE;
    while (!(c.chan = libssh2_channel_open_session(c.ssh)) &&
           libssh2_session_last_errno(c.ssh) == LIBSSH2_ERROR_EAGAIN) {
        if (!vl_ssh_conn_wait(&c, "opening a channel", error))
            goto fail;
    }
    if (!c.chan) {
        vl_ssh_conn_set_error(&c, VL_ERROR_FAILED, error, "cannot open a channel");
        goto fail;
    }
    CONN_RETRY(
        rc, &c, "starting the command", error,
        libssh2_channel_process_startup(c.chan, "exec", 4, command, (unsigned int)strlen(command)));
    if (rc == LIBSSH2_ERROR_EAGAIN)
        goto fail;
    if (rc != 0) {
        vl_ssh_conn_set_error(&c, VL_ERROR_FAILED, error, "cannot start the command");
        goto fail;
    }
    CONN_RETRY(rc, &c, "closing the command's input", error, libssh2_channel_send_eof(c.chan));
    if (rc != 0) {
        if (rc != LIBSSH2_ERROR_EAGAIN)
            vl_ssh_conn_set_error(&c, VL_ERROR_IO, error, "cannot close the command's input");
        goto fail;
    }
    for (;;) {
        int got_out = conn_drain(&c, 0, out_buf, error);
        int got_err = got_out < 0 ? -1 : conn_drain(&c, SSH_EXTENDED_DATA_STDERR, err_buf, error);

        if (got_out < 0 || got_err < 0)
            goto fail;
        if (libssh2_channel_eof(c.chan))
            break;
        if (!got_out && !got_err && !vl_ssh_conn_wait(&c, "running the command", error))
            goto fail;
    }
    CONN_RETRY(rc, &c, "closing the channel", error, libssh2_channel_close(c.chan));
    if (rc == 0)
        CONN_RETRY(rc, &c, "closing the channel", error, libssh2_channel_wait_closed(c.chan));
    if (rc != 0) {
        if (rc != LIBSSH2_ERROR_EAGAIN)
            vl_ssh_conn_set_error(&c, VL_ERROR_IO, error, "cannot close the channel");
        goto fail;
    }
    status = conn_exit_status(&c);
    vl_ssh_conn_close(&c);
    if (out)
        *out = g_string_free(g_steal_pointer(&out_buf), FALSE);
    if (err)
        *err = g_string_free(g_steal_pointer(&err_buf), FALSE);
    if (exit_status)
        *exit_status = status;
    return TRUE;

fail:
    vl_ssh_conn_close(&c);
    return FALSE;
}
