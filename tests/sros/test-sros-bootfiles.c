/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-sros-bootfiles.c - bof.cfg/nvram.dat rendering, validation, writing into a real FAT image */
#include "vl-error.h"
#include "vl-sros-bootfiles.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

/* Every test's files live below this folder, removed at the end. TMPDIR points below it too, so
 * the staging folders of vl_sros_bootfiles_write() can be checked for leftovers. */
static char *base_dir;
static char *staging_dir;
static char *mkfs_vfat;
static gboolean have_mtools;

typedef struct {
    char *dir;
    char *image;
    gboolean ready; /* FALSE when the tools are missing and the test is skipped */
} Fixture;

/* Removes @path and everything below it; TRUE if nothing is left. */
static gboolean
remove_tree(const char *path)
{
    GStatBuf st;

    if (g_lstat(path, &st) < 0)
        return TRUE;
    if (S_ISDIR(st.st_mode)) {
        g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
        const char *name;

        while (dir && (name = g_dir_read_name(dir)) != NULL) {
            g_autofree char *child = g_build_filename(path, name, NULL);
            remove_tree(child);
        }
        return g_rmdir(path) == 0;
    }
    return g_unlink(path) == 0;
}

/* Runs @argv (mtools or mkfs.vfat) and fails the test unless it exits with 0. */
static void
run_ok(const char *const *argv)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_auto(GStrv) env = g_get_environ();
    int status = 0;

    env = g_environ_setenv(env, "MTOOLS_SKIP_CHECK", "1", TRUE);
    env = g_environ_setenv(env, "MTOOLSRC", "/dev/null", TRUE);
    g_spawn_sync(NULL, (char **)argv, env, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status,
                 &error);
    g_assert_no_error(error);
    if (!g_spawn_check_wait_status(status, NULL))
        g_error("%s failed: %s", argv[0], err);
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
    f->dir = g_build_filename(base_dir, "case-XXXXXX", NULL);
    g_assert_nonnull(g_mkdtemp(f->dir));
    f->image = g_build_filename(f->dir, "disk.img", NULL);
    if (mkfs_vfat == NULL || !have_mtools) {
        g_test_skip("mkfs.vfat or mtools is not installed");
        return;
    }
    /* A 16 MiB FAT image, as the CPM's cf3: (superfloppy: FAT from the first sector). */
    run_ok((const char *const[]){mkfs_vfat, "-C", f->image, "16384", NULL});
    f->ready = TRUE;
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
    g_assert_true(remove_tree(f->dir));
    g_free(f->dir);
    g_free(f->image);
}

/* The brief's router: user sw, password sw123, CPM vsim-2-a. */
static VlSrosBootParams
brief_params(void)
{
    return (VlSrosBootParams){
        .name = "vsim-2-a",
        .user = "sw",
        .password = "sw123",
        .image_path = "sros/",
        .config_path = "config.cfg",
    };
}

static const char brief_bof[] =
    "# bof.cfg of vsim-2-a, written by vmlab-virt before its first boot\n"
    "primary-image    ftp://sw:sw123@10.0.2.1/sros/\n"
    "primary-config   ftp://sw:sw123@10.0.2.1/config.cfg\n"
    "address          10.0.2.2/24 active\n"
    "autonegotiate\n"
    "duplex           full\n"
    "speed            100\n"
    "wait             3\n"
    "persist          off\n"
    "console-speed    115200\n";

/* Byte for byte the brief's example nvram.dat. */
static const char brief_nvram[] = "fei(0,0)10.0.2.1:/i386-boot.tim e=10.0.2.2:ffffff00 h=10.0.2.1 "
                                  "g=10.0.2.1 u=sw pw=sw123 tn=vsim-2-a f=0x8 s=p1=1";

