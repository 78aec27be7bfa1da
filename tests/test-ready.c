/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-ready.c - the readiness rules (who needs readiness, and how; the fallbacks) */
#include "vl-ready.h"
#include "vl-test-spec.h"
#include "vl-test-util.h"

#include "vl-error.h"
#include "vl-json.h"
#include "vl-render.h"

#include <gio/gio.h>
#include <string.h>

/* SR OS line cards (role "iom") have no management plane: running is enough, nothing logs in. */
static void
test_rules_sros_iom_exempt(void)
{
    g_assert_false(vl_ready_role_has_mgmt("iom"));
    g_assert_cmpint(vl_ready_how("iom", NULL), ==, VL_READY_RUNNING);
    /* every other role logs in */
    static const char *const others[] = {"cpm", "router", "host", "hostvm", "", NULL};
    for (guint i = 0; i < G_N_ELEMENTS(others); i++) {
        g_assert_true(vl_ready_role_has_mgmt(others[i]));
        g_assert_cmpint(vl_ready_how(others[i], NULL), ==, VL_READY_SSH);
    }
}

/* The rule on a loaded spec: a distributed SR OS router's CPMs log in, its line cards do not. */
static void
test_rules_sros_spec(void)
{
    g_autofree char *dir = vl_test_srcpath("data/render/sros");
    g_autoptr(VlSpec) spec = vl_test_spec_load(dir, NULL);
    guint ioms = 0;
    guint cpms = 0;

    for (guint i = 0; i < spec->vms->len; i++) {
        const VlVm *vm = g_ptr_array_index(spec->vms, i);
        VlReadyHow how = vl_ready_vm_how(vm);

        if (!vm->card)
            continue;
        if (g_ascii_isdigit(vm->card[0])) {
            g_assert_cmpint(how, ==, VL_READY_RUNNING);
            ioms++;
        } else {
            g_assert_cmpint(how, ==, VL_READY_SSH);
            cpms++;
        }
        /* running is not enough only for a VM that shows its readiness in the boot log */
        g_assert_true(vl_ready_vm_waits(vm, FALSE));
    }
    g_assert_cmpuint(ioms, >, 0);
    g_assert_cmpuint(cpms, >, 0);
}

/* A platform's vm_ready_pattern wins over SSH, also for a line card; only a VM this operation
 * started can show its ready line. */
static void
test_rules_pattern(void)
{
    VlNode node = {.ready_pattern = (char *)"^ready$", .ssh_user = (char *)"u"};
    VlVm vm = {.node = &node, .role = (char *)"router"};

    g_assert_cmpint(vl_ready_how("router", "^ready$"), ==, VL_READY_CONSOLE);
    g_assert_cmpint(vl_ready_how("iom", "^ready$"), ==, VL_READY_CONSOLE);
    g_assert_cmpint(vl_ready_vm_how(&vm), ==, VL_READY_CONSOLE);
    g_assert_true(vl_ready_vm_waits(&vm, TRUE));
    g_assert_false(vl_ready_vm_waits(&vm, FALSE));
    /* without a pattern, a VM started elsewhere is still waited for (SSH answers again) */
    node.ready_pattern = NULL;
    g_assert_cmpint(vl_ready_vm_how(&vm), ==, VL_READY_SSH);
    g_assert_true(vl_ready_vm_waits(&vm, FALSE));
    vm.role = (char *)"iom";
    g_assert_cmpint(vl_ready_vm_how(&vm), ==, VL_READY_RUNNING);
    g_assert_true(vl_ready_vm_waits(&vm, FALSE));
}

/* A domain not in the spec (vm NULL) logs in as the spec's own default user, with no password. */
static void
test_rules_fallback_user(void)
{
    VlNode node = {.ssh_user = (char *)"bob", .ssh_pass = (char *)"secret"};
    VlVm vm = {.node = &node, .role = (char *)"router"};

    g_assert_cmpstr(vl_ready_user(NULL), ==, "admin");
    g_assert_cmpstr(vl_ready_user(NULL), ==, VL_DEFAULT_SSH_USER);
    g_assert_cmpstr(vl_ready_pass(NULL), ==, "");
    g_assert_cmpstr(vl_ready_user(&vm), ==, "bob");
    g_assert_cmpstr(vl_ready_pass(&vm), ==, "secret");
}

