/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-test-lab.c - the fixture of the lab tests on libvirt's test driver: a copy of specs/example */
#include "vl-test-lab.h"
#include "vl-test-spec.h"
#include "vl-test-util.h"
#include "vl-test-virt.h"

static const char *const example_files[] = {"topology.json",    "platforms.json",
                                            "profiles/r1.json", "profiles/r2.json",
                                            "profiles/r3.json", NULL};

void
vl_test_lab_setup(VlTestLab *f, gconstpointer data)
{
    g_autofree char *src = vl_test_srcpath("../specs/example");
    g_autoptr(GError) err = NULL;

    f->home = vl_test_mkdtemp();
    f->specdir = vl_test_mkdtemp();
    g_setenv("VMLAB_HOME", f->home, TRUE);
    vl_test_copy_files(src, f->specdir, example_files);
    f->conn = vl_conn_open("test:///default", &err);
    g_assert_no_error(err);
    f->r = vl_renderer_new("qemu", &err);
    g_assert_no_error(err);
}

void
vl_test_lab_teardown(VlTestLab *f, gconstpointer data)
{
    vl_test_virt_clear(f->conn);
    vl_renderer_free(f->r);
    virConnectClose(f->conn);
    vl_test_rmtree(f->home);
    vl_test_rmtree(f->specdir);
    g_free(f->home);
    g_free(f->specdir);
}

/* Runs up on the fixture's spec. Return: the reports; @ok set to vl_lab_up's result. */
GPtrArray *
vl_test_lab_up(VlTestLab *f, gboolean *ok, GError **error)
{
    g_autoptr(VlSpec) spec = vl_test_spec_load(f->specdir, NULL);
    VlUpOptions opts = {.start = TRUE, .wait = FALSE, .jobs = 2};
    GPtrArray *reports = NULL;

    *ok = vl_lab_up(f->conn, spec, f->r, &opts, &reports, error);
    return reports;
}

const VlVmReport *
vl_test_lab_report(GPtrArray *reports, const char *name)
{
    for (guint i = 0; i < reports->len; i++) {
        const VlVmReport *r = g_ptr_array_index(reports, i);
        if (g_str_equal(r->name, name))
            return r;
    }
    g_assert_not_reached();
}

char *
vl_test_lab_uuid(virConnectPtr conn, const char *name)
{
    virDomainPtr d = virDomainLookupByName(conn, name);
    char buf[VIR_UUID_STRING_BUFLEN];

    g_assert_nonnull(d);
    g_assert_cmpint(virDomainGetUUIDString(d, buf), ==, 0);
    virDomainFree(d);
    return g_strdup(buf);
}
