/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-config.h - the FTP proxy's configuration: JSON file or single-router command line */
#pragma once

#include "vl-ftp-backend.h"
#include "vl-ftp-listen.h"
#include "vl-ftp-router.h"

#include <gio/gio.h>

/* Defaults, in seconds or counts (vsftpd's choices, with shorter login and data waits). */
#define VL_FTP_DEFAULT_IDLE_TIMEOUT    300
#define VL_FTP_DEFAULT_DATA_TIMEOUT    60
#define VL_FTP_DEFAULT_LOGIN_TIMEOUT   60
#define VL_FTP_DEFAULT_PASV_WINDOW     10
#define VL_FTP_DEFAULT_BACKEND_TIMEOUT 30
#define VL_FTP_DEFAULT_MAX_SESSIONS    256
#define VL_FTP_DEFAULT_MAX_PER_ROUTER  32
#define VL_FTP_DEFAULT_MAX_LOGIN_FAILS 3

/*
 * Immutable once built and shared by reference: a reload builds a new one and swaps it in, so
 * sessions keep the configuration they logged in with until they end.
 */
typedef struct {
    gint ref_count;
    char *listen;     /* "ADDR:PORT" */
    guint16 pasv_min; /* 0: any port */
    guint16 pasv_max;
    guint idle_timeout; /* seconds */
    guint data_timeout;
    guint login_timeout;
    guint pasv_window; /* seconds a passive listener waits for its one connection */
    guint max_sessions;
    guint max_per_router;
    guint max_login_fails;
    GHashTable *backends; /* name -> VlFtpBackend */
    GPtrArray *routers;   /* (element-type VlFtpRouter) */
} VlFtpConfig;

VlFtpConfig *vl_ftp_config_new(void);
VlFtpConfig *vl_ftp_config_ref(VlFtpConfig *config);
void vl_ftp_config_unref(VlFtpConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlFtpConfig, vl_ftp_config_unref)

/**
 * vl_ftp_config_load:
 * @path: the JSON configuration file (format: docs/ftp-proxy.md)
 *
 * Parses and checks the file: unknown members, missing backends, bad paths and password files
 * readable by others are errors. A file holding inline passwords must not be group- or
 * world-readable.
 * Return: (transfer full): the configuration, or NULL with a VL_ERROR_INVALID ("FILE: PATH:
 * message") or VL_ERROR_IO error.
 */
VlFtpConfig *vl_ftp_config_load(const char *path, GError **error);

/**
 * vl_ftp_config_new_single:
 * @listen: "ADDR:PORT"
 * @root: the folder served as the router's whole tree, read-only
 * @user: (nullable): the only login accepted; NULL accepts any login and password
 * @password_file: (nullable): a file readable only by its owner holding the password
 * @writable: (nullable): sub-folders of @root that may be written (created when missing)
 *
 * Return: (transfer full): a one-router configuration on a local backend, or NULL with an error.
 */
VlFtpConfig *vl_ftp_config_new_single(const char *listen, const char *root, const char *user,
                                      const char *password_file, const char *const *writable,
                                      GError **error);

/**
 * vl_ftp_config_find_router:
 * @login: the USER argument
 *
 * Return: (transfer none) (nullable): the router owning @login (or the any-login router).
 */
const VlFtpRouter *vl_ftp_config_find_router(const VlFtpConfig *config, const char *login);

/**
 * vl_ftp_read_password_file:
 * @path: a file holding the password on its first line
 *
 * Return: (transfer full): the password without its line end, or NULL with a VL_ERROR_INVALID
 * error if the file is readable by group or others, VL_ERROR_IO if it cannot be read.
 */
char *vl_ftp_read_password_file(const char *path, GError **error);
