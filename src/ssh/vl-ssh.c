/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ssh.c - SSH client on libssh2: login checks (readiness) and one-shot remote commands */
#include "vl-ssh.h"

#include "vl-error.h"
#include "vl-fs.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <libssh2.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * Theory of operation
 *
 * Every call is self-contained: one TCP connection, one libssh2 session, used by the calling
 * thread only, torn down before the call returns. libssh2 runs in non-blocking mode; whenever it
 * says LIBSSH2_ERROR_EAGAIN, conn_wait() polls the socket in the directions
 * libssh2_session_block_directions() names, never past the call's deadline (start +
 * timeout_ms). So a host that accepts TCP but never speaks, or stalls half way, costs at most
 * timeout_ms. Teardown switches to blocking mode with a short libssh2 timeout (GRACE_MS) for the
 * polite disconnect; after a timeout or a socket error the socket is shut down first, so teardown
 * does no I/O that could wait.
 *
 * Host keys
 *
 * The caller names an OpenSSH known_hosts file (one per lab). There is no "accept any key":
 *  - no entry for the host: the key is recorded (trust on first use). The entry is "[host]:port"
 *    ("host" for port 22, as OpenSSH writes it), appended to the file's current content, which is
 *    rewritten atomically with mode 0600 (created if missing); the caller learns it through
 *    @key_recorded. Recording happens under a process-wide lock plus flock() on the file's folder,
 *    re-reading the file first, so parallel checks of one lab add each host exactly once.
 *  - an entry for the host: before the handshake the host key method is pinned to the recorded
 *    key type(s), so the server must show a key we can compare. A different key, or a server
 *    that cannot offer a recorded type, fails the call with VL_ERROR_INVALID naming the file and
 *    host:port; nothing is sent to that server (no password), and the file is left unchanged.
 *  - a line that cannot be parsed, a marker line (@revoked, @cert-authority) or an entry for the
 *    host with a key type libssh2 cannot check fails the call before connecting: an entry we
 *    cannot honour is never silently bypassed or replaced.
 */

#define GRACE_MS   500
#define READ_CHUNK 32768

typedef struct {
    const VlSshTarget *t;
    char *hostport;  /* "host:port" ("[v6]:port") for messages */
    gint64 deadline; /* g_get_monotonic_time() units */
    int fd;
    LIBSSH2_SESSION *ssh;
    LIBSSH2_CHANNEL *chan;
    gboolean handshaken;
    gboolean broken; /* timed out or socket failed: no polite disconnect */
} VlSshConn;

/* Host key types we can record and check, with the libssh2 methods that produce them. */
static const struct {
    int kh_type;
    int hostkey_type;
    const char *methods;
} key_types[] = {
    {LIBSSH2_KNOWNHOST_KEY_ED25519, LIBSSH2_HOSTKEY_TYPE_ED25519, "ssh-ed25519"},
    {LIBSSH2_KNOWNHOST_KEY_ECDSA_256, LIBSSH2_HOSTKEY_TYPE_ECDSA_256, "ecdsa-sha2-nistp256"},
    {LIBSSH2_KNOWNHOST_KEY_ECDSA_384, LIBSSH2_HOSTKEY_TYPE_ECDSA_384, "ecdsa-sha2-nistp384"},
    {LIBSSH2_KNOWNHOST_KEY_ECDSA_521, LIBSSH2_HOSTKEY_TYPE_ECDSA_521, "ecdsa-sha2-nistp521"},
    {LIBSSH2_KNOWNHOST_KEY_SSHRSA, LIBSSH2_HOSTKEY_TYPE_RSA, "rsa-sha2-512,rsa-sha2-256,ssh-rsa"},
    {LIBSSH2_KNOWNHOST_KEY_SSHDSS, LIBSSH2_HOSTKEY_TYPE_DSS, "ssh-dss"},
};

/* Signal names of SSH "exit-signal" (RFC 4254 6.10) and their Linux numbers. */
static const struct {
    const char *name;
    int number;
} exit_signals[] = {
    {"HUP", 1},   {"INT", 2},   {"QUIT", 3},  {"ILL", 4},   {"ABRT", 6},  {"FPE", 8},   {"KILL", 9},
    {"USR1", 10}, {"SEGV", 11}, {"USR2", 12}, {"PIPE", 13}, {"ALRM", 14}, {"TERM", 15},
};

