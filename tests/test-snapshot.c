/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-snapshot.c - lab snapshots on libvirt's test:///default driver: manifest, listing,
 * delete, restore, refusal on a changed lab, --force, a failure part-way, down --purge */
#include "vl-error.h"
#include "vl-fs.h"
#include "vl-json.h"
#include "vl-lab.h"
#include "vl-snapshot.h"
#include "vl-test-lab.h"
#include "vl-test-util.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
    VlTestLab lab;   /* specs/example on the test driver */
    GString *events; /* "domain event\n" per progress call */
    guint jobs;      /* for snapshot and restore */
} Fixture;

static const char *const vms[] = {"r1", "r2", "r3"};

static void
progress_cb(const char *domain, const char *event, guint64 bytes, double seconds,
            const char *detail, gpointer data)
{
    Fixture *f = data;

    g_string_append_printf(f->events, "%s %s\n", domain, event);
}

static void
up(Fixture *f)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) reports = NULL;
    gboolean ok;

    reports = vl_test_lab_up(&f->lab, &ok, &err);
    g_assert_no_error(err);
    g_assert_true(ok);
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
    vl_test_lab_setup(&f->lab, data);
    f->events = g_string_new(NULL);
    up(f);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;

    /* Leave the shared test driver as we found it: every domain of the lab goes, listed or not. */
    if (!vl_lab_down(f->lab.conn, "example", TRUE, TRUE, NULL, NULL, &err))
        g_printerr("teardown: %s\n", err->message);
    vl_test_lab_teardown(&f->lab, data);
    g_string_free(f->events, TRUE);
}

static gboolean
snap(Fixture *f, const char *name, gboolean memory, GError **error)
{
    VlSnapshotOptions opts = {
        .memory = memory, .jobs = f->jobs, .progress = progress_cb, .data = f};

    return vl_snapshot_create(f->lab.conn, "example", name, &opts, error);
}

static gboolean
restore(Fixture *f, const char *name, gboolean force, GError **error)
{
    VlSnapshotOptions opts = {.force = force, .jobs = f->jobs, .progress = progress_cb, .data = f};

    return vl_snapshot_restore(f->lab.conn, "example", name, &opts, error);
}

static int
state_of(Fixture *f, const char *name)
{
    virDomainPtr d = virDomainLookupByName(f->lab.conn, name);
    int state = VIR_DOMAIN_NOSTATE;

    g_assert_nonnull(d);
    g_assert_cmpint(virDomainGetState(d, &state, NULL, 0), ==, 0);
    virDomainFree(d);
    return state;
}

static void
assert_all_running(Fixture *f)
{
    for (guint i = 0; i < G_N_ELEMENTS(vms); i++)
        g_assert_cmpint(state_of(f, vms[i]), ==, VIR_DOMAIN_RUNNING);
}

/* Return: the names of the listed snapshots, joined by spaces. */
static char *
listed(void)
{
    g_autoptr(json_object) list = vl_snapshot_list("example", NULL);
    g_autoptr(GString) s = g_string_new(NULL);

    g_assert_nonnull(list);
    for (size_t i = 0; i < json_object_array_length(list); i++)
        g_string_append_printf(s, "%s%s", i ? " " : "",
                               json_object_get_string(json_object_object_get(
                                   json_object_array_get_idx(list, i), "name")));
    return g_string_free(g_steal_pointer(&s), FALSE);
}

static void
destroy(Fixture *f, const char *name, gboolean undefine)
{
    virDomainPtr d = virDomainLookupByName(f->lab.conn, name);

    g_assert_nonnull(d);
    g_assert_cmpint(virDomainDestroy(d), ==, 0);
    if (undefine)
        g_assert_cmpint(virDomainUndefine(d), ==, 0);
    virDomainFree(d);
}

