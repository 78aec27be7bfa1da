/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-spec.h - the resolved lab model: devices, interfaces, links and the VMs they become */
#pragma once

#include "vl-diag.h"

#include <glib.h>

typedef enum {
    VL_TRANSPORT_UDP,
    VL_TRANSPORT_TCP,
} VlTransport;

typedef enum {
    VL_IFMAP_SEQUENTIAL, /* Ethernet0,1,2.. -> NIC 1,2,3.. */
    VL_IFMAP_STRIDE4,    /* Ethernet0,4,8.. -> NIC 1,2,3.. */
    VL_IFMAP_CUSTOM,     /* an explicit name -> NIC table */
    VL_IFMAP_LINUX,      /* eth1,2,3.. -> NIC 1,2,3..; eth0 is management (NIC 0) */
} VlIfmapKind;

typedef enum {
    VL_SROS_NONE, /* not an SR OS device */
    VL_SROS_VSIM, /* distributed: one VM per card */
    VL_SROS_MAGC, /* distributed */
    VL_SROS_VPC,  /* integrated: one VM */
    VL_SROS_VSRI, /* integrated */
} VlSrosType;

/* The resolved SR OS settings of a device (profile's "sros" keys over its platform's). */
typedef struct {
    VlSrosType type;
    guint vm_id;
    GPtrArray *cards; /* "a", "b", "1", "2"... */
    char *chassis;
    char *cpm_card;
    char *iom_card;
    GPtrArray *mdas;   /* MDA types, one per MDA slot */
    char *timos_extra; /* appended to every card's TIMOS line */
    char *cpm_image;   /* raw base of CPM (and integrated) disks */
    char *iom_image;   /* qcow2 base of IOM disks */
    char *timos_path;  /* the router's TiMOS image folder on the FTP backend */
    char *license;     /* (nullable) a license file copied onto cf3 */
    char *vm_uuid;     /* (nullable) pinned CPM UUID */
    guint64 cpm_memory, iom_memory;
    guint cpm_cpus, iom_cpus;
    guint ports_per_mda;
    char *fabric_group; /* distributed: the multicast segment of the router's cards */
    guint fabric_port;
} VlSros;

typedef enum {
    VL_NIC_MCAST,  /* the SR OS fabric segment: a QEMU -netdev socket,mcast= bound to loopback (a
                    * qemu:commandline pass-through: libvirt's type='mcast' cannot set localaddr) */
    VL_NIC_UDP,    /* <interface type='udp'>: both ends bind, stateless */
    VL_NIC_SERVER, /* <interface type='server'>: TCP listen (the link's a side) */
    VL_NIC_CLIENT, /* <interface type='client'>: TCP connect (the link's z side) */
} VlNicKind;

/* How a VM's serial console is reached (vm_console). */
typedef enum {
    VL_CONSOLE_PTY,    /* a pty: virsh console, virt-manager, virDomainOpenConsole (default) */
    VL_CONSOLE_TELNET, /* QEMU's telnet server on the VM's console_port */
} VlConsoleKind;

typedef struct _VlNode VlNode;
typedef struct _VlLink VlLink;
typedef struct _VlVm VlVm;

/* The JSON documents the model was read from: private to src/spec (vl-spec-private.h). Other
 * layers read the model's typed fields and its look-ups: here, in vl-spec-section.h and in
 * vl-spec-ftp.h. */
typedef struct _VlSpecDocs VlSpecDocs;
typedef struct _VlNodeDocs VlNodeDocs;

/*
 * A libvirt host of the lab ("server" in code, to keep it apart from host devices): from
 * vmlab.hosts ({"NAME": "ADDRESS"} or {"NAME": {"address", "uri", "max_nodes"}}) or newtlab's
 * vmlab.servers ([{"name", "address", "uri", "max_nodes"}]). See vl-spec-servers.c.
 */
typedef struct {
    char *name;
    char *address;   /* the host's address as other hosts reach it */
    char *uri;       /* (nullable) libvirt URI; NULL: use the -c connection (local host, or the only
                        host) */
    guint max_nodes; /* 0: unlimited */
    gboolean local;  /* address is one of this machine's (getifaddrs, 127.0.0.0/8 counts as local)
                        or the spec has a single host */
    guint vm_count;  /* VMs placed on it */
    char *where;     /* its JSON path, for messages: "vmlab.hosts.a", "newtlab.servers[1]" */
} VlServer;

/* One declared interface of a device. */
typedef struct {
    char *name;     /* as the device names it: "Ethernet4" */
    guint nic;      /* data NIC index in its VM, >= 1 (NIC 0 is management) */
    VlNode *node;   /* (not owned) */
    VlLink *link;   /* (not owned, nullable): the link using it */
    gboolean mgmt;  /* the platform's management interface (linux map: eth0): never in a link */
    guint vm_index; /* which of the node's VMs holds its NIC (SR OS: the card's) */
} VlIface;

