/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-kv-hookcfg.c - the onDefineDomain hook's configuration: written by export, read by the hook */
#include "vl-kv-hookcfg.h"

#include "vl-error.h"
#include "vl-json.h"

#include <string.h>

void
vl_kv_hook_vm_free(VlKvHookVm *vm)
{
    if (!vm)
        return;
    g_free(vm->name);
    g_free(vm->lab);
    g_free(vm->device);
    json_object_put(vm->ftp_backend);
    g_free(vm->ftp_known_hosts);
    if (vm->ftp_client_key)
        memset(vm->ftp_client_key, 0, strlen(vm->ftp_client_key));
    g_free(vm->ftp_client_key);
    g_free(vm->ftp_login);
    g_free(vm->ftp_password);
    g_free(vm->disk);
    g_free(vm->smbios_product);
    g_free(vm->timos_path);
    g_free(vm->config_path);
    g_free(vm);
}

char *
vl_kv_hookcfg_configmap_name(const VlSpec *spec)
{
    return g_strdup_printf("%s-vmlab-hook", spec->name);
}

json_object *
vl_kv_hookcfg_build(const VlSpec *spec, const VlKvConfig *cfg, json_object *ftp)
{
    g_autoptr(json_object) doc = json_object_new_object();
    json_object *vms = json_object_new_object();
    guint n = 0;

    json_object_object_add(doc, "lab", json_object_new_string(spec->name));
    if (ftp)
        json_object_object_add(doc, "ftp", json_object_get(ftp));
    json_object_object_add(doc, "vms", vms);
    for (guint i = 0; i < spec->vms->len; i++) {
        const VlVm *vm = g_ptr_array_index(spec->vms, i);
        json_object *v;
        g_autofree char *cfgs = NULL;

        if (!vm->node->sros)
            continue;
        v = json_object_new_object();
        json_object_object_add(v, "device", json_object_new_string(vm->node->name));
        json_object_object_add(v, "disk",
                               json_object_new_string(vm->copy_from      ? "cpm"
                                                      : vm->backing_path ? "iom"
                                                                         : "none"));
        if (vm->smbios_product)
            json_object_object_add(v, "smbios_product", json_object_new_string(vm->smbios_product));
        if (cfg->telnet_console)
            json_object_object_add(v, "telnet_console",
                                   json_object_new_int((int)cfg->telnet_console));
        if (vm->node->sros->timos_path)
            json_object_object_add(v, "timos_path",
                                   json_object_new_string(vm->node->sros->timos_path));
        cfgs = g_strdup_printf("/data/cfgs/%s/%s", spec->name, vm->node->name);
        json_object_object_add(v, "config_path", json_object_new_string(cfgs));
        json_object_object_add(vms, vm->name, v);
        n++;
    }
    return n ? g_steal_pointer(&doc) : NULL;
}

json_object *
vl_kv_hookcfg_configmap(const VlSpec *spec, json_object *hook_config, const VlKvExportOptions *opts)
{
    g_autofree char *name = vl_kv_hookcfg_configmap_name(spec);
    json_object *doc = vl_kv_object_new("v1", "ConfigMap", name, opts);
    json_object *data = json_object_new_object();
    g_autofree char *text = g_strdup_printf("%s\n", vl_json_to_string(hook_config));

    json_object_object_add(data, "hook-config.json", json_object_new_string(text));
    json_object_object_add(doc, "data", data);
    return doc;
}

/* Return: (transfer none) (nullable): the string at @key of @obj. */
static const char *
vl_kv_hookcfg_string(json_object *obj, const char *key)
{
    json_object *v = NULL;

    if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

VlKvHookVm *
vl_kv_hookcfg_lookup(const char *path, const char *vmi, GError **error)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(json_object) doc = vl_json_load_file(path, &err);
    g_autoptr(VlKvHookVm) vm = NULL;
    json_object *vms = NULL, *entry = NULL, *v = NULL, *ftp = NULL;
    const char *disk;
    const char *lab;

    if (!doc) {
        g_set_error(error, VL_ERROR, err->domain == VL_ERROR ? err->code : VL_ERROR_IO,
                    "hook configuration %s: %s", path, err->message);
        return NULL;
    }
    lab = vl_kv_hookcfg_string(doc, "lab");
    if (!json_object_object_get_ex(doc, "vms", &vms) ||
        !json_object_is_type(vms, json_type_object)) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "hook configuration %s: vms: missing", path);
        return NULL;
    }
    if (!json_object_object_get_ex(vms, vmi, &entry) ||
        !json_object_is_type(entry, json_type_object)) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "hook configuration %s: no entry for VMI '%s'", path, vmi);
        return NULL;
    }
    disk = vl_kv_hookcfg_string(entry, "disk");
    if (!disk ||
        !(g_str_equal(disk, "cpm") || g_str_equal(disk, "iom") || g_str_equal(disk, "none"))) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "hook configuration %s: vms.%s.disk: must be \"cpm\", \"iom\" or \"none\"",
                    path, vmi);
        return NULL;
    }
    vm = g_new0(VlKvHookVm, 1);
    vm->name = g_strdup(vmi);
    vm->lab = g_strdup(lab ? lab : "lab");
    vm->device = g_strdup(vl_kv_hookcfg_string(entry, "device"));
    if (!vm->device)
        vm->device = g_strdup(vmi);
    vm->disk = g_strdup(disk);
    if (json_object_object_get_ex(doc, "ftp", &ftp)) {
        json_object *b = NULL;
        if (!json_object_is_type(ftp, json_type_object) ||
            !json_object_object_get_ex(ftp, "backend", &b) ||
            !json_object_is_type(b, json_type_object)) {
            g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                        "hook configuration %s: ftp.backend: must be an object", path);
            return NULL;
        }
        vm->ftp_backend = json_object_get(b);
        vm->ftp_login = g_strdup(vl_kv_hookcfg_string(ftp, "login"));
        vm->ftp_password = g_strdup(vl_kv_hookcfg_string(ftp, "password"));
        /* --with-sftp: the SFTP backend's known_hosts and client key as text */
        vm->ftp_known_hosts = g_strdup(vl_kv_hookcfg_string(ftp, "known_hosts"));
        vm->ftp_client_key = g_strdup(vl_kv_hookcfg_string(ftp, "client_key"));
        if (!vm->ftp_login || !vm->ftp_password) {
            g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                        "hook configuration %s: ftp: login and password are needed", path);
            return NULL;
        }
    }
    vm->smbios_product = g_strdup(vl_kv_hookcfg_string(entry, "smbios_product"));
    vm->timos_path = g_strdup(vl_kv_hookcfg_string(entry, "timos_path"));
    vm->config_path = g_strdup(vl_kv_hookcfg_string(entry, "config_path"));
    if (json_object_object_get_ex(entry, "telnet_console", &v)) {
        gint64 port = json_object_get_int64(v);
        if (!json_object_is_type(v, json_type_int) || port < 1 || port > 65535) {
            g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                        "hook configuration %s: vms.%s.telnet_console: must be a port", path, vmi);
            return NULL;
        }
        vm->telnet_console = (guint)port;
    }
    return g_steal_pointer(&vm);
}
