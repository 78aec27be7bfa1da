/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-cli.h - what the command implementations share: the command signature and spec loading */
#pragma once

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

gboolean vl_cmd_validate(int argc, char **argv, GError **error);
gboolean vl_cmd_render(int argc, char **argv, GError **error);
