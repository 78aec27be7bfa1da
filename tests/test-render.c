/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-render.c - golden domain XML, libvirt schema and test-driver checks, XSLT sandboxing */
#include "vl-error.h"
#include "vl-render.h"
#include "vl-test-spec.h"
#include "vl-test-util.h"

#include <glib/gstdio.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <string.h>

/*
 * Golden files live in tests/data/render/<case>/expected/<domain>.xml. The spec folder's absolute
 * path is written as @SPECDIR@ and the digest as sha256:@DIGEST@ (it covers that path). To rewrite
 * them after an intended change, run with VMLAB_TEST_REGENERATE=1 and review the diff.
 */
typedef struct {
    const char *name;
    const char *spec; /* relative to tests/ */
    const char *virt_type;
} GoldenCase;

static const GoldenCase golden_cases[] = {
    {"example", "../specs/example", "qemu"},
    {"fabric", "../specs/fabric", "qemu"},
    {"tcp-kvm", "data/render/tcp-kvm", "kvm"},
    {"sros", "data/render/sros", "qemu"},
    /* in the shape of newtron's own spec folders */
    {"nt-2node", "data/render/nt-2node", "qemu"},
    {"nt-3node", "data/render/nt-3node", "qemu"},
    {"nt-4node", "data/render/nt-4node", "kvm"},
    /* two libvirt hosts: r1 pinned to a, r2 to b, r3 and r4 placed (a: r1, r3; b: r2, r4) */
    {"mh-udp", "data/render/mh-udp", "qemu"},
    {"mh-tcp", "data/render/mh-tcp", "qemu"},
};

static VlXmlValidator *validator; /* NULL: libvirt's schema was not found */
static char *no_schema_reason;
static virConnectPtr test_conn;

/*
 * Finds libvirt's domain.rng: in $VMLAB_LIBVIRT_SCHEMAS if set, else in libvirt/schemas below
 * each system data folder ($XDG_DATA_DIRS, by default /usr/local/share and /usr/share).
 * Return: (transfer full) (nullable): its path, or NULL with *@searched naming where it looked.
 */
static char *
find_domain_schema(char **searched)
{
    const char *env = g_getenv("VMLAB_LIBVIRT_SCHEMAS");
    const char *const *dirs = g_get_system_data_dirs();
    g_autoptr(GString) where = g_string_new(NULL);

    if (env) {
        g_autofree char *path = g_build_filename(env, "domain.rng", NULL);
        if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
            return g_steal_pointer(&path);
        *searched = g_strdup_printf("'%s' ($VMLAB_LIBVIRT_SCHEMAS)", path);
        return NULL;
    }
    for (guint i = 0; dirs[i]; i++) {
        g_autofree char *path = g_build_filename(dirs[i], "libvirt", "schemas", "domain.rng", NULL);
        if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
            return g_steal_pointer(&path);
        g_string_append_printf(where, "%s'%s'", where->len ? ", " : "", path);
    }
    *searched = g_string_free(g_steal_pointer(&where), FALSE);
    return NULL;
}

static char *
golden_mask(const char *xml, const char *specdir)
{
    g_autoptr(GRegex) re =
        g_regex_new("sha256:[0-9a-f]{64}", G_REGEX_DEFAULT, G_REGEX_MATCH_DEFAULT, NULL);
    g_auto(GStrv) parts = g_strsplit(xml, specdir, -1);
    g_autofree char *joined = g_strjoinv("@SPECDIR@", parts);

    return g_regex_replace_literal(re, joined, -1, 0, "sha256:@DIGEST@", G_REGEX_MATCH_DEFAULT,
                                   NULL);
}

/* libvirt accepts the domain: define it on the test driver, read it back, undefine it. */
static void
assert_definable(const char *xml, const char *name)
{
    virDomainPtr dom = virDomainDefineXML(test_conn, xml);
    char *meta;

    if (!dom)
        g_error("virDomainDefineXML(%s): %s", name, virGetLastErrorMessage());
    meta = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, VL_METADATA_NS, 0);
    g_assert_nonnull(meta);
    g_assert_nonnull(strstr(meta, "digest"));
    free(meta);
    g_assert_cmpint(virDomainUndefine(dom), ==, 0);
    virDomainFree(dom);
}

