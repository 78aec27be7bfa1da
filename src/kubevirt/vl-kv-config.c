/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-kv-config.c - the vmlab.kubevirt settings of a spec and where each VM's disk comes from */
#include "vl-kv-config.h"

#include "vl-json.h"
#include "vl-oci-ref.h"
#include "vl-spec-section.h"

#include <string.h>

#define VL_TOPOLOGY_FILE "topology.json"

void
vl_kv_source_free(VlKvSource *src)
{
    if (!src)
        return;
    g_free(src->ref);
    g_free(src->namespace);
    g_free(src->size);
    g_free(src);
}

void
vl_kv_config_free(VlKvConfig *cfg)
{
    if (!cfg)
        return;
    json_object_put(cfg->images);
    json_object_put(cfg->node_selector);
    json_object_put(cfg->link_nad_template);
    g_free(cfg->storage_class);
    g_free(cfg->hook_image);
    g_free(cfg->disk_size);
    json_object_put(cfg->ftp);
    g_free(cfg->ftp_pvc);
    g_free(cfg->sftp_image);
    g_free(cfg->sftp_pvc);
    g_free(cfg->sftp_size);
    g_free(cfg->sftp_storage_class);
    g_free(cfg->path);
    g_free(cfg);
}

gboolean
vl_kv_name_is_valid(const char *name)
{
    gsize n = strlen(name);

    if (n == 0 || n > 63 || name[0] == '-' || name[n - 1] == '-')
        return FALSE;
    for (gsize i = 0; i < n; i++) {
        if (!(g_ascii_islower(name[i]) || g_ascii_isdigit(name[i]) || name[i] == '-'))
            return FALSE;
    }
    return TRUE;
}

/* A Kubernetes quantity such as 4Gi or 500M. */
static gboolean
vl_kv_quantity_is_valid(const char *q)
{
    static const char *const suffixes[] = {"", "Ki", "Mi", "Gi", "Ti", "K", "M", "G", "T", NULL};
    const char *p = q;

    while (g_ascii_isdigit(*p))
        p++;
    if (p == q)
        return FALSE;
    return g_strv_contains(suffixes, p);
}

/* Return: (transfer none) (nullable): the string at @key of @obj, adding an error when it is not.
 */
static const char *
vl_kv_get_string(json_object *obj, const char *key, const char *parent, VlDiag *diag)
{
    json_object *v = NULL;
    g_autofree char *path = vl_json_path_key(parent, key);

    if (!json_object_object_get_ex(obj, key, &v))
        return NULL;
    if (!json_object_is_type(v, json_type_string) || !*json_object_get_string(v)) {
        vl_diag_error(diag, VL_TOPOLOGY_FILE, path, "must be a non-empty string, got %s",
                      vl_json_type_name(v));
        return NULL;
    }
    return json_object_get_string(v);
}

static json_object *
vl_kv_get_object(json_object *obj, const char *key, const char *parent, VlDiag *diag)
{
    json_object *v = NULL;
    g_autofree char *path = vl_json_path_key(parent, key);

    if (!json_object_object_get_ex(obj, key, &v))
        return NULL;
    if (!json_object_is_type(v, json_type_object)) {
        vl_diag_error(diag, VL_TOPOLOGY_FILE, path, "must be an object, got %s",
                      vl_json_type_name(v));
        return NULL;
    }
    return json_object_get(v);
}

static const char *const vl_kv_keys[] = {
    "images",         "storage_class",
    "hook_image",     "disk_size",
    "node_selector",  "link_nad_template",
    "telnet_console", "ftp",
    "sftp",           NULL,
};

static const char *const vl_kv_source_keys[] = {
    "container_disk", "http", "registry", "pvc", "kernel_boot", NULL,
};

