/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-sros-bootfiles.c - SR OS boot files (bof.cfg, nvram.dat) and putting them on a CPM disk */
#include "vl-sros-bootfiles.h"

#include "vl-error.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

/* Characters allowed in the user, password and name besides ASCII letters and digits: safe in an
 * ftp:// URL's user info (RFC 3986 unreserved and sub-delims, without the quote characters and
 * parentheses) and in the space-separated nvram.dat line. */
#define CREDENTIAL_EXTRA "-._~!$&*+,;="

/* Characters never allowed in an FTP path or URL we write into bof.cfg. */
#define PATH_FORBIDDEN "\"'\\#?%"

/* SR OS BOF console-speed values. */
static const guint console_speeds[] = {9600, 19200, 38400, 57600, 115200};

/* Keys are padded to this width plus one space, as in "primary-image    ftp://...". */
#define BOF_KEY_WIDTH 16

/**
 * check_credential:
 * @field: the field's name for the error message
 * @value: (nullable): the value
 *
 * Return: TRUE if @value is 1..VL_SROS_BOOT_FIELD_MAX characters of [A-Za-z0-9] and
 * CREDENTIAL_EXTRA.
 */
static gboolean
check_credential(const char *field, const char *value, GError **error)
{
    gsize len;

    if (value == NULL || *value == '\0') {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "SR OS boot files: %s is missing", field);
        return FALSE;
    }
    len = strlen(value);
    if (len > VL_SROS_BOOT_FIELD_MAX) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "SR OS boot files: %s is %" G_GSIZE_FORMAT
                    " characters long; the boot loader takes at most %d",
                    field, len, VL_SROS_BOOT_FIELD_MAX);
        return FALSE;
    }
    for (const char *p = value; *p; p++) {
        if (g_ascii_isalnum(*p) || strchr(CREDENTIAL_EXTRA, *p) != NULL)
            continue;
        if (g_ascii_isprint(*p))
            g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                        "SR OS boot files: %s must not contain '%c' (allowed: letters, digits and "
                        "'%s')",
                        field, *p, CREDENTIAL_EXTRA);
        else
            g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                        "SR OS boot files: %s must not contain the byte 0x%02x (allowed: letters, "
                        "digits and '%s')",
                        field, (guchar)*p, CREDENTIAL_EXTRA);
        return FALSE;
    }
    return TRUE;
}

/**
 * check_token:
 * @field: the field's name for the error message
 * @value: (nullable): the value
 * @relative: also refuse a leading '/' (an FTP path relative to the server's root)
 *
 * Return: TRUE if @value is non-empty printable ASCII without spaces and PATH_FORBIDDEN.
 */
static gboolean
check_token(const char *field, const char *value, gboolean relative, GError **error)
{
    if (value == NULL || *value == '\0') {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "SR OS boot files: %s is missing", field);
        return FALSE;
    }
    for (const char *p = value; *p; p++) {
        g_autofree char *shown = NULL;

        if (*p > ' ' && *p < 0x7f && strchr(PATH_FORBIDDEN, *p) == NULL)
            continue;
        shown = g_strescape(value, NULL);
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "SR OS boot files: %s '%s' must be printable ASCII without spaces or any of "
                    "'%s' (byte 0x%02x at offset %td)",
                    field, shown, PATH_FORBIDDEN, (guchar)*p, p - value);
        return FALSE;
    }
    if (relative && value[0] == '/') {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "SR OS boot files: %s '%s' must be relative to the FTP server's root (no "
                    "leading '/')",
                    field, value);
        return FALSE;
    }
    return TRUE;
}

/* Return: the address family of @text (G_SOCKET_FAMILY_INVALID if it is not an IP address). */
static GSocketFamily
address_family(const char *text)
{
    g_autoptr(GInetAddress) addr = NULL;

    if (text == NULL)
        return G_SOCKET_FAMILY_INVALID;
    addr = g_inet_address_new_from_string(text);
    return addr != NULL ? g_inet_address_get_family(addr) : G_SOCKET_FAMILY_INVALID;
}

