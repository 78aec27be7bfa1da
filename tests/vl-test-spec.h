/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-test-spec.h - helpers for the g_test programs that load specs (links the spec library) */
#pragma once

#include "vl-spec.h"

/**
 * vl_test_spec_load:
 * @dir: a spec folder
 * @warnings: (out) (optional): the number of warnings the load gave
 *
 * Loads the spec in @dir, asserting it loads with no error.
 * Return: (transfer full): the spec.
 */
VlSpec *vl_test_spec_load(const char *dir, guint *warnings);
