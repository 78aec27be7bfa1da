/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* e2e-remote.h - a second libvirt host for the multi-host tests: another user's session over ssh */
#pragma once

#include <glib.h>

#define E2E_REMOTE_USER "vmlabremote"

typedef struct {
    char *dir; /* its sshd's config, keys and known_hosts */
    char *uri; /* qemu+libssh2://vmlabremote@127.0.0.1:PORT/session?... (see remote-host.sh) */
} E2eRemote;

/* Starts the sshd on 127.0.0.1:@port (tests/e2e/remote-host.sh); asserts it answers libvirt. */
E2eRemote *e2e_remote_start(guint16 port);

/* Stops the sshd and the user's libvirt daemons and QEMUs; frees @r. Safe with NULL. */
void e2e_remote_stop(E2eRemote *r);

/* Removes domains named @prefix*, and the pools vmlab-@lab (and, with @images, vmlab-images). */
void e2e_remote_purge(const char *uri, const char *lab, const char *prefix, gboolean images);