G_LOCK_DEFINE_STATIC(known_hosts);

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
static int
conn_remaining_ms(const VlSshConn *c)
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
static void
conn_set_error(VlSshConn *c, int code, GError **error, const char *what)
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

/*
 * Waits until the socket is ready in the directions libssh2 is blocked on, or the deadline.
 * Return: TRUE to retry the libssh2 call, FALSE with @error set (timeout or poll failure).
 */
static gboolean
conn_wait(VlSshConn *c, const char *what, GError **error)
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
        int ms = conn_remaining_ms(c);
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
        if (!conn_wait((c), (what), (error)))                                                      \
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
        int ms = conn_remaining_ms(c);
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
    g_set_error(error, VL_ERROR, VL_ERROR_IO, "SSH %s@%s: cannot connect: %s", c->t->user,
                c->hostport, g_strerror(last));
    return FALSE;
}

/* Return: the known_hosts entry name of @host:@port, as OpenSSH writes it. */
static char *
kh_entry_name(const char *host, guint port)
{
    if (port == 22)
        return g_strdup(host);
    return g_strdup_printf("[%s]:%u", host, port);
}

/*
 * Reads @c's known_hosts file into a new collection; a missing file is an empty one.
 * @content: (out) (optional): the file's bytes, to append to when recording.
 * Return: (transfer full): the collection, or NULL with @error set.
 */
static LIBSSH2_KNOWNHOSTS *
kh_load(VlSshConn *c, char **content, GError **error)
{
    const char *path = c->t->known_hosts;
    g_autofree char *data = NULL;
    g_autoptr(GError) local = NULL;
    LIBSSH2_KNOWNHOSTS *kh;
    gsize len = 0;
    guint lineno = 0;

    if (!g_file_get_contents(path, &data, &len, &local)) {
        if (!g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
            g_set_error(error, VL_ERROR, VL_ERROR_IO, "cannot read known_hosts '%s': %s", path,
                        local->message);
            return NULL;
        }
        data = g_strdup("");
        len = 0;
    }
    kh = libssh2_knownhost_init(c->ssh);
    if (!kh) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "SSH %s: out of memory", c->hostport);
        return NULL;
    }
    for (const char *line = data; line < data + len;) {
        const char *nl = memchr(line, '\n', (size_t)(data + len - line));
        const char *next = nl ? nl + 1 : data + len;

        lineno++;
        if (*(line + strspn(line, " \t")) == '@') {
            g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                        "known_hosts '%s' line %u: markers (@revoked, @cert-authority) are not "
                        "supported; remove that line",
                        path, lineno);
            libssh2_knownhost_free(kh);
            return NULL;
        }
        /*
         * libssh2 looks at the byte after the line for its end, so each line is passed with its
         * newline (the last one, if it has none, ends at the NUL g_file_get_contents() adds).
         */
        if (next - line > 1 && libssh2_knownhost_readline(kh, line, (size_t)(next - line),
                                                          LIBSSH2_KNOWNHOST_FILE_OPENSSH) < 0) {
            g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                        "known_hosts '%s' line %u: cannot parse it (unsupported key type?); "
                        "fix or remove that line",
                        path, lineno);
            libssh2_knownhost_free(kh);
            return NULL;
        }
        line = next;
    }
    if (content)
        *content = g_steal_pointer(&data);
    return kh;
}

/* Return: a bit set of key_types[] indexes that @kh has entries of for @c's host:port. */
static guint
kh_known_types(VlSshConn *c, LIBSSH2_KNOWNHOSTS *kh)
{
    guint known = 0;

    for (guint i = 0; i < G_N_ELEMENTS(key_types); i++) {
        /* A dummy key can only mismatch: MISMATCH means an entry of this type exists. */
        int rc = libssh2_knownhost_checkp(kh, c->t->host, (int)c->t->port, "\0", 1,
                                          LIBSSH2_KNOWNHOST_TYPE_PLAIN |
                                              LIBSSH2_KNOWNHOST_KEYENC_RAW | key_types[i].kh_type,
                                          NULL);
        if (rc == LIBSSH2_KNOWNHOST_CHECK_MISMATCH)
            known |= 1u << i;
    }
    return known;
}

