/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-xml-diff.h - where a freshly rendered domain differs from the one libvirt holds, in words */
#pragma once

#include <glib.h>

/**
 * vl_xml_diff_describe:
 * @current: the domain XML libvirt holds (virDomainGetXMLDesc, inactive)
 * @rendered: the domain XML just rendered for the same VM
 * @max: at most this many differences are named
 *
 * libvirt fills in defaults (addresses, controllers, a full machine type) and converts units, so
 * the two never match as text. This walks @rendered and looks each element up in @current by
 * name and position among its same-named siblings; it names an element or attribute value that
 * differs (sizes compared in KiB), a rendered element @current lacks, and an element of a kind
 * the rendered one has more of in @current. Attributes only @current has are libvirt's defaults
 * and are not differences; neither is the metadata's digest.
 * Return: (transfer full): "memory: 262144 KiB -> 524288 KiB; devices/interface[2]: new", or NULL
 *   when no difference shows (or either document does not parse).
 */
char *vl_xml_diff_describe(const char *current, const char *rendered, guint max);
