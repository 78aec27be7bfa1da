/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-oci-ref.h - `oci://HOST[:PORT]/REPO[:TAG|@sha256:DIGEST]` image references */
#pragma once

#include <glib.h>

#define VL_OCI_REF_SCHEME "oci://"

/**
 * VlOciRef:
 * @registry: HOST or HOST:PORT ([v6]:PORT for IPv6)
 * @repo: the repository path, e.g. "vmlab/tiny-disk"
 * @tag: (nullable): the tag ("latest" when neither tag nor digest is given)
 * @digest: (nullable): "sha256:<64 hex>" when the reference pins one
 */
typedef struct {
    char *registry;
    char *repo;
    char *tag;
    char *digest;
} VlOciRef;

void vl_oci_ref_free(VlOciRef *ref);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlOciRef, vl_oci_ref_free)

/* Return: whether @text is meant as a registry reference (starts with "oci://"). */
gboolean vl_oci_ref_is(const char *text);

/**
 * vl_oci_ref_parse:
 * @text: "oci://HOST[:PORT]/REPO[:TAG|@sha256:DIGEST]"
 *
 * Checks the syntax only (no network). Repository components follow the distribution spec
 * (lower-case letters and digits, separated by '.', '_', '__' or '-').
 * Return: (transfer full): the reference, or NULL with a VL_ERROR_INVALID error saying what is
 *   wrong (without naming the file: callers add that).
 */
VlOciRef *vl_oci_ref_parse(const char *text, GError **error);

/* Return: (transfer full): "oci://HOST/REPO:TAG" or "oci://HOST/REPO@DIGEST". */
char *vl_oci_ref_to_string(const VlOciRef *ref);

/* Return: (transfer full): the skopeo/containers transport form, "docker://HOST/REPO:TAG". */
char *vl_oci_ref_to_docker(const VlOciRef *ref);

/* Return: (transfer full): "HOST/REPO" (the name without tag or digest). */
char *vl_oci_ref_name(const VlOciRef *ref);

/* Return: TRUE when @digest is "sha256:" followed by 64 lower-case hex digits. */
gboolean vl_oci_digest_is_valid(const char *digest);
