/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-console.c - telnet negotiation filter, console copying under short writes, terminal
 * restored on signals, boot log printing and following */
#include "vl-bootlog.h"
#include "vl-console.h"
#include "vl-error.h"
#include "vl-telnet.h"
#include "vl-test-util.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* What QEMU's telnet server sends first: WILL ECHO, WILL SGA, WILL BINARY, DO BINARY. */
static const guint8 qemu_hello[] = {255, 251, 1, 255, 251, 3, 255, 251, 0, 255, 253, 0};
/* Our answers to it: DO ECHO, DO SGA, DO BINARY, WILL BINARY. */
static const guint8 qemu_answer[] = {255, 253, 1, 255, 253, 3, 255, 253, 0, 255, 251, 0};

static void
assert_bytes(GByteArray *got, const void *want, gsize len)
{
    g_assert_cmpmem(got->data, got->len, want, len);
}

/* Feeds @in to a fresh parser @step bytes at a time. */
static void
telnet_feed(const guint8 *in, gsize n, gsize step, GByteArray *data, GByteArray *reply)
{
    VlTelnet t;

    vl_telnet_init(&t);
    for (gsize i = 0; i < n; i += step)
        vl_telnet_filter(&t, in + i, MIN(step, n - i), data, reply);
}

static void
test_telnet_filter(void)
{
    static const guint8 in[] = {
        255,  251,  1,   255, 251, 3,   255, 251, 0,   255, 253, 0, /* QEMU's hello */
        'l',  'o',  'g', 'i', 'n', ':', ' ',                        /* data */
        255,  251,  1,                                              /* WILL ECHO again: no answer */
        255,  251,  24,  255, 253, 31,                 /* WILL TTYPE, DO NAWS: refused */
        255,  252,  5,   255, 254, 6,                  /* WONT, DONT: no answer */
        'a',  255,  255, 'b',                          /* IAC IAC: a literal 0xff */
        255,  250,  24,  1,   255, 255, 7,   255, 240, /* subnegotiation: dropped */
        255,  241,  255, 249,                          /* NOP, GA: dropped */
        '\r', '\n', '#', ' '};
    static const guint8 want_data[] = "login: a\xff"
                                      "b\r\n# ";
    static const guint8 want_reply[] = {255, 253, 1, 255, 253, 3,  255, 253, 0,
                                        255, 251, 0, 255, 254, 24, 255, 252, 31};

    /* whole, and split at every possible point (one byte at a time) */
    for (gsize step = 1; step <= sizeof(in); step += sizeof(in) - 1) {
        g_autoptr(GByteArray) data = g_byte_array_new();
        g_autoptr(GByteArray) reply = g_byte_array_new();

        telnet_feed(in, sizeof(in), step, data, reply);
        assert_bytes(data, want_data, sizeof(want_data) - 1);
        assert_bytes(reply, want_reply, sizeof(want_reply));
    }
}

static void
test_telnet_escape(void)
{
    static const guint8 in[] = {'a', 255, 'b', 255, 255};
    static const guint8 want[] = {'a', 255, 255, 'b', 255, 255, 255, 255};
    g_autoptr(GByteArray) out = g_byte_array_new();

    vl_telnet_escape(in, sizeof(in), out);
    assert_bytes(out, want, sizeof(want));
}

/*
 * The console between a telnet "guest" (a socketpair end in a thread) and a "terminal" whose
 * output is a socket with a tiny send buffer read slowly by another thread: every write to it
 * comes out short or would block. All of a 1 MiB output must arrive, in order, without the
 * negotiation; then typed bytes (with a 0xff) reach the guest escaped, and Ctrl-] ends the session.
 */
#define COPY_BYTES (1024 * 1024)

typedef struct {
    int guest;    /* the guest's end of the console socket */
    int term_out; /* the terminal's reading end of the console's output */
    int term_in;  /* the terminal's writing end of the console's input */
    guint8 *sent; /* the guest's output, as data (its 0xff bytes are sent doubled) */
    GByteArray *guest_got;
    GByteArray *term_got;
} CopyRig;

/* Return: TRUE when @fd has input within 10 s. */
static gboolean
wait_readable(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};

    return poll(&p, 1, 10000) > 0;
}