/* Checks one image map entry: a string (a containerDisk image) or {KIND: VALUE[, size]}. */
static void
vl_kv_check_image_entry(json_object *v, const char *path, VlDiag *diag)
{
    guint kinds = 0;

    if (json_object_is_type(v, json_type_string))
        return;
    if (!json_object_is_type(v, json_type_object)) {
        vl_diag_error(diag, VL_TOPOLOGY_FILE, path,
                      "must be an image reference or an object such as {\"http\": URL}, got %s",
                      vl_json_type_name(v));
        return;
    }
    json_object_object_foreach(v, key, val)
    {
        g_autofree char *kpath = vl_json_path_key(path, key);

        if (g_str_equal(key, "size")) {
            if (!json_object_is_type(val, json_type_string) ||
                !vl_kv_quantity_is_valid(json_object_get_string(val)))
                vl_diag_error(
                    diag, VL_TOPOLOGY_FILE, kpath, "must be a size such as \"4Gi\", got %s",
                    json_object_is_type(val, json_type_string) ? json_object_get_string(val)
                                                               : vl_json_type_name(val));
        } else if (g_strv_contains(vl_kv_source_keys, key)) {
            kinds++;
            if (!json_object_is_type(val, json_type_string) || !*json_object_get_string(val))
                vl_diag_error(diag, VL_TOPOLOGY_FILE, kpath, "must be a non-empty string, got %s",
                              vl_json_type_name(val));
        } else {
            vl_diag_error(diag, VL_TOPOLOGY_FILE, kpath,
                          "unknown key (known: container_disk, http, registry, pvc, kernel_boot, "
                          "size)");
        }
    }
    if (kinds != 1)
        vl_diag_error(diag, VL_TOPOLOGY_FILE, path,
                      "must name exactly one of container_disk, http, registry, pvc, kernel_boot");
}

/* vmlab.kubevirt.ftp: the backend the hook's FTP proxy serves the router from (an ftp-proxy
 * backend object, checked by the proxy itself), and the login the router's boot files use. With
 * --with-sftp the backend is the export's SFTP server: cfg->ftp then has no "backend" yet. */
static void
vl_kv_config_load_ftp(VlKvConfig *cfg, json_object *kv, VlDiag *diag)
{
    g_autofree char *path = vl_json_path_key(cfg->path, "ftp");
    g_autoptr(json_object) ftp = vl_kv_get_object(kv, "ftp", cfg->path, diag);
    json_object *backend = NULL;
    const char *login = NULL, *password = NULL, *pvc = NULL;

    if (!ftp && !cfg->with_sftp)
        return;
    if (ftp) {
        json_object_object_foreach(ftp, key, val)
        {
            if (!g_str_equal(key, "backend") && !g_str_equal(key, "login") &&
                !g_str_equal(key, "password") && !g_str_equal(key, "pvc")) {
                g_autofree char *p = vl_json_path_key(path, key);
                vl_diag_error(diag, VL_TOPOLOGY_FILE, p,
                              "unknown key (known: pvc, backend, login, password)");
            }
            (void)val;
        }
        pvc = vl_kv_get_string(ftp, "pvc", path, diag);
        login = vl_kv_get_string(ftp, "login", path, diag);
        password = vl_kv_get_string(ftp, "password", path, diag);
        if (cfg->with_sftp && json_object_object_get_ex(ftp, "backend", NULL)) {
            g_autofree char *p = vl_json_path_key(path, "backend");
            vl_diag_error(diag, VL_TOPOLOGY_FILE, p,
                          "--with-sftp makes the export's SFTP server the FTP proxy's backend: "
                          "give no backend here");
            return;
        }
    }
    if (pvc && !vl_kv_name_is_valid(pvc)) {
        g_autofree char *p = vl_json_path_key(path, "pvc");
        vl_diag_error(diag, VL_TOPOLOGY_FILE, p, "'%s' is not a PersistentVolumeClaim name", pvc);
        return;
    }
    if (ftp)
        backend = vl_kv_get_object(ftp, "backend", path, diag);
    if (pvc && backend) {
        vl_diag_error(diag, VL_TOPOLOGY_FILE, path, "give pvc or backend, not both");
        json_object_put(backend);
        return;
    }
    if (pvc && cfg->with_sftp) {
        /* the claim holding images and configs: the SFTP server mounts it */
        cfg->ftp_pvc = g_strdup(pvc);
    } else if (pvc) {
        /* the claim holding images and configs, mounted in the sidecar: a local backend there */
        backend = json_object_new_object();
        json_object_object_add(backend, "type", json_object_new_string("local"));
        json_object_object_add(backend, "root", json_object_new_string(VL_KV_FTP_PVC_PATH));
        cfg->ftp_pvc = g_strdup(pvc);
    }
    if (!backend && !cfg->with_sftp) {
        if (!json_object_object_get_ex(ftp, "backend", NULL))
            vl_diag_error(diag, VL_TOPOLOGY_FILE, path,
                          "needs pvc (a claim with the images and configs) or backend (an "
                          "ftp-proxy backend), or --with-sftp");
        return;
    }
    cfg->ftp = json_object_new_object();
    if (backend)
        json_object_object_add(cfg->ftp, "backend", backend);
    json_object_object_add(cfg->ftp, "login",
                           json_object_new_string(login ? login : VL_KV_DEFAULT_FTP_LOGIN));
    json_object_object_add(
        cfg->ftp, "password",
        json_object_new_string(password ? password : VL_KV_DEFAULT_FTP_PASSWORD));
}

