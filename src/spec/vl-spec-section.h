/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-spec-section.h - the members of a spec's vmlab (or newtlab) section that other layers own */
#pragma once

#include "vl-spec.h"

#include <json-c/json.h>

/**
 * vl_spec_section_member:
 * @key: a member whose schema another layer owns and checks itself, e.g. "kubevirt" (src/kubevirt)
 *
 * The spec picks the section (vmlab or newtlab, spec->section) and hands over the member as
 * written; everything the spec itself reads from the section it offers as typed fields instead.
 * Return: (transfer none) (nullable): the member, of any type; NULL when the section is absent or
 *   not an object, or has no @key.
 */
json_object *vl_spec_section_member(const VlSpec *spec, const char *key);
