/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-kv-yaml.c - JSON documents written as block-style YAML, the way kubectl users read them */
#include "vl-kv-yaml.h"

#include <string.h>

static void vl_kv_yaml_node(GString *out, json_object *v, guint indent);

/* A scalar, or an empty collection, on the current line. Return: TRUE if @v was one. */
static gboolean
vl_kv_yaml_inline(GString *out, json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_object:
        if (json_object_object_length(v) > 0)
            return FALSE;
        g_string_append(out, "{}");
        return TRUE;
    case json_type_array:
        if (json_object_array_length(v) > 0)
            return FALSE;
        g_string_append(out, "[]");
        return TRUE;
    case json_type_string:
        /* a JSON string is a YAML double-quoted scalar; keep '/' unescaped for readability */
        g_string_append(out, json_object_to_json_string_ext(v, JSON_C_TO_STRING_NOSLASHESCAPE));
        return TRUE;
    default:
        g_string_append(out, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
        return TRUE;
    }
}

/* A mapping key: plain when it is made of safe characters, else quoted. */
static void
vl_kv_yaml_key(GString *out, const char *key)
{
    gboolean plain = g_ascii_isalpha(key[0]);

    for (const char *p = key; *p && plain; p++)
        plain = g_ascii_isalnum(*p) || strchr("_.-/", *p);
    if (plain) {
        g_string_append(out, key);
    } else {
        json_object *s = json_object_new_string(key);
        g_string_append(out, json_object_to_json_string_ext(s, JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(s);
    }
    g_string_append_c(out, ':');
}

/* The members of mapping @v at @indent; the first one continues the current line when
 * @first_inline (after "- "). */
static void
vl_kv_yaml_map(GString *out, json_object *v, guint indent, gboolean first_inline)
{
    gboolean first = TRUE;

    json_object_object_foreach(v, key, val)
    {
        if (!(first && first_inline))
            g_string_append_printf(out, "%*s", (int)indent, "");
        first = FALSE;
        vl_kv_yaml_key(out, key);
        if (json_object_is_type(val, json_type_object) && json_object_object_length(val)) {
            g_string_append_c(out, '\n');
            vl_kv_yaml_map(out, val, indent + 2, FALSE);
        } else if (json_object_is_type(val, json_type_array) && json_object_array_length(val)) {
            g_string_append_c(out, '\n');
            vl_kv_yaml_node(out, val, indent + 2);
        } else {
            g_string_append_c(out, ' ');
            vl_kv_yaml_inline(out, val);
            g_string_append_c(out, '\n');
        }
    }
}

/* A non-empty collection @v, starting on a fresh line at @indent. */
static void
vl_kv_yaml_node(GString *out, json_object *v, guint indent)
{
    if (json_object_is_type(v, json_type_object)) {
        vl_kv_yaml_map(out, v, indent, FALSE);
        return;
    }
    for (size_t i = 0; i < json_object_array_length(v); i++) {
        json_object *item = json_object_array_get_idx(v, i);

        g_string_append_printf(out, "%*s- ", (int)indent, "");
        if (json_object_is_type(item, json_type_object) && json_object_object_length(item)) {
            vl_kv_yaml_map(out, item, indent + 2, TRUE);
        } else if (json_object_is_type(item, json_type_array) && json_object_array_length(item)) {
            g_string_append_c(out, '\n');
            vl_kv_yaml_node(out, item, indent + 2);
        } else {
            vl_kv_yaml_inline(out, item);
            g_string_append_c(out, '\n');
        }
    }
}

void
vl_kv_yaml_append(GString *out, json_object *doc)
{
    if (!vl_kv_yaml_inline(out, doc))
        vl_kv_yaml_node(out, doc, 0);
    else
        g_string_append_c(out, '\n');
}

char *
vl_kv_yaml_from_json(json_object *doc)
{
    GString *out = g_string_new(NULL);

    vl_kv_yaml_append(out, doc);
    return g_string_free(out, FALSE);
}