/* The spec loader's default user is the same one: a platform and profile without credentials. */
static void
test_rules_fallback_user_spec(void)
{
    g_autofree char *dir = vl_test_mkdtemp();
    g_autoptr(VlSpec) spec = NULL;
    const VlVm *vm;

    vl_test_write(dir, "topology.json", "{\"name\": \"rdy\", \"devices\": {\"r1\": {}}}");
    vl_test_write(dir, "platforms.json", "{\"platforms\": {\"p\": {\"vm_image\": \"i.img\"}}}");
    vl_test_write(dir, "profiles/r1.json", "{\"platform\": \"p\"}");
    spec = vl_test_spec_load(dir, NULL);
    vm = vl_spec_find_vm(spec, "r1");
    g_assert_nonnull(vm);
    g_assert_cmpstr(vm->node->ssh_user, ==, VL_DEFAULT_SSH_USER);
    g_assert_cmpstr(vm->node->ssh_pass, ==, "");
    g_assert_cmpstr(vl_vm_mgmt_address(vm), ==, VL_DEFAULT_MGMT_ADDR);
    g_assert_cmpstr(vm->node->host_addr, ==, VL_DEFAULT_MGMT_ADDR);
    vl_test_rmtree(dir);
}

/* Where to connect: the recorded address, else loopback (also for a wildcard bind). */
static void
test_rules_fallback_address(void)
{
    g_assert_cmpstr(vl_ready_address(NULL), ==, "127.0.0.1");
    g_assert_cmpstr(vl_ready_address("0.0.0.0"), ==, "127.0.0.1");
    g_assert_cmpstr(vl_ready_address("192.0.2.7"), ==, "192.0.2.7");
    g_assert_cmpstr(vl_ready_address("127.0.0.3"), ==, "127.0.0.3");
}

/* The fake probe: 200 ms per call; counts calls and the most calls at once; even ports answer. */
#define FAKE_PROBE_MS 200
static gint fake_calls;
static gint fake_now;
static gint fake_most;

static gboolean
fake_probe(const char *host, guint port)
{
    gint now = g_atomic_int_add(&fake_now, 1) + 1;
    gint most;

    while ((most = g_atomic_int_get(&fake_most)) < now &&
           !g_atomic_int_compare_and_exchange(&fake_most, most, now))
        ;
    g_atomic_int_inc(&fake_calls);
    g_usleep(FAKE_PROBE_MS * 1000);
    g_atomic_int_add(&fake_now, -1);
    return g_str_equal(host, "127.0.0.1") && port % 2 == 0;
}

static void
fake_reset(void)
{
    g_atomic_int_set(&fake_calls, 0);
    g_atomic_int_set(&fake_now, 0);
    g_atomic_int_set(&fake_most, 0);
}

/* Probes run at once, at most @max_threads of them; only running VMs with an SSH port are probed;
 * each VM gets its own answer. */
static void
test_probe_parallel(void)
{
    VlReadyProbe probes[14];
    gint64 t0;
    double secs;

    fake_reset();
    for (guint i = 0; i < 12; i++)
        probes[i] = (VlReadyProbe){"router", TRUE, "127.0.0.1", 40000 + i, TRUE};
    probes[12] = (VlReadyProbe){"router", FALSE, "127.0.0.1", 40100, TRUE}; /* shut off */
    probes[13] = (VlReadyProbe){"router", TRUE, "127.0.0.1", 0, TRUE};      /* no SSH port */
    t0 = g_get_monotonic_time();
    vl_ready_probe_all(probes, G_N_ELEMENTS(probes), fake_probe, 4);
    secs = (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
    g_test_message("12 probes of %d ms, 4 at once: %.2f s (%d at once at most)", FAKE_PROBE_MS,
                   secs, g_atomic_int_get(&fake_most));
    g_assert_cmpint(g_atomic_int_get(&fake_calls), ==, 12);
    g_assert_cmpint(g_atomic_int_get(&fake_most), <=, 4);
    g_assert_cmpint(g_atomic_int_get(&fake_most), >=, 2);
    /* in sequence: 12 x 200 ms = 2.4 s; 4 at once: 0.6 s */
    g_assert_cmpfloat(secs, <, 12 * FAKE_PROBE_MS / 1000.0 * 0.75);
    for (guint i = 0; i < 12; i++)
        g_assert_cmpint(probes[i].ready, ==, i % 2 == 0);
    g_assert_false(probes[12].ready);
    g_assert_false(probes[13].ready);
}

/* Without a bound of its own, VL_READY_PROBE_THREADS run at once, at most. */
static void
test_probe_default_bound(void)
{
    VlReadyProbe probes[VL_READY_PROBE_THREADS * 2];

    fake_reset();
    for (guint i = 0; i < G_N_ELEMENTS(probes); i++)
        probes[i] = (VlReadyProbe){"router", TRUE, "127.0.0.1", 40000 + i, FALSE};
    vl_ready_probe_all(probes, G_N_ELEMENTS(probes), fake_probe, 0);
    g_assert_cmpint(g_atomic_int_get(&fake_calls), ==, G_N_ELEMENTS(probes));
    g_assert_cmpint(g_atomic_int_get(&fake_most), <=, VL_READY_PROBE_THREADS);
    g_assert_cmpint(g_atomic_int_get(&fake_most), >, 1);
}

/* A running line card is ready unprobed (running is all it can show); a stopped one is not. */
static void
test_probe_sros_iom(void)
{
    VlReadyProbe probes[] = {
        {"iom", TRUE, "127.0.0.1", 40001, FALSE},
        {"iom", FALSE, "127.0.0.1", 40003, TRUE},
        {"cpm", TRUE, "127.0.0.1", 40005, TRUE},
        {"cpm", TRUE, "127.0.0.1", 40006, FALSE},
    };

    fake_reset();
    vl_ready_probe_all(probes, G_N_ELEMENTS(probes), fake_probe, 0);
    g_assert_cmpint(g_atomic_int_get(&fake_calls), ==, 2); /* the CPMs only */
    g_assert_true(probes[0].ready);
    g_assert_false(probes[1].ready);
    g_assert_false(probes[2].ready); /* odd port: the fake says no */
    g_assert_true(probes[3].ready);
}

/* A TCP port on 127.0.0.1 that takes connections (the kernel's backlog) and never says a word:
 * an SSH probe of it waits for its full read timeout (a VM whose sshd is not up yet). */
static GSocket *
silent_listener(guint *port)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
    g_autoptr(GSocketAddress) bound = NULL;
    GSocket *s =
        g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &err);

    g_assert_no_error(err);
    g_assert_true(g_socket_bind(s, any, TRUE, &err));
    g_socket_set_listen_backlog(s, 64);
    g_assert_true(g_socket_listen(s, &err));
    bound = g_socket_get_local_address(s, &err);
    g_assert_no_error(err);
    *port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
    return s;
}

