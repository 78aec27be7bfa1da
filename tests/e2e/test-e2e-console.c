/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-e2e-console.c - end to end on a real libvirtd + QEMU (TCG): serial consoles through
 * libvirt (virsh console, vmlab-virt console), boot logs, console readiness, telnet consoles */
#include "e2e-util.h"
#include "vl-test-util.h"

#include <errno.h>
#include <gio/gio.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/*
 * Runs only with VMLAB_E2E=1, like test-e2e-lab.c, with a lab of its own (e2e-console, domains
 * e2ek-*, ports 29000/29200/29400, below the kernel's ephemeral range) so the two never clash. c1's
 * platform has the default pty console and is ready over SSH; c2's has vm_console "telnet" and
 * vm_ready_pattern, so `up` waiting for it shows console-pattern readiness reading the boot log.
 * Interactive consoles are driven through a pty of the test's own (openpty): the test types, reads
 * the echo back and compares the terminal's settings before and after. Every wait is bounded.
 */
#define LAB    "e2e-console"
#define PREFIX "e2ek-"

typedef struct {
    char *home;
    char *spec;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
    const char *files[] = {"topology.json", "platforms.json", "profiles/c1.json",
                           "profiles/c2.json", NULL};
    g_autofree char *src = vl_test_srcpath("e2e/data/console");

    if (!e2e_enabled())
        return;
    if (g_test_subprocess()) {
        f->home = g_strdup(g_getenv("VMLAB_HOME"));
        f->spec = g_strdup(g_getenv("VMLAB_E2E_SPEC"));
        return;
    }
    e2e_purge(LAB, PREFIX);
    f->home = e2e_home_new();
    f->spec = vl_test_mkdtemp();
    g_setenv("VMLAB_E2E_SPEC", f->spec, TRUE);
    vl_test_copy_files(src, f->spec, files);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
    if (f->home && !g_test_subprocess()) {
        vl_test_rmtree(f->home);
        vl_test_rmtree(f->spec);
    }
    g_free(f->home);
    g_free(f->spec);
}

/* A program on a terminal of the test's own: @master is the test's side. */
typedef struct {
    const char *const *argv;
    pid_t pid;
    int master;
    int slave; /* kept open to read the terminal's settings */
    GString *out;
    int status;
} PtyRun;

static void
pty_start(PtyRun *p, const char *const *argv)
{
    struct winsize ws = {24, 80, 0, 0};

    p->argv = argv;
    p->out = g_string_new(NULL);
    p->status = -1;
    g_assert_cmpint(openpty(&p->master, &p->slave, NULL, NULL, &ws), ==, 0);
    p->pid = fork();
    g_assert_cmpint(p->pid, >=, 0);
    if (p->pid == 0) {
        setsid();
        ioctl(p->slave, TIOCSCTTY, 0);
        dup2(p->slave, 0);
        dup2(p->slave, 1);
        dup2(p->slave, 2);
        close(p->master);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
}

/* Reads what the program printed for up to @ms. Return: FALSE once the terminal closed. */
static gboolean
pty_read(PtyRun *p, int ms)
{
    struct pollfd pfd = {p->master, POLLIN, 0};
    char buf[4096];
    ssize_t n;

    if (poll(&pfd, 1, ms) <= 0)
        return TRUE;
    n = read(p->master, buf, sizeof(buf));
    if (n <= 0)
        return FALSE;
    g_string_append_len(p->out, buf, n);
    return TRUE;
}

static void
pty_fail(PtyRun *p, const char *what)
{
    g_autofree char *shown = g_strescape(p->out->str, "\r\n");

    g_printerr("%s; the program's terminal showed:\n%s\n", what, shown);
    vl_test_print_failure(p->argv, p->status, p->out->str, "");
    g_test_fail();
}

/* Waits until @needle has been printed at or after byte @from. Return: its offset, or -1
 * (then the test has failed, unless @quiet). */
static gssize
pty_expect_full(PtyRun *p, gsize from, const char *needle, guint timeout_s, gboolean quiet)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC;

    for (;;) {
        const char *hit = p->out->len > from ? strstr(p->out->str + from, needle) : NULL;
        if (hit)
            return hit - p->out->str;
        if (g_get_monotonic_time() >= end || !pty_read(p, 200)) {
            g_autofree char *what = g_strdup_printf("no '%s' within %u s", needle, timeout_s);
            if (!quiet)
                pty_fail(p, what);
            return -1;
        }
    }
}

static gssize
pty_expect(PtyRun *p, gsize from, const char *needle, guint timeout_s)
{
    return pty_expect_full(p, from, needle, timeout_s, FALSE);
}

static void
pty_send(PtyRun *p, const char *s)
{
    g_assert_cmpint(write(p->master, s, strlen(s)), ==, (gssize)strlen(s));
}

/* Waits for the program to end (reading its output meanwhile). Return: its exit status. */
static int
pty_wait(PtyRun *p, guint timeout_s)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC;
    int st = 0;

    while (waitpid(p->pid, &st, WNOHANG) == 0) {
        if (g_get_monotonic_time() >= end) {
            kill(p->pid, SIGKILL);
            waitpid(p->pid, &st, 0);
            pty_fail(p, "did not end in time (killed)");
            break;
        }
        pty_read(p, 100);
    }
    /* what it printed last (the test holds the slave open, so there is no end of file) */
    for (gsize len = (gsize)-1; len != p->out->len;) {
        len = p->out->len;
        pty_read(p, 50);
    }
    p->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return p->status;
}