/* Return: (transfer full): @entry as a known_hosts line (with its newline), or NULL. */
static char *
kh_entry_line(LIBSSH2_KNOWNHOSTS *kh, struct libssh2_knownhost *entry, size_t *len)
{
    for (size_t size = 1024; size <= 65536; size *= 4) {
        g_autofree char *line = g_malloc(size);
        int rc =
            libssh2_knownhost_writeline(kh, entry, line, size, len, LIBSSH2_KNOWNHOST_FILE_OPENSSH);

        if (rc == 0)
            return g_steal_pointer(&line);
        if (rc != LIBSSH2_ERROR_BUFFER_TOO_SMALL)
            return NULL;
    }
    return NULL;
}

/* Return: TRUE if the hashed ("|1|salt|hash ...") known_hosts @line names @name. */
static gboolean
kh_hashed_names(const char *line, const char *name)
{
    g_auto(GStrv) f = NULL;
    g_autofree guchar *salt = NULL;
    g_autofree guchar *want = NULL;
    g_autoptr(GHmac) hmac = NULL;
    guint8 digest[20];
    gsize digest_len = sizeof(digest);
    gsize salt_len = 0;
    gsize want_len = 0;

    if (!g_str_has_prefix(line, "|1|"))
        return FALSE;
    f = g_strsplit_set(line + 3, "| ", 3);
    if (g_strv_length(f) < 2)
        return FALSE;
    salt = g_base64_decode(f[0], &salt_len);
    want = g_base64_decode(f[1], &want_len);
    hmac = g_hmac_new(G_CHECKSUM_SHA1, salt, salt_len);
    g_hmac_update(hmac, (const guchar *)name, -1);
    g_hmac_get_digest(hmac, digest, &digest_len);
    return want_len == digest_len && memcmp(want, digest, digest_len) == 0;
}

/*
 * libssh2's checks skip entries whose key type it does not know (e.g.
 * sk-ssh-ed25519@openssh.com), so look for them by name ("[host]:port", or "host" for port 22,
 * plain or hashed).
 * Return: TRUE if @kh has such an entry for @c's host.
 */
static gboolean
kh_has_unchecked(VlSshConn *c, LIBSSH2_KNOWNHOSTS *kh)
{
    g_autofree char *name = kh_entry_name(c->t->host, c->t->port);
    struct libssh2_knownhost *entry = NULL;

    while (libssh2_knownhost_get(kh, &entry, entry) == 0) {
        g_autofree char *line = NULL;
        size_t len = 0;

        if ((entry->typemask & LIBSSH2_KNOWNHOST_KEY_MASK) != LIBSSH2_KNOWNHOST_KEY_UNKNOWN)
            continue;
        if (entry->name) {
            if (strcmp(entry->name, name) == 0)
                return TRUE;
            continue;
        }
        line = kh_entry_line(kh, entry, &len);
        if (!line || kh_hashed_names(line, name))
            return TRUE; /* when in doubt, it is ours */
    }
    return FALSE;
}

/*
 * Pins the host key methods to the types recorded for @c's host, if any.
 * Return: TRUE on success (also when nothing is recorded).
 */
static gboolean
conn_pin_hostkey(VlSshConn *c, LIBSSH2_KNOWNHOSTS *kh, GError **error)
{
    guint known = kh_known_types(c, kh);
    g_autoptr(GString) pref = g_string_new(NULL);

    if (kh_has_unchecked(c, kh)) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "SSH %s: known_hosts '%s' records a host key of a type vmlab-virt cannot "
                    "check; not connecting (remove that line to record the key anew)",
                    c->hostport, c->t->known_hosts);
        return FALSE;
    }
    for (guint i = 0; i < G_N_ELEMENTS(key_types); i++) {
        if (known & (1u << i))
            g_string_append_printf(pref, "%s%s", pref->len ? "," : "", key_types[i].methods);
    }
    if (pref->len == 0)
        return TRUE;
    g_debug("SSH %s: host key methods pinned to %s", c->hostport, pref->str);
    if (libssh2_session_method_pref(c->ssh, LIBSSH2_METHOD_HOSTKEY, pref->str) != 0) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "SSH %s: known_hosts '%s' records a host key of a type this libssh2 cannot "
                    "check (%s)",
                    c->hostport, c->t->known_hosts, pref->str);
        return FALSE;
    }
    return TRUE;
}

