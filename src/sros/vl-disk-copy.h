/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-disk-copy.h - make a new disk image as a sparse (or reflinked) copy of a base image */
#pragma once

#include <gio/gio.h>

/**
 * VlDiskCopyResult:
 * @VL_DISK_COPY_KEPT: the destination already existed and was left as it is
 * @VL_DISK_COPY_REFLINK: the copy shares the base's blocks (FICLONE: btrfs, XFS, ...)
 * @VL_DISK_COPY_SPARSE: the data ranges of the base were copied, its holes stay holes
 */
typedef enum {
    VL_DISK_COPY_KEPT,
    VL_DISK_COPY_REFLINK,
    VL_DISK_COPY_SPARSE,
} VlDiskCopyResult;

/**
 * VlDiskCopyFlags:
 * @VL_DISK_COPY_FLAGS_NONE: reflink when the file system can, else copy sparsely
 * @VL_DISK_COPY_FLAGS_NO_REFLINK: never reflink (tests of the sparse path)
 */
typedef enum {
    VL_DISK_COPY_FLAGS_NONE = 0,
    VL_DISK_COPY_FLAGS_NO_REFLINK = 1 << 0,
} VlDiskCopyFlags;

/**
 * vl_disk_copy_new:
 * @src: the base image
 * @dest: the new image; an existing file here is never replaced
 * @flags: VlDiskCopyFlags
 * @out_result: (out) (optional): what happened
 * @cancellable: (nullable): checked between copied ranges
 *
 * Copies @src to @dest without filling holes: FICLONE first; where the file system cannot
 * reflink, the data ranges SEEK_DATA/SEEK_HOLE find are copied with copy_file_range (read and
 * write where that is not possible, skipping all-zero blocks) and holes stay holes. The copy is
 * written to a temporary file next to @dest (mode 0600: disks get boot files with passwords),
 * synced and renamed into place without replacing anything (renameat2 RENAME_NOREPLACE, or
 * link), so @dest never exists half-written. If @dest exists, nothing is written and the result
 * is VL_DISK_COPY_KEPT: a persistent disk survives.
 * Return: TRUE on success (copied or kept); FALSE with VL_ERROR_IO (or G_IO_ERROR_CANCELLED
 * converted to VL_ERROR_FAILED) otherwise, and then no file is left at @dest.
 */
gboolean vl_disk_copy_new(const char *src, const char *dest, VlDiskCopyFlags flags,
                          VlDiskCopyResult *out_result, GCancellable *cancellable, GError **error);
