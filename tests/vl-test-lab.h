/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-test-lab.h - the fixture of the lab tests on libvirt's test driver (links virt) */
#pragma once

#include "vl-lab.h"

typedef struct {
    char *home;    /* VMLAB_HOME */
    char *specdir; /* a copy of specs/example */
    virConnectPtr conn;
    VlRenderer *r;
} VlTestLab;

/* g_test fixture: a fresh VMLAB_HOME, a copy of specs/example, test:///default, a qemu renderer */
void vl_test_lab_setup(VlTestLab *f, gconstpointer data);
/* Removes the test driver's vmlab domains and both folders. */
void vl_test_lab_teardown(VlTestLab *f, gconstpointer data);

/* Runs up on the fixture's spec. Return: the reports; @ok set to vl_lab_up's result. */
GPtrArray *vl_test_lab_up(VlTestLab *f, gboolean *ok, GError **error);

/* Return: (transfer none): @name's report in @reports (the test fails without one). */
const VlVmReport *vl_test_lab_report(GPtrArray *reports, const char *name);

/* Return: (transfer full): the UUID of the test driver's domain @name. */
char *vl_test_lab_uuid(virConnectPtr conn, const char *name);