/* One link: two interfaces joined by a pair of socket NICs. */
struct _VlLink {
    guint index;  /* position in topology.json's links, or in the links derived from interfaces */
    char *where;  /* where it is declared: "links[3]" or "devices.X.interfaces.Y.link" */
    VlIface *a;   /* (not owned) */
    VlIface *z;   /* (not owned) */
    guint port_a; /* UDP: the a end binds it; TCP: the a end listens on it */
    guint port_z; /* UDP: the z end binds it; TCP: equal to port_a */
    VlTransport transport;
};

/* One data NIC of a VM, derived from an interface and its link. */
typedef struct {
    guint index;    /* NIC index, >= 1 */
    VlIface *iface; /* (not owned) */
    VlNicKind kind;
    char *mac;        /* stable, from lab + VM + NIC */
    char *local_addr; /* UDP: own bind address */
    guint local_port; /* UDP: own bind port */
    char *remote_addr;
    guint remote_port;
} VlNic;

/* One libvirt domain. */
struct _VlVm {
    char *name;     /* the domain name */
    VlNode *node;   /* (not owned) */
    char *role;     /* "router" for a one-VM device */
    char *template; /* absolute path of the boilerplate */
    char *xslt;     /* (nullable) absolute path of the platform's extra stylesheet */
    guint64 memory_mb;
    guint cpus;
    char *disk_path;    /* (nullable) the VM's own disk */
    char *disk_format;  /* "qcow2" or "raw" */
    char *backing_path; /* (nullable) the base image under an overlay */
    char *backing_format;
    guint ssh_port;     /* host port forwarded to the VM's port 22 */
    guint console_port; /* the telnet console's port (used with VL_CONSOLE_TELNET only) */
    char *log_path;     /* the serial console's boot log, in the lab's state folder */
    char *mgmt_mac;
    GPtrArray *nics;  /* VlNic, by NIC index */
    guint start_wave; /* TCP: started after the VMs of lower waves (their listening ends) */
    /* SR OS */
    char *card;               /* (nullable) "a", "b", "1"...: the card this VM is */
    char *smbios_product;     /* (nullable) the TIMOS:... line */
    char *uuid;               /* (nullable) a pinned UUID */
    char *copy_from;          /* (nullable) persistent disk: copied once from this base */
    char *layout_xslt;        /* (nullable) disk layout stylesheet, applied with @layout_params */
    GPtrArray *layout_params; /* name, value, name, value... */
    char *mgmt_host;          /* (nullable) QEMU user network's host address (10.0.2.1 for SR OS) */
    char *mgmt_guest;         /* (nullable) the guest address SSH is forwarded to */
    char *cmdline;    /* (nullable) the node's vm_cmdline with ${vm}, ${card}, ${index} filled in */
    VlServer *server; /* (not owned, nullable) the libvirt host it is placed on; NULL: no hosts */
};

/* An oci:// image setting of a device, and the digest `up` resolved it to. */
typedef struct {
    char *key;    /* "vm_image", "vm_kernel", "vm_initrd", "sros.cpm_image", "sros.iom_image" */
    char *ref;    /* the reference as written */
    char *digest; /* (nullable) set once resolved (vl_spec_image_substitute()) */
} VlImageUse;

/* One device of the topology, resolved against its profile and platform. */
struct _VlNode {
    char *name;
    guint index; /* position in topology.json's devices */
    char *platform_name;
    char *profile_path; /* absolute; the file may not exist */
    VlNodeDocs *docs;   /* (private) its profile, platform and topology entry as read */
    char *role;  /* (nullable) topology.json's "role" of the device, as written (Ansible groups) */
    char *group; /* (nullable) what graphs group it by: topology's "group", else its "role", else
                    the profile's "group", else its "role" (the first non-empty string) */

    /* resolved settings: profile, then platform, then defaults */
    char *image;  /* (nullable) absolute path */
    char *kernel; /* (nullable) direct kernel boot */
    char *initrd;
    char *cmdline;
    guint64 memory_mb;
    guint cpus;
    char *nic_model;
    VlIfmapKind ifmap;
    GPtrArray *cpu_features; /* "+sse4.2" style strings */
    char *ssh_user;
    char *ssh_pass;
    guint boot_timeout;       /* seconds */
    char *ready_pattern;      /* (nullable) console regex for platforms without SSH */
    char *ansible_network_os; /* (nullable) for the Ansible inventory (vl-handoff.c) */
    char *ansible_connection; /* (nullable) likewise: "network_cli", "ssh"... */
    VlConsoleKind console;
    char *template;   /* absolute path of the boilerplate */
    char *xslt;       /* (nullable) platform's extra stylesheet */
    char *host;       /* vm_host, then (after placement) its server's name; "" without hosts */
    char *host_addr;  /* its server's address (management binds it), else VL_DEFAULT_MGMT_ADDR */
    VlServer *server; /* (not owned, nullable) where it is placed (a coalesced host: its VM's);
                         set by vl_spec_place(); NULL when the spec has no hosts */
    guint console_port;
    guint ssh_port;
    VlSros *sros;         /* (nullable) set for SR OS devices */
    guint first_extra_vm; /* ports of VMs beyond the first: base + nodes + first_extra_vm + k */

