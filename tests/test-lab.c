/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-lab.c - lab operations on libvirt's test:///default driver: up, re-up, changes, down, lock
 */
#include "vl-error.h"
#include "vl-fs.h"
#include "vl-json.h"
#include "vl-lab.h"
#include "vl-lock.h"
#include "vl-ready.h"
#include "vl-storage.h"
#include "vl-test-lab.h"
#include "vl-test-spec.h"
#include "vl-test-util.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libvirt/virterror.h>
#include <string.h>
#include <sys/stat.h>

static void
test_up_fresh(VlTestLab *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    gboolean ok;
    g_autoptr(GPtrArray) reports = vl_test_lab_up(f, &ok, &err);
    g_autofree char *state = vl_lab_state_path("example");
    g_autofree char *prof = g_build_filename(f->specdir, "profiles", "r2.json", NULL);
    g_autoptr(json_object) p = NULL;
    json_object *v = NULL;
    struct stat st;

    g_assert_no_error(err);
    g_assert_true(ok);
    g_assert_cmpuint(reports->len, ==, 3);
    for (guint i = 0; i < 3; i++) {
        const VlVmReport *r = g_ptr_array_index(reports, i);
        virDomainPtr d = virDomainLookupByName(f->conn, r->name);
        g_assert_cmpint(r->action, ==, VL_VM_ACTION_CREATE);
        g_assert_true(r->started);
        g_assert_nonnull(d);
        g_assert_cmpint(virDomainIsActive(d), ==, 1);
        g_assert_cmpint(virDomainIsPersistent(d), ==, 1);
        virDomainFree(d);
    }
    /* state.json: owner-only, lists the nodes and links */
    g_assert_cmpint(g_stat(state, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);
    /* profiles written back, other fields and their order kept */
    p = vl_json_load_file(prof, &err);
    g_assert_no_error(err);
    g_assert_true(json_object_object_get_ex(p, "ssh_port", &v));
    g_assert_cmpint(json_object_get_int(v), ==, 41001);
    /* a pty console has no port */
    g_assert_false(json_object_object_get_ex(p, "console_port", &v));
    g_assert_true(json_object_object_get_ex(p, "vm_cmdline", &v));
    {
        g_autofree char *text = NULL;
        g_file_get_contents(prof, &text, NULL, NULL);
        g_assert_true(strstr(text, "\"platform\"") < strstr(text, "\"vm_cmdline\""));
        g_assert_true(strstr(text, "\"vm_cmdline\"") < strstr(text, "\"mgmt_ip\""));
    }
}

static void
test_up_idempotent(VlTestLab *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    gboolean ok;
    g_autoptr(GPtrArray) first = vl_test_lab_up(f, &ok, &err);
    g_autofree char *uuid = vl_test_lab_uuid(f->conn, "r1");
    g_autofree char *prof = g_build_filename(f->specdir, "profiles", "r1.json", NULL);
    g_autoptr(GPtrArray) second = NULL;
    g_autofree char *uuid2 = NULL;
    struct stat st1, st2;

    g_assert_true(ok);
    g_assert_cmpint(g_stat(prof, &st1), ==, 0);
    second = vl_test_lab_up(f, &ok, &err);
    g_assert_no_error(err);
    g_assert_true(ok);
    for (guint i = 0; i < second->len; i++) {
        const VlVmReport *r = g_ptr_array_index(second, i);
        g_assert_cmpint(r->action, ==, VL_VM_ACTION_NONE);
        g_assert_false(r->started);
    }
    uuid2 = vl_test_lab_uuid(f->conn, "r1");
    g_assert_cmpstr(uuid, ==, uuid2);
    /* an unchanged profile is not rewritten */
    g_assert_cmpint(g_stat(prof, &st2), ==, 0);
    g_assert_cmpint(st1.st_ino, ==, st2.st_ino);
}

static void
test_up_changed(VlTestLab *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    gboolean ok;
    g_autoptr(GPtrArray) first = vl_test_lab_up(f, &ok, &err);
    g_autofree char *uuid = vl_test_lab_uuid(f->conn, "r2");
    g_autoptr(GPtrArray) second = NULL;
    g_autofree char *uuid2 = NULL;
    virDomainPtr d;

    g_assert_true(ok);
    vl_test_write(
        f->specdir, "profiles/r2.json",
        "{\"platform\": \"tiny-linux\", \"vm_memory\": 384, \"vm_cmdline\": \"console=ttyS0\"}");
    second = vl_test_lab_up(f, &ok, &err);
    g_assert_no_error(err);
    g_assert_true(ok);
    g_assert_cmpint(vl_test_lab_report(second, "r1")->action, ==, VL_VM_ACTION_NONE);
    g_assert_cmpint(vl_test_lab_report(second, "r3")->action, ==, VL_VM_ACTION_NONE);
    g_assert_cmpint(vl_test_lab_report(second, "r2")->action, ==, VL_VM_ACTION_REDEFINE);
    g_assert_true(vl_test_lab_report(second, "r2")->started);
    uuid2 = vl_test_lab_uuid(f->conn, "r2");
    g_assert_cmpstr(uuid, ==, uuid2);
    d = virDomainLookupByName(f->conn, "r2");
    g_assert_cmpuint(virDomainGetMaxMemory(d), ==, 384 * 1024);
    virDomainFree(d);
}

static void
test_up_removed(VlTestLab *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    gboolean ok;
    g_autoptr(GPtrArray) first = vl_test_lab_up(f, &ok, &err);
    g_autoptr(GPtrArray) second = NULL;
    virDomainPtr d;

    g_assert_true(ok);
    vl_test_write(f->specdir, "topology.json",
                  "{\"name\": \"example\", \"devices\": {\"r1\": {\"interfaces\": {\"eth1\": {}}},"
                  " \"r2\": {\"interfaces\": {\"eth1\": {}}}},"
                  " \"links\": [{\"a\": \"r1:eth1\", \"z\": \"r2:eth1\"}],"
                  " \"vmlab\": {\"link_port_base\": 21000, \"console_port_base\": 31000, "
                  "\"ssh_port_base\": 41000}}");
    {
        g_autofree char *r3 = g_build_filename(f->specdir, "profiles", "r3.json", NULL);
        g_unlink(r3);
    }
    second = vl_test_lab_up(f, &ok, &err);
    g_assert_no_error(err);
    g_assert_true(ok);
    g_assert_cmpint(vl_test_lab_report(second, "r3")->action, ==, VL_VM_ACTION_REMOVE);
    virResetLastError();
    d = virDomainLookupByName(f->conn, "r3");
    g_assert_null(d);
}

static void
test_up_foreign_refused(VlTestLab *f, gconstpointer data)
{
    const char *xml =
        "<domain "
        "type='test'><name>r2</name><memory>1024</memory><os><type>hvm</type></os></domain>";
    virDomainPtr foreign = virDomainDefineXML(f->conn, xml);
    g_autoptr(GError) err = NULL;
    gboolean ok;
    g_autoptr(GPtrArray) reports = NULL;
    virDomainPtr d;

    g_assert_nonnull(foreign);
    reports = vl_test_lab_up(f, &ok, &err);
    g_assert_false(ok);
    g_assert_error(err, VL_ERROR, VL_ERROR_FAILED);
    g_assert_nonnull(
        strstr(err->message, "domain 'r2' already exists and belongs to no vmlab lab"));
    /* nothing was touched: r1 was not defined */
    virResetLastError();
    d = virDomainLookupByName(f->conn, "r1");
    g_assert_null(d);
    virDomainUndefine(foreign);
    virDomainFree(foreign);
}

static void
test_down(VlTestLab *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    gboolean ok;
    g_autoptr(GPtrArray) first = vl_test_lab_up(f, &ok, &err);
    g_autoptr(GHashTable) left = NULL;
    g_autofree char *state = vl_lab_state_path("example");

    g_assert_true(ok);
    g_assert_true(vl_lab_down(f->conn, "example", FALSE, FALSE, NULL, NULL, &err));
    g_assert_no_error(err);
    left = vl_conn_lab_domains(f->conn, "example", &err);
    g_assert_cmpuint(g_hash_table_size(left), ==, 0);
    g_assert_false(g_file_test(state, G_FILE_TEST_EXISTS));
}

/* Return: (transfer full): the text of @dir/@rel. */
static char *
read_file(const char *dir, const char *rel)
{
    g_autofree char *path = g_build_filename(dir, rel, NULL);
    g_autoptr(GError) err = NULL;
    char *text = NULL;

    g_file_get_contents(path, &text, NULL, &err);
    g_assert_no_error(err);
    return text;
}

/* Profiles as a user writes them: one with a mgmt_ip of its own, one without. */
static const char profile_with_ip[] = "{\n    \"platform\": \"tiny-linux\",\n"
                                      "    \"mgmt_ip\": \"192.0.2.7\",\n"
                                      "    \"vm_cmdline\": \"console=ttyS0 init=/init\"\n}\n";
static const char profile_without_ip[] =
    "{ \"platform\": \"tiny-linux\", \"vm_cmdline\": \"console=ttyS0\" }";

/* down puts the profiles back as they were before up, byte for byte, even after two ups. */
static void
test_down_profiles_restored(VlTestLab *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    gboolean ok;
    g_autoptr(GPtrArray) r1 = NULL;
    g_autoptr(GPtrArray) r2 = NULL;
    g_autofree char *up1 = NULL;
    g_autofree char *t1 = NULL;
    g_autofree char *t2 = NULL;

    vl_test_write(f->specdir, "profiles/r1.json", profile_with_ip);
    vl_test_write(f->specdir, "profiles/r2.json", profile_without_ip);
    r1 = vl_test_lab_up(f, &ok, &err);
    g_assert_no_error(err);
    g_assert_true(ok);
    up1 = read_file(f->specdir, "profiles/r1.json");
    g_assert_nonnull(strstr(up1, "\"ssh_port\""));
    g_assert_null(strstr(up1, "192.0.2.7"));
    r2 = vl_test_lab_up(f, &ok, &err);
    g_assert_no_error(err);
    g_assert_true(vl_lab_down(f->conn, "example", FALSE, FALSE, NULL, NULL, &err));
    g_assert_no_error(err);
    t1 = read_file(f->specdir, "profiles/r1.json");
    t2 = read_file(f->specdir, "profiles/r2.json");
    g_assert_cmpstr(t1, ==, profile_with_ip);
    g_assert_cmpstr(t2, ==, profile_without_ip);
}

/* Fields a user added while the lab was up stay; only ours go, and mgmt_ip comes back. */
static void
test_down_profiles_keep_user_fields(VlTestLab *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    gboolean ok;
    g_autoptr(GPtrArray) reports = NULL;
    g_autofree char *p1 = g_build_filename(f->specdir, "profiles", "r1.json", NULL);
    g_autofree char *p2 = g_build_filename(f->specdir, "profiles", "r2.json", NULL);
    g_autofree char *t1 = NULL;
    g_autofree char *t2 = NULL;
    json_object *v = NULL;

    vl_test_write(f->specdir, "profiles/r1.json", profile_with_ip);
    vl_test_write(f->specdir, "profiles/r2.json", profile_without_ip);
    reports = vl_test_lab_up(f, &ok, &err);
    g_assert_true(ok);
    for (guint i = 0; i < 2; i++) {
        const char *path = i ? p2 : p1;
        g_autoptr(json_object) p = vl_json_load_file(path, &err);
        g_assert_no_error(err);
        json_object_object_add(p, "note", json_object_new_string("mine"));
        g_assert_true(vl_json_write_file(path, p, 0644, &err));
    }
    g_assert_true(vl_lab_down(f->conn, "example", FALSE, FALSE, NULL, NULL, &err));
    g_assert_no_error(err);
    t1 = read_file(f->specdir, "profiles/r1.json");
    t2 = read_file(f->specdir, "profiles/r2.json");
    for (guint i = 0; i < 2; i++) {
        g_autoptr(json_object) p = vl_json_load_file(i ? p2 : p1, &err);
        const char *text = i ? t2 : t1;
        g_assert_no_error(err);
        g_assert_true(json_object_object_get_ex(p, "note", &v));
        g_assert_cmpstr(json_object_get_string(v), ==, "mine");
        g_assert_false(json_object_object_get_ex(p, "ssh_port", &v));
        g_assert_false(json_object_object_get_ex(p, "console_port", &v));
        g_assert_true(json_object_object_get_ex(p, "vm_cmdline", &v));
        /* order kept: the user's fields where they were, theirs last */
        g_assert_true(strstr(text, "\"platform\"") < strstr(text, "\"vm_cmdline\""));
        g_assert_true(strstr(text, "\"vm_cmdline\"") < strstr(text, "\"note\""));
    }
    g_assert_nonnull(strstr(t1, "\"mgmt_ip\": \"192.0.2.7\""));
    g_assert_true(strstr(t1, "\"mgmt_ip\"") < strstr(t1, "\"vm_cmdline\""));
    g_assert_null(strstr(t2, "mgmt_ip"));
}

static void
test_lock_contention(VlTestLab *f, gconstpointer data)
{
    g_autofree char *lab_dir = vl_fs_lab_dir("example");
    g_autoptr(GError) err = NULL;
    g_autoptr(VlLock) held = vl_lock_acquire(lab_dir, &err);
    g_autoptr(GPtrArray) reports = NULL;
    g_autofree char *pid = g_strdup_printf("PID %d", (int)getpid());
    gboolean ok;

    g_assert_no_error(err);
    g_assert_nonnull(held);
    reports = vl_test_lab_up(f, &ok, &err);
    g_assert_false(ok);
    g_assert_error(err, VL_ERROR, VL_ERROR_BUSY);
    g_assert_nonnull(strstr(err->message, pid));
    g_clear_error(&err);
    g_assert_false(vl_lab_down(f->conn, "example", FALSE, FALSE, NULL, NULL, &err));
    g_assert_error(err, VL_ERROR, VL_ERROR_BUSY);
}

static void
test_up_partial_failure(VlTestLab *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    gboolean ok;
    g_autoptr(GPtrArray) reports = NULL;
    g_autofree char *tmpl = vl_test_srcpath("../templates/linux-kernel.xml");
    g_autofree char *text = NULL;

    /* r3's template has an on_poweroff action libvirt does not know: its define fails */
    g_file_get_contents(tmpl, &text, NULL, &err);
    g_assert_no_error(err);
    {
        g_autoptr(GString) s = g_string_new(text);
        g_string_replace(s, "<on_poweroff>destroy", "<on_poweroff>explode", 1);
        vl_test_write(f->specdir, "bad-action.xml", s->str);
    }
    vl_test_write(f->specdir, "profiles/r3.json",
                  "{\"platform\": \"tiny-linux\", \"vm_template\": \"bad-action.xml\", "
                  "\"vm_cmdline\": \"console=ttyS0\"}");
    reports = vl_test_lab_up(f, &ok, &err);
    g_assert_false(ok);
    g_assert_error(err, VL_ERROR, VL_ERROR_FAILED);
    g_assert_nonnull(vl_test_lab_report(reports, "r3")->error);
    g_assert_null(vl_test_lab_report(reports, "r1")->error);
    g_assert_true(vl_test_lab_report(reports, "r1")->running);
    g_assert_true(vl_test_lab_report(reports, "r2")->running);
    /* fix the spec: a re-run converges */
    vl_test_write(f->specdir, "profiles/r3.json",
                  "{\"platform\": \"tiny-linux\", \"vm_cmdline\": \"console=ttyS0\"}");
    g_clear_pointer(&reports, g_ptr_array_unref);
    g_clear_error(&err);
    reports = vl_test_lab_up(f, &ok, &err);
    g_assert_no_error(err);
    g_assert_true(ok);
    g_assert_cmpint(vl_test_lab_report(reports, "r1")->action, ==, VL_VM_ACTION_NONE);
    g_assert_cmpint(vl_test_lab_report(reports, "r3")->action, ==, VL_VM_ACTION_CREATE);
}

/* Return: (transfer full): a file of a FAT image as text. */
/* A boot log as virtlogd writes it: the lines of this boot arrive after a while, in pieces. */
typedef struct {
    char *path;
    gboolean rotate; /* replace the file (virtlogd's rotation) instead of appending */
    gint written;    /* set just before the ready line is written */
} FakeLog;

static gpointer
fake_log_thread(gpointer data)
{
    FakeLog *l = data;
    g_autofree char *tmp = g_strconcat(l->path, ".new", NULL);
    FILE *f;

    g_usleep(500 * 1000);
    f = fopen(l->rotate ? tmp : l->path, l->rotate ? "w" : "a");
    g_assert_nonnull(f);
    fputs("booting\r\nlogin: \r\nrouter is", f);
    fflush(f);
    g_usleep(300 * 1000);
    g_atomic_int_set(&l->written, 1);
    fputs(" UP now\r\n", f);
    fclose(f);
    if (l->rotate)
        g_assert_cmpint(g_rename(tmp, l->path), ==, 0);
    return NULL;
}

static void
test_ready_log(void)
{
    g_autofree char *dir = vl_test_mkdtemp();
    g_autofree char *path = g_build_filename(dir, "r1.log", NULL);
    /* an earlier boot's lines, before this boot's offset, must not count */
    static const char old[] = "earlier boot\r\nrouter is UP now\r\n";
    FakeLog l = {path, FALSE, 0};
    g_autoptr(GError) err = NULL;
    struct stat st;
    GThread *t;

    g_assert_true(g_file_set_contents(path, old, -1, NULL));
    t = g_thread_new("log", fake_log_thread, &l);
    g_assert_true(vl_ready_log_wait(path, sizeof(old) - 1, "^router is UP now$", 10, &err));
    g_assert_no_error(err);
    g_assert_cmpint(g_atomic_int_get(&l.written), ==, 1);
    g_thread_join(t);
    /* rotated: the new file is read from its start */
    l = (FakeLog){path, TRUE, 0};
    g_assert_cmpint(g_stat(path, &st), ==, 0);
    t = g_thread_new("log", fake_log_thread, &l);
    g_assert_true(vl_ready_log_wait(path, st.st_size, "^router is UP now$", 10, &err));
    g_assert_no_error(err);
    g_assert_cmpint(g_atomic_int_get(&l.written), ==, 1);
    g_thread_join(t);
    /* not there yet: waits for the file to appear; a pattern that never comes times out */
    g_assert_cmpint(g_unlink(path), ==, 0);
    l = (FakeLog){path, FALSE, 0};
    t = g_thread_new("log", fake_log_thread, &l);
    g_assert_false(vl_ready_log_wait(path, 0, "^never$", 2, &err));
    g_assert_error(err, VL_ERROR, VL_ERROR_FAILED);
    g_assert_nonnull(strstr(err->message, path));
    g_thread_join(t);
    vl_test_rmtree(dir);
}

/* Returns @name's domain XML from the test driver. */
static char *
xml_of(virConnectPtr conn, const char *name)
{
    virDomainPtr d = virDomainLookupByName(conn, name);
    char *x;
    char *copy;

    g_assert_nonnull(d);
    x = virDomainGetXMLDesc(d, 0);
    copy = g_strdup(x);
    free(x);
    virDomainFree(d);
    return copy;
}

/* Consoles: a pty with a boot log by default; vm_console "telnet" keeps the TCP telnet console
 * and its port (in the profile, state.json and the domain's metadata). */
static void
test_up_console_kinds(VlTestLab *f, gconstpointer data)
{
    g_autofree char *r3 = g_build_filename(f->specdir, "profiles", "r3.json", NULL);
    g_autofree char *r2 = g_build_filename(f->specdir, "profiles", "r2.json", NULL);
    g_autofree char *logs = g_build_filename(f->home, "labs", "example", "logs", NULL);
    g_autofree char *log2 = g_build_filename(logs, "r2.log", NULL);
    g_autofree char *x2 = NULL;
    g_autofree char *x3 = NULL;
    g_autofree char *want_log = NULL;
    g_autoptr(json_object) p2 = NULL;
    g_autoptr(json_object) p3 = NULL;
    g_autoptr(GPtrArray) reports = NULL;
    g_autoptr(GError) err = NULL;
    json_object *v = NULL;
    struct stat st;
    gboolean ok;

    g_assert_true(g_file_set_contents(
        r3, "{\"platform\": \"tiny-linux\", \"vm_console\": \"telnet\"}", -1, NULL));
    /* a port an earlier (telnet) up wrote */
    g_assert_true(g_file_set_contents(
        r2, "{\"platform\": \"tiny-linux\", \"console_port\": 31001, \"x\": 1}", -1, NULL));
    reports = vl_test_lab_up(f, &ok, &err);
    g_assert_no_error(err);
    g_assert_true(ok);
    x2 = xml_of(f->conn, "r2");
    x3 = xml_of(f->conn, "r3");
    want_log = g_strdup_printf("<log file='%s' append='on'/>", log2);
    g_assert_nonnull(strstr(x2, "<serial type='pty'>"));
    g_assert_nonnull(strstr(x2, "<console type='pty'>"));
    g_assert_nonnull(strstr(x2, want_log));
    g_assert_null(strstr(x2, "console-port"));
    g_assert_nonnull(strstr(x3, "<serial type='tcp'>"));
    g_assert_nonnull(strstr(x3, "<protocol type='telnet'/>"));
    g_assert_nonnull(strstr(x3, "service='31002'"));
    g_assert_nonnull(strstr(x3, "<vmlab:console-port>31002</vmlab:console-port>"));
    g_assert_nonnull(strstr(x3, "logs/r3.log"));
    /* the logs folder exists, owner-only */
    g_assert_cmpint(g_stat(logs, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0700);
    p2 = vl_json_load_file(r2, &err);
    g_assert_no_error(err);
    g_assert_false(json_object_object_get_ex(p2, "console_port", &v));
    g_assert_true(json_object_object_get_ex(p2, "x", &v));
    p3 = vl_json_load_file(r3, &err);
    g_assert_no_error(err);
    g_assert_true(json_object_object_get_ex(p3, "console_port", &v));
    g_assert_cmpint(json_object_get_int(v), ==, 31002);
    /* state.json: each VM's console kind and boot log; a port for the telnet one only */
    {
        g_autofree char *state = vl_lab_state_path("example");
        g_autoptr(json_object) doc = vl_json_load_file(state, &err);
        json_object *nodes = NULL;
        guint seen = 0;

        g_assert_no_error(err);
        g_assert_true(json_object_object_get_ex(doc, "nodes", &nodes));
        for (size_t i = 0; i < json_object_array_length(nodes); i++) {
            json_object *n = json_object_array_get_idx(nodes, i);
            json_object *d = NULL, *c = NULL, *l = NULL, *port = NULL;
            gboolean telnet;

            g_assert_true(json_object_object_get_ex(n, "domain", &d));
            g_assert_true(json_object_object_get_ex(n, "console", &c));
            g_assert_true(json_object_object_get_ex(n, "log", &l));
            telnet = g_str_equal(json_object_get_string(d), "r3");
            g_assert_cmpstr(json_object_get_string(c), ==, telnet ? "telnet" : "pty");
            g_assert_true(g_str_has_suffix(json_object_get_string(l), "/logs/r1.log") ||
                          g_str_has_suffix(json_object_get_string(l), "/logs/r2.log") ||
                          g_str_has_suffix(json_object_get_string(l), "/logs/r3.log"));
            g_assert_cmpint(json_object_object_get_ex(n, "console_port", &port), ==, telnet);
            if (telnet)
                g_assert_cmpint(json_object_get_int(port), ==, 31002);
            seen++;
        }
        g_assert_cmpuint(seen, ==, 3);
    }
}

/* A pool of the lab's name left by another VMLAB_HOME is replaced by one at the right folder. */
static void
test_storage_stale_pool(VlTestLab *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = g_build_filename(f->home, "labs", "stale", "disks", NULL);
    const char *old = "<pool type='dir'><name>vmlab-stale</name>"
                      "<target><path>/nonexistent/old-home/disks</path></target></pool>";
    virStoragePoolPtr pool = virStoragePoolDefineXML(f->conn, old, 0);
    g_autofree char *xml = NULL;

    g_assert_nonnull(pool);
    g_assert_cmpint(virStoragePoolCreate(pool, 0), ==, 0);
    virStoragePoolFree(pool);
    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    pool = vl_storage_pool_ensure(f->conn, "stale", dir, &err);
    g_assert_no_error(err);
    g_assert_nonnull(pool);
    xml = virStoragePoolGetXMLDesc(pool, 0);
    g_assert_nonnull(strstr(xml, dir));
    g_assert_null(strstr(xml, "old-home"));
    g_assert_cmpint(virStoragePoolIsActive(pool), ==, 1);
    virStoragePoolDestroy(pool);
    virStoragePoolUndefine(pool);
    virStoragePoolFree(pool);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    virSetErrorFunc(NULL, NULL);
#define ADD(path, fn) g_test_add(path, VlTestLab, NULL, vl_test_lab_setup, fn, vl_test_lab_teardown)
    ADD("/lab/up/console-kinds", test_up_console_kinds);
    ADD("/lab/up/fresh", test_up_fresh);
    ADD("/lab/up/idempotent", test_up_idempotent);
    ADD("/lab/up/changed-spec", test_up_changed);
    ADD("/lab/up/removed-node", test_up_removed);
    ADD("/lab/up/foreign-domain-refused", test_up_foreign_refused);
    ADD("/lab/up/partial-failure", test_up_partial_failure);
    ADD("/lab/down/removes-all", test_down);
    ADD("/lab/down/profiles-restored-byte-identical", test_down_profiles_restored);
    ADD("/lab/down/profiles-keep-user-fields", test_down_profiles_keep_user_fields);
    ADD("/lab/lock/contention", test_lock_contention);
    ADD("/lab/storage/stale-pool-replaced", test_storage_stale_pool);
    g_test_add_func("/lab/ready/console-pattern", test_ready_log);
    return g_test_run();
}
