/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-kv-export.c - a lab as KubeVirt manifests: VirtualMachines, Multus networks, hook config */
#include "vl-kv-export.h"

#include "vl-json.h"
#include "vl-kv-hookcfg.h"
#include "vl-kv-net.h"
#include "vl-kv-sftp.h"

#include <string.h>

#define VL_TOPOLOGY_FILE "topology.json"

void
vl_kv_export_free(VlKvExport *e)
{
    if (!e)
        return;
    g_ptr_array_unref(e->objects);
    g_ptr_array_unref(e->notes);
    json_object_put(e->hook_config);
    g_free(e);
}

static void
vl_kv_object_free(gpointer data)
{
    VlKvObject *o = data;

    g_free(o->file);
    json_object_put(o->doc);
    g_free(o);
}

VlKvObject *
vl_kv_export_add(VlKvExport *e, const char *prefix, json_object *doc)
{
    VlKvObject *o = g_new0(VlKvObject, 1);
    json_object *meta = json_object_object_get(doc, "metadata");

    o->file = g_strdup_printf("%s-%s.yaml", prefix,
                              json_object_get_string(json_object_object_get(meta, "name")));
    o->doc = doc;
    o->mode = 0644;
    g_ptr_array_add(e->objects, o);
    return o;
}

json_object *
vl_kv_object_new(const char *api, const char *kind, const char *name, const VlKvExportOptions *opts)
{
    json_object *doc = json_object_new_object();
    json_object *meta = json_object_new_object();

    json_object_object_add(doc, "apiVersion", json_object_new_string(api));
    json_object_object_add(doc, "kind", json_object_new_string(kind));
    json_object_object_add(meta, "name", json_object_new_string(name));
    if (opts->namespace)
        json_object_object_add(meta, "namespace", json_object_new_string(opts->namespace));
    json_object_object_add(doc, "metadata", meta);
    return doc;
}

static json_object *
vl_kv_vm_labels(const VlSpec *spec, const VlVm *vm)
{
    json_object *l = json_object_new_object();

    json_object_object_add(l, VL_KV_LABEL_LAB, json_object_new_string(spec->name));
    json_object_object_add(l, VL_KV_LABEL_DEVICE, json_object_new_string(vm->node->name));
    json_object_object_add(l, VL_KV_LABEL_ROLE, json_object_new_string(vm->role));
    if (vm->card) {
        g_autofree char *router = g_strdup_printf("%s-%s", spec->name, vm->node->name);
        json_object_object_add(l, VL_KV_LABEL_CARD, json_object_new_string(vm->card));
        json_object_object_add(l, VL_KV_LABEL_ROUTER, json_object_new_string(router));
    }
    return l;
}

/* requiredDuringScheduling pod affinity: on the node of the pods labelled @key=@value. */
static json_object *
vl_kv_affinity(const char *key, const char *value)
{
    json_object *aff = json_object_new_object();
    json_object *pa = json_object_new_object();
    json_object *terms = json_object_new_array();
    json_object *term = json_object_new_object();
    json_object *sel = json_object_new_object();
    json_object *match = json_object_new_object();

    json_object_object_add(match, key, json_object_new_string(value));
    json_object_object_add(sel, "matchLabels", match);
    json_object_object_add(term, "labelSelector", sel);
    json_object_object_add(term, "topologyKey", json_object_new_string("kubernetes.io/hostname"));
    json_object_array_add(terms, term);
    json_object_object_add(pa, "requiredDuringSchedulingIgnoredDuringExecution", terms);
    json_object_object_add(aff, "podAffinity", pa);
    return aff;
}