/* vmlab.kubevirt.sftp: the SFTP server of --with-sftp (image and files PVC). */
static void
vl_kv_config_load_sftp(VlKvConfig *cfg, json_object *kv, VlDiag *diag)
{
    g_autofree char *path = vl_json_path_key(cfg->path, "sftp");
    g_autoptr(json_object) sftp = vl_kv_get_object(kv, "sftp", cfg->path, diag);
    const char *s;

    if (!sftp)
        return;
    json_object_object_foreach(sftp, key, val)
    {
        if (!g_str_equal(key, "image") && !g_str_equal(key, "pvc") && !g_str_equal(key, "size") &&
            !g_str_equal(key, "storage_class")) {
            g_autofree char *p = vl_json_path_key(path, key);
            vl_diag_error(diag, VL_TOPOLOGY_FILE, p,
                          "unknown key (known: image, pvc, size, storage_class)");
        }
        (void)val;
    }
    if ((s = vl_kv_get_string(sftp, "image", path, diag)))
        g_free(cfg->sftp_image), cfg->sftp_image = g_strdup(s);
    if ((s = vl_kv_get_string(sftp, "pvc", path, diag))) {
        g_autofree char *p = vl_json_path_key(path, "pvc");
        if (cfg->ftp_pvc)
            vl_diag_error(diag, VL_TOPOLOGY_FILE, p,
                          "ftp.pvc already names the claim the SFTP server serves: give one");
        else if (vl_kv_name_is_valid(s))
            cfg->sftp_pvc = g_strdup(s);
        else
            vl_diag_error(diag, VL_TOPOLOGY_FILE, p, "'%s' is not a PersistentVolumeClaim name", s);
    }
    if ((s = vl_kv_get_string(sftp, "size", path, diag))) {
        g_autofree char *p = vl_json_path_key(path, "size");
        if (vl_kv_quantity_is_valid(s))
            g_free(cfg->sftp_size), cfg->sftp_size = g_strdup(s);
        else
            vl_diag_error(diag, VL_TOPOLOGY_FILE, p, "must be a size such as \"20Gi\", got %s", s);
    }
    if ((s = vl_kv_get_string(sftp, "storage_class", path, diag)))
        cfg->sftp_storage_class = g_strdup(s);
}

