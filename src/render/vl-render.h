/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-render.h - renders the VMs of a lab model into libvirt domain XML */
#pragma once

#include "vl-spec.h"
#include "vl-xml.h"

/* The XML namespace of vmlab-virt's domain <metadata>. */
#define VL_METADATA_NS     "https://vmlab-virt.dev/xmlns/domain/1"
#define VL_METADATA_PREFIX "vmlab"
/* The namespace of the model element handed to the stylesheets. */
#define VL_MODEL_NS "urn:vmlab-virt:model:1"

typedef struct _VlRenderer VlRenderer;

/**
 * vl_renderer_new:
 * @virt_type: "qemu" (TCG) or "kvm" (see vl_virt_type_choose() for how it is chosen)
 *
 * Loads the built-in stylesheets. Templates and platform stylesheets are loaded on first use
 * and cached.
 * Return: (transfer full): a renderer, or NULL with an error.
 */
VlRenderer *vl_renderer_new(const char *virt_type, GError **error);
void vl_renderer_free(VlRenderer *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlRenderer, vl_renderer_free)

/**
 * vl_render_vm_doc:
 *
 * Completes @vm's boilerplate with the model through xslt/domain.xsl, then the platform's own
 * stylesheet, and stamps the metadata digest (SHA-256 of the domain XML without the digest).
 * Return: (transfer full): the domain document, or NULL with an error.
 */
xmlDoc *vl_render_vm_doc(VlRenderer *r, const VlSpec *spec, const VlVm *vm, GError **error);

/* Return: (transfer full): the domain XML text, as vl_render_vm_doc() builds it. */
char *vl_render_vm(VlRenderer *r, const VlSpec *spec, const VlVm *vm, GError **error);

/**
 * vl_render_domain_digest:
 * @xml: a domain XML rendered by vmlab-virt (or read back from libvirt)
 *
 * Return: (transfer full) (nullable): the digest in its vmlab metadata, or NULL.
 */
char *vl_render_domain_digest(const char *xml);