/* The DataVolume template of a persistent disk, named @name, from @src. */
static json_object *
vl_kv_dv_template(const VlKvConfig *cfg, const VlKvSource *src, const char *name)
{
    json_object *t = json_object_new_object();
    json_object *meta = json_object_new_object();
    json_object *spec = json_object_new_object();
    json_object *source = json_object_new_object();
    json_object *kind = json_object_new_object();
    json_object *storage = json_object_new_object();
    json_object *modes = json_object_new_array();
    json_object *res = json_object_new_object();
    json_object *req = json_object_new_object();

    json_object_object_add(meta, "name", json_object_new_string(name));
    json_object_object_add(t, "metadata", meta);
    if (src->kind == VL_KV_SRC_PVC) {
        json_object_object_add(kind, "name", json_object_new_string(src->ref));
        if (src->namespace)
            json_object_object_add(kind, "namespace", json_object_new_string(src->namespace));
        json_object_object_add(source, "pvc", kind);
    } else {
        json_object_object_add(kind, "url", json_object_new_string(src->ref));
        json_object_object_add(source, src->kind == VL_KV_SRC_HTTP ? "http" : "registry", kind);
    }
    json_object_object_add(spec, "source", source);
    json_object_array_add(modes, json_object_new_string(VL_KV_DEFAULT_STORAGE_MODE));
    json_object_object_add(storage, "accessModes", modes);
    json_object_object_add(storage, "volumeMode", json_object_new_string("Filesystem"));
    json_object_object_add(req, "storage", json_object_new_string(src->size));
    json_object_object_add(res, "requests", req);
    json_object_object_add(storage, "resources", res);
    if (cfg->storage_class)
        json_object_object_add(storage, "storageClassName",
                               json_object_new_string(cfg->storage_class));
    json_object_object_add(spec, "storage", storage);
    json_object_object_add(t, "spec", spec);
    return t;
}

/* Where @vm's image setting @key is written: "FILE: PATH" split in two, for messages. */
static void
vl_kv_image_where(const VlVm *vm, const char *key, char **file, char **path)
{
    g_autofree char *where = NULL;
    char *sep;

    vl_spec_report_lookup(vm->node, key, &where);
    sep = where ? strstr(where, ": ") : NULL;
    if (!sep) {
        *file = g_strdup(VL_TOPOLOGY_FILE);
        *path = vl_json_path_key("devices", vm->node->name);
        return;
    }
    *file = g_strndup(where, sep - where);
    *path = g_strdup(sep + 2);
}

/*
 * The root disk of @vm: appends its disk, volume and, for a persistent disk, its DataVolume
 * template; a kernel-booted VM gets firmware.kernelBoot instead.
 * Return: FALSE when its image cannot be mapped (the reason is in @diag).
 */
static gboolean
vl_kv_vm_disk(const VlVm *vm, const VlKvConfig *cfg, json_object *dvts, json_object *domain,
              json_object *disks, json_object *volumes, VlDiag *diag)
{
    const VlNode *node = vm->node;
    gboolean sros = node->sros != NULL;
    gboolean cpm = sros && vm->copy_from;
    const char *image = cpm ? vm->copy_from : sros ? vm->backing_path : node->image;
    gboolean iom = sros && g_strcmp0(vm->role, "iom") == 0;
    const char *key = iom ? "sros.iom_image" : sros ? "sros.cpm_image" : "vm_image";
    g_autofree char *wfile = NULL;
    g_autofree char *where = NULL;
    g_autoptr(VlKvSource) src = NULL;
    json_object *disk, *vol, *inner;

    vl_kv_image_where(vm, key, &wfile, &where);
    if (!image && !sros && node->kernel) {
        g_autofree char *kfile = NULL;
        g_autofree char *kwhere = NULL;
        g_autofree char *kbase = g_path_get_basename(node->kernel);
        json_object *kb = json_object_new_object();
        json_object *c = json_object_new_object();
        json_object *fw = json_object_object_get(domain, "firmware");

        vl_kv_image_where(vm, "vm_kernel", &kfile, &kwhere);
        src = vl_kv_config_source(cfg, node->kernel, FALSE, kfile, kwhere, diag);
        if (!src) {
            json_object_put(kb);
            json_object_put(c);
            return FALSE;
        }
        if (src->kind != VL_KV_SRC_KERNEL_BOOT) {
            vl_kv_diag_once(diag, kfile, kwhere,
                            "kernel '%s' needs a {\"kernel_boot\": IMAGE} entry in %s.images",
                            kbase, cfg->path);
            json_object_put(kb);
            json_object_put(c);
            return FALSE;
        }
        json_object_object_add(c, "image", json_object_new_string(src->ref));
        {
            g_autofree char *kp = g_strconcat("/boot/", kbase, NULL);
            json_object_object_add(c, "kernelPath", json_object_new_string(kp));
        }
        if (node->initrd) {
            g_autofree char *ib = g_path_get_basename(node->initrd);
            g_autofree char *ip = g_strconcat("/boot/", ib, NULL);
            json_object_object_add(c, "initrdPath", json_object_new_string(ip));
        }
        if (vm->cmdline)
            json_object_object_add(kb, "kernelArgs", json_object_new_string(vm->cmdline));
        json_object_object_add(kb, "container", c);
        if (!fw) {
            fw = json_object_new_object();
            json_object_object_add(domain, "firmware", fw);
        }
        json_object_object_add(fw, "kernelBoot", kb);
        return TRUE;
    }
    if (!image) {
        vl_kv_diag_once(diag, wfile, where, "VM '%s' has no disk image to export", vm->name);
        return FALSE;
    }
    src = vl_kv_config_source(cfg, image, cpm, wfile, where, diag);
    if (!src)
        return FALSE;
    if (src->kind == VL_KV_SRC_KERNEL_BOOT) {
        vl_kv_diag_once(diag, wfile, where, "kernel_boot is for vm_kernel images only");
        return FALSE;
    }
    if (cpm && src->kind == VL_KV_SRC_CONTAINER_DISK) {
        vl_kv_diag_once(diag, wfile, where,
                        "a CPM disk is a persistent copy: map it to http, registry or pvc, not "
                        "container_disk");
        return FALSE;
    }
    if (sros && !cpm && src->kind != VL_KV_SRC_CONTAINER_DISK) {
        vl_kv_diag_once(diag, wfile, where,
                        "an IOM disk is a qcow2 containerDisk: map it to an image reference");
        return FALSE;
    }
    disk = json_object_new_object();
    inner = json_object_new_object();
    json_object_object_add(disk, "name", json_object_new_string("rootdisk"));
    json_object_object_add(inner, "bus", json_object_new_string("virtio"));
    json_object_object_add(disk, "disk", inner);
    json_object_object_add(disk, "bootOrder", json_object_new_int(1));
    json_object_array_add(disks, disk);
    vol = json_object_new_object();
    inner = json_object_new_object();
    json_object_object_add(vol, "name", json_object_new_string("rootdisk"));
    if (src->kind == VL_KV_SRC_CONTAINER_DISK) {
        json_object_object_add(inner, "image", json_object_new_string(src->ref));
        json_object_object_add(vol, "containerDisk", inner);
    } else {
        g_autofree char *dv = g_strdup_printf("%s-disk", vm->name);
        json_object_object_add(inner, "name", json_object_new_string(dv));
        json_object_object_add(vol, "dataVolume", inner);
        json_object_array_add(dvts, vl_kv_dv_template(cfg, src, dv));
    }
    json_object_array_add(volumes, vol);
    return TRUE;
}

