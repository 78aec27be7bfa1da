/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-kv-sftp.c - the SFTP server of `kubevirt export --with-sftp`: keys and manifests */
#include "vl-kv-sftp.h"

#include "vl-error.h"
#include "vl-fs.h"
#include "vl-kv-hookcfg.h"

#include <glib/gstdio.h>
#include <string.h>

/*
 * The server: OpenSSH's sshd in one pod, SFTP only (ForceCommand internal-sftp), key login as
 * root chrooted to VL_KV_SFTP_ROOT. The chroot is a folder of the container's own file system
 * (sshd wants it and every folder above root-owned and writable by nobody else, which a PVC root
 * often is not); the files PVC is mounted below it twice by subPath, as images/ and data/, so
 * the SFTP tree is the PVC's tree and the routers' paths (/images/..., /data/cfgs/LAB/DEVICE)
 * work unchanged. data/ is writable: the proxy creates config folders on first upload.
 * Secret volumes are symlinks with kubelet's modes, so the start script copies the host key
 * (0600) and authorized_keys (0644) to VL_KV_SFTP_RUN, which sshd's checks accept.
 */
static const char vl_kv_sftp_sshd_config[] =
    "# sshd of the vmlab-virt SFTP server: SFTP only, key login, chrooted to the files PVC\n"
    "Port 22\n"
    "PidFile none\n"
    "HostKey " VL_KV_SFTP_RUN "/ssh_host_key\n"
    "AuthorizedKeysFile " VL_KV_SFTP_RUN "/authorized_keys\n"
    "AllowUsers " VL_KV_SFTP_USER "\n"
    "PermitRootLogin prohibit-password\n"
    "PubkeyAuthentication yes\n"
    "PasswordAuthentication no\n"
    "KbdInteractiveAuthentication no\n"
    "UsePAM no\n"
    "AllowAgentForwarding no\n"
    "AllowTcpForwarding no\n"
    "AllowStreamLocalForwarding no\n"
    "X11Forwarding no\n"
    "PermitTunnel no\n"
    "PermitTTY no\n"
    "PermitUserRC no\n"
    "ChrootDirectory " VL_KV_SFTP_ROOT "\n"
    "ForceCommand internal-sftp -u 0022\n"
    "Subsystem sftp internal-sftp\n"
    "LogLevel VERBOSE\n";

static const char vl_kv_sftp_start[] =
    "set -eu\n"
    "install -d -m 0755 /run/sshd " VL_KV_SFTP_RUN " " VL_KV_SFTP_ROOT "\n"
    "install -m 0600 /etc/vmlab-sftp/host-key/ssh_host_key " VL_KV_SFTP_RUN "/ssh_host_key\n"
    "install -m 0644 /etc/vmlab-sftp/client/authorized_keys " VL_KV_SFTP_RUN "/authorized_keys\n"
    "exec /usr/sbin/sshd -D -e -f /etc/vmlab-sftp/config/sshd_config\n";

void
vl_kv_sftp_keys_free(VlKvSftpKeys *keys)
{
    if (!keys)
        return;
    /* the private keys do not linger in freed memory */
    if (keys->host_key)
        memset(keys->host_key, 0, strlen(keys->host_key));
    if (keys->client_key)
        memset(keys->client_key, 0, strlen(keys->client_key));
    g_free(keys->host_key);
    g_free(keys->host_pub);
    g_free(keys->client_key);
    g_free(keys->client_pub);
    g_free(keys);
}

/* Runs ssh-keygen with @args (stdin /dev/null). Return: its stdout, or NULL with an error. */
static char *
vl_kv_sftp_keygen(const char *const *args, const char *what, GError **error)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autofree char *out = NULL, *err = NULL;
    g_autoptr(GError) e = NULL;
    int status = 0;

    g_ptr_array_add(argv, (gpointer) "ssh-keygen");
    for (guint i = 0; args[i]; i++)
        g_ptr_array_add(argv, (gpointer)args[i]);
    g_ptr_array_add(argv, NULL);
    if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL,
                      G_SPAWN_SEARCH_PATH | G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL, &out, &err,
                      &status, &e)) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                    "%s: cannot run ssh-keygen (openssh-client): %s", what, e->message);
        return NULL;
    }
    if (!g_spawn_check_wait_status(status, NULL)) {
        g_strstrip(err);
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "%s: ssh-keygen failed: %s", what,
                    *err ? err : "no reason given");
        return NULL;
    }
    return g_steal_pointer(&out);
}

