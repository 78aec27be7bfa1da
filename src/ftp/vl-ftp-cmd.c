/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-cmd.c - the `vmlab-virt ftp-proxy` command: options, daemon mode, signals */
#include "vl-ftp-cmd.h"

#include "vl-error.h"
#include "vl-fs.h"
#include "vl-ftp-config.h"
#include "vl-ftp-server.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define VL_FTP_STOP_GRACE 5 /* seconds sessions get to end on SIGTERM */

typedef struct {
    char *config_path;
    char *listen;
    char *root;
    char *user;
    char *password_file;
    char **writable;
    char *port_file;
    char *pid_file;
    char *log_file;
    gboolean foreground;
} FtpOptions;

typedef struct {
    GMainLoop *loop;
    VlFtpServer *server;
    const FtpOptions *opts;
} FtpDaemon;

static void
ftp_options_clear(FtpOptions *o)
{
    g_free(o->config_path);
    g_free(o->listen);
    g_free(o->root);
    g_free(o->user);
    g_free(o->password_file);
    g_strfreev(o->writable);
    g_free(o->port_file);
    g_free(o->pid_file);
    g_free(o->log_file);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(FtpOptions, ftp_options_clear)

/* Return: TRUE after parsing and checking the options. */
static gboolean
ftp_parse_options(int argc, char **argv, FtpOptions *o, GError **error)
{
    GOptionEntry entries[] = {
        {"config", 'c', 0, G_OPTION_ARG_FILENAME, &o->config_path,
         "JSON configuration (see docs/ftp-proxy.md)", "FILE"},
        {"listen", 'l', 0, G_OPTION_ARG_STRING, &o->listen,
         "Address to listen on (overrides the configuration; port 0 picks one)", "ADDR:PORT"},
        {"foreground", 'f', 0, G_OPTION_ARG_NONE, &o->foreground,
         "With --config: stay in the foreground instead of detaching", NULL},
        {"root", 'r', 0, G_OPTION_ARG_FILENAME, &o->root,
         "Single-router mode: serve this folder (read-only)", "DIR"},
        {"user", 'u', 0, G_OPTION_ARG_STRING, &o->user,
         "Single-router mode: the only login accepted (default: any)", "NAME"},
        {"password-file", 'p', 0, G_OPTION_ARG_FILENAME, &o->password_file,
         "Single-router mode: file (mode 0600) holding the password", "FILE"},
        {"writable", 'w', 0, G_OPTION_ARG_STRING_ARRAY, &o->writable,
         "Single-router mode: a sub-folder of the root that may be written (repeatable)", "SUBDIR"},
        {"port-file", 0, 0, G_OPTION_ARG_FILENAME, &o->port_file,
         "Write the bound port to FILE once listening", "FILE"},
        {"pid-file", 0, 0, G_OPTION_ARG_FILENAME, &o->pid_file,
         "Write the process id to FILE once listening (removed on exit)", "FILE"},
        {"log-file", 0, 0, G_OPTION_ARG_FILENAME, &o->log_file,
         "When detaching: append the log to FILE (default: the configuration's folder, "
         "ftp-proxy.log)",
         "FILE"},
        G_OPTION_ENTRY_NULL};
    g_autoptr(GOptionContext) ctx = g_option_context_new("- serve router images over FTP");

    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_summary(
        ctx, "Either --config FILE (many routers, reloaded on SIGHUP), or single-router mode:\n"
             "--listen ADDR:PORT --root DIR [--user NAME --password-file FILE] [--writable "
             "SUBDIR]...");
    if (!g_option_context_parse(ctx, &argc, &argv, error))
        return FALSE;
    if (argc > 1) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE, "unexpected argument '%s'", argv[1]);
        return FALSE;
    }
    if (!o->config_path && !o->root) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE, "give --config FILE or --root DIR");
        return FALSE;
    }
    if (o->config_path && (o->root || o->user || o->password_file || o->writable)) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE,
                    "--root, --user, --password-file and --writable are for single-router mode, "
                    "without --config");
        return FALSE;
    }
    return TRUE;
}

/* Return: (transfer full): the configuration named by the options, or NULL with an error. */
static VlFtpConfig *
ftp_load_config(const FtpOptions *o, GError **error)
{
    VlFtpConfig *config;

    if (!o->config_path)
        return vl_ftp_config_new_single(o->listen ? o->listen : "127.0.0.1:21", o->root, o->user,
                                        o->password_file, (const char *const *)o->writable, error);
    config = vl_ftp_config_load(o->config_path, error);
    if (config && o->listen) {
        g_autoptr(GSocketAddress) addr = vl_ftp_parse_listen(o->listen, error);
        if (!addr) {
            vl_ftp_config_unref(config);
            return NULL;
        }
        g_free(config->listen);
        config->listen = g_strdup(o->listen);
    }
    return config;
}

static gboolean
ftp_reload_cb(gpointer user_data)
{
    FtpDaemon *d = user_data;
    g_autoptr(GError) err = NULL;
    g_autoptr(VlFtpConfig) config = ftp_load_config(d->opts, &err);

    if (!config) {
        g_message("reload failed, keeping the current configuration: %s", err->message);
        return G_SOURCE_CONTINUE;
    }
    vl_ftp_server_set_config(d->server, config);
    g_message("configuration reloaded: %u routers", config->routers->len);
    return G_SOURCE_CONTINUE;
}

static gboolean
ftp_stop_cb(gpointer user_data)
{
    FtpDaemon *d = user_data;

    g_message("stopping");
    g_main_loop_quit(d->loop);
    return G_SOURCE_CONTINUE;
}

static void ftp_report_ready(int *ready_fd, const GError *error);

