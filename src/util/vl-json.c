/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-json.c - json-c helpers: loading with line/column errors, JSON paths, atomic write-back */
#include "vl-json.h"

#include "vl-error.h"
#include "vl-fs.h"

#include <errno.h>
#include <string.h>

static void
vl_json_offset_position(const char *text, gsize offset, guint *line, guint *col)
{
    *line = 1;
    *col = 1;
    for (gsize i = 0; i < offset && text[i]; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

json_object *
vl_json_parse(const char *text, gsize len, GError **error)
{
    g_autoptr(json_object) obj = NULL;
    json_tokener *tok = json_tokener_new();
    enum json_tokener_error jerr;
    gsize end;
    guint line, col;

    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    obj = json_tokener_parse_ex(tok, text, (int)len);
    jerr = json_tokener_get_error(tok);
    end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);

    if (jerr == json_tokener_continue) {
        vl_json_offset_position(text, len, &line, &col);
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "%u:%u: unexpected end of file", line, col);
        return NULL;
    }
    if (jerr != json_tokener_success || !obj) {
        vl_json_offset_position(text, end, &line, &col);
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "%u:%u: %s", line, col,
                    jerr != json_tokener_success ? json_tokener_error_desc(jerr)
                                                 : "empty document");
        return NULL;
    }
    /* Only white space may follow the document. */
    for (gsize i = end; i < len; i++) {
        if (!g_ascii_isspace(text[i])) {
            vl_json_offset_position(text, i, &line, &col);
            g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                        "%u:%u: unexpected text after the JSON document", line, col);
            return NULL;
        }
    }
    return g_steal_pointer(&obj);
}

json_object *
vl_json_load_file(const char *path, GError **error)
{
    g_autofree char *text = NULL;
    gsize len = 0;
    g_autoptr(GError) err = NULL;

    if (!g_file_get_contents(path, &text, &len, &err)) {
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "cannot read: %s",
                    g_strerror(err->domain == G_FILE_ERROR && err->code == G_FILE_ERROR_NOENT
                                   ? ENOENT
                                   : EIO));
        return NULL;
    }
    if (memchr(text, '\0', len)) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "file contains a NUL byte");
        return NULL;
    }
    return vl_json_parse(text, len, error);
}

static gboolean
vl_json_is_word(const char *key)
{
    if (!*key || g_ascii_isdigit(*key))
        return FALSE;
    for (const char *p = key; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-')
            return FALSE;
    }
    return TRUE;
}

char *
vl_json_path_key(const char *parent, const char *key)
{
    g_autoptr(GString) s = g_string_new(parent);

    if (vl_json_is_word(key)) {
        if (s->len)
            g_string_append_c(s, '.');
        g_string_append(s, key);
    } else {
        g_string_append(s, "[\"");
        for (const char *p = key; *p; p++) {
            if (*p == '"' || *p == '\\')
                g_string_append_c(s, '\\');
            g_string_append_c(s, *p);
        }
        g_string_append(s, "\"]");
    }
    return g_string_free(g_steal_pointer(&s), FALSE);
}

char *
vl_json_path_index(const char *parent, gsize index)
{
    return g_strdup_printf("%s[%" G_GSIZE_FORMAT "]", parent, index);
}

const char *
vl_json_type_name(json_object *obj)
{
    switch (json_object_get_type(obj)) {
    case json_type_null:
        return "null";
    case json_type_boolean:
        return "a boolean";
    case json_type_double:
        return "a number";
    case json_type_int:
        return "an integer";
    case json_type_object:
        return "an object";
    case json_type_array:
        return "an array";
    case json_type_string:
        return "a string";
    }
    return "unknown";
}

const char *
vl_json_to_string(json_object *obj)
{
    return json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                   JSON_C_TO_STRING_NOSLASHESCAPE);
}

gboolean
vl_json_write_file(const char *path, json_object *obj, int mode, GError **error)
{
    const char *text = vl_json_to_string(obj);
    g_autofree char *data = g_strconcat(text, "\n", NULL);

    return vl_fs_write_atomic(path, data, strlen(data), mode, error);
}