static gboolean
check_route(gsize i, const VlSrosStaticRoute *route, GError **error)
{
    g_autoptr(GInetAddressMask) mask = NULL;
    GSocketFamily hop_family;

    if (route->prefix == NULL || strchr(route->prefix, '/') == NULL ||
        (mask = g_inet_address_mask_new_from_string(route->prefix, NULL)) == NULL) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "SR OS boot files: static route %" G_GSIZE_FORMAT
                    ": prefix '%s' is not an address/length",
                    i + 1, route->prefix ? route->prefix : "");
        return FALSE;
    }
    hop_family = address_family(route->next_hop);
    if (hop_family == G_SOCKET_FAMILY_INVALID) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "SR OS boot files: static route %" G_GSIZE_FORMAT
                    ": next hop '%s' is not an IP address",
                    i + 1, route->next_hop ? route->next_hop : "");
        return FALSE;
    }
    if (hop_family != g_inet_address_mask_get_family(mask)) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "SR OS boot files: static route %" G_GSIZE_FORMAT
                    ": prefix '%s' and next hop '%s' are of different address families",
                    i + 1, route->prefix, route->next_hop);
        return FALSE;
    }
    return TRUE;
}

gboolean
vl_sros_boot_params_validate(const VlSrosBootParams *params, GError **error)
{
    gboolean speed_ok = params->console_speed == 0;

    if (!check_credential("name", params->name, error) ||
        !check_credential("user", params->user, error) ||
        !check_credential("password", params->password, error) ||
        !check_token("image path", params->image_path, TRUE, error) ||
        !check_token("config path", params->config_path, TRUE, error))
        return FALSE;
    if (params->license_file != NULL &&
        !check_token("license file", params->license_file, FALSE, error))
        return FALSE;
    if (params->primary_dns != NULL &&
        address_family(params->primary_dns) == G_SOCKET_FAMILY_INVALID) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "SR OS boot files: primary DNS '%s' is not an IP address", params->primary_dns);
        return FALSE;
    }
    if (params->n_static_routes > 0 && params->static_routes == NULL) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "SR OS boot files: %" G_GSIZE_FORMAT " static routes announced but none given",
                    params->n_static_routes);
        return FALSE;
    }
    for (gsize i = 0; i < params->n_static_routes; i++)
        if (!check_route(i, &params->static_routes[i], error))
            return FALSE;
    for (gsize i = 0; i < G_N_ELEMENTS(console_speeds); i++)
        speed_ok = speed_ok || params->console_speed == console_speeds[i];
    if (!speed_ok) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "SR OS boot files: console speed %u is not one of 9600, 19200, 38400, 57600, "
                    "115200",
                    params->console_speed);
        return FALSE;
    }
    if (params->wait_seconds > 10) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "SR OS boot files: wait %u is out of range (1-10 seconds, or 0 for the default "
                    "3)",
                    params->wait_seconds);
        return FALSE;
    }
    return TRUE;
}

/* Appends one BOF line: the key padded to the value column, then the value. */
static void
bof_line(GString *out, const char *key, const char *value)
{
    if (value == NULL)
        g_string_append_printf(out, "%s\n", key);
    else
        g_string_append_printf(out, "%-*s %s\n", BOF_KEY_WIDTH, key, value);
}

char *
vl_sros_bootfiles_render_bof(const VlSrosBootParams *params, GError **error)
{
    g_autoptr(GString) out = NULL;
    g_autofree char *image = NULL;
    g_autofree char *config = NULL;
    g_autofree char *address = NULL;
    g_autofree char *wait = NULL;
    g_autofree char *speed = NULL;

    if (!vl_sros_boot_params_validate(params, error))
        return NULL;

    image = g_strdup_printf("ftp://%s:%s@" VL_SROS_FTP_ADDRESS "/%s", params->user,
                            params->password, params->image_path);
    config = g_strdup_printf("ftp://%s:%s@" VL_SROS_FTP_ADDRESS "/%s", params->user,
                             params->password, params->config_path);
    address = g_strdup_printf(VL_SROS_VM_ADDRESS "/%d active", VL_SROS_VM_PREFIX);
    wait = g_strdup_printf("%u", params->wait_seconds ? params->wait_seconds : 3);
    speed = g_strdup_printf("%u", params->console_speed ? params->console_speed : 115200);

    out = g_string_new(NULL);
    g_string_append_printf(out, "# bof.cfg of %s, written by vmlab-virt before its first boot\n",
                           params->name);
    bof_line(out, "primary-image", image);
    bof_line(out, "primary-config", config);
    if (params->license_file)
        bof_line(out, "license-file", params->license_file);
    bof_line(out, "address", address);
    if (params->primary_dns)
        bof_line(out, "primary-dns", params->primary_dns);
    for (gsize i = 0; i < params->n_static_routes; i++) {
        g_autofree char *route = g_strdup_printf("%s next-hop %s", params->static_routes[i].prefix,
                                                 params->static_routes[i].next_hop);
        bof_line(out, "static-route", route);
    }
    bof_line(out, "autonegotiate", NULL);
    bof_line(out, "duplex", "full");
    bof_line(out, "speed", "100");
    bof_line(out, "wait", wait);
    bof_line(out, "persist", params->persist ? "on" : "off");
    bof_line(out, "console-speed", speed);
    return g_string_free(g_steal_pointer(&out), FALSE);
}

