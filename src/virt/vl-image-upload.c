/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-image-upload.c - images sent to a remote libvirt host once, by content, as sparse streams */
#include "vl-image-upload.h"

#include "vl-error.h"
#include "vl-virt-error.h"
#include "vl-fs.h"
#include "vl-json.h"
#include "vl-log.h"
#include "vl-storage.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define VL_UPLOAD_POOL "vmlab-images"

/*
 * An upload, and why it cannot leave a half volume behind: libvirt cannot rename volumes, so
 * the volume is created under its final name (sha256-HEX.FMT), filled by the stream, and only
 * then is the empty volume sha256-HEX.FMT.done created beside it. A later `up` takes the image
 * as there only when both exist; a volume without its mark is deleted and sent again.
 */

/* Return: (transfer full): the folder libvirt keeps images in on @conn's host. */
static char *
vl_upload_images_home(virConnectPtr conn)
{
    g_autoptr(virStoragePool) def = virStoragePoolLookupByName(conn, "default");
    g_autofree char *uri = virConnectGetURI(conn);
    g_autoptr(GUri) parsed = uri ? g_uri_parse(uri, G_URI_FLAGS_NONE, NULL) : NULL;
    const char *path = parsed ? g_uri_get_path(parsed) : NULL;
    const char *user = parsed ? g_uri_get_user(parsed) : NULL;
    char *dir = def ? vl_storage_pool_path(def) : NULL;

    if (dir)
        return dir;
    if (!path || !g_str_has_suffix(path, "/session"))
        return g_strdup("/var/lib/libvirt/images");
    if (!user)
        return g_build_filename(g_get_home_dir(), ".local", "share", "libvirt", "images", NULL);
    if (g_str_equal(user, "root"))
        return g_strdup("/root/.local/share/libvirt/images");
    return g_build_filename("/home", user, ".local", "share", "libvirt", "images", NULL);
}

virStoragePoolPtr
vl_image_upload_pool_ensure(virConnectPtr conn, GError **error)
{
    g_autoptr(virStoragePool) pool = virStoragePoolLookupByName(conn, VL_UPLOAD_POOL);
    g_autofree char *home = NULL;
    g_autofree char *parent = NULL;
    g_autofree char *dir = NULL;

    if (pool && virStoragePoolIsActive(pool) == 1) {
        virStoragePoolRefresh(pool, 0);
        return g_steal_pointer(&pool);
    }
    if (pool) {
        dir = vl_storage_pool_path(pool);
    } else {
        home = vl_upload_images_home(conn);
        parent = g_path_get_dirname(home);
        dir = g_build_filename(parent, VL_UPLOAD_POOL, NULL);
    }
    return vl_storage_pool_ensure_named(conn, VL_UPLOAD_POOL, dir, error);
}

/* The hash cache: $VMLAB_HOME/images/upload-hashes.json, path -> {size, mtime, ino, sha256}. */
static char *
vl_upload_cache_path(void)
{
    g_autofree char *state = vl_fs_state_dir();

    return g_build_filename(state, "images", "upload-hashes.json", NULL);
}

