/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ifmap.c - interface maps: from a device's interface name to its VM's data NIC index */
#include "vl-ifmap.h"

#include <string.h>

static const char *const vl_ifmap_names[] = {
    [VL_IFMAP_SEQUENTIAL] = "sequential",
    [VL_IFMAP_STRIDE4] = "stride-4",
    [VL_IFMAP_CUSTOM] = "custom",
    [VL_IFMAP_LINUX] = "linux",
};

gboolean
vl_ifmap_kind_from_string(const char *s, VlIfmapKind *kind)
{
    for (guint i = 0; i < G_N_ELEMENTS(vl_ifmap_names); i++) {
        if (g_str_equal(s, vl_ifmap_names[i])) {
            *kind = (VlIfmapKind)i;
            return TRUE;
        }
    }
    return FALSE;
}

const char *
vl_ifmap_kind_to_string(VlIfmapKind kind)
{
    return vl_ifmap_names[kind];
}

/* Splits "Ethernet12" into its number; Return: FALSE when the name has no trailing number. */
static gboolean
vl_ifmap_trailing_number(const char *name, guint64 *num)
{
    const char *p = name + strlen(name);

    while (p > name && g_ascii_isdigit(p[-1]))
        p--;
    if (!*p || p == name || strlen(p) > 6)
        return FALSE;
    *num = g_ascii_strtoull(p, NULL, 10);
    return TRUE;
}

gboolean
vl_ifmap_eth_number(const char *name, guint *n)
{
    const char *d = name + 3;

    if (!g_str_has_prefix(name, "eth") || !*d || strlen(d) > 4 ||
        strspn(d, "0123456789") != strlen(d) || (d[0] == '0' && d[1]))
        return FALSE;
    *n = (guint)g_ascii_strtoull(d, NULL, 10);
    return TRUE;
}

guint
vl_ifmap_place(VlIfmapKind kind, json_object *custom, const char *name, char **why)
{
    guint64 num = 0;
    json_object *v = NULL;

    switch (kind) {
    case VL_IFMAP_CUSTOM:
        if (!custom || !json_object_object_get_ex(custom, name, &v)) {
            *why = g_strdup("it is not in the platform's custom interface map");
            return 0;
        }
        return (guint)json_object_get_int64(v);
    case VL_IFMAP_SEQUENTIAL:
        if (!vl_ifmap_trailing_number(name, &num)) {
            *why = g_strdup(
                "the sequential map needs a name ending in a number (Ethernet0, 1, 2, ...)");
            return 0;
        }
        return (guint)num + 1;
    case VL_IFMAP_STRIDE4:
        if (!vl_ifmap_trailing_number(name, &num) || num % 4 != 0) {
            *why = g_strdup("the stride-4 map places only names ending in a multiple of 4 "
                            "(Ethernet0, 4, 8, ...)");
            return 0;
        }
        return (guint)(num / 4) + 1;
    case VL_IFMAP_LINUX: {
        guint n = 0;
        if (!vl_ifmap_eth_number(name, &n)) {
            *why = g_strdup("the linux map places only eth0, eth1, eth2, ... (ethN is NIC N)");
            return 0;
        }
        if (n == 0)
            *why = g_strdup("eth0 is the management NIC on the linux map");
        return n;
    }
    }
    *why = g_strdup("unknown interface map");
    return 0;
}

gboolean
vl_ifmap_is_mgmt(VlIfmapKind kind, const char *name)
{
    return kind == VL_IFMAP_LINUX && g_str_equal(name, "eth0");
}
