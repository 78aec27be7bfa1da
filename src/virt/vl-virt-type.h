/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-virt-type.h - chooses the virt type (kvm or qemu/TCG) from what a host can really run */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

/**
 * VlVirtType:
 * @type: "kvm" or "qemu"
 * @reason: why, for the user: "/dev/kvm present, CPU without vmx/svm", "--virt-type", ...
 *
 * The choice of a domain type for one libvirt connection (or for the local host).
 */
typedef struct {
    char *type;
    char *reason;
} VlVirtType;

void vl_virt_type_free(VlVirtType *vt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlVirtType, vl_virt_type_free)

/* Return: TRUE when @type is "qemu" or "kvm"; else FALSE with a VL_ERROR_USAGE error naming @what.
 */
gboolean vl_virt_type_check(const char *type, const char *what, GError **error);

/**
 * vl_virt_type_from_caps:
 * @conn: (nullable): a connection used only to expand the host CPU model into its features
 *   (virConnectBaselineHypervisorCPU, else virConnectBaselineCPU); NULL: features as listed
 * @caps_xml: the connection's capabilities XML (virConnectGetCapabilities)
 * @kvm_offered: whether the connection's domain capabilities offer the kvm domain type
 *
 * The rule: kvm only when libvirt offers it and the host CPU has hardware virtualisation
 * (vmx or svm on x86, after expanding the named CPU model, which may already include svm);
 * otherwise qemu (TCG). Hosts of other architectures get kvm whenever libvirt offers it.
 * Return: (transfer full): the choice, or NULL with an error when @caps_xml cannot be read.
 */
VlVirtType *vl_virt_type_from_caps(virConnectPtr conn, const char *caps_xml, gboolean kvm_offered,
                                   GError **error);

/**
 * vl_virt_type_detect:
 *
 * Applies vl_virt_type_from_caps() to @conn's own capabilities: a remote host is judged by its
 * own CPU, never by this machine's /dev/kvm.
 * Return: (transfer full): the choice, or NULL with a VL_ERROR_LIBVIRT error.
 */
VlVirtType *vl_virt_type_detect(virConnectPtr conn, GError **error);

/**
 * vl_virt_type_from_local:
 * @kvm_dev_opens: whether /dev/kvm can be opened for reading and writing
 * @cpuinfo: the text of /proc/cpuinfo (its flags lines list every feature)
 *
 * The same rule for the local host without a libvirt connection.
 * Return: (transfer full): the choice.
 */
VlVirtType *vl_virt_type_from_local(gboolean kvm_dev_opens, const char *cpuinfo);

/* Return: (transfer full): vl_virt_type_from_local() for this machine. */
VlVirtType *vl_virt_type_detect_local(void);

/**
 * vl_virt_type_choose:
 * @option: (nullable): --virt-type
 * @spec_value: (nullable): vmlab.virt_type from topology.json
 * @conn: (nullable): the connection to judge when nothing overrides; NULL judges this machine
 *
 * Overrides, in order: @option, then $VMLAB_VIRT_TYPE, then @spec_value; else detection.
 * Return: (transfer full): the choice, or NULL with an error (a bad override is VL_ERROR_USAGE).
 */
VlVirtType *vl_virt_type_choose(const char *option, const char *spec_value, virConnectPtr conn,
                                GError **error);

/* Return: (transfer full): the line `up` and `render -v` print, e.g. "virt type qemu (TCG): ...".
 */
char *vl_virt_type_describe(const VlVirtType *vt);
