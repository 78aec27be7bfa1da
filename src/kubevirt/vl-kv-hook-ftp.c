/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-kv-hook-ftp.c - the hook starts its router's FTP proxy in the pod, once per pod */
#include "vl-kv-hook-ftp.h"

#include "vl-error.h"
#include "vl-fs.h"
#include "vl-json.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#define VL_KV_FTP_LISTEN    "10.0.2.1:21"
#define VL_KV_FTP_STATE_DIR "/var/run/vmlab"

/* Return: TRUE if @pid_file names a live process. */
static gboolean
vl_kv_ftp_running(const char *pid_file)
{
    g_autofree char *text = NULL;
    guint64 pid = 0;

    if (!g_file_get_contents(pid_file, &text, NULL, NULL))
        return FALSE;
    g_strchomp(text);
    if (!g_ascii_string_to_unsigned(text, 10, 2, G_MAXINT32, &pid, NULL))
        return FALSE;
    return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/* A rule of the router: @vpath served from @target on the one backend. */
static void
vl_kv_ftp_rule(json_object *rules, const char *vpath, const char *target)
{
    json_object *r = json_object_new_object();

    json_object_object_add(r, "path", json_object_new_string(vpath));
    json_object_object_add(r, "target", json_object_new_string(target));
    json_object_array_add(rules, r);
}

/* The ftp-proxy configuration: the lab's backend and this VMI's router with its translation. */
static json_object *
vl_kv_ftp_config(const VlKvHookVm *vm, const char *listen, json_object *backend)
{
    json_object *conf = json_object_new_object();
    json_object *backends = json_object_new_object();
    json_object *routers = json_object_new_object();
    json_object *router = json_object_new_object();
    json_object *rules = json_object_new_array();
    json_object *cfg = json_object_new_object();
    g_autofree char *boot = g_build_filename(vm->timos_path, "i386-boot.tim", NULL);
    g_autofree char *iom = g_build_filename(vm->timos_path, "i386-iom.tim", NULL);
    g_autofree char *name = g_strdup_printf("%s/%s", vm->lab, vm->device);

    json_object_object_add(conf, "listen", json_object_new_string(listen));
    json_object_object_add(backends, "backend", backend);
    json_object_object_add(conf, "backends", backends);
    json_object_object_add(router, "login", json_object_new_string(vm->ftp_login));
    json_object_object_add(router, "password", json_object_new_string(vm->ftp_password));
    json_object_object_add(router, "lab", json_object_new_string(vm->lab));
    json_object_object_add(router, "vsim", json_object_new_string(vm->device));
    vl_kv_ftp_rule(rules, "/i386-boot.tim", boot);
    vl_kv_ftp_rule(rules, "/i386-iom.tim", iom);
    vl_kv_ftp_rule(rules, "/sros", vm->timos_path);
    json_object_object_add(router, "rules", rules);
    json_object_object_add(cfg, "path", json_object_new_string("/config"));
    if (vm->config_path)
        json_object_object_add(cfg, "target", json_object_new_string(vm->config_path));
    json_object_object_add(router, "config", cfg);
    json_object_object_add(routers, name, router);
    json_object_object_add(conf, "routers", routers);
    return conf;
}

/*
 * The backend of the proxy's configuration: the lab's, with (--with-sftp) its known_hosts text and
 * client key written to @dir (0644 and 0600) and named by path, as ftp-proxy reads them.
 * Return: (transfer full): the backend object, or NULL with an error.
 */
static json_object *
vl_kv_ftp_backend(const VlKvHookVm *vm, const char *dir, GError **error)
{
    g_autoptr(json_object) b = NULL;

    if (json_object_deep_copy(vm->ftp_backend, &b, NULL) != 0) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                    "hook configuration: ftp.backend: cannot copy it");
        return NULL;
    }
    if (vm->ftp_known_hosts) {
        g_autofree char *path = g_build_filename(dir, "sftp-known-hosts", NULL);
        if (!vl_fs_write_atomic(path, vm->ftp_known_hosts, strlen(vm->ftp_known_hosts), 0644,
                                error))
            return NULL;
        json_object_object_add(b, "known_hosts", json_object_new_string(path));
    }
    if (vm->ftp_client_key) {
        g_autofree char *path = g_build_filename(dir, "sftp-client-key", NULL);
        if (!vl_fs_write_atomic(path, vm->ftp_client_key, strlen(vm->ftp_client_key), 0600, error))
            return NULL;
        json_object_object_add(b, "private_key", json_object_new_string(path));
    }
    return g_steal_pointer(&b);
}

gboolean
vl_kv_hook_ftp_ensure(const VlKvHookVm *vm, GError **error)
{
    const char *listen = g_getenv("VMLAB_HOOK_FTP_LISTEN");
    const char *dir = g_getenv("VMLAB_HOOK_STATE_DIR");
    g_autofree char *conf_path = NULL;
    g_autofree char *pid_file = NULL;
    g_autofree char *self = NULL;
    g_autoptr(json_object) conf = NULL;
    json_object *backend = NULL;
    g_autoptr(GSubprocess) proc = NULL;
    g_autofree char *err_text = NULL;

    if (!vm->ftp_backend)
        return TRUE;
    if (!vm->timos_path) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "hook configuration: VMI '%s' has FTP settings but no timos_path", vm->name);
        return FALSE;
    }
    listen = listen && *listen ? listen : VL_KV_FTP_LISTEN;
    dir = dir && *dir ? dir : VL_KV_FTP_STATE_DIR;
    pid_file = g_build_filename(dir, "ftp-proxy.pid", NULL);
    /* later calls (2 to 3 per boot) find the proxy the first one started */
    if (vl_kv_ftp_running(pid_file))
        return TRUE;
    if (g_mkdir_with_parents(dir, 0700) < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "cannot create %s: %s", dir, g_strerror(e));
        return FALSE;
    }
    conf_path = g_build_filename(dir, "ftp-proxy.json", NULL);
    backend = vl_kv_ftp_backend(vm, dir, error);
    if (!backend)
        return FALSE;
    conf = vl_kv_ftp_config(vm, listen, backend);
    if (!vl_json_write_file(conf_path, conf, 0600, error))
        return FALSE;
    self = g_file_read_link("/proc/self/exe", error);
    if (!self)
        return FALSE;
    {
        const char *argv[] = {self,         "ftp-proxy", "--config", conf_path,
                              "--pid-file", pid_file,    NULL};
        /* stdin is /dev/null; the detaching proxy returns once it listens and its daemon keeps
         * neither our stdout nor (after it opened its log) our stderr pipe */
        proc = g_subprocess_newv(
            argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE, error);
    }
    if (!proc || !g_subprocess_communicate_utf8(proc, NULL, NULL, NULL, &err_text, error))
        return FALSE;
    if (!g_subprocess_get_if_exited(proc) || g_subprocess_get_exit_status(proc) != 0) {
        g_strchomp(err_text);
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "the FTP proxy did not start on %s: %s",
                    listen, err_text && *err_text ? err_text : "no reason given");
        return FALSE;
    }
    return TRUE;
}
