/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-kv-export.h - a lab as KubeVirt manifests: VirtualMachines, Multus networks, hook config */
#pragma once

#include "vl-kv-config.h"
#include "vl-spec.h"

#include <glib.h>
#include <json-c/json.h>

#define VL_KV_LABEL_LAB    "vmlab.io/lab"
#define VL_KV_LABEL_DEVICE "vmlab.io/device"
#define VL_KV_LABEL_ROLE   "vmlab.io/role"
#define VL_KV_LABEL_CARD   "vmlab.io/card"
#define VL_KV_LABEL_ROUTER "vmlab.io/router"
#define VL_KV_HOOK_CONFIG  "/etc/vmlab/hook-config.json"

/* One emitted object and the file it goes to. */
typedef struct {
    char *file;       /* e.g. "vm-vsim-2-a.yaml" */
    json_object *doc; /* the object */
    int mode;         /* the file's mode: 0644, or 0600 for objects holding private keys */
} VlKvObject;

typedef struct VlKvSftpKeys VlKvSftpKeys;

typedef struct {
    const char *namespace;         /* (nullable) metadata.namespace of every object */
    const VlKvSftpKeys *sftp_keys; /* (nullable) --with-sftp: the SFTP server's keys */
} VlKvExportOptions;

typedef struct {
    GPtrArray *objects;       /* VlKvObject, in kustomization order */
    json_object *hook_config; /* (nullable) what the hook ConfigMap holds; NULL without SR OS */
    gboolean hook_private;    /* hook_config holds a private key: hook-config.json is 0600 */
    GPtrArray *notes;         /* char *: what the user must know (placement) */
} VlKvExport;

void vl_kv_export_free(VlKvExport *e);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlKvExport, vl_kv_export_free)

/**
 * vl_kv_export_build:
 * @spec: a loaded, valid spec
 * @cfg: its vmlab.kubevirt settings
 * @diag: receives every reason the spec cannot be exported, as "FILE: PATH: message"
 *
 * Builds every object; the output depends only on @spec, @cfg and @opts (its keys included).
 * With --with-sftp (cfg->with_sftp, opts->sftp_keys set) a lab without SR OS VMs is an error.
 * Return: (transfer full) (nullable): the manifests, or NULL when @diag has errors.
 */
VlKvExport *vl_kv_export_build(const VlSpec *spec, const VlKvConfig *cfg,
                               const VlKvExportOptions *opts, VlDiag *diag);

/**
 * vl_kv_export_write:
 * @dir: the output folder (created), or "-" for one YAML stream on stdout
 * @out: (nullable): receives the stream when @dir is "-"
 *
 * Writes one file per object, kustomization.yaml and (with SR OS VMs) hook-config.json.
 * Return: TRUE on success.
 */
gboolean vl_kv_export_write(const VlKvExport *e, const char *dir, const char *namespace,
                            GString *out, GError **error);

/* For the builders of vl-kv-*.c: a new object with apiVersion, kind and metadata. */
json_object *vl_kv_object_new(const char *api, const char *kind, const char *name,
                              const VlKvExportOptions *opts);
/* Appends @doc (taking it) to @e as "@prefix-NAME.yaml". Return: (transfer none): its entry. */
VlKvObject *vl_kv_export_add(VlKvExport *e, const char *prefix, json_object *doc);
