/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-jail.h - opening paths relative to a jail folder's fd, never leaving it */
#pragma once

#include <glib.h>

/*
 * Every path below a local jail is resolved by the kernel relative to an fd of the jail folder,
 * and the file is opened in the same step, so nothing can be swapped in between a check and the
 * use. Symlinks are followed as if the jail were "/": an absolute link or one climbing with ".."
 * stays inside (RESOLVE_IN_ROOT), magic links such as /proc/self/root are refused
 * (RESOLVE_NO_MAGICLINKS). Without openat2(2) (ENOSYS: kernels before 5.6) the same rules are
 * applied by a walk that opens one component at a time with O_NOFOLLOW, reads links itself and
 * treats ".." by dropping the last folder it opened (it never opens "..").
 *
 * Errors are returned as negative errno values so that callers can name the path in their own
 * message.
 */

/**
 * vl_ftp_jail_open:
 * @root_fd: an fd of the jail folder (O_PATH is enough)
 * @rel: a path below it; "" for the jail itself
 * @flags: open(2) flags (O_CLOEXEC is added); O_NOFOLLOW applies to the last component only;
 *         O_CREAT is not supported: create with openat() in a folder opened here
 *
 * Return: an fd of @rel resolved inside the jail, or a negative errno value.
 */
int vl_ftp_jail_open(int root_fd, const char *rel, int flags);

/**
 * vl_ftp_jail_walk:
 *
 * vl_ftp_jail_open() without openat2(2): the fallback it uses on ENOSYS, callable directly so
 * that tests exercise it on kernels that have openat2.
 * Return: an fd of @rel resolved inside the jail, or a negative errno value.
 */
int vl_ftp_jail_walk(int root_fd, const char *rel, int flags);

/**
 * vl_ftp_jail_open_parent:
 * @root_fd: an fd of the jail folder
 * @rel: a path below it, not ""
 * @leaf: (out) (transfer none): set to @rel's last component (a pointer into @rel)
 *
 * Opens the folder that holds @rel's last component, for the *at() calls that create, remove or
 * rename that entry (which never follow a link in it).
 * Return: an O_PATH fd of that folder, or a negative errno value.
 */
int vl_ftp_jail_open_parent(int root_fd, const char *rel, const char **leaf);
