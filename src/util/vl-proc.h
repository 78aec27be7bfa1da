/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-proc.h - runs helper programs (skopeo, tar, qemu-img) and turns their failures into errors */
#pragma once

#include <gio/gio.h>

/**
 * vl_proc_run:
 * @argv: the program and its arguments (never a secret: argv is visible to every local user)
 * @cancel: (nullable): cancels the run; the child is killed
 * @out: (out) (optional): its stdout
 *
 * Runs @argv to completion with stdin from /dev/null, dispatching the default main context
 * meanwhile (so that a VlProcInterrupt can cancel it).
 * Return: TRUE when it exited 0; else FALSE with a VL_ERROR_FAILED error naming the program, its
 *   exit status and the last lines of its stderr (VL_ERROR_IO when it cannot be started; "PROG:
 *   interrupted" when cancelled).
 */
gboolean vl_proc_run(const char *const *argv, GCancellable *cancel, char **out, GError **error);

/* Return: (transfer full): @argv started with its stdout as a pipe, or NULL with an error. */
GSubprocess *vl_proc_spawn_stdout(const char *const *argv, GError **error);

/**
 * vl_proc_finish:
 *
 * Waits for @proc (from vl_proc_spawn_stdout(), its stdout read to the end or closed) and
 * reports its failure as vl_proc_run() does.
 * Return: TRUE when it exited 0.
 */
gboolean vl_proc_finish(GSubprocess *proc, const char *const *argv, GCancellable *cancel,
                        GError **error);

/* SIGINT and SIGTERM, turned into a cancelled GCancellable while the guard lives. */
typedef struct _VlProcInterrupt VlProcInterrupt;

VlProcInterrupt *vl_proc_interrupt_new(void);
void vl_proc_interrupt_free(VlProcInterrupt *pi);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlProcInterrupt, vl_proc_interrupt_free)

/* Return: (transfer none): the cancellable that SIGINT/SIGTERM cancel. */
GCancellable *vl_proc_interrupt_cancellable(VlProcInterrupt *pi);

/**
 * vl_proc_interrupt_check:
 *
 * Dispatches pending signals without blocking (for loops that do not run a main loop).
 * Return: FALSE with a VL_ERROR_FAILED error ("interrupted") once a signal has arrived.
 */
gboolean vl_proc_interrupt_check(VlProcInterrupt *pi, GError **error);