static void
test_golden(gconstpointer data)
{
    const GoldenCase *c = data;
    g_autofree char *specdir = vl_test_srcpath(c->spec);
    g_autofree char *rel = g_strdup_printf("data/render/%s/expected", c->name);
    g_autofree char *expdir = vl_test_srcpath(rel);
    g_autoptr(VlSpec) spec = vl_test_spec_load(specdir, NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(VlRenderer) r = vl_renderer_new(c->virt_type, &err);
    gboolean regen = g_getenv("VMLAB_TEST_REGENERATE") != NULL;
    guint expected_files = 0;
    g_autoptr(GDir) d = NULL;

    g_assert_no_error(err);
    if (regen)
        g_assert_cmpint(g_mkdir_with_parents(expdir, 0755), ==, 0);
    for (guint i = 0; i < spec->vms->len; i++) {
        const VlVm *vm = g_ptr_array_index(spec->vms, i);
        g_autoptr(xmlDoc) doc = vl_render_vm_doc(r, spec, vm, &err);
        g_autofree char *xml = NULL;
        g_autofree char *masked = NULL;
        g_autofree char *file = g_strdup_printf("%s.xml", vm->name);
        g_autofree char *path = g_build_filename(expdir, file, NULL);
        g_autofree char *expected = NULL;

        g_assert_no_error(err);
        if (validator) {
            vl_xml_validator_check(validator, doc, &err);
            g_assert_no_error(err);
        }
        xml = vl_xml_to_string(doc);
        assert_definable(xml, vm->name);
        masked = golden_mask(xml, spec->dir);
        if (regen) {
            g_file_set_contents(path, masked, -1, &err);
            g_assert_no_error(err);
            continue;
        }
        g_file_get_contents(path, &expected, NULL, &err);
        g_assert_no_error(err);
        g_assert_cmpstr(masked, ==, expected);
    }
    /* no stale golden file for a VM that no longer exists */
    d = g_dir_open(expdir, 0, &err);
    g_assert_no_error(err);
    while (g_dir_read_name(d))
        expected_files++;
    g_assert_cmpuint(expected_files, ==, spec->vms->len);
    /* Golden files and the test driver were checked; only the schema check did not run. */
    if (!validator)
        g_test_skip(no_schema_reason);
}

static void
test_digest(void)
{
    g_autofree char *src = vl_test_srcpath("../specs/example");
    g_autofree char *dir = vl_test_mkdtemp();
    const char *files[] = {"topology.json",    "platforms.json",   "profiles/r1.json",
                           "profiles/r2.json", "profiles/r3.json", NULL};
    g_autoptr(GError) err = NULL;
    g_autoptr(VlRenderer) r = vl_renderer_new("qemu", &err);
    g_autofree char *d1 = NULL, *d1b = NULL, *d2 = NULL, *d3 = NULL;

    g_assert_no_error(err);
    vl_test_copy_files(src, dir, files);
    {
        g_autoptr(VlSpec) spec = vl_test_spec_load(dir, NULL);
        g_autofree char *x1 = vl_render_vm(r, spec, vl_spec_find_vm(spec, "r1"), &err);
        g_autofree char *x2 = vl_render_vm(r, spec, vl_spec_find_vm(spec, "r2"), &err);
        g_autofree char *x1b = vl_render_vm(r, spec, vl_spec_find_vm(spec, "r1"), &err);
        g_assert_no_error(err);
        d1 = vl_render_domain_digest(x1);
        d1b = vl_render_domain_digest(x1b);
        d2 = vl_render_domain_digest(x2);
    }
    g_assert_true(g_str_has_prefix(d1, "sha256:"));
    g_assert_cmpstr(d1, ==, d1b);
    g_assert_cmpstr(d1, !=, d2);
    /* a change to r1's profile changes r1's digest */
    vl_test_write(dir, "profiles/r1.json", "{\"platform\": \"tiny-linux\", \"vm_memory\": 300}");
    {
        g_autoptr(VlSpec) spec = vl_test_spec_load(dir, NULL);
        g_autofree char *x1 = vl_render_vm(r, spec, vl_spec_find_vm(spec, "r1"), &err);
        g_assert_no_error(err);
        d3 = vl_render_domain_digest(x1);
    }
    g_assert_cmpstr(d1, !=, d3);
    vl_test_rmtree(dir);
}

/* A platform stylesheet that tries to write a file or read one must fail, and write nothing. */
static void
test_xslt_sandbox(void)
{
    static const char *const bodies[] = {
        "<xsl:template match='/'><exsl:document href='@OUT@' method='text'>x</exsl:document>"
        "<xsl:copy-of select='.'/></xsl:template>",
        "<xsl:template match='/'><xsl:copy-of select=\"document('@SECRET@')\"/></xsl:template>",
    };
    g_autofree char *dir = vl_test_mkdtemp();
    g_autofree char *out = g_build_filename(dir, "written.txt", NULL);
    g_autofree char *secret = g_build_filename(dir, "secret.xml", NULL);

    vl_test_write(dir, "secret.xml", "<domain><name>secret</name></domain>");
    vl_test_write(dir, "in.xml", "<domain><name>x</name></domain>");
    for (guint i = 0; i < G_N_ELEMENTS(bodies); i++) {
        g_autoptr(GString) xsl = g_string_new(
            "<xsl:stylesheet version='1.0' xmlns:xsl='http://www.w3.org/1999/XSL/Transform' "
            "xmlns:exsl='http://exslt.org/common' extension-element-prefixes='exsl'>");
        g_autofree char *path = g_build_filename(dir, "evil.xsl", NULL);
        g_autofree char *inpath = g_build_filename(dir, "in.xml", NULL);
        g_autoptr(GError) err = NULL;
        g_autoptr(xsltStylesheet) style = NULL;
        g_autoptr(xmlDoc) in = NULL;
        g_autoptr(xmlDoc) res = NULL;

        g_string_append(xsl, bodies[i]);
        g_string_append(xsl, "</xsl:stylesheet>");
        g_string_replace(xsl, "@OUT@", out, 0);
        g_string_replace(xsl, "@SECRET@", secret, 0);
        vl_test_write(dir, "evil.xsl", xsl->str);
        style = vl_xslt_load(path, &err);
        g_assert_no_error(err);
        in = vl_xml_parse_file(inpath, &err);
        g_assert_no_error(err);
        res = vl_xslt_apply(style, in, NULL, &err);
        if (res) {
            /* document() may yield an empty node-set instead of failing: never the content */
            g_autofree char *s = vl_xml_to_string(res);
            g_assert_null(strstr(s, "secret"));
        }
        g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
    }
    vl_test_rmtree(dir);
}

static void
test_refuse_dtd(void)
{
    const char *xml =
        "<?xml version='1.0'?><!DOCTYPE d [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><d>&e;</d>";
    g_autoptr(GError) err = NULL;
    g_autoptr(xmlDoc) doc = vl_xml_parse_memory(xml, strlen(xml), "evil.xml", &err);

    g_assert_null(doc);
    g_assert_error(err, VL_ERROR, VL_ERROR_INVALID);
}

static void
test_cli_render(void)
{
    g_autofree char *spec = vl_test_srcpath("../specs/example");
    g_autofree char *dir = vl_test_mkdtemp();
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autofree char *r2 = g_build_filename(dir, "r2.xml", NULL);
    const char *all[] = {"render", spec, "-o", dir, "--virt-type", "qemu", NULL};
    const char *one[] = {"render", spec, "--node", "r1", "--virt-type", "qemu", NULL};
    const char *bad[] = {"render", spec, "--node", "nope", NULL};

    g_assert_cmpint(vl_test_run(all, &out, NULL), ==, 0);
    g_assert_true(g_file_test(r2, G_FILE_TEST_IS_REGULAR));
    g_clear_pointer(&out, g_free);
    g_assert_cmpint(vl_test_run(one, &out, NULL), ==, 0);
    g_assert_nonnull(strstr(out, "<name>r1</name>"));
    g_assert_cmpint(vl_test_run(bad, NULL, &err), ==, 2);
    g_assert_nonnull(strstr(err, "no device or domain named 'nope'"));
    vl_test_rmtree(dir);
}

int
main(int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *schema = NULL;
    g_autofree char *searched = NULL;
    int rc;

    /* Fixed home and state folders make ~ and disk paths the same on every machine. */
    g_setenv("HOME", "/home/vmlab-test", TRUE);
    g_setenv("VMLAB_HOME", "/var/lib/vmlab-test", TRUE);
    g_test_init(&argc, &argv, NULL);
    schema = find_domain_schema(&searched);
    if (schema) {
        validator = vl_xml_validator_new(schema, &err);
        g_assert_no_error(err);
    } else {
        no_schema_reason = g_strdup_printf("libvirt's domain.rng not found (looked at %s): "
                                           "the libvirt schema check did not run",
                                           searched);
    }
    test_conn = virConnectOpen("test:///default");
    g_assert_nonnull(test_conn);

    for (guint i = 0; i < G_N_ELEMENTS(golden_cases); i++) {
        g_autofree char *path = g_strdup_printf("/render/golden/%s", golden_cases[i].name);
        g_test_add_data_func(path, &golden_cases[i], test_golden);
    }
    g_test_add_func("/render/digest/stable-and-sensitive", test_digest);
    g_test_add_func("/render/xslt/sandbox", test_xslt_sandbox);
    g_test_add_func("/render/xml/refuse-dtd", test_refuse_dtd);
    g_test_add_func("/render/cli/output-and-node", test_cli_render);
    rc = g_test_run();
    virConnectClose(test_conn);
    vl_xml_validator_free(validator);
    g_free(no_schema_reason);
    return rc;
}
