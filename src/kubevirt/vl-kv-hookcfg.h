/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-kv-hookcfg.h - the onDefineDomain hook's configuration: written by export, read by the hook */
#pragma once

#include "vl-kv-export.h"

/* What the hook does for one VMI. */
typedef struct {
    char *name;               /* the VMI's name */
    char *lab;                /* the lab's name */
    char *device;             /* the device (router) the VMI is a card of */
    char *disk;               /* "cpm", "iom" or "none" */
    char *smbios_product;     /* (nullable) the TIMOS: line */
    guint telnet_console;     /* 0, or the pod port of a telnet serial console */
    char *timos_path;         /* (nullable) the router's TiMOS folder on the backend */
    char *config_path;        /* (nullable) the router's config folder on the backend */
    json_object *ftp_backend; /* (nullable) the lab's ftp.backend: an ftp-proxy backend */
    char *ftp_known_hosts;    /* (nullable) known_hosts text for an SFTP backend (--with-sftp) */
    char *ftp_client_key;     /* (nullable) the SFTP backend's private key text (--with-sftp) */
    char *ftp_login;          /* the login the router's nvram.dat / bof.cfg use */
    char *ftp_password;
} VlKvHookVm;

void vl_kv_hook_vm_free(VlKvHookVm *vm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlKvHookVm, vl_kv_hook_vm_free)

/* Return: (transfer full): "LAB-vmlab-hook", the ConfigMap's name. */
char *vl_kv_hookcfg_configmap_name(const VlSpec *spec);

/**
 * vl_kv_hookcfg_build:
 *
 * @ftp: (nullable): the "ftp" object: {"backend", "login", "password"} (vmlab.kubevirt.ftp), or
 *   with --with-sftp also "known_hosts" (text) and "client_key" (a private key)
 *
 * {"lab": LAB, "ftp": @ftp, "vms": {VMI: {"device", "disk", "smbios_product",
 * "telnet_console", "timos_path", "config_path"}}} for every SR OS VM.
 * Return: (transfer full) (nullable): the configuration, NULL when the lab has no SR OS VM.
 */
json_object *vl_kv_hookcfg_build(const VlSpec *spec, const VlKvConfig *cfg, json_object *ftp);

/* Return: (transfer full): the ConfigMap holding @hook_config as "hook-config.json". */
json_object *vl_kv_hookcfg_configmap(const VlSpec *spec, json_object *hook_config,
                                     const VlKvExportOptions *opts);

/**
 * vl_kv_hookcfg_lookup:
 * @path: the configuration file
 * @vmi: the VMI's name
 *
 * Return: (transfer full): the VMI's entry, or NULL with an error (unreadable file, bad JSON,
 *   no entry for @vmi).
 */
VlKvHookVm *vl_kv_hookcfg_lookup(const char *path, const char *vmi, GError **error);
