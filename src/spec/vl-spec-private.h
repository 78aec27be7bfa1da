/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-spec-private.h - the spec loader's internal steps, shared by its files */
#pragma once

#include "vl-spec.h"

#include <json-c/json.h>

/* The documents behind a spec: only src/spec reads them (vl-spec.h offers what they hold). */
struct _VlSpecDocs {
    json_object *topology;
    json_object *platforms;
};

/* The documents behind a device. */
struct _VlNodeDocs {
    json_object *device;   /* (not owned, nullable) topology.json's devices entry; NULL for a host
                              VM node */
    json_object *profile;  /* (nullable) the profile document as read */
    json_object *platform; /* (not owned, nullable) platforms.json's entry */
};

/* Return: (transfer none) (nullable): @iface's entry in topology.json
 * (devices.NODE.interfaces.NAME), of any type. */
json_object *vl_iface_json(const VlIface *iface);

VlSpec *vl_spec_new(void);
void vl_iface_free(gpointer data);
void vl_nic_free(gpointer data);
void vl_link_free(gpointer data);

/* Return: TRUE if @name is usable as a lab, device or host name (and so in file and domain names).
 */
gboolean vl_spec_name_is_valid(const char *name);

/* What a lab name must be, for messages. */
#define VL_LAB_NAME_RULE                                                                           \
    "must be a lab name: a letter or digit, then letters, digits, '_', '.' or '-', at most 64 "    \
    "in all"

/* Reads topology.json's links, else derives them from the interfaces' "link" fields, joining
 * interfaces; reports bad endpoints, reuse, one-sided fields and disagreement between the two. */
void vl_spec_load_links(VlSpec *spec, VlDiag *diag);

/* Reads vmlab.ftp (vl-spec-ftp.c): the proxy's listen address into spec->ftp_listen, and checks
 * the types of its backend and backends. */
void vl_spec_load_ftp(VlSpec *spec, json_object *section, const char *sec, VlDiag *diag);

/* Gives every link and node its ports and checks the three ranges against each other. */
void vl_spec_assign_ports(VlSpec *spec, VlDiag *diag);

/* Host devices (vl-spec-hosts.c) */
/* Return: TRUE if @node (its platform set, or not) is a host device; reports a bad "type". */
gboolean vl_spec_host_detect(VlNode *node, json_object *dev, const char *dpath, VlDiag *diag);
/* Places a host's interfaces: ethN is its data NIC N + 1 (before coalescing). */
void vl_spec_host_place_interfaces(VlNode *node, VlDiag *diag);
/* Gives every host its address and gateway (profile, else derived), warning when it has none. */
void vl_spec_hosts_address(VlSpec *spec, VlDiag *diag);
/* Groups the hosts into host VM nodes (spec->host_vms), renumbering their NICs and ports. */
void vl_spec_hosts_coalesce(VlSpec *spec);

/* libvirt hosts (vl-spec-servers.c) */
void vl_server_free(gpointer data);
/* Reads vmlab.hosts or vmlab.servers into spec->servers, resolving each one's URI. */
void vl_spec_load_servers(VlSpec *spec, json_object *section, const char *sec, VlDiag *diag);
/* Return: TRUE if @address is one of this machine's (127.0.0.0/8 and ::1 always are; the others
 * come from getifaddrs(3), or from $VMLAB_TEST_LOCAL_ADDRS, a comma-separated list, if set). */
gboolean vl_spec_address_is_local(const char *address);

/* Places every node (a coalesced host: its host VM) on a server (vl-spec-place.c), after
 * coalescing and before the VMs are made. */
void vl_spec_place(VlSpec *spec, VlDiag *diag);

/* Turns every node into its VMs, with disks, NICs and MAC addresses. */
void vl_spec_expand_vms(VlSpec *spec, VlDiag *diag);

typedef VlVm *(*VlVmNewFunc)(VlSpec *spec, VlNode *node, const char *name, const char *role);

/* SR OS (vl-spec-sros.c) */
gboolean vl_sros_is_distributed(const VlSros *s);
void vl_sros_free(VlSros *s);
/* Resolves @node's SR OS settings if it has a vm_type. Return: TRUE if it is an SR OS device. */
gboolean vl_spec_sros_resolve(VlSpec *spec, VlNode *node, guint router_ordinal, VlDiag *diag);
/* Return: how many VMs @node becomes. */
guint vl_spec_sros_vm_count(const VlNode *node);
/* Return: the NIC of port @iface ("1/1/3") in its card's VM (setting @iface->vm_index), or 0 with
 * @why. */
guint vl_spec_sros_place(const VlNode *node, VlIface *iface, char **why);
/* Creates @node's card VMs (names, TIMOS lines, disks, ports) through @vm_new. */
void vl_spec_sros_expand(VlSpec *spec, VlNode *node, VlVmNewFunc vm_new);

/* Reports every missing image, kernel or initrd file at @level. Return: TRUE if none is missing. */
gboolean vl_spec_report_images(const VlSpec *spec, VlDiag *diag, VlDiagLevel level);

/* Images (vl-spec-images.c) */
/* Return: (transfer full): an image setting's value: an oci:// reference as is, else a path made
 * absolute against @dir. */
char *vl_spec_image_value(const char *value, const char *dir);
/* Checks the syntax of every oci:// setting (offline) and records them in node->images. */
void vl_spec_check_image_refs(VlSpec *spec, VlDiag *diag);
/* Reads vmlab.insecure_registries. */
void vl_spec_load_insecure_registries(VlSpec *spec, json_object *section, const char *sec,
                                      VlDiag *diag);
