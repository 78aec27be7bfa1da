/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-bootlog.c - printing and following a VM's boot log (its serial console's log file) */
#include "vl-bootlog.h"

#include "vl-error.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define VL_BOOTLOG_POLL_US (250 * 1000)

/* Copies @fd from @pos to its end into @out. Return: FALSE with @error on failure. */
static gboolean
vl_bootlog_copy(int fd, const char *path, goffset *pos, int out_fd, GError **error)
{
    char buf[65536];

    for (;;) {
        ssize_t n = pread(fd, buf, sizeof(buf), (off_t)*pos);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot read: %s", path, g_strerror(e));
            return FALSE;
        }
        if (n == 0)
            return TRUE;
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(out_fd, buf + done, (size_t)(n - done));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                int e = errno;
                g_set_error(error, VL_ERROR, VL_ERROR_IO, "cannot write the boot log: %s",
                            g_strerror(e));
                return FALSE;
            }
            done += w;
        }
        *pos += n;
    }
}

static int
vl_bootlog_open(const char *path, struct stat *st, GError **error)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0 || fstat(fd, st) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot open the boot log: %s", path,
                    g_strerror(e));
        return -1;
    }
    return fd;
}

gboolean
vl_bootlog_print(const char *path, gboolean follow, int out_fd, GCancellable *cancel,
                 GError **error)
{
    struct stat cur;
    goffset pos = 0;
    int fd = vl_bootlog_open(path, &cur, error);
    gboolean ok = TRUE;

    if (fd < 0)
        return FALSE;
    while (ok) {
        struct stat now;
        /* one more copy after the cancellation is seen, so nothing written before it is lost */
        gboolean last = !follow || g_cancellable_is_cancelled(cancel);

        ok = vl_bootlog_copy(fd, path, &pos, out_fd, error);
        if (!ok || last)
            break;
        g_usleep(VL_BOOTLOG_POLL_US);
        /* virtlogd rotates a full log: a new file at the path, or the same one truncated */
        if (stat(path, &now) == 0 && (now.st_ino != cur.st_ino || now.st_dev != cur.st_dev)) {
            int nfd;
            ok = vl_bootlog_copy(fd, path, &pos, out_fd, error); /* the old file's last lines */
            if (!ok)
                break;
            nfd = vl_bootlog_open(path, &cur, error);
            if (nfd < 0) {
                ok = FALSE;
                break;
            }
            close(fd);
            fd = nfd;
            pos = 0;
        } else if (fstat(fd, &now) == 0 && now.st_size < pos) {
            pos = 0;
        }
    }
    close(fd);
    return ok;
}