    GPtrArray *ifaces; /* VlIface, in declaration order (a host VM node: its hosts', not owned) */
    GPtrArray *vms;    /* VlVm (not owned; the spec owns them) */
    GPtrArray *images; /* VlImageUse: its oci:// image settings */

    /* host devices (vl-spec-hosts.c) */
    gboolean is_host;    /* platform "device_type": "host", or "type": "host" in topology.json */
    gboolean is_host_vm; /* a host VM node: the VM coalesced hosts share (not in spec->nodes) */
    VlNode *host_vm;     /* (not owned, nullable): a coalesced host's host VM node */
    GPtrArray *hosts;    /* (nullable) a host VM node's hosts (VlNode, not owned), in file order */
    guint host_ordinal;  /* a host's position among the lab's hosts */
    char *host_ip;       /* (nullable) a host's data address "ADDR/LEN" */
    char *host_gateway;  /* (nullable) its default route */
};

typedef struct {
    char *dir;           /* absolute spec folder */
    char *name;          /* lab name */
    char *section;       /* "vmlab" or "newtlab": the name the topology used */
    char *domain_prefix; /* put before every domain name, "" by default */
    guint link_port_base;
    guint console_port_base;
    guint ssh_port_base;
    guint fabric_port_base; /* SR OS fabric segments: one UDP port per distributed router */
    char *ftp_listen; /* the FTP proxy's address:port: vmlab.ftp.listen, else 127.0.0.1:21, where
                         QEMU's user network takes the VMs' connections to 10.0.2.1:21 */
    VlTransport transport;
    char *virt_type;    /* (nullable) vmlab.virt_type: "qemu" or "kvm"; NULL: detected */
    GPtrArray *servers; /* VlServer: the libvirt hosts, sorted by name; empty without hosts */
    GPtrArray
        *insecure_registries;  /* vmlab.insecure_registries: "HOST[:PORT]" allowed plain HTTP */
    VlSpecDocs *docs;          /* (private) topology.json and platforms.json as read */
    GPtrArray *nodes;          /* VlNode, in file order */
    GPtrArray *links;          /* VlLink: the links list's order, else the interfaces' */
    GPtrArray *vms;            /* VlVm, node by node (a host VM at its first host) */
    gboolean coalesce_hosts;   /* vmlab.coalesce_hosts: hosts share hostvm-N VMs (default) */
    GPtrArray *host_vms;       /* VlNode: the host VM nodes, hostvm-0, hostvm-1, ... */
    GHashTable *nodes_by_name; /* (not owned values) */
} VlSpec;

/* Defaults applied when neither profile nor platform sets a value. */
#define VL_DEFAULT_MEMORY_MB         4096
#define VL_DEFAULT_CPUS              2
#define VL_DEFAULT_NIC_MODEL         "e1000"
#define VL_DEFAULT_BOOT_TIMEOUT      300
#define VL_DEFAULT_LINK_PORT_BASE    20000
#define VL_DEFAULT_CONSOLE_PORT_BASE 30000
#define VL_DEFAULT_SSH_PORT_BASE     40000
#define VL_DEFAULT_FABRIC_PORT_BASE  19000
#define VL_HOSTS_PER_VM              8           /* coalesced hosts per hostvm-N VM, at most */
#define VL_DEFAULT_SSH_USER          "admin"     /* no vm_credentials, no profile ssh_user */
#define VL_DEFAULT_MGMT_ADDR         "127.0.0.1" /* a VM's management address without hosts */

/**
 * vl_spec_load:
 * @dir: the spec folder (topology.json, platforms.json, profiles/)
 * @diag: receives every problem found, errors and warnings, in file order
 *
 * Reads and validates the whole spec and resolves it into VMs. Never touches anything outside
 * @dir. A missing image file is a warning.
 * Return: (transfer full) (nullable): the model, or NULL when @diag holds at least one error.
 */
VlSpec *vl_spec_load(const char *dir, VlDiag *diag);
void vl_spec_free(VlSpec *spec);