static gpointer
copy_guest_thread(gpointer data)
{
    CopyRig *r = data;
    g_autoptr(GByteArray) wire = g_byte_array_new();
    static const guint8 typed[] = {'h', 'i', 255, 255, '\r'};
    gsize want = sizeof(qemu_answer) + sizeof(typed);
    guint8 buf[4096];

    g_byte_array_append(wire, qemu_hello, sizeof(qemu_hello));
    vl_telnet_escape(r->sent, COPY_BYTES, wire);
    for (gsize off = 0; off < wire->len;) {
        ssize_t n = write(r->guest, wire->data + off, wire->len - off);
        g_assert_cmpint(n, >, 0);
        off += (gsize)n;
    }
    while (r->guest_got->len < want && wait_readable(r->guest)) {
        ssize_t n = read(r->guest, buf, sizeof(buf));
        if (n <= 0)
            break;
        g_byte_array_append(r->guest_got, buf, (guint)n);
    }
    return NULL;
}

static gpointer
copy_term_thread(gpointer data)
{
    CopyRig *r = data;
    static const guint8 keys[] = {'h', 'i', 255, '\r', VL_CONSOLE_ESCAPE, 'X'};
    guint8 buf[1000];
    guint reads = 0;

    /* bounded: lost bytes make it give up (and the test fail) instead of hanging */
    while (r->term_got->len < COPY_BYTES && wait_readable(r->term_out)) {
        ssize_t n = read(r->term_out, buf, sizeof(buf));
        if (n <= 0)
            break;
        g_byte_array_append(r->term_got, buf, (guint)n);
        if (++reads % 64 == 0)
            g_usleep(1000); /* a slow terminal */
    }
    g_assert_cmpint(write(r->term_in, keys, sizeof(keys)), ==, sizeof(keys));
    return NULL;
}

static void
test_console_short_writes(void)
{
    int gs[2], ts[2], in[2];
    int small = 4096;
    int flags_in, flags_out;
    CopyRig r = {0};
    g_autoptr(GError) err = NULL;
    GThread *guest, *term;
    static const guint8 typed[] = {'h', 'i', 255, 255, '\r'};

    g_assert_true(vl_console_event_init(&err));
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, gs), ==, 0);
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ts), ==, 0);
    g_assert_cmpint(pipe2(in, O_CLOEXEC), ==, 0);
    g_assert_cmpint(setsockopt(ts[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), ==, 0);
    g_assert_cmpint(setsockopt(ts[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), ==, 0);
    r.guest = gs[1];
    r.term_out = ts[1];
    r.term_in = in[1];
    r.sent = g_malloc(COPY_BYTES);
    for (guint i = 0; i < COPY_BYTES; i++)
        r.sent[i] = (guint8)((i * 7 + i / 251) & 0xff); /* every byte value, 0xff included */
    r.guest_got = g_byte_array_new();
    r.term_got = g_byte_array_new();
    flags_in = fcntl(in[0], F_GETFL);
    flags_out = fcntl(ts[0], F_GETFL);

    guest = g_thread_new("guest", copy_guest_thread, &r);
    term = g_thread_new("term", copy_term_thread, &r);
    g_assert_true(vl_console_run_telnet(gs[0], in[0], ts[0], &err));
    g_assert_no_error(err);
    g_thread_join(term);
    shutdown(gs[0], SHUT_RDWR);
    g_thread_join(guest);

    /* all of the output, in order, no negotiation bytes */
    g_assert_cmpuint(r.term_got->len, ==, COPY_BYTES);
    g_assert_true(memcmp(r.term_got->data, r.sent, COPY_BYTES) == 0);
    /* the guest got our answers, then the typed bytes up to Ctrl-] with 0xff escaped */
    g_assert_cmpuint(r.guest_got->len, ==, sizeof(qemu_answer) + sizeof(typed));
    g_assert_cmpmem(r.guest_got->data, sizeof(qemu_answer), qemu_answer, sizeof(qemu_answer));
    g_assert_cmpmem(r.guest_got->data + sizeof(qemu_answer), sizeof(typed), typed, sizeof(typed));
    /* the fds' flags are as they were (the session made them non-blocking meanwhile) */
    g_assert_cmpint(fcntl(in[0], F_GETFL), ==, flags_in);
    g_assert_cmpint(fcntl(ts[0], F_GETFL), ==, flags_out);

    for (guint i = 0; i < 2; i++) {
        close(gs[i]);
        close(ts[i]);
        close(in[i]);
    }
    g_free(r.sent);
    g_byte_array_unref(r.guest_got);
    g_byte_array_unref(r.term_got);
}

/* The far end closing ends the session normally, with what it sent last delivered. */
static void
test_console_peer_closes(void)
{
    int gs[2], out[2], in[2];
    g_autoptr(GError) err = NULL;
    char buf[64] = {0};

    g_assert_true(vl_console_event_init(&err));
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, gs), ==, 0);
    g_assert_cmpint(pipe2(out, O_CLOEXEC), ==, 0);
    g_assert_cmpint(pipe2(in, O_CLOEXEC), ==, 0);
    g_assert_cmpint(write(gs[1], "bye\r\n", 5), ==, 5);
    close(gs[1]);
    g_assert_true(vl_console_run_telnet(gs[0], in[0], out[1], &err));
    g_assert_no_error(err);
    g_assert_cmpint(read(out[0], buf, sizeof(buf)), ==, 5);
    g_assert_cmpstr(buf, ==, "bye\r\n");
    close(gs[0]);
    for (guint i = 0; i < 2; i++) {
        close(out[i]);
        close(in[i]);
    }
}

