/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-image-store.c - the content-addressed store of registry images under $VMLAB_HOME/images/oci */
#include "vl-image-store.h"

#include "vl-error.h"
#include "vl-fs.h"
#include "vl-json.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

/*
 * Layout:
 *   images/oci/sha256/<hex>/image.json   the record (digest, file, format, sizes, refs, time)
 *   images/oci/sha256/<hex>/disk/<file>  the extracted disk, sparse, world-readable (QEMU runs
 *                                        as its own user under qemu:///system)
 *   images/oci/refs.json                 oci:// reference -> digest, as last resolved
 *   images/oci/tmp/<pull>/               pulls in progress; never read as images
 *   images/oci/lock                      flock held while refs.json or the folders change
 * One folder per digest whatever the tags; a pull is staged under tmp/ and renamed into place.
 */

#define VL_IMAGE_RECORD "image.json"

void
vl_image_free(VlImage *img)
{
    if (!img)
        return;
    g_free(img->digest);
    g_free(img->file);
    g_free(img->path);
    g_free(img->format);
    if (img->refs)
        g_ptr_array_unref(img->refs);
    g_free(img->pulled);
    g_free(img);
}

char *
vl_image_store_dir(void)
{
    g_autofree char *state = vl_fs_state_dir();

    return g_build_filename(state, "images", "oci", NULL);
}

static char *
vl_image_store_digest_dir(const char *digest)
{
    g_autofree char *dir = vl_image_store_dir();

    return g_build_filename(dir, "sha256", digest + strlen("sha256:"), NULL);
}

/* The store's lock: an flock on images/oci/lock, released when the fd is closed. */
static int
vl_image_store_lock(GError **error)
{
    g_autofree char *dir = vl_image_store_dir();
    g_autofree char *path = g_build_filename(dir, "lock", NULL);
    int fd;

    if (g_mkdir_with_parents(dir, 0755) < 0 ||
        (fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot open the image store's lock: %s",
                    path, g_strerror(e));
        return -1;
    }
    while (flock(fd, LOCK_EX) < 0) {
        if (errno != EINTR) {
            int e = errno;
            close(fd);
            g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot lock: %s", path, g_strerror(e));
            return -1;
        }
    }
    return fd;
}

static json_object *
vl_image_store_refs_load(void)
{
    g_autofree char *dir = vl_image_store_dir();
    g_autofree char *path = g_build_filename(dir, "refs.json", NULL);
    json_object *refs = vl_json_load_file(path, NULL);

    if (!refs || !json_object_is_type(refs, json_type_object)) {
        json_object_put(refs);
        refs = json_object_new_object();
    }
    return refs;
}

static gboolean
vl_image_store_refs_save(json_object *refs, GError **error)
{
    g_autofree char *dir = vl_image_store_dir();
    g_autofree char *path = g_build_filename(dir, "refs.json", NULL);

    return vl_json_write_file(path, refs, 0644, error);
}

