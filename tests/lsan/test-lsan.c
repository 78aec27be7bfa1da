/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-lsan.c - the sanitizer build reports a g_malloc leak despite .ci/lsan.supp */
#include <gio/gio.h>
#include <string.h>

/*
 * Runs lsan-leak, which leaks a g_strdup() block, with this test's own ASAN_OPTIONS and
 * LSAN_OPTIONS (the ones .ci/run sets, suppressions included): LeakSanitizer must report the
 * g_strdup() block, allocated in lsan-leak.c, and fail the process. Only meaningful in the ASan
 * build.
 */
static void
test_leak_reported(void)
{
    g_autofree char *bin = g_test_build_filename(G_TEST_BUILT, "lsan", "lsan-leak", NULL);
    g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                                 G_SUBPROCESS_FLAGS_STDERR_PIPE);
    g_autoptr(GSubprocess) p = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *out = NULL;

    if (!g_getenv("VMLAB_TEST_ASAN")) {
        g_test_skip("not the AddressSanitizer build");
        return;
    }
    /* abort_on_error would make the report end in SIGABRT; a plain exit code is easier to read */
    g_subprocess_launcher_setenv(l, "ASAN_OPTIONS", "detect_leaks=1:fast_unwind_on_malloc=0", TRUE);
    p = g_subprocess_launcher_spawn(l, &err, bin, NULL);
    g_assert_no_error(err);
    g_assert_true(g_subprocess_communicate_utf8(p, NULL, NULL, NULL, &out, &err));
    g_assert_no_error(err);
    if (!strstr(out, "lsan-leak.c"))
        g_printerr("lsan-leak's stderr:\n%s\n", out);
    g_assert_true(g_subprocess_get_if_exited(p));
    g_assert_cmpint(g_subprocess_get_exit_status(p), !=, 0);
    g_assert_nonnull(strstr(out, "LeakSanitizer: detected memory leaks"));
    g_assert_nonnull(strstr(out, "lsan-leak.c"));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/lsan/leak-reported", test_leak_reported);
    return g_test_run();
}