char *
vl_sros_bootfiles_render_nvram(const VlSrosBootParams *params, GError **error)
{
    if (!vl_sros_boot_params_validate(params, error))
        return NULL;
    /* e= is the VM's address with its netmask in hex; h= the boot host; g= the gateway. */
    return g_strdup_printf("fei(0,0)" VL_SROS_FTP_ADDRESS ":/i386-boot.tim e=" VL_SROS_VM_ADDRESS
                           ":%08x h=" VL_SROS_FTP_ADDRESS " g=" VL_SROS_FTP_ADDRESS
                           " u=%s pw=%s tn=%s f=0x8 s=p1=1",
                           (guint32)(0xffffffffu << (32 - VL_SROS_VM_PREFIX)), params->user,
                           params->password, params->name);
}

/**
 * check_image:
 * @image: the disk image path given by the caller
 *
 * mtools reads "FILE@@OFFSET" as an offset into FILE, so such a name cannot be passed through.
 * Return: TRUE if @image is an existing regular file mtools can be pointed at.
 */
static gboolean
check_image(const char *image, GError **error)
{
    GStatBuf st;

    if (image == NULL || *image == '\0' || strstr(image, "@@") != NULL) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "SR OS boot files: disk image path '%s' is empty or contains '@@'",
                    image ? image : "");
        return FALSE;
    }
    if (g_stat(image, &st) < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "SR OS boot files: disk image '%s': %s", image,
                    g_strerror(e));
        return FALSE;
    }
    if (!S_ISREG(st.st_mode)) {
        g_set_error(error, VL_ERROR, VL_ERROR_IO,
                    "SR OS boot files: disk image '%s' is not a regular file", image);
        return FALSE;
    }
    return TRUE;
}

/**
 * run_mtools:
 * @argv: the command, argv[0] an mtools program found in PATH
 * @image: the image, for error messages
 * @out_stdout: (out) (optional): what the program printed
 *
 * Runs an mtools program with a closed stdin (it never waits for an answer), without the user's
 * ~/.mtoolsrc, with MTOOLS_SKIP_CHECK=1 (images made by other tools pass) and the C locale.
 * Return: TRUE if it exited with status 0, else FALSE with VL_ERROR_IO quoting its stderr.
 */
static gboolean
run_mtools(const char *const *argv, const char *image, GBytes **out_stdout,
           GCancellable *cancellable, GError **error)
{
    g_autoptr(GSubprocessLauncher) launcher = NULL;
    g_autoptr(GSubprocess) proc = NULL;
    g_autoptr(GBytes) out = NULL;
    g_autoptr(GBytes) err = NULL;
    g_autoptr(GError) local = NULL;
    g_autofree char *msg = NULL;

    launcher =
        g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
    g_subprocess_launcher_set_stdin_file_path(launcher, "/dev/null");
    g_subprocess_launcher_setenv(launcher, "MTOOLS_SKIP_CHECK", "1", TRUE);
    g_subprocess_launcher_setenv(launcher, "MTOOLSRC", "/dev/null", TRUE);
    g_subprocess_launcher_setenv(launcher, "LC_ALL", "C", TRUE);
    proc = g_subprocess_launcher_spawnv(launcher, argv, &local);
    if (proc == NULL) {
        g_set_error(error, VL_ERROR, VL_ERROR_IO,
                    "SR OS boot files: cannot run '%s' (is mtools installed?): %s", argv[0],
                    local->message);
        return FALSE;
    }
    if (!g_subprocess_communicate(proc, NULL, cancellable, &out, &err, &local)) {
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "SR OS boot files: '%s' on '%s': %s", argv[0],
                    image, local->message);
        return FALSE;
    }
    if (!g_subprocess_get_if_exited(proc) || g_subprocess_get_exit_status(proc) != 0) {
        gsize len = 0;
        const char *text = err ? g_bytes_get_data(err, &len) : NULL;

        msg = g_strstrip(g_strndup(text ? text : "", len));
        for (char *p = msg; *p; p++)
            if (*p == '\n')
                *p = ' ';
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "SR OS boot files: '%s' failed on '%s': %s",
                    argv[0], image, *msg ? msg : "no message");
        return FALSE;
    }
    if (out_stdout)
        *out_stdout = g_steal_pointer(&out);
    return TRUE;
}

