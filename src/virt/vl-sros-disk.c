/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-sros-disk.c - an SR OS CPM's persistent cf3: disk: copied once, boot files written before
 * first boot */
#include "vl-sros-disk.h"

#include "vl-disk-copy.h"
#include "vl-error.h"
#include "vl-ftp-setup.h"
#include "vl-sros-bootfiles.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

/* Copies the license file onto the image as license.txt (mtools, no mounting). */
static gboolean
vl_sros_disk_put_license(const char *image, const char *license, GError **error)
{
    g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                                 G_SUBPROCESS_FLAGS_STDERR_PIPE);
    g_autoptr(GSubprocess) p = NULL;
    g_autofree char *err = NULL;

    g_subprocess_launcher_setenv(l, "MTOOLS_SKIP_CHECK", "1", TRUE);
    g_subprocess_launcher_setenv(l, "MTOOLSRC", "/dev/null", TRUE);
    p = g_subprocess_launcher_spawn(l, error, "mcopy", "-i", image, "-o", "-D", "o", license,
                                    "::license.txt", NULL);
    if (!p || !g_subprocess_communicate_utf8(p, NULL, NULL, NULL, &err, error))
        return FALSE;
    if (!g_subprocess_get_successful(p)) {
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot copy the license '%s' onto it: %s",
                    image, license, err ? g_strstrip(err) : "mcopy failed");
        return FALSE;
    }
    return TRUE;
}

gboolean
vl_sros_disk_prepare(const VlSpec *spec, const VlVm *vm, gboolean reset_boot, gboolean *wrote,
                     GError **error)
{
    g_autofree char *dir = g_path_get_dirname(vm->disk_path);
    g_autoptr(VlFtpCreds) creds = NULL;
    VlDiskCopyResult result = VL_DISK_COPY_KEPT;
    VlSrosBootParams params = {0};
    gboolean written = FALSE;

    if (wrote)
        *wrote = FALSE;
    if (g_mkdir_with_parents(dir, 0755) < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot create folder: %s", dir,
                    g_strerror(e));
        return FALSE;
    }
    if (!vl_disk_copy_new(vm->copy_from, vm->disk_path, VL_DISK_COPY_FLAGS_NONE, &result, NULL,
                          error))
        return FALSE;
    if (result == VL_DISK_COPY_KEPT && !reset_boot)
        return TRUE; /* the router owns its boot files after its first boot */

    creds = vl_ftp_lab_credentials(spec, vm->node, error);
    if (!creds)
        return FALSE;
    params.name = vm->name;
    params.user = creds->login;
    params.password = creds->password;
    params.image_path = VL_FTP_IMAGE_PATH;
    params.config_path = VL_FTP_CONFIG_PATH;
    params.license_file = vm->node->sros->license ? "cf3:/license.txt" : NULL;
    params.console_speed = 115200;
    params.wait_seconds = 3;
    if (!vl_sros_bootfiles_write(vm->disk_path, &params, reset_boot, &written, NULL, error)) {
        g_prefix_error(error, "domain '%s': ", vm->name);
        return FALSE;
    }
    if (written && vm->node->sros->license &&
        !vl_sros_disk_put_license(vm->disk_path, vm->node->sros->license, error))
        return FALSE;
    if (wrote)
        *wrote = written;
    return TRUE;
}
