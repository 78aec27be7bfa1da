/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-spec-settings.h - the typed VM settings a platform or profile may hold, and their checks */
#pragma once

#include "vl-spec-private.h"

/**
 * vl_spec_settings_check:
 * @obj: a platform entry or a profile document
 * @file: the file name shown in messages
 * @path: the JSON path of @obj ("" for a whole profile)
 * @diag: receives one error per badly typed or out-of-range setting
 *
 * Checks every known setting present in @obj; unknown keys are kept and ignored.
 */
void vl_spec_settings_check(json_object *obj, const char *file, const char *path, VlDiag *diag);

/**
 * vl_spec_setting_lookup:
 * @node: a node whose profile and platform are set
 * @key: a setting name such as "vm_memory"
 * @where: (out) (optional): "FILE: PATH" of the value found, for messages
 *
 * Return: (transfer none) (nullable): the profile's value, else the platform's, else NULL.
 */
json_object *vl_spec_setting_lookup(const VlNode *node, const char *key, char **where);

/* Return: the positive integer setting @key, or @def when unset or invalid (already reported). */
guint64 vl_spec_setting_posint(const VlNode *node, const char *key, guint64 def);

/* Return: (transfer none) (nullable): the string setting @key, or @def when unset or invalid. */
const char *vl_spec_setting_string(const VlNode *node, const char *key, const char *def);

/**
 * vl_spec_sros_setting_lookup:
 * @key: a key of the "sros" object, such as "chassis"
 * @where: (out) (optional): "FILE: PATH" of the value found
 *
 * Return: (transfer none) (nullable): the profile's sros.@key, else the platform's, else NULL.
 */
json_object *vl_spec_sros_setting_lookup(const VlNode *node, const char *key, char **where);
