/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-sros-bootfiles.h - SR OS boot files (bof.cfg, nvram.dat) and putting them on a CPM disk */
#pragma once

#include <gio/gio.h>

/* Fixed management addressing of every SR OS VM (sros.md): the VM and the FTP server it boots from.
 */
#define VL_SROS_VM_ADDRESS  "10.0.2.2"
#define VL_SROS_VM_PREFIX   24
#define VL_SROS_FTP_ADDRESS "10.0.2.1"

/* The names of the boot files in the root folder of the CPM's disk (cf3:). */
#define VL_SROS_BOF_NAME   "bof.cfg"
#define VL_SROS_NVRAM_NAME "nvram.dat"

/*
 * Longest user, password and target name (tn=) the boot loader takes. The nvram.dat line is a
 * VxWorks boot line, and VxWorks' bootLib keeps these fields in 20-byte buffers (BOOT_USR_LEN,
 * BOOT_PASSWORD_LEN, BOOT_HOST_LEN), truncating longer values. That TiMOS keeps these limits is
 * unconfirmed; refusing longer values beats a silently truncated password.
 */
#define VL_SROS_BOOT_FIELD_MAX 20

/**
 * VlSrosStaticRoute:
 * @prefix: the destination, "10.1.0.0/16" (IPv4 or IPv6, with a prefix length)
 * @next_hop: the gateway address, of the same family as @prefix
 *
 * One BOF `static-route PREFIX next-hop ADDRESS` line (routes for the management port).
 */
typedef struct {
    const char *prefix;
    const char *next_hop;
} VlSrosStaticRoute;

/**
 * VlSrosBootParams:
 * @name: the VM's domain name (vsim-2-a), the `tn=` field of nvram.dat
 * @user: the FTP login of this router (per router, generated per lab)
 * @password: its FTP password
 * @image_path: the TiMOS image folder or file on the FTP server, relative to its root ("sros/")
 * @config_path: the router's configuration file on the FTP server, relative to its root
 * ("config.cfg")
 * @license_file: (nullable): BOF `license-file` URL, written as given ("cf3:/license.txt")
 * @primary_dns: (nullable): BOF `primary-dns` address
 * @static_routes: (nullable): BOF static routes for the management port
 * @n_static_routes: the length of @static_routes
 * @console_speed: BOF `console-speed` in baud; 0 means 115200
 * @persist: BOF `persist on` (keep SNMP index files next to the saved config) instead of `off`
 * @wait_seconds: BOF `wait` (seconds the boot loader waits for a key, 1-10); 0 means 3
 *
 * What the boot files of one CPM VM are made from. All strings are borrowed. The VM's address
 * (10.0.2.2/24) and the FTP server (10.0.2.1) are fixed and not part of the parameters.
 */
typedef struct {
    const char *name;
    const char *user;
    const char *password;
    const char *image_path;
    const char *config_path;
    const char *license_file;
    const char *primary_dns;
    const VlSrosStaticRoute *static_routes;
    gsize n_static_routes;
    guint console_speed;
    gboolean persist;
    guint wait_seconds;
} VlSrosBootParams;

/**
 * vl_sros_boot_params_validate:
 * @params: the parameters to check
 *
 * Checks every field of @params: the name, user and password are 1-20 characters of
 * [A-Za-z0-9] and "-._~!$&*+,;=" (no spaces, control characters, '@', ':' or '/', so they can
 * stand in an ftp:// URL and in the space-separated nvram.dat line); the FTP paths are relative
 * (no leading '/'), printable ASCII without spaces, quotes, backslashes, '#', '?' or '%'; routes
 * and the DNS server are IP addresses; the console speed is one SR OS accepts; wait is at most 10.
 * Return: TRUE if @params are usable, else FALSE with a VL_ERROR_INVALID error naming the field.
 */
gboolean vl_sros_boot_params_validate(const VlSrosBootParams *params, GError **error);

