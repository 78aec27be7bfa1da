/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-setup.c - a lab's side of the FTP proxy: router logins, the shared proxy config, its
 * process */
#include "vl-ftp-setup.h"

#include "vl-error.h"
#include "vl-fs.h"
#include "vl-ftp-config-write.h"
#include "vl-lock.h"
#include "vl-random.h"
#include "vl-spec-ftp.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * One proxy serves every lab of a user: its config, pid and log live in <state dir>/ftp, and its
 * default backend is the local folder <state dir>/ftp/files (TiMOS images under each router's
 * timos_path, configs under /data/cfgs/<lab>/<device>). A lab's topology may name other backends
 * (vmlab.ftp.backends, in the proxy's own format, e.g. an SFTP server) and pick the one its rules
 * use (vmlab.ftp.backend). Routers are keyed "<lab>/<device>" and the lab's backends
 * "<lab>/<name>"; `up` replaces its lab's routers and backends and `down` removes them, leaving the
 * other labs' alone. The file's keys are src/ftp's (vl-ftp-config-write.h): nothing here spells
 * them.
 *
 * Labs are locked one by one, but proxy.json and the proxy are shared: every read-modify-write of
 * proxy.json, and the check for a running proxy with the start that follows, happen under one
 * more lock, <state dir>/ftp/proxy.lock, so two labs' `up` neither lose each other's routers nor
 * start two proxies.
 */

void
vl_ftp_creds_free(VlFtpCreds *c)
{
    if (!c)
        return;
    g_free(c->login);
    if (c->password)
        memset(c->password, 0, strlen(c->password));
    g_free(c->password);
    g_free(c->password_file);
    g_free(c);
}

char *
vl_ftp_proxy_dir(void)
{
    g_autofree char *state = vl_fs_state_dir();

    return g_build_filename(state, "ftp", NULL);
}

VlFtpCreds *
vl_ftp_lab_credentials(const VlSpec *spec, const VlNode *node, GError **error)
{
    static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    g_autoptr(VlFtpCreds) c = g_new0(VlFtpCreds, 1);
    g_autofree char *lab_dir = vl_fs_lab_dir(spec->name);
    g_autofree char *dir = g_build_filename(lab_dir, "ftp", NULL);
    g_autofree char *file = g_strdup_printf("%s.password", node->name);
    g_autofree char *key = g_strdup_printf("%s/%s", spec->name, node->name);
    g_autofree char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, key, -1);
    g_autofree char *text = NULL;

    c->login = g_strdup_printf("vl%.10s", sum);
    c->password_file = g_build_filename(dir, file, NULL);
    if (g_mkdir_with_parents(dir, 0700) < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot create folder: %s", dir,
                    g_strerror(e));
        return NULL;
    }
    if (g_file_get_contents(c->password_file, &text, NULL, NULL) && *g_strstrip(text)) {
        c->password = g_steal_pointer(&text);
        return g_steal_pointer(&c);
    }
    c->password = vl_random_token(alphabet, 16, error);
    if (!c->password)
        return NULL;
    {
        g_autofree char *line = g_strconcat(c->password, "\n", NULL);
        if (!vl_fs_write_atomic(c->password_file, line, strlen(line), 0600, error))
            return NULL;
    }
    return g_steal_pointer(&c);
}

static char *
vl_ftp_proxy_file(const char *name)
{
    g_autofree char *dir = vl_ftp_proxy_dir();

    return g_build_filename(dir, name, NULL);
}

/* Return: the pid of the running proxy named by the pid file, or 0. */
static pid_t
vl_ftp_proxy_pid(void)
{
    g_autofree char *pidfile = vl_ftp_proxy_file("proxy.pid");
    g_autofree char *text = NULL;
    g_autofree char *cmdline_path = NULL;
    g_autofree char *cmdline = NULL;
    gsize len = 0;
    pid_t pid;

    if (!g_file_get_contents(pidfile, &text, NULL, NULL))
        return 0;
    pid = (pid_t)g_ascii_strtoll(text, NULL, 10);
    if (pid <= 0 || kill(pid, 0) < 0)
        return 0;
    /* A recycled pid is not our proxy. */
    cmdline_path = g_strdup_printf("/proc/%d/cmdline", (int)pid);
    if (!g_file_get_contents(cmdline_path, &cmdline, &len, NULL) ||
        !memmem(cmdline, len, "ftp-proxy", 9))
        return 0;
    return pid;
}