static void
pty_close(PtyRun *p)
{
    close(p->master);
    close(p->slave);
    g_string_free(p->out, TRUE);
}

/*
 * Types a command into a console already attached on @p and checks that its output comes back.
 * @tag makes the expected output unique: the command is `echo TAG-$((6*7))`, whose echo does not
 * hold the expected "TAG-42".
 */
static gboolean
console_roundtrip(PtyRun *p, const char *tag)
{
    g_autofree char *cmd = g_strdup_printf("echo %s-$((6*7))\r", tag);
    g_autofree char *want = g_strdup_printf("%s-42", tag);
    gsize mark = p->out->len;
    gboolean prompt = FALSE;

    /* an empty line brings the shell's prompt; a few tries, for a busy guest */
    for (guint i = 0; i < 12 && !prompt; i++) {
        pty_send(p, "\r");
        prompt = pty_expect_full(p, mark, "# ", 5, i < 11) >= 0;
    }
    if (!prompt)
        return FALSE;
    mark = p->out->len;
    pty_send(p, cmd);
    return pty_expect(p, mark, want, 60) >= 0;
}

static gboolean
termios_equal(const struct termios *a, const struct termios *b)
{
    return a->c_iflag == b->c_iflag && a->c_oflag == b->c_oflag && a->c_cflag == b->c_cflag &&
           a->c_lflag == b->c_lflag && memcmp(a->c_cc, b->c_cc, sizeof(a->c_cc)) == 0;
}

/* Waits until the terminal of @p is in raw mode (the console attached). */
static gboolean
pty_wait_raw(PtyRun *p, guint timeout_s)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC;
    struct termios t;

    while (g_get_monotonic_time() < end) {
        if (tcgetattr(p->slave, &t) == 0 && !(t.c_lflag & ICANON))
            return TRUE;
        pty_read(p, 50);
    }
    pty_fail(p, "the terminal never went raw");
    return FALSE;
}

static const char *
vmlab_bin(void)
{
    return g_getenv("VMLAB_BIN");
}

/* virsh console --force on the pty console: type a command, read its output, leave with ^]. */
static void
check_virsh_console(void)
{
    const char *argv[] = {"virsh", "-c", URI, "console", "--force", PREFIX "c1", NULL};
    PtyRun p = {0};

    pty_start(&p, argv);
    /* virsh flushes pending input as it goes raw (TCSAFLUSH): type only afterwards */
    if (pty_expect(&p, 0, "Escape character", 30) >= 0 && pty_wait_raw(&p, 30) &&
        console_roundtrip(&p, "virsh"))
        pty_send(&p, "\035");
    g_assert_cmpint(pty_wait(&p, 30), ==, 0);
    pty_close(&p);
}

