/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-config-write.h - editing the FTP proxy's config file: typed routers, rules, backends */
#pragma once

#include <glib.h>
#include <json-c/json.h>

/*
 * The writing side of the schema vl-ftp-config.c parses (docs/ftp-proxy.md): labs add their
 * routers and backends through these calls instead of spelling its keys. An edit keeps what it
 * does not own: unknown members, other labs' entries and hand-written settings stay as they are.
 * Everything one lab adds is keyed "<lab>/<name>" (vl_ftp_config_lab_key()), so removing a lab
 * removes exactly its routers and backends.
 */
typedef struct _VlFtpConfigFile VlFtpConfigFile;

/* One rule of a router: the virtual @path served from @target on @backend (read-only). */
typedef struct {
    const char *path;
    const char *backend;
    const char *target;
} VlFtpConfigRule;

/**
 * VlFtpConfigRouter:
 * @login: the FTP login
 * @password_file: the file holding the password (owner-only)
 * @lab: (nullable): the lab; with @vsim the config folder defaults to /data/cfgs/<lab>/<vsim>
 * @vsim: (nullable): the device
 * @rules: (array length=n_rules): the read-only rules
 * @config_path: (nullable): the writable config folder's virtual path, e.g. "/config"; NULL: none
 * @config_backend: the config folder's backend
 */
typedef struct {
    const char *login;
    const char *password_file;
    const char *lab;
    const char *vsim;
    const VlFtpConfigRule *rules;
    guint n_rules;
    const char *config_path;
    const char *config_backend;
} VlFtpConfigRouter;

/* Return: (transfer full): "<lab>/<name>", the key of a lab's router or backend. */
char *vl_ftp_config_lab_key(const char *lab, const char *name);

/**
 * vl_ftp_config_file_load:
 * @path: the config file; a missing one is a new config listening on 127.0.0.1:21
 *
 * Missing "routers" and "backends" are taken as empty.
 * Return: (transfer full): the config to edit, or NULL with a VL_ERROR (VL_ERROR_INVALID when
 * the file is not an object or one of those members is not an object; "FILE: MEMBER: ...").
 */
VlFtpConfigFile *vl_ftp_config_file_load(const char *path, GError **error);
void vl_ftp_config_file_free(VlFtpConfigFile *file);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlFtpConfigFile, vl_ftp_config_file_free)

/* Sets the listen address. Return: TRUE, or FALSE if the proxy would reject it (no change). */
gboolean vl_ftp_config_file_set_listen(VlFtpConfigFile *file, const char *listen, GError **error);

/* Return: TRUE if the config has a backend named @name. */
gboolean vl_ftp_config_file_has_backend(VlFtpConfigFile *file, const char *name);

/* Adds (or replaces) backend @name: a local folder, files below @root. */
void vl_ftp_config_file_set_local_backend(VlFtpConfigFile *file, const char *name,
                                          const char *root);

/**
 * vl_ftp_config_file_set_backend:
 * @name: the backend's key
 * @definition: a backend in the proxy's own format (a lab's vmlab.ftp.backends entry)
 *
 * Adds (or replaces) backend @name with a copy of @definition; the proxy checks it on load.
 * Return: TRUE, or FALSE with VL_ERROR_INVALID if @definition is not an object.
 */
gboolean vl_ftp_config_file_set_backend(VlFtpConfigFile *file, const char *name,
                                        json_object *definition, GError **error);

/* Adds (or replaces) router @name. */
void vl_ftp_config_file_set_router(VlFtpConfigFile *file, const char *name,
                                   const VlFtpConfigRouter *router);

/**
 * vl_ftp_config_file_remove_lab:
 * @lab: a lab name
 *
 * Removes the routers and backends keyed "<@lab>/...".
 * Return: how many routers remain.
 */
guint vl_ftp_config_file_remove_lab(VlFtpConfigFile *file, const char *lab);

/* Return: how many routers the config has. */
guint vl_ftp_config_file_n_routers(VlFtpConfigFile *file);

/* Writes the config back to its file atomically, mode 0600. Return: TRUE, or FALSE with error. */
gboolean vl_ftp_config_file_write(VlFtpConfigFile *file, GError **error);