/* Two ports: one that never answers, one whose thread answers each connection with an SSH
 * banner (until ssh_ports_stop()). */
typedef struct {
    GSocket *silent;
    GSocket *banner;
    guint silent_port;
    guint banner_port;
    GCancellable *cancel;
    GThread *thread;
} SshPorts;

static gpointer
banner_serve(gpointer data)
{
    SshPorts *p = data;
    GSocket *c;

    while ((c = g_socket_accept(p->banner, p->cancel, NULL))) {
        g_socket_send(c, "SSH-2.0-test\r\n", 14, NULL, NULL);
        g_socket_close(c, NULL);
        g_object_unref(c);
    }
    return NULL;
}

static void
ssh_ports_start(SshPorts *p)
{
    p->silent = silent_listener(&p->silent_port);
    p->banner = silent_listener(&p->banner_port);
    p->cancel = g_cancellable_new();
    p->thread = g_thread_new("banner", banner_serve, p);
}

static void
ssh_ports_stop(SshPorts *p)
{
    g_cancellable_cancel(p->cancel);
    g_thread_join(p->thread);
    g_object_unref(p->cancel);
    g_object_unref(p->silent);
    g_object_unref(p->banner);
}

#define SILENT_VMS 8

/* The real probe on VMs whose sshd says nothing: about one timeout in all, not one per VM. */
static void
test_probe_ssh_silent(void)
{
    SshPorts ports;
    VlReadyProbe probes[SILENT_VMS + 1];
    gint64 t0;
    double secs;

    ssh_ports_start(&ports);
    for (guint i = 0; i < SILENT_VMS; i++)
        probes[i] = (VlReadyProbe){"router", TRUE, "127.0.0.1", ports.silent_port, TRUE};
    probes[SILENT_VMS] = (VlReadyProbe){"router", TRUE, "127.0.0.1", ports.banner_port, FALSE};
    t0 = g_get_monotonic_time();
    vl_ready_probe_all(probes, G_N_ELEMENTS(probes), NULL, 0);
    secs = (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
    ssh_ports_stop(&ports);
    g_test_message("%d silent SSH ports and one banner: %.2f s", SILENT_VMS, secs);
    for (guint i = 0; i < SILENT_VMS; i++)
        g_assert_false(probes[i].ready);
    g_assert_true(probes[SILENT_VMS].ready);
    /* each silent probe waits its 1 s read timeout: in sequence that is >= 8 s */
    g_assert_cmpfloat(secs, <, SILENT_VMS / 2.0);
}

/* A libvirt test driver file: @n running domains of lab "rdy" whose SSH port is @port; rdy-banner,
 * whose port is @banner_port; rdy-iom, an SR OS line card on @port. */
static char *
status_driver_xml(guint n, guint port, guint banner_port)
{
    GString *x = g_string_new("<node>\n");

    for (guint i = 0; i <= n + 1; i++) {
        g_autofree char *name = i < n    ? g_strdup_printf("rdy-r%u", i)
                                : i == n ? g_strdup("rdy-banner")
                                         : g_strdup("rdy-iom");
        g_string_append_printf(
            x,
            "  <domain type='test'><name>%s</name><memory>1024</memory><os><type>hvm</type></os>"
            "<metadata><vmlab:vm xmlns:vmlab='" VL_METADATA_NS "'><vmlab:lab>rdy</vmlab:lab>"
            "<vmlab:node>%s</vmlab:node><vmlab:role>%s</vmlab:role>"
            "<vmlab:ssh-port>%u</vmlab:ssh-port></vmlab:vm></metadata></domain>\n",
            name, name + 4, i <= n ? "router" : "iom", i == n ? banner_port : port);
    }
    g_string_append(x, "</node>\n");
    return g_string_free(x, FALSE);
}

/* `status` of a lab whose VMs' sshd says nothing probes them at once: about one probe's timeout,
 * not one per VM; the VM that answers is ready, the others are not; a running line card is. */
static void
test_status_parallel(void)
{
    g_autofree char *home = vl_test_mkdtemp();
    g_autofree char *dir = vl_test_mkdtemp();
    SshPorts ports;
    g_autofree char *xml = NULL;
    g_autofree char *path = g_build_filename(dir, "driver.xml", NULL);
    g_autofree char *uri = g_strdup_printf("test://%s", path);
    const char *const argv[] = {"status", "--lab", "rdy", "-c", uri, "--json", NULL};
    g_autofree char *out = NULL;
    g_autoptr(json_object) doc = NULL;
    json_object *vms = NULL;
    guint ready = 0;
    gint64 t0;
    double secs;

    ssh_ports_start(&ports);
    xml = status_driver_xml(SILENT_VMS, ports.silent_port, ports.banner_port);
    vl_test_write(dir, "driver.xml", xml);
    g_setenv("VMLAB_HOME", home, TRUE);
    t0 = g_get_monotonic_time();
    vl_test_run_expect(60, argv, 0, &out);
    secs = (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
    ssh_ports_stop(&ports);
    g_test_message("status of %d silent VMs, one that answers and a line card: %.2f s", SILENT_VMS,
                   secs);
    doc = json_tokener_parse(out);
    if (!doc || !json_object_object_get_ex(doc, "vms", &vms) ||
        json_object_array_length(vms) != SILENT_VMS + 2)
        vl_test_print_failure(argv, 0, out, NULL);
    g_assert_nonnull(vms);
    g_assert_cmpuint(json_object_array_length(vms), ==, SILENT_VMS + 2);
    for (size_t i = 0; i < json_object_array_length(vms); i++) {
        json_object *vm = json_object_array_get_idx(vms, i);
        json_object *d = NULL;
        json_object *r = NULL;
        g_assert_true(json_object_object_get_ex(vm, "domain", &d));
        g_assert_true(json_object_object_get_ex(vm, "ready", &r));
        g_assert_cmpint(json_object_get_boolean(r), ==,
                        g_str_equal(json_object_get_string(d), "rdy-banner") ||
                            g_str_equal(json_object_get_string(d), "rdy-iom"));
        ready += json_object_get_boolean(r);
    }
    g_assert_cmpuint(ready, ==, 2);
    /* in sequence, each silent VM costs its 1 s read timeout: >= 8 s */
    g_assert_cmpfloat(secs, <, SILENT_VMS / 2.0);
    vl_test_rmtree(home);
    vl_test_rmtree(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ready/rules/sros-iom-exempt", test_rules_sros_iom_exempt);
    g_test_add_func("/ready/rules/sros-spec", test_rules_sros_spec);
    g_test_add_func("/ready/rules/pattern", test_rules_pattern);
    g_test_add_func("/ready/rules/fallback-user", test_rules_fallback_user);
    g_test_add_func("/ready/rules/fallback-user-spec", test_rules_fallback_user_spec);
    g_test_add_func("/ready/rules/fallback-address", test_rules_fallback_address);
    g_test_add_func("/ready/probe/parallel", test_probe_parallel);
    g_test_add_func("/ready/probe/default-bound", test_probe_default_bound);
    g_test_add_func("/ready/probe/sros-iom", test_probe_sros_iom);
    g_test_add_func("/ready/probe/ssh-silent", test_probe_ssh_silent);
    g_test_add_func("/ready/status/parallel", test_status_parallel);
    return g_test_run();
}
