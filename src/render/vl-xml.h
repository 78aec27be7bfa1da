/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-xml.h - safe XML parsing, sandboxed XSLT and RelaxNG validation on libxml2/libxslt */
#pragma once

#include <glib.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxslt/xsltInternals.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlXPathContext, xmlXPathFreeContext)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlXPathObject, xmlXPathFreeObject)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlBuffer, xmlBufferFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xsltStylesheet, xsltFreeStylesheet)

/**
 * vl_xml_parse_file:
 * @path: the file
 *
 * Parses with no network access, no entity expansion and no DTD loading; a document carrying
 * a DTD is refused outright.
 * Return: (transfer full): the document, or NULL with a VL_ERROR_INVALID error naming @path.
 */
xmlDoc *vl_xml_parse_file(const char *path, GError **error);

/* Return: (transfer full): the document parsed from @text as vl_xml_parse_file() does. */
xmlDoc *vl_xml_parse_memory(const char *text, gsize len, const char *name, GError **error);

/**
 * vl_xslt_load:
 * @path: a stylesheet file; its xsl:import/xsl:include go through the same safe parser
 *
 * Return: (transfer full): the compiled stylesheet, or NULL with an error.
 */
xsltStylesheet *vl_xslt_load(const char *path, GError **error);

/**
 * vl_xslt_apply:
 * @style: a stylesheet from vl_xslt_load()
 * @doc: the input
 * @params: (nullable): NULL-terminated name, value, name, value... passed as string parameters
 *
 * Runs @style with security preferences that forbid reading and writing files, creating
 * folders and any network access.
 * Return: (transfer full): the result, or NULL with an error (including xsl:message terminate).
 */
xmlDoc *vl_xslt_apply(xsltStylesheet *style, xmlDoc *doc, const char *const *params,
                      GError **error);

/* Return: (transfer full): @doc serialized as UTF-8 with an XML declaration-less, indented layout.
 */
char *vl_xml_to_string(xmlDoc *doc);

typedef struct _VlXmlValidator VlXmlValidator;

/**
 * vl_xml_validator_new:
 * @rng_path: a RelaxNG schema, e.g. /usr/share/libvirt/schemas/domain.rng
 *
 * Return: (transfer full): a validator, or NULL with an error.
 */
VlXmlValidator *vl_xml_validator_new(const char *rng_path, GError **error);
void vl_xml_validator_free(VlXmlValidator *v);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlXmlValidator, vl_xml_validator_free)

/* Return: TRUE if @doc is valid; otherwise FALSE with the schema's messages in @error. */
gboolean vl_xml_validator_check(VlXmlValidator *v, xmlDoc *doc, GError **error);
