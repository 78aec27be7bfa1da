/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-test-xslt.h - the SR OS stylesheet tests' helpers: parse, transform, compare, check with
 * libvirt */
#pragma once

#include <glib.h>
#include <libxml/tree.h>
#include <libxslt/xsltInternals.h>

#define VL_TEST_XSLT_CPM_DISK    "/var/lib/vmlab/labs/sros/vsim-2-a/disk.img"
#define VL_TEST_XSLT_IOM_OVERLAY "/var/lib/vmlab/labs/sros/vsim-2-1/disk.qcow2"
#define VL_TEST_XSLT_IOM_BASE    "/var/lib/vmlab/images/sros/disk_0.img"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xsltStylesheet, xsltFreeStylesheet)

/* The disk layout a stylesheet makes: the CPM's raw disk or the IOM's qcow2 overlay. */
typedef enum { VL_TEST_XSLT_CPM, VL_TEST_XSLT_IOM } VlTestXsltLayout;

/* The string parameters of sros-cpm-disk.xsl and sros-iom-disk.xsl (NULL-terminated pairs). */
extern const char *vl_test_xslt_cpm_params[];
extern const char *vl_test_xslt_iom_params[];

/* After g_test_init(): libxml2, libxslt and libvirt messages are collected instead of printed. */
void vl_test_xslt_init(void);

/* Frees what vl_test_xslt_init() and the libraries hold. */
void vl_test_xslt_cleanup(void);

/* Return: (transfer full): the path of @name in tests/data/sros-xslt. */
char *vl_test_xslt_data_path(const char *name);

/* Return: (transfer full): the path of the installed (or source tree's) stylesheet @name. */
char *vl_test_xslt_stylesheet_path(const char *name);

/* Return: (transfer full): @path parsed (no network, CDATA as text); aborts if it cannot be. */
xmlDoc *vl_test_xslt_parse_file(const char *path);

/* Return: (transfer full): @text parsed, as vl_test_xslt_parse_file(). */
xmlDoc *vl_test_xslt_parse_string(const char *text);

/* Return: (transfer full): the stylesheet @name, compiled; aborts if it cannot be. */
xsltStylesheet *vl_test_xslt_load(const char *name);

/* Applies @style to @doc in-process, writes and network forbidden (see the .c file).
 * Return: (transfer full) (nullable): the output text, NULL if the transform failed or stopped. */
char *vl_test_xslt_apply(xsltStylesheet *style, xmlDoc *doc, const char **params,
                         char **out_messages);

/* Return: (transfer none): the first <disk> with device 'disk' (or none) under /domain/devices. */
xmlNode *vl_test_xslt_first_disk(xmlDoc *doc);

/* Return: (transfer none): the @index-th (0-based) child element of @parent named @name. */
xmlNode *vl_test_xslt_nth_child(xmlNode *parent, const char *name, guint index);

/* Compares @a and @b structurally, leaving out @skip_a / @skip_b (see the .c file).
 * Return: TRUE if equal; else @where says what differs. */
gboolean vl_test_xslt_compare_nodes(xmlNode *a, xmlNode *b, gboolean keep_blanks, xmlNode *skip_a,
                                    xmlNode *skip_b, GString *where);

/* Return: error text if @doc does not validate against libvirt's domain schema, else NULL. */
char *vl_test_xslt_rng_problems(xmlDoc *doc);

/* Defines @xml on libvirt's test driver. Return: (transfer full) (nullable): its XML read back,
 * NULL if it was refused (@out_error says why). */
char *vl_test_xslt_define_on_test_driver(const char *xml, char **out_error);

/* The checks every successful transform must pass (see the .c file). */
void vl_test_xslt_check_output(xmlDoc *input, const char *output_text, xmlNode *expected_disk,
                               VlTestXsltLayout layout);