/* How long the proxy may take to say that it listens. */
#define VL_FTP_PROXY_START_TIMEOUT_S 30

/*
 * Runs `ftp-proxy` to start the daemon and waits, at most VL_FTP_PROXY_START_TIMEOUT_S, for its
 * launcher to exit (it does once the daemon listens, or with the daemon's failure). Its stderr
 * goes to an unlinked file, read after it exits: a pipe would stay open in the daemon, which
 * inherits it, and reading to its end would never return.
 * Return: TRUE when it started; FALSE with its message otherwise.
 */
static gboolean
vl_ftp_proxy_spawn(const char *const *argv, GError **error)
{
    g_autofree char *tmp = NULL;
    gint64 deadline = g_get_monotonic_time() + VL_FTP_PROXY_START_TIMEOUT_S * G_USEC_PER_SEC;
    char text[4096] = {0};
    GPid pid;
    int status = 0;
    int errfd;
    ssize_t n;
    pid_t r;

    errfd = g_file_open_tmp("vmlab-ftp-proxy-XXXXXX", &tmp, error);
    if (errfd < 0)
        return FALSE;
    g_unlink(tmp);
    if (!g_spawn_async_with_fds(NULL, (char **)argv, NULL,
                                G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                                    G_SPAWN_STDIN_FROM_DEV_NULL,
                                NULL, NULL, &pid, -1, -1, errfd, error)) {
        close(errfd);
        return FALSE;
    }
    while ((r = waitpid(pid, &status, WNOHANG)) == 0 && g_get_monotonic_time() < deadline)
        g_usleep(10 * 1000);
    if (r == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        close(errfd);
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                    "the FTP proxy did not start within %d s (killed PID %d)",
                    VL_FTP_PROXY_START_TIMEOUT_S, (int)pid);
        return FALSE;
    }
    n = pread(errfd, text, sizeof(text) - 1, 0);
    close(errfd);
    text[n > 0 ? n : 0] = '\0';
    if (r < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        const char *hint = "";
        if (strstr(text, "ermission denied") && strstr(text, "bind") && geteuid() != 0)
            hint = " (the VMs reach it at 10.0.2.1:21, which QEMU maps to host port 21: let users "
                   "bind it once with 'sudo sysctl net.ipv4.ip_unprivileged_port_start=21', or "
                   "use qemu:///system)";
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "the FTP proxy did not start: %s%s",
                    *g_strstrip(text) ? text : "see its log", hint);
        return FALSE;
    }
    return TRUE;
}

/* Starts the proxy (it returns once listening), or tells the running one to reload. Call with
 * the config lock held: the check and the start are one step for every lab. */
static gboolean
vl_ftp_proxy_kick(const char *config, GError **error)
{
    pid_t pid = vl_ftp_proxy_pid();
    g_autofree char *pidfile = vl_ftp_proxy_file("proxy.pid");
    g_autofree char *logfile = vl_ftp_proxy_file("proxy.log");
    g_autofree char *self = NULL;

    if (pid > 0) {
        if (kill(pid, SIGHUP) < 0) {
            int e = errno;
            g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                        "cannot signal the FTP proxy (PID %d): %s", (int)pid, g_strerror(e));
            return FALSE;
        }
        return TRUE;
    }
    /* The binary that runs us (tests name it, since they are other programs). */
    self = g_strdup(g_getenv("VMLAB_BIN"));
    if (!self)
        self = g_file_read_link("/proc/self/exe", NULL);
    {
        const char *const argv[] = {self,    "ftp-proxy",  "--config", config, "--pid-file",
                                    pidfile, "--log-file", logfile,    NULL};
        return vl_ftp_proxy_spawn(argv, error);
    }
}

/* Return: (transfer full): the lock that serialises every change to proxy.json and the proxy's
 * start, across labs and processes. */
static VlLock *
vl_ftp_proxy_lock(GError **error)
{
    g_autofree char *path = vl_ftp_proxy_file("proxy.lock");

    return vl_lock_acquire_path(path, "the FTP proxy config", 60 * 1000, error);
}

