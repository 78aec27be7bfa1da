/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-virt-type.c - the kvm-or-TCG choice, from recorded capabilities XML and /proc/cpuinfo */
#include "vl-conn.h"
#include "vl-error.h"
#include "vl-test-util.h"
#include "vl-virt-type.h"

#include <string.h>
#include <unistd.h>

/* test:///default expands CPU models from libvirt's CPU map (virConnectBaselineCPU). */
static virConnectPtr expand_conn;

static char *
read_data(const char *name)
{
    g_autofree char *rel = g_build_filename("data/virt-type", name, NULL);
    g_autofree char *path = vl_test_srcpath(rel);
    g_autoptr(GError) err = NULL;
    char *text = NULL;

    g_file_get_contents(path, &text, NULL, &err);
    g_assert_no_error(err);
    return text;
}

static VlVirtType *
from_caps(const char *file, virConnectPtr conn, gboolean kvm_offered)
{
    g_autofree char *caps = read_data(file);
    g_autoptr(GError) err = NULL;
    VlVirtType *vt = vl_virt_type_from_caps(conn, caps, kvm_offered, &err);

    g_assert_no_error(err);
    g_assert_nonnull(vt);
    return vt;
}

/* This project's CI machines: libvirt offers kvm, the CPU has no vmx/svm even when expanded. */
static void
test_caps_pvm(void)
{
    g_autoptr(VlVirtType) vt = from_caps("pvm-amd-host.xml", expand_conn, TRUE);
    g_autofree char *line = vl_virt_type_describe(vt);

    g_assert_cmpstr(vt->type, ==, "qemu");
    g_assert_nonnull(strstr(vt->reason, "without vmx/svm"));
    g_assert_null(strstr(vt->reason, "not expanded"));
    g_assert_true(g_str_has_prefix(line, "virt type qemu (TCG): "));
}

/* A real Intel host lists vmx beyond its model. */
static void
test_caps_intel(void)
{
    g_autoptr(VlVirtType) vt = from_caps("intel-vmx-host.xml", expand_conn, TRUE);
    g_autofree char *line = vl_virt_type_describe(vt);

    g_assert_cmpstr(vt->type, ==, "kvm");
    g_assert_nonnull(strstr(vt->reason, "has vmx"));
    g_assert_true(g_str_has_prefix(line, "virt type kvm: "));
}

/* A real AMD host: svm is part of the EPYC-Rome model and shows only once the model is expanded. */
static void
test_caps_amd_expanded(void)
{
    g_autoptr(VlVirtType) vt = from_caps("amd-epyc-host.xml", expand_conn, TRUE);

    g_assert_cmpstr(vt->type, ==, "kvm");
    g_assert_nonnull(strstr(vt->reason, "has svm"));
}

/* The same host judged from the listed features alone would be taken for TCG. */
static void
test_caps_amd_unexpanded(void)
{
    g_autoptr(VlVirtType) vt = from_caps("amd-epyc-host.xml", NULL, TRUE);

    g_assert_cmpstr(vt->type, ==, "qemu");
    g_assert_nonnull(strstr(vt->reason, "not expanded"));
}

/* Hardware virtualisation alone is not enough: libvirt must offer kvm domains. */
static void
test_caps_no_kvm(void)
{
    g_autoptr(VlVirtType) vt = from_caps("intel-vmx-host.xml", expand_conn, FALSE);

    g_assert_cmpstr(vt->type, ==, "qemu");
    g_assert_nonnull(strstr(vt->reason, "no kvm"));
}

static void
test_caps_bad(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(VlVirtType) vt = vl_virt_type_from_caps(NULL, "<capabilities/>", TRUE, &err);

    g_assert_null(vt);
    g_assert_error(err, VL_ERROR, VL_ERROR_LIBVIRT);
}

/* The test driver offers no kvm domains and an i686 host: detection says qemu, and why. */
static void
test_detect_test_driver(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(VlVirtType) vt = vl_virt_type_detect(expand_conn, &err);

    g_assert_no_error(err);
    g_assert_cmpstr(vt->type, ==, "qemu");
    g_assert_nonnull(strstr(vt->reason, "no kvm"));
}

static void
test_local_pvm(void)
{
    g_autofree char *cpuinfo = read_data("pvm-amd-cpuinfo.txt");
    g_autoptr(VlVirtType) vt = vl_virt_type_from_local(TRUE, cpuinfo);
    g_autofree char *line = vl_virt_type_describe(vt);

    g_assert_cmpstr(line, ==, "virt type qemu (TCG): /dev/kvm present, CPU without vmx/svm");
}

static void
test_local_svm(void)
{
    g_autofree char *cpuinfo = read_data("amd-svm-cpuinfo.txt");
    g_autoptr(VlVirtType) vt = vl_virt_type_from_local(TRUE, cpuinfo);
    g_autoptr(VlVirtType) none = vl_virt_type_from_local(FALSE, cpuinfo);

    g_assert_cmpstr(vt->type, ==, "kvm");
    g_assert_cmpstr(vt->reason, ==, "/dev/kvm present, CPU has svm");
    g_assert_cmpstr(none->type, ==, "qemu");
    g_assert_cmpstr(none->reason, ==, "no usable /dev/kvm");
}

/* A flag that merely contains "vmx" (such as "vmx_foo") is not vmx. */
static void
test_local_substring(void)
{
    g_autoptr(VlVirtType) vt =
        vl_virt_type_from_local(TRUE, "processor : 0\nflags : fpu vmxfoo nosvm sse\n");

    g_assert_cmpstr(vt->type, ==, "qemu");
}

