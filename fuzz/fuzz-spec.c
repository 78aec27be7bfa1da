/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-spec.c - libFuzzer target: the spec loader on topology, platforms and profile documents */
#include "vl-diag.h"
#include "vl-spec.h"

#include <glib/gstdio.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * The input is up to three documents separated by NUL bytes: topology.json, platforms.json and
 * profiles/r1.json, written into one spec folder (made once per process) and loaded as `validate`
 * loads a spec. Loading must end in a spec or in diagnostics, never in a crash or a leak.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *fuzz_dir;

static void
fuzz_write(const char *rel, const uint8_t *data, size_t len)
{
    g_autofree char *path = g_build_filename(fuzz_dir, rel, NULL);

    if (!g_file_set_contents(path, (const char *)data, (gssize)len, NULL))
        g_error("cannot write %s", path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"topology.json", "platforms.json", "profiles/r1.json"};
    size_t start = 0;
    guint doc = 0;

    if (!fuzz_dir) {
        g_autofree char *profiles = NULL;
        fuzz_dir = g_dir_make_tmp("vmlab-fuzz-spec-XXXXXX", NULL);
        profiles = g_build_filename(fuzz_dir, "profiles", NULL);
        g_mkdir(profiles, 0700);
    }
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *path = g_build_filename(fuzz_dir, names[i], NULL);
        g_unlink(path);
    }
    for (size_t i = 0; i <= size && doc < G_N_ELEMENTS(names); i++) {
        if (i == size || data[i] == '\0') {
            fuzz_write(names[doc++], data + start, i - start);
            start = i + 1;
        }
    }
    {
        g_autoptr(VlDiag) diag = vl_diag_new();
        g_autoptr(VlSpec) spec = vl_spec_load(fuzz_dir, diag);
        (void)spec;
    }
    return 0;
}