/* Return: (transfer full): "TYPE BASE64" of a public key line (its comment dropped). */
static char *
vl_kv_sftp_pub_bare(const char *line)
{
    g_auto(GStrv) parts = g_strsplit_set(line, " \t\r\n", 3);

    if (!parts[0] || !parts[1])
        return g_strdup(line);
    return g_strdup_printf("%s %s", parts[0], parts[1]);
}

/* A new ed25519 key pair, made in a 0700 temporary folder that is removed again. */
static gboolean
vl_kv_sftp_key_generate(const char *comment, const char *what, char **priv, char **pub,
                        GError **error)
{
    g_autofree char *dir = g_dir_make_tmp("vmlab-sftp-key-XXXXXX", error);
    g_autofree char *path = NULL;
    g_autofree char *pub_path = NULL;
    g_autofree char *out = NULL;
    gboolean ok = FALSE;

    if (!dir)
        return FALSE;
    path = g_build_filename(dir, "key", NULL);
    pub_path = g_strconcat(path, ".pub", NULL);
    {
        const char *args[] = {"-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path, NULL};
        out = vl_kv_sftp_keygen(args, what, error);
    }
    ok = out && g_file_get_contents(path, priv, NULL, error) &&
         g_file_get_contents(pub_path, pub, NULL, error);
    g_remove(path);
    g_remove(pub_path);
    g_rmdir(dir);
    if (ok)
        g_strchomp(*pub);
    return ok;
}

/* A key the user gave: its text and public line (ssh-keygen -y reads the file itself). */
static gboolean
vl_kv_sftp_key_read(const char *file, const char *option, char **priv, char **pub, GError **error)
{
    g_autofree char *what = g_strdup_printf("%s %s", option, file);
    g_autoptr(GError) e = NULL;
    const char *args[] = {"-y", "-f", file, NULL};

    if (!g_file_get_contents(file, priv, NULL, &e)) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "%s: %s", what, e->message);
        return FALSE;
    }
    if (!strstr(*priv, "PRIVATE KEY-----")) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "%s: not an OpenSSH private key (no \"PRIVATE KEY\" block)", what);
        return FALSE;
    }
    *pub = vl_kv_sftp_keygen(args, what, error);
    if (!*pub)
        return FALSE;
    g_strchomp(*pub);
    return TRUE;
}

VlKvSftpKeys *
vl_kv_sftp_keys_load(const char *lab, const char *host_key_file, const char *client_key_file,
                     GError **error)
{
    g_autoptr(VlKvSftpKeys) keys = g_new0(VlKvSftpKeys, 1);
    g_autofree char *host_pub = NULL;
    g_autofree char *host_comment = g_strdup_printf("vmlab-sftp-host@%s", lab);
    g_autofree char *client_comment = g_strdup_printf("vmlab-ftp-proxy@%s", lab);
    gboolean ok;

    ok = host_key_file ? vl_kv_sftp_key_read(host_key_file, "--sftp-host-key", &keys->host_key,
                                             &host_pub, error)
                       : vl_kv_sftp_key_generate(host_comment, "the SFTP host key", &keys->host_key,
                                                 &host_pub, error);
    if (!ok)
        return NULL;
    keys->host_pub = vl_kv_sftp_pub_bare(host_pub);
    ok = client_key_file
             ? vl_kv_sftp_key_read(client_key_file, "--sftp-client-key", &keys->client_key,
                                   &keys->client_pub, error)
             : vl_kv_sftp_key_generate(client_comment, "the FTP proxy's SFTP client key",
                                       &keys->client_key, &keys->client_pub, error);
    if (!ok)
        return NULL;
    return g_steal_pointer(&keys);
}

static char *
vl_kv_sftp_name(const VlSpec *spec)
{
    return g_strdup_printf("%s-vmlab-sftp", spec->name);
}

static char *
vl_kv_sftp_pvc_name(const VlSpec *spec, const VlKvConfig *cfg)
{
    if (cfg->ftp_pvc)
        return g_strdup(cfg->ftp_pvc);
    return cfg->sftp_pvc ? g_strdup(cfg->sftp_pvc) : g_strdup_printf("%s-vmlab-files", spec->name);
}