static void
test_manifest(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    gboolean ok;
    g_autofree char *dir = vl_snapshot_dir("example", "s1");
    g_autofree char *path = g_build_filename(dir, "manifest.json", NULL);
    g_autoptr(json_object) m = NULL;
    g_autofree char *names = NULL;
    json_object *arr;
    gint64 total = 0;
    struct stat st;

    f->jobs = 3; /* three VMs saved at once */
    ok = snap(f, "s1", TRUE, &err);
    g_assert_no_error(err);
    g_assert_true(ok);
    /* the lab runs on, every VM was paused first and resumed after */
    assert_all_running(f);
    for (guint i = 0; i < G_N_ELEMENTS(vms); i++) {
        g_autofree char *p = g_strdup_printf("%s paused\n", vms[i]);
        g_autofree char *r = g_strdup_printf("%s resumed\n", vms[i]);
        g_assert_nonnull(strstr(f->events->str, p));
        g_assert_nonnull(strstr(f->events->str, r));
    }
    g_assert_cmpint(strstr(f->events->str, "r3 paused") - f->events->str, <,
                    strstr(f->events->str, "r1 memory") - f->events->str);
    m = vl_json_load_file(path, &err);
    g_assert_no_error(err);
    g_assert_cmpint(g_stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);
    g_assert_cmpstr(json_object_get_string(json_object_object_get(m, "name")), ==, "s1");
    g_assert_cmpuint(strlen(json_object_get_string(json_object_object_get(m, "spec_digest"))), ==,
                     64);
    g_assert_nonnull(json_object_object_get(m, "created"));
    g_assert_true(json_object_get_boolean(json_object_object_get(m, "memory")));
    arr = json_object_object_get(m, "vms");
    g_assert_cmpuint(json_object_array_length(arr), ==, 3);
    for (size_t i = 0; i < 3; i++) {
        json_object *v = json_object_array_get_idx(arr, i);
        json_object *mem = json_object_object_get(v, "memory");
        g_autofree char *file = NULL;
        gint64 size = json_object_get_int64(json_object_object_get(mem, "size"));

        g_assert_cmpstr(json_object_get_string(json_object_object_get(v, "domain")), ==, vms[i]);
        g_assert_cmpstr(json_object_get_string(json_object_object_get(v, "state")), ==, "running");
        g_assert_nonnull(
            strstr(json_object_get_string(json_object_object_get(v, "xml")), "<domain"));
        file = g_build_filename(dir, json_object_get_string(json_object_object_get(mem, "file")),
                                NULL);
        g_assert_true(g_file_test(file, G_FILE_TEST_IS_REGULAR));
        g_assert_cmpint(size, >, 0);
        total += size;
    }
    g_assert_cmpint(json_object_get_int64(json_object_object_get(m, "size")), ==, total);
    names = listed();
    g_assert_cmpstr(names, ==, "s1");
    /* a second snapshot of the same name is refused */
    g_assert_false(snap(f, "s1", TRUE, &err));
    g_assert_error(err, VL_ERROR, VL_ERROR_FAILED);
    g_assert_nonnull(strstr(err->message, "already has a snapshot 's1'"));
}

static void
test_restore(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    gboolean ok;

    f->jobs = 3;
    ok = snap(f, "s1", TRUE, &err);
    g_assert_no_error(err);
    g_assert_true(ok);
    destroy(f, "r2", FALSE);
    g_string_truncate(f->events, 0);
    ok = restore(f, "s1", FALSE, &err);
    g_assert_no_error(err);
    g_assert_true(ok);
    assert_all_running(f);
    g_assert_nonnull(strstr(f->events->str, "r1 stopped\n"));
    g_assert_null(strstr(f->events->str, "r2 stopped\n"));
    for (guint i = 0; i < G_N_ELEMENTS(vms); i++) {
        g_autofree char *r = g_strdup_printf("%s restored\n", vms[i]);
        g_assert_nonnull(strstr(f->events->str, r));
    }
}

static void
test_no_memory(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    gboolean ok;
    g_autofree char *dir = vl_snapshot_dir("example", "disks");
    g_autofree char *mem = g_build_filename(dir, "r1.mem", NULL);
    g_autoptr(json_object) list = NULL;

    ok = snap(f, "disks", FALSE, &err);
    g_assert_no_error(err);
    g_assert_true(ok);
    assert_all_running(f);
    g_assert_false(g_file_test(mem, G_FILE_TEST_EXISTS));
    list = vl_snapshot_list("example", NULL);
    g_assert_false(json_object_get_boolean(
        json_object_object_get(json_object_array_get_idx(list, 0), "memory")));
    ok = restore(f, "disks", FALSE, &err);
    g_assert_no_error(err);
    g_assert_true(ok);
    /* booted: started, not restored */
    g_assert_nonnull(strstr(f->events->str, "r1 started\n"));
    g_assert_null(strstr(f->events->str, "r1 restored\n"));
    assert_all_running(f);
}

