/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* define-floor.c - bench/define's floor: the same libvirt calls `up --no-start` makes, in a bare
 * loop */
#include <glib.h>
#include <libvirt/libvirt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Usage: define-floor URI POOL_DIR BASE_IMAGE XML_DIR
 * For every XML_DIR/<name>.xml: create volume <name>.qcow2 (qcow2 overlay on BASE_IMAGE) in a dir
 * pool at POOL_DIR, then virDomainDefineXML() the file's XML. Prints the seconds taken; then
 * undefines the domains and deletes the pool so the next run starts clean.
 */
int
main(int argc, char **argv)
{
    virConnectPtr conn;
    virStoragePoolPtr pool;
    g_autoptr(GDir) d = NULL;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *pool_xml = NULL;
    const char *ent;
    gint64 t0, t1;

    if (argc != 5) {
        fprintf(stderr, "usage: %s URI POOL_DIR BASE_IMAGE XML_DIR\n", argv[0]);
        return 2;
    }
    conn = virConnectOpen(argv[1]);
    if (!conn)
        return 1;
    d = g_dir_open(argv[4], 0, NULL);
    while (d && (ent = g_dir_read_name(d)))
        if (g_str_has_suffix(ent, ".xml"))
            g_ptr_array_add(names, g_strndup(ent, strlen(ent) - 4));

    t0 = g_get_monotonic_time();
    pool_xml = g_strdup_printf(
        "<pool type='dir'><name>vmlab-bench-floor</name><target><path>%s</path></target></pool>",
        argv[2]);
    pool = virStoragePoolDefineXML(conn, pool_xml, 0);
    if (!pool || virStoragePoolBuild(pool, 0) < 0 || virStoragePoolCreate(pool, 0) < 0)
        return 1;
    for (guint i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        g_autofree char *vol_xml = g_strdup_printf(
            "<volume><name>%s.qcow2</name><capacity "
            "unit='bytes'>1073741824</capacity><target><format type='qcow2'/>"
            "</target><backingStore><path>%s</path><format type='qcow2'/></backingStore></volume>",
            name, argv[3]);
        g_autofree char *path = g_strdup_printf("%s/%s.xml", argv[4], name);
        g_autofree char *xml = NULL;
        virStorageVolPtr vol = virStorageVolCreateXML(pool, vol_xml, 0);
        virDomainPtr dom;

        if (!vol || !g_file_get_contents(path, &xml, NULL, NULL))
            return 1;
        virStorageVolFree(vol);
        dom = virDomainDefineXML(conn, xml);
        if (!dom)
            return 1;
        virDomainFree(dom);
    }
    t1 = g_get_monotonic_time();
    printf("%.3f\n", (double)(t1 - t0) / G_USEC_PER_SEC);

    for (guint i = 0; i < names->len; i++) {
        virDomainPtr dom = virDomainLookupByName(conn, g_ptr_array_index(names, i));
        if (dom) {
            virDomainUndefine(dom);
            virDomainFree(dom);
        }
    }
    {
        virStorageVolPtr *vols = NULL;
        int n = virStoragePoolListAllVolumes(pool, &vols, 0);
        for (int i = 0; i < n; i++) {
            virStorageVolDelete(vols[i], 0);
            virStorageVolFree(vols[i]);
        }
        free(vols);
    }
    virStoragePoolDestroy(pool);
    virStoragePoolDelete(pool, 0);
    virStoragePoolUndefine(pool);
    virStoragePoolFree(pool);
    virConnectClose(conn);
    return 0;
}
