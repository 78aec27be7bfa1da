/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-console.c - an interactive serial console session: terminal <-> libvirt stream or telnet */
#include "vl-console.h"

#include "vl-error.h"
#include "vl-virt-error.h"
#include "vl-log.h"
#include "vl-ready.h"
#include "vl-serial.h"
#include "vl-telnet.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <gio/gio.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/*
 * Theory of operation. One thread runs libvirt's default event loop over four sources:
 *   the terminal's input (in_fd), the terminal's output (out_fd), the guest (a virStream with a
 *   stream callback, or a telnet socket with a handle) and a self-pipe that signal handlers write
 *   the signal number into.
 * Two buffers sit between them: to_guest (typed bytes, telnet answers) and to_term (the guest's
 * output). After every event the wanted events are recomputed (vl_console_update):
 *   in_fd readable      while to_guest is below VL_CONSOLE_HIGH and input has not ended;
 *   guest readable      while to_term is below VL_CONSOLE_HIGH;
 *   guest writable      while to_guest holds bytes;  out_fd writable while to_term holds bytes.
 * So a slow side holds the other back instead of losing bytes, EAGAIN only means "later", and a
 * short write leaves the rest at the buffer's head. The session ends (quit) on Ctrl-] in the
 * input, end of input once to_guest is sent, end or error of the guest side, a write error or a
 * signal (SIGPIPE is ignored meanwhile: a closed peer is EPIPE); on the way out whatever to_term
 * still holds is written (bounded by VL_CONSOLE_DRAIN_MS), then the terminal's settings, the fds'
 * flags and the signal dispositions are put back.
 */
#define VL_CONSOLE_HIGH     (256 * 1024)
#define VL_CONSOLE_CHUNK    16384
#define VL_CONSOLE_DRAIN_MS 1000

typedef struct {
    virStreamPtr st; /* (nullable) the guest as a libvirt stream */
    int sock;        /* the guest as a telnet socket, or -1 */
    VlTelnet telnet;
    int in_fd, out_fd;
    int in_watch, out_watch, sock_watch, sig_watch;
    gboolean stream_cb;
    GByteArray *to_guest, *to_term;
    gboolean in_eof;
    gboolean quit;
    GError *error; /* why the session failed; NULL for a normal end */
} VlConsole;

static int vl_console_sig_pipe[2] = {-1, -1};

static void
vl_console_sig_handler(int sig)
{
    int saved = errno;
    guint8 b = (guint8)sig;

    if (write(vl_console_sig_pipe[1], &b, 1) < 0) {
        /* the pipe is full: a signal is pending already */
    }
    errno = saved;
}

static const int vl_console_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

gboolean
vl_console_event_init(GError **error)
{
    static gsize once;
    static int rc;

    if (g_once_init_enter(&once)) {
        rc = virEventRegisterDefaultImpl();
        g_once_init_leave(&once, 1);
    }
    if (rc < 0) {
        vl_error_set_libvirt(error, "cannot start libvirt's event loop");
        return FALSE;
    }
    return TRUE;
}

static void
vl_console_fail(VlConsole *c, GError *e)
{
    if (!c->error)
        c->error = e;
    else
        g_error_free(e);
    c->quit = TRUE;
}

/* Recomputes the events each source waits for (see the theory of operation). */
static void
vl_console_update(VlConsole *c)
{
    int guest = 0;

    if (c->in_watch >= 0)
        virEventUpdateHandle(c->in_watch, !c->in_eof && c->to_guest->len < VL_CONSOLE_HIGH
                                              ? VIR_EVENT_HANDLE_READABLE
                                              : 0);
    if (c->out_watch >= 0)
        virEventUpdateHandle(c->out_watch, c->to_term->len ? VIR_EVENT_HANDLE_WRITABLE : 0);
    if (c->to_term->len < VL_CONSOLE_HIGH)
        guest |= c->st ? VIR_STREAM_EVENT_READABLE : VIR_EVENT_HANDLE_READABLE;
    if (c->to_guest->len)
        guest |= c->st ? VIR_STREAM_EVENT_WRITABLE : VIR_EVENT_HANDLE_WRITABLE;
    if (c->st && c->stream_cb)
        virStreamEventUpdateCallback(c->st, guest);
    else if (c->sock_watch >= 0)
        virEventUpdateHandle(c->sock_watch, guest);
    if (c->in_eof && !c->to_guest->len)
        c->quit = TRUE;
}

