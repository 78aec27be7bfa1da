/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-graph-svg.c - svg from dot text through Graphviz's `dot`, found in $PATH at run time */
#include "vl-graph.h"

#include "vl-error.h"

#include <gio/gio.h>

char *
vl_graph_dot_to_svg(const char *dot, GError **error)
{
    g_autofree char *prog = g_find_program_in_path("dot");
    g_autoptr(GSubprocess) proc = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *out = NULL;
    g_autofree char *errout = NULL;

    if (!prog) {
        g_set_error(
            error, VL_ERROR, VL_ERROR_FAILED,
            "svg and html need Graphviz's 'dot', which is not in $PATH: install the "
            "graphviz package (apt-get install graphviz), or use --format dot|mermaid|json");
        return NULL;
    }
    proc = g_subprocess_new(G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            &err, prog, "-Tsvg", NULL);
    if (!proc || !g_subprocess_communicate_utf8(proc, dot, NULL, &out, &errout, &err)) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "%s -Tsvg: %s", prog, err->message);
        return NULL;
    }
    if (!g_subprocess_get_successful(proc)) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "%s -Tsvg failed: %s", prog,
                    errout && *errout ? g_strstrip(errout) : "no message");
        return NULL;
    }
    return g_steal_pointer(&out);
}
