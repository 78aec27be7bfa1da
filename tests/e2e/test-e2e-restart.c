/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-e2e-restart.c - end to end: libvirtd restarts in the middle of `up`, and every VM is still
 * reported and running */
#include "vl-conn.h"
#include "vl-lab.h"
#include "vl-test-util.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

/*
 * Runs only with VMLAB_E2E=1 and as root. The system libvirtd is shared, so this case restarts a
 * private one: a session libvirtd run as "nobody" in a folder of its own, reached through its
 * socket (qemu+unix:///session?socket=...). QEMU guests survive a libvirtd restart (the new
 * daemon reattaches to them), which is what makes a restart during `up` survivable.
 *
 * The body runs in a child (g_test_trap_subprocess); the parent then kills every process whose
 * command line names the private folder (the daemons and their QEMUs) and removes the folder,
 * pass or fail.
 */

typedef struct {
    char *dir;    /* the daemon's HOME and XDG folders */
    char *socket; /* its libvirt-sock */
    char *uri;
    int pid;       /* the daemon now */
    int restarts;  /* done by the progress callback */
    int first_pid; /* before the restart */
} Daemon;

static gboolean
e2e_enabled(void)
{
    return g_strcmp0(g_getenv("VMLAB_E2E"), "1") == 0;
}

/* Return: the PID in the daemon's pid file, or 0. */
static int
daemon_pid(const Daemon *d)
{
    g_autofree char *path = g_build_filename(d->dir, "run", "libvirt", "libvirtd.pid", NULL);
    g_autofree char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return 0;
    return atoi(text);
}

/* Starts a session libvirtd as nobody; waits (10 s at most) until it answers. */
static void
daemon_start(Daemon *d)
{
    g_autofree char *home = g_strdup_printf("HOME=%s", d->dir);
    g_autofree char *run = g_strdup_printf("XDG_RUNTIME_DIR=%s/run", d->dir);
    g_autofree char *config = g_strdup_printf("XDG_CONFIG_HOME=%s/config", d->dir);
    g_autofree char *cache = g_strdup_printf("XDG_CACHE_HOME=%s/cache", d->dir);
    g_autofree char *log = g_build_filename(d->dir, "libvirtd.log", NULL);
    const char *argv[] = {"setpriv",
                          "--reuid=65534",
                          "--regid=65534",
                          "--clear-groups",
                          "env",
                          "-i",
                          home,
                          run,
                          config,
                          cache,
                          "PATH=/usr/sbin:/usr/bin:/bin",
                          "libvirtd",
                          "--timeout=300",
                          "--daemon",
                          NULL};
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    g_autoptr(GError) err = NULL;
    int status = 0;
    int old = d->pid;

    g_assert_true(
        g_spawn_sync(d->dir, (char **)argv, NULL,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, &err));
    g_assert_no_error(err);
    g_assert_cmpint(status, ==, 0);
    while (g_get_monotonic_time() < deadline) {
        virConnectPtr c = NULL;
        d->pid = daemon_pid(d);
        if (d->pid > 0 && d->pid != old && kill(d->pid, 0) == 0 && (c = virConnectOpen(d->uri))) {
            virConnectClose(c);
            return;
        }
        g_usleep(100 * 1000);
    }
    g_error("libvirtd (session, as nobody) did not come up at %s within 10 s", d->socket);
}

/* Stops the daemon (its QEMUs go on running) and starts a new one. */
static void
daemon_restart(Daemon *d)
{
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

    d->first_pid = d->pid;
    g_assert_cmpint(kill(d->pid, SIGTERM), ==, 0);
    while (kill(d->pid, 0) == 0 && g_get_monotonic_time() < deadline)
        g_usleep(50 * 1000);
    g_assert_cmpint(kill(d->pid, 0), <, 0);
    daemon_start(d);
    d->restarts++;
}

/* The first VM has started: restart libvirtd before the next one starts. */
static void
restart_progress(const VlVmReport *rep, const char *event, gpointer data)
{
    Daemon *d = data;

    g_test_message("%s %s", rep->name, event);
    if (g_str_equal(event, "started") && d->restarts == 0)
        daemon_restart(d);
}

