/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-disk-copy.c - make a new disk image as a sparse (or reflinked) copy of a base image */
#include "vl-disk-copy.h"

#include "vl-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bytes per copy_file_range call or read/write round; cancellation is checked in between. */
#define CHUNK (1024 * 1024)

static gboolean
set_errno_error(GError **error, int err, const char *what, const char *path)
{
    g_set_error(error, VL_ERROR, VL_ERROR_IO, "disk copy: cannot %s '%s': %s", what, path,
                g_strerror(err));
    return FALSE;
}

static gboolean
check_cancelled(GCancellable *cancellable, GError **error)
{
    if (g_cancellable_is_cancelled(cancellable)) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "disk copy: cancelled");
        return FALSE;
    }
    return TRUE;
}

/* Return: TRUE if all @len bytes of @buf are zero. */
static gboolean
is_zero(const char *buf, gsize len)
{
    return len == 0 || (buf[0] == 0 && memcmp(buf, buf + 1, len - 1) == 0);
}

/**
 * copy_range_rw:
 * @in: the source, @out: the destination (same offsets)
 * @start: @end: the byte range to copy
 *
 * Copies with pread/pwrite, leaving all-zero blocks unwritten (holes, as @out is truncated to
 * the full size before).
 * Return: TRUE on success, else FALSE with @error set.
 */
static gboolean
copy_range_rw(int in, int out, off_t start, off_t end, const char *src, const char *tmp,
              GCancellable *cancellable, GError **error)
{
    g_autofree char *buf = g_malloc(CHUNK);
    off_t off = start;

    while (off < end) {
        size_t want = (size_t)MIN((off_t)CHUNK, end - off);
        ssize_t n = pread(in, buf, want, off);
        gsize done = 0;

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return set_errno_error(error, errno, "read", src);
        if (n == 0) /* the source shrank under us: the tail reads as zeros (truncate) */
            break;
        if (!is_zero(buf, (gsize)n)) {
            while (done < (gsize)n) {
                ssize_t w = pwrite(out, buf + done, (gsize)n - done, off + (off_t)done);

                if (w < 0 && errno == EINTR)
                    continue;
                if (w < 0)
                    return set_errno_error(error, errno, "write", tmp);
                done += (gsize)w;
            }
        }
        off += n;
        if (!check_cancelled(cancellable, error))
            return FALSE;
    }
    return TRUE;
}

/**
 * copy_range:
 * @use_cfr: (inout): copy_file_range still worth trying; cleared when the kernel or the file
 *   systems cannot do it, and the read/write copy takes over
 *
 * Copies [@start, @end) of @in to the same offsets of @out.
 * Return: TRUE on success, else FALSE with @error set.
 */
static gboolean
copy_range(int in, int out, off_t start, off_t end, gboolean *use_cfr, const char *src,
           const char *tmp, GCancellable *cancellable, GError **error)
{
    off_t off = start;

    while (*use_cfr && off < end) {
        loff_t in_off = off;
        loff_t out_off = off;
        ssize_t n =
            copy_file_range(in, &in_off, out, &out_off, (size_t)MIN((off_t)CHUNK, end - off), 0);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == ENOSYS || errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP ||
                      errno == EBADF)) {
            *use_cfr = FALSE;
            break;
        }
        if (n < 0)
            return set_errno_error(error, errno, "copy to", tmp);
        if (n == 0)
            return TRUE; /* the source ends early: the rest stays a hole */
        off += n;
        if (!check_cancelled(cancellable, error))
            return FALSE;
    }
    return copy_range_rw(in, out, off, end, src, tmp, cancellable, error);
}

/**
 * copy_sparse:
 * @size: the size of the source
 *
 * Walks the data ranges of @in with SEEK_DATA/SEEK_HOLE (the whole file is one data range where
 * the file system cannot tell) and copies them; @out is first truncated to @size, so what is
 * not copied is a hole.
 * Return: TRUE on success, else FALSE with @error set.
 */