/* Output to a closed pipe is an error reported, not a SIGPIPE death with the terminal raw. */
static void
test_console_output_closed(void)
{
    int gs[2], out[2], in[2];
    g_autoptr(GError) err = NULL;
    struct sigaction before, after;

    g_assert_true(vl_console_event_init(&err));
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, gs), ==, 0);
    g_assert_cmpint(pipe2(out, O_CLOEXEC), ==, 0);
    g_assert_cmpint(pipe2(in, O_CLOEXEC), ==, 0);

    g_assert_cmpint(sigaction(SIGPIPE, NULL, &before), ==, 0);
    close(out[0]);
    g_assert_cmpint(write(gs[1], "boot\r\n", 6), ==, 6);
    g_assert_false(vl_console_run_telnet(gs[0], in[0], out[1], &err));
    g_assert_error(err, VL_ERROR, VL_ERROR_IO);
    g_assert_nonnull(strstr(err->message, "cannot write output"));
    /* SIGPIPE's disposition is back to what it was */
    g_assert_cmpint(sigaction(SIGPIPE, NULL, &after), ==, 0);
    g_assert_true(before.sa_handler == after.sa_handler);
    close(out[1]);
    for (guint i = 0; i < 2; i++) {
        close(gs[i]);
        close(in[i]);
    }
}

static gboolean
termios_equal(const struct termios *a, const struct termios *b)
{
    return a->c_iflag == b->c_iflag && a->c_oflag == b->c_oflag && a->c_cflag == b->c_cflag &&
           a->c_lflag == b->c_lflag && memcmp(a->c_cc, b->c_cc, sizeof(a->c_cc)) == 0;
}

/*
 * A session on a real terminal (a pty) in a child process, ended by @sig: the terminal must be
 * raw while it runs and exactly as before once the child has gone, and the session reports the
 * signal.
 */
static void
test_console_signal(gconstpointer data)
{
    int sig = GPOINTER_TO_INT(data);
    int master, slave, gs[2];
    struct termios before, now;
    gboolean raw = FALSE;
    int status = 0;
    pid_t pid;

    g_assert_cmpint(openpty(&master, &slave, NULL, NULL, NULL), ==, 0);
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, gs), ==, 0);
    g_assert_cmpint(tcgetattr(slave, &before), ==, 0);
    g_assert_true(before.c_lflag & ICANON);
    pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        g_autoptr(GError) err = NULL;
        gboolean ok;

        close(master);
        close(gs[1]);
        ok = vl_console_event_init(&err) && vl_console_run_telnet(gs[0], slave, slave, &err);
        _exit(ok ? 0 : (err && strstr(err->message, "signal") ? 3 : 4));
    }
    close(gs[0]);
    for (int i = 0; i < 500 && !raw; i++) {
        g_assert_cmpint(tcgetattr(slave, &now), ==, 0);
        raw = !(now.c_lflag & ICANON);
        if (!raw)
            g_usleep(10 * 1000);
    }
    g_assert_true(raw);
    g_assert_cmpint(kill(pid, sig), ==, 0);
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 3);
    g_assert_cmpint(tcgetattr(slave, &now), ==, 0);
    g_assert_true(termios_equal(&before, &now));
    close(gs[1]);
    close(master);
    close(slave);
}

