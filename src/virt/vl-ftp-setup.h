/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-setup.h - a lab's side of the FTP proxy: router logins, the shared proxy config, its
 * process */
#pragma once

#include "vl-spec.h"

/* One SR OS router's FTP identity (shared by its CPM and IOM VMs). */
typedef struct {
    char *login;
    char *password;
    char *password_file;
} VlFtpCreds;

void vl_ftp_creds_free(VlFtpCreds *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlFtpCreds, vl_ftp_creds_free)

/* The paths a router's boot files name on the proxy (fixed for every router). */
#define VL_FTP_IMAGE_PATH  "sros/"
#define VL_FTP_CONFIG_PATH "config/config.cfg"

/**
 * vl_ftp_lab_credentials:
 * @node: an SR OS device of @spec
 *
 * Returns the router's login and password, generating them on first use: the login is derived
 * from lab and device (at most 20 characters, as nvram.dat allows), the password is random; both
 * are kept in <lab dir>/ftp/<device>.password (mode 0600, "login:password").
 * Return: (transfer full): the credentials, or NULL with an error.
 */
VlFtpCreds *vl_ftp_lab_credentials(const VlSpec *spec, const VlNode *node, GError **error);

/* Return: (transfer full): the shared proxy's folder: <state dir>/ftp. */
char *vl_ftp_proxy_dir(void);

/**
 * vl_ftp_proxy_update:
 * @spec: the lab
 *
 * Puts the lab's SR OS routers into the proxy's config (<state dir>/ftp/proxy.json, mode 0600;
 * the routers of other labs are kept), then starts the proxy if it is not running or tells it to
 * reload (SIGHUP). A lab without SR OS devices only has its old routers removed.
 * Return: TRUE on success.
 */
gboolean vl_ftp_proxy_update(const VlSpec *spec, GError **error);

/**
 * vl_ftp_proxy_remove_lab:
 *
 * Removes the routers of lab @lab from the proxy's config; reloads the proxy, or stops it when it
 * serves no router any more.
 * Return: TRUE on success (also when there is no proxy).
 */
gboolean vl_ftp_proxy_remove_lab(const char *lab, GError **error);
