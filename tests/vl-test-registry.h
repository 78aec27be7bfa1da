/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-test-registry.h - a throw-away container registry (Debian's docker-registry) on loopback */
#pragma once

#include <gio/gio.h>

#include "vl-test-util.h"

/*
 * The registry listens on 127.0.0.1 on a free port, over plain HTTP, with its storage in a
 * temporary folder; vl_test_registry_stop() kills it and removes the folder.
 */
typedef struct {
    char *dir;  /* storage and config */
    char *addr; /* "127.0.0.1:PORT" */
    guint16 port;
    char *htpasswd; /* (nullable) */
    GSubprocess *proc;
} VlTestRegistry;

/**
 * vl_test_registry_start:
 * @htpasswd: (nullable): an htpasswd file: the registry then asks for basic auth
 *
 * Return: (transfer full): the running registry (the test fails if it does not answer).
 */
VlTestRegistry *vl_test_registry_start(const char *htpasswd);

/* Stops @reg's process, keeping its storage and port for vl_test_registry_resume(). */
void vl_test_registry_kill(VlTestRegistry *reg);

/* Starts @reg's process again after vl_test_registry_kill(). */
void vl_test_registry_resume(VlTestRegistry *reg);

/* Stops @reg and removes its storage. */
void vl_test_registry_stop(VlTestRegistry *reg);

/**
 * vl_test_registry_push:
 * @file: a disk image
 * @repo_tag: e.g. "vmlab/disk:1"
 *
 * Pushes @file with `vmlab-virt image push`, asserting it succeeds.
 * Return: (transfer full): the reference, "oci://127.0.0.1:PORT/@repo_tag".
 */
char *vl_test_registry_push(VlTestRegistry *reg, const char *file, const char *repo_tag);
