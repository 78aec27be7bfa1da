/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-cli.h - what the command implementations share: the command signature and spec loading */
#pragma once

#include "vl-conn.h"
#include "vl-render.h"
#include "vl-spec.h"

#include <glib.h>

/* Every command: argv[0] is the command's name. Return: TRUE on success, else FALSE with @error. */
typedef gboolean (*VlCommandFunc)(int argc, char **argv, GError **error);

/**
 * vl_cli_spec_load:
 * @dir: the spec folder named on the command line
 * @need_images: make a missing image file an error (for `up`), not a warning
 *
 * Loads and validates the whole spec, prints its warnings to stderr, and turns its errors into one
 * VL_ERROR_INVALID error listing every one of them.
 * Return: (transfer full): the model, or NULL with @error set.
 */
VlSpec *vl_cli_spec_load(const char *dir, gboolean need_images, GError **error);

/**
 * vl_cli_parse:
 * @ctx: the command's option context (its summary and entries already set)
 *
 * Parses options; turns a wrong option into a VL_ERROR_USAGE error that says how to get help.
 * Return: TRUE on success.
 */
gboolean vl_cli_parse(GOptionContext *ctx, int *argc, char ***argv, GError **error);

/**
 * vl_cli_known_hosts_forget:
 *
 * Drops the entry of [@host]:@port from an OpenSSH known_hosts file (atomically), so the next
 * login records the key of a VM that booted from a fresh disk.
 */
void vl_cli_known_hosts_forget(const char *path, const char *host, guint port);

/**
 * vl_cli_lab_vms:
 * @lab: (nullable): restrict to this lab
 * @name: a domain name or a device (node) name
 *
 * Return: (transfer full): the vmlab domain names matching @name (a device may have several), or
 *   NULL with an error when there are none or they span several labs.
 */
GPtrArray *vl_cli_lab_vms(virConnectPtr conn, const char *lab, const char *name, char **lab_out,
                          GError **error);

/**
 * vl_cli_renderer_new:
 * @virt_type: (nullable): --virt-type
 * @conn: (nullable): the connection whose host is judged; NULL judges this machine
 * @line: (out) (optional): the "virt type ...: reason" line to show the user
 *
 * Chooses the virt type (vl_virt_type_choose(): option, $VMLAB_VIRT_TYPE, vmlab.virt_type, else
 * what the host can run) and makes a renderer for it.
 * Return: (transfer full): the renderer, or NULL with an error.
 */
VlRenderer *vl_cli_renderer_new(const char *virt_type, const VlSpec *spec, virConnectPtr conn,
                                char **line, GError **error);

gboolean vl_cmd_up(int argc, char **argv, GError **error);
gboolean vl_cmd_down(int argc, char **argv, GError **error);
gboolean vl_cmd_status(int argc, char **argv, GError **error);
gboolean vl_cmd_start(int argc, char **argv, GError **error);
gboolean vl_cmd_stop(int argc, char **argv, GError **error);
gboolean vl_cmd_console(int argc, char **argv, GError **error);
gboolean vl_cmd_ssh(int argc, char **argv, GError **error);
gboolean vl_cmd_exec(int argc, char **argv, GError **error);
gboolean vl_cmd_validate(int argc, char **argv, GError **error);
gboolean vl_cmd_render(int argc, char **argv, GError **error);
