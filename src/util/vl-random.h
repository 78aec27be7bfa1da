/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-random.h - random bytes, numbers and tokens for secrets and ports, from getrandom(2) */
#pragma once

#include <glib.h>

/**
 * vl_random_bytes:
 * @buf: where to put the bytes
 * @len: how many
 *
 * Fills @buf from the kernel's CSPRNG (getrandom(2), blocking only until it is seeded once).
 * Return: TRUE, or FALSE with a VL_ERROR_IO error.
 */
gboolean vl_random_bytes(void *buf, gsize len, GError **error);

/**
 * vl_random_below:
 * @bound: the exclusive upper limit, > 0
 * @out: where to put the number
 *
 * Draws a number in [0, @bound) with no modulo bias (rejection sampling).
 * Return: TRUE, or FALSE with a VL_ERROR_IO error.
 */
gboolean vl_random_below(guint32 bound, guint32 *out, GError **error);

/**
 * vl_random_token:
 * @alphabet: the characters to draw from (at least 2, at most 256)
 * @len: the token's length
 *
 * Return: (transfer full): @len characters of @alphabet drawn uniformly, or NULL with an error.
 */
char *vl_random_token(const char *alphabet, gsize len, GError **error);