/* Reads @name from the image and checks it is exactly @expected. */
static void
assert_file(const char *image, const char *name, const char *expected)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) got = vl_sros_bootfiles_read(image, name, NULL, &error);
    gsize len = 0;
    const char *data;

    g_assert_no_error(error);
    g_assert_nonnull(got);
    data = g_bytes_get_data(got, &len);
    g_assert_cmpmem(data, len, expected, strlen(expected));
}

/* Checks that no staging folder of vl_sros_bootfiles_write() is left in TMPDIR. */
static void
assert_no_staging_left(void)
{
    g_autoptr(GDir) dir = g_dir_open(staging_dir, 0, NULL);

    g_assert_nonnull(dir);
    g_assert_null(g_dir_read_name(dir));
}

static void
test_render_bof(void)
{
    VlSrosBootParams p = brief_params();
    g_autoptr(GError) error = NULL;
    g_autofree char *bof = vl_sros_bootfiles_render_bof(&p, &error);

    g_assert_no_error(error);
    g_assert_cmpstr(bof, ==, brief_bof);
    /* The brief's own primary-image line, spacing included. */
    g_assert_nonnull(strstr(bof, "\nprimary-image    ftp://sw:sw123@10.0.2.1/sros/\n"));
}

static void
test_render_bof_extras(void)
{
    static const VlSrosStaticRoute routes[] = {
        {"192.168.0.0/16", "10.0.2.1"},
        {"2001:db8::/32", "fe80::1"},
    };
    VlSrosBootParams p = brief_params();
    g_autoptr(GError) error = NULL;
    g_autofree char *bof = NULL;

    p.license_file = "cf3:/license.txt";
    p.primary_dns = "10.0.2.3";
    p.static_routes = routes;
    p.n_static_routes = G_N_ELEMENTS(routes);
    p.console_speed = 9600;
    p.wait_seconds = 5;
    p.persist = TRUE;
    bof = vl_sros_bootfiles_render_bof(&p, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(bof, ==,
                    "# bof.cfg of vsim-2-a, written by vmlab-virt before its first boot\n"
                    "primary-image    ftp://sw:sw123@10.0.2.1/sros/\n"
                    "primary-config   ftp://sw:sw123@10.0.2.1/config.cfg\n"
                    "license-file     cf3:/license.txt\n"
                    "address          10.0.2.2/24 active\n"
                    "primary-dns      10.0.2.3\n"
                    "static-route     192.168.0.0/16 next-hop 10.0.2.1\n"
                    "static-route     2001:db8::/32 next-hop fe80::1\n"
                    "autonegotiate\n"
                    "duplex           full\n"
                    "speed            100\n"
                    "wait             5\n"
                    "persist          on\n"
                    "console-speed    9600\n");
}

static void
test_render_nvram(void)
{
    VlSrosBootParams p = brief_params();
    g_autoptr(GError) error = NULL;
    g_autofree char *nvram = vl_sros_bootfiles_render_nvram(&p, &error);

    g_assert_no_error(error);
    g_assert_cmpstr(nvram, ==, brief_nvram);

    p.name = "vsim-2-b";
    p.user = "lab7-r2";
    p.password = "Xy7.k_9~q";
    g_clear_pointer(&nvram, g_free);
    nvram = vl_sros_bootfiles_render_nvram(&p, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(nvram, ==,
                    "fei(0,0)10.0.2.1:/i386-boot.tim e=10.0.2.2:ffffff00 h=10.0.2.1 g=10.0.2.1 "
                    "u=lab7-r2 pw=Xy7.k_9~q tn=vsim-2-b f=0x8 s=p1=1");
}

/* One bad string field of otherwise good parameters, and a part of the expected error message. */
typedef struct {
    const char *what;
    gsize field; /* offsetof() a const char * member of VlSrosBootParams */
    const char *value;
    const char *message;
} InvalidCase;

#define FIELD(name) G_STRUCT_OFFSET(VlSrosBootParams, name)

static const InvalidCase invalid_cases[] = {
    {"user with a space", FIELD(user), "s w", "user must not contain ' '"},
    {"user with @", FIELD(user), "sw@lab", "user must not contain '@'"},
    {"user with :", FIELD(user), "sw:x", "user must not contain ':'"},
    {"user with /", FIELD(user), "sw/x", "user must not contain '/'"},
    {"user with a control character", FIELD(user), "sw\x01", "user must not contain the byte 0x01"},
    {"user with non-ASCII", FIELD(user), "sw\xc3\xa9", "user must not contain the byte 0xc3"},
    {"empty user", FIELD(user), "", "user is missing"},
    {"no user", FIELD(user), NULL, "user is missing"},
    {"user of 21 characters", FIELD(user), "abcdefghijklmnopqrstu", "user is 21 characters long"},
    {"password with @", FIELD(password), "pa@ss", "password must not contain '@'"},
    {"password with a line end", FIELD(password), "pass\nu=root",
     "password must not contain the byte 0x0a"},
    {"name with a space", FIELD(name), "vsim 2", "name must not contain ' '"},
    {"name of 21 characters", FIELD(name), "vsim-123456789012-a-b", "name is 21 characters long"},
    {"absolute image path", FIELD(image_path), "/sros/", "image path '/sros/' must be relative"},
    {"image path with a space", FIELD(image_path), "sros /",
     "image path 'sros /' must be printable ASCII"},
    {"image path with #", FIELD(image_path), "sros#1/",
     "image path 'sros#1/' must be printable ASCII"},
    {"no config path", FIELD(config_path), NULL, "config path is missing"},
    {"config path with a tab", FIELD(config_path), "a\tb.cfg", "config path 'a\\tb.cfg'"},
    {"license file with a space", FIELD(license_file), "cf3:/lic ense.txt",
     "license file 'cf3:/lic ense.txt'"},
    {"DNS server not an address", FIELD(primary_dns), "dns.example",
     "primary DNS 'dns.example' is not an IP address"},
};

/* Checks that @p is refused with a VL_ERROR_INVALID error containing @message, by the validation
 * and by both renderers. */
static void
assert_invalid(const VlSrosBootParams *p, const char *what, const char *message)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *bof = NULL;
    g_autofree char *nvram = NULL;

    g_test_message("case: %s", what);
    g_assert_false(vl_sros_boot_params_validate(p, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_INVALID);
    if (strstr(error->message, message) == NULL)
        g_error("case '%s': message '%s' lacks '%s'", what, error->message, message);
    g_clear_error(&error);
    bof = vl_sros_bootfiles_render_bof(p, &error);
    g_assert_null(bof);
    g_assert_error(error, VL_ERROR, VL_ERROR_INVALID);
    g_clear_error(&error);
    nvram = vl_sros_bootfiles_render_nvram(p, &error);
    g_assert_null(nvram);
    g_assert_error(error, VL_ERROR, VL_ERROR_INVALID);
}

static void
test_invalid(void)
{
    static const VlSrosStaticRoute bad_prefix[] = {{"192.168.0.0", "10.0.2.1"}};
    static const VlSrosStaticRoute bad_hop[] = {{"192.168.0.0/16", "gateway"}};
    static const VlSrosStaticRoute mixed_family[] = {{"192.168.0.0/16", "fe80::1"}};
    VlSrosBootParams p;

    for (gsize i = 0; i < G_N_ELEMENTS(invalid_cases); i++) {
        p = brief_params();
        G_STRUCT_MEMBER(const char *, &p, invalid_cases[i].field) = invalid_cases[i].value;
        assert_invalid(&p, invalid_cases[i].what, invalid_cases[i].message);
    }

    p = brief_params();
    p.static_routes = bad_prefix;
    p.n_static_routes = 1;
    assert_invalid(&p, "route without a prefix length", "prefix '192.168.0.0' is not");
    p.static_routes = bad_hop;
    assert_invalid(&p, "route with a bad next hop", "next hop 'gateway' is not an IP address");
    p.static_routes = mixed_family;
    assert_invalid(&p, "route mixing IPv4 and IPv6", "different address families");
    p.static_routes = NULL;
    p.n_static_routes = 2;
    assert_invalid(&p, "routes announced, none given", "2 static routes announced");

    p = brief_params();
    p.console_speed = 1234;
    assert_invalid(&p, "console speed 1234", "console speed 1234");
    p = brief_params();
    p.wait_seconds = 11;
    assert_invalid(&p, "wait 11", "wait 11 is out of range");
}

static void
test_write_read(Fixture *f, gconstpointer data)
{
    VlSrosBootParams p = brief_params();
    g_autoptr(GError) error = NULL;
    gboolean written = FALSE;
    gboolean exists = TRUE;

    if (!f->ready)
        return;
    g_assert_true(vl_sros_bootfiles_exists(f->image, VL_SROS_BOF_NAME, &exists, NULL, &error));
    g_assert_no_error(error);
    g_assert_false(exists);

    g_assert_true(vl_sros_bootfiles_write(f->image, &p, FALSE, &written, NULL, &error));
    g_assert_no_error(error);
    g_assert_true(written);
    assert_file(f->image, VL_SROS_BOF_NAME, brief_bof);
    assert_file(f->image, VL_SROS_NVRAM_NAME, brief_nvram);
    assert_no_staging_left();

    /* Both are regular files in the root folder, found under any case as FAT does. */
    g_assert_true(vl_sros_bootfiles_exists(f->image, "BOF.CFG", &exists, NULL, &error));
    g_assert_no_error(error);
    g_assert_true(exists);
    g_assert_true(vl_sros_bootfiles_exists(f->image, VL_SROS_NVRAM_NAME, &exists, NULL, &error));
    g_assert_no_error(error);
    g_assert_true(exists);
}

/* Writes the brief's files, then lets "the router" change bof.cfg on the image. */
static void
write_then_modify(Fixture *f, const char *changed_bof)
{
    VlSrosBootParams p = brief_params();
    g_autoptr(GError) error = NULL;
    g_autofree char *local = g_build_filename(f->dir, "router-bof.cfg", NULL);
    g_autofree char *target = g_strdup("::/bof.cfg");
    gboolean written = FALSE;

    g_assert_true(vl_sros_bootfiles_write(f->image, &p, FALSE, &written, NULL, &error));
    g_assert_no_error(error);
    g_assert_true(written);
    g_assert_true(g_file_set_contents(local, changed_bof, -1, &error));
    g_assert_no_error(error);
    run_ok((const char *const[]){"mcopy", "-i", f->image, "-o", local, target, NULL});
    assert_file(f->image, VL_SROS_BOF_NAME, changed_bof);
}

static const char router_bof[] = "# saved by the router\n"
                                 "primary-image    ftp://sw:sw123@10.0.2.1/sros/\n"
                                 "primary-config   ftp://sw:sw123@10.0.2.1/config.cfg\n"
                                 "address          10.0.2.2/24 active\n"
                                 "persist          on\n";

static void
test_keep_existing(Fixture *f, gconstpointer data)
{
    VlSrosBootParams p = brief_params();
    g_autoptr(GError) error = NULL;
    gboolean written = TRUE;

    if (!f->ready)
        return;
    write_then_modify(f, router_bof);
    /* A second `up` with other credentials: nothing on the disk changes. */
    p.user = "other";
    p.password = "changed";
    g_assert_true(vl_sros_bootfiles_write(f->image, &p, FALSE, &written, NULL, &error));
    g_assert_no_error(error);
    g_assert_false(written);
    assert_file(f->image, VL_SROS_BOF_NAME, router_bof);
    assert_file(f->image, VL_SROS_NVRAM_NAME, brief_nvram);
}

static void
test_overwrite(Fixture *f, gconstpointer data)
{
    VlSrosBootParams p = brief_params();
    g_autoptr(GError) error = NULL;
    g_autofree char *bof = NULL;
    g_autofree char *nvram = NULL;
    gboolean written = FALSE;

    if (!f->ready)
        return;
    write_then_modify(f, router_bof);
    /* `up --reset-boot` with new credentials replaces both files. */
    p.user = "other";
    p.password = "changed";
    g_assert_true(vl_sros_bootfiles_write(f->image, &p, TRUE, &written, NULL, &error));
    g_assert_no_error(error);
    g_assert_true(written);
    bof = vl_sros_bootfiles_render_bof(&p, &error);
    g_assert_no_error(error);
    nvram = vl_sros_bootfiles_render_nvram(&p, &error);
    g_assert_no_error(error);
    g_assert_nonnull(strstr(bof, "ftp://other:changed@10.0.2.1/sros/"));
    g_assert_nonnull(strstr(nvram, " u=other pw=changed "));
    assert_file(f->image, VL_SROS_BOF_NAME, bof);
    assert_file(f->image, VL_SROS_NVRAM_NAME, nvram);
    assert_no_staging_left();
}

/* A BOF.CFG in upper case (as other tools write 8.3 names) counts as existing boot files. */
static void
test_keep_upper_case(Fixture *f, gconstpointer data)
{
    VlSrosBootParams p = brief_params();
    g_autoptr(GError) error = NULL;
    g_autofree char *local = g_build_filename(f->dir, "BOF.CFG", NULL);
    gboolean written = TRUE;
    gboolean exists = FALSE;

    if (!f->ready)
        return;
    g_assert_true(g_file_set_contents(local, router_bof, -1, &error));
    g_assert_no_error(error);
    run_ok((const char *const[]){"mcopy", "-i", f->image, local, "::/BOF.CFG", NULL});
    g_assert_true(vl_sros_bootfiles_write(f->image, &p, FALSE, &written, NULL, &error));
    g_assert_no_error(error);
    g_assert_false(written);
    assert_file(f->image, VL_SROS_BOF_NAME, router_bof);
    g_assert_true(vl_sros_bootfiles_exists(f->image, VL_SROS_NVRAM_NAME, &exists, NULL, &error));
    g_assert_no_error(error);
    g_assert_false(exists);
}

static void
test_bof_is_folder(Fixture *f, gconstpointer data)
{
    VlSrosBootParams p = brief_params();
    g_autoptr(GError) error = NULL;
    gboolean written = TRUE;

    if (!f->ready)
        return;
    run_ok((const char *const[]){"mmd", "-i", f->image, "::/bof.cfg", NULL});
    g_assert_false(vl_sros_bootfiles_write(f->image, &p, TRUE, &written, NULL, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_IO);
    g_assert_nonnull(strstr(error->message, "is a folder"));
    g_assert_false(written);
}

static void
test_not_fat(Fixture *f, gconstpointer data)
{
    VlSrosBootParams p = brief_params();
    g_autoptr(GError) error = NULL;
    g_autofree char *zeros = g_build_filename(f->dir, "zeros.img", NULL);
    g_autofree char *missing = g_build_filename(f->dir, "missing.img", NULL);
    g_autofree char *odd = g_build_filename(f->dir, "disk.img@@512", NULL);
    g_autoptr(GBytes) got = NULL;
    gboolean written = TRUE;

    if (!f->ready)
        return;
    g_assert_true(g_file_set_contents(zeros, "", 0, &error));
    g_assert_no_error(error);
    g_assert_cmpint(truncate(zeros, 1024 * 1024), ==, 0);
    g_assert_false(vl_sros_bootfiles_write(zeros, &p, FALSE, &written, NULL, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_IO);
    g_assert_nonnull(strstr(error->message, "'mdir' failed"));
    g_assert_false(written);
    g_clear_error(&error);

    g_assert_false(vl_sros_bootfiles_write(missing, &p, FALSE, &written, NULL, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_IO);
    g_clear_error(&error);

    /* "FILE@@OFFSET" means an offset to mtools: such a name is refused, not misread. */
    g_assert_false(vl_sros_bootfiles_write(odd, &p, FALSE, &written, NULL, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_INVALID);
    g_clear_error(&error);

    got = vl_sros_bootfiles_read(f->image, "nope.txt", NULL, &error);
    g_assert_null(got);
    g_assert_error(error, VL_ERROR, VL_ERROR_IO);
}

/* Bad parameters are refused before the image is touched. */
static void
test_invalid_no_write(Fixture *f, gconstpointer data)
{
    VlSrosBootParams p = brief_params();
    g_autoptr(GError) error = NULL;
    gboolean written = TRUE;
    gboolean exists = TRUE;

    if (!f->ready)
        return;
    p.password = "a b";
    g_assert_false(vl_sros_bootfiles_write(f->image, &p, TRUE, &written, NULL, &error));
    g_assert_error(error, VL_ERROR, VL_ERROR_INVALID);
    g_assert_false(written);
    g_clear_error(&error);
    g_assert_true(vl_sros_bootfiles_exists(f->image, VL_SROS_NVRAM_NAME, &exists, NULL, &error));
    g_assert_no_error(error);
    g_assert_false(exists);
}

static char *
find_mkfs_vfat(void)
{
    const char *const dirs[] = {"/usr/sbin", "/sbin"};
    char *found = g_find_program_in_path("mkfs.vfat");

    for (gsize i = 0; found == NULL && i < G_N_ELEMENTS(dirs); i++) {
        g_autofree char *path = g_build_filename(dirs[i], "mkfs.vfat", NULL);
        if (g_file_test(path, G_FILE_TEST_IS_EXECUTABLE))
            found = g_steal_pointer(&path);
    }
    return found;
}

#define ADD_FIXTURE_TEST(path, func)                                                               \
    g_test_add(path, Fixture, NULL, fixture_setup, func, fixture_teardown)

int
main(int argc, char **argv)
{
    int ret;

    /* Before anything asks GLib for the temporary folder (it reads TMPDIR once). */
    base_dir = g_strdup("/tmp/test-sros-bootfiles-XXXXXX");
    g_assert_nonnull(g_mkdtemp(base_dir));
    staging_dir = g_build_filename(base_dir, "tmp", NULL);
    g_assert_cmpint(g_mkdir(staging_dir, 0700), ==, 0);
    g_setenv("TMPDIR", staging_dir, TRUE);
    g_assert_cmpstr(g_get_tmp_dir(), ==, staging_dir);
    mkfs_vfat = find_mkfs_vfat();
    {
        g_autofree char *mcopy = g_find_program_in_path("mcopy");
        have_mtools = mcopy != NULL;
    }

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sros/bootfiles/render-bof", test_render_bof);
    g_test_add_func("/sros/bootfiles/render-bof-extras", test_render_bof_extras);
    g_test_add_func("/sros/bootfiles/render-nvram", test_render_nvram);
    g_test_add_func("/sros/bootfiles/invalid", test_invalid);
    ADD_FIXTURE_TEST("/sros/bootfiles/write-read", test_write_read);
    ADD_FIXTURE_TEST("/sros/bootfiles/keep-existing", test_keep_existing);
    ADD_FIXTURE_TEST("/sros/bootfiles/overwrite", test_overwrite);
    ADD_FIXTURE_TEST("/sros/bootfiles/keep-upper-case", test_keep_upper_case);
    ADD_FIXTURE_TEST("/sros/bootfiles/bof-is-folder", test_bof_is_folder);
    ADD_FIXTURE_TEST("/sros/bootfiles/not-fat", test_not_fat);
    ADD_FIXTURE_TEST("/sros/bootfiles/invalid-no-write", test_invalid_no_write);
    ret = g_test_run();

    remove_tree(base_dir);
    g_free(base_dir);
    g_free(staging_dir);
    g_free(mkfs_vfat);
    return ret;
}