/* Sets the "host key changed" error. Return: FALSE. */
static gboolean
kh_mismatch(VlSshConn *c, GError **error)
{
    g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                "SSH %s: the host key differs from the one recorded in known_hosts '%s'; not "
                "connecting (if the VM was recreated, remove its line from that file)",
                c->hostport, c->t->known_hosts);
    return FALSE;
}

/* Takes an exclusive flock() on folder @dir, retrying until @c's deadline. Return: the fd. */
static int
kh_lock_dir(VlSshConn *c, const char *dir, GError **error)
{
    int fd;

    if (g_mkdir_with_parents(dir, 0700) < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "cannot create folder '%s': %s", dir,
                    g_strerror(e));
        return -1;
    }
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "cannot open folder '%s': %s", dir,
                    g_strerror(e));
        return -1;
    }
    while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;
        if ((e != EWOULDBLOCK && e != EINTR) || conn_remaining_ms(c) == 0) {
            close(fd);
            g_set_error(error, VL_ERROR, VL_ERROR_IO, "cannot lock folder '%s': %s", dir,
                        e == EWOULDBLOCK ? "held by another process" : g_strerror(e));
            return -1;
        }
        g_usleep(5000);
    }
    return fd;
}

/*
 * Records @key (libssh2 known_hosts type @kh_type) for @c's host, unless another thread or
 * process did meanwhile. Runs under the known_hosts lock; see "Host keys" above.
 * Return: TRUE if the file now trusts @key, FALSE with @error set.
 */
static gboolean
kh_record_locked(VlSshConn *c, const char *key, size_t key_len, int kh_type, gboolean *recorded,
                 GError **error)
{
    const char *path = c->t->known_hosts;
    g_autofree char *content = NULL;
    g_autofree char *name = kh_entry_name(c->t->host, c->t->port);
    g_autoptr(GString) data = NULL;
    struct libssh2_knownhost *entry = NULL;
    LIBSSH2_KNOWNHOSTS *kh;
    gboolean ok = FALSE;
    char *line = NULL;
    size_t out_len = 0;
    int rc;

    kh = kh_load(c, &content, error);
    if (!kh)
        return FALSE;
    rc = libssh2_knownhost_checkp(
        kh, c->t->host, (int)c->t->port, key, key_len,
        LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | kh_type, NULL);
    if (rc == LIBSSH2_KNOWNHOST_CHECK_MATCH) {
        ok = TRUE; /* another caller recorded the same key meanwhile */
        goto out;
    }
    if (rc != LIBSSH2_KNOWNHOST_CHECK_NOTFOUND || kh_known_types(c, kh) != 0 ||
        kh_has_unchecked(c, kh)) {
        kh_mismatch(c, error);
        goto out;
    }
    if (libssh2_knownhost_addc(
            kh, name, NULL, key, key_len, NULL, 0,
            LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | kh_type, &entry) != 0) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "SSH %s: cannot add the host key",
                    c->hostport);
        goto out;
    }
    line = kh_entry_line(kh, entry, &out_len);
    if (!line) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "SSH %s: cannot format the host key",
                    c->hostport);
        goto out;
    }
    data = g_string_new(content);
    if (data->len > 0 && data->str[data->len - 1] != '\n')
        g_string_append_c(data, '\n');
    g_string_append_len(data, line, (gssize)out_len);
    if (data->str[data->len - 1] != '\n')
        g_string_append_c(data, '\n');
    if (!vl_fs_write_atomic(path, data->str, data->len, 0600, error)) {
        g_prefix_error(error, "cannot record the host key of %s in known_hosts: ", c->hostport);
        goto out;
    }
    g_debug("SSH %s: host key recorded in '%s'", c->hostport, path);
    if (recorded)
        *recorded = TRUE;
    ok = TRUE;

out:
    g_free(line);
    libssh2_knownhost_free(kh);
    return ok;
}

