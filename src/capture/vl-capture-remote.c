/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-capture-remote.c - capture on a VM of a remote host: a pcap volume in the lab's pool there,
 * downloaded over the libvirt connection as it grows */
#include "vl-capture-priv.h"

#include "vl-error.h"
#include "vl-virt-error.h"

#include <string.h>

/*
 * A remote host's QEMU cannot be handed a descriptor (fd passing needs libvirt's UNIX socket), and
 * its files are not ours to read. But the lab's storage pool on that host (vmlab-LAB, whose
 * folder QEMU already writes: overlays and boot logs) is reachable through the libvirt
 * connection, whatever its transport (qemu+ssh, qemu+libssh2, qemu+tls). So: a volume
 * "vlcap-PID-SEQ-MACHINE.pcap" is created there (mode 0622), filter-dump writes it, and the
 * client downloads it from the offset it has reached every 200 ms (virStorageVolDownload with a
 * growing offset, no pool refresh needed), keeping whole pcap records only. On stop the filter
 * goes, a last download takes what QEMU wrote before it went, and the volume is deleted.
 * Leftovers of a killed capture (its filter, its volume) carry its PID and machine in their
 * names: the next capture or `up` from this machine removes them.
 */

#define VL_CAPTURE_SUFFIX ".pcap"

typedef struct {
    virStorageVolPtr vol;
    unsigned long long off;
} VlCaptureRemote;

/* Downloads what the volume gained since the last call. */
static gboolean
vl_capture_remote_fill(GByteArray *buf, gpointer data, GError **error)
{
    VlCaptureRemote *r = data;
    virStreamPtr st = virStreamNew(virStorageVolGetConnect(r->vol), 0);
    char chunk[65536];
    int n = -1;
    gboolean ok = FALSE;

    if (st && virStorageVolDownload(r->vol, st, r->off, 0, 0) == 0) {
        while ((n = virStreamRecv(st, chunk, sizeof chunk)) > 0) {
            g_byte_array_append(buf, (const guint8 *)chunk, (guint)n);
            r->off += (unsigned long long)n;
        }
        ok = n == 0 && virStreamFinish(st) == 0;
        if (n < 0)
            virStreamAbort(st);
    }
    if (!ok)
        vl_error_set_libvirt(error, "cannot download capture volume '%s'",
                             virStorageVolGetName(r->vol));
    if (st)
        virStreamFree(st);
    return ok;
}

/* Return: (transfer full): a new empty volume @name in @pool that QEMU may write, or NULL. */
static virStorageVolPtr
vl_capture_remote_volume(virStoragePoolPtr pool, const char *name, GError **error)
{
    g_autofree char *xml = g_strdup_printf("<volume><name>%s</name><capacity>0</capacity>"
                                           "<target><format type='raw'/><permissions>"
                                           "<mode>0622</mode></permissions></target></volume>",
                                           name);
    virStorageVolPtr vol = virStorageVolCreateXML(pool, xml, 0);

    if (!vol)
        vl_error_set_libvirt(error, "cannot create capture volume '%s' in pool '%s'", name,
                             virStoragePoolGetName(pool));
    return vol;
}

gboolean
vl_capture_run_remote(virDomainPtr dom, virStoragePoolPtr pool, const char *netdev,
                      VlCaptureOptions *opts, GError **error)
{
    g_autofree char *id = vl_capture_id_new(TRUE);
    g_autofree char *name = g_strconcat(id, VL_CAPTURE_SUFFIX, NULL);
    g_autofree char *path = NULL;
    VlCaptureRemote r = {NULL, 0};
    gboolean ok;

    r.vol = vl_capture_remote_volume(pool, name, error);
    if (!r.vol)
        return FALSE;
    path = virStorageVolGetPath(r.vol);
    ok = path != NULL;
    if (!ok)
        vl_error_set_libvirt(error, "cannot read the path of capture volume '%s'", name);
    ok = ok && vl_capture_attach_file(dom, netdev, id, path, error);
    /* SETUP done: from here on, TEARDOWN always runs. */
    if (ok)
        ok = vl_capture_loop(dom, id, 200, vl_capture_remote_fill, &r, opts, error);
    if (virStorageVolDelete(r.vol, 0) < 0 && ok) {
        vl_error_set_libvirt(error, "cannot delete capture volume '%s'", name);
        ok = FALSE;
    }
    virStorageVolFree(r.vol);
    return ok;
}

guint
vl_capture_remove_stale_files(virStoragePoolPtr pool)
{
    virStorageVolPtr *vols = NULL;
    int n = virStoragePoolListAllVolumes(pool, &vols, 0);
    guint removed = 0;

    for (int i = 0; i < n; i++) {
        const char *name = virStorageVolGetName(vols[i]);
        g_autofree char *id = NULL;

        if (name && g_str_has_prefix(name, VL_CAPTURE_PREFIX) &&
            g_str_has_suffix(name, VL_CAPTURE_SUFFIX)) {
            id = g_strndup(name, strlen(name) - strlen(VL_CAPTURE_SUFFIX));
            if (!vl_capture_owner_alive(id) && virStorageVolDelete(vols[i], 0) == 0)
                removed++;
        }
        virStorageVolFree(vols[i]);
    }
    g_free(vols);
    return removed;
}