char *
vl_image_store_ref_digest(const char *ref)
{
    g_autoptr(json_object) refs = vl_image_store_refs_load();
    json_object *v = NULL;

    if (!json_object_object_get_ex(refs, ref, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return g_strdup(json_object_get_string(v));
}

static VlImage *
vl_image_from_json(json_object *o, const char *dir)
{
    g_autoptr(VlImage) img = g_new0(VlImage, 1);
    json_object *v = NULL;
    json_object *refs = NULL;

    if (!json_object_object_get_ex(o, "digest", &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    img->digest = g_strdup(json_object_get_string(v));
    if (!json_object_object_get_ex(o, "file", &v) || !json_object_is_type(v, json_type_string) ||
        strchr(json_object_get_string(v), '/'))
        return NULL;
    img->file = g_strdup(json_object_get_string(v));
    img->path = g_build_filename(dir, "disk", img->file, NULL);
    if (json_object_object_get_ex(o, "format", &v))
        img->format = g_strdup(json_object_get_string(v));
    if (json_object_object_get_ex(o, "virtual_size", &v))
        img->virtual_size = (guint64)json_object_get_int64(v);
    if (json_object_object_get_ex(o, "actual_size", &v))
        img->actual_size = (guint64)json_object_get_int64(v);
    if (json_object_object_get_ex(o, "pulled", &v))
        img->pulled = g_strdup(json_object_get_string(v));
    img->refs = g_ptr_array_new_with_free_func(g_free);
    if (json_object_object_get_ex(o, "refs", &refs) && json_object_is_type(refs, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(refs); i++)
            g_ptr_array_add(img->refs,
                            g_strdup(json_object_get_string(json_object_array_get_idx(refs, i))));
    }
    return g_steal_pointer(&img);
}

static json_object *
vl_image_to_json(const VlImage *img)
{
    json_object *o = json_object_new_object();
    json_object *refs = json_object_new_array();

    json_object_object_add(o, "digest", json_object_new_string(img->digest));
    json_object_object_add(o, "file", json_object_new_string(img->file));
    json_object_object_add(o, "format", json_object_new_string(img->format ? img->format : ""));
    json_object_object_add(o, "virtual_size", json_object_new_int64((int64_t)img->virtual_size));
    json_object_object_add(o, "actual_size", json_object_new_int64((int64_t)img->actual_size));
    for (guint i = 0; img->refs && i < img->refs->len; i++)
        json_object_array_add(refs, json_object_new_string(g_ptr_array_index(img->refs, i)));
    json_object_object_add(o, "refs", refs);
    json_object_object_add(o, "pulled", json_object_new_string(img->pulled ? img->pulled : ""));
    return o;
}

static VlImage *
vl_image_store_read(const char *dir, GError **error)
{
    g_autofree char *path = g_build_filename(dir, VL_IMAGE_RECORD, NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(json_object) o = vl_json_load_file(path, &err);
    VlImage *img;

    if (!o) {
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: %s", path, err->message);
        return NULL;
    }
    img = vl_image_from_json(o, dir);
    if (!img)
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: not an image record", path);
    return img;
}

VlImage *
vl_image_store_get(const char *digest, GError **error)
{
    g_autofree char *dir = vl_image_store_digest_dir(digest);
    g_autofree char *record = g_build_filename(dir, VL_IMAGE_RECORD, NULL);

    if (!g_file_test(record, G_FILE_TEST_EXISTS))
        return NULL;
    return vl_image_store_read(dir, error);
}

/* Removes @path and everything below it (no symlink is followed). */
static void
vl_image_rmtree(const char *path)
{
    g_autoptr(GDir) d = NULL;
    const char *name;
    GStatBuf st;

    if (g_lstat(path, &st) < 0)
        return;
    if (S_ISDIR(st.st_mode) && (d = g_dir_open(path, 0, NULL))) {
        while ((name = g_dir_read_name(d))) {
            g_autofree char *child = g_build_filename(path, name, NULL);
            vl_image_rmtree(child);
        }
        g_rmdir(path);
        return;
    }
    g_unlink(path);
}

/* Return: whether a stage folder "pull-PID-XXXXXX" belongs to a process that is still alive. */
static gboolean
vl_image_stage_is_live(const char *name)
{
    guint64 pid = 0;
    g_auto(GStrv) parts = g_strsplit(name, "-", 3);

    if (g_strv_length(parts) != 3 || !g_str_equal(parts[0], "pull") ||
        !g_ascii_string_to_unsigned(parts[1], 10, 1, G_MAXINT, &pid, NULL))
        return FALSE;
    return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

char *
vl_image_store_stage(GError **error)
{
    g_autofree char *dir = vl_image_store_dir();
    g_autofree char *tmp = g_build_filename(dir, "tmp", NULL);
    g_autofree char *base = g_strdup_printf("pull-%d-XXXXXX", (int)getpid());
    g_autofree char *tmpl = g_build_filename(tmp, base, NULL);
    g_autoptr(GDir) d = NULL;
    const char *name;

    if (g_mkdir_with_parents(tmp, 0755) < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot create: %s", tmp, g_strerror(e));
        return NULL;
    }
    /* Left-overs of pulls that were killed outright: their process is gone. */
    if ((d = g_dir_open(tmp, 0, NULL))) {
        while ((name = g_dir_read_name(d))) {
            g_autofree char *child = g_build_filename(tmp, name, NULL);
            if (!vl_image_stage_is_live(name))
                vl_image_rmtree(child);
        }
    }
    if (!g_mkdtemp_full(tmpl, 0755)) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot create: %s", tmp, g_strerror(e));
        return NULL;
    }
    return g_steal_pointer(&tmpl);
}

/* Removes a stage folder (after a failed or interrupted pull). */
void
vl_image_store_unstage(const char *staged)
{
    if (staged)
        vl_image_rmtree(staged);
}

static gboolean
vl_image_store_add_ref(json_object *refs, VlImage *img, const char *ref)
{
    gboolean known = FALSE;

    if (!ref)
        return FALSE;
    json_object_object_add(refs, ref, json_object_new_string(img->digest));
    for (guint i = 0; i < img->refs->len; i++)
        known |= g_str_equal(g_ptr_array_index(img->refs, i), ref);
    if (!known)
        g_ptr_array_add(img->refs, g_strdup(ref));
    return !known;
}

static gboolean
vl_image_store_write_record(const char *dir, const VlImage *img, GError **error)
{
    g_autofree char *path = g_build_filename(dir, VL_IMAGE_RECORD, NULL);
    g_autoptr(json_object) o = vl_image_to_json(img);

    return vl_json_write_file(path, o, 0644, error);
}

gboolean
vl_image_store_commit(const char *staged, VlImage *img, const char *ref, GError **error)
{
    g_autofree char *dir = vl_image_store_digest_dir(img->digest);
    g_autofree char *parent = g_path_get_dirname(dir);
    g_autoptr(json_object) refs = NULL;
    g_autoptr(VlImage) have = NULL;
    int lock = vl_image_store_lock(error);
    gboolean ok = FALSE;

    if (lock < 0)
        return FALSE;
    refs = vl_image_store_refs_load();
    if (!img->refs)
        img->refs = g_ptr_array_new_with_free_func(g_free);
    have = vl_image_store_get(img->digest, NULL);
    if (have) {
        /* Pulled by someone else meanwhile, or under another tag: keep the one copy. */
        vl_image_rmtree(staged);
        vl_image_store_add_ref(refs, have, ref);
        ok = vl_image_store_write_record(dir, have, error) && vl_image_store_refs_save(refs, error);
        g_free(img->path);
        img->path = g_strdup(have->path);
        goto out;
    }
    vl_image_store_add_ref(refs, img, ref);
    if (!vl_image_store_write_record(staged, img, error))
        goto out;
    if (g_mkdir_with_parents(parent, 0755) < 0 || g_rename(staged, dir) < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot move the pulled image into place: %s",
                    dir, g_strerror(e));
        goto out;
    }
    g_free(img->path);
    img->path = g_build_filename(dir, "disk", img->file, NULL);
    ok = vl_image_store_refs_save(refs, error);
out:
    close(lock);
    return ok;
}

gboolean
vl_image_store_tag(const char *ref, const char *digest, GError **error)
{
    g_autofree char *dir = vl_image_store_digest_dir(digest);
    g_autoptr(json_object) refs = NULL;
    g_autoptr(VlImage) have = NULL;
    int lock = vl_image_store_lock(error);
    gboolean ok = TRUE;

    if (lock < 0)
        return FALSE;
    refs = vl_image_store_refs_load();
    have = vl_image_store_get(digest, error);
    if (have) {
        gboolean added = vl_image_store_add_ref(refs, have, ref);
        ok = (!added || vl_image_store_write_record(dir, have, error)) &&
             vl_image_store_refs_save(refs, error);
    }
    close(lock);
    return ok;
}

static gint
vl_image_cmp(gconstpointer a, gconstpointer b)
{
    const VlImage *x = *(VlImage *const *)a;
    const VlImage *y = *(VlImage *const *)b;

    return g_strcmp0(x->digest, y->digest);
}

GPtrArray *
vl_image_store_list(GError **error)
{
    g_autofree char *root = vl_image_store_dir();
    g_autofree char *dir = g_build_filename(root, "sha256", NULL);
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)vl_image_free);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *child = g_build_filename(dir, name, NULL);
        VlImage *img = vl_image_store_read(child, error);

        if (!img)
            return NULL;
        g_ptr_array_add(out, img);
    }
    g_ptr_array_sort(out, vl_image_cmp);
    return g_steal_pointer(&out);
}

gboolean
vl_image_store_remove(const char *digest, GError **error)
{
    g_autofree char *dir = vl_image_store_digest_dir(digest);
    g_autoptr(json_object) refs = NULL;
    g_autoptr(GPtrArray) drop = g_ptr_array_new_with_free_func(g_free);
    int lock = vl_image_store_lock(error);
    gboolean ok;

    if (lock < 0)
        return FALSE;
    refs = vl_image_store_refs_load();
    {
        json_object_object_foreach(refs, k, v)
        {
            if (g_strcmp0(json_object_get_string(v), digest) == 0)
                g_ptr_array_add(drop, g_strdup(k));
        }
    }
    for (guint i = 0; i < drop->len; i++)
        json_object_object_del(refs, g_ptr_array_index(drop, i));
    vl_image_rmtree(dir);
    ok = vl_image_store_refs_save(refs, error);
    close(lock);
    return ok;
}

static void
vl_image_users_add(GHashTable *users, const char *digest, const char *lab)
{
    GPtrArray *labs = g_hash_table_lookup(users, digest);

    if (!labs) {
        labs = g_ptr_array_new_with_free_func(g_free);
        g_hash_table_insert(users, g_strdup(digest), labs);
    }
    for (guint i = 0; i < labs->len; i++) {
        if (g_str_equal(g_ptr_array_index(labs, i), lab))
            return;
    }
    g_ptr_array_add(labs, g_strdup(lab));
    g_ptr_array_sort(labs, (GCompareFunc)g_strcmp0);
}

GHashTable *
vl_image_store_users(void)
{
    g_autofree char *state = vl_fs_state_dir();
    g_autofree char *labs_dir = g_build_filename(state, "labs", NULL);
    GHashTable *users =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
    g_autoptr(GDir) d = g_dir_open(labs_dir, 0, NULL);
    const char *lab;

    while (d && (lab = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(labs_dir, lab, "state.json", NULL);
        g_autoptr(json_object) st = vl_json_load_file(path, NULL);
        json_object *nodes = NULL;

        if (!st || !json_object_object_get_ex(st, "nodes", &nodes) ||
            !json_object_is_type(nodes, json_type_array))
            continue;
        for (size_t i = 0; i < json_object_array_length(nodes); i++) {
            json_object *images = NULL;

            if (!json_object_object_get_ex(json_object_array_get_idx(nodes, i), "images",
                                           &images) ||
                !json_object_is_type(images, json_type_array))
                continue;
            for (size_t j = 0; j < json_object_array_length(images); j++) {
                json_object *digest = NULL;
                if (json_object_object_get_ex(json_object_array_get_idx(images, j), "digest",
                                              &digest))
                    vl_image_users_add(users, json_object_get_string(digest), lab);
            }
        }
    }
    return users;
}
