/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-image-registry.h - registry access through skopeo: resolve a tag, fetch and push images */
#pragma once

#include "vl-oci-ref.h"

#include <gio/gio.h>

/*
 * skopeo speaks the registry protocol (TLS, auth, redirects, retries); vmlab-virt runs it as it
 * runs qemu-img. Credentials are skopeo's own: the containers auth file
 * (${XDG_RUNTIME_DIR}/containers/auth.json, $REGISTRY_AUTH_FILE) or ~/.docker/config.json; they
 * never appear on a command line or in a message. TLS is verified unless @insecure.
 */

/**
 * vl_image_registry_resolve:
 *
 * Return: (transfer full): the manifest digest @ref names now ("sha256:..."; @ref's own digest
 *   when it pins one, without asking the registry), or NULL with an error that says whether the
 *   tag is unknown, the registry unreachable or the access denied.
 */
char *vl_image_registry_resolve(const VlOciRef *ref, gboolean insecure, GCancellable *cancel,
                                GError **error);

/* Copies @ref's image at @digest into @dir (skopeo's dir: layout: manifest.json + blobs). */
gboolean vl_image_registry_fetch(const VlOciRef *ref, const char *digest, gboolean insecure,
                                 const char *dir, GCancellable *cancel, GError **error);

/**
 * vl_image_registry_push:
 * @layout: an OCI image layout folder holding the image tagged @tag
 * @digest: (out) (transfer full): the digest the registry stored
 *
 * Return: TRUE on success.
 */
gboolean vl_image_registry_push(const char *layout, const char *tag, const VlOciRef *ref,
                                gboolean insecure, char **digest, GCancellable *cancel,
                                GError **error);
