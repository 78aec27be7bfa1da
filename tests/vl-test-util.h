/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-test-util.h - helpers shared by the g_test programs: temp spec folders, running the CLI */
#pragma once

#include <glib.h>

/* Return: (transfer full): a new empty temporary folder (removed by vl_test_rmtree()). */
char *vl_test_mkdtemp(void);

/* Writes @content to @dir/@rel, creating folders. */
void vl_test_write(const char *dir, const char *rel, const char *content);

/* Copies the files @files (paths relative to @src, NULL-terminated) into @dst, creating folders. */
void vl_test_copy_files(const char *src, const char *dst, const char *const *files);

/* Removes @dir and everything below it. */
void vl_test_rmtree(const char *dir);

/* Return: an absolute path below the source tree's tests/ folder (or the repo root with ".."). */
char *vl_test_srcpath(const char *rel);

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