char *
vl_kv_sftp_host(const VlSpec *spec, const VlKvExportOptions *opts)
{
    g_autofree char *name = vl_kv_sftp_name(spec);

    return opts->namespace ? g_strdup_printf("%s.%s.svc", name, opts->namespace)
                           : g_steal_pointer(&name);
}

json_object *
vl_kv_sftp_hook_ftp(const VlSpec *spec, const VlKvConfig *cfg, const VlKvExportOptions *opts)
{
    const VlKvSftpKeys *keys = opts->sftp_keys;
    json_object *ftp = json_object_new_object();
    json_object *b = json_object_new_object();
    g_autofree char *host = vl_kv_sftp_host(spec, opts);
    /* port 22: known_hosts names the host plainly */
    g_autofree char *known = g_strdup_printf("%s %s\n", host, keys->host_pub);

    json_object_object_add(b, "type", json_object_new_string("sftp"));
    json_object_object_add(b, "host", json_object_new_string(host));
    json_object_object_add(b, "port", json_object_new_int(22));
    json_object_object_add(b, "user", json_object_new_string(VL_KV_SFTP_USER));
    json_object_object_add(b, "timeout", json_object_new_int(30));
    json_object_object_add(ftp, "backend", b);
    json_object_object_add(ftp, "known_hosts", json_object_new_string(known));
    json_object_object_add(ftp, "client_key", json_object_new_string(keys->client_key));
    json_object_object_add(ftp, "login",
                           json_object_get(json_object_object_get(cfg->ftp, "login")));
    json_object_object_add(ftp, "password",
                           json_object_get(json_object_object_get(cfg->ftp, "password")));
    return ftp;
}

static json_object *
vl_kv_sftp_labels(const VlSpec *spec)
{
    json_object *l = json_object_new_object();

    /* not vmlab.io/lab: the VMs' pod affinity on that label must not pull them to this pod */
    json_object_object_add(l, "app.kubernetes.io/name", json_object_new_string("vmlab-sftp"));
    json_object_object_add(l, "vmlab.io/sftp", json_object_new_string(spec->name));
    return l;
}

static json_object *
vl_kv_sftp_secret(const char *name, const VlKvExportOptions *opts, const char *k1, const char *v1,
                  const char *k2, const char *v2)
{
    json_object *doc = vl_kv_object_new("v1", "Secret", name, opts);
    json_object *data = json_object_new_object();

    json_object_object_add(doc, "type", json_object_new_string("Opaque"));
    json_object_object_add(data, k1, json_object_new_string(v1));
    json_object_object_add(data, k2, json_object_new_string(v2));
    json_object_object_add(doc, "stringData", data);
    return doc;
}

static json_object *
vl_kv_sftp_pvc(const VlSpec *spec, const VlKvConfig *cfg, const VlKvExportOptions *opts)
{
    g_autofree char *name = vl_kv_sftp_pvc_name(spec, cfg);
    json_object *doc = vl_kv_object_new("v1", "PersistentVolumeClaim", name, opts);
    json_object *spec_o = json_object_new_object();
    json_object *modes = json_object_new_array();
    json_object *res = json_object_new_object();
    json_object *req = json_object_new_object();
    const char *sc = cfg->sftp_storage_class ? cfg->sftp_storage_class : cfg->storage_class;

    json_object_array_add(modes, json_object_new_string("ReadWriteOnce"));
    json_object_object_add(spec_o, "accessModes", modes);
    json_object_object_add(req, "storage", json_object_new_string(cfg->sftp_size));
    json_object_object_add(res, "requests", req);
    json_object_object_add(spec_o, "resources", res);
    if (sc)
        json_object_object_add(spec_o, "storageClassName", json_object_new_string(sc));
    json_object_object_add(doc, "spec", spec_o);
    return doc;
}

static json_object *
vl_kv_sftp_mount(const char *name, const char *path, const char *sub_path, gboolean ro)
{
    json_object *m = json_object_new_object();

    json_object_object_add(m, "name", json_object_new_string(name));
    json_object_object_add(m, "mountPath", json_object_new_string(path));
    if (sub_path)
        json_object_object_add(m, "subPath", json_object_new_string(sub_path));
    if (ro)
        json_object_object_add(m, "readOnly", json_object_new_boolean(TRUE));
    return m;
}

