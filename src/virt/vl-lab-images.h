/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-lab-images.h - makes a lab's oci:// images local before `up` changes anything */
#pragma once

#include "vl-image.h"
#include "vl-spec.h"

#include <json-c/json.h>

typedef enum {
    VL_LAB_IMAGES_OFFLINE, /* use what the store holds; leave the rest as references */
    VL_LAB_IMAGES_CACHED,  /* a tag the store knows is reused; others are resolved and pulled */
    VL_LAB_IMAGES_REFRESH, /* every tag is resolved at its registry again (`up --pull`) */
} VlLabImagesMode;

/**
 * vl_lab_images_resolve:
 * @insecure: (nullable) (array zero-terminated=1): more registries allowed plain HTTP, beside
 *   vmlab.insecure_registries
 * @progress: (nullable): called while an image is fetched, with the reference (a string) as its
 *   data
 *
 * Resolves every oci:// reference of @spec to a digest, pulls what the store lacks and puts the
 * local files in the model (vl_spec_image_substitute()), which records the digests for
 * state.json. Nothing of the lab is touched. Every failing reference is reported, in one error.
 * Return: TRUE on success.
 */
gboolean vl_lab_images_resolve(VlSpec *spec, VlLabImagesMode mode, char **insecure,
                               VlImageProgressFunc progress, GError **error);

/**
 * vl_lab_images_state:
 *
 * Return: (transfer full) (nullable): the resolved images @vm runs on, for its state.json entry:
 *   [{"key", "ref", "digest"}], or NULL when it uses none.
 */
json_object *vl_lab_images_state(const VlVm *vm);
