/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ifmap.h - interface maps: from a device's interface name to its VM's data NIC index */
#pragma once

#include "vl-spec.h"

#include <json-c/json.h>

/**
 * vl_ifmap_kind_from_string:
 * Return: TRUE and sets @kind for "sequential", "stride-4", "custom" or "linux".
 */
gboolean vl_ifmap_kind_from_string(const char *s, VlIfmapKind *kind);
const char *vl_ifmap_kind_to_string(VlIfmapKind kind);

/**
 * vl_ifmap_place:
 * @kind: the map
 * @custom: (nullable): the name -> NIC object of a custom map
 * @name: an interface name such as "Ethernet8"
 * @why: (out): on failure, why @name cannot be placed
 *
 * Return: the data NIC index (>= 1), or 0 when the map cannot place @name. The linux map's eth0
 * is management: 0 too, with @why saying so, and vl_ifmap_is_mgmt() TRUE.
 */
guint vl_ifmap_place(VlIfmapKind kind, json_object *custom, const char *name, char **why);

/* Return: TRUE if @name is @kind's management interface (linux: eth0), which no link may use. */
gboolean vl_ifmap_is_mgmt(VlIfmapKind kind, const char *name);

/* Return: TRUE and sets @n if @name is "eth" and a number (no leading zero, at most 4 digits). */
gboolean vl_ifmap_eth_number(const char *name, guint *n);
