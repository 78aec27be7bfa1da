/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-conn.h - libvirt connections and the vmlab metadata of domains */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virConnect, virConnectClose)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomain, virDomainFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virStoragePool, virStoragePoolFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virStorageVol, virStorageVolFree)

/**
 * vl_conn_open:
 * @uri: (nullable): a libvirt URI; NULL uses $LIBVIRT_DEFAULT_URI, else libvirt's default
 *
 * Return: (transfer full): the connection, or NULL with a VL_ERROR_LIBVIRT error.
 */
virConnectPtr vl_conn_open(const char *uri, GError **error);

/* What vmlab-virt records in a domain's <metadata>. */
typedef struct {
    char *lab;
    char *node;
    char *role;
    char *digest;
    char *spec_dir;
    char *host;
    guint ssh_port;     /* 1..65535, or 0 when missing or invalid */
    guint console_port; /* 1..65535, or 0 when missing or invalid */
    char *invalid;      /* (nullable): what was wrong with a port, e.g. "ssh-port '70000': ..." */
} VlDomainMeta;

void vl_domain_meta_free(VlDomainMeta *m);
/* Frees the fields of @m, not @m itself. */
void vl_domain_meta_clear(VlDomainMeta *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlDomainMeta, vl_domain_meta_free)

/* Return: (transfer full) (nullable): @dom's vmlab metadata, NULL when it has none or its lab is
 * not a valid lab name. A port outside 1..65535 reads as 0, with @invalid saying why. */
VlDomainMeta *vl_domain_meta_get(virDomainPtr dom);

/**
 * vl_domain_describe_change:
 * @dom: a domain of ours about to be redefined
 * @meta: (nullable): its metadata
 * @xml: the domain XML just rendered for it
 *
 * Return: (transfer full): why @dom is redefined, in words: its metadata has no digest, or the
 *   elements and values in which @xml differs from what libvirt holds (vl_xml_diff_describe()).
 */
char *vl_domain_describe_change(virDomainPtr dom, const VlDomainMeta *meta, const char *xml);

/**
 * vl_conn_lab_domains:
 * @lab: (nullable): a lab name, or NULL for every vmlab domain
 *
 * Return: (transfer full): name -> VlDomainMeta of the domains whose metadata names @lab.
 */
GHashTable *vl_conn_lab_domains(virConnectPtr conn, const char *lab, GError **error);

/* Return: a short word for a libvirt domain state: "running", "shut off", ... */
const char *vl_domain_state_name(int state);