/* Writes what @fd takes of @buf. Return: FALSE on a real error (EAGAIN is not one). */
static gboolean
vl_console_flush_fd(int fd, GByteArray *buf)
{
    while (buf->len) {
        ssize_t n = write(fd, buf->data, buf->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK;
        g_byte_array_remove_range(buf, 0, (guint)n);
    }
    return TRUE;
}

/* Hands to_guest to the stream or socket, as much as it takes now. */
static void
vl_console_send_guest(VlConsole *c)
{
    while (c->to_guest->len && !c->error) {
        if (c->st) {
            int n = virStreamSend(c->st, (const char *)c->to_guest->data, c->to_guest->len);
            if (n == -2)
                return;
            if (n < 0) {
                GError *e = NULL;
                vl_error_set_libvirt(&e, "cannot write to the console");
                vl_console_fail(c, e);
                return;
            }
            g_byte_array_remove_range(c->to_guest, 0, (guint)n);
        } else {
            if (!vl_console_flush_fd(c->sock, c->to_guest)) {
                int err = errno;
                vl_console_fail(c, g_error_new(VL_ERROR, VL_ERROR_IO,
                                               "cannot write to the console: %s", g_strerror(err)));
            }
            return;
        }
    }
}

/* The guest's output: into to_term (telnet: filtered, answers into to_guest). */
static void
vl_console_take_output(VlConsole *c, const guint8 *buf, gsize n)
{
    if (c->st)
        g_byte_array_append(c->to_term, buf, (guint)n);
    else
        vl_telnet_filter(&c->telnet, buf, n, c->to_term, c->to_guest);
}

static void
vl_console_recv_guest(VlConsole *c)
{
    guint8 buf[VL_CONSOLE_CHUNK];

    while (!c->quit && c->to_term->len < VL_CONSOLE_HIGH) {
        ssize_t n;

        if (c->st) {
            n = virStreamRecv(c->st, (char *)buf, sizeof(buf));
            if (n == -2)
                return;
            if (n < 0) {
                GError *e = NULL;
                vl_error_set_libvirt(&e, "console stream failed (another client may have taken "
                                         "it over with --force)");
                vl_console_fail(c, e);
                return;
            }
        } else {
            n = read(c->sock, buf, sizeof(buf));
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                return;
            if (n < 0) {
                int err = errno;
                vl_console_fail(c, g_error_new(VL_ERROR, VL_ERROR_IO, "cannot read the console: %s",
                                               g_strerror(err)));
                return;
            }
        }
        if (n == 0) {
            c->quit = TRUE; /* the console ended: the guest stopped or the server closed */
            return;
        }
        vl_console_take_output(c, buf, (gsize)n);
    }
}

/* Typed bytes: up to Ctrl-] (which ends the session) into to_guest. */
static void
vl_console_read_input(VlConsole *c)
{
    guint8 buf[VL_CONSOLE_CHUNK];
    ssize_t n = read(c->in_fd, buf, sizeof(buf));
    const guint8 *esc;
    gsize len;

    if (n < 0) {
        int err = errno;
        if (err != EAGAIN && err != EWOULDBLOCK && err != EINTR)
            vl_console_fail(
                c, g_error_new(VL_ERROR, VL_ERROR_IO, "cannot read input: %s", g_strerror(err)));
        return;
    }
    if (n == 0) {
        c->in_eof = TRUE;
        return;
    }
    esc = memchr(buf, VL_CONSOLE_ESCAPE, (size_t)n);
    len = esc ? (gsize)(esc - buf) : (gsize)n;
    if (c->st)
        g_byte_array_append(c->to_guest, buf, (guint)len);
    else
        vl_telnet_escape(buf, len, c->to_guest);
    if (esc)
        c->quit = TRUE;
}

static void
vl_console_handle_cb(int watch, int fd, int events, void *opaque)
{
    VlConsole *c = opaque;

    if (watch == c->sig_watch) {
        guint8 sig = 0;
        if (read(fd, &sig, 1) == 1)
            vl_console_fail(c, g_error_new(VL_ERROR, VL_ERROR_FAILED,
                                           "console session ended by signal %s", g_strsignal(sig)));
        return;
    }
    if (watch == c->in_watch &&
        (events & (VIR_EVENT_HANDLE_READABLE | VIR_EVENT_HANDLE_HANGUP | VIR_EVENT_HANDLE_ERROR)))
        vl_console_read_input(c);
    if (watch == c->out_watch && !vl_console_flush_fd(c->out_fd, c->to_term)) {
        int err = errno;
        vl_console_fail(
            c, g_error_new(VL_ERROR, VL_ERROR_IO, "cannot write output: %s", g_strerror(err)));
    }
    if (watch == c->sock_watch) {
        if (events & VIR_EVENT_HANDLE_WRITABLE)
            vl_console_send_guest(c);
        if (events & (VIR_EVENT_HANDLE_READABLE | VIR_EVENT_HANDLE_HANGUP | VIR_EVENT_HANDLE_ERROR))
            vl_console_recv_guest(c);
    }
    /* send what the input or telnet answers queued without waiting for another wake-up */
    vl_console_send_guest(c);
    vl_console_update(c);
}

static void
vl_console_stream_cb(virStreamPtr st, int events, void *opaque)
{
    VlConsole *c = opaque;

    if (events & VIR_STREAM_EVENT_WRITABLE)
        vl_console_send_guest(c);
    if (events & (VIR_STREAM_EVENT_READABLE | VIR_STREAM_EVENT_HANGUP | VIR_STREAM_EVENT_ERROR))
        vl_console_recv_guest(c);
    vl_console_update(c);
}

/* On the way out: what the guest printed last reaches the terminal, within a bound. */
static void
vl_console_drain(VlConsole *c)
{
    gint64 end = g_get_monotonic_time() + VL_CONSOLE_DRAIN_MS * 1000;

    while (c->to_term->len && g_get_monotonic_time() < end) {
        struct pollfd p = {c->out_fd, POLLOUT, 0};
        if (!vl_console_flush_fd(c->out_fd, c->to_term))
            return;
        if (c->to_term->len && poll(&p, 1, 50) < 0 && errno != EINTR)
            return;
    }
}

/* Saved state of the process that the session changes, put back by vl_console_restore(). */
typedef struct {
    gboolean signals; /* our handlers are installed; @old holds the dispositions before */
    gboolean tty;
    struct termios term;
    int in_flags, out_flags, sock_flags;
    struct sigaction old[G_N_ELEMENTS(vl_console_signals)];
    struct sigaction old_pipe;
} VlConsoleSaved;

static void
vl_console_restore(VlConsole *c, VlConsoleSaved *s)
{
    if (s->tty)
        tcsetattr(c->in_fd, TCSANOW, &s->term);
    if (s->out_flags >= 0)
        fcntl(c->out_fd, F_SETFL, s->out_flags);
    if (s->in_flags >= 0)
        fcntl(c->in_fd, F_SETFL, s->in_flags);
    if (s->sock_flags >= 0)
        fcntl(c->sock, F_SETFL, s->sock_flags);
    for (guint i = 0; s->signals && i < G_N_ELEMENTS(vl_console_signals); i++)
        sigaction(vl_console_signals[i], &s->old[i], NULL);
    if (s->signals)
        sigaction(SIGPIPE, &s->old_pipe, NULL);
    for (guint i = 0; i < 2; i++) {
        if (vl_console_sig_pipe[i] >= 0)
            close(vl_console_sig_pipe[i]);
        vl_console_sig_pipe[i] = -1;
    }
}

/* Sets @fd non-blocking. Return: its former flags, or -1 (then left alone). */
static int
vl_console_nonblock(int fd)
{
    int flags = fd >= 0 ? fcntl(fd, F_GETFL) : -1;

    if (flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return -1;
    return flags;
}

static gboolean
vl_console_run(VlConsole *c, GError **error)
{
    VlConsoleSaved s = {.in_flags = -1, .out_flags = -1, .sock_flags = -1};
    struct sigaction sa = {0};
    gboolean ok;

    c->to_guest = g_byte_array_new();
    c->to_term = g_byte_array_new();
    c->in_watch = c->out_watch = c->sock_watch = c->sig_watch = -1;
    vl_telnet_init(&c->telnet);
    if (pipe2(vl_console_sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "console: cannot make a pipe: %s", g_strerror(e));
        ok = FALSE;
        goto out;
    }
    /* Signals first, so that no way out leaves the terminal raw. */
    sa.sa_handler = vl_console_sig_handler;
    sigemptyset(&sa.sa_mask);
    for (guint i = 0; i < G_N_ELEMENTS(vl_console_signals); i++)
        sigaction(vl_console_signals[i], &sa, &s.old[i]);
    /* a closed output or socket is an error to report (EPIPE), not a death with a raw terminal */
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, &s.old_pipe);
    s.signals = TRUE;
    s.tty = isatty(c->in_fd) && tcgetattr(c->in_fd, &s.term) == 0;
    if (s.tty) {
        struct termios raw = s.term;
        cfmakeraw(&raw);
        tcsetattr(c->in_fd, TCSANOW, &raw);
    }
    s.in_flags = vl_console_nonblock(c->in_fd);
    s.out_flags = vl_console_nonblock(c->out_fd);
    if (c->sock >= 0)
        s.sock_flags = vl_console_nonblock(c->sock);

    c->sig_watch = virEventAddHandle(vl_console_sig_pipe[0], VIR_EVENT_HANDLE_READABLE,
                                     vl_console_handle_cb, c, NULL);
    c->in_watch = virEventAddHandle(c->in_fd, 0, vl_console_handle_cb, c, NULL);
    c->out_watch = virEventAddHandle(c->out_fd, 0, vl_console_handle_cb, c, NULL);
    if (c->st)
        c->stream_cb = virStreamEventAddCallback(c->st, 0, vl_console_stream_cb, c, NULL) == 0;
    else
        c->sock_watch = virEventAddHandle(c->sock, 0, vl_console_handle_cb, c, NULL);
    if (c->sig_watch < 0 || c->in_watch < 0 || c->out_watch < 0 ||
        (c->st ? !c->stream_cb : c->sock_watch < 0)) {
        GError *e = NULL;
        vl_error_set_libvirt(&e, "cannot watch the console (was vl_console_event_init() called "
                                 "before opening the connection?)");
        vl_console_fail(c, e);
    }
    if (!c->quit)
        vl_console_update(c);
    while (!c->quit) {
        if (virEventRunDefaultImpl() < 0) {
            GError *e = NULL;
            vl_error_set_libvirt(&e, "libvirt's event loop failed");
            vl_console_fail(c, e);
        }
    }
    if (c->st && c->stream_cb)
        virStreamEventRemoveCallback(c->st);
    {
        const int watches[] = {c->in_watch, c->out_watch, c->sock_watch, c->sig_watch};
        for (guint i = 0; i < G_N_ELEMENTS(watches); i++) {
            if (watches[i] >= 0)
                virEventRemoveHandle(watches[i]);
        }
    }
    vl_console_drain(c);
    ok = c->error == NULL;
    if (!ok)
        g_propagate_error(error, g_steal_pointer(&c->error));

out:
    vl_console_restore(c, &s);
    g_byte_array_unref(c->to_guest);
    g_byte_array_unref(c->to_term);
    return ok;
}

gboolean
vl_console_run_stream(virStreamPtr st, int in_fd, int out_fd, GError **error)
{
    VlConsole c = {.st = st, .sock = -1, .in_fd = in_fd, .out_fd = out_fd};

    return vl_console_run(&c, error);
}

gboolean
vl_console_run_telnet(int sock, int in_fd, int out_fd, GError **error)
{
    VlConsole c = {.sock = sock, .in_fd = in_fd, .out_fd = out_fd};

    return vl_console_run(&c, error);
}

struct _VlConsoleTarget {
    virStreamPtr st;       /* (nullable) */
    GSocketConnection *sc; /* (nullable) telnet */
    char *what;
};

VlConsoleTarget *
vl_console_open(virDomainPtr dom, gboolean force, GError **error)
{
    g_autoptr(VlSerial) serial = vl_serial_get(dom, error);
    g_autoptr(VlConsoleTarget) t = NULL;
    /* read before any failing call: every libvirt call resets the last error */
    g_autofree char *name = g_strdup(virDomainGetName(dom));

    if (!serial)
        return NULL;
    t = g_new0(VlConsoleTarget, 1);
    if (serial->telnet) {
        g_autoptr(GSocketClient) client = g_socket_client_new();
        const char *host = vl_ready_address(serial->host);

        g_socket_client_set_timeout(client, 10);
        t->what = g_strdup_printf("telnet %s:%u", host, serial->port);
        t->sc = g_socket_client_connect_to_host(client, host, (guint16)serial->port, NULL, error);
        if (!t->sc) {
            g_prefix_error(error, "console of '%s' (%s): ", name, t->what);
            return NULL;
        }
        /* the session polls the fd itself: no GIO timeouts on it */
        g_socket_set_timeout(g_socket_connection_get_socket(t->sc), 0);
        return g_steal_pointer(&t);
    }
    t->what = g_strdup("libvirt console");
    vl_trace("virDomainOpenConsole('%s', NULL, flags=%s)", virDomainGetName(dom),
             force ? "VIR_DOMAIN_CONSOLE_FORCE" : "0");
    t->st = virStreamNew(virDomainGetConnect(dom), VIR_STREAM_NONBLOCK);
    if (!t->st ||
        virDomainOpenConsole(dom, NULL, t->st, force ? VIR_DOMAIN_CONSOLE_FORCE : 0) < 0) {
        vl_error_set_libvirt(error, "cannot open the console of '%s'%s", name,
                             force ? "" : " (another client may hold it: --force takes it over)");
        return NULL;
    }
    return g_steal_pointer(&t);
}

const char *
vl_console_target_describe(const VlConsoleTarget *t)
{
    return t->what;
}

gboolean
vl_console_target_type(VlConsoleTarget *t, const char *text, GError **error)
{
    gsize len = strlen(text);
    gsize done = 0;

    if (t->sc) {
        GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(t->sc));
        if (!g_output_stream_write_all(out, text, len, NULL, NULL, error)) {
            g_prefix_error(error, "cannot type into the console (%s): ", t->what);
            return FALSE;
        }
        return TRUE;
    }
    /* a non-blocking stream: -2 is "try again", a few seconds at most */
    for (guint tries = 0; done < len && tries < 500; tries++) {
        int n = virStreamSend(t->st, text + done, len - done);
        if (n == -2) {
            g_usleep(10 * 1000);
            continue;
        }
        if (n < 0) {
            vl_error_set_libvirt(error, "cannot type into the console");
            return FALSE;
        }
        done += (gsize)n;
    }
    if (done < len) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                    "cannot type into the console: it takes no input");
        return FALSE;
    }
    return TRUE;
}

gboolean
vl_console_target_run(VlConsoleTarget *t, int in_fd, int out_fd, GError **error)
{
    if (t->st)
        return vl_console_run_stream(t->st, in_fd, out_fd, error);
    return vl_console_run_telnet(g_socket_get_fd(g_socket_connection_get_socket(t->sc)), in_fd,
                                 out_fd, error);
}

void
vl_console_target_free(VlConsoleTarget *t)
{
    if (!t)
        return;
    if (t->st) {
        virStreamAbort(t->st);
        virStreamFree(t->st);
    }
    g_clear_object(&t->sc);
    g_free(t->what);
    g_free(t);
}
