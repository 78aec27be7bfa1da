/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* upload-run.c - bench/upload's vmlab-virt side: one image upload, timed */
#include "vl-image-upload.h"

#include <stdio.h>

/*
 * Usage: upload-run URI FILE
 * Hashes FILE (into $VMLAB_HOME's hash cache), then uploads it into URI's vmlab-images pool as
 * `up` does for a remote host. Prints "HASH_SECONDS UPLOAD_SECONDS VOLUME_PATH".
 */
int
main(int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(virConnect) conn = NULL;
    g_autofree char *hex = NULL;
    g_autofree char *path = NULL;
    gint64 t0, t1, t2;

    if (argc != 3) {
        fprintf(stderr, "usage: %s URI FILE\n", argv[0]);
        return 2;
    }
    conn = vl_conn_open(argv[1], &err);
    t0 = g_get_monotonic_time();
    hex = conn ? vl_image_upload_hash(argv[2], &err) : NULL;
    t1 = g_get_monotonic_time();
    if (!hex || !vl_image_upload_ensure(conn, argv[2], NULL, NULL, &path, &err)) {
        fprintf(stderr, "upload-run: %s\n", err->message);
        return 1;
    }
    t2 = g_get_monotonic_time();
    printf("%.3f %.3f %s\n", (double)(t1 - t0) / G_USEC_PER_SEC, (double)(t2 - t1) / G_USEC_PER_SEC,
           path);
    return 0;
}
