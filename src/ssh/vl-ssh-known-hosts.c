/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ssh-known-hosts.c - SSH host keys: known_hosts loading, pinning, checking, trust on first use
 */
#include "vl-ssh-priv.h"

#include "vl-error.h"
#include "vl-fs.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/*
 * Host keys
 *
 * The caller names an OpenSSH known_hosts file (one per lab). There is no "accept any key":
 *  - no entry for the host: the key is recorded (trust on first use). The entry is "[host]:port"
 *    ("host" for port 22, as OpenSSH writes it), appended to the file's current content, which is
 *    rewritten atomically with mode 0600 (created if missing); the caller learns it through
 *    @key_recorded. A caller that asked for known hosts only (vl_ssh_session_open() with
 *    VL_SSH_SESSION_KNOWN_ONLY, as the FTP proxy's SFTP backend does) gets VL_ERROR_INVALID
 *    instead, and the file is left unchanged. Recording happens under a process-wide lock plus
 *    flock() on the file's folder, re-reading the file first, so parallel checks of one lab add
 *    each host exactly once (vl_ssh_known_hosts_forget() takes the same lock).
 *  - an entry for the host: before the handshake the host key method is pinned to the recorded
 *    key type(s), so the server must show a key we can compare. A different key, or a server
 *    that cannot offer a recorded type, fails the call with VL_ERROR_INVALID naming the file and
 *    host:port; nothing is sent to that server (no password), and the file is left unchanged.
 *  - a line that cannot be parsed, a marker line (@revoked, @cert-authority) or an entry for the
 *    host with a key type libssh2 cannot check fails the call before connecting: an entry we
 *    cannot honour is never silently bypassed or replaced.
 */

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

/* How long vl_ssh_known_hosts_forget() waits for the known_hosts lock. */
#define FORGET_LOCK_MS 10000

G_LOCK_DEFINE_STATIC(known_hosts);

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
LIBSSH2_KNOWNHOSTS *
vl_ssh_known_hosts_load(VlSshConn *c, char **content, GError **error)
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
guint
vl_ssh_known_hosts_types(VlSshConn *c, LIBSSH2_KNOWNHOSTS *kh)
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
gboolean
vl_ssh_known_hosts_pin(VlSshConn *c, LIBSSH2_KNOWNHOSTS *kh, GError **error)
{
    guint known = vl_ssh_known_hosts_types(c, kh);
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

/*
 * Takes the known_hosts lock: the process-wide one, then an exclusive flock() on folder @dir
 * (created if missing), retrying until @deadline (g_get_monotonic_time() units).
 * Return: the folder's fd, to pass to kh_unlock(); -1 with @error set (and no lock held).
 */
static int
kh_lock(const char *dir, gint64 deadline, GError **error)
{
    int fd;

    G_LOCK(known_hosts);
    if (g_mkdir_with_parents(dir, 0700) < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "cannot create folder '%s': %s", dir,
                    g_strerror(e));
        goto fail;
    }
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "cannot open folder '%s': %s", dir,
                    g_strerror(e));
        goto fail;
    }
    while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;
        if ((e != EWOULDBLOCK && e != EINTR) || g_get_monotonic_time() >= deadline) {
            close(fd);
            g_set_error(error, VL_ERROR, VL_ERROR_IO, "cannot lock folder '%s': %s", dir,
                        e == EWOULDBLOCK ? "held by another process" : g_strerror(e));
            goto fail;
        }
        g_usleep(5000);
    }
    return fd;

fail:
    G_UNLOCK(known_hosts);
    return -1;
}

/* Releases the lock kh_lock() took (@fd: its return). */
static void
kh_unlock(int fd)
{
    close(fd); /* releases the flock */
    G_UNLOCK(known_hosts);
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

    kh = vl_ssh_known_hosts_load(c, &content, error);
    if (!kh)
        return FALSE;
    rc = libssh2_knownhost_checkp(
        kh, c->t->host, (int)c->t->port, key, key_len,
        LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | kh_type, NULL);
    if (rc == LIBSSH2_KNOWNHOST_CHECK_MATCH) {
        ok = TRUE; /* another caller recorded the same key meanwhile */
        goto out;
    }
    if (rc != LIBSSH2_KNOWNHOST_CHECK_NOTFOUND || vl_ssh_known_hosts_types(c, kh) != 0 ||
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

    lock_fd = kh_lock(dir, c->deadline, error);
    if (lock_fd < 0)
        return FALSE;
    ok = kh_record_locked(c, key, key_len, kh_type, recorded, error);
    kh_unlock(lock_fd);
    return ok;
}

/*
 * Checks the server's host key against @kh (loaded before the handshake) and records it when
 * the host is new. Return: TRUE if the key is trusted.
 */
gboolean
vl_ssh_known_hosts_check(VlSshConn *c, LIBSSH2_KNOWNHOSTS *kh, gboolean *recorded, GError **error)
{
    const char *key;
    size_t key_len = 0;
    int type = 0;
    int kh_type = 0;
    int rc;

    key = libssh2_session_hostkey(c->ssh, &key_len, &type);
    if (!key) {
        vl_ssh_conn_set_error(c, VL_ERROR_IO, error, "no host key");
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
        if (vl_ssh_known_hosts_types(c, kh) != 0 || kh_has_unchecked(c, kh))
            return kh_mismatch(c, error); /* only other key types recorded */
        if (c->known_only) {
            g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                        "SSH %s: the host is not in known_hosts '%s' (unknown host key); not "
                        "connecting",
                        c->hostport, c->t->known_hosts);
            return FALSE;
        }
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

/* Drops @name's lines from known_hosts @path (see vl_ssh_known_hosts_forget()). */
static gboolean
kh_forget_locked(const char *path, const char *name, GError **error)
{
    g_autofree char *text = NULL;
    g_autofree char *prefix = g_strdup_printf("%s ", name);
    g_autoptr(GString) out = g_string_new(NULL);
    g_autoptr(GError) local = NULL;
    g_auto(GStrv) lines = NULL;
    gboolean dropped = FALSE;

    if (!g_file_get_contents(path, &text, NULL, &local)) {
        if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return TRUE;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "cannot read known_hosts '%s': %s", path,
                    local->message);
        return FALSE;
    }
    lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; lines[i]; i++) {
        if (g_str_has_prefix(lines[i], prefix)) {
            dropped = TRUE;
            continue;
        }
        if (*lines[i])
            g_string_append_printf(out, "%s\n", lines[i]);
    }
    if (!dropped)
        return TRUE;
    g_debug("known_hosts '%s': %s forgotten", path, name);
    return vl_fs_write_atomic(path, out->str, out->len, 0600, error);
}

gboolean
vl_ssh_known_hosts_forget(const char *path, const char *host, guint port, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *name = kh_entry_name(host, port);
    gboolean ok;
    int lock_fd;

    if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
        return TRUE; /* no folder, no file: nothing to forget (and no folder made for it) */
    lock_fd =
        kh_lock(dir, g_get_monotonic_time() + FORGET_LOCK_MS * G_TIME_SPAN_MILLISECOND, error);
    if (lock_fd < 0)
        return FALSE;
    ok = kh_forget_locked(path, name, error);
    kh_unlock(lock_fd);
    return ok;
}
