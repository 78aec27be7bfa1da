/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-listing.c - folder listings in the formats of LIST (ls -l), NLST and MLSD/MLST */
#include "vl-ftp-listing.h"

#include "vl-ftp-path.h"

static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

char *
vl_ftp_listing_mdtm(gint64 time)
{
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(time);

    if (!dt)
        return g_strdup("19700101000000");
    return g_date_time_format(dt, "%Y%m%d%H%M%S");
}

char *
vl_ftp_listing_facts(const VlFtpEntry *entry, gboolean writable)
{
    g_autofree char *modify = vl_ftp_listing_mdtm(entry->mtime);

    if (entry->is_dir)
        return g_strdup_printf("type=dir;modify=%s;perm=el%s;", modify, writable ? "cmp" : "");
    return g_strdup_printf("type=file;size=%" G_GUINT64_FORMAT ";modify=%s;perm=r%s;", entry->size,
                           modify, writable ? "adfw" : "");
}

static void
append_mode(GString *out, const VlFtpEntry *entry)
{
    static const char bits[] = "rwxrwxrwx";

    g_string_append_c(out, entry->is_dir ? 'd' : '-');
    for (int i = 0; i < 9; i++)
        g_string_append_c(out, (entry->mode & (0400u >> i)) ? bits[i] : '-');
}

void
vl_ftp_listing_append(GString *out, const VlFtpEntry *entry, VlFtpListingFormat format,
                      gboolean writable, gint64 now)
{
    switch (format) {
    case VL_FTP_LISTING_NAMES:
        g_string_append_printf(out, "%s\r\n", entry->name);
        return;
    case VL_FTP_LISTING_MLSD: {
        g_autofree char *facts = vl_ftp_listing_facts(entry, writable);
        g_string_append_printf(out, "%s %s\r\n", facts, entry->name);
        return;
    }
    case VL_FTP_LISTING_LS: {
        g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(entry->mtime);
        gint64 six_months = 182 * 24 * 3600;

        append_mode(out, entry);
        g_string_append_printf(out, " %3u ftp      ftp      %12" G_GUINT64_FORMAT " ",
                               entry->is_dir ? 2u : 1u, entry->is_dir ? 4096 : entry->size);
        if (!dt) {
            g_string_append(out, "Jan 01  1970");
        } else if (entry->mtime > now - six_months && entry->mtime < now + 3600) {
            g_string_append_printf(out, "%s %2d %02d:%02d", months[g_date_time_get_month(dt) - 1],
                                   g_date_time_get_day_of_month(dt), g_date_time_get_hour(dt),
                                   g_date_time_get_minute(dt));
        } else {
            g_string_append_printf(out, "%s %2d  %4d", months[g_date_time_get_month(dt) - 1],
                                   g_date_time_get_day_of_month(dt), g_date_time_get_year(dt));
        }
        g_string_append_printf(out, " %s\r\n", entry->name);
        return;
    }
    }
}

gboolean
vl_ftp_listing_build(VlFtpVfs *vfs, const VlFtpTarget *t, VlFtpListingFormat format,
                     gboolean dirs_only, GString *out, GError **error)
{
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;
    gboolean is_dir = FALSE;
    g_autoptr(GPtrArray) entries = vl_ftp_vfs_list(vfs, t, dirs_only, &is_dir, error);

    if (!entries)
        return FALSE;
    for (guint i = 0; i < entries->len; i++) {
        const VlFtpEntry *e = entries->pdata[i];
        g_autofree char *child = is_dir ? vl_ftp_path_join(t->vpath, e->name) : g_strdup(t->vpath);
        vl_ftp_listing_append(out, e, format, vl_ftp_vfs_is_writable(vfs, child), now);
    }
    return TRUE;
}
