/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-disk-copy.c - sparse/reflink copies of base images that never replace an existing disk */
#include "vl-disk-copy.h"
#include "vl-error.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MiB (1024 * 1024)

typedef struct {
    char *dir;
    char *src;
    char *dest;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    f->dir = g_dir_make_tmp("test-disk-copy-XXXXXX", &error);
    g_assert_no_error(error);
    f->src = g_build_filename(f->dir, "base.img", NULL);
    f->dest = g_build_filename(f->dir, "disk.img", NULL);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
    g_autoptr(GDir) dir = g_dir_open(f->dir, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *path = g_build_filename(f->dir, name, NULL);
        g_assert_cmpint(g_unlink(path), ==, 0);
    }
    g_assert_cmpint(g_rmdir(f->dir), ==, 0);
    g_free(f->dir);
    g_free(f->src);
    g_free(f->dest);
}

/* Writes @len bytes of a pattern (never all zero) at @off of @fd. */
static void
write_pattern(int fd, off_t off, gsize len, guint32 seed)
{
    g_autofree guchar *buf = g_malloc(len);
    GRand *rand = g_rand_new_with_seed(seed);

    for (gsize i = 0; i < len; i++)
        buf[i] = (guchar)(g_rand_int(rand) | 1);
    g_rand_free(rand);
    g_assert_cmpint(pwrite(fd, buf, len, off), ==, (gssize)len);
}

/* Makes @path a 64 MiB file that is mostly holes: data at 0, 10 MiB, 40 MiB (zeros) and the end. */
static void
make_sparse_base(const char *path)
{
    g_autofree guchar *zeros = g_malloc0(MiB);
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, 64 * MiB), ==, 0);
    write_pattern(fd, 0, 4096, 1);
    write_pattern(fd, 10 * MiB + 123, MiB, 2);
    g_assert_cmpint(pwrite(fd, zeros, MiB, 40 * MiB), ==, MiB); /* data that reads as zeros */
    write_pattern(fd, 64 * MiB - 100, 100, 3);
    g_assert_cmpint(fsync(fd), ==, 0);
    g_assert_cmpint(close(fd), ==, 0);
}

/* Checks that @a and @b have the same size and bytes. */
static void
assert_same_content(const char *a, const char *b)
{
    g_autofree char *buf_a = g_malloc(MiB);
    g_autofree char *buf_b = g_malloc(MiB);
    int fa = open(a, O_RDONLY | O_CLOEXEC);
    int fb = open(b, O_RDONLY | O_CLOEXEC);
    struct stat sa, sb;
    off_t off = 0;

    g_assert_cmpint(fa, >=, 0);
    g_assert_cmpint(fb, >=, 0);
    g_assert_cmpint(fstat(fa, &sa), ==, 0);
    g_assert_cmpint(fstat(fb, &sb), ==, 0);
    g_assert_cmpint(sa.st_size, ==, sb.st_size);
    while (off < sa.st_size) {
        ssize_t na = pread(fa, buf_a, MiB, off);
        ssize_t nb = pread(fb, buf_b, MiB, off);

        g_assert_cmpint(na, >, 0);
        g_assert_cmpint(na, ==, nb);
        if (memcmp(buf_a, buf_b, (gsize)na) != 0)
            g_error("'%s' and '%s' differ in the MiB at %" G_GINT64_FORMAT, a, b, (gint64)off);
        off += na;
    }
    close(fa);
    close(fb);
}

/* Checks that @path takes far less space than its size (it kept the holes). */
static void
assert_sparse(const char *path)
{
    struct stat st;

    g_assert_cmpint(g_stat(path, &st), ==, 0);
    g_test_message("%s: size %" G_GINT64_FORMAT ", allocated %" G_GINT64_FORMAT, path,
                   (gint64)st.st_size, (gint64)st.st_blocks * 512);
    /* Data is 2 MiB + 8 KiB at most (the zero MiB may be copied as data): well under 64 MiB. */
    g_assert_cmpint((gint64)st.st_blocks * 512, <, st.st_size / 8);
    g_assert_cmpint((gint64)st.st_blocks * 512, <=, 4 * MiB);
}

/* Checks that @dir holds exactly @names (no temporary files left behind). */
static void
assert_dir_holds(const char *dir_path, const char *const *names)
{
    g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
    g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func(g_free);
    const char *name;

    g_assert_nonnull(dir);
    while ((name = g_dir_read_name(dir)) != NULL) {
        g_ptr_array_add(found, g_strdup(name));
        if (!g_strv_contains(names, name))
            g_error("unexpected file '%s' in '%s'", name, dir_path);
    }
    g_assert_cmpuint(found->len, ==, g_strv_length((char **)names));
}