/* The hook sidecar annotation value: the JSON list KubeVirt reads. */
static char *
vl_kv_hook_annotation(const VlSpec *spec, const VlKvConfig *cfg)
{
    g_autoptr(json_object) list = json_object_new_array();
    json_object *h = json_object_new_object();
    json_object *args = json_object_new_array();
    json_object *cm = json_object_new_object();
    g_autofree char *cm_name = vl_kv_hookcfg_configmap_name(spec);

    json_object_object_add(h, "image", json_object_new_string(cfg->hook_image));
    json_object_array_add(args, json_object_new_string("--version"));
    json_object_array_add(args, json_object_new_string("v1alpha3"));
    json_object_object_add(h, "args", args);
    json_object_object_add(cm, "name", json_object_new_string(cm_name));
    json_object_object_add(cm, "key", json_object_new_string("hook-config.json"));
    json_object_object_add(cm, "hookPath", json_object_new_string(VL_KV_HOOK_CONFIG));
    json_object_object_add(h, "configMap", cm);
    if (cfg->ftp_pvc && !cfg->with_sftp) {
        json_object *pvc = json_object_new_object();
        json_object_object_add(pvc, "name", json_object_new_string(cfg->ftp_pvc));
        json_object_object_add(pvc, "volumePath", json_object_new_string(VL_KV_FTP_PVC_PATH));
        json_object_object_add(h, "pvc", pvc);
    }
    json_object_array_add(list, h);
    return g_strdup(json_object_to_json_string_ext(list, JSON_C_TO_STRING_PLAIN |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* One VirtualMachine. Return: FALSE when it cannot be exported (reasons in @diag). */
static gboolean
vl_kv_vm_build(VlKvExport *e, const VlSpec *spec, const VlVm *vm, const VlKvConfig *cfg,
               const VlKvExportOptions *opts, const char *lab_affinity, VlDiag *diag)
{
    g_autoptr(json_object) doc =
        vl_kv_object_new("kubevirt.io/v1", "VirtualMachine", vm->name, opts);
    json_object *vspec = json_object_new_object();
    json_object *dvts = json_object_new_array();
    json_object *tmpl = json_object_new_object();
    json_object *tmeta = json_object_new_object();
    json_object *tspec = json_object_new_object();
    json_object *domain = json_object_new_object();
    json_object *devices = json_object_new_object();
    json_object *disks = json_object_new_array();
    json_object *ifaces = json_object_new_array();
    json_object *networks = json_object_new_array();
    json_object *volumes = json_object_new_array();
    json_object *res = json_object_new_object();
    json_object *req = json_object_new_object();
    json_object *cpu = json_object_new_object();
    g_autofree char *mem = g_strdup_printf("%" G_GUINT64_FORMAT "Mi", vm->memory_mb);
    gboolean ok;

    json_object_object_add(json_object_object_get(doc, "metadata"), "labels",
                           vl_kv_vm_labels(spec, vm));
    json_object_object_add(doc, "spec", vspec);
    json_object_object_add(vspec, "runStrategy", json_object_new_string("Always"));
    json_object_object_add(tmeta, "labels", vl_kv_vm_labels(spec, vm));
    if (vm->node->sros) {
        json_object *ann = json_object_new_object();
        g_autofree char *hooks = vl_kv_hook_annotation(spec, cfg);
        json_object_object_add(ann, "hooks.kubevirt.io/hookSidecars",
                               json_object_new_string(hooks));
        json_object_object_add(tmeta, "annotations", ann);
    }
    json_object_object_add(tmpl, "metadata", tmeta);
    json_object_object_add(tmpl, "spec", tspec);

    if (cfg->node_selector)
        json_object_object_add(tspec, "nodeSelector", json_object_get(cfg->node_selector));
    if (lab_affinity) {
        json_object_object_add(tspec, "affinity", vl_kv_affinity(VL_KV_LABEL_LAB, lab_affinity));
    } else if (vm->card) {
        g_autofree char *router = g_strdup_printf("%s-%s", spec->name, vm->node->name);
        json_object_object_add(tspec, "affinity", vl_kv_affinity(VL_KV_LABEL_ROUTER, router));
    }
    json_object_object_add(tspec, "domain", domain);
    json_object_object_add(cpu, "cores", json_object_new_int((int)vm->cpus));
    json_object_object_add(domain, "cpu", cpu);
    if (vm->uuid) {
        json_object *fw = json_object_new_object();
        json_object_object_add(fw, "uuid", json_object_new_string(vm->uuid));
        json_object_object_add(domain, "firmware", fw);
    }
    json_object_object_add(req, "memory", json_object_new_string(mem));
    json_object_object_add(res, "requests", req);
    json_object_object_add(domain, "resources", res);
    json_object_object_add(domain, "devices", devices);
    /* the hook turns serial 0 into a telnet console: no KubeVirt serial console then */
    if (vm->node->sros && cfg->telnet_console)
        json_object_object_add(devices, "autoattachSerialConsole", json_object_new_boolean(FALSE));
    json_object_object_add(devices, "disks", disks);
    json_object_object_add(devices, "interfaces", ifaces);
    json_object_object_add(tspec, "networks", networks);
    json_object_object_add(tspec, "volumes", volumes);

    ok = vl_kv_vm_disk(vm, cfg, dvts, domain, disks, volumes, diag);
    vl_kv_net_vm_attach(spec, vm, ifaces, networks);
    if (json_object_array_length(dvts))
        json_object_object_add(vspec, "dataVolumeTemplates", json_object_get(dvts));
    json_object_put(dvts);
    json_object_object_add(vspec, "template", tmpl);
    if (!ok)
        return FALSE;
    vl_kv_export_add(e, "vm", g_steal_pointer(&doc));
    return TRUE;
}

/* Kubernetes names: every VM, and the lab and devices that name networks. */
static void
vl_kv_check_names(const VlSpec *spec, VlDiag *diag)
{
    if (!vl_kv_name_is_valid(spec->name) || strlen(spec->name) > 40)
        vl_diag_error(diag, VL_TOPOLOGY_FILE, "name",
                      "lab name '%s' is not a Kubernetes name prefix (lowercase letters, digits "
                      "and '-', at most 40)",
                      spec->name);
    for (guint i = 0; i < spec->vms->len; i++) {
        const VlVm *vm = g_ptr_array_index(spec->vms, i);
        g_autofree char *path = vl_json_path_key("devices", vm->node->name);
        if (!vl_kv_name_is_valid(vm->name))
            vl_diag_error(diag, VL_TOPOLOGY_FILE, path,
                          "VM name '%s' is not a Kubernetes name (lowercase letters, digits and "
                          "'-', at most 63)",
                          vm->name);
        else if (!vl_kv_name_is_valid(vm->node->name))
            vl_diag_error(diag, VL_TOPOLOGY_FILE, path,
                          "device name '%s' is not a Kubernetes name (lowercase letters, digits "
                          "and '-')",
                          vm->node->name);
    }
}

/* Return: TRUE if @spec has a distributed SR OS router (cards kept on one node). */
static gboolean
vl_kv_has_cards(const VlSpec *spec)
{
    for (guint i = 0; i < spec->vms->len; i++) {
        if (((const VlVm *)g_ptr_array_index(spec->vms, i))->card)
            return TRUE;
    }
    return FALSE;
}

/* Return: TRUE if @spec has an SR OS VM (one the hook edits). */
static gboolean
vl_kv_has_sros(const VlSpec *spec)
{
    for (guint i = 0; i < spec->vms->len; i++) {
        if (((const VlVm *)g_ptr_array_index(spec->vms, i))->node->sros)
            return TRUE;
    }
    return FALSE;
}

VlKvExport *
vl_kv_export_build(const VlSpec *spec, const VlKvConfig *cfg, const VlKvExportOptions *opts,
                   VlDiag *diag)
{
    g_autoptr(VlKvExport) e = g_new0(VlKvExport, 1);
    guint errors = vl_diag_count(diag, VL_DIAG_ERROR);
    gboolean node_local = !cfg->link_nad_template && spec->links->len > 0;
    g_autoptr(json_object) ftp = NULL;

    g_return_val_if_fail(!cfg->with_sftp || opts->sftp_keys, NULL);
    e->objects = g_ptr_array_new_with_free_func(vl_kv_object_free);
    e->notes = g_ptr_array_new_with_free_func(g_free);
    vl_kv_check_names(spec, diag);
    if (vl_diag_count(diag, VL_DIAG_ERROR) > errors)
        return NULL;
    for (guint i = 0; i < spec->vms->len; i++)
        vl_kv_vm_build(e, spec, g_ptr_array_index(spec->vms, i), cfg, opts,
                       node_local ? spec->name : NULL, diag);
    vl_kv_net_build(e, spec, cfg, opts);
    if (cfg->with_sftp) {
        if (!vl_kv_has_sros(spec)) {
            vl_diag_error(diag, VL_TOPOLOGY_FILE, "devices",
                          "--with-sftp: the lab has no SR OS router (the SFTP server is the "
                          "backend of their hook's FTP proxy)");
            return NULL;
        }
        ftp = vl_kv_sftp_hook_ftp(spec, cfg, opts);
    }
    e->hook_config = vl_kv_hookcfg_build(spec, cfg, ftp ? ftp : cfg->ftp);
    /* with --with-sftp the hook's configuration holds the proxy's client key */
    e->hook_private = ftp != NULL;
    if (e->hook_config)
        vl_kv_export_add(e, "configmap", vl_kv_hookcfg_configmap(spec, e->hook_config, opts))
            ->mode = ftp ? 0600 : 0644;
    if (ftp) {
        vl_kv_sftp_build(e, spec, cfg, opts);
        /* KubeVirt's hookSidecars mount a ConfigMap and a PVC, no Secret */
        g_ptr_array_add(e->notes,
                        g_strdup("the hook's ConfigMap holds the FTP proxy's SFTP client key (a "
                                 "hook sidecar cannot mount a Secret): whoever may read "
                                 "ConfigMaps in the namespace can read the lab's SFTP files"));
    }
    if (node_local)
        g_ptr_array_add(
            e->notes, g_strdup_printf("all VMs of lab '%s' are kept on one node (pod affinity): "
                                      "its links are node-local bridges; set %s.link_nad_template "
                                      "for a CNI that spans nodes",
                                      spec->name, cfg->path));
    else if (vl_kv_has_cards(spec))
        g_ptr_array_add(e->notes, g_strdup("the cards of each SR OS router are kept on one node "
                                           "(pod affinity): their fabric is a node-local bridge"));
    if (vl_diag_count(diag, VL_DIAG_ERROR) > errors)
        return NULL;
    return g_steal_pointer(&e);
}
