/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-cmd-graph.c - `vmlab-virt graph SPECDIR`: the topology as dot, svg, mermaid, json or html */
#include "vl-cli.h"

#include "vl-error.h"
#include "vl-fs.h"
#include "vl-graph.h"

#include <string.h>

static const char *const vl_graph_formats[] = {"dot", "svg", "mermaid", "json", "html"};

/* Return: the format an output file's name implies, or NULL. */
static const char *
vl_cmd_graph_format_of(const char *path)
{
    static const struct {
        const char *suffix, *format;
    } map[] = {{".dot", "dot"},   {".gv", "dot"},    {".svg", "svg"},  {".mmd", "mermaid"},
               {".json", "json"}, {".html", "html"}, {".htm", "html"}, {".mermaid", "mermaid"}};

    for (guint i = 0; path && i < G_N_ELEMENTS(map); i++) {
        if (g_str_has_suffix(path, map[i].suffix))
            return map[i].format;
    }
    return NULL;
}

gboolean
vl_cmd_graph(int argc, char **argv, GError **error)
{
    g_autofree char *format = NULL;
    g_autofree char *output = NULL;
    g_autofree char *uri = NULL;
    gboolean offline = FALSE;
    GOptionEntry entries[] = {
        {"format", 'f', 0, G_OPTION_ARG_STRING, &format,
         "dot, svg, mermaid, json or html (default: from -o's suffix, else dot)", "FORMAT"},
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write to FILE instead of stdout",
         "FILE"},
        {"offline", 0, 0, G_OPTION_ARG_NONE, &offline,
         "Draw from the spec alone, without asking libvirt what runs", NULL},
        {"connect", 'c', 0, G_OPTION_ARG_STRING, &uri, "libvirt URI", "URI"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("SPECDIR - draw a lab's topology");
    g_autoptr(VlSpec) spec = NULL;
    g_autoptr(VlGraph) g = NULL;
    g_autofree char *text = NULL;
    gboolean known = FALSE;
    const char *dir = NULL;

    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(
        ctx, "svg and html run Graphviz's 'dot' (package graphviz). Devices are grouped and "
             "layered by their optional \"group\" or \"role\" field (spines above leaves).");
    if (!vl_cli_parse(ctx, &argc, &argv, error) || !vl_cli_spec_arg(argc, argv, &dir, error))
        return FALSE;
    if (!dir) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE,
                    "usage: vmlab-virt graph SPECDIR|-S DIR [--format dot|svg|mermaid|json|html] "
                    "[-o FILE] [--offline] [-c URI]");
        return FALSE;
    }
    if (!format)
        format = g_strdup(vl_cmd_graph_format_of(output) ? vl_cmd_graph_format_of(output) : "dot");
    for (guint i = 0; i < G_N_ELEMENTS(vl_graph_formats); i++)
        known = known || g_str_equal(format, vl_graph_formats[i]);
    if (!known) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE,
                    "--format '%s': expected dot, svg, mermaid, json or html", format);
        return FALSE;
    }
    spec = vl_cli_spec_load(dir, FALSE, error);
    if (!spec)
        return FALSE;
    g = vl_graph_new(spec);
    if (!offline) {
        /* the hosts the lab's state records (each VM's state from its own), else -c */
        g_autoptr(VlLabHosts) hosts = vl_cli_lab_hosts(uri, spec->name, NULL, error);
        if (!hosts || !vl_graph_read_state(g, hosts, error))
            return FALSE;
    }
    if (g_str_equal(format, "mermaid"))
        text = vl_graph_to_mermaid(g);
    else if (g_str_equal(format, "json"))
        text = vl_graph_to_json(g);
    else {
        g_autofree char *dot = vl_graph_to_dot(g);
        if (g_str_equal(format, "dot"))
            text = g_steal_pointer(&dot);
        else {
            g_autofree char *svg = vl_graph_dot_to_svg(dot, error);
            if (!svg)
                return FALSE;
            text = g_str_equal(format, "svg") ? g_steal_pointer(&svg) : vl_graph_to_html(g, svg);
        }
    }
    if (output)
        return vl_fs_write_output(output, text, strlen(text), 0644, error);
    fputs(text, stdout);
    return TRUE;
}

gboolean
vl_cmd_graph_lab_page(const VlLabHosts *hosts, const VlSpec *spec, char **path, GError **error)
{
    g_autoptr(VlGraph) g = vl_graph_new(spec);
    g_autofree char *dot = NULL;
    g_autofree char *svg = NULL;
    g_autofree char *html = NULL;
    g_autofree char *dir = vl_fs_lab_dir(spec->name);
    g_autofree char *file = g_build_filename(dir, "graph.html", NULL);

    if (!vl_graph_read_state(g, hosts, error))
        return FALSE;
    dot = vl_graph_to_dot(g);
    svg = vl_graph_dot_to_svg(dot, error);
    if (!svg)
        return FALSE;
    html = vl_graph_to_html(g, svg);
    if (!vl_fs_write_atomic(file, html, strlen(html), 0644, error))
        return FALSE;
    *path = g_steal_pointer(&file);
    return TRUE;
}