static char *
vl_upload_stat_key(const struct stat *st)
{
    return g_strdup_printf("%lld:%lld.%09ld:%llu", (long long)st->st_size,
                           (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
                           (unsigned long long)st->st_ino);
}

char *
vl_image_upload_hash(const char *path, GError **error)
{
    g_autofree char *cache_path = vl_upload_cache_path();
    g_autoptr(json_object) cache = vl_json_load_file(cache_path, NULL);
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
    g_autofree guint8 *buf = g_malloc(1 << 20);
    g_autofree char *key = NULL;
    json_object *entry = NULL;
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;
    char *hex;

    if (fd < 0 || fstat(fd, &st) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot read: %s", path, g_strerror(e));
        return NULL;
    }
    key = vl_upload_stat_key(&st);
    if (cache && json_object_object_get_ex(cache, path, &entry) &&
        g_strcmp0(json_object_get_string(json_object_object_get(entry, "stat")), key) == 0) {
        close(fd);
        return g_strdup(json_object_get_string(json_object_object_get(entry, "sha256")));
    }
    while ((n = read(fd, buf, 1 << 20)) > 0)
        g_checksum_update(sum, buf, (gssize)n);
    close(fd);
    if (n < 0) {
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot read: %s", path, g_strerror(errno));
        return NULL;
    }
    hex = g_strdup(g_checksum_get_string(sum));
    /* The cache is only a shortcut: a failure to keep it is no failure of the upload. */
    if (!cache || !json_object_is_type(cache, json_type_object)) {
        g_clear_pointer(&cache, json_object_put);
        cache = json_object_new_object();
    }
    entry = json_object_new_object();
    json_object_object_add(entry, "stat", json_object_new_string(key));
    json_object_object_add(entry, "sha256", json_object_new_string(hex));
    json_object_object_add(cache, path, entry);
    {
        g_autofree char *dir = g_path_get_dirname(cache_path);
        g_mkdir_with_parents(dir, 0700);
        vl_json_write_file(cache_path, cache, 0600, NULL);
    }
    return hex;
}

/* Return: "qcow2" or "raw" for @path; FALSE with @error for a qcow2 with a backing file. */
static gboolean
vl_upload_format(const char *path, const char **format, GError **error)
{
    guint8 hdr[16] = {0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, hdr, sizeof(hdr)) : -1;
    guint64 backing = 0;

    if (fd >= 0)
        close(fd);
    *format = "raw";
    if (n != (ssize_t)sizeof(hdr) || memcmp(hdr, "QFI\xfb", 4) != 0)
        return TRUE;
    *format = "qcow2";
    for (int i = 8; i < 16; i++)
        backing = (backing << 8) | hdr[i];
    if (backing) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "%s: a qcow2 image with a backing file cannot be sent to another host: "
                    "flatten it first (qemu-img convert -O qcow2 %s FLAT.qcow2)",
                    path, path);
        return FALSE;
    }
    return TRUE;
}

/* One stream's source: the file, where its data and holes are, and the progress so far. */
typedef struct {
    int fd;
    guint64 size;
    guint64 done;
    gint64 t0;
    gint64 last;
    VlUploadProgressFunc progress;
    gpointer data;
} VlUpload;

static void
vl_upload_tick(VlUpload *u, guint64 n)
{
    gint64 now = g_get_monotonic_time();

    u->done += n;
    if (u->progress && u->done < u->size && now - u->last >= G_USEC_PER_SEC) {
        u->last = now;
        u->progress(u->done, u->size, (double)(now - u->t0) / G_USEC_PER_SEC, u->data);
    }
}

static int
vl_upload_source(virStreamPtr st, char *buf, size_t nbytes, void *opaque)
{
    VlUpload *u = opaque;
    ssize_t n = read(u->fd, buf, nbytes);

    if (n > 0)
        vl_upload_tick(u, (guint64)n);
    return (int)n;
}

/* Whether the file is in data or in a hole at its offset, and for how long (SEEK_DATA/HOLE). */
static int
vl_upload_in_data(virStreamPtr st, int *in_data, long long *length, void *opaque)
{
    VlUpload *u = opaque;
    off_t cur = lseek(u->fd, 0, SEEK_CUR);
    off_t data, hole;

    if (cur < 0)
        return -1;
    data = lseek(u->fd, cur, SEEK_DATA);
    if (data < 0 && errno == ENXIO) {
        /* a hole to the end of the file (or the end itself) */
        *in_data = 0;
        *length = (long long)u->size - cur;
    } else if (data < 0) {
        return -1;
    } else if (data > cur) {
        *in_data = 0;
        *length = data - cur;
    } else {
        hole = lseek(u->fd, cur, SEEK_HOLE);
        if (hole < 0)
            return -1;
        *in_data = 1;
        *length = hole - cur;
    }
    return lseek(u->fd, cur, SEEK_SET) < 0 ? -1 : 0;
}

static int
vl_upload_skip(virStreamPtr st, long long length, void *opaque)
{
    VlUpload *u = opaque;

    if (lseek(u->fd, (off_t)length, SEEK_CUR) < 0)
        return -1;
    vl_upload_tick(u, (guint64)length);
    return 0;
}