/* Changes vm_memory in the spec and brings the lab up again: every VM is redefined. */
static void
change_spec(Fixture *f)
{
    g_autofree char *path = g_build_filename(f->lab.specdir, "platforms.json", NULL);
    g_autofree char *text = NULL;
    g_autoptr(GString) t = NULL;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    t = g_string_new(text);
    g_assert_cmpuint(g_string_replace(t, "\"vm_memory\": 256", "\"vm_memory\": 320", 1), ==, 1);
    g_assert_true(g_file_set_contents(path, t->str, -1, NULL));
    up(f);
}

static void
test_changed_refused(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    gboolean ok;

    ok = snap(f, "s1", TRUE, &err);
    g_assert_no_error(err);
    g_assert_true(ok);
    change_spec(f);
    g_string_truncate(f->events, 0);
    g_assert_false(restore(f, "s1", FALSE, &err));
    g_assert_error(err, VL_ERROR, VL_ERROR_FAILED);
    g_assert_nonnull(strstr(err->message, "changed since snapshot 's1'"));
    g_assert_nonnull(strstr(err->message, "'r2' redefined"));
    g_assert_nonnull(strstr(err->message, "--force"));
    /* nothing was touched */
    g_assert_cmpstr(f->events->str, ==, "");
    assert_all_running(f);
    g_clear_error(&err);
    ok = restore(f, "s1", TRUE, &err);
    g_assert_no_error(err);
    g_assert_true(ok);
    assert_all_running(f);
    g_assert_nonnull(strstr(f->events->str, "r2 restored\n"));
}

static void
test_force_removed_added(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    gboolean ok;
    g_autofree char *stray = NULL;
    g_autofree char *state = vl_lab_state_path("example");
    g_autofree char *text = NULL;
    virDomainPtr d;

    ok = snap(f, "s1", TRUE, &err);
    g_assert_no_error(err);
    g_assert_true(ok);
    /* r3 leaves the spec (up removes it); a domain of the lab appears (r1's XML, another name) */
    vl_test_write(
        f->lab.specdir, "topology.json",
        "{\"name\": \"example\", \"devices\": {\"r1\": {\"interfaces\": {\"eth1\": {}}},\n"
        " \"r2\": {\"interfaces\": {\"eth1\": {}}}},\n"
        " \"links\": [{\"a\": \"r1:eth1\", \"z\": \"r2:eth1\"}],\n"
        " \"vmlab\": {\"link_port_base\": 21000, \"console_port_base\": 31000,\n"
        "  \"ssh_port_base\": 41000, \"link_transport\": \"udp\"}}\n");
    up(f);
    g_assert_null(virDomainLookupByName(f->lab.conn, "r3"));
    d = virDomainLookupByName(f->lab.conn, "r1");
    stray = virDomainGetXMLDesc(d, VIR_DOMAIN_XML_INACTIVE);
    virDomainFree(d);
    {
        g_autoptr(GString) t = g_string_new(stray);
        char *u, *e;
        g_string_replace(t, "<name>r1</name>", "<name>r4</name>", 1);
        u = strstr(t->str, "<uuid>");
        e = strstr(t->str, "</uuid>");
        g_string_erase(t, u - t->str, e + 7 - u);
        d = virDomainDefineXML(f->lab.conn, t->str);
        g_assert_nonnull(d);
        virDomainFree(d);
    }
    g_assert_false(restore(f, "s1", FALSE, &err));
    g_assert_error(err, VL_ERROR, VL_ERROR_FAILED);
    g_assert_nonnull(strstr(err->message, "'r3' removed"));
    g_assert_nonnull(strstr(err->message, "'r4' added"));
    g_clear_error(&err);
    ok = restore(f, "s1", TRUE, &err);
    g_assert_no_error(err);
    g_assert_true(ok);
    g_assert_nonnull(strstr(f->events->str, "r3 defined\n"));
    g_assert_nonnull(strstr(f->events->str, "r4 left\n"));
    assert_all_running(f);
    /* r4 is left as it was: defined, not started */
    g_assert_cmpint(state_of(f, "r4"), ==, VIR_DOMAIN_SHUTOFF);
    /* r3 is in state.json again, so a plain `down` removes it */
    g_assert_true(g_file_get_contents(state, &text, NULL, NULL));
    g_assert_nonnull(strstr(text, "\"restored_from\": \"s1\""));
    ok = vl_lab_down(f->lab.conn, "example", FALSE, FALSE, NULL, NULL, &err);
    g_assert_no_error(err);
    g_assert_true(ok);
    g_assert_null(virDomainLookupByName(f->lab.conn, "r3"));
}