/* Return: TRUE when the NUL-separated @path of a process (cmdline, environ) mentions @dir. */
static gboolean
proc_mentions(const char *path, const char *dir)
{
    g_autofree char *text = NULL;
    gsize len = 0;

    if (!g_file_get_contents(path, &text, &len, NULL))
        return FALSE;
    for (gsize i = 0; i + 1 < len; i++)
        if (text[i] == '\0')
            text[i] = ' ';
    return strstr(text, dir) != NULL;
}

/* Kills, by PID, whatever runs from @dir: the daemons (their environment names it: libvirtd,
 * the virtlogd it spawns) and their QEMUs (their command lines do). */
static void
kill_below(const char *dir)
{
    g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
    const char *ent;

    while (proc && (ent = g_dir_read_name(proc))) {
        g_autofree char *cmdline = g_strdup_printf("/proc/%s/cmdline", ent);
        g_autofree char *environ_path = g_strdup_printf("/proc/%s/environ", ent);
        int pid = atoi(ent);

        if (pid <= 0 || pid == getpid())
            continue;
        if (proc_mentions(cmdline, dir) || proc_mentions(environ_path, dir))
            kill(pid, SIGKILL);
    }
}

/* Return: (transfer full): a VMLAB_HOME below @dir whose images/tiny is the tiny guest (its
 * kernel and initrd are world-readable: nobody's QEMU reads them). */
static char *
e2e_restart_home(const char *dir)
{
    const char *tiny =
        g_getenv("VMLAB_TINY_DIR") ? g_getenv("VMLAB_TINY_DIR") : "/var/lib/vmlab/images/tiny";
    char *home = g_build_filename(dir, "home", NULL);
    g_autofree char *images = g_build_filename(home, "images", NULL);
    g_autofree char *link = g_build_filename(images, "tiny", NULL);

    g_assert_cmpint(g_mkdir(images, 0755), ==, 0);
    g_assert_cmpint(symlink(tiny, link), ==, 0);
    return home;
}

/* Return: (transfer full): the example spec below @dir, with a lab name, domain prefix and ports
 * of its own. */
static char *
e2e_restart_spec(const char *dir)
{
    const char *files[] = {"topology.json",    "platforms.json",   "profiles/r1.json",
                           "profiles/r2.json", "profiles/r3.json", NULL};
    const char *const edits[][2] = {
        {"\"name\": \"example\"", "\"name\": \"e2e-rst\""},
        {"\"link_transport\": \"udp\"",
         "\"link_transport\": \"udp\", \"domain_prefix\": \"e2er-\""},
        {"21000", "22000"},
        /* below the kernel's ephemeral range (32768-60999) */
        {"31000", "22200"},
        {"41000", "22400"},
    };
    g_autofree char *src = vl_test_srcpath("../specs/example");
    char *spec = g_build_filename(dir, "spec", NULL);
    g_autofree char *topo = g_build_filename(spec, "topology.json", NULL);
    g_autofree char *text = NULL;
    g_autoptr(GString) t = NULL;

    vl_test_copy_files(src, spec, files);
    g_assert_true(g_file_get_contents(topo, &text, NULL, NULL));
    t = g_string_new(text);
    for (guint i = 0; i < G_N_ELEMENTS(edits); i++)
        g_assert_cmpuint(g_string_replace(t, edits[i][0], edits[i][1], 1), ==, 1);
    g_assert_true(g_file_set_contents(topo, t->str, -1, NULL));
    return spec;
}

