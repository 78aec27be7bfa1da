/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ready.h - readiness: which VMs need it and how, where to reach them, and the checks */
#pragma once

#include "vl-spec.h"

#include <glib.h>

/* How a VM shows it is ready. */
typedef enum {
    VL_READY_RUNNING, /* running is all it can show: an SR OS line card (no management plane) */
    VL_READY_CONSOLE, /* a line of its boot log matches the platform's vm_ready_pattern */
    VL_READY_SSH,     /* an SSH login with the node's credentials succeeds */
} VlReadyHow;

/**
 * vl_ready_role_has_mgmt:
 * @role: (nullable): a VM's role (VlVm's, or a domain's metadata's)
 *
 * SR OS line cards (role "iom") have no management plane: nothing logs in to them, and `exec
 * --all` leaves them out.
 * Return: FALSE for a line card, TRUE for every other role.
 */
gboolean vl_ready_role_has_mgmt(const char *role);

/**
 * vl_ready_how:
 * @role: (nullable): the VM's role
 * @pattern: (nullable): its node's vm_ready_pattern
 *
 * The rule: a console pattern, when the platform sets one; else an SSH login, except for a line
 * card, for which running is enough.
 */
VlReadyHow vl_ready_how(const char *role, const char *pattern);

/* vl_ready_how() of @vm's role and its node's pattern. */
VlReadyHow vl_ready_vm_how(const VlVm *vm);

/**
 * vl_ready_vm_waits:
 * @vm: a running VM
 * @started: whether this operation started it
 *
 * A console prints its ready line once, at boot: a VM this operation did not start cannot show
 * it again, and is taken as ready since it runs.
 * Return: FALSE when @vm is ready without waiting for it, TRUE when `up` waits for it.
 */
gboolean vl_ready_vm_waits(const VlVm *vm, gboolean started);

/**
 * vl_ready_address:
 * @addr: (nullable): where a VM's port was recorded or bound (metadata, state.json, the serial
 *   device's telnet host)
 *
 * Return: (transfer none): the address to connect to: @addr, or VL_DEFAULT_MGMT_ADDR when it is
 *   NULL or the wildcard 0.0.0.0.
 */
const char *vl_ready_address(const char *addr);

/* Return: (transfer none): @vm's SSH user, VL_DEFAULT_SSH_USER when @vm is NULL (not in the
 * spec). */
const char *vl_ready_user(const VlVm *vm);
/* Return: (transfer none): @vm's SSH password, "" when @vm is NULL. */
const char *vl_ready_pass(const VlVm *vm);

/**
 * vl_ready_log_wait:
 * @log_path: the VM's boot log (libvirt's <log> of its serial console, appended to)
 * @offset: where this boot starts in the log (its size before the VM was started)
 * @pattern: a GRegex pattern matched against each console line
 * @timeout_s: give up after this many seconds
 *
 * Follows the log from @offset (waiting for it to appear and grow; a log that shrinks or is
 * replaced, as virtlogd's rotation does, is read again from its start) until a line matches.
 * Return: TRUE when a line matched; FALSE with a VL_ERROR_FAILED error on timeout, or
 * VL_ERROR_INVALID for a bad pattern.
 */
gboolean vl_ready_log_wait(const char *log_path, gint64 offset, const char *pattern,
                           guint timeout_s, GError **error);

/**
 * vl_ready_ssh_banner:
 * @host: an address
 * @port: a TCP port
 *
 * Return: TRUE when something answers with an SSH banner on @host:@port within a second.
 */
gboolean vl_ready_ssh_banner(const char *host, guint port);

/* One readiness probe of `status`: the facts about a VM, and the answer. */
typedef struct {
    const char *role; /* (nullable, not owned) its metadata's role */
    gboolean running;
    const char *host; /* (not owned) where its SSH port is reached */
    guint ssh_port;   /* 0: none */
    gboolean ready;   /* (out) */
} VlReadyProbe;

/* A probe: TRUE when @host:@port answers; vl_ready_ssh_banner() is the real one. */
typedef gboolean (*VlReadyProbeFunc)(const char *host, guint port);

#define VL_READY_PROBE_THREADS 16 /* probes at once, at most */

/**
 * vl_ready_probe_all:
 * @probes: (array length=n): the VMs; each one's ready is set
 * @probe: (nullable): the probe; NULL: vl_ready_ssh_banner()
 * @max_threads: how many probes run at once, at most; 0: VL_READY_PROBE_THREADS
 *
 * What `status` shows as ready: a running SR OS line card (vl_ready_how() says
 * VL_READY_RUNNING; not probed), or a running VM with an SSH port whose @probe answers. (`status`
 * reads no spec, so a VM of a vm_ready_pattern platform is probed as the others are.) The probes
 * run in parallel (a bounded thread pool), so a lab of not-ready VMs takes about one probe's
 * timeout, not one per VM. Returns once every probe has answered.
 */
void vl_ready_probe_all(VlReadyProbe *probes, guint n, VlReadyProbeFunc probe, guint max_threads);
