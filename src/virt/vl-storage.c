/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-storage.c - a lab's disks through the libvirt storage API: one dir pool, a volume per VM */
#include "vl-storage.h"

#include "vl-error.h"
#include "vl-virt-error.h"
#include "vl-log.h"
#include "vl-xml.h"

#include <errno.h>
#include <fcntl.h>
#include <libxml/tree.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *
vl_storage_pool_name(const char *lab)
{
    return g_strdup_printf("vmlab-%s", lab);
}

virStoragePoolPtr
vl_storage_pool_lookup(virConnectPtr conn, const char *lab)
{
    g_autofree char *name = vl_storage_pool_name(lab);

    return virStoragePoolLookupByName(conn, name);
}

/* Builds XML with libxml2 so names and paths are escaped properly. */
static char *
vl_storage_xml_string(xmlDoc *doc)
{
    xmlChar *buf = NULL;
    int len = 0;
    char *out;

    xmlDocDumpMemory(doc, &buf, &len);
    out = g_strndup((const char *)buf, (gsize)len);
    xmlFree(buf);
    return out;
}

char *
vl_storage_pool_path(virStoragePoolPtr pool)
{
    g_autofree char *xml = virStoragePoolGetXMLDesc(pool, 0);
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;
    g_autoptr(xmlXPathObject) res = NULL;

    if (!xml)
        return NULL;
    doc = vl_xml_parse_memory(xml, strlen(xml), "pool", NULL);
    if (!doc)
        return NULL;
    ctxt = xmlXPathNewContext(doc);
    res = xmlXPathEvalExpression(BAD_CAST "string(/pool/target/path)", ctxt);
    if (!res || res->type != XPATH_STRING || !res->stringval || !*res->stringval)
        return NULL;
    return g_strdup((const char *)res->stringval);
}

/*
 * Forgets @pool (stops and undefines it, leaving its files) when its folder is not @dir: a pool
 * of the lab's name left by an earlier VMLAB_HOME would put the volumes where the domains do not
 * look for them; *@pool is then NULL.
 */
static void
vl_storage_pool_drop_stale(virStoragePoolPtr *pool, const char *dir)
{
    g_autofree char *path = vl_storage_pool_path(*pool);

    if (!path || g_str_equal(path, dir))
        return;
    if (virStoragePoolIsActive(*pool) == 1)
        virStoragePoolDestroy(*pool);
    virStoragePoolUndefine(*pool);
    g_clear_pointer(pool, virStoragePoolFree);
}

virStoragePoolPtr
vl_storage_pool_ensure(virConnectPtr conn, const char *lab, const char *dir, GError **error)
{
    g_autofree char *name = vl_storage_pool_name(lab);

    return vl_storage_pool_ensure_named(conn, name, dir, error);
}

virStoragePoolPtr
vl_storage_pool_ensure_named(virConnectPtr conn, const char *name, const char *dir, GError **error)
{
    virStoragePoolPtr pool = virStoragePoolLookupByName(conn, name);
    int active;

    if (pool)
        vl_storage_pool_drop_stale(&pool, dir);
    if (!pool) {
        xmlDoc *doc = xmlNewDoc(BAD_CAST "1.0");
        xmlNode *root = xmlNewNode(NULL, BAD_CAST "pool");
        xmlNode *target;
        g_autofree char *xml = NULL;

        xmlDocSetRootElement(doc, root);
        xmlNewProp(root, BAD_CAST "type", BAD_CAST "dir");
        xmlNewTextChild(root, NULL, BAD_CAST "name", BAD_CAST name);
        target = xmlNewChild(root, NULL, BAD_CAST "target", NULL);
        xmlNewTextChild(target, NULL, BAD_CAST "path", BAD_CAST dir);
        xml = vl_storage_xml_string(doc);
        xmlFreeDoc(doc);
        vl_trace("virStoragePoolDefineXML('%s' at '%s'), virStoragePoolBuild", name, dir);
        pool = virStoragePoolDefineXML(conn, xml, 0);
        if (!pool) {
            vl_error_set_libvirt(error, "cannot define storage pool '%s'", name);
            return NULL;
        }
        if (virStoragePoolBuild(pool, 0) < 0) {
            vl_error_set_libvirt(error, "cannot build storage pool '%s' at '%s'", name, dir);
            virStoragePoolFree(pool);
            return NULL;
        }
        virStoragePoolSetAutostart(pool, 1);
    }
    active = virStoragePoolIsActive(pool);
    if (active == 0)
        vl_trace("virStoragePoolCreate('%s')", name);
    if (active == 0 && virStoragePoolCreate(pool, 0) < 0) {
        vl_error_set_libvirt(error, "cannot start storage pool '%s'", name);
        virStoragePoolFree(pool);
        return NULL;
    }
    if (active == 1)
        virStoragePoolRefresh(pool, 0);
    return pool;
}

