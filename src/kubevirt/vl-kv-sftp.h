/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-kv-sftp.h - the SFTP server of `kubevirt export --with-sftp`: keys and manifests */
#pragma once

#include "vl-kv-export.h"

#define VL_KV_SFTP_ROOT "/srv/sftp"       /* the chroot: PVC subPaths images/ and data/ */
#define VL_KV_SFTP_RUN  "/run/vmlab-sftp" /* host key and authorized_keys, copied at start */
#define VL_KV_SFTP_USER "root"            /* key only, SFTP only, chrooted */

/* The server's host key and the proxy's client key: OpenSSH private keys and public lines. */
struct VlKvSftpKeys {
    char *host_key;   /* the host private key (OpenSSH PEM text) */
    char *host_pub;   /* "TYPE BASE64" of the host key */
    char *client_key; /* the proxy's private key */
    char *client_pub; /* "TYPE BASE64 COMMENT" of the client key */
};

void vl_kv_sftp_keys_free(VlKvSftpKeys *keys);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlKvSftpKeys, vl_kv_sftp_keys_free)

/**
 * vl_kv_sftp_keys_load:
 * @lab: the lab's name, for the comments of generated keys
 * @host_key_file: (nullable): a private host key (--sftp-host-key); NULL: generate one
 * @client_key_file: (nullable): the proxy's private key (--sftp-client-key); NULL: generate
 *
 * Generates missing keys with `ssh-keygen -t ed25519` (OS randomness) in a private temporary
 * folder it removes again; reads given keys and derives their public lines with
 * `ssh-keygen -y` (which refuses a key file others can read, and keys with a passphrase).
 * No key is ever on a command line.
 * Return: (transfer full): the keys, or NULL with an error naming the file.
 */
VlKvSftpKeys *vl_kv_sftp_keys_load(const char *lab, const char *host_key_file,
                                   const char *client_key_file, GError **error);

/* Return: (transfer full): the Service's host name the proxy connects to: "LAB-vmlab-sftp" (the
 * pod's namespace), or "LAB-vmlab-sftp.NS.svc" with a namespace. */
char *vl_kv_sftp_host(const VlSpec *spec, const VlKvExportOptions *opts);

/**
 * vl_kv_sftp_hook_ftp:
 *
 * Return: (transfer full): the hook configuration's "ftp" object: the SFTP backend (the
 *   Service), its known_hosts line, the client key, and the routers' login and password.
 */
json_object *vl_kv_sftp_hook_ftp(const VlSpec *spec, const VlKvConfig *cfg,
                                 const VlKvExportOptions *opts);

/* Appends the files PVC (unless ftp.pvc names an existing one), the two key Secrets, the sshd
 * ConfigMap, the Deployment and the Service to @e. */
void vl_kv_sftp_build(VlKvExport *e, const VlSpec *spec, const VlKvConfig *cfg,
                      const VlKvExportOptions *opts);