/*
 * vmlab-virt console: the same round trip, Ctrl-] leaves with status 0 and the terminal as it
 * was; then a console held by virsh refuses a plain attach and --force takes it over.
 */
static void
check_vmlab_console(const char *node, const char *tag, const char *how)
{
    const char *argv[] = {vmlab_bin(), "console", node, "--lab", LAB, "-c", URI, NULL};
    struct termios before, after;
    PtyRun p = {0};

    pty_start(&p, argv);
    g_assert_cmpint(tcgetattr(p.slave, &before), ==, 0);
    if (pty_expect(&p, 0, how, 30) >= 0 && pty_wait_raw(&p, 30) && console_roundtrip(&p, tag))
        pty_send(&p, "\035");
    g_assert_cmpint(pty_wait(&p, 30), ==, 0);
    g_assert_nonnull(strstr(p.out->str, "Disconnected from"));
    /* telnet negotiation never reaches the terminal */
    g_assert_null(memchr(p.out->str, 0xff, p.out->len));
    g_assert_cmpint(tcgetattr(p.slave, &after), ==, 0);
    g_assert_true(termios_equal(&before, &after));
    pty_close(&p);
}

static void
check_vmlab_console_force(void)
{
    const char *holder[] = {"virsh", "-c", URI, "console", "--force", PREFIX "c1", NULL};
    const char *plain[] = {vmlab_bin(), "console", "c1", "--lab", LAB, "-c", URI, NULL};
    const char *force[] = {vmlab_bin(), "console", "c1", "--force", "--lab", LAB, "-c", URI, NULL};
    PtyRun v = {0}, a = {0}, b = {0};

    pty_start(&v, holder);
    pty_expect(&v, 0, "Escape character", 30);
    /* held by virsh: a plain attach fails and says how to take it over */
    pty_start(&a, plain);
    g_assert_cmpint(pty_wait(&a, 30), ==, 1);
    g_assert_nonnull(strstr(a.out->str, "--force"));
    /* libvirt's own reason, not "unknown libvirt error" */
    g_assert_nonnull(strstr(a.out->str, "console session"));
    pty_close(&a);
    /* --force takes it: our session works, virsh's ends */
    pty_start(&b, force);
    if (pty_wait_raw(&b, 30) && console_roundtrip(&b, "forced"))
        pty_send(&b, "\035");
    g_assert_cmpint(pty_wait(&b, 30), ==, 0);
    pty_close(&b);
    g_assert_cmpint(pty_wait(&v, 30), !=, -1);
    pty_close(&v);
}

/* SIGTERM and SIGHUP while attached: the program ends and the terminal is restored. */
static void
check_vmlab_console_signal(int sig)
{
    const char *argv[] = {vmlab_bin(), "console", "c1", "--force", "--lab", LAB, "-c", URI, NULL};
    struct termios before, after;
    PtyRun p = {0};

    pty_start(&p, argv);
    g_assert_cmpint(tcgetattr(p.slave, &before), ==, 0);
    g_assert_true(pty_wait_raw(&p, 30));
    g_assert_cmpint(kill(p.pid, sig), ==, 0);
    g_assert_cmpint(pty_wait(&p, 30), ==, 1);
    g_assert_nonnull(strstr(p.out->str, "signal"));
    g_assert_cmpint(tcgetattr(p.slave, &after), ==, 0);
    g_assert_true(termios_equal(&before, &after));
    pty_close(&p);
}

