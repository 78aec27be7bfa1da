/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-lock.c - one operation at a time per lab: an flock on the lab's state folder */
#include "vl-lock.h"

#include "vl-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/file.h>
#include <string.h>
#include <unistd.h>

struct _VlLock {
    int fd;
    char *path;
};

VlLock *
vl_lock_acquire(const char *lab_dir, GError **error)
{
    g_autofree char *path = g_build_filename(lab_dir, "lock", NULL);
    g_autofree char *pid = NULL;
    VlLock *lock;
    int fd;

    /* 0755: QEMU, running as another user, must reach the disks below it; secrets are 0600 files.
     */
    if (g_mkdir_with_parents(lab_dir, 0755) < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot create folder: %s", lab_dir,
                    g_strerror(e));
        return NULL;
    }
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot open: %s", path, g_strerror(e));
        return NULL;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        char buf[32] = {0};
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
        close(fd);
        g_set_error(error, VL_ERROR, VL_ERROR_BUSY,
                    "the lab is busy: another vmlab-virt operation (PID %s) holds %s",
                    n > 0 ? g_strstrip(buf) : "unknown", path);
        return NULL;
    }
    pid = g_strdup_printf("%d\n", (int)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, strlen(pid), 0) < 0) {
        /* The PID is only informative; the flock is what counts. */
    }
    lock = g_new0(VlLock, 1);
    lock->fd = fd;
    lock->path = g_steal_pointer(&path);
    return lock;
}

void
vl_lock_release(VlLock *lock)
{
    if (!lock)
        return;
    if (ftruncate(lock->fd, 0) < 0) {
        /* ignored: the next holder overwrites it */
    }
    close(lock->fd); /* drops the flock */
    g_free(lock->path);
    g_free(lock);
}
