/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-lock.c - one operation at a time: an flock on a lock file (per lab, or per shared file) */
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

/* Opens @path (its folder created, mode 0755). Return: the fd, or -1 with @error set. */
static int
vl_lock_open(const char *path, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(path);
    int fd;

    /* 0755: QEMU, running as another user, must reach the disks below it; secrets are 0600 files.
     */
    if (g_mkdir_with_parents(dir, 0755) < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot create folder: %s", dir,
                    g_strerror(e));
        return -1;
    }
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot open: %s", path, g_strerror(e));
    }
    return fd;
}

VlLock *
vl_lock_acquire_path(const char *path, const char *what, guint wait_ms, GError **error)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)wait_ms * 1000;
    g_autofree char *pid = NULL;
    VlLock *lock;
    int fd = vl_lock_open(path, error);

    if (fd < 0)
        return NULL;
    while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        char buf[32] = {0};
        ssize_t n;

        if ((errno == EWOULDBLOCK || errno == EINTR) && g_get_monotonic_time() < deadline) {
            g_usleep(20 * 1000);
            continue;
        }
        n = pread(fd, buf, sizeof(buf) - 1, 0);
        close(fd);
        g_set_error(error, VL_ERROR, VL_ERROR_BUSY,
                    "%s is busy: another vmlab-virt operation (PID %s) holds %s", what,
                    n > 0 ? g_strstrip(buf) : "unknown", path);
        return NULL;
    }
    pid = g_strdup_printf("%d\n", (int)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, strlen(pid), 0) < 0) {
        /* The PID is only informative; the flock is what counts. */
    }
    lock = g_new0(VlLock, 1);
    lock->fd = fd;
    lock->path = g_strdup(path);
    return lock;
}

VlLock *
vl_lock_acquire(const char *lab_dir, GError **error)
{
    g_autofree char *path = g_build_filename(lab_dir, "lock", NULL);

    return vl_lock_acquire_path(path, "the lab", 0, error);
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