/**
 * vl_sros_bootfiles_render_bof:
 * @params: the parameters
 *
 * Renders bof.cfg: a comment line, then `primary-image ftp://USER:PASS@10.0.2.1/IMAGE`,
 * `primary-config ftp://USER:PASS@10.0.2.1/CONFIG`, `license-file` (optional),
 * `address 10.0.2.2/24 active`, `primary-dns` and `static-route` lines (optional),
 * `autonegotiate`, `duplex full`, `speed 100`, `wait 3`, `persist off`, `console-speed 115200`,
 * keys padded to column 17 as SR OS writes them; LF line ends.
 * Return: (transfer full): the text, or NULL with a VL_ERROR_INVALID error for bad @params.
 */
char *vl_sros_bootfiles_render_bof(const VlSrosBootParams *params, GError **error);

/**
 * vl_sros_bootfiles_render_nvram:
 * @params: the parameters
 *
 * Renders nvram.dat, the boot loader's VxWorks boot line, on one line without a line end:
 * `fei(0,0)10.0.2.1:/i386-boot.tim e=10.0.2.2:ffffff00 h=10.0.2.1 g=10.0.2.1 u=USER pw=PASS
 * tn=NAME f=0x8 s=p1=1`. CPMs and IOMs can share it (an IOM's loader asks for i386-iom.tim).
 * Return: (transfer full): the text, or NULL with a VL_ERROR_INVALID error for bad @params.
 */
char *vl_sros_bootfiles_render_nvram(const VlSrosBootParams *params, GError **error);

/**
 * vl_sros_bootfiles_write:
 * @image: a raw disk image holding a FAT file system from its first sector (the CPM's cf3:)
 * @params: the parameters
 * @overwrite: replace boot files that are already there (`up --reset-boot`)
 * @out_written: (out) (optional): TRUE if the files were written, FALSE if they were kept
 * @cancellable: (nullable): cancels the mtools runs
 *
 * Writes nvram.dat and then bof.cfg into the root folder of @image with mtools (mcopy; no root,
 * no mounting). bof.cfg marks boot files the router owns: if it is already on the image and
 * @overwrite is FALSE, neither file is touched and *@out_written is FALSE. The text goes through
 * a private (0700) temporary folder that is removed before returning. The image must not be in
 * use by a running VM.
 * Return: TRUE on success (written or kept); FALSE with VL_ERROR_INVALID for bad @params or an
 * @image name containing "@@" (mtools' offset syntax), VL_ERROR_IO if @image is missing, not a
 * FAT image, bof.cfg is a folder there, or mtools fails.
 */
gboolean vl_sros_bootfiles_write(const char *image, const VlSrosBootParams *params,
                                 gboolean overwrite, gboolean *out_written,
                                 GCancellable *cancellable, GError **error);

/**
 * vl_sros_bootfiles_exists:
 * @image: a raw FAT disk image
 * @name: a file name in its root folder (matched case-insensitively, as FAT does)
 * @out_exists: (out): whether a regular file @name is there
 * @cancellable: (nullable): cancels the mtools run
 *
 * Return: TRUE on success; FALSE with VL_ERROR_IO if the image cannot be listed or @name is a
 * folder there.
 */
gboolean vl_sros_bootfiles_exists(const char *image, const char *name, gboolean *out_exists,
                                  GCancellable *cancellable, GError **error);

/**
 * vl_sros_bootfiles_read:
 * @image: a raw FAT disk image
 * @name: a file name in its root folder
 * @cancellable: (nullable): cancels the mtools run
 *
 * Reads a file from the image with mtype (bytes as stored, no text conversion).
 * Return: (transfer full): the content, or NULL with VL_ERROR_IO (missing file, not FAT, ...).
 */
GBytes *vl_sros_bootfiles_read(const char *image, const char *name, GCancellable *cancellable,
                               GError **error);
