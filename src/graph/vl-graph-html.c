/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-graph-html.c - one self-contained HTML page of a lab: inline svg, VM table, links table */
#include "vl-graph.h"

#include <string.h>

/* Appends @s with the HTML special characters escaped. */
static void
vl_html_escape(GString *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            g_string_append(out, "&amp;");
            break;
        case '<':
            g_string_append(out, "&lt;");
            break;
        case '>':
            g_string_append(out, "&gt;");
            break;
        case '"':
            g_string_append(out, "&quot;");
            break;
        case '\'':
            g_string_append(out, "&#39;");
            break;
        default:
            g_string_append_c(out, *s);
        }
    }
}

/* Appends one <td> cell. */
static void
vl_html_cell(GString *out, const char *text, const char *cls)
{
    g_string_append(out, cls ? "<td class=\"" : "<td>");
    if (cls) {
        g_string_append(out, cls);
        g_string_append(out, "\">");
    }
    vl_html_escape(out, text);
    g_string_append(out, "</td>");
}

static void
vl_html_vms(GString *out, const VlGraph *g)
{
    g_string_append(out, "<h2>VMs</h2>\n<table id=\"vms\">\n<tr><th>node</th><th>domain</th>"
                         "<th>host</th><th>state</th><th>ready</th><th>ssh port</th>"
                         "<th>console port</th><th>ssh</th></tr>\n");
    for (guint i = 0; i < g->nodes->len; i++) {
        const VlGraphNode *n = g_ptr_array_index(g->nodes, i);

        for (guint v = 0; v < n->vms->len; v++) {
            const VlGraphVm *vm = g_ptr_array_index(n->vms, v);
            g_autofree char *ssh = vl_graph_vm_ssh_command(vm);
            g_autofree char *sp = g_strdup_printf("%u", vm->ssh_port);
            g_autofree char *cp = g_strdup_printf("%u", vm->console_port);

            g_string_append(out, "<tr class=\"vm\" data-node=\"");
            vl_html_escape(out, n->name);
            g_string_append(out, "\">");
            vl_html_cell(out, n->name, NULL);
            vl_html_cell(out, vm->domain, NULL);
            vl_html_cell(out, vm->host, NULL);
            vl_html_cell(out, vm->state, !g->deployed ? NULL : vm->running ? "up" : "down");
            vl_html_cell(out,
                         !g->deployed ? "-"
                         : vm->ready  ? "yes"
                                      : "no",
                         vm->ready ? "up" : NULL);
            vl_html_cell(out, sp, NULL);
            vl_html_cell(out, cp, NULL);
            g_string_append(out, "<td><code>");
            vl_html_escape(out, ssh);
            g_string_append(out, "</code></td></tr>\n");
        }
    }
    g_string_append(out, "</table>\n");
}

static void
vl_html_links(GString *out, const VlGraph *g)
{
    g_string_append(out, "<h2>Links</h2>\n<table id=\"links\">\n<tr><th>#</th><th>a</th><th>z</th>"
                         "<th>transport</th><th>ports</th><th>capture</th></tr>\n");
    for (guint i = 0; i < g->edges->len; i++) {
        const VlGraphEdge *e = g_ptr_array_index(g->edges, i);
        g_autofree char *idx = g_strdup_printf("%u", e->index);
        g_autofree char *a = g_strdup_printf("%s:%s", e->a_node, e->a_iface);
        g_autofree char *z = g_strdup_printf("%s:%s", e->z_node, e->z_iface);
        g_autofree char *ports = g_strdup_printf("%u/%u", e->port_a, e->port_z);
        g_autofree char *cap = g_strdup_printf("vmlab-virt capture --lab %s %s -w - | "
                                               "wireshark -k -i -",
                                               g->lab, a);

        g_string_append_printf(out, "<tr class=\"link\" id=\"row-link-%u\">", e->index);
        vl_html_cell(out, idx, NULL);
        vl_html_cell(out, a, NULL);
        vl_html_cell(out, z, NULL);
        vl_html_cell(out, e->transport, NULL);
        vl_html_cell(out, ports, NULL);
        g_string_append(out, "<td><code>");
        vl_html_escape(out, cap);
        g_string_append(out, "</code></td></tr>\n");
    }
    g_string_append(out, "</table>\n");
}

char *
vl_graph_to_html(const VlGraph *g, const char *svg)
{
    GString *out = g_string_new(NULL);
    /* dot's svg starts with an XML declaration and a DOCTYPE naming the W3C's DTD: inline only
       the <svg> element, so nothing refers to the network. */
    const char *start = strstr(svg, "<svg");

    g_string_append(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
                         "'none'; style-src 'unsafe-inline'; img-src data:\">\n<title>lab ");
    vl_html_escape(out, g->lab);
    g_string_append(out, "</title>\n<style>\n"
                         "body { font-family: sans-serif; margin: 1.5em; }\n"
                         "table { border-collapse: collapse; margin-bottom: 1.5em; }\n"
                         "th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; "
                         "text-align: left; }\n"
                         "th { background: #eee; }\n"
                         "td.up { background: #c8f7c5; }\n"
                         "td.down { background: #f4c7c3; }\n"
                         "#graph svg { max-width: 100%; height: auto; }\n"
                         "</style>\n</head>\n<body>\n<h1>lab ");
    vl_html_escape(out, g->lab);
    g_string_append(out, g->deployed ? "</h1>\n" : " (offline: from the spec alone)</h1>\n");
    g_string_append(out, "<div id=\"graph\">\n");
    g_string_append(out, start ? start : "");
    g_string_append(out, "</div>\n");
    vl_html_vms(out, g);
    vl_html_links(out, g);
    g_string_append(out, "</body>\n</html>\n");
    return g_string_free(out, FALSE);
}
