/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-spec-profiles.h - the deploy fields of device profiles: written at up, taken back at down */
#pragma once

#include "vl-json.h"
#include "vl-spec.h"

/**
 * vl_spec_profiles_record:
 * @spec: the lab being brought up
 * @old: (nullable): the "profiles" member of the previous state.json
 *
 * What each profile was before the lab was deployed, for state.json: per device its path, whether
 * the file existed, its mgmt_ip (absent if it had none) and its text. A device recorded by an
 * earlier `up` keeps that record (its profile now holds our fields); records of devices that left
 * the spec are kept too, so `down` still restores them.
 * Return: (transfer full): a JSON array.
 */
json_object *vl_spec_profiles_record(const VlSpec *spec, json_object *old);

/**
 * vl_spec_profiles_write:
 *
 * Writes mgmt_ip, ssh_port and (for a telnet console only; a pty console's is removed)
 * console_port into each device's profile (atomically; every other field and the field order
 * kept; a file is only rewritten when a value changes).
 * Return: TRUE on success.
 */
gboolean vl_spec_profiles_write(const VlSpec *spec, GError **error);

/**
 * vl_spec_profiles_restore:
 * @records: (nullable): the "profiles" member of state.json (vl_spec_profiles_record())
 *
 * Puts each profile back to its pre-deploy state, as newtlab does: the original mgmt_ip back (or
 * none), no ssh_port or console_port, every other field and its order kept. A profile that ends
 * up equal to what it was is written back byte for byte; a profile that did not exist before is
 * removed if nothing but our fields is left in it; a profile removed since is left alone.
 * Return: TRUE on success; FALSE naming the first profile that could not be restored.
 */
gboolean vl_spec_profiles_restore(json_object *records, GError **error);