static void
test_restart_during_up(void)
{
    g_autofree char *dir = NULL;

    if (!e2e_enabled() || geteuid() != 0) {
        g_test_skip("needs VMLAB_E2E=1 and root");
        return;
    }
    if (!g_test_subprocess()) {
        dir = g_dir_make_tmp("vmlab-e2e-restart-XXXXXX", NULL);
        g_assert_nonnull(dir);
        g_setenv("VMLAB_E2E_RESTART_DIR", dir, TRUE);
        g_test_trap_subprocess(NULL, 180 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
        kill_below(dir);
        g_usleep(300 * 1000);
        vl_test_rmtree(dir);
        g_test_trap_assert_passed();
        return;
    }

    {
        Daemon d = {0};
        g_autofree char *spec = NULL;
        g_autofree char *home = NULL;
        g_autoptr(VlDiag) diag = vl_diag_new();
        g_autoptr(VlSpec) s = NULL;
        g_autoptr(VlRenderer) r = NULL;
        g_autoptr(GPtrArray) reports = NULL;
        g_autoptr(GError) err = NULL;
        virConnectPtr conn;
        virConnectPtr fresh;
        VlUpOptions opts = {.start = TRUE, .wait = FALSE, .jobs = 1};
        const char *subdirs[] = {"run", "config", "cache", "home", "spec"};
        gboolean ok;

        d.dir = g_strdup(g_getenv("VMLAB_E2E_RESTART_DIR"));
        d.socket = g_build_filename(d.dir, "run", "libvirt", "libvirt-sock", NULL);
        d.uri = g_strdup_printf("qemu+unix:///session?socket=%s", d.socket);
        g_assert_cmpint(g_chmod(d.dir, 0755), ==, 0);
        for (guint i = 0; i < G_N_ELEMENTS(subdirs); i++) {
            g_autofree char *p = g_build_filename(d.dir, subdirs[i], NULL);
            g_assert_cmpint(g_mkdir(p, 0755), ==, 0);
            if (i < 3)
                g_assert_cmpint(chown(p, 65534, 65534), ==, 0);
        }
        g_assert_cmpint(chown(d.dir, 65534, 65534), ==, 0);
        home = e2e_restart_home(d.dir);
        g_setenv("VMLAB_HOME", home, TRUE);
        /* The boot logs are written by nobody's virtlogd: the lab's logs folder must be its. */
        {
            g_autofree char *lab = g_build_filename(home, "labs", "e2e-rst", NULL);
            g_autofree char *logs = g_build_filename(lab, "logs", NULL);
            g_assert_cmpint(g_mkdir_with_parents(lab, 0755), ==, 0);
            g_assert_cmpint(g_mkdir(logs, 0700), ==, 0);
            g_assert_cmpint(chown(logs, 65534, 65534), ==, 0);
        }
        spec = e2e_restart_spec(d.dir);

        daemon_start(&d);
        s = vl_spec_load(spec, diag);
        vl_diag_to_error(diag, &err);
        g_assert_no_error(err);
        r = vl_renderer_new("qemu", &err);
        g_assert_no_error(err);
        conn = vl_conn_open(d.uri, &err);
        g_assert_no_error(err);
        opts.progress = restart_progress;
        opts.data = &d;
        ok = vl_lab_up(conn, s, r, &opts, &reports, &err);
        if (d.restarts != 1 || !ok) {
            g_printerr("up: %s\n", ok ? "succeeded" : err ? err->message : "failed");
            for (guint i = 0; reports && i < reports->len; i++) {
                const VlVmReport *rep = g_ptr_array_index(reports, i);
                g_printerr("  %s: %s\n", rep->name, rep->error ? rep->error : "no error");
            }
        }
        g_assert_cmpint(d.restarts, ==, 1);
        g_assert_cmpint(d.first_pid, !=, d.pid);
        g_assert_no_error(err);
        g_assert_true(ok);
        g_assert_cmpuint(reports->len, ==, 3);
        fresh = vl_conn_open(d.uri, &err);
        g_assert_no_error(err);
        for (guint i = 0; i < reports->len; i++) {
            const VlVmReport *rep = g_ptr_array_index(reports, i);
            virDomainPtr dom = virDomainLookupByName(fresh, rep->name);
            g_assert_null(rep->error);
            g_assert_true(rep->running);
            g_assert_true(rep->started);
            g_assert_nonnull(dom);
            g_assert_cmpint(virDomainIsActive(dom), ==, 1);
            virDomainFree(dom);
        }
        g_assert_true(vl_lab_down(fresh, "e2e-rst", TRUE, TRUE, NULL, NULL, &err));
        g_assert_no_error(err);
        virConnectClose(fresh);
        virConnectClose(conn);
        kill(d.pid, SIGTERM);
        g_free(d.dir);
        g_free(d.socket);
        g_free(d.uri);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    signal(SIGPIPE, SIG_IGN); /* as main() does: a dead libvirtd socket fails with EPIPE */
    g_test_add_func("/e2e/libvirtd/restart-during-up", test_restart_during_up);
    return g_test_run();
}
