/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-lab-hosts.h - the libvirt hosts of a lab: one connection per host, opened in parallel */
#pragma once

#include "vl-conn.h"
#include "vl-render.h"
#include "vl-spec.h"

#include <json-c/json.h>

/*
 * A lab without `vmlab.hosts` has one host, the -c connection. A lab with hosts has one per
 * host the placement uses (vl-spec.h's VlServer); a host whose effective URI is the -c one
 * (a local host, or the only host) shares the -c connection's daemon, files and pools, and any
 * other host is "remote": its VMs' images are uploaded into its `vmlab-images` pool and their
 * disks and boot logs live in the lab's pool on that host (vl-lab-remote.h).
 */
typedef struct {
    char *name;      /* the host's name in the spec; "" for a lab without hosts */
    char *address;   /* (nullable) its address as other hosts reach it */
    char *uri;       /* the URI opened: the -c one (NULL: libvirt's default) or the host's own */
    gboolean remote; /* reached by its own URI, not the -c connection */
    virConnectPtr conn;
    char *pool_dir; /* (nullable) remote: the lab pool's folder on that host (vl-lab-remote.c) */
    VlRenderer *renderer; /* (not owned, nullable): renders for this host's virt type (`up`) */
} VlLabHost;

typedef struct {
    GPtrArray *hosts; /* VlLabHost, by name */
} VlLabHosts;

void vl_lab_hosts_free(VlLabHosts *hosts);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlLabHosts, vl_lab_hosts_free)

/**
 * vl_lab_hosts_open_spec:
 * @spec: a loaded spec, placement done
 * @default_uri: (nullable): the -c URI
 * @only: (nullable): `--host NAME`: open that host only
 *
 * Opens a connection to every host the spec places VMs on (or to @only), all at once in
 * threads. Every host that cannot be reached is named in the one error.
 * Return: (transfer full): the hosts, or NULL with @error (VL_ERROR_USAGE for an unknown @only).
 */
VlLabHosts *vl_lab_hosts_open_spec(const VlSpec *spec, const char *default_uri, const char *only,
                                   GError **error);

/**
 * vl_lab_hosts_open_state:
 * @lab: a lab name
 * @default_uri: (nullable): the -c URI
 * @only: (nullable): `--host NAME`: that host only
 *
 * Opens the hosts that `up` recorded in the lab's state.json ("servers"), in parallel; without
 * a state file, or a lab without hosts, the -c connection alone.
 * Return: (transfer full): the hosts, or NULL with @error.
 */
VlLabHosts *vl_lab_hosts_open_state(const char *lab, const char *default_uri, const char *only,
                                    GError **error);

/**
 * vl_lab_hosts_open_uri:
 * @default_uri: (nullable): the -c URI
 *
 * Return: (transfer full): the -c connection as a one-host set, or NULL with @error.
 */
VlLabHosts *vl_lab_hosts_open_uri(const char *default_uri, GError **error);

/* Return: (transfer full): a one-host set around the caller's @conn (referenced) and @r. */
VlLabHosts *vl_lab_hosts_wrap(virConnectPtr conn, VlRenderer *r);

/* Return: (transfer none) (nullable): the host named @name ("" for a lab without hosts). */
VlLabHost *vl_lab_hosts_find(const VlLabHosts *hosts, const char *name);

/* Return: (transfer none) (nullable): the host @vm is placed on, NULL when it is not open. */
VlLabHost *vl_lab_hosts_for_vm(const VlLabHosts *hosts, const VlVm *vm);

/* Return: (transfer none): the host @vm is placed on, or the first (a lab without hosts). */
const char *vl_lab_vm_host_name(const VlVm *vm);

/* One domain of a lab, and the host it is on. It starts with its metadata, so that a
 * VlLabDomain * is also a VlDomainMeta *. */
typedef struct {
    VlDomainMeta meta;
    VlLabHost *host; /* (not owned) */
} VlLabDomain;

/* Return: (transfer none) (nullable): the connection of @domain in @doms (vl_lab_hosts_domains()).
 */
virConnectPtr vl_lab_domains_conn(GHashTable *doms, const char *domain);

/**
 * vl_lab_hosts_domains:
 * @lab: (nullable): a lab name; NULL: every vmlab domain
 *
 * Lists the vmlab domains on every open host, found by their metadata.
 * Return: (transfer full) (element-type utf8 VlLabDomain): domain name -> VlLabDomain, or NULL
 * with @error naming the host that failed.
 */
GHashTable *vl_lab_hosts_domains(const VlLabHosts *hosts, const char *lab, GError **error);

/* Return: (transfer full): state.json's "servers": each host's name, address and URI. */
json_object *vl_lab_hosts_state(const VlLabHosts *hosts);