/* Creates volume @name (@size bytes, raw bytes of the file) and streams @path into it. */
static gboolean
vl_upload_send(virStoragePoolPtr pool, const char *name, const char *path, guint64 size,
               VlUploadProgressFunc progress, gpointer data, GError **error)
{
    virConnectPtr conn = virStoragePoolGetConnect(pool);
    g_autofree char *xml = g_strdup_printf(
        "<volume><name>%s</name><capacity unit='bytes'>%" G_GUINT64_FORMAT "</capacity>"
        "<allocation unit='bytes'>0</allocation><target><format type='raw'/></target></volume>",
        name, size);
    g_autoptr(virStorageVol) vol = NULL;
    virStreamPtr st = NULL;
    VlUpload u = {.size = size, .t0 = g_get_monotonic_time(), .progress = progress, .data = data};
    gboolean ok = FALSE;

    vl_trace("virStorageVolCreateXML('%s'), virStorageVolUpload(sparse) from %s", name, path);
    vol = virStorageVolCreateXML(pool, xml, 0);
    if (!vol) {
        vl_error_set_libvirt(error, "cannot create volume '%s'", name);
        return FALSE;
    }
    u.fd = open(path, O_RDONLY | O_CLOEXEC);
    if (u.fd < 0) {
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot read: %s", path, g_strerror(errno));
        goto out;
    }
    st = virStreamNew(conn, 0);
    if (!st || virStorageVolUpload(vol, st, 0, size, VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM) < 0) {
        vl_error_set_libvirt(error, "cannot upload to volume '%s'", name);
        goto out;
    }
    if (virStreamSparseSendAll(st, vl_upload_source, vl_upload_in_data, vl_upload_skip, &u) < 0) {
        vl_error_set_libvirt(error, "uploading %s to volume '%s' failed", path, name);
        virStreamAbort(st);
        goto out;
    }
    if (virStreamFinish(st) < 0) {
        vl_error_set_libvirt(error, "uploading %s to volume '%s' failed", path, name);
        goto out;
    }
    ok = TRUE;
    if (progress)
        progress(size, size, (double)(g_get_monotonic_time() - u.t0) / G_USEC_PER_SEC, data);
out:
    if (st)
        virStreamFree(st);
    if (u.fd >= 0)
        close(u.fd);
    if (!ok)
        virStorageVolDelete(vol, 0);
    return ok;
}

gboolean
vl_image_upload_ensure(virConnectPtr conn, const char *path, VlUploadProgressFunc progress,
                       gpointer data, char **vol_path, GError **error)
{
    g_autoptr(virStoragePool) pool = NULL;
    g_autoptr(virStorageVol) vol = NULL;
    g_autoptr(virStorageVol) mark = NULL;
    g_autofree char *hex = NULL;
    g_autofree char *name = NULL;
    g_autofree char *mark_name = NULL;
    const char *format = NULL;
    struct stat st;

    *vol_path = NULL;
    if (stat(path, &st) < 0) {
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: %s", path, g_strerror(errno));
        return FALSE;
    }
    if (!vl_upload_format(path, &format, error) || !(hex = vl_image_upload_hash(path, error)))
        return FALSE;
    pool = vl_image_upload_pool_ensure(conn, error);
    if (!pool)
        return FALSE;
    name = g_strdup_printf("sha256-%s.%s", hex, format);
    mark_name = g_strdup_printf("%s.done", name);
    vol = virStorageVolLookupByName(pool, name);
    mark = virStorageVolLookupByName(pool, mark_name);
    if (vol && !mark) {
        vl_trace("volume '%s' has no '%s': an interrupted upload; sending it again", name,
                 mark_name);
        if (virStorageVolDelete(vol, 0) < 0) {
            vl_error_set_libvirt(error, "cannot delete the incomplete volume '%s'", name);
            return FALSE;
        }
        g_clear_pointer(&vol, virStorageVolFree);
    }
    if (!vol) {
        g_autofree char *xml = NULL;
        virStorageVolPtr made;

        if (!vl_upload_send(pool, name, path, (guint64)st.st_size, progress, data, error))
            return FALSE;
        xml = g_strdup_printf("<volume><name>%s</name><capacity unit='bytes'>0</capacity>"
                              "<target><format type='raw'/></target></volume>",
                              mark_name);
        made = virStorageVolCreateXML(pool, xml, 0);
        if (!made) {
            vl_error_set_libvirt(error, "cannot create volume '%s'", mark_name);
            return FALSE;
        }
        virStorageVolFree(made);
        vol = virStorageVolLookupByName(pool, name);
    }
    if (vol)
        *vol_path = virStorageVolGetPath(vol);
    if (!*vol_path) {
        vl_error_set_libvirt(error, "cannot find the path of volume '%s'", name);
        return FALSE;
    }
    return TRUE;
}