static void
test_list_delete(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    gboolean ok;
    g_autofree char *names = NULL;
    g_autofree char *dir = vl_snapshot_dir("example", "a");

    g_assert_true(snap(f, "b", TRUE, &err));
    g_usleep(1100 * 1000); /* "created" has a resolution of a second or better */
    ok = snap(f, "a", FALSE, &err);
    g_assert_no_error(err);
    g_assert_true(ok);
    names = listed();
    g_assert_cmpstr(names, ==, "b a");
    ok = vl_snapshot_delete("example", "a", &err);
    g_assert_no_error(err);
    g_assert_true(ok);
    g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
    g_clear_pointer(&names, g_free);
    names = listed();
    g_assert_cmpstr(names, ==, "b");
    g_assert_false(vl_snapshot_delete("example", "a", &err));
    g_assert_error(err, VL_ERROR, VL_ERROR_FAILED);
    g_assert_nonnull(strstr(err->message, "has no snapshot 'a'"));
    g_clear_error(&err);
    g_assert_false(restore(f, "a", FALSE, &err));
    g_assert_error(err, VL_ERROR, VL_ERROR_FAILED);
}

static void
test_fail_part_way(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    gboolean ok;
    g_autofree char *dir = vl_snapshot_dir("example", "s1");
    g_autofree char *partial = g_strconcat(dir, ".partial", NULL);
    g_autofree char *blocker = g_build_filename(partial, "r2.mem", NULL);
    g_autofree char *names = NULL;

    /* r2's memory cannot be written: a folder stands where its file goes; r1 is saved first */
    g_assert_cmpint(g_mkdir_with_parents(blocker, 0755), ==, 0);
    g_assert_false(snap(f, "s1", TRUE, &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "snapshot 's1' of lab 'example' failed"));
    g_assert_nonnull(strstr(err->message, "r2"));
    g_assert_nonnull(strstr(f->events->str, "r1 memory\n"));
    assert_all_running(f);
    names = listed();
    g_assert_cmpstr(names, ==, "");
    g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(partial, G_FILE_TEST_EXISTS));
    /* and the same name works once the way is clear */
    g_clear_error(&err);
    ok = snap(f, "s1", TRUE, &err);
    g_assert_no_error(err);
    g_assert_true(ok);
}

static void
test_down_purge(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    gboolean ok;
    g_autofree char *names = NULL;

    g_assert_true(snap(f, "s1", TRUE, &err));
    ok = vl_lab_down(f->lab.conn, "example", FALSE, FALSE, NULL, NULL, &err);
    g_assert_no_error(err);
    g_assert_true(ok);
    names = listed();
    g_assert_cmpstr(names, ==, "s1");
    /* a lab that is down is not restored */
    g_assert_false(restore(f, "s1", TRUE, &err));
    g_assert_error(err, VL_ERROR, VL_ERROR_FAILED);
    g_assert_nonnull(strstr(err->message, "is not up"));
    g_clear_error(&err);
    up(f);
    g_assert_true(restore(f, "s1", FALSE, &err) || err);
    g_clear_error(&err);
    ok = vl_lab_down(f->lab.conn, "example", FALSE, TRUE, NULL, NULL, &err);
    g_assert_no_error(err);
    g_assert_true(ok);
    g_clear_pointer(&names, g_free);
    names = listed();
    g_assert_cmpstr(names, ==, "");
}

static void
test_name_check(void)
{
    const char *bad[] = {"", "../x", "a/b", ".hidden", "s1.partial", "-x", "a b", NULL};
    g_autofree char *longname = g_strnfill(65, 'a');

    for (guint i = 0; bad[i]; i++) {
        g_autoptr(GError) err = NULL;
        g_assert_false(vl_snapshot_name_check(bad[i], &err));
        g_assert_error(err, VL_ERROR, VL_ERROR_USAGE);
    }
    g_assert_false(vl_snapshot_name_check(longname, NULL));
    g_assert_true(vl_snapshot_name_check("before-change_2", NULL));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/snapshot/create/manifest", test_manifest);
    ADD("/snapshot/create/no-memory", test_no_memory);
    ADD("/snapshot/create/fail-part-way", test_fail_part_way);
    ADD("/snapshot/restore/unchanged", test_restore);
    ADD("/snapshot/restore/changed-refused-then-force", test_changed_refused);
    ADD("/snapshot/restore/force-removed-added", test_force_removed_added);
    ADD("/snapshot/list-delete", test_list_delete);
    ADD("/snapshot/down-keeps-unless-purge", test_down_purge);
#undef ADD
    g_test_add_func("/snapshot/name-check", test_name_check);
    return g_test_run();
}
