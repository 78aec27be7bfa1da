/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-proc.c - runs helper programs (skopeo, tar, qemu-img) and turns their failures into errors */
#include "vl-proc.h"

#include "vl-error.h"

#include <glib-unix.h>
#include <signal.h>
#include <string.h>

/* The last few lines of a helper's stderr, which is where it says what went wrong. */
static char *
vl_proc_tail(const char *text)
{
    g_autofree char *copy = g_strdup(text ? text : "");
    g_auto(GStrv) lines = g_strsplit(g_strstrip(copy), "\n", -1);
    guint n = g_strv_length(lines);
    GString *out = g_string_new(NULL);

    for (guint i = n > 3 ? n - 3 : 0; i < n; i++) {
        if (!*g_strstrip(lines[i]))
            continue;
        if (out->len)
            g_string_append(out, "; ");
        g_string_append(out, lines[i]);
    }
    return g_string_free(out, FALSE);
}

static gboolean
vl_proc_check(GSubprocess *proc, const char *const *argv, const char *err_text, GError **error)
{
    g_autofree char *tail = NULL;

    if (g_subprocess_get_successful(proc))
        return TRUE;
    tail = vl_proc_tail(err_text);
    if (g_subprocess_get_if_signaled(proc))
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "%s was killed by signal %d%s%s", argv[0],
                    g_subprocess_get_term_sig(proc), *tail ? ": " : "", tail);
    else
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "%s failed (exit status %d)%s%s", argv[0],
                    g_subprocess_get_exit_status(proc), *tail ? ": " : "", tail);
    return FALSE;
}

typedef struct {
    GMainLoop *loop;
    char *out;
    char *err;
    GError *error;
    gboolean ok;
} VlProcComm;

static void
vl_proc_comm_cb(GObject *source, GAsyncResult *res, gpointer data)
{
    VlProcComm *c = data;

    c->ok = g_subprocess_communicate_utf8_finish(G_SUBPROCESS(source), res, &c->out, &c->err,
                                                 &c->error);
    g_main_loop_quit(c->loop);
}

/* Waits for @proc, its stdout collected unless @want_out is FALSE, in a main loop. */
static gboolean
vl_proc_wait(GSubprocess *proc, const char *const *argv, GCancellable *cancel, char **out,
             GError **error)
{
    VlProcComm c = {.loop = g_main_loop_new(NULL, FALSE)};
    gboolean ok;

    g_subprocess_communicate_utf8_async(proc, NULL, cancel, vl_proc_comm_cb, &c);
    g_main_loop_run(c.loop);
    g_main_loop_unref(c.loop);
    if (!c.ok) {
        g_subprocess_force_exit(proc);
        g_subprocess_wait(proc, NULL, NULL);
        if (g_error_matches(c.error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "%s: interrupted", argv[0]);
        else
            g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: %s", argv[0], c.error->message);
        g_clear_error(&c.error);
        ok = FALSE;
    } else {
        ok = vl_proc_check(proc, argv, c.err, error);
    }
    if (ok && out)
        *out = g_steal_pointer(&c.out);
    g_free(c.out);
    g_free(c.err);
    return ok;
}

gboolean
vl_proc_run(const char *const *argv, GCancellable *cancel, char **out, GError **error)
{
    g_autoptr(GSubprocess) proc = NULL;
    g_autoptr(GError) err = NULL;

    proc = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                             &err);
    if (!proc) {
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "cannot run %s: %s", argv[0], err->message);
        return FALSE;
    }
    return vl_proc_wait(proc, argv, cancel, out, error);
}

GSubprocess *
vl_proc_spawn_stdout(const char *const *argv, GError **error)
{
    g_autoptr(GError) err = NULL;
    GSubprocess *proc = g_subprocess_newv(
        argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &err);

    if (!proc)
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "cannot run %s: %s", argv[0], err->message);
    return proc;
}

gboolean
vl_proc_finish(GSubprocess *proc, const char *const *argv, GCancellable *cancel, GError **error)
{
    return vl_proc_wait(proc, argv, cancel, NULL, error);
}

struct _VlProcInterrupt {
    GCancellable *cancel;
    guint sigint;
    guint sigterm;
};

static gboolean
vl_proc_interrupt_cb(gpointer data)
{
    g_cancellable_cancel(G_CANCELLABLE(data));
    return G_SOURCE_CONTINUE;
}

VlProcInterrupt *
vl_proc_interrupt_new(void)
{
    VlProcInterrupt *pi = g_new0(VlProcInterrupt, 1);

    pi->cancel = g_cancellable_new();
    pi->sigint = g_unix_signal_add(SIGINT, vl_proc_interrupt_cb, pi->cancel);
    pi->sigterm = g_unix_signal_add(SIGTERM, vl_proc_interrupt_cb, pi->cancel);
    return pi;
}

void
vl_proc_interrupt_free(VlProcInterrupt *pi)
{
    if (!pi)
        return;
    g_source_remove(pi->sigint);
    g_source_remove(pi->sigterm);
    g_object_unref(pi->cancel);
    g_free(pi);
}

GCancellable *
vl_proc_interrupt_cancellable(VlProcInterrupt *pi)
{
    return pi->cancel;
}

gboolean
vl_proc_interrupt_check(VlProcInterrupt *pi, GError **error)
{
    while (g_main_context_iteration(NULL, FALSE))
        ;
    if (!g_cancellable_is_cancelled(pi->cancel))
        return TRUE;
    g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "interrupted");
    return FALSE;
}
