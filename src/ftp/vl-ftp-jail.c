/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-jail.c - opening paths relative to a jail folder's fd, never leaving it */
#include "vl-ftp-jail.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Links followed in one resolution at the most, as the kernel's own limit. */
#define JAIL_MAX_LINKS 40

static gint jail_no_openat2; /* set once openat2 answered ENOSYS */

/* Return: the fd, or -errno (never -ENOSYS once the fallback is known to be needed). */
static int
jail_openat2(int root_fd, const char *rel, int flags)
{
    struct open_how how = {
        .flags = (guint64)(flags | O_CLOEXEC),
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };

    /* EAGAIN: a rename raced with ".." resolution; the kernel asks to retry. */
    for (int i = 0; i < 16; i++) {
        long fd = syscall(SYS_openat2, root_fd, *rel ? rel : ".", &how, sizeof(how));
        if (fd >= 0)
            return (int)fd;
        if (errno != EAGAIN && errno != EINTR)
            return -errno;
    }
    return -EAGAIN;
}

/* Splits @path at '/' and puts its components in front of @todo, in order. */
static void
jail_push_components(GQueue *todo, const char *path)
{
    g_auto(GStrv) parts = g_strsplit(path, "/", -1);

    for (int i = (int)g_strv_length(parts) - 1; i >= 0; i--) {
        if (*parts[i] && strcmp(parts[i], ".") != 0)
            g_queue_push_head(todo, g_strdup(parts[i]));
    }
}

/* Closes the folders opened so far, down to the jail (index 0, not ours). */
static void
jail_stack_unwind(GArray *stack, guint keep)
{
    while (stack->len > keep) {
        close(g_array_index(stack, int, stack->len - 1));
        g_array_set_size(stack, stack->len - 1);
    }
}

/* Opens the last component @comp in @top. Return: the fd, or -errno. */
static int
jail_open_last(int top, const char *comp, int lfd, const struct stat *st, int flags)
{
    int fd;

    if (flags & O_PATH) {
        if ((flags & O_DIRECTORY) && !S_ISDIR(st->st_mode))
            return -ENOTDIR;
        fd = fcntl(lfd, F_DUPFD_CLOEXEC, 0);
    } else {
        /* Swapped for a link since the fstat: O_NOFOLLOW makes that ELOOP, never a follow. */
        fd = openat(top, comp, flags | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0)
        return -errno;
    return fd;
}

int
vl_ftp_jail_walk(int root_fd, const char *rel, int flags)
{
    g_autoptr(GArray) stack = g_array_new(FALSE, FALSE, sizeof(int));
    GQueue todo = G_QUEUE_INIT;
    int links = 0;
    int result = 0;
    gboolean opened = FALSE;

    g_array_append_val(stack, root_fd);
    jail_push_components(&todo, rel);
    while (!opened && result == 0 && !g_queue_is_empty(&todo)) {
        g_autofree char *comp = g_queue_pop_head(&todo);
        int top = g_array_index(stack, int, stack->len - 1);
        gboolean last = g_queue_is_empty(&todo);
        struct stat st;
        int fd;

        if (strcmp(comp, "..") == 0) {
            /* Lexically: back to the folder we came from, never above the jail. */
            jail_stack_unwind(stack, MAX(stack->len - 1, 1));
            continue;
        }
        fd = openat(top, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            result = -errno;
            break;
        }
        if (fstat(fd, &st) < 0) {
            result = -errno;
        } else if (S_ISLNK(st.st_mode) && !(last && (flags & O_NOFOLLOW))) {
            char target[PATH_MAX];
            ssize_t n = -1;
            if (++links > JAIL_MAX_LINKS)
                errno = ELOOP;
            else
                n = readlinkat(fd, "", target, sizeof(target) - 1);
            if (n < 0) {
                result = -errno;
            } else {
                /* The link's text replaces it; an absolute one starts again at the jail. */
                target[n] = '\0';
                if (target[0] == '/')
                    jail_stack_unwind(stack, 1);
                jail_push_components(&todo, target);
            }
        } else if (!last) {
            if (S_ISDIR(st.st_mode)) {
                g_array_append_val(stack, fd);
                continue; /* the stack owns it now */
            }
            result = -ENOTDIR;
        } else {
            result = jail_open_last(top, comp, fd, &st, flags);
            opened = result >= 0;
        }
        close(fd);
    }
    if (!opened && result == 0) {
        /* Nothing left to open by name ("", "..", or a link to a folder): the current folder. */
        int top = g_array_index(stack, int, stack->len - 1);
        result = openat(top, ".", (flags & ~O_NOFOLLOW) | O_CLOEXEC);
        if (result < 0)
            result = -errno;
    }
    g_queue_clear_full(&todo, g_free);
    jail_stack_unwind(stack, 1);
    return result;
}

int
vl_ftp_jail_open(int root_fd, const char *rel, int flags)
{
    if (!g_atomic_int_get(&jail_no_openat2)) {
        int fd = jail_openat2(root_fd, rel, flags);
        if (fd != -ENOSYS)
            return fd;
        g_atomic_int_set(&jail_no_openat2, 1);
    }
    return vl_ftp_jail_walk(root_fd, rel, flags);
}

int
vl_ftp_jail_open_parent(int root_fd, const char *rel, const char **leaf)
{
    const char *slash = strrchr(rel, '/');
    g_autofree char *dir = NULL;

    g_return_val_if_fail(*rel, -EINVAL);
    *leaf = slash ? slash + 1 : rel;
    dir = slash ? g_strndup(rel, (gsize)(slash - rel)) : g_strdup("");
    return vl_ftp_jail_open(root_fd, dir, O_PATH | O_DIRECTORY);
}