/* Overrides: --virt-type, then $VMLAB_VIRT_TYPE, then vmlab.virt_type. */
static void
test_choose_order(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(VlVirtType) opt = NULL;
    g_autoptr(VlVirtType) env = NULL;
    g_autoptr(VlVirtType) spec = NULL;
    g_autoptr(VlVirtType) bad = NULL;

    g_setenv("VMLAB_VIRT_TYPE", "qemu", TRUE);
    opt = vl_virt_type_choose("kvm", "qemu", expand_conn, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(opt->type, ==, "kvm");
    g_assert_cmpstr(opt->reason, ==, "set by --virt-type");

    env = vl_virt_type_choose(NULL, "kvm", expand_conn, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(env->type, ==, "qemu");
    g_assert_cmpstr(env->reason, ==, "set by $VMLAB_VIRT_TYPE");

    g_unsetenv("VMLAB_VIRT_TYPE");
    spec = vl_virt_type_choose(NULL, "kvm", expand_conn, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(spec->type, ==, "kvm");
    g_assert_cmpstr(spec->reason, ==, "set by vmlab.virt_type in topology.json");

    bad = vl_virt_type_choose("xen", NULL, expand_conn, &err);
    g_assert_null(bad);
    g_assert_error(err, VL_ERROR, VL_ERROR_USAGE);
}

/*
 * On a real local daemon (end-to-end runs), the connection's verdict agrees with the local rule:
 * both look at the same CPU and the same /dev/kvm.
 */
static void
test_detect_system(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(virConnect) conn = NULL;
    g_autoptr(VlVirtType) remote = NULL;
    g_autoptr(VlVirtType) local = vl_virt_type_detect_local();

    if (!g_getenv("VMLAB_E2E") || getuid() != 0) {
        g_test_skip("needs VMLAB_E2E=1 and root (qemu:///system)");
        return;
    }
    conn = vl_conn_open("qemu:///system", &err);
    g_assert_no_error(err);
    remote = vl_virt_type_detect(conn, &err);
    g_assert_no_error(err);
    g_test_message("qemu:///system: %s; local: %s", remote->reason, local->reason);
    g_assert_cmpstr(remote->type, ==, local->type);
}

/* `up` says what it chose, and why, on its first line. */
static void
test_cli_up_first_line(void)
{
    g_autofree char *home = vl_test_mkdtemp();
    g_autofree char *spec = vl_test_mkdtemp();
    g_autofree char *src = vl_test_srcpath("../specs/example");
    const char *const files[] = {"topology.json",    "platforms.json",   "profiles/r1.json",
                                 "profiles/r2.json", "profiles/r3.json", NULL};
    const char *const up[] = {"up", spec, "--no-start", NULL};
    const char *const down[] = {"down", spec, NULL};
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_auto(GStrv) lines = NULL;
    int status;

    vl_test_copy_files(src, spec, files);
    g_setenv("VMLAB_HOME", home, TRUE);
    g_unsetenv("VMLAB_VIRT_TYPE");
    /* The example's images live in $VMLAB_HOME/images/tiny; give it placeholders. */
    vl_test_write(home, "images/tiny/vmlinuz", "kernel");
    vl_test_write(home, "images/tiny/initrd.img", "initrd");
    status = vl_test_run((const char *const *)up, &out, &err);
    if (status != 0)
        g_test_message("up: status %d\nstdout:\n%s\nstderr:\n%s", status, out, err);
    g_assert_cmpint(status, ==, 0);
    lines = g_strsplit(out, "\n", 2);
    g_assert_cmpstr(lines[0], ==,
                    "virt type qemu (TCG): libvirt offers no kvm domains on this host (CPU i686)");
    g_assert_cmpint(vl_test_run((const char *const *)down, NULL, NULL), ==, 0);
    vl_test_rmtree(spec);
    vl_test_rmtree(home);
}

int
main(int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    int rc;

    g_test_init(&argc, &argv, NULL);
    expand_conn = vl_conn_open("test:///default", &err);
    g_assert_no_error(err);
    g_test_add_func("/virt-type/caps/pvm-host-is-tcg", test_caps_pvm);
    g_test_add_func("/virt-type/caps/intel-vmx-is-kvm", test_caps_intel);
    g_test_add_func("/virt-type/caps/amd-epyc-expanded-is-kvm", test_caps_amd_expanded);
    g_test_add_func("/virt-type/caps/amd-epyc-unexpanded-is-tcg", test_caps_amd_unexpanded);
    g_test_add_func("/virt-type/caps/kvm-not-offered", test_caps_no_kvm);
    g_test_add_func("/virt-type/caps/no-host-cpu", test_caps_bad);
    g_test_add_func("/virt-type/detect/test-driver", test_detect_test_driver);
    g_test_add_func("/virt-type/local/pvm-host", test_local_pvm);
    g_test_add_func("/virt-type/local/svm-host", test_local_svm);
    g_test_add_func("/virt-type/local/flag-substring", test_local_substring);
    g_test_add_func("/virt-type/choose/override-order", test_choose_order);
    g_test_add_func("/virt-type/detect/system-agrees-with-local", test_detect_system);
    g_test_add_func("/virt-type/cli/up-first-line", test_cli_up_first_line);
    rc = g_test_run();
    virConnectClose(expand_conn);
    return rc;
}
