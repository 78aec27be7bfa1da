/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-ready.c - the readiness rules (who needs readiness, and how; the fallbacks) */
#include "vl-ready.h"
#include "vl-test-util.h"

#include "vl-diag.h"
#include "vl-error.h"

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
    g_autoptr(VlDiag) diag = vl_diag_new();
    g_autoptr(GError) err = NULL;
    g_autoptr(VlSpec) spec = vl_spec_load(dir, diag);
    guint ioms = 0;
    guint cpms = 0;

    vl_diag_to_error(diag, &err);
    g_assert_no_error(err);
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
    g_autoptr(VlDiag) diag = vl_diag_new();
    g_autoptr(GError) err = NULL;
    g_autoptr(VlSpec) spec = NULL;
    const VlVm *vm;

    vl_test_write(dir, "topology.json", "{\"name\": \"rdy\", \"devices\": {\"r1\": {}}}");
    vl_test_write(dir, "platforms.json", "{\"platforms\": {\"p\": {\"vm_image\": \"i.img\"}}}");
    vl_test_write(dir, "profiles/r1.json", "{\"platform\": \"p\"}");
    spec = vl_spec_load(dir, diag);
    vl_diag_to_error(diag, &err);
    g_assert_no_error(err);
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
    return g_test_run();
}