/* A volume of kind @kind ("secret", "configMap", "persistentVolumeClaim") named @ref. */
static json_object *
vl_kv_sftp_volume(const char *name, const char *kind, const char *ref, int mode)
{
    json_object *v = json_object_new_object();
    json_object *src = json_object_new_object();

    json_object_object_add(v, "name", json_object_new_string(name));
    json_object_object_add(src,
                           g_str_equal(kind, "secret")      ? "secretName"
                           : g_str_equal(kind, "configMap") ? "name"
                                                            : "claimName",
                           json_object_new_string(ref));
    if (mode)
        json_object_object_add(src, "defaultMode", json_object_new_int(mode));
    json_object_object_add(v, kind, src);
    return v;
}

static json_object *
vl_kv_sftp_deployment(const VlSpec *spec, const VlKvConfig *cfg, const VlKvExportOptions *opts)
{
    g_autofree char *name = vl_kv_sftp_name(spec);
    g_autofree char *pvc = vl_kv_sftp_pvc_name(spec, cfg);
    g_autofree char *host_secret = g_strdup_printf("%s-host-key", name);
    g_autofree char *client_secret = g_strdup_printf("%s-client-key", name);
    json_object *doc = vl_kv_object_new("apps/v1", "Deployment", name, opts);
    json_object *dspec = json_object_new_object();
    json_object *sel = json_object_new_object();
    json_object *strategy = json_object_new_object();
    json_object *tmpl = json_object_new_object();
    json_object *tmeta = json_object_new_object();
    json_object *pspec = json_object_new_object();
    json_object *containers = json_object_new_array();
    json_object *c = json_object_new_object();
    json_object *cmd = json_object_new_array();
    json_object *ports = json_object_new_array();
    json_object *port = json_object_new_object();
    json_object *mounts = json_object_new_array();
    json_object *volumes = json_object_new_array();
    json_object *probe = json_object_new_object();
    json_object *tcp = json_object_new_object();
    json_object *client_vol, *items, *item;

    json_object_object_add(json_object_object_get(doc, "metadata"), "labels",
                           vl_kv_sftp_labels(spec));
    json_object_object_add(dspec, "replicas", json_object_new_int(1));
    /* one pod at a time on the ReadWriteOnce claim */
    json_object_object_add(strategy, "type", json_object_new_string("Recreate"));
    json_object_object_add(dspec, "strategy", strategy);
    json_object_object_add(sel, "matchLabels", vl_kv_sftp_labels(spec));
    json_object_object_add(dspec, "selector", sel);
    json_object_object_add(tmeta, "labels", vl_kv_sftp_labels(spec));
    json_object_object_add(tmpl, "metadata", tmeta);

    json_object_object_add(c, "name", json_object_new_string("sftp"));
    json_object_object_add(c, "image", json_object_new_string(cfg->sftp_image));
    json_object_array_add(cmd, json_object_new_string("/bin/sh"));
    json_object_array_add(cmd, json_object_new_string("-c"));
    json_object_array_add(cmd, json_object_new_string(vl_kv_sftp_start));
    json_object_object_add(c, "command", cmd);
    json_object_object_add(port, "name", json_object_new_string("ssh"));
    json_object_object_add(port, "containerPort", json_object_new_int(22));
    json_object_object_add(port, "protocol", json_object_new_string("TCP"));
    json_object_array_add(ports, port);
    json_object_object_add(c, "ports", ports);
    json_object_object_add(tcp, "port", json_object_new_int(22));
    json_object_object_add(probe, "tcpSocket", tcp);
    json_object_object_add(c, "readinessProbe", probe);
    json_object_array_add(mounts,
                          vl_kv_sftp_mount("files", VL_KV_SFTP_ROOT "/images", "images", FALSE));
    json_object_array_add(mounts,
                          vl_kv_sftp_mount("files", VL_KV_SFTP_ROOT "/data", "data", FALSE));
    json_object_array_add(mounts,
                          vl_kv_sftp_mount("host-key", "/etc/vmlab-sftp/host-key", NULL, TRUE));
    json_object_array_add(mounts,
                          vl_kv_sftp_mount("client-key", "/etc/vmlab-sftp/client", NULL, TRUE));
    json_object_array_add(mounts, vl_kv_sftp_mount("config", "/etc/vmlab-sftp/config", NULL, TRUE));
    json_object_object_add(c, "volumeMounts", mounts);
    json_object_array_add(containers, c);
    json_object_object_add(pspec, "containers", containers);

    json_object_array_add(volumes, vl_kv_sftp_volume("files", "persistentVolumeClaim", pvc, 0));
    json_object_array_add(volumes, vl_kv_sftp_volume("host-key", "secret", host_secret, 0400));
    /* the server gets the client's public key only, never its private key */
    client_vol = vl_kv_sftp_volume("client-key", "secret", client_secret, 0444);
    items = json_object_new_array();
    item = json_object_new_object();
    json_object_object_add(item, "key", json_object_new_string("authorized_keys"));
    json_object_object_add(item, "path", json_object_new_string("authorized_keys"));
    json_object_array_add(items, item);
    json_object_object_add(json_object_object_get(client_vol, "secret"), "items", items);
    json_object_array_add(volumes, client_vol);
    json_object_array_add(volumes, vl_kv_sftp_volume("config", "configMap", name, 0));
    json_object_object_add(pspec, "volumes", volumes);
    json_object_object_add(tmpl, "spec", pspec);
    json_object_object_add(dspec, "template", tmpl);
    json_object_object_add(doc, "spec", dspec);
    return doc;
}