VlKvConfig *
vl_kv_config_load(const VlSpec *spec, gboolean with_sftp, VlDiag *diag)
{
    g_autoptr(VlKvConfig) cfg = g_new0(VlKvConfig, 1);
    json_object *kv = NULL;
    const char *s;

    cfg->path = vl_json_path_key(spec->section, "kubevirt");
    cfg->hook_image = g_strdup(VL_KV_DEFAULT_HOOK_IMAGE);
    cfg->disk_size = g_strdup(VL_KV_DEFAULT_DISK_SIZE);
    cfg->with_sftp = with_sftp;
    cfg->sftp_image = g_strdup(VL_KV_DEFAULT_SFTP_IMAGE);
    cfg->sftp_size = g_strdup(VL_KV_DEFAULT_SFTP_SIZE);
    kv = vl_spec_section_member(spec, "kubevirt");
    if (!kv) {
        if (with_sftp) {
            g_autoptr(json_object) empty = json_object_new_object();
            vl_kv_config_load_ftp(cfg, empty, diag);
        }
        return g_steal_pointer(&cfg);
    }
    if (!json_object_is_type(kv, json_type_object)) {
        vl_diag_error(diag, VL_TOPOLOGY_FILE, cfg->path, "must be an object, got %s",
                      vl_json_type_name(kv));
        return g_steal_pointer(&cfg);
    }
    json_object_object_foreach(kv, key, val)
    {
        if (!g_strv_contains(vl_kv_keys, key)) {
            g_autofree char *p = vl_json_path_key(cfg->path, key);
            g_autofree char *known = g_strjoinv(", ", (char **)vl_kv_keys);
            vl_diag_error(diag, VL_TOPOLOGY_FILE, p, "unknown key (known: %s)", known);
        }
        (void)val;
    }
    cfg->images = vl_kv_get_object(kv, "images", cfg->path, diag);
    if (cfg->images) {
        g_autofree char *ipath = vl_json_path_key(cfg->path, "images");
        json_object_object_foreach(cfg->images, name, entry)
        {
            g_autofree char *p = vl_json_path_key(ipath, name);
            vl_kv_check_image_entry(entry, p, diag);
        }
    }
    if ((s = vl_kv_get_string(kv, "storage_class", cfg->path, diag)))
        cfg->storage_class = g_strdup(s);
    if ((s = vl_kv_get_string(kv, "hook_image", cfg->path, diag)))
        g_free(cfg->hook_image), cfg->hook_image = g_strdup(s);
    vl_kv_config_load_ftp(cfg, kv, diag);
    vl_kv_config_load_sftp(cfg, kv, diag);
    if ((s = vl_kv_get_string(kv, "disk_size", cfg->path, diag))) {
        if (vl_kv_quantity_is_valid(s)) {
            g_free(cfg->disk_size);
            cfg->disk_size = g_strdup(s);
        } else {
            g_autofree char *p = vl_json_path_key(cfg->path, "disk_size");
            vl_diag_error(diag, VL_TOPOLOGY_FILE, p, "must be a size such as \"4Gi\", got %s", s);
        }
    }
    cfg->node_selector = vl_kv_get_object(kv, "node_selector", cfg->path, diag);
    if (cfg->node_selector) {
        g_autofree char *npath = vl_json_path_key(cfg->path, "node_selector");
        json_object_object_foreach(cfg->node_selector, label, value)
        {
            g_autofree char *p = vl_json_path_key(npath, label);
            if (!json_object_is_type(value, json_type_string))
                vl_diag_error(diag, VL_TOPOLOGY_FILE, p, "must be a label value string, got %s",
                              vl_json_type_name(value));
        }
    }
    cfg->link_nad_template = vl_kv_get_object(kv, "link_nad_template", cfg->path, diag);
    if (cfg->link_nad_template) {
        json_object *t = NULL;
        g_autofree char *p = vl_json_path_key(cfg->path, "link_nad_template");
        if (!json_object_object_get_ex(cfg->link_nad_template, "type", &t) ||
            !json_object_is_type(t, json_type_string))
            vl_diag_error(diag, VL_TOPOLOGY_FILE, p,
                          "must be a CNI configuration with a \"type\" string");
    }
    {
        json_object *v = NULL;
        if (json_object_object_get_ex(kv, "telnet_console", &v)) {
            g_autofree char *p = vl_json_path_key(cfg->path, "telnet_console");
            gint64 port = json_object_get_int64(v);
            if (!json_object_is_type(v, json_type_int) || port < 1 || port > 65535)
                vl_diag_error(diag, VL_TOPOLOGY_FILE, p, "must be a port 1..65535, got %s",
                              json_object_to_json_string(v));
            else
                cfg->telnet_console = (guint)port;
        }
    }
    return g_steal_pointer(&cfg);
}

