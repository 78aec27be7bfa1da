/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-test-util.h - helpers shared by the g_test programs: temp folders and files, ports, running
 * the CLI */
#pragma once

#include <glib.h>

/* Return: (transfer full): a new empty temporary folder (removed by vl_test_rmtree()). */
char *vl_test_mkdtemp(void);

/* Writes @content to @dir/@rel, creating folders. */
void vl_test_write(const char *dir, const char *rel, const char *content);

/* Writes @len bytes (-1: a string) of @data to @path with @mode, creating folders; asserts. */
void vl_test_write_file(const char *path, const char *data, gssize len, int mode);

/* Return: (transfer full) (nullable): the content of @path, NULL if it cannot be read. */
char *vl_test_read_file(const char *path, gsize *len);

/* A GSpawnChildSetupFunc: the child gets SIGKILL when the test dies, even when it aborts. */
void vl_test_child_die_with_parent(gpointer data);

/* Return: a free TCP port on 127.0.0.1 (nobody listens there right after). */
guint16 vl_test_free_port(void);

/* Copies the files @files (paths relative to @src, NULL-terminated) into @dst, creating folders. */
void vl_test_copy_files(const char *src, const char *dst, const char *const *files);

/* Removes @dir and everything below it (also read-only folders), never following symlinks. */
void vl_test_rmtree(const char *dir);

/* Return: an absolute path below the source tree's tests/ folder (or the repo root with ".."). */
char *vl_test_srcpath(const char *rel);

/**
 * vl_test_golden_check:
 * @rel: the golden file, relative to tests/ (e.g. "data/graph/fabric.dot")
 * @out: what the code under test made
 *
 * Asserts that @out equals the golden file; with VMLAB_TEST_REGENERATE=1, writes @out there
 * instead (folders created), for review of the diff.
 */
void vl_test_golden_check(const char *rel, const char *out);

/**
 * vl_test_run:
 * @argv: NULL-terminated arguments after the binary, e.g. {"validate", dir, NULL}
 * @out: (out) (optional): stdout
 * @err: (out) (optional): stderr
 *
 * Runs the vmlab-virt binary under test ($VMLAB_BIN), bounded to 60 s.
 * Return: its exit status.
 */
int vl_test_run(const char *const *argv, char **out, char **err);

/* As vl_test_run(), bounded to @seconds. */
int vl_test_run_timeout(guint seconds, const char *const *argv, char **out, char **err);

/**
 * vl_test_run_expect:
 * @seconds: the bound
 * @argv: as for vl_test_run()
 * @expected: the exit status the command must end with
 * @out: (out) (optional): stdout
 *
 * Runs the binary under test and asserts its exit status. On a mismatch it first prints, on
 * stderr (which meson shows for a failing test), the command line, the status and both outputs.
 */
void vl_test_run_expect(guint seconds, const char *const *argv, int expected, char **out);

/* Prints @argv, @status, @out and @err on stderr: what a failing command did. */
void vl_test_print_failure(const char *const *argv, int status, const char *out, const char *err);
