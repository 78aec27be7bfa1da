/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-graph-mermaid.c - the topology graph as a Mermaid flowchart: groups as subgraphs, top down */
#include "vl-graph.h"

/* Appends @s for a Mermaid quoted label: quotes and markup characters as entity codes. */
static void
vl_mermaid_escape(GString *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '"':
            g_string_append(out, "#quot;");
            break;
        case '<':
            g_string_append(out, "#lt;");
            break;
        case '>':
            g_string_append(out, "#gt;");
            break;
        case '\n':
            g_string_append(out, "<br/>");
            break;
        default:
            g_string_append_c(out, *s);
        }
    }
}

/* Return: the node's position in the spec: its Mermaid id is n<index>. */
static guint
vl_mermaid_node_id(const VlGraph *g, const char *name)
{
    for (guint i = 0; i < g->nodes->len; i++) {
        const VlGraphNode *n = g_ptr_array_index(g->nodes, i);
        if (g_str_equal(n->name, name))
            return i;
    }
    return 0;
}

static void
vl_mermaid_node(GString *out, const VlGraph *g, guint i, const char *indent)
{
    const VlGraphNode *n = g_ptr_array_index(g->nodes, i);
    g_autofree char *label = vl_graph_node_label(g, n);

    g_string_append_printf(out, "%sn%u[\"", indent, i);
    vl_mermaid_escape(out, label);
    g_string_append(out, "\"]\n");
}

char *
vl_graph_to_mermaid(const VlGraph *g)
{
    GString *out = g_string_new(NULL);
    g_autoptr(GPtrArray) groups = vl_graph_groups(g);

    g_string_append(out, "---\ntitle: lab ");
    vl_mermaid_escape(out, g->lab);
    g_string_append(out, g->deployed ? "\n---\nflowchart TB\n" : " (offline)\n---\nflowchart TB\n");
    for (guint i = 0; i < groups->len; i++) {
        const char *group = g_ptr_array_index(groups, i);

        g_string_append_printf(out, "  subgraph g%u[\"", i);
        vl_mermaid_escape(out, group);
        g_string_append(out, "\"]\n");
        for (guint j = 0; j < g->nodes->len; j++) {
            const VlGraphNode *n = g_ptr_array_index(g->nodes, j);
            if (g_str_equal(n->group, group))
                vl_mermaid_node(out, g, j, "    ");
        }
        g_string_append(out, "  end\n");
    }
    for (guint j = 0; j < g->nodes->len; j++) {
        const VlGraphNode *n = g_ptr_array_index(g->nodes, j);
        if (!*n->group)
            vl_mermaid_node(out, g, j, "  ");
    }
    for (guint i = 0; i < g->edges->len; i++) {
        const VlGraphEdge *e = g_ptr_array_index(g->edges, i);
        const char *tn, *ti, *hn, *hi;

        vl_graph_edge_ends(g, e, &tn, &ti, &hn, &hi);

        g_string_append_printf(out, "  n%u ---|\"", vl_mermaid_node_id(g, tn));
        vl_mermaid_escape(out, ti);
        g_string_append(out, " -- ");
        vl_mermaid_escape(out, hi);
        g_string_append_printf(out, "\"| n%u\n", vl_mermaid_node_id(g, hn));
    }
    if (g->deployed) {
        g_string_append(out, "  classDef ready fill:#c8f7c5,stroke:#2e7d32\n"
                             "  classDef running fill:#fff3b0,stroke:#b08800\n"
                             "  classDef down fill:#f4c7c3,stroke:#c62828,stroke-dasharray:4\n");
        for (guint j = 0; j < g->nodes->len; j++)
            g_string_append_printf(out, "  class n%u %s\n", j,
                                   vl_graph_node_status(g, g_ptr_array_index(g->nodes, j)));
    }
    return g_string_free(out, FALSE);
}
