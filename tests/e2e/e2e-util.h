/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* e2e-util.h - what the end-to-end tests share: the VMLAB_E2E gate, purging a lab, running a case
 * in a child so the parent cleans up pass or fail, a state folder QEMU can reach */
#pragma once

#include <glib.h>

#define URI "qemu:///system"

/* Return: (transfer none): the tiny guest's folder: $VMLAB_TINY_DIR or /var/lib/vmlab/images/tiny.
 */
const char *e2e_tiny_dir(void);

/* Return: TRUE when VMLAB_E2E=1 (needs root, libvirtd on URI and the tiny guest). */
gboolean e2e_enabled(void);

/* Runs virsh @args (one string, split on spaces) on URI; output and status ignored. */
void e2e_virsh(const char *args);

/* Return: (transfer full) (nullable): what `virsh -q -c @uri @args` prints (@args split on
 * spaces; bounded to 60 s), NULL if it cannot run. */
char *e2e_virsh_on(const char *uri, const char *args);

/* Stops and undefines every domain on @uri whose name starts with @prefix. */
void e2e_purge_domains(const char *uri, const char *prefix);

/**
 * e2e_purge:
 *
 * Removes every trace of lab @lab on URI whatever state it is in: `down --force --purge`, then
 * any domain named @prefix* and the pool vmlab-@lab directly (a pool or domain left by a run
 * with another VMLAB_HOME is invisible to `down`).
 */
void e2e_purge(const char *lab, const char *prefix);

/**
 * e2e_in_child:
 *
 * In the parent: runs the current case's body in a child, purges lab @lab, then asserts the
 * child passed.
 * Return: TRUE in the child (run the body), FALSE in the parent (done).
 */
gboolean e2e_in_child(const char *lab, const char *prefix);

/**
 * e2e_spec_in_child:
 * @lab: the lab
 * @prefix: its domain prefix
 * @src: the spec's folder, relative to tests/ (e.g. "e2e/data/hosts")
 * @files: the files of the spec to copy (NULL-terminated)
 *
 * In the parent: purges lab @lab, makes a VMLAB_HOME (e2e_home_new()) and a copy of the spec
 * (in VMLAB_E2E_SPEC), runs the current case's body in a child, purges the lab again, removes
 * both folders, then asserts the child passed.
 * Return: (transfer full) (nullable): in the child, the spec copy's folder (run the body); NULL in
 * the parent (done).
 */
char *e2e_spec_in_child(const char *lab, const char *prefix, const char *src,
                        const char *const *files);

/**
 * e2e_home_new:
 *
 * Return: (transfer full): a new VMLAB_HOME (now set in the environment) that QEMU, running as
 * libvirt-qemu, can reach, with images/tiny pointing at the tiny guest.
 */
char *e2e_home_new(void);

/**
 * e2e_exec_ok:
 *
 * Runs `exec --lab @lab -c URI @node -- @cmd` until it exits 0 (5 tries, 2 s apart, while links
 * and ARP settle); fails the test, printing the last run, when none does.
 * Return: (transfer full): the last run's stdout.
 */
char *e2e_exec_ok(const char *lab, const char *node, const char *cmd);

/**
 * e2e_exec_retry:
 * @lab: the lab
 * @node: a node or a domain of it
 * @cmd: the command
 * @tries: how many runs at the most, 2 s apart
 * @seconds: the bound of each run
 * @what: (nullable): a line printed before the last run when none exits 0 (what failed)
 *
 * As e2e_exec_ok(), with @tries runs of @seconds each.
 * Return: (transfer full): the last run's stdout.
 */
char *e2e_exec_retry(const char *lab, const char *node, const char *cmd, guint tries, guint seconds,
                     const char *what);