/**
 * vl_spec_lab_name_check:
 * @name: a lab name from a command-line option or a file
 * @where: what to name in the message, e.g. "--lab" or "topology.json: name"
 *
 * A lab name is one safe path component: [A-Za-z0-9][A-Za-z0-9_.-]{0,63}.
 * Return: TRUE if @name is one, else FALSE with a VL_ERROR_USAGE error naming @where and @name.
 */
gboolean vl_spec_lab_name_check(const char *name, const char *where, GError **error);

/**
 * vl_spec_read_lab_name:
 * @dir: a spec folder
 *
 * Reads only the lab's name (topology.json's "name", else the folder's name), without validating
 * the rest: what `down` needs to find a lab whose spec has changed since.
 * Return: (transfer full): the name, or NULL with a VL_ERROR_INVALID error.
 */
char *vl_spec_read_lab_name(const char *dir, GError **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlSpec, vl_spec_free)

/* Return: (transfer none) (nullable): the node named @name. */
VlNode *vl_spec_find_node(const VlSpec *spec, const char *name);
/* Return: (transfer none) (nullable): the host VM node (hostvm-N) named @name. */
VlNode *vl_spec_find_host_vm(const VlSpec *spec, const char *name);
/* Return: (transfer none) (nullable): the VM whose domain is named @name. */
VlVm *vl_spec_find_vm(const VlSpec *spec, const char *name);
/* Return: (transfer none) (nullable): the libvirt host (server) named @name. */
VlServer *vl_spec_find_server(const VlSpec *spec, const char *name);

/**
 * vl_server_uri:
 * @s: (nullable): a VM's server (NULL: the spec has no hosts)
 * @default_uri: (nullable): the -c connection's URI
 *
 * The rule: a host's own "uri" if given; else, for a host that is local (its address is this
 * machine's) or the spec's only host, the -c connection; else qemu+ssh://ADDRESS/system. The
 * loader resolves all but the first case into s->uri, so this only falls back to @default_uri.
 * Return: (transfer none) (nullable): the URI to open for @s.
 */
const char *vl_server_uri(const VlServer *s, const char *default_uri);

/**
 * vl_spec_placement_describe:
 *
 * One line per libvirt host: "host b (127.0.0.3, qemu+ssh://..., at most 2 VMs): r2, r4", the
 * URI being "the -c connection" for a host that uses it; what render and validate print.
 * Return: (transfer full): the lines, each ending in a newline; "" when the spec has no hosts.
 */
char *vl_spec_placement_describe(const VlSpec *spec);

/**
 * vl_vm_mgmt_address:
 *
 * Where the VM's management is reached: its forwarded SSH port and telnet console bind this
 * address, profiles get it as mgmt_ip, ssh/exec/readiness connect to it. Its server's address
 * when the spec has hosts (local or not: the domain must not depend on where it is rendered),
 * else VL_DEFAULT_MGMT_ADDR.
 * Return: (transfer none): an IP address.
 */
const char *vl_vm_mgmt_address(const VlVm *vm);

/**
 * vl_spec_check_images:
 *
 * Adds an error to @diag for every image, kernel or initrd file that does not exist (`up` needs
 * them; `validate` only warns).
 * Return: TRUE if all exist.
 */
gboolean vl_spec_check_images(const VlSpec *spec, VlDiag *diag);

const char *vl_transport_to_string(VlTransport t);
const char *vl_nic_kind_to_string(VlNicKind k);

/**
 * vl_spec_report_lookup:
 * @key: a setting: "vm_image", "sros.iom_image"...
 * @where: (out) (transfer full): where @node's profile or platform sets it, as "FILE: PATH"
 *   ("profiles/pe1.json: sros.iom_image"); left alone when neither sets it
 */
void vl_spec_report_lookup(const VlNode *node, const char *key, char **where);

/* Return: (transfer none): the VM that holds @iface's NIC. */
VlVm *vl_iface_vm(const VlIface *iface);

/* Return: (transfer full): the distinct oci:// references the spec's devices use, in file order. */
GPtrArray *vl_spec_image_refs(const VlSpec *spec);

/**
 * vl_spec_image_substitute:
 * @ref: an oci:// reference as the spec writes it
 * @path: the local disk (or kernel, initrd) it resolved to
 * @format: the disk's format, "raw" or "qcow2"
 * @digest: the digest @ref resolved to
 *
 * Puts @path in place of @ref wherever the model uses it (devices, their VMs, SR OS disk
 * layouts) and records @digest in each device's VlImageUse.
 * Return: FALSE with a VL_ERROR_INVALID error when a device's vm_image_format contradicts @format.
 */
gboolean vl_spec_image_substitute(VlSpec *spec, const char *ref, const char *path,
                                  const char *format, const char *digest, GError **error);

/* Return: whether vmlab.insecure_registries lists @registry ("HOST[:PORT]"). */
gboolean vl_spec_registry_is_insecure(const VlSpec *spec, const char *registry);
