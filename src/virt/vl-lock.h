/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-lock.h - one operation at a time per lab: an flock on the lab's state folder */
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
void vl_lock_release(VlLock *lock);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlLock, vl_lock_release)