static json_object *
vl_kv_sftp_service(const VlSpec *spec, const VlKvExportOptions *opts)
{
    g_autofree char *name = vl_kv_sftp_name(spec);
    json_object *doc = vl_kv_object_new("v1", "Service", name, opts);
    json_object *sspec = json_object_new_object();
    json_object *ports = json_object_new_array();
    json_object *port = json_object_new_object();

    json_object_object_add(json_object_object_get(doc, "metadata"), "labels",
                           vl_kv_sftp_labels(spec));
    json_object_object_add(sspec, "type", json_object_new_string("ClusterIP"));
    json_object_object_add(sspec, "selector", vl_kv_sftp_labels(spec));
    json_object_object_add(port, "name", json_object_new_string("ssh"));
    json_object_object_add(port, "port", json_object_new_int(22));
    json_object_object_add(port, "targetPort", json_object_new_int(22));
    json_object_object_add(port, "protocol", json_object_new_string("TCP"));
    json_object_array_add(ports, port);
    json_object_object_add(sspec, "ports", ports);
    json_object_object_add(doc, "spec", sspec);
    return doc;
}

void
vl_kv_sftp_build(VlKvExport *e, const VlSpec *spec, const VlKvConfig *cfg,
                 const VlKvExportOptions *opts)
{
    const VlKvSftpKeys *keys = opts->sftp_keys;
    g_autofree char *name = vl_kv_sftp_name(spec);
    g_autofree char *host_secret = g_strdup_printf("%s-host-key", name);
    g_autofree char *client_secret = g_strdup_printf("%s-client-key", name);
    g_autofree char *host_pub = g_strdup_printf("%s\n", keys->host_pub);
    g_autofree char *client_pub = g_strdup_printf("%s\n", keys->client_pub);
    json_object *cm = vl_kv_object_new("v1", "ConfigMap", name, opts);
    json_object *data = json_object_new_object();

    /* ftp.pvc is a claim that exists (with the images); else the export makes one */
    if (!cfg->ftp_pvc)
        vl_kv_export_add(e, "pvc", vl_kv_sftp_pvc(spec, cfg, opts));
    vl_kv_export_add(e, "secret",
                     vl_kv_sftp_secret(host_secret, opts, "ssh_host_key", keys->host_key,
                                       "ssh_host_key.pub", host_pub))
        ->mode = 0600;
    vl_kv_export_add(e, "secret",
                     vl_kv_sftp_secret(client_secret, opts, "id_sftp", keys->client_key,
                                       "authorized_keys", client_pub))
        ->mode = 0600;
    json_object_object_add(data, "sshd_config", json_object_new_string(vl_kv_sftp_sshd_config));
    json_object_object_add(cm, "data", data);
    vl_kv_export_add(e, "configmap", cm);
    vl_kv_export_add(e, "deployment", vl_kv_sftp_deployment(spec, cfg, opts));
    vl_kv_export_add(e, "service", vl_kv_sftp_service(spec, opts));
}
