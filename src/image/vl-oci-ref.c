/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-oci-ref.c - `oci://HOST[:PORT]/REPO[:TAG|@sha256:DIGEST]` image references */
#include "vl-oci-ref.h"

#include "vl-error.h"

#include <gio/gio.h>
#include <string.h>

void
vl_oci_ref_free(VlOciRef *ref)
{
    if (!ref)
        return;
    g_free(ref->registry);
    g_free(ref->repo);
    g_free(ref->tag);
    g_free(ref->digest);
    g_free(ref);
}

gboolean
vl_oci_ref_is(const char *text)
{
    return text && g_str_has_prefix(text, VL_OCI_REF_SCHEME);
}

gboolean
vl_oci_digest_is_valid(const char *digest)
{
    if (!digest || !g_str_has_prefix(digest, "sha256:") || strlen(digest) != 7 + 64)
        return FALSE;
    for (const char *p = digest + 7; *p; p++) {
        if (!g_ascii_isdigit(*p) && !(*p >= 'a' && *p <= 'f'))
            return FALSE;
    }
    return TRUE;
}

/* HOST: a DNS name, an IPv4 address or a bracketed IPv6 address; then an optional :PORT. */
static gboolean
vl_oci_registry_is_valid(const char *reg)
{
    const char *port = NULL;
    g_autofree char *host = NULL;

    if (reg[0] == '[') {
        const char *end = strchr(reg, ']');
        g_autoptr(GInetAddress) ia = NULL;

        if (!end)
            return FALSE;
        host = g_strndup(reg + 1, (gsize)(end - reg - 1));
        ia = g_inet_address_new_from_string(host);
        if (!ia || g_inet_address_get_family(ia) != G_SOCKET_FAMILY_IPV6)
            return FALSE;
        if (end[1] == ':')
            port = end + 2;
        else if (end[1])
            return FALSE;
    } else {
        const char *colon = strchr(reg, ':');
        host = colon ? g_strndup(reg, (gsize)(colon - reg)) : g_strdup(reg);
        port = colon ? colon + 1 : NULL;
        if (!*host)
            return FALSE;
        for (const char *p = host; *p; p++) {
            if (!g_ascii_isalnum(*p) && *p != '.' && *p != '-')
                return FALSE;
        }
        if (host[0] == '-' || host[0] == '.' || g_str_has_suffix(host, "-") || strstr(host, ".."))
            return FALSE;
    }
    if (port) {
        guint64 n = 0;
        if (!*port || !g_ascii_string_to_unsigned(port, 10, 1, 65535, &n, NULL))
            return FALSE;
    }
    return TRUE;
}

/* One path component, as the distribution spec has it. */
static gboolean
vl_oci_component_is_valid(const char *c)
{
    return g_regex_match_simple("^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$", c, G_REGEX_DEFAULT,
                                G_REGEX_MATCH_DEFAULT);
}

static gboolean
vl_oci_tag_is_valid(const char *tag)
{
    gsize len = strlen(tag);

    if (len == 0 || len > 128 || !(g_ascii_isalnum(tag[0]) || tag[0] == '_'))
        return FALSE;
    for (const char *p = tag; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '_' && *p != '.' && *p != '-')
            return FALSE;
    }
    return TRUE;
}

VlOciRef *
vl_oci_ref_parse(const char *text, GError **error)
{
    g_autoptr(VlOciRef) ref = g_new0(VlOciRef, 1);
    const char *rest;
    const char *slash;
    const char *at;
    g_autofree char *path = NULL;
    g_auto(GStrv) parts = NULL;
    char *colon;

    if (!vl_oci_ref_is(text)) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "'%s' is not an image reference (oci://HOST[:PORT]/REPO[:TAG|@sha256:DIGEST])",
                    text ? text : "");
        return NULL;
    }
    rest = text + strlen(VL_OCI_REF_SCHEME);
    slash = strchr(rest, '/');
    if (!slash || slash == rest) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "'%s': names no registry host and repository (oci://HOST[:PORT]/REPO[:TAG])",
                    text);
        return NULL;
    }
    ref->registry = g_strndup(rest, (gsize)(slash - rest));
    if (!vl_oci_registry_is_valid(ref->registry)) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "'%s': '%s' is not a valid registry HOST[:PORT]", text, ref->registry);
        return NULL;
    }
    path = g_strdup(slash + 1);
    at = strchr(path, '@');
    if (at) {
        ref->digest = g_strdup(at + 1);
        path[at - path] = '\0';
        if (!vl_oci_digest_is_valid(ref->digest)) {
            g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                        "'%s': digest '%s' is not sha256: and 64 lower-case hex digits", text,
                        ref->digest);
            return NULL;
        }
    }
    /* A tag follows the last ':' after the last '/'. */
    colon = strrchr(path, ':');
    if (colon && !strchr(colon, '/')) {
        if (ref->digest) {
            g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "'%s': give a tag or a digest, not both",
                        text);
            return NULL;
        }
        ref->tag = g_strdup(colon + 1);
        *colon = '\0';
        if (!vl_oci_tag_is_valid(ref->tag)) {
            g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "'%s': '%s' is not a valid tag", text,
                        ref->tag);
            return NULL;
        }
    }
    parts = g_strsplit(path, "/", -1);
    for (guint i = 0; parts[i]; i++) {
        if (!vl_oci_component_is_valid(parts[i])) {
            g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                        "'%s': repository '%s' is not valid (lower-case letters, digits and "
                        "'.', '_', '-' between them, components separated by '/')",
                        text, path);
            return NULL;
        }
    }
    if (strlen(path) > 255) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "'%s': repository name is longer than 255",
                    text);
        return NULL;
    }
    ref->repo = g_steal_pointer(&path);
    if (!ref->tag && !ref->digest)
        ref->tag = g_strdup("latest");
    return g_steal_pointer(&ref);
}

char *
vl_oci_ref_name(const VlOciRef *ref)
{
    return g_strdup_printf("%s/%s", ref->registry, ref->repo);
}

char *
vl_oci_ref_to_string(const VlOciRef *ref)
{
    return ref->digest
               ? g_strdup_printf(VL_OCI_REF_SCHEME "%s/%s@%s", ref->registry, ref->repo,
                                 ref->digest)
               : g_strdup_printf(VL_OCI_REF_SCHEME "%s/%s:%s", ref->registry, ref->repo, ref->tag);
}

char *
vl_oci_ref_to_docker(const VlOciRef *ref)
{
    return ref->digest ? g_strdup_printf("docker://%s/%s@%s", ref->registry, ref->repo, ref->digest)
                       : g_strdup_printf("docker://%s/%s:%s", ref->registry, ref->repo, ref->tag);
}
