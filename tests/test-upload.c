/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-upload.c - image uploads through the libvirt storage API, against the real system daemon */
#include "vl-error.h"
#include "vl-image-upload.h"
#include "vl-test-util.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/*
 * Needs qemu:///system (CI starts libvirtd; skipped with a reason otherwise). The pool
 * vmlab-images is the one a remote host would have; the test removes its own volumes, and the
 * pool too when the test made it.
 */

#define MIB (1024 * 1024)

typedef struct {
    char *dir;
    char *home;
    char *image; /* 64 MiB, 2 MiB of it data: at 0 and at 32 MiB */
    virConnectPtr conn;
    gboolean pool_was_there;
    guint calls; /* progress calls */
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
    g_autofree guint8 *buf = g_malloc(MIB);
    int fd;

    f->conn = vl_conn_open("qemu:///system", NULL);
    if (!f->conn)
        return;
    f->pool_was_there = virStoragePoolLookupByName(f->conn, "vmlab-images") != NULL;
    f->dir = vl_test_mkdtemp();
    f->home = g_build_filename(f->dir, "home", NULL);
    g_setenv("VMLAB_HOME", f->home, TRUE);
    f->image = g_build_filename(f->dir, "sparse.raw", NULL);
    fd = open(f->image, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    g_assert_cmpint(fd, >=, 0);
    /* unique content, so that the volume is this test's own */
    for (guint i = 0; i < MIB; i++)
        buf[i] = (guint8)g_random_int();
    g_assert_cmpint(pwrite(fd, buf, MIB, 0), ==, MIB);
    g_assert_cmpint(pwrite(fd, buf, MIB, 32 * MIB), ==, MIB);
    g_assert_cmpint(ftruncate(fd, 64 * MIB), ==, 0);
    close(fd);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *hex = NULL;
    virStoragePoolPtr pool;

    if (!f->conn)
        return;
    hex = vl_image_upload_hash(f->image, NULL);
    pool = virStoragePoolLookupByName(f->conn, "vmlab-images");
    if (pool && hex) {
        const char *suffix[] = {".raw", ".raw.done"};
        for (guint i = 0; i < G_N_ELEMENTS(suffix); i++) {
            g_autofree char *name = g_strdup_printf("sha256-%s%s", hex, suffix[i]);
            virStorageVolPtr vol = virStorageVolLookupByName(pool, name);
            if (vol) {
                virStorageVolDelete(vol, 0);
                virStorageVolFree(vol);
            }
        }
        if (!f->pool_was_there) {
            virStoragePoolDestroy(pool);
            virStoragePoolDelete(pool, 0);
            virStoragePoolUndefine(pool);
        }
    }
    if (pool)
        virStoragePoolFree(pool);
    virConnectClose(f->conn);
    vl_test_rmtree(f->dir);
    g_free(f->dir);
    g_free(f->home);
    g_free(f->image);
}

static void
count_progress(guint64 done, guint64 total, double seconds, gpointer data)
{
    Fixture *f = data;

    g_assert_cmpuint(done, <=, total);
    f->calls++;
}

static char *
upload(Fixture *f)
{
    g_autoptr(GError) err = NULL;
    char *path = NULL;

    g_assert_true(vl_image_upload_ensure(f->conn, f->image, count_progress, f, &path, &err));
    g_assert_no_error(err);
    g_assert_nonnull(path);
    return path;
}

static gboolean
skip_without_daemon(Fixture *f)
{
    if (f->conn)
        return FALSE;
    g_test_skip("qemu:///system is not reachable (libvirtd not running)");
    return TRUE;
}

/* The holes stay holes, and the bytes arrive as they are. */
static void
test_sparse(Fixture *f, gconstpointer data)
{
    g_autofree char *path = NULL;
    g_autofree char *sent = NULL;
    g_autofree char *got = NULL;
    gsize sent_len = 0, got_len = 0;
    g_autoptr(virStorageVol) vol = NULL;
    virStorageVolInfo info;

    if (skip_without_daemon(f))
        return;
    path = upload(f);
    g_assert_cmpuint(f->calls, >=, 1);
    vol = virStorageVolLookupByPath(f->conn, path);
    g_assert_nonnull(vol);
    g_assert_cmpint(virStorageVolGetInfo(vol, &info), ==, 0);
    g_assert_cmpuint(info.capacity, ==, 64 * MIB);
    g_assert_cmpuint(info.allocation, <, 8 * MIB);
    g_assert_true(g_file_get_contents(f->image, &sent, &sent_len, NULL));
    g_assert_true(g_file_get_contents(path, &got, &got_len, NULL));
    g_assert_cmpuint(got_len, ==, sent_len);
    g_assert_true(memcmp(got, sent, sent_len) == 0);
}

/* A host that holds the image complete gets no upload. */
static void
test_reuse(Fixture *f, gconstpointer data)
{
    g_autofree char *first = NULL;
    g_autofree char *second = NULL;

    if (skip_without_daemon(f))
        return;
    first = upload(f);
    f->calls = 0;
    second = upload(f);
    g_assert_cmpstr(first, ==, second);
    g_assert_cmpuint(f->calls, ==, 0);
}

/* A volume without its .done mark (an interrupted upload) is sent again. */
static void
test_interrupted(Fixture *f, gconstpointer data)
{
    g_autofree char *path = NULL;
    g_autofree char *again = NULL;
    g_autofree char *mark = NULL;
    g_autoptr(virStorageVol) vol = NULL;

    if (skip_without_daemon(f))
        return;
    path = upload(f);
    mark = g_strdup_printf("%s.done", path);
    vol = virStorageVolLookupByPath(f->conn, mark);
    g_assert_nonnull(vol);
    g_assert_cmpint(virStorageVolDelete(vol, 0), ==, 0);
    f->calls = 0;
    again = upload(f);
    g_assert_cmpuint(f->calls, >=, 1);
    g_assert_true(g_file_test(mark, G_FILE_TEST_EXISTS));
}

/* A qcow2 with a backing file could not be resolved on the other host. */
static void
test_backing_refused(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *qcow = NULL;
    g_autofree char *path = NULL;
    g_autofree char *out = NULL;
    const char *argv[] = {"qemu-img", "create", "-q",  "-f", "qcow2", "-b",
                          NULL,       "-F",     "raw", NULL, NULL};
    int status = -1;

    if (skip_without_daemon(f))
        return;
    qcow = g_build_filename(f->dir, "over.qcow2", NULL);
    argv[6] = f->image;
    argv[9] = qcow;
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                               NULL, &status, NULL));
    g_assert_cmpint(status, ==, 0);
    g_assert_false(vl_image_upload_ensure(f->conn, qcow, NULL, NULL, &path, &err));
    g_assert_error(err, VL_ERROR, VL_ERROR_INVALID);
    g_assert_nonnull(strstr(err->message, "backing file"));
    g_assert_null(path);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/virt/upload/sparse", Fixture, NULL, fixture_setup, test_sparse, fixture_teardown);
    g_test_add("/virt/upload/reuse", Fixture, NULL, fixture_setup, test_reuse, fixture_teardown);
    g_test_add("/virt/upload/interrupted", Fixture, NULL, fixture_setup, test_interrupted,
               fixture_teardown);
    g_test_add("/virt/upload/backing-refused", Fixture, NULL, fixture_setup, test_backing_refused,
               fixture_teardown);
    return g_test_run();
}
