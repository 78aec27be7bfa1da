/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-image-registry.c - registry access through skopeo: resolve a tag, fetch and push images */
#include "vl-image-registry.h"

#include "vl-error.h"
#include "vl-proc.h"

#include <glib/gstdio.h>
#include <string.h>

/* Rewords skopeo's failure so that the user learns which of the usual causes it was. */
static void
vl_image_registry_error(GError **error, const VlOciRef *ref, GError *err)
{
    g_autofree char *name = vl_oci_ref_to_string(ref);
    const char *m = err->message;
    const char *why = NULL;

    if (strstr(m, "manifest unknown") || strstr(m, "not found") || strstr(m, "name unknown"))
        why = ref->digest ? "no such digest in the registry" : "no such tag in the registry";
    else if (strstr(m, "unauthorized") || strstr(m, "authentication required") ||
             strstr(m, "denied") || strstr(m, "401") || strstr(m, "403"))
        why = "access denied (log in with `skopeo login`, which writes the containers auth file)";
    else if (strstr(m, "server gave HTTP response to HTTPS client"))
        why = "the registry speaks plain HTTP: list it in vmlab.insecure_registries or pass "
              "--insecure-registry";
    else if (strstr(m, "connection refused") || strstr(m, "no such host") ||
             strstr(m, "i/o timeout") || strstr(m, "network is unreachable") ||
             strstr(m, "dial tcp"))
        why = "the registry cannot be reached";
    else if (strstr(m, "interrupted"))
        why = "interrupted";
    if (why)
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "%s: %s (%s)", name, why, m);
    else
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "%s: %s", name, m);
}

char *
vl_image_registry_resolve(const VlOciRef *ref, gboolean insecure, GCancellable *cancel,
                          GError **error)
{
    g_autofree char *src = vl_oci_ref_to_docker(ref);
    const char *argv[] = {"skopeo", "inspect",
                          "--raw",  "--retry-times",
                          "1",      insecure ? "--tls-verify=false" : "--tls-verify=true",
                          src,      NULL};
    g_autofree char *raw = NULL;
    g_autofree char *hex = NULL;
    g_autoptr(GError) err = NULL;

    if (ref->digest)
        return g_strdup(ref->digest);
    if (!vl_proc_run(argv, cancel, &raw, &err)) {
        vl_image_registry_error(error, ref, err);
        return NULL;
    }
    /* The digest of a manifest is the SHA-256 of its bytes as the registry serves them. */
    hex = g_compute_checksum_for_string(G_CHECKSUM_SHA256, raw, -1);
    return g_strdup_printf("sha256:%s", hex);
}

gboolean
vl_image_registry_fetch(const VlOciRef *ref, const char *digest, gboolean insecure, const char *dir,
                        GCancellable *cancel, GError **error)
{
    g_autofree char *src = g_strdup_printf("docker://%s/%s@%s", ref->registry, ref->repo, digest);
    g_autofree char *dst = g_strdup_printf("dir:%s", dir);
    const char *argv[] = {"skopeo",  "copy",
                          "--quiet", "--retry-times",
                          "1",       insecure ? "--src-tls-verify=false" : "--src-tls-verify=true",
                          src,       dst,
                          NULL};
    g_autoptr(GError) err = NULL;

    if (!vl_proc_run(argv, cancel, NULL, &err)) {
        vl_image_registry_error(error, ref, err);
        return FALSE;
    }
    return TRUE;
}

gboolean
vl_image_registry_push(const char *layout, const char *tag, const VlOciRef *ref, gboolean insecure,
                       char **digest, GCancellable *cancel, GError **error)
{
    g_autofree char *src = g_strdup_printf("oci:%s:%s", layout, tag);
    g_autofree char *dst = vl_oci_ref_to_docker(ref);
    g_autofree char *digest_file = g_build_filename(layout, "..", "pushed-digest", NULL);
    const char *argv[] = {"skopeo",
                          "copy",
                          "--quiet",
                          "--retry-times",
                          "1",
                          insecure ? "--dest-tls-verify=false" : "--dest-tls-verify=true",
                          "--digestfile",
                          digest_file,
                          src,
                          dst,
                          NULL};
    g_autoptr(GError) err = NULL;
    g_autofree char *text = NULL;

    if (!vl_proc_run(argv, cancel, NULL, &err)) {
        vl_image_registry_error(error, ref, err);
        return FALSE;
    }
    if (!g_file_get_contents(digest_file, &text, NULL, NULL) ||
        !g_str_has_prefix(g_strstrip(text), "sha256:")) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "skopeo wrote no digest for the push");
        return FALSE;
    }
    g_unlink(digest_file);
    *digest = g_steal_pointer(&text);
    return TRUE;
}
