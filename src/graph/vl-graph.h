/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-graph.h - a lab's topology as a graph (nodes, edges, deployed state) and its output formats */
#pragma once

#include "vl-lab-hosts.h"
#include "vl-spec.h"

#include <glib.h>
#include <libvirt/libvirt.h>

/* One VM of a node, with what libvirt says about it when the lab is deployed. */
typedef struct {
    char *domain;
    char *card; /* (nullable): SR OS card ("a", "1"...) */
    char *role; /* its VM's role: an SR OS line card ("iom") has no management plane */
    char *host; /* the address its ports are on */
    guint ssh_port;
    guint console_port;
    char *ssh_user;
    char *state; /* "running", "shut off"...; "not deployed" when absent or --offline */
    gboolean running;
    gboolean ready;
} VlGraphVm;

/* One device. */
typedef struct {
    char *name;
    char *platform;
    char *group;      /* the device's "group" or "role" field, "" when none */
    guint rank;       /* layer from the top: spines above leaves (see vl_graph_group_rank()) */
    GPtrArray *cards; /* (element-type utf8): SR OS cards, empty otherwise */
    GPtrArray *vms;   /* VlGraphVm */
} VlGraphNode;

/* One link. */
typedef struct {
    guint index;
    char *a_node, *a_iface;
    char *z_node, *z_iface;
    const char *transport; /* "udp" or "tcp" */
    guint port_a, port_z;
} VlGraphEdge;

typedef struct {
    char *lab;
    gboolean deployed; /* state was read from libvirt */
    GPtrArray *nodes;  /* VlGraphNode, in spec order */
    GPtrArray *edges;  /* VlGraphEdge, in spec order */
} VlGraph;

/**
 * vl_graph_new:
 * @spec: the resolved lab
 *
 * Builds the graph from the spec alone: every VM "not deployed".
 * Return: (transfer full): the graph.
 */
VlGraph *vl_graph_new(const VlSpec *spec);
void vl_graph_free(VlGraph *g);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlGraph, vl_graph_free)

/**
 * vl_graph_read_state:
 * @hosts: the lab's libvirt hosts (vl_lab_hosts_open_state(): each VM's state comes from its own)
 *
 * Fills each VM's state from libvirt (the lab counts as deployed when libvirt holds at least
 * one of its domains); a running VM is ready when its SSH port answers with an SSH
 * banner (an SR OS line card, which has none, when it runs).
 * Return: TRUE on success, FALSE with @error when libvirt cannot list domains.
 */
gboolean vl_graph_read_state(VlGraph *g, const VlLabHosts *hosts, GError **error);

/**
 * vl_graph_group_rank:
 * @group: a group or role name
 *
 * Return: the layer of a group: super-spines 0, spines 1, other named groups 2, leaves 3,
 *   hosts/servers 4, no group 2.
 */
guint vl_graph_group_rank(const char *group);

/* Return: "ready", "running", "down" or "offline": the node's overall status. */
const char *vl_graph_node_status(const VlGraph *g, const VlGraphNode *n);

/* Return: (transfer full): the Graphviz dot text. */
char *vl_graph_to_dot(const VlGraph *g);
/* Return: (transfer full): a Mermaid flowchart. */
char *vl_graph_to_mermaid(const VlGraph *g);
/* Return: (transfer full): the JSON document (version 1: lab, deployed, nodes, links). */
char *vl_graph_to_json(const VlGraph *g);

/**
 * vl_graph_dot_to_svg:
 * @dot: Graphviz dot text
 *
 * Runs Graphviz's `dot -Tsvg` (found in $PATH at run time).
 * Return: (transfer full): the svg, or NULL with an error (VL_ERROR_FAILED naming the Debian
 *   package when `dot` is missing).
 */
char *vl_graph_dot_to_svg(const char *dot, GError **error);

/**
 * vl_graph_to_html:
 * @svg: the drawing, inlined
 *
 * Return: (transfer full): one self-contained page (no scripts or styles fetched): the svg, a
 *   table of the VMs (host, state, ready, ports, ssh command) and one of the links.
 */
char *vl_graph_to_html(const VlGraph *g, const char *svg);

/* Return: (transfer none) (nullable): the node named @name. */
const VlGraphNode *vl_graph_find_node(const VlGraph *g, const char *name);

/**
 * vl_graph_groups:
 *
 * Return: (transfer container) (element-type utf8): the non-empty group names, top layer first
 *   (then in order of first appearance).
 */
GPtrArray *vl_graph_groups(const VlGraph *g);

/**
 * vl_graph_edge_ends:
 *
 * The ends of @e in drawing order: the end in the higher layer first (a spine above its leaf),
 * else a then z.
 */
void vl_graph_edge_ends(const VlGraph *g, const VlGraphEdge *e, const char **tail_node,
                        const char **tail_iface, const char **head_node, const char **head_iface);

/* Return: (transfer full): the node's label lines: name, platform, SR OS cards, VM states. */
char *vl_graph_node_label(const VlGraph *g, const VlGraphNode *n);

/* Return: (transfer full): "ssh -p PORT USER@HOST", or "" for a VM without SSH (a line card). */
char *vl_graph_vm_ssh_command(const VlGraphVm *vm);

/* Return: (transfer full): the VM's one-line state: "running, ready", "shut off", "not deployed".
 */
char *vl_graph_vm_summary(const VlGraphVm *vm);