static gboolean
copy_sparse(int in, int out, off_t size, const char *src, const char *tmp,
            GCancellable *cancellable, GError **error)
{
    gboolean use_cfr = TRUE;
    off_t off = 0;

    if (ftruncate(out, size) < 0)
        return set_errno_error(error, errno, "size", tmp);
    while (off < size) {
        off_t data = lseek(in, off, SEEK_DATA);
        off_t hole;

        if (data < 0 && errno == ENXIO)
            break; /* only a hole is left */
        if (data < 0 && errno != EINVAL && errno != EOPNOTSUPP)
            return set_errno_error(error, errno, "seek in", src);
        if (data < 0) {
            data = off; /* no SEEK_DATA here: copy everything, zero blocks become holes */
            hole = size;
        } else {
            hole = lseek(in, data, SEEK_HOLE);
            if (hole < 0)
                return set_errno_error(error, errno, "seek in", src);
        }
        hole = MIN(hole, size);
        if (data >= hole)
            break;
        if (!copy_range(in, out, data, hole, &use_cfr, src, tmp, cancellable, error))
            return FALSE;
        off = hole;
    }
    return TRUE;
}

/**
 * publish:
 * @tmp: the finished copy
 * @dest: its final name
 * @out_kept: (out): set when @dest appeared meanwhile and was kept
 *
 * Renames @tmp to @dest unless @dest exists: renameat2(RENAME_NOREPLACE), or link() and unlink()
 * where the file system cannot do that.
 * Return: TRUE on success (also when @dest was kept), else FALSE with @error set.
 */
static gboolean
publish(const char *tmp, const char *dest, gboolean *out_kept, GError **error)
{
    *out_kept = FALSE;
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dest, RENAME_NOREPLACE) == 0)
        return TRUE;
    if (errno == EEXIST) {
        *out_kept = TRUE;
        return TRUE;
    }
    if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
        return set_errno_error(error, errno, "create", dest);
    if (link(tmp, dest) < 0) {
        if (errno == EEXIST) {
            *out_kept = TRUE;
            return TRUE;
        }
        return set_errno_error(error, errno, "create", dest);
    }
    g_unlink(tmp);
    return TRUE;
}

/* Makes the rename of an entry in @path's folder durable. Failure only costs durability. */
static void
sync_parent(const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

gboolean
vl_disk_copy_new(const char *src, const char *dest, VlDiskCopyFlags flags,
                 VlDiskCopyResult *out_result, GCancellable *cancellable, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(dest);
    g_autofree char *base = g_path_get_basename(dest);
    g_autofree char *tmp = g_strdup_printf("%s/.%s.XXXXXX", dir, base);
    VlDiskCopyResult result = VL_DISK_COPY_SPARSE;
    gboolean kept = FALSE;
    gboolean ok = FALSE;
    struct stat st;
    int in = -1;
    int out = -1;

    if (out_result)
        *out_result = VL_DISK_COPY_KEPT;
    if (g_lstat(dest, &st) == 0)
        return TRUE;
    if (errno != ENOENT)
        return set_errno_error(error, errno, "look at", dest);

    if (!check_cancelled(cancellable, error))
        return FALSE;
    in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return set_errno_error(error, errno, "open", src);
    if (fstat(in, &st) < 0) {
        set_errno_error(error, errno, "look at", src);
        goto cleanup;
    }
    if (!S_ISREG(st.st_mode)) {
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "disk copy: '%s' is not a regular file", src);
        goto cleanup;
    }
    out = g_mkstemp_full(tmp, O_RDWR | O_CLOEXEC, 0600);
    if (out < 0) {
        set_errno_error(error, errno, "create a temporary file next to", dest);
        g_clear_pointer(&tmp, g_free); /* nothing to remove */
        goto cleanup;
    }

    if (!(flags & VL_DISK_COPY_FLAGS_NO_REFLINK) && ioctl(out, FICLONE, in) == 0) {
        result = VL_DISK_COPY_REFLINK;
    } else {
        /* Any FICLONE failure (EOPNOTSUPP, EXDEV, EINVAL, ...) leaves @out empty: copy instead;
         * real I/O errors show up there again. */
        if (!copy_sparse(in, out, st.st_size, src, tmp, cancellable, error))
            goto cleanup;
    }
    if (fsync(out) < 0) {
        set_errno_error(error, errno, "sync", tmp);
        goto cleanup;
    }
    if (close(out) < 0) {
        out = -1;
        set_errno_error(error, errno, "write", tmp);
        goto cleanup;
    }
    out = -1;
    if (!publish(tmp, dest, &kept, error))
        goto cleanup;
    if (!kept) {
        g_clear_pointer(&tmp, g_free); /* renamed: nothing to remove */
        sync_parent(dest);
    }
    if (out_result)
        *out_result = kept ? VL_DISK_COPY_KEPT : result;
    ok = TRUE;

cleanup:
    if (out >= 0)
        close(out);
    if (in >= 0)
        close(in);
    if (tmp != NULL)
        g_unlink(tmp);
    return ok;
}
