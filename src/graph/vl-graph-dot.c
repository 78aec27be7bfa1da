/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-graph-dot.c - the topology graph as Graphviz dot: groups as ranked clusters, spines on top */
#include "vl-graph.h"

#include <string.h>

/* Appends @s as the inside of a dot quoted string. */
static void
vl_dot_escape(GString *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            g_string_append_c(out, '\\');
        if (*s == '\n')
            g_string_append(out, "\\n");
        else
            g_string_append_c(out, *s);
    }
}

/* Return: the fill colour of a node status. */
static const char *
vl_dot_color(const char *status)
{
    if (g_str_equal(status, "ready"))
        return "#c8f7c5";
    if (g_str_equal(status, "running"))
        return "#fff3b0";
    if (g_str_equal(status, "down"))
        return "#f4c7c3";
    return "#ffffff";
}

static void
vl_dot_node(GString *out, const VlGraph *g, const VlGraphNode *n, const char *indent)
{
    g_autofree char *label = vl_graph_node_label(g, n);
    const char *status = vl_graph_node_status(g, n);

    g_string_append_printf(out, "%s\"", indent);
    vl_dot_escape(out, n->name);
    g_string_append(out, "\" [id=\"node_");
    vl_dot_escape(out, n->name);
    g_string_append(out, "\", label=\"");
    vl_dot_escape(out, label);
    g_string_append_printf(out, "\", fillcolor=\"%s\"%s];\n", vl_dot_color(status),
                           g_str_equal(status, "down") ? ", style=\"rounded,filled,dashed\"" : "");
}

char *
vl_graph_to_dot(const VlGraph *g)
{
    GString *out = g_string_new(NULL);
    g_autoptr(GPtrArray) groups = vl_graph_groups(g);

    g_string_append(out, "graph \"");
    vl_dot_escape(out, g->lab);
    g_string_append(out, "\" {\n  graph [label=\"lab ");
    vl_dot_escape(out, g->lab);
    g_string_append(out, g->deployed ? "\"" : " (offline)\"");
    g_string_append(
        out, ", labelloc=t, rankdir=TB, nodesep=0.6, ranksep=1.0, "
             "fontname=\"Helvetica\"];\n"
             "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", "
             "fontsize=11];\n"
             "  edge [fontname=\"Helvetica\", fontsize=8, labeldistance=2.2, labelangle=20];\n");
    for (guint i = 0; i < groups->len; i++) {
        const char *group = g_ptr_array_index(groups, i);

        g_string_append_printf(out, "  subgraph \"cluster_%u\" {\n    label=\"", i);
        vl_dot_escape(out, group);
        g_string_append(out, "\";\n    style=dashed;\n    color=\"#999999\";\n");
        for (guint j = 0; j < g->nodes->len; j++) {
            const VlGraphNode *n = g_ptr_array_index(g->nodes, j);
            if (g_str_equal(n->group, group))
                vl_dot_node(out, g, n, "    ");
        }
        g_string_append(out, "  }\n");
    }
    for (guint j = 0; j < g->nodes->len; j++) {
        const VlGraphNode *n = g_ptr_array_index(g->nodes, j);
        if (!*n->group)
            vl_dot_node(out, g, n, "  ");
    }
    for (guint i = 0; i < g->edges->len; i++) {
        const VlGraphEdge *e = g_ptr_array_index(g->edges, i);
        const char *tn, *ti, *hn, *hi;

        vl_graph_edge_ends(g, e, &tn, &ti, &hn, &hi);

        g_string_append(out, "  \"");
        vl_dot_escape(out, tn);
        g_string_append(out, "\" -- \"");
        vl_dot_escape(out, hn);
        g_string_append_printf(out, "\" [id=\"link_%u\", tooltip=\"", e->index);
        vl_dot_escape(out, e->a_node);
        g_string_append_c(out, ':');
        vl_dot_escape(out, e->a_iface);
        g_string_append(out, " -- ");
        vl_dot_escape(out, e->z_node);
        g_string_append_c(out, ':');
        vl_dot_escape(out, e->z_iface);
        g_string_append_printf(out, " (%s)\", taillabel=\"", e->transport);
        vl_dot_escape(out, ti);
        g_string_append(out, "\", headlabel=\"");
        vl_dot_escape(out, hi);
        g_string_append(out, "\"];\n");
    }
    g_string_append(out, "}\n");
    return g_string_free(out, FALSE);
}