/*
 * Detaches: the parent waits until the child reports on a pipe that it listens (or why it
 * cannot) and returns that outcome; the child goes on with the daemon.
 * Return: TRUE in the child (with *@ready_fd to report on), FALSE in the parent or on failure
 * (*@is_parent says which; the parent's @error is the child's failure, if any).
 */
static gboolean
ftp_detach(const FtpOptions *o, int *ready_fd, gboolean *is_parent, GError **error)
{
    g_autofree char *log_file = NULL;
    int fds[2];
    pid_t pid;
    int fd;

    *is_parent = FALSE;
    if (o->log_file) {
        log_file = g_strdup(o->log_file);
    } else {
        g_autofree char *abs = vl_fs_expand_path(o->config_path, NULL);
        g_autofree char *dir = g_path_get_dirname(abs);
        log_file = g_build_filename(dir, "ftp-proxy.log", NULL);
    }
    if (!g_unix_open_pipe(fds, FD_CLOEXEC, error))
        return FALSE;
    pid = fork();
    if (pid < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "cannot fork: %s", g_strerror(e));
        return FALSE;
    }
    if (pid > 0) {
        char buf[1024];
        gssize n = 0, r;

        *is_parent = TRUE;
        close(fds[1]);
        while ((r = read(fds[0], buf + n, sizeof(buf) - 1 - (gsize)n)) > 0 ||
               (r < 0 && errno == EINTR))
            n += r > 0 ? r : 0;
        close(fds[0]);
        buf[n > 0 ? n : 0] = '\0';
        if (strcmp(buf, "OK") == 0)
            return FALSE;
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "%s",
                    *buf ? buf : "the proxy exited while starting");
        return FALSE;
    }
    close(fds[0]);
    setsid();
    fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd >= 0) {
        dup2(fd, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        close(fd);
    }
    /* Without its log the daemon would keep the caller's stderr, and nobody would see it: fail. */
    fd = open(log_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        g_autoptr(GError) err = g_error_new(VL_ERROR, VL_ERROR_IO, "%s: cannot open the log: %s",
                                            log_file, g_strerror(e));
        *ready_fd = fds[1];
        ftp_report_ready(ready_fd, err);
        _exit(1);
    }
    dup2(fd, STDERR_FILENO);
    close(fd);
    *ready_fd = fds[1];
    return TRUE;
}

/* Tells a waiting parent how starting went (nothing without a parent). */
static void
ftp_report_ready(int *ready_fd, const GError *error)
{
    const char *msg = error ? error->message : "OK";

    if (*ready_fd < 0)
        return;
    if (write(*ready_fd, msg, strlen(msg)) < 0) {
        /* The parent is gone: nobody to tell. */
    }
    close(*ready_fd);
    *ready_fd = -1;
}

gboolean
vl_cmd_ftp_proxy(int argc, char **argv, GError **error)
{
    g_auto(FtpOptions) opts = {0};
    g_autoptr(VlFtpConfig) config = NULL;
    g_autoptr(GMainLoop) loop = NULL;
    VlFtpServer *server;
    FtpDaemon daemon_state;
    g_autoptr(GError) err = NULL;
    int ready_fd = -1;
    guint sources[3];
    guint left;

    if (!ftp_parse_options(argc, argv, &opts, error))
        return FALSE;
    if (opts.config_path && !opts.foreground) {
        gboolean is_parent = FALSE;
        g_autoptr(GError) derr = NULL;
        if (!ftp_detach(&opts, &ready_fd, &is_parent, &derr)) {
            /* In the parent, no error means the child reported that it listens. */
            if (derr) {
                g_propagate_error(error, g_steal_pointer(&derr));
                return FALSE;
            }
            return TRUE;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    config = ftp_load_config(&opts, &err);
    server = config ? vl_ftp_server_new(config, &err) : NULL;
    if (server && opts.port_file) {
        g_autofree char *text = g_strdup_printf("%u\n", vl_ftp_server_get_port(server));
        if (!vl_fs_write_atomic(opts.port_file, text, strlen(text), 0644, &err))
            g_clear_pointer(&server, vl_ftp_server_free);
    }
    if (server && opts.pid_file) {
        g_autofree char *text = g_strdup_printf("%d\n", (int)getpid());
        if (!vl_fs_write_atomic(opts.pid_file, text, strlen(text), 0644, &err))
            g_clear_pointer(&server, vl_ftp_server_free);
    }
    if (!server) {
        ftp_report_ready(&ready_fd, err);
        g_propagate_error(error, g_steal_pointer(&err));
        return FALSE;
    }
    loop = g_main_loop_new(NULL, FALSE);
    daemon_state.loop = loop;
    daemon_state.server = server;
    daemon_state.opts = &opts;
    sources[0] = g_unix_signal_add(SIGHUP, ftp_reload_cb, &daemon_state);
    sources[1] = g_unix_signal_add(SIGTERM, ftp_stop_cb, &daemon_state);
    sources[2] = g_unix_signal_add(SIGINT, ftp_stop_cb, &daemon_state);
    vl_ftp_server_start(server);
    g_message("listening on %s (port %u), %u routers", config->listen,
              vl_ftp_server_get_port(server), config->routers->len);
    ftp_report_ready(&ready_fd, NULL);
    g_main_loop_run(loop);
    for (guint i = 0; i < G_N_ELEMENTS(sources); i++)
        g_source_remove(sources[i]);
    left = vl_ftp_server_stop(server, VL_FTP_STOP_GRACE);
    if (left > 0)
        g_message("stopped with %u sessions still ending", left);
    else
        vl_ftp_server_free(server); /* sessions still running would use it: leak it then */
    g_message("stopped");
    /* Last: whoever waits for the pid file to go finds the log complete. */
    if (opts.pid_file)
        (void)unlink(opts.pid_file);
    return TRUE;
}
