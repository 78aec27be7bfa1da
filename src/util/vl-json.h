/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-json.h - json-c helpers: loading with line/column errors, JSON paths, atomic write-back */
#pragma once

#include <glib.h>
#include <json-c/json.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_object, json_object_put)

/**
 * vl_json_load_file:
 * @path: the file to read
 * @error: set to a VL_ERROR_INVALID error "LINE:COL: message" for malformed JSON, or a
 *         VL_ERROR_IO error when the file cannot be read (the caller adds the file name)
 *
 * Return: (transfer full): the parsed document, NULL on error.
 */
json_object *vl_json_load_file(const char *path, GError **error);

/* Return: (transfer full): the document parsed from @text, or NULL with "LINE:COL: message". */
json_object *vl_json_parse(const char *text, gsize len, GError **error);

/**
 * vl_json_path_key:
 * @parent: a JSON path, "" for the root
 * @key: an object member name
 *
 * Return: (transfer full): "@parent.@key", or "@parent[\"@key\"]" when @key is not a plain word.
 */
char *vl_json_path_key(const char *parent, const char *key);

/* Return: (transfer full): "@parent[@index]". */
char *vl_json_path_index(const char *parent, gsize index);

/* Return: a short name of @obj's JSON type for messages: "string", "object", "null", ... */
const char *vl_json_type_name(json_object *obj);

/**
 * vl_json_to_string:
 *
 * The one way the project prints JSON: pretty, spaced, and "/" left as it is (not "\\/").
 * Return: (transfer none): @obj's text, owned by @obj.
 */
const char *vl_json_to_string(json_object *obj);

/**
 * vl_json_write_file:
 * @path: the file to replace atomically
 * @obj: the document; member order is kept as json-c holds it (insertion order)
 * @mode: file permission bits
 *
 * Return: TRUE on success.
 */
gboolean vl_json_write_file(const char *path, json_object *obj, int mode, GError **error);