/* Records @key for @c's host under the process and folder locks. Return: TRUE on success. */
static gboolean
kh_record(VlSshConn *c, const char *key, size_t key_len, int kh_type, gboolean *recorded,
          GError **error)
{
    g_autofree char *dir = g_path_get_dirname(c->t->known_hosts);
    gboolean ok;
    int lock_fd;

    G_LOCK(known_hosts);
    lock_fd = kh_lock_dir(c, dir, error);
    ok = lock_fd >= 0 && kh_record_locked(c, key, key_len, kh_type, recorded, error);
    if (lock_fd >= 0)
        close(lock_fd); /* releases the flock */
    G_UNLOCK(known_hosts);
    return ok;
}

/*
 * Checks the server's host key against @kh (loaded before the handshake) and records it when
 * the host is new. Return: TRUE if the key is trusted.
 */
static gboolean
conn_check_hostkey(VlSshConn *c, LIBSSH2_KNOWNHOSTS *kh, gboolean *recorded, GError **error)
{
    const char *key;
    size_t key_len = 0;
    int type = 0;
    int kh_type = 0;
    int rc;

    key = libssh2_session_hostkey(c->ssh, &key_len, &type);
    if (!key) {
        conn_set_error(c, VL_ERROR_IO, error, "no host key");
        return FALSE;
    }
    for (guint i = 0; i < G_N_ELEMENTS(key_types); i++) {
        if (key_types[i].hostkey_type == type)
            kh_type = key_types[i].kh_type;
    }
    if (kh_type == 0) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "SSH %s: the server's host key type (%d) cannot be checked", c->hostport, type);
        return FALSE;
    }
    rc = libssh2_knownhost_checkp(
        kh, c->t->host, (int)c->t->port, key, key_len,
        LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | kh_type, NULL);
    switch (rc) {
    case LIBSSH2_KNOWNHOST_CHECK_MATCH:
        return TRUE;
    case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
        if (kh_known_types(c, kh) != 0 || kh_has_unchecked(c, kh))
            return kh_mismatch(c, error); /* only other key types recorded */
        return kh_record(c, key, key_len, kh_type, recorded, error);
    case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
        return kh_mismatch(c, error);
    default:
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                    "SSH %s: cannot check the host key against known_hosts '%s'", c->hostport,
                    c->t->known_hosts);
        return FALSE;
    }
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

/* Authenticates with the password (or keyboard-interactive). Return: TRUE if accepted. */
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
        if (!conn_wait(c, "asking for authentication methods", error))
            return FALSE;
    }
    if (!list) {
        if (libssh2_userauth_authenticated(c->ssh))
            return TRUE; /* the server accepted "none" */
        conn_set_error(c, VL_ERROR_IO, error, "cannot list authentication methods");
        return FALSE;
    }
    methods = g_strdup(list);
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
    conn_set_error(c, VL_ERROR_FAILED, error, "authentication failed");
    return FALSE;
}

/* Tears @c down (channel, session, socket) without waiting longer than GRACE_MS per step. */
static void
conn_close(VlSshConn *c)
{
    if (c->broken && c->fd >= 0)
        shutdown(c->fd, SHUT_RDWR);
    if (c->ssh) {
        libssh2_session_set_blocking(c->ssh, 1);
        libssh2_session_set_timeout(c->ssh, GRACE_MS);
        if (c->chan)
            libssh2_channel_free(c->chan);
        if (c->handshaken && !c->broken)
            libssh2_session_disconnect(c->ssh, "bye");
        libssh2_session_free(c->ssh);
    }
    c->chan = NULL;
    c->ssh = NULL;
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    g_clear_pointer(&c->hostport, g_free);
}