gboolean
vl_ftp_proxy_update(const VlSpec *spec, GError **error)
{
    g_autofree char *dir = vl_ftp_proxy_dir();
    g_autofree char *path = g_build_filename(dir, "proxy.json", NULL);
    g_autofree char *files = g_build_filename(dir, "files", NULL);
    g_autoptr(VlLock) lock = NULL;
    g_autoptr(VlFtpConfigFile) cfg = NULL;
    g_autofree char *backend = NULL;
    guint added = 0;

    gboolean has_sros = FALSE;

    for (guint i = 0; i < spec->nodes->len; i++)
        has_sros |= ((const VlNode *)g_ptr_array_index(spec->nodes, i))->sros != NULL;
    /* A lab without SR OS devices has nothing to do with a proxy that was never set up. */
    if (!has_sros && !g_file_test(path, G_FILE_TEST_EXISTS))
        return TRUE;
    if (g_mkdir_with_parents(files, 0755) < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot create folder: %s", files,
                    g_strerror(e));
        return FALSE;
    }
    lock = vl_ftp_proxy_lock(error);
    if (!lock)
        return FALSE;
    cfg = vl_ftp_config_file_load(path, error);
    if (!cfg)
        return FALSE;
    vl_ftp_config_file_remove_lab(cfg, spec->name);

    /* The lab's own backends (keyed "<lab>/<name>"), if its topology names them. */
    if (!vl_spec_ftp_backends_add(spec, cfg, error))
        return FALSE;
    backend = vl_spec_ftp_backend_key(spec);
    if (!vl_ftp_config_file_set_listen(cfg, spec->ftp_listen, error))
        return FALSE;
    /* The default backend, unless the config (a new one, or one written by hand) has its own. */
    if (g_str_equal(backend, "local") && !vl_ftp_config_file_has_backend(cfg, "local"))
        vl_ftp_config_file_set_local_backend(cfg, "local", files);

    for (guint i = 0; i < spec->nodes->len; i++) {
        const VlNode *node = g_ptr_array_index(spec->nodes, i);
        g_autoptr(VlFtpCreds) creds = NULL;
        g_autofree char *key = NULL;
        g_autofree char *boot = NULL;
        g_autofree char *iom = NULL;

        if (!node->sros)
            continue;
        creds = vl_ftp_lab_credentials(spec, node, error);
        if (!creds)
            return FALSE;
        key = vl_ftp_config_lab_key(spec->name, node->name);
        boot = g_build_filename(node->sros->timos_path, "i386-boot.tim", NULL);
        iom = g_build_filename(node->sros->timos_path, "i386-iom.tim", NULL);
        {
            const VlFtpConfigRule rules[] = {
                {"/i386-boot.tim", backend, boot},
                {"/i386-iom.tim", backend, iom},
                {"/sros", backend, node->sros->timos_path},
            };
            const VlFtpConfigRouter router = {
                .login = creds->login,
                .password_file = creds->password_file,
                .lab = spec->name,
                .vsim = node->name,
                .rules = rules,
                .n_rules = G_N_ELEMENTS(rules),
                .config_path = "/config",
                .config_backend = backend,
            };
            vl_ftp_config_file_set_router(cfg, key, &router);
        }
        added++;
    }
    if (!vl_ftp_config_file_write(cfg, error))
        return FALSE;
    if (!added) {
        /* Nothing of this lab: only stop a proxy that now serves nobody. */
        pid_t pid = vl_ftp_proxy_pid();
        if (pid > 0)
            kill(pid, vl_ftp_config_file_n_routers(cfg) == 0 ? SIGTERM : SIGHUP);
        return TRUE;
    }
    return vl_ftp_proxy_kick(path, error);
}

gboolean
vl_ftp_proxy_remove_lab(const char *lab, GError **error)
{
    g_autofree char *path = vl_ftp_proxy_file("proxy.json");
    g_autoptr(VlLock) lock = NULL;
    g_autoptr(VlFtpConfigFile) cfg = NULL;
    guint left;
    pid_t pid;

    if (!g_file_test(path, G_FILE_TEST_EXISTS))
        return TRUE;
    lock = vl_ftp_proxy_lock(error);
    if (!lock)
        return FALSE;
    cfg = vl_ftp_config_file_load(path, error);
    if (!cfg)
        return FALSE;
    left = vl_ftp_config_file_remove_lab(cfg, lab);
    if (!vl_ftp_config_file_write(cfg, error))
        return FALSE;
    pid = vl_ftp_proxy_pid();
    if (pid > 0)
        kill(pid, left ? SIGHUP : SIGTERM);
    return TRUE;
}