static void
test_sparse(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    VlDiskCopyResult result = VL_DISK_COPY_KEPT;
    struct stat st;

    make_sparse_base(f->src);
    g_assert_true(
        vl_disk_copy_new(f->src, f->dest, VL_DISK_COPY_FLAGS_NO_REFLINK, &result, NULL, &error));
    g_assert_no_error(error);
    g_assert_cmpint(result, ==, VL_DISK_COPY_SPARSE);
    assert_same_content(f->src, f->dest);
    assert_sparse(f->dest);
    g_assert_cmpint(g_stat(f->dest, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 07777, ==, 0600);
    assert_dir_holds(f->dir, (const char *const[]){"base.img", "disk.img", NULL});
}

/* Without flags: a reflink where the file system can, else the same sparse copy. */
static void
test_default(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    VlDiskCopyResult result = VL_DISK_COPY_KEPT;

    make_sparse_base(f->src);
    g_assert_true(
        vl_disk_copy_new(f->src, f->dest, VL_DISK_COPY_FLAGS_NONE, &result, NULL, &error));
    g_assert_no_error(error);
    g_assert_true(result == VL_DISK_COPY_REFLINK || result == VL_DISK_COPY_SPARSE);
    g_test_message("copied by %s", result == VL_DISK_COPY_REFLINK ? "reflink" : "sparse copy");
    assert_same_content(f->src, f->dest);
    assert_sparse(f->dest);
}

static void
test_keep_existing(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *content = NULL;
    VlDiskCopyResult result = VL_DISK_COPY_SPARSE;

    make_sparse_base(f->src);
    g_assert_true(g_file_set_contents(f->dest, "the router's own disk", -1, &error));
    g_assert_no_error(error);
    g_assert_true(
        vl_disk_copy_new(f->src, f->dest, VL_DISK_COPY_FLAGS_NONE, &result, NULL, &error));
    g_assert_no_error(error);
    g_assert_cmpint(result, ==, VL_DISK_COPY_KEPT);
    g_assert_true(g_file_get_contents(f->dest, &content, NULL, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(content, ==, "the router's own disk");
    assert_dir_holds(f->dir, (const char *const[]){"base.img", "disk.img", NULL});

    /* Also when the existing disk is empty: existence alone decides. */
    g_clear_pointer(&content, g_free);
    g_assert_true(g_file_set_contents(f->dest, "", 0, &error));
    g_assert_no_error(error);
    g_assert_true(
        vl_disk_copy_new(f->src, f->dest, VL_DISK_COPY_FLAGS_NO_REFLINK, &result, NULL, &error));
    g_assert_no_error(error);
    g_assert_cmpint(result, ==, VL_DISK_COPY_KEPT);
    g_assert_true(g_file_get_contents(f->dest, &content, NULL, &error));
    g_assert_cmpstr(content, ==, "");
}

static void
test_errors(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *in_missing_dir = g_build_filename(f->dir, "no-such-dir", "disk.img", NULL);
    g_autoptr(GCancellable) cancellable = g_cancellable_new();
    VlDiskCopyResult result = VL_DISK_COPY_SPARSE;

    /* A missing base: an error, and nothing created. */
    g_assert_false(
        vl_disk_copy_new(f->src, f->dest, VL_DISK_COPY_FLAGS_NONE, &result, NULL, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_IO);
    g_assert_nonnull(strstr(error->message, "base.img"));
    g_clear_error(&error);
    assert_dir_holds(f->dir, (const char *const[]){NULL});

    /* A folder as the base. */
    g_assert_false(
        vl_disk_copy_new(f->dir, f->dest, VL_DISK_COPY_FLAGS_NONE, &result, NULL, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_IO);
    g_clear_error(&error);
    assert_dir_holds(f->dir, (const char *const[]){NULL});

    make_sparse_base(f->src);
    g_assert_false(
        vl_disk_copy_new(f->src, in_missing_dir, VL_DISK_COPY_FLAGS_NONE, &result, NULL, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_IO);
    g_clear_error(&error);

    /* Cancelled mid-copy (the sparse path checks between ranges): no disk, no temporary file. */
    g_cancellable_cancel(cancellable);
    g_assert_false(vl_disk_copy_new(f->src, f->dest, VL_DISK_COPY_FLAGS_NO_REFLINK, &result,
                                    cancellable, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_FAILED);
    assert_dir_holds(f->dir, (const char *const[]){"base.img", NULL});
}

static void
test_empty_and_hole(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    VlDiskCopyResult result = VL_DISK_COPY_KEPT;
    struct stat st;
    int fd;

    /* A base that is one 8 MiB hole. */
    fd = open(f->src, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, 8 * MiB), ==, 0);
    close(fd);
    g_assert_true(
        vl_disk_copy_new(f->src, f->dest, VL_DISK_COPY_FLAGS_NO_REFLINK, &result, NULL, &error));
    g_assert_no_error(error);
    g_assert_cmpint(result, ==, VL_DISK_COPY_SPARSE);
    g_assert_cmpint(g_stat(f->dest, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, 8 * MiB);
    g_assert_cmpint(st.st_blocks, ==, 0);
    assert_same_content(f->src, f->dest);
    g_assert_cmpint(g_unlink(f->dest), ==, 0);

    /* An empty base. */
    fd = open(f->src, O_RDWR | O_TRUNC | O_CLOEXEC);
    g_assert_cmpint(fd, >=, 0);
    close(fd);
    g_assert_true(
        vl_disk_copy_new(f->src, f->dest, VL_DISK_COPY_FLAGS_NO_REFLINK, &result, NULL, &error));
    g_assert_no_error(error);
    g_assert_cmpint(g_stat(f->dest, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, 0);
}

#define ADD_FIXTURE_TEST(path, func)                                                               \
    g_test_add(path, Fixture, NULL, fixture_setup, func, fixture_teardown)

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ADD_FIXTURE_TEST("/sros/disk-copy/sparse", test_sparse);
    ADD_FIXTURE_TEST("/sros/disk-copy/default", test_default);
    ADD_FIXTURE_TEST("/sros/disk-copy/keep-existing", test_keep_existing);
    ADD_FIXTURE_TEST("/sros/disk-copy/errors", test_errors);
    ADD_FIXTURE_TEST("/sros/disk-copy/empty-and-hole", test_empty_and_hole);
    return g_test_run();
}
