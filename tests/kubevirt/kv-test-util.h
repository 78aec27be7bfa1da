/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kv-test-util.h - helpers of the KubeVirt tests: exports, goldens, the manifest checker, the hook
 */
#pragma once

#include "vl-test-util.h"

/**
 * kv_test_export:
 * @spec: the spec folder, relative to tests/
 * @namespace: (nullable): --namespace
 * @extra: (nullable): more arguments, NULL-terminated
 *
 * Runs `kubevirt export` into a new temporary folder (asserting exit 0).
 * Return: (transfer full): the output folder TMP/out (remove TMP with kv_test_export_remove()).
 */
char *kv_test_export(const char *spec, const char *namespace, const char *const *extra);
/* Removes the temporary folder of an export made by kv_test_export(). */
void kv_test_export_remove(const char *out);

/* Compares every file of @out with tests/@golden (or rewrites them with VMLAB_TEST_REGENERATE=1);
 * asserts the golden folder has no stale file. */
void kv_test_golden_compare(const char *out, const char *golden);

/* Runs @argv (found in $PATH). Return: its exit status (128 when killed). */
int kv_test_run_tool(const char *const *argv, char **out, char **err_out);
/* As kv_test_run_tool(), printing the failure when the status is not 0. */
int kv_test_run_checked(const char *const *argv, char **out);

/* Return: TRUE if tests/data/kubevirt-schemas is there; else skips the test and returns FALSE. */
gboolean kv_test_schemas_available(void);
/* Return: the exit status of check-manifests.py on @dir (0 valid, 1 findings, 77 skip). */
int kv_test_check_manifests(const char *dir, char **out);
/* Asserts check-manifests.py finds @dir valid (or skips the test when it cannot run). */
void kv_test_assert_manifests_valid(const char *dir);

/* Return: (transfer full): a VMI JSON named @name, as virt-launcher passes it. */
char *kv_test_vmi_json(const char *name);
/* Return: (transfer full): the content of tests/@rel (asserted). */
char *kv_test_read_data(const char *rel);

/**
 * kv_test_hook_run:
 * @dir: where the link named onDefineDomain goes
 *
 * Runs the hook as sidecar-shim does, through that link, with @vmi and @xml.
 * Return: its exit status; *@usec how long it took (optional).
 */
int kv_test_hook_run(const char *dir, const char *vmi, const char *xml, char **out, char **err,
                     gint64 *usec);

/* Runs the hook three times, as KubeVirt does per boot, asserting each call succeeds in under
 * 2 s with only XML on stdout. Return: the proxy's pid from @pid_file after the first call,
 * asserting the later calls left it (0 when @pid_file is NULL). */
guint64 kv_test_hook_run_thrice(const char *dir, const char *vmi, const char *xml,
                                const char *pid_file);

/* Stops the proxy a hook started (SIGTERM, bounded wait); also done on SIGABRT once set. */
void kv_test_proxy_watch(guint64 pid);
void kv_test_proxy_stop(void);

/* Asserts the proxy on @listen serves /i386-iom.tim ("TiMOS IOM image\n") to the router's login
 * sw/sw123 and stores an upload to /config/pe1.cfg at @saved_path (its folder made on demand).
 * @dir holds the file uploaded. */
void kv_test_assert_router_ftp(const char *listen, const char *dir, const char *saved_path);
