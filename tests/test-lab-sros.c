/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-lab-sros.c - SR OS routers on libvirt's test driver: the CPM's disk and boot files, UUIDs */
#include "vl-fs.h"
#include "vl-sros-bootfiles.h"
#include "vl-test-lab.h"
#include "vl-test-spec.h"
#include "vl-test-util.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libvirt/virterror.h>
#include <string.h>
#include <sys/stat.h>

static char *
read_text(const char *image, const char *name, GCancellable *c, GError **error)
{
    g_autoptr(GBytes) b = vl_sros_bootfiles_read(image, name, c, error);
    gsize len = 0;
    const char *data;

    if (!b)
        return NULL;
    data = g_bytes_get_data(b, &len);
    return g_strndup(data, len);
}

/* Writes the profile of pe1 (below) with the fields @extra. */
static void
write_sros_profile(const char *spec, const char *extra)
{
    g_autofree char *profile =
        g_strdup_printf("{\"platform\": \"sros\", \"vm_type\": \"vsim\", %s}", extra);

    vl_test_write(spec, "profiles/pe1.json", profile);
}

/* Writes an SR OS lab "srl" with one vsim device pe1 (profile fields @extra) and its images. */
static void
write_sros_spec(const char *spec, const char *extra)
{
    g_autofree char *cpm = g_build_filename(spec, "cpm.img", NULL);
    const char *mkfs[] = {"mkfs.vfat", "-C", cpm, "8192", NULL};
    g_autoptr(GError) err = NULL;
    int status;

    g_unlink(cpm);
    g_assert_true(g_spawn_sync(NULL, (char **)mkfs, NULL,
                               G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                               NULL, &status, &err));
    g_assert_no_error(err);
    vl_test_write(spec, "iom.qcow2", "");
    vl_test_write(spec, "topology.json",
                  "{\"name\": \"srl\", \"devices\": {\"pe1\": {\"interfaces\": {\"1/1/1\": {}}}},"
                  " \"vmlab\": {\"ftp\": {\"listen\": \"127.0.0.1:0\"}}}");
    vl_test_write(spec, "platforms.json",
                  "{\"platforms\": {\"sros\": {\"sros\": {\"cpm_image\": \"cpm.img\", "
                  "\"iom_image\": \"iom.qcow2\"}}}}");
    write_sros_profile(spec, extra);
}

