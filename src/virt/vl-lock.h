/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-lock.h - one operation at a time: an flock on a lock file (per lab, or per shared file) */
#pragma once

#include <glib.h>

typedef struct _VlLock VlLock;

/**
 * vl_lock_acquire:
 * @lab_dir: the lab's state folder (created if missing, mode 0755)
 *
 * Takes the lab's lock without waiting.
 * Return: (transfer full): the held lock, or NULL with a VL_ERROR_BUSY error naming the holder's
 * PID.
 */
VlLock *vl_lock_acquire(const char *lab_dir, GError **error);

/**
 * vl_lock_acquire_path:
 * @path: the lock file (it and its folder created if missing)
 * @what: what it guards, for the message: "the FTP proxy config"
 * @wait_ms: how long to wait for another holder to let go (0: not at all)
 *
 * Takes an exclusive flock on @path, which holds the holder's PID.
 * Return: (transfer full): the held lock, or NULL with a VL_ERROR_BUSY error naming the holder's
 * PID (or another error when the file cannot be opened).
 */
VlLock *vl_lock_acquire_path(const char *path, const char *what, guint wait_ms, GError **error);
void vl_lock_release(VlLock *lock);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlLock, vl_lock_release)
