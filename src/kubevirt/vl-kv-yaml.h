/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-kv-yaml.h - JSON documents written as block-style YAML, the way kubectl users read them */
#pragma once

#include <glib.h>
#include <json-c/json.h>

/**
 * vl_kv_yaml_append:
 * @out: where the document goes
 * @doc: a JSON object
 *
 * Appends @doc as one YAML document: block mappings and sequences in the member order json-c
 * keeps, strings always double-quoted with JSON escapes (valid YAML), so the text is stable.
 */
void vl_kv_yaml_append(GString *out, json_object *doc);

/* Return: (transfer full): @doc as a YAML document. */
char *vl_kv_yaml_from_json(json_object *doc);
