/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-kv-config.h - the vmlab.kubevirt settings of a spec and where each VM's disk comes from */
#pragma once

#include "vl-spec.h"

#include <glib.h>
#include <json-c/json.h>

#define VL_KV_DEFAULT_HOOK_IMAGE   "localhost/vmlab-virt-hook:latest"
#define VL_KV_DEFAULT_DISK_SIZE    "4Gi"
#define VL_KV_DEFAULT_STORAGE_MODE "ReadWriteOnce"
#define VL_KV_FTP_PVC_PATH         "/srv/vmlab"
#define VL_KV_DEFAULT_FTP_LOGIN    "sw"
#define VL_KV_DEFAULT_FTP_PASSWORD "sw123"
#define VL_KV_DEFAULT_SFTP_IMAGE   "localhost/vmlab-sftp:latest"
#define VL_KV_DEFAULT_SFTP_SIZE    "20Gi"

typedef enum {
    VL_KV_SRC_CONTAINER_DISK, /* a containerDisk volume */
    VL_KV_SRC_HTTP,           /* DataVolume imported from a URL */
    VL_KV_SRC_REGISTRY,       /* DataVolume imported from a registry image */
    VL_KV_SRC_PVC,            /* DataVolume cloned from a PVC */
    VL_KV_SRC_KERNEL_BOOT,    /* a container image holding the kernel and initrd under /boot */
} VlKvSourceKind;

/* Where one spec image comes from on the cluster. */
typedef struct {
    VlKvSourceKind kind;
    char *ref;       /* image reference, URL, or PVC name */
    char *namespace; /* (nullable) PVC namespace */
    char *size;      /* DataVolume size, e.g. "4Gi" */
} VlKvSource;

void vl_kv_source_free(VlKvSource *src);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlKvSource, vl_kv_source_free)

/* The vmlab.kubevirt section, checked. */
typedef struct {
    json_object *images;            /* (nullable) image name -> source */
    char *storage_class;            /* (nullable) */
    char *hook_image;               /* the sidecar image */
    char *disk_size;                /* default DataVolume size */
    json_object *node_selector;     /* (nullable) label -> value */
    json_object *link_nad_template; /* (nullable) a CNI config with ${...} placeholders */
    guint telnet_console;           /* 0, or the pod port of the hook's telnet serial console */
    json_object *ftp;               /* (nullable) {"backend", "login", "password"} for the hook */
    char *ftp_pvc;                  /* (nullable) PVC mounted in the hook sidecar at
                                       VL_KV_FTP_PVC_PATH, the proxy's local backend; with
                                       --with-sftp the existing claim the SFTP server serves */
    gboolean with_sftp;             /* --with-sftp: the lab's SFTP server is the proxy's backend */
    char *sftp_image;               /* the SFTP server's image (vmlab.kubevirt.sftp.image) */
    char *sftp_pvc;                 /* (nullable) the name of the files PVC the export makes
                                       (without ftp.pvc); NULL: "LAB-vmlab-files" */
    char *sftp_size;                /* that PVC's size */
    char *sftp_storage_class;       /* (nullable) its storage class; NULL: storage_class */
    char *path;                     /* "vmlab.kubevirt" (or "newtlab.kubevirt") */
} VlKvConfig;

void vl_kv_config_free(VlKvConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlKvConfig, vl_kv_config_free)

/**
 * vl_kv_config_load:
 * @spec: a loaded spec
 * @with_sftp: the export adds the SFTP server (--with-sftp): it is the FTP proxy's backend, so
 *   ftp.backend is an error then, ftp.pvc the claim it serves, and the ftp section optional
 * @diag: receives one error per bad setting, as "topology.json: vmlab.kubevirt.KEY: ..."
 *
 * Return: (transfer full): the settings (defaults where absent); check @diag for errors.
 */
VlKvConfig *vl_kv_config_load(const VlSpec *spec, gboolean with_sftp, VlDiag *diag);

/**
 * vl_kv_config_source:
 * @image: a spec image value: an absolute path or an oci:// reference
 * @file: the file to name in messages
 * @where: the JSON path to name in messages
 *
 * Looks @image up in the image map (by its file name, or by the reference as written). An
 * unmapped oci:// reference is a containerDisk of the same reference (a registry DataVolume
 * when @persistent); an unmapped file is an error in @diag.
 * Return: (transfer full) (nullable): the source, or NULL with an error added to @diag.
 */
VlKvSource *vl_kv_config_source(const VlKvConfig *cfg, const char *image, gboolean persistent,
                                const char *file, const char *where, VlDiag *diag);

/* Adds an error to @diag unless the same one is already there (several VMs share a setting). */
void vl_kv_diag_once(VlDiag *diag, const char *file, const char *path, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

/* Return: TRUE if @name is a DNS-1123 label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63 long. */
gboolean vl_kv_name_is_valid(const char *name);
