/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-cli.h - what the command implementations share: the command signature and spec loading */
#pragma once

#include "vl-conn.h"
#include "vl-lab-hosts.h"
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

/* Return: (nullable): the -S/--specs DIR given to this command (parsed by vl_cli_parse()). */
const char *vl_cli_specs(void);

/**
 * vl_cli_spec_arg:
 * @argc: the arguments left after vl_cli_parse(), argv[0] the command
 * @dir: (out): the spec folder: SPECDIR (argv[1]) or -S DIR; NULL when neither was given
 *
 * Return: TRUE, or FALSE with a VL_ERROR_USAGE error when more than one folder is named.
 */
gboolean vl_cli_spec_arg(int argc, char **argv, const char **dir, GError **error);

/**
 * vl_cli_split_command:
 * @argc: (inout): the arguments; on return, the number before the first "--"
 * @command: (out): what follows the first "--" (NULL-terminated, in @argv), or NULL without "--"
 *
 * Call before vl_cli_parse() in commands that run a command line: GLib would keep "--" in argv
 * when dashed arguments follow it, and take those for its own options without it.
 * Return: the number of arguments in @command.
 */
int vl_cli_split_command(int *argc, char **argv, char ***command);

/**
 * vl_cli_lab_deployed:
 *
 * The labs deployed here are the folders $VMLAB_HOME/labs/LAB holding a state.json.
 * Return: (transfer full): the name of the only one, or NULL with an error: VL_ERROR_FAILED when
 *   there is none, VL_ERROR_USAGE (naming them) when there are several.
 */
char *vl_cli_lab_deployed(GError **error);

/**
 * vl_cli_lab_resolve:
 * @lab: (nullable): --lab NAME
 * @dir: (nullable): SPECDIR or -S DIR
 * @need: without @lab and @dir, fall back to the one deployed lab (an error if none or several)
 *
 * The lab a command is about: --lab (checked to be a lab name), or the name of the spec in @dir,
 * or the one deployed lab. Naming it twice is a usage error.
 * Return: (transfer full) (nullable): the lab name; NULL with @error set, or NULL without an
 *   error when @need is FALSE and none was named.
 */
char *vl_cli_lab_resolve(const char *lab, const char *dir, gboolean need, GError **error);

/**
 * vl_cli_lab_vms:
 * @lab: (nullable): restrict to this lab
 * @name: a domain name or a device (node) name
 *
 * Return: (transfer full): the vmlab domain names matching @name (a device may have several), or
 *   NULL with an error: VL_ERROR_FAILED when @lab (or, without it, any lab) is not up,
 *   VL_ERROR_USAGE when no domain matches or they span several labs.
 */
GPtrArray *vl_cli_lab_vms(virConnectPtr conn, const char *lab, const char *name, char **lab_out,
                          GError **error);

/* vl_cli_lab_vms() on the domains @doms (name -> VlDomainMeta or VlLabDomain) found @where. */
GPtrArray *vl_cli_lab_vms_in(GHashTable *doms, const char *where, const char *lab, const char *name,
                             char **lab_out, GError **error);

/**
 * vl_cli_lab_host_find:
 * @metas: the deployed domains (name -> VlDomainMeta or VlLabDomain)
 * @lab: (nullable): the lab to look in
 * @name: a device name
 * @domain: (out) (optional): the domain of the VM holding @name's namespace
 *
 * Coalesced hosts have no domain of their own: the specs of the labs with host VMs say which VM
 * holds them.
 * Return: (transfer full) (nullable): the spec of the lab where @name is a coalesced host; NULL
 * (and no error) when it is none.
 */
VlSpec *vl_cli_lab_host_find(GHashTable *metas, const char *lab, const char *name, char **domain);

/**
 * vl_cli_lab_hosts:
 * @uri: (nullable): the -c URI
 * @lab: (nullable): the lab; NULL: the -c connection only
 * @only: (nullable): `--host NAME`
 *
 * The hosts a command about @lab acts on: those its state.json records (a multi-host lab), else
 * the -c connection.
 * Return: (transfer full): the hosts, connected, or NULL with @error.
 */
VlLabHosts *vl_cli_lab_hosts(const char *uri, const char *lab, const char *only, GError **error);

/* Return: TRUE when @lab has no VM on a remote host, else FALSE with an error saying that @what
 * (a command) does not span hosts. */
gboolean vl_cli_lab_check_local(const char *lab, const char *what, GError **error);

/* Return: (transfer full): "qemu:///system" or "host 'a' (URI), host 'b' (URI)", for messages. */
char *vl_cli_hosts_describe(const VlLabHosts *hosts);

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

/**
 * vl_cli_print_hosts:
 * Prints on stderr how the spec's host devices become VMs: each host VM with its hosts (NIC,
 * address), or that hosts are not coalesced. Prints nothing without host devices.
 */
void vl_cli_print_hosts(const VlSpec *spec);

gboolean vl_cmd_up(int argc, char **argv, GError **error);
gboolean vl_cmd_down(int argc, char **argv, GError **error);
gboolean vl_cmd_status(int argc, char **argv, GError **error);
gboolean vl_cmd_start(int argc, char **argv, GError **error);
gboolean vl_cmd_stop(int argc, char **argv, GError **error);
gboolean vl_cmd_console(int argc, char **argv, GError **error);
gboolean vl_cmd_logs(int argc, char **argv, GError **error);
gboolean vl_cmd_ssh(int argc, char **argv, GError **error);
gboolean vl_cmd_exec(int argc, char **argv, GError **error);
gboolean vl_cmd_validate(int argc, char **argv, GError **error);
gboolean vl_cmd_render(int argc, char **argv, GError **error);
gboolean vl_cmd_image(int argc, char **argv, GError **error);
gboolean vl_cmd_snapshot(int argc, char **argv, GError **error);
gboolean vl_cmd_restore(int argc, char **argv, GError **error);
gboolean vl_cmd_snapshots(int argc, char **argv, GError **error);
gboolean vl_cmd_graph(int argc, char **argv, GError **error);
gboolean vl_cmd_capture(int argc, char **argv, GError **error);

/**
 * vl_cmd_graph_lab_page:
 * @path: (out): the page written
 *
 * Writes the html page of the lab (as `graph -f html`) to <lab state folder>/graph.html.
 * Return: TRUE on success; FALSE with an error (e.g. Graphviz missing).
 */
gboolean vl_cmd_graph_lab_page(const VlLabHosts *hosts, const VlSpec *spec, char **path,
                               GError **error);

/**
 * vl_cmd_capture_clean_lab:
 *
 * Removes the capture filters left in the lab's running VMs by killed captures (best effort).
 * Return: how many were removed.
 */
guint vl_cmd_capture_clean_lab(virConnectPtr conn, const VlSpec *spec);
