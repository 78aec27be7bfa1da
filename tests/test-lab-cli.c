/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-lab-cli.c - whole-lab commands through the binary on test:///default: warnings, JSON text */
#include "vl-test-util.h"

#include <glib/gstdio.h>
#include <string.h>

typedef struct {
    char *home; /* VMLAB_HOME */
    char *spec; /* a copy of specs/example */
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
    g_autofree char *src = vl_test_srcpath("../specs/example");
    const char *const files[] = {"topology.json",    "platforms.json",   "profiles/r1.json",
                                 "profiles/r2.json", "profiles/r3.json", NULL};

    f->home = vl_test_mkdtemp();
    f->spec = vl_test_mkdtemp();
    vl_test_copy_files(src, f->spec, files);
    g_setenv("VMLAB_HOME", f->home, TRUE);
    g_setenv("VMLAB_VIRT_TYPE", "qemu", TRUE);
    /* The example's images live in $VMLAB_HOME/images/tiny; give it placeholders. */
    vl_test_write(f->home, "images/tiny/vmlinuz", "kernel");
    vl_test_write(f->home, "images/tiny/initrd.img", "initrd");
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
    vl_test_rmtree(f->home);
    vl_test_rmtree(f->spec);
    g_free(f->home);
    g_free(f->spec);
}

/* Runs the binary; asserts @expected (printing the command on a mismatch). Return: stderr. */
static char *
run_err(const char *const *argv, int expected, char **out)
{
    g_autofree char *o = NULL;
    char *e = NULL;
    int status = vl_test_run_timeout(60, argv, &o, &e);

    if (status != expected)
        vl_test_print_failure(argv, status, o, e);
    g_assert_cmpint(status, ==, expected);
    if (out)
        *out = g_steal_pointer(&o);
    return e;
}

/* A warning that is not about an image (a profile of no device) is shown by every command. */
static void
test_warnings_shown(Fixture *f, gconstpointer data)
{
    const char *const up[] = {"up", f->spec, "--no-start", NULL};
    const char *const render[] = {"render", f->spec, NULL};
    const char *const validate[] = {"validate", f->spec, NULL};
    const char *const down[] = {"down", f->spec, NULL};
    const char *want = "warning: profiles/r9.json: no device named 'r9' in topology.json";
    const char *const *cmds[] = {up, render, validate};

    vl_test_write(f->spec, "profiles/r9.json", "{\"platform\": \"tiny-linux\"}");
    for (guint i = 0; i < G_N_ELEMENTS(cmds); i++) {
        g_autofree char *err = run_err(cmds[i], 0, NULL);
        if (!strstr(err, want))
            vl_test_print_failure(cmds[i], 0, NULL, err);
        g_assert_nonnull(strstr(err, want));
    }
    vl_test_run_expect(60, down, 0, NULL);
}

/* `up` refuses a missing image as an error, and still shows the other warnings, once each. */
static void
test_warnings_with_image_error(Fixture *f, gconstpointer data)
{
    const char *const up[] = {"up", f->spec, "--no-start", NULL};
    g_autofree char *initrd = g_build_filename(f->home, "images", "tiny", "initrd.img", NULL);
    g_autofree char *err = NULL;
    const char *image_msg = "does not exist or cannot be read";

    vl_test_write(f->spec, "profiles/r9.json", "{\"platform\": \"tiny-linux\"}");
    g_assert_cmpint(g_unlink(initrd), ==, 0);
    err = run_err(up, 2, NULL);
    g_assert_nonnull(strstr(err, "warning: profiles/r9.json: no device named 'r9'"));
    /* the image is reported as an error, not also as a warning */
    g_assert_nonnull(strstr(err, image_msg));
    g_assert_null(strstr(strstr(err, image_msg) + 1, image_msg));
}

/* JSON the project writes leaves "/" as it is: status --json, state.json, profiles. */
static void
test_json_no_slash_escape(Fixture *f, gconstpointer data)
{
    const char *const up[] = {"up", f->spec, "--no-start", NULL};
    const char *const status[] = {"status", "--lab", "example", "--json", NULL};
    const char *const down[] = {"down", f->spec, NULL};
    g_autofree char *state = g_build_filename(f->home, "labs", "example", "state.json", NULL);
    g_autofree char *prof = g_build_filename(f->spec, "profiles", "r1.json", NULL);
    g_autofree char *out = NULL;
    g_autofree char *text = NULL;
    g_autofree char *ptext = NULL;

    /* a profile field with a path, which up writes back */
    vl_test_write(
        f->spec, "profiles/r1.json",
        "{\"platform\": \"tiny-linux\", \"vm_cmdline\": \"console=ttyS0 init=/sbin/init\"}");
    vl_test_run_expect(60, up, 0, NULL);
    g_assert_true(g_file_get_contents(state, &text, NULL, NULL));
    g_assert_nonnull(strstr(text, f->spec));
    g_assert_null(strstr(text, "\\/"));
    g_assert_true(g_file_get_contents(prof, &ptext, NULL, NULL));
    g_assert_nonnull(strstr(ptext, "init=/sbin/init"));
    g_assert_null(strstr(ptext, "\\/"));
    vl_test_run_expect(60, status, 0, &out);
    if (!strstr(out, f->spec) || strstr(out, "\\/"))
        vl_test_print_failure(status, 0, out, NULL);
    g_assert_nonnull(strstr(out, f->spec));
    g_assert_null(strstr(out, "\\/"));
    vl_test_run_expect(60, down, 0, NULL);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/lab-cli/warnings/shown-by-up-render-validate", test_warnings_shown);
    ADD("/lab-cli/warnings/with-image-error", test_warnings_with_image_error);
    ADD("/lab-cli/json/no-slash-escape", test_json_no_slash_escape);
    return g_test_run();
}
