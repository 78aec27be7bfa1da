/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-sros-xsltproc.c - the SR OS disk-layout stylesheets run by the real xsltproc binary, which
 * gives what the in-process transform gives */
#include "vl-test-xslt.h"

#include <string.h>

/**
 * run_xsltproc:
 * @out_status: (out): its wait status
 * @out_stderr: (out): what it printed on stderr
 *
 * Runs `xsltproc --nonet [--stringparam NAME VALUE]... STYLESHEET INPUT`.
 * Return: (transfer full): its stdout.
 */
static char *
run_xsltproc(const char *xsltproc, const char *stylesheet, const char **params, int *out_status,
             char **out_stderr)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    g_autofree char *input = vl_test_xslt_data_path("kubevirt-domain.xml");
    char *out = NULL;

    g_ptr_array_add(argv, g_strdup(xsltproc));
    g_ptr_array_add(argv, g_strdup("--nonet"));
    for (gsize i = 0; params[i]; i += 2) {
        g_ptr_array_add(argv, g_strdup("--stringparam"));
        g_ptr_array_add(argv, g_strdup(params[i]));
        g_ptr_array_add(argv, g_strdup(params[i + 1]));
    }
    g_ptr_array_add(argv, vl_test_xslt_stylesheet_path(stylesheet));
    g_ptr_array_add(argv, g_steal_pointer(&input));
    g_ptr_array_add(argv, NULL);
    g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, out_stderr,
                 out_status, &error);
    g_assert_no_error(error);
    return out;
}

static void
run_xsltproc_case(const char *stylesheet, const char **params, const char *expected_name,
                  VlTestXsltLayout layout)
{
    g_autofree char *xsltproc = g_find_program_in_path("xsltproc");
    g_autofree char *input_path = vl_test_xslt_data_path("kubevirt-domain.xml");
    g_autofree char *expected_path = vl_test_xslt_data_path(expected_name);
    g_autoptr(xmlDoc) input = NULL;
    g_autoptr(xmlDoc) expected = NULL;
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autofree char *in_process = NULL;
    int status = -1;

    if (xsltproc == NULL) {
        g_test_skip("xsltproc is not installed");
        return;
    }
    input = vl_test_xslt_parse_file(input_path);
    expected = vl_test_xslt_parse_file(expected_path);
    out = run_xsltproc(xsltproc, stylesheet, params, &status, &err);
    if (!g_spawn_check_wait_status(status, NULL))
        g_error("xsltproc %s failed: %s", stylesheet, err);
    vl_test_xslt_check_output(input, out, xmlDocGetRootElement(expected), layout);

    /* Byte for byte what the in-process transform gives. */
    {
        g_autoptr(xsltStylesheet) style = vl_test_xslt_load(stylesheet);
        in_process = vl_test_xslt_apply(style, input, params, NULL);
    }
    g_assert_cmpstr(out, ==, in_process);
}

static void
test_xsltproc_cpm(void)
{
    run_xsltproc_case("sros-cpm-disk.xsl", vl_test_xslt_cpm_params, "expected-cpm-disk.xml",
                      VL_TEST_XSLT_CPM);
}

static void
test_xsltproc_iom(void)
{
    run_xsltproc_case("sros-iom-disk.xsl", vl_test_xslt_iom_params, "expected-iom-disk.xml",
                      VL_TEST_XSLT_IOM);
}

static void
test_xsltproc_missing_param(void)
{
    g_autofree char *xsltproc = g_find_program_in_path("xsltproc");
    const char *none[] = {NULL};
    const char *only_overlay[] = {"overlay_path", VL_TEST_XSLT_IOM_OVERLAY, NULL};
    struct {
        const char *stylesheet;
        const char **params;
        const char *message;
    } cases[] = {
        {"sros-cpm-disk.xsl", none, "missing string parameter 'disk_path'"},
        {"sros-iom-disk.xsl", only_overlay, "missing string parameter 'base_path'"},
    };

    if (xsltproc == NULL) {
        g_test_skip("xsltproc is not installed");
        return;
    }
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *err = NULL;
        int status = 0;
        g_autofree char *out =
            run_xsltproc(xsltproc, cases[i].stylesheet, cases[i].params, &status, &err);

        g_assert_false(g_spawn_check_wait_status(status, NULL));
        g_assert_cmpstr(out, ==, "");
        if (strstr(err, cases[i].message) == NULL)
            g_error("xsltproc %s: '%s' lacks '%s'", cases[i].stylesheet, err, cases[i].message);
    }
}

int
main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    vl_test_xslt_init();

    g_test_add_func("/sros/xslt/xsltproc/cpm", test_xsltproc_cpm);
    g_test_add_func("/sros/xslt/xsltproc/iom", test_xsltproc_iom);
    g_test_add_func("/sros/xslt/xsltproc/missing-params", test_xsltproc_missing_param);
    ret = g_test_run();

    vl_test_xslt_cleanup();
    return ret;
}
