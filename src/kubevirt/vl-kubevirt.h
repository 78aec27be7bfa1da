/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-kubevirt.h - the `vmlab-virt kubevirt` command: export manifests, run the hook */
#pragma once

#include <glib.h>

/**
 * vl_cmd_kubevirt:
 * @argc: argument count, argv[0] being "kubevirt"
 *
 * `kubevirt export SPECDIR -o DIR|- [--namespace NS]` and `kubevirt hook onDefineDomain ...`.
 * Return: TRUE on success, else FALSE with @error.
 */
gboolean vl_cmd_kubevirt(int argc, char **argv, GError **error);

/* Return: TRUE if a binary started as @argv0 is the onDefineDomain hook (a symlink's name). */
gboolean vl_kubevirt_is_hook(const char *argv0);

/* Runs the hook (see vl_kv_hook_main()). Return: the exit status. */
int vl_kubevirt_hook_run(int argc, char **argv);
