/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-listing.h - folder listings in the formats of LIST (ls -l), NLST and MLSD/MLST */
#pragma once

#include "vl-ftp-backend.h"
#include "vl-ftp-vfs.h"

typedef enum {
    VL_FTP_LISTING_LS,    /* LIST: "drwxr-xr-x 1 ftp ftp 4096 Jan 01 12:00 name" */
    VL_FTP_LISTING_NAMES, /* NLST: the names only */
    VL_FTP_LISTING_MLSD,  /* MLSD/MLST: "type=file;size=1;modify=20240101120000;perm=r; name" */
} VlFtpListingFormat;

/**
 * vl_ftp_listing_append:
 * @out: the listing being built
 * @entry: one entry (its name is used)
 * @writable: whether the client may change it (MLSD perm facts)
 * @now: the current time, for LIST's choice between "HH:MM" and the year
 *
 * Appends one CRLF-terminated line for @entry.
 */
void vl_ftp_listing_append(GString *out, const VlFtpEntry *entry, VlFtpListingFormat format,
                           gboolean writable, gint64 now);

/* Return: (transfer full): the MLST facts of @entry, "type=...;size=...;modify=...;perm=...;". */
char *vl_ftp_listing_facts(const VlFtpEntry *entry, gboolean writable);

/* Return: (transfer full): @time as MDTM's YYYYMMDDHHMMSS in UTC. */
char *vl_ftp_listing_mdtm(gint64 time);

/**
 * vl_ftp_listing_build:
 * @t: a resolved target of @vfs
 * @dirs_only: fail with G_IO_ERROR_NOT_DIRECTORY when @t is a file (MLSD)
 * @out: the listing being built
 *
 * Appends the listing of @t: a folder's entries, merged with the rules below it
 * (vl_ftp_vfs_list()), or the single file.
 * Return: TRUE, or FALSE with an error.
 */
gboolean vl_ftp_listing_build(VlFtpVfs *vfs, const VlFtpTarget *t, VlFtpListingFormat format,
                              gboolean dirs_only, GString *out, GError **error);