gboolean
vl_sros_bootfiles_exists(const char *image, const char *name, gboolean *out_exists,
                         GCancellable *cancellable, GError **error)
{
    const char *argv[] = {"mdir", "-i", image, "-b", "::", NULL};
    g_autoptr(GBytes) out = NULL;
    g_auto(GStrv) lines = NULL;
    g_autofree char *text = NULL;
    gsize len = 0;
    const char *data;

    *out_exists = FALSE;
    if (!check_image(image, error))
        return FALSE;
    if (!run_mtools(argv, image, &out, cancellable, error))
        return FALSE;
    data = g_bytes_get_data(out, &len);
    text = g_strndup(data ? data : "", len);
    lines = g_strsplit(text, "\n", -1);
    /* mdir -b prints one "::/NAME" per entry, folders with a trailing '/'. */
    for (char **l = lines; *l; l++) {
        const char *entry = g_str_has_prefix(*l, "::/") ? *l + 3 : NULL;
        gsize name_len = strlen(name);

        if (entry == NULL || g_ascii_strncasecmp(entry, name, name_len) != 0)
            continue;
        if (entry[name_len] == '\0') {
            *out_exists = TRUE;
            return TRUE;
        }
        if (entry[name_len] == '/' && entry[name_len + 1] == '\0') {
            g_set_error(error, VL_ERROR, VL_ERROR_IO,
                        "SR OS boot files: '%s' on disk image '%s' is a folder", name, image);
            return FALSE;
        }
    }
    return TRUE;
}

GBytes *
vl_sros_bootfiles_read(const char *image, const char *name, GCancellable *cancellable,
                       GError **error)
{
    g_autofree char *target = g_strconcat("::/", name, NULL);
    const char *argv[] = {"mtype", "-i", image, target, NULL};
    GBytes *out = NULL;

    if (!check_image(image, error))
        return NULL;
    if (!run_mtools(argv, image, &out, cancellable, error))
        return NULL;
    return out;
}

/* Writes @text to @dir/@name (0600) and copies it to the root of @image, replacing a file there. */
static gboolean
copy_in(const char *image, const char *dir, const char *name, const char *text,
        GCancellable *cancellable, GError **error)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autofree char *target = g_strconcat("::/", name, NULL);
    /* -o and -D o: replace a file of the same (long or short) name without asking. */
    const char *argv[] = {"mcopy", "-i", image, "-o", "-D", "o", path, target, NULL};
    g_autoptr(GError) local = NULL;

    if (!g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_NONE, 0600, &local)) {
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "SR OS boot files: %s", local->message);
        return FALSE;
    }
    return run_mtools(argv, image, NULL, cancellable, error);
}

/* Removes the files copy_in() may have left in @dir, then @dir. */
static void
remove_staging(const char *dir)
{
    const char *names[] = {VL_SROS_NVRAM_NAME, VL_SROS_BOF_NAME};

    for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *path = g_build_filename(dir, names[i], NULL);
        g_unlink(path);
    }
    g_rmdir(dir);
}

gboolean
vl_sros_bootfiles_write(const char *image, const VlSrosBootParams *params, gboolean overwrite,
                        gboolean *out_written, GCancellable *cancellable, GError **error)
{
    g_autofree char *bof = NULL;
    g_autofree char *nvram = NULL;
    g_autofree char *dir = NULL;
    g_autoptr(GError) local = NULL;
    gboolean exists = FALSE;
    gboolean ok;

    if (out_written)
        *out_written = FALSE;
    if ((bof = vl_sros_bootfiles_render_bof(params, error)) == NULL ||
        (nvram = vl_sros_bootfiles_render_nvram(params, error)) == NULL)
        return FALSE;
    if (!check_image(image, error))
        return FALSE;
    if (!vl_sros_bootfiles_exists(image, VL_SROS_BOF_NAME, &exists, cancellable, error))
        return FALSE;
    if (exists && !overwrite)
        return TRUE;

    /* The files hold the FTP password: stage them in a folder only the owner can enter. */
    dir = g_dir_make_tmp("vmlab-sros-XXXXXX", &local);
    if (dir == NULL) {
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "SR OS boot files: %s", local->message);
        return FALSE;
    }
    /* bof.cfg last: its presence is what marks the boot files as complete. */
    ok = copy_in(image, dir, VL_SROS_NVRAM_NAME, nvram, cancellable, error) &&
         copy_in(image, dir, VL_SROS_BOF_NAME, bof, cancellable, error);
    remove_staging(dir);
    if (ok && out_written)
        *out_written = TRUE;
    return ok;
}