/* An SR OS vsim: a FAT CPM image gets boot files once; the proxy gets the router; purge deletes. */
static void
test_sros_disks(VlTestLab *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *spec = vl_test_mkdtemp();
    g_autofree char *disk =
        g_build_filename(f->home, "labs", "srl", "persist", "vsim-7-a.img", NULL);
    g_autofree char *pwfile = g_build_filename(f->home, "labs", "srl", "ftp", "pe1.password", NULL);
    g_autofree char *proxy_cfg = g_build_filename(f->home, "ftp", "proxy.json", NULL);
    g_autofree char *bof = NULL;
    g_autofree char *nvram = NULL;
    g_autofree char *text = NULL;
    g_autoptr(VlSpec) s = NULL;
    g_autoptr(GPtrArray) reports = NULL;
    VlUpOptions opts = {.start = TRUE, .wait = FALSE, .jobs = 2};
    struct stat st;
    virDomainPtr d;
    int status;

    write_sros_spec(spec, "\"vm_id\": 7, \"cards\": [\"a\", 1]");
    s = vl_test_spec_load(spec, NULL);
    g_assert_true(vl_lab_up(f->conn, s, f->r, &opts, &reports, &err));
    g_assert_no_error(err);
    g_clear_pointer(&reports, g_ptr_array_unref);

    /* cf3: a copy with bof.cfg and nvram.dat naming the router's FTP login */
    bof = read_text(disk, "bof.cfg", NULL, &err);
    g_assert_no_error(err);
    g_assert_nonnull(strstr(bof, "@10.0.2.1/sros/"));
    g_assert_nonnull(strstr(bof, "address"));
    g_assert_nonnull(strstr(bof, "10.0.2.2/24 active"));
    nvram = read_text(disk, "nvram.dat", NULL, &err);
    g_assert_no_error(err);
    g_assert_nonnull(strstr(nvram, "tn=vsim-7-a"));
    g_assert_cmpint(g_stat(pwfile, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);
    g_file_get_contents(proxy_cfg, &text, NULL, &err);
    g_assert_no_error(err);
    g_assert_nonnull(strstr(text, "\"srl/pe1\""));
    g_clear_pointer(&text, g_free);

    /* the router owns its boot files: a later up (VM stopped) keeps a changed bof.cfg */
    {
        g_autofree char *mine = g_build_filename(spec, "bof.cfg", NULL);
        const char *mcopy[] = {"mcopy", "-o", "-i", disk, mine, "::bof.cfg", NULL};
        vl_test_write(spec, "bof.cfg", "primary-image cf3:/mine.tim\n");
        g_assert_true(g_spawn_sync(NULL, (char **)mcopy, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                                   NULL, NULL, &status, &err));
        g_assert_cmpint(status, ==, 0);
    }
    d = virDomainLookupByName(f->conn, "vsim-7-a");
    g_assert_cmpint(virDomainDestroy(d), ==, 0);
    virDomainFree(d);
    g_assert_true(vl_lab_up(f->conn, s, f->r, &opts, &reports, &err));
    g_clear_pointer(&reports, g_ptr_array_unref);
    g_free(text);
    text = read_text(disk, "bof.cfg", NULL, &err);
    g_assert_cmpstr(text, ==, "primary-image cf3:/mine.tim\n");
    g_clear_pointer(&text, g_free);

    /* --reset-boot on a running CPM is refused; on a stopped one it rewrites */
    opts.reset_boot = TRUE;
    g_assert_false(vl_lab_up(f->conn, s, f->r, &opts, &reports, &err));
    g_clear_error(&err);
    g_clear_pointer(&reports, g_ptr_array_unref);
    d = virDomainLookupByName(f->conn, "vsim-7-a");
    virDomainDestroy(d);
    virDomainFree(d);
    g_assert_true(vl_lab_up(f->conn, s, f->r, &opts, &reports, &err));
    g_assert_no_error(err);
    g_clear_pointer(&reports, g_ptr_array_unref);
    g_free(text);
    text = read_text(disk, "bof.cfg", NULL, &err);
    g_assert_nonnull(strstr(text, "@10.0.2.1/sros/"));

    /* down keeps the CPM disk; --purge deletes it; the proxy forgets the lab */
    g_assert_true(vl_lab_down(f->conn, "srl", FALSE, FALSE, NULL, NULL, &err));
    g_assert_no_error(err);
    g_assert_true(g_file_test(disk, G_FILE_TEST_EXISTS));
    g_clear_pointer(&text, g_free);
    g_file_get_contents(proxy_cfg, &text, NULL, &err);
    g_assert_null(strstr(text, "srl/pe1"));
    g_assert_true(vl_lab_down(f->conn, "srl", FALSE, TRUE, NULL, NULL, &err));
    g_assert_false(g_file_test(disk, G_FILE_TEST_EXISTS));
    vl_test_rmtree(spec);
}

/* Return: how many <uuid> elements @xml has. */
static guint
count_uuids(const char *xml)
{
    guint n = 0;

    for (const char *p = xml; (p = strstr(p, "<uuid>")); p++)
        n++;
    return n;
}

/* A CPM with vm_uuid: one <uuid>, the pinned one, on define and redefine; a new vm_uuid sticks. */
static void
test_sros_pinned_uuid(VlTestLab *f, gconstpointer data)
{
    const char *pinned = "5d5f4b6e-8c1a-4b7e-9f00-0123456789ab";
    const char *pinned2 = "0a1b2c3d-4e5f-4a6b-8c7d-8e9fa0b1c2d3";
    g_autoptr(GError) err = NULL;
    g_autofree char *spec = vl_test_mkdtemp();
    g_autofree char *extra =
        g_strdup_printf("\"vm_id\": 3, \"cards\": [\"a\", 1], \"vm_uuid\": \"%s\"", pinned);
    g_autoptr(VlSpec) s = NULL;
    g_autoptr(GPtrArray) reports = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *uuid = NULL;
    VlUpOptions opts = {.start = FALSE, .jobs = 1};

    write_sros_spec(spec, extra);
    s = vl_test_spec_load(spec, NULL);
    xml = vl_lab_domain_xml(f->r, s, g_ptr_array_index(s->vms, 0),
                            "11111111-2222-4333-8444-555555555555", &err);
    g_assert_no_error(err);
    g_assert_cmpuint(count_uuids(xml), ==, 1);
    g_assert_nonnull(strstr(xml, pinned));
    g_assert_true(vl_lab_up(f->conn, s, f->r, &opts, &reports, &err));
    g_assert_no_error(err);
    g_clear_pointer(&reports, g_ptr_array_unref);
    uuid = vl_test_lab_uuid(f->conn, "vsim-3-a");
    g_assert_cmpstr(uuid, ==, pinned);

    /* a changed input redefines the CPM: its pinned UUID is kept */
    g_clear_pointer(&s, vl_spec_free);
    g_clear_pointer(&extra, g_free);
    extra = g_strdup_printf("\"vm_id\": 3, \"cards\": [\"a\", 1], \"vm_uuid\": \"%s\", "
                            "\"sros\": {\"cpm_memory\": 3072}",
                            pinned);
    write_sros_profile(spec, extra);
    s = vl_test_spec_load(spec, NULL);
    g_assert_true(vl_lab_up(f->conn, s, f->r, &opts, &reports, &err));
    g_assert_no_error(err);
    g_assert_cmpint(vl_test_lab_report(reports, "vsim-3-a")->action, ==, VL_VM_ACTION_REDEFINE);
    g_clear_pointer(&reports, g_ptr_array_unref);
    g_clear_pointer(&uuid, g_free);
    uuid = vl_test_lab_uuid(f->conn, "vsim-3-a");
    g_assert_cmpstr(uuid, ==, pinned);

    /* a new vm_uuid: the CPM is defined again under it */
    g_clear_pointer(&s, vl_spec_free);
    g_clear_pointer(&extra, g_free);
    extra = g_strdup_printf("\"vm_id\": 3, \"cards\": [\"a\", 1], \"vm_uuid\": \"%s\"", pinned2);
    write_sros_profile(spec, extra);
    s = vl_test_spec_load(spec, NULL);
    g_assert_true(vl_lab_up(f->conn, s, f->r, &opts, &reports, &err));
    g_assert_no_error(err);
    g_clear_pointer(&uuid, g_free);
    uuid = vl_test_lab_uuid(f->conn, "vsim-3-a");
    g_assert_cmpstr(uuid, ==, pinned2);
    g_assert_true(vl_lab_down(f->conn, "srl", FALSE, TRUE, NULL, NULL, &err));
    g_assert_no_error(err);
    vl_test_rmtree(spec);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    virSetErrorFunc(NULL, NULL);
#define ADD(path, fn) g_test_add(path, VlTestLab, NULL, vl_test_lab_setup, fn, vl_test_lab_teardown)
    ADD("/lab/sros/cpm-disk-and-boot-files", test_sros_disks);
    ADD("/lab/sros/pinned-uuid-kept-once", test_sros_pinned_uuid);
    return g_test_run();
}