guint64
vl_storage_image_size(const char *path)
{
    guint8 hdr[32];
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return 0;
    n = read(fd, hdr, sizeof(hdr));
    if (fstat(fd, &st) < 0)
        st.st_size = 0;
    close(fd);
    /* qcow2: "QFI\xfb", then the virtual size as a big-endian u64 at offset 24 */
    if (n == (ssize_t)sizeof(hdr) && memcmp(hdr, "QFI\xfb", 4) == 0) {
        guint64 size = 0;
        for (int i = 24; i < 32; i++)
            size = (size << 8) | hdr[i];
        return size;
    }
    return (guint64)st.st_size;
}

gboolean
vl_storage_volume_delete(virStoragePoolPtr pool, const char *name, GError **error)
{
    g_autoptr(virStorageVol) vol = virStorageVolLookupByName(pool, name);

    if (!vol)
        return TRUE;
    vl_trace("virStorageVolDelete('%s')", name);
    if (virStorageVolDelete(vol, 0) < 0) {
        vl_error_set_libvirt(error, "cannot delete volume '%s'", name);
        return FALSE;
    }
    return TRUE;
}

/* Return: the virtual size of @path: a file here, else a volume on @pool's host (an uploaded
 * base image on a remote host, vl-lab-remote.c); 0 when neither can be read. */
static guint64
vl_storage_backing_size(virStoragePoolPtr pool, const char *path)
{
    guint64 size;
    g_autoptr(virStorageVol) vol = NULL;
    virStorageVolInfo info;

    if (!path)
        return 0;
    size = vl_storage_image_size(path);
    if (size)
        return size;
    vol = virStorageVolLookupByPath(virStoragePoolGetConnect(pool), path);
    if (vol && virStorageVolGetInfo(vol, &info) == 0)
        return info.capacity;
    return 0;
}

gboolean
vl_storage_volume_create(virStoragePoolPtr pool, const VlVm *vm, gboolean recreate, GError **error)
{
    g_autofree char *volname = g_path_get_basename(vm->disk_path);
    g_autoptr(virStorageVol) existing = virStorageVolLookupByName(pool, volname);
    g_autofree char *xml = NULL;
    g_autofree char *cap = NULL;
    xmlDoc *doc;
    xmlNode *root, *n, *bs;
    virStorageVolPtr vol;

    if (existing && !recreate)
        return TRUE;
    if (existing && !vl_storage_volume_delete(pool, volname, error))
        return FALSE;

    doc = xmlNewDoc(BAD_CAST "1.0");
    root = xmlNewNode(NULL, BAD_CAST "volume");
    xmlDocSetRootElement(doc, root);
    xmlNewTextChild(root, NULL, BAD_CAST "name", BAD_CAST volname);
    cap = g_strdup_printf("%" G_GUINT64_FORMAT, vl_storage_backing_size(pool, vm->backing_path));
    n = xmlNewTextChild(root, NULL, BAD_CAST "capacity", BAD_CAST cap);
    xmlNewProp(n, BAD_CAST "unit", BAD_CAST "bytes");
    n = xmlNewChild(root, NULL, BAD_CAST "target", NULL);
    xmlNewProp(xmlNewChild(n, NULL, BAD_CAST "format", NULL), BAD_CAST "type",
               BAD_CAST vm->disk_format);
    if (vm->backing_path) {
        bs = xmlNewChild(root, NULL, BAD_CAST "backingStore", NULL);
        xmlNewTextChild(bs, NULL, BAD_CAST "path", BAD_CAST vm->backing_path);
        xmlNewProp(xmlNewChild(bs, NULL, BAD_CAST "format", NULL), BAD_CAST "type",
                   BAD_CAST vm->backing_format);
    }
    xml = vl_storage_xml_string(doc);
    xmlFreeDoc(doc);
    vl_trace("virStorageVolCreateXML('%s' on '%s')", volname, vm->backing_path);
    vol = virStorageVolCreateXML(pool, xml, 0);
    if (!vol) {
        vl_error_set_libvirt(error, "cannot create volume '%s' for domain '%s'", volname, vm->name);
        return FALSE;
    }
    virStorageVolFree(vol);
    return TRUE;
}

gboolean
vl_storage_pool_delete(virStoragePoolPtr pool, GError **error)
{
    virStorageVolPtr *vols = NULL;
    int n;

    if (virStoragePoolIsActive(pool) == 1) {
        virStoragePoolRefresh(pool, 0);
        n = virStoragePoolListAllVolumes(pool, &vols, 0);
        vl_trace("virStorageVolDelete of %d volumes, virStoragePoolDestroy, virStoragePoolDelete",
                 n);
        for (int i = 0; i < n; i++) {
            if (virStorageVolDelete(vols[i], 0) < 0 && error && !*error)
                vl_error_set_libvirt(error, "cannot delete volume '%s'",
                                     virStorageVolGetName(vols[i]));
            virStorageVolFree(vols[i]);
        }
        free(vols);
        if (error && *error)
            return FALSE;
        /* Stop the pool, then remove its (now empty) folder. */
        virStoragePoolDestroy(pool);
        virStoragePoolDelete(pool, 0);
    }
    vl_trace("virStoragePoolUndefine('%s')", virStoragePoolGetName(pool));
    if (virStoragePoolUndefine(pool) < 0) {
        vl_error_set_libvirt(error, "cannot undefine storage pool '%s'",
                             virStoragePoolGetName(pool));
        return FALSE;
    }
    return TRUE;
}