/* Boot log: printed whole; followed through an append and a rotation until cancelled. */
typedef struct {
    char *path;
    GCancellable *cancel;
} LogRig;

static gpointer
log_writer_thread(gpointer data)
{
    LogRig *r = data;
    g_autofree char *old = g_strconcat(r->path, ".0", NULL);
    FILE *f;

    g_usleep(400 * 1000);
    f = fopen(r->path, "a");
    fputs("line 2\n", f);
    fclose(f);
    g_usleep(600 * 1000);
    g_assert_cmpint(g_rename(r->path, old), ==, 0); /* virtlogd's rotation */
    g_assert_true(g_file_set_contents(r->path, "line 3\n", -1, NULL));
    g_usleep(600 * 1000);
    g_cancellable_cancel(r->cancel);
    return NULL;
}

static char *
read_all_fd(int fd)
{
    GString *s = g_string_new(NULL);
    char buf[4096];
    ssize_t n;

    while ((n = read(fd, buf, sizeof(buf))) > 0)
        g_string_append_len(s, buf, n);
    return g_string_free(s, FALSE);
}

static void
test_bootlog(void)
{
    g_autofree char *dir = vl_test_mkdtemp();
    g_autofree char *missing = g_build_filename(dir, "none.log", NULL);
    g_autoptr(GCancellable) cancel = g_cancellable_new();
    LogRig r = {g_build_filename(dir, "r1.log", NULL), cancel};
    g_autoptr(GError) err = NULL;
    g_autofree char *text = NULL;
    g_autofree char *followed = NULL;
    GThread *t;
    int p[2];

    g_assert_true(g_file_set_contents(r.path, "line 1\n", -1, NULL));
    g_assert_cmpint(pipe2(p, O_CLOEXEC), ==, 0);
    g_assert_true(vl_bootlog_print(r.path, FALSE, p[1], NULL, &err));
    g_assert_no_error(err);
    close(p[1]);
    text = read_all_fd(p[0]);
    close(p[0]);
    g_assert_cmpstr(text, ==, "line 1\n");

    g_assert_cmpint(pipe2(p, O_CLOEXEC), ==, 0);
    t = g_thread_new("writer", log_writer_thread, &r);
    g_assert_true(vl_bootlog_print(r.path, TRUE, p[1], cancel, &err));
    g_assert_no_error(err);
    g_thread_join(t);
    close(p[1]);
    followed = read_all_fd(p[0]);
    close(p[0]);
    g_assert_cmpstr(followed, ==, "line 1\nline 2\nline 3\n");

    g_assert_false(vl_bootlog_print(missing, FALSE, 1, NULL, &err));
    g_assert_error(err, VL_ERROR, VL_ERROR_IO);
    g_assert_nonnull(strstr(err->message, missing));
    g_free(r.path);
    vl_test_rmtree(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/console/telnet/filter", test_telnet_filter);
    g_test_add_func("/console/telnet/escape", test_telnet_escape);
    g_test_add_func("/console/copy/short-writes", test_console_short_writes);
    g_test_add_func("/console/copy/peer-closes", test_console_peer_closes);
    g_test_add_func("/console/copy/output-closed", test_console_output_closed);
    g_test_add_data_func("/console/signal/sigterm", GINT_TO_POINTER(SIGTERM), test_console_signal);
    g_test_add_data_func("/console/signal/sighup", GINT_TO_POINTER(SIGHUP), test_console_signal);
    g_test_add_data_func("/console/signal/sigint", GINT_TO_POINTER(SIGINT), test_console_signal);
    g_test_add_func("/console/bootlog/print-follow", test_bootlog);
    return g_test_run();
}
