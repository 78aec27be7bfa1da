/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-util.c - the util layer: the error domain and its exit codes */
#include "vl-error.h"

#include <gio/gio.h>

static void
test_error_quark_name(void)
{
    g_assert_cmpstr(g_quark_to_string(VL_ERROR), ==, "vmlab-virt-error-quark");
}

static void
test_error_exit_codes(void)
{
    g_autoptr(GError) invalid = g_error_new_literal(VL_ERROR, VL_ERROR_INVALID, "bad spec");
    g_autoptr(GError) usage = g_error_new_literal(VL_ERROR, VL_ERROR_USAGE, "bad option");
    g_autoptr(GError) option =
        g_error_new_literal(G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION, "x");
    g_autoptr(GError) failed = g_error_new_literal(VL_ERROR, VL_ERROR_FAILED, "runtime");
    g_autoptr(GError) io = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_FAILED, "io");

    g_assert_cmpint(vl_error_exit_code(NULL), ==, 0);
    g_assert_cmpint(vl_error_exit_code(invalid), ==, 2);
    g_assert_cmpint(vl_error_exit_code(usage), ==, 2);
    g_assert_cmpint(vl_error_exit_code(option), ==, 2);
    g_assert_cmpint(vl_error_exit_code(failed), ==, 1);
    g_assert_cmpint(vl_error_exit_code(io), ==, 1);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/util/error/quark-name", test_error_quark_name);
    g_test_add_func("/util/error/exit-codes", test_error_exit_codes);
    return g_test_run();
}
