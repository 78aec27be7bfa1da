/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-conn-retry.c - starting domains across a libvirtd restart: which errors mean the daemon
 * went away, one shared reconnect, the state read again (test:///default) */
#include "vl-conn-retry.h"
#include "vl-error.h"

#include <string.h>

static void
quiet(void *data, virErrorPtr err)
{
}

/* The failures that mean "the daemon went away", and some that do not. */
static void
test_lost_errors(void)
{
    static const struct {
        int code;
        int domain;
        const char *message;
        gboolean lost;
    } cases[] = {
        {VIR_ERR_NO_CONNECT, VIR_FROM_NONE, "no connection driver available", TRUE},
        {VIR_ERR_INTERNAL_ERROR, VIR_FROM_RPC, "internal error: client socket is closed", TRUE},
        {VIR_ERR_SYSTEM_ERROR, VIR_FROM_RPC, "End of file while reading data: Input/output error",
         TRUE},
        {VIR_ERR_SYSTEM_ERROR, VIR_FROM_REMOTE, "Cannot recv data: Connection reset by peer", TRUE},
        /* the daemon's own failures: asking again would not help */
        {VIR_ERR_SYSTEM_ERROR, VIR_FROM_QEMU, "Cannot access storage file '/x.qcow2'", FALSE},
        {VIR_ERR_INTERNAL_ERROR, VIR_FROM_QEMU, "internal error: process exited while connecting",
         FALSE},
        {VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN, "domain is already running", FALSE},
        {VIR_ERR_NO_DOMAIN, VIR_FROM_QEMU, "Domain not found", FALSE},
    };
    virConnectPtr conn = virConnectOpen("test:///default");

    g_assert_nonnull(conn);
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        virError e = {
            .code = cases[i].code, .domain = cases[i].domain, .message = (char *)cases[i].message};
        g_test_message("%s", cases[i].message);
        g_assert_cmpint(vl_conn_error_is_lost(conn, &e), ==, cases[i].lost);
        g_assert_cmpint(vl_conn_error_is_lost(NULL, &e), ==, cases[i].lost);
    }
    /* no error on a live connection: nothing lost */
    g_assert_false(vl_conn_error_is_lost(conn, NULL));
    virConnectClose(conn);
}

static virDomainPtr
define(virConnectPtr conn, const char *name)
{
    g_autofree char *xml = g_strdup_printf(
        "<domain type='test'><name>%s</name><memory>1024</memory><os><type>hvm</type></os>"
        "</domain>",
        name);
    virDomainPtr d = virDomainDefineXML(conn, xml);

    g_assert_nonnull(d);
    return d;
}

/* After a reconnect the state is read again: a VM the old daemon started is a success, not
 * started twice; one it did not start is started; a domain that is gone is a plain failure. */
static void
test_state_read_again(void)
{
    virConnectPtr before = virConnectOpen("test:///default"); /* the daemon that went away */
    virConnectPtr after = virConnectOpen("test:///default");  /* the new connection */
    virDomainPtr a = define(before, "rc-started-before");
    virDomainPtr b = define(before, "rc-not-started");
    g_autoptr(GError) err = NULL;
    gboolean issued = TRUE;

    /* libvirtd had started a before it went away */
    g_assert_cmpint(virDomainCreate(a), ==, 0);
    g_assert_cmpint(vl_conn_domain_start(after, "rc-started-before", &issued, &err), ==, 1);
    g_assert_no_error(err);
    g_assert_false(issued);
    g_assert_cmpint(virDomainIsActive(a), ==, 1);

    g_assert_cmpint(vl_conn_domain_start(after, "rc-not-started", &issued, &err), ==, 1);
    g_assert_no_error(err);
    g_assert_true(issued);
    g_assert_cmpint(virDomainIsActive(b), ==, 1);

    g_assert_cmpint(vl_conn_domain_start(after, "rc-gone", &issued, &err), ==, -1);
    g_assert_error(err, VL_ERROR, VL_ERROR_LIBVIRT);
    g_assert_nonnull(strstr(err->message, "rc-gone"));
    g_assert_false(issued);

    for (guint i = 0; i < 2; i++) {
        virDomainPtr d = i ? b : a;
        virDomainDestroy(d);
        virDomainUndefine(d);
        virDomainFree(d);
    }
    virConnectClose(after);
    virConnectClose(before);
}

/* One reconnect for all workers: the first reopens, the others get that connection; a second loss
 * fails. */
static void
test_reopen_once(void)
{
    virConnectPtr mine = virConnectOpen("test:///default");
    VlConnRetry h;
    g_autoptr(GError) err = NULL;
    virConnectPtr cur;
    virConnectPtr fresh;
    virConnectPtr other;
    char *uri;

    vl_conn_retry_init(&h, mine);
    cur = vl_conn_retry_get(&h);
    g_assert_true(cur == mine);
    fresh = vl_conn_retry_reopen(&h, cur, &err);
    g_assert_no_error(err);
    g_assert_nonnull(fresh);
    g_assert_true(fresh != mine);
    uri = virConnectGetURI(fresh);
    g_assert_cmpstr(uri, ==, "test:///default");
    free(uri);
    g_assert_cmpint(virConnectIsAlive(fresh), ==, 1);
    /* a worker that saw the old connection fail gets the new one */
    other = vl_conn_retry_reopen(&h, cur, &err);
    g_assert_no_error(err);
    g_assert_true(other == fresh);
    virConnectClose(other);
    /* the new connection lost too: no second reconnect */
    g_assert_null(vl_conn_retry_reopen(&h, fresh, &err));
    g_assert_error(err, VL_ERROR, VL_ERROR_LIBVIRT);
    g_assert_nonnull(strstr(err->message, "lost again"));
    virConnectClose(fresh);
    virConnectClose(cur);
    vl_conn_retry_clear(&h);
    /* the caller's connection is still the caller's */
    g_assert_cmpint(virConnectIsAlive(mine), ==, 1);
    virConnectClose(mine);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    virSetErrorFunc(NULL, quiet);
    g_test_add_func("/conn-retry/lost-errors", test_lost_errors);
    g_test_add_func("/conn-retry/state-read-again", test_state_read_again);
    g_test_add_func("/conn-retry/reopen-once", test_reopen_once);
    return g_test_run();
}