/* Checks @t's fields. Return: TRUE if they are usable. */
static gboolean
target_valid(const VlSshTarget *t, GError **error)
{
    if (!t->host || !*t->host || !t->user || !*t->user || !t->password || t->port == 0 ||
        t->port > 65535 || t->timeout_ms == 0) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "SSH: a host, a port (1-65535), a user, a password and a timeout are "
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

/*
 * Connects @c to @t: TCP, handshake (host key methods pinned to known_hosts), host key check
 * (or trust on first use) and password authentication. On failure @c is closed.
 * Return: TRUE when logged in.
 */
static gboolean
conn_open(VlSshConn *c, const VlSshTarget *t, gboolean *recorded, GError **error)
{
    LIBSSH2_KNOWNHOSTS *kh = NULL;
    int rc;

    *c = (VlSshConn){.t = t, .fd = -1};
    if (recorded)
        *recorded = FALSE;
    if (!target_valid(t, error) || !ssh_global_init(error))
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
    kh = kh_load(c, NULL, error);
    if (!kh || !conn_pin_hostkey(c, kh, error) || !conn_tcp(c, error))
        goto fail;
    CONN_RETRY(rc, c, "in the SSH handshake", error, libssh2_session_handshake(c->ssh, c->fd));
    if (rc == LIBSSH2_ERROR_EAGAIN)
        goto fail;
    if (rc != 0) {
        /* A server that cannot offer the pinned key type has changed its key. */
        if (rc == LIBSSH2_ERROR_KEX_FAILURE && kh_known_types(c, kh) != 0) {
            g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                        "SSH %s: the server offers no host key of the type recorded in "
                        "known_hosts '%s', so its key changed; not connecting (if the VM was "
                        "recreated, remove its line from that file)",
                        c->hostport, c->t->known_hosts);
        } else {
            conn_set_error(c, VL_ERROR_IO, error, "SSH handshake failed");
        }
        goto fail;
    }
    c->handshaken = TRUE;
    if (!conn_check_hostkey(c, kh, recorded, error))
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
    conn_close(c);
    return FALSE;
}

gboolean
vl_ssh_check_login(const VlSshTarget *target, gboolean *key_recorded, GError **error)
{
    VlSshConn c;

    if (!conn_open(&c, target, key_recorded, error))
        return FALSE;
    conn_close(&c);
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
            conn_set_error(c, VL_ERROR_IO, error, "reading the command's output");
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
    if (!conn_open(&c, target, key_recorded, error))
        return FALSE;
    while (!(c.chan = libssh2_channel_open_session(c.ssh)) &&
           libssh2_session_last_errno(c.ssh) == LIBSSH2_ERROR_EAGAIN) {
        if (!conn_wait(&c, "opening a channel", error))
            goto fail;
    }
    if (!c.chan) {
        conn_set_error(&c, VL_ERROR_FAILED, error, "cannot open a channel");
        goto fail;
    }
    CONN_RETRY(
        rc, &c, "starting the command", error,
        libssh2_channel_process_startup(c.chan, "exec", 4, command, (unsigned int)strlen(command)));
    if (rc == LIBSSH2_ERROR_EAGAIN)
        goto fail;
    if (rc != 0) {
        conn_set_error(&c, VL_ERROR_FAILED, error, "cannot start the command");
        goto fail;
    }
    CONN_RETRY(rc, &c, "closing the command's input", error, libssh2_channel_send_eof(c.chan));
    if (rc != 0) {
        if (rc != LIBSSH2_ERROR_EAGAIN)
            conn_set_error(&c, VL_ERROR_IO, error, "cannot close the command's input");
        goto fail;
    }
    for (;;) {
        int got_out = conn_drain(&c, 0, out_buf, error);
        int got_err = got_out < 0 ? -1 : conn_drain(&c, SSH_EXTENDED_DATA_STDERR, err_buf, error);

        if (got_out < 0 || got_err < 0)
            goto fail;
        if (libssh2_channel_eof(c.chan))
            break;
        if (!got_out && !got_err && !conn_wait(&c, "running the command", error))
            goto fail;
    }
    CONN_RETRY(rc, &c, "closing the channel", error, libssh2_channel_close(c.chan));
    if (rc == 0)
        CONN_RETRY(rc, &c, "closing the channel", error, libssh2_channel_wait_closed(c.chan));
    if (rc != 0) {
        if (rc != LIBSSH2_ERROR_EAGAIN)
            conn_set_error(&c, VL_ERROR_IO, error, "cannot close the channel");
        goto fail;
    }
    status = conn_exit_status(&c);
    conn_close(&c);
    if (out)
        *out = g_string_free(g_steal_pointer(&out_buf), FALSE);
    if (err)
        *err = g_string_free(g_steal_pointer(&err_buf), FALSE);
    if (exit_status)
        *exit_status = status;
    return TRUE;

fail:
    conn_close(&c);
    return FALSE;
}