static VlKvSource *
vl_kv_source_new(VlKvSourceKind kind, const char *ref, const char *size)
{
    VlKvSource *src = g_new0(VlKvSource, 1);

    src->kind = kind;
    src->ref = g_strdup(ref);
    src->size = g_strdup(size);
    return src;
}

void
vl_kv_diag_once(VlDiag *diag, const char *file, const char *path, const char *fmt, ...)
{
    VlDiagItem item = {VL_DIAG_ERROR, (char *)file, (char *)path, NULL};
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    item.message = msg;
    if (!vl_diag_contains(diag, &item))
        vl_diag_error(diag, file, path, "%s", msg);
}

VlKvSource *
vl_kv_config_source(const VlKvConfig *cfg, const char *image, gboolean persistent, const char *file,
                    const char *where, VlDiag *diag)
{
    gboolean oci = vl_oci_ref_is(image);
    g_autofree char *key = oci ? g_strdup(image) : g_path_get_basename(image);
    json_object *entry = NULL;
    const char *size = cfg->disk_size;
    VlKvSource *src = NULL;

    if (!cfg->images || !json_object_object_get_ex(cfg->images, key, &entry)) {
        if (oci) {
            const char *ref = image + strlen("oci://");
            if (!persistent)
                return vl_kv_source_new(VL_KV_SRC_CONTAINER_DISK, ref, size);
            src = vl_kv_source_new(VL_KV_SRC_REGISTRY, NULL, size);
            src->ref = g_strconcat("docker://", ref, NULL);
            return src;
        }
        vl_kv_diag_once(diag, file, where,
                        "image '%s' has no entry in %s.images (a cluster cannot read this "
                        "machine's files)",
                        key, cfg->path);
        return NULL;
    }
    if (json_object_is_type(entry, json_type_string))
        return vl_kv_source_new(persistent ? VL_KV_SRC_REGISTRY : VL_KV_SRC_CONTAINER_DISK,
                                json_object_get_string(entry), size);
    if (!json_object_is_type(entry, json_type_object))
        return NULL; /* already reported */
    {
        json_object *sz = NULL;
        if (json_object_object_get_ex(entry, "size", &sz) &&
            json_object_is_type(sz, json_type_string))
            size = json_object_get_string(sz);
    }
    for (guint i = 0; vl_kv_source_keys[i]; i++) {
        json_object *v = NULL;
        if (!json_object_object_get_ex(entry, vl_kv_source_keys[i], &v) ||
            !json_object_is_type(v, json_type_string))
            continue;
        src = vl_kv_source_new((VlKvSourceKind)i, json_object_get_string(v), size);
        break;
    }
    if (!src)
        return NULL; /* already reported */
    if (src->kind == VL_KV_SRC_REGISTRY && !strstr(src->ref, "://")) {
        char *r = g_strconcat("docker://", src->ref, NULL);
        g_free(src->ref);
        src->ref = r;
    }
    if (src->kind == VL_KV_SRC_PVC) {
        const char *slash = strchr(src->ref, '/');
        if (slash) {
            char *name = g_strdup(slash + 1);
            src->namespace = g_strndup(src->ref, slash - src->ref);
            g_free(src->ref);
            src->ref = name;
        }
    }
    return src;
}
