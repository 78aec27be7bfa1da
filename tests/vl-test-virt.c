/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-test-virt.c - helpers for the g_test programs on libvirt's test driver (links virt) */
#include "vl-test-virt.h"

#include "vl-conn.h"

void
vl_test_virt_clear(virConnectPtr conn)
{
    g_autoptr(GHashTable) doms = vl_conn_lab_domains(conn, NULL, NULL);
    GHashTableIter it;
    gpointer key;

    g_hash_table_iter_init(&it, doms);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        virDomainPtr d = virDomainLookupByName(conn, key);
        if (virDomainIsActive(d) == 1)
            virDomainDestroy(d);
        virDomainUndefine(d);
        virDomainFree(d);
    }
}