/* `logs` holds the kernel's boot lines, the guest's ready line and what the console showed. */
static void
check_logs(void)
{
    const char *argv[] = {"logs", "c1", "--lab", LAB, "-c", URI, NULL};
    const char *follow[] = {vmlab_bin(), "logs", "-f", "c1", "--lab", LAB, "-c", URI, NULL};
    g_autofree char *out = NULL;
    PtyRun f = {0}, c = {0};
    const char *console[] = {vmlab_bin(), "console", "c1", "--force", "--lab",
                             LAB,         "-c",      URI,  NULL};

    vl_test_run_expect(30, argv, 0, &out);
    g_assert_nonnull(strstr(out, "Linux version"));
    g_assert_nonnull(strstr(out, "Command line: console=ttyS0 vmlab.name=" PREFIX "c1"));
    g_assert_nonnull(strstr(out, "vmlab-guest ready " PREFIX "c1"));
    g_assert_nonnull(strstr(out, "vmlab-42"));
    /* -f: what the console prints afterwards shows up while it follows */
    pty_start(&f, follow);
    pty_expect(&f, 0, "vmlab-guest ready", 30);
    pty_start(&c, console);
    if (pty_wait_raw(&c, 30) && console_roundtrip(&c, "follow"))
        pty_send(&c, "\035");
    pty_wait(&c, 30);
    pty_close(&c);
    pty_expect(&f, 0, "follow-42", 30);
    kill(f.pid, SIGTERM);
    pty_wait(&f, 30);
    pty_close(&f);
}

/* The telnet platform: QEMU's telnet server on the console port, negotiating as it connects. */
static void
check_telnet_port(void)
{
    g_autoptr(GSocketClient) client = g_socket_client_new();
    g_autoptr(GSocketConnection) sc = NULL;
    g_autoptr(GError) err = NULL;
    guint8 buf[64];
    gssize n;
    g_autofree char *xml = NULL;

    g_assert_true(
        g_spawn_command_line_sync("virsh -c " URI " dumpxml " PREFIX "c2", &xml, NULL, NULL, NULL));
    g_assert_nonnull(strstr(xml, "<serial type='tcp'>"));
    g_assert_nonnull(strstr(xml, "service='29201'"));
    g_assert_nonnull(strstr(xml, "<protocol type='telnet'/>"));
    g_socket_client_set_timeout(client, 10);
    sc = g_socket_client_connect_to_host(client, "127.0.0.1", 29201, NULL, &err);
    g_assert_no_error(err);
    n = g_input_stream_read(g_io_stream_get_input_stream(G_IO_STREAM(sc)), buf, sizeof(buf), NULL,
                            &err);
    g_assert_no_error(err);
    g_assert_cmpint(n, >=, 3);
    g_assert_cmpint(buf[0], ==, 255); /* IAC */
}

static void
test_e2e_console(Fixture *f, gconstpointer data)
{
    const char *up[] = {"up", f->spec, "-c", URI, "--jobs", "2", NULL};
    const char *down[] = {"down", f->spec, "-c", URI, NULL};
    g_autofree char *out = NULL;
    g_autofree char *virsh = NULL;

    if (!e2e_enabled()) {
        g_test_skip("set VMLAB_E2E=1 (needs root, libvirtd and the tiny guest image)");
        return;
    }
    if (!e2e_in_child(LAB, PREFIX))
        return;
    /* c2 is ready only once its boot log shows the ready line (vm_ready_pattern) */
    vl_test_run_expect(400, up, 0, &out);
    g_assert_nonnull(strstr(out, PREFIX "c2"));
    g_assert_null(strstr(out, "failed"));
    check_virsh_console();
    check_vmlab_console("c1", "vmlab", "(libvirt console)");
    check_vmlab_console("c2", "telnet", "(telnet 127.0.0.1:29201)");
    check_vmlab_console_force();
    check_vmlab_console_signal(SIGTERM);
    check_vmlab_console_signal(SIGHUP);
    check_logs();
    check_telnet_port();
    vl_test_run_expect(120, down, 0, NULL);
    g_assert_true(
        g_spawn_command_line_sync("virsh -c " URI " list --all --name", &virsh, NULL, NULL, NULL));
    g_assert_null(strstr(virsh, PREFIX));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/e2e/console/pty-telnet-logs", Fixture, NULL, fixture_setup, test_e2e_console,
               fixture_teardown);
    return g_test_run();
}
