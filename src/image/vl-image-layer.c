/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-image-layer.c - containerDisk layers: find the one disk file, extract it sparse, build one */
#include "vl-image-layer.h"

#include "vl-error.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define VL_LAYER_BLOCK 4096
#define VL_LAYER_CHUNK (1024 * 1024)

gboolean
vl_image_disk_name_is_valid(const char *name)
{
    if (!name || !*name || g_str_equal(name, ".") || g_str_equal(name, "..") || strlen(name) > 255)
        return FALSE;
    for (const char *p = name; *p; p++) {
        if (*p == '/' || *p == '\\' || g_ascii_iscntrl(*p))
            return FALSE;
    }
    return TRUE;
}

typedef struct {
    guint layer;
    char type; /* tar -tv's first column: '-' file, 'd' folder, 'l' symlink, 'h' hard link... */
    guint64 size;
    char *member; /* the name as the tar holds it */
} VlLayerEntry;

static void
vl_layer_entry_free(VlLayerEntry *e)
{
    g_free(e->member);
    g_free(e);
}

/* "./disk/x" and "/disk/x" are "disk/x"; folders lose their trailing '/'. */
static char *
vl_layer_normalize(const char *name)
{
    g_autofree char *n = NULL;

    while (g_str_has_prefix(name, "./"))
        name += 2;
    while (*name == '/')
        name++;
    n = g_strdup(name);
    while (*n && g_str_has_suffix(n, "/"))
        n[strlen(n) - 1] = '\0';
    return g_steal_pointer(&n);
}

/* Applies one layer's listing to @tree (normalized path -> VlLayerEntry), whiteouts included. */
static gboolean
vl_layer_apply(GHashTable *tree, guint layer, const char *listing, GError **error)
{
    g_autoptr(GRegex) re = g_regex_new("^(.)\\S*\\s+\\S+\\s+(\\S+)\\s+\\S+\\s+\\S+\\s+(.*)$",
                                       G_REGEX_DEFAULT, G_REGEX_MATCH_DEFAULT, NULL);
    g_auto(GStrv) lines = g_strsplit(listing, "\n", -1);

    for (guint i = 0; lines[i]; i++) {
        g_autoptr(GMatchInfo) m = NULL;
        g_autofree char *type = NULL;
        g_autofree char *size = NULL;
        g_autofree char *name = NULL;
        g_autofree char *norm = NULL;
        g_autofree char *base = NULL;
        g_autofree char *dir = NULL;
        VlLayerEntry *e;

        if (!*lines[i])
            continue;
        if (!g_regex_match(re, lines[i], 0, &m)) {
            g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                        "cannot read the layer listing line '%s'", lines[i]);
            return FALSE;
        }
        type = g_match_info_fetch(m, 1);
        size = g_match_info_fetch(m, 2);
        name = g_match_info_fetch(m, 3);
        if (type[0] == 'l' && strstr(name, " -> "))
            *strstr(name, " -> ") = '\0';
        if (type[0] == 'h' && strstr(name, " link to "))
            *strstr(name, " link to ") = '\0';
        norm = vl_layer_normalize(name);
        base = g_path_get_basename(norm);
        dir = g_path_get_dirname(norm);
        if (g_str_equal(base, ".wh..wh..opq") || g_str_has_prefix(base, ".wh.")) {
            /* A whiteout hides what lower layers had: one name, or a whole folder's content. */
            gboolean opaque = g_str_equal(base, ".wh..wh..opq");
            g_autofree char *hidden = opaque ? g_strdup_printf("%s/", dir)
                                             : g_build_filename(dir, base + strlen(".wh."), NULL);
            g_autofree char *prefix = opaque ? NULL : g_strdup_printf("%s/", hidden);
            GHashTableIter it;
            gpointer key;

            g_hash_table_iter_init(&it, tree);
            while (g_hash_table_iter_next(&it, &key, NULL)) {
                if (opaque ? g_str_has_prefix(key, hidden)
                           : (g_str_equal(key, hidden) || g_str_has_prefix(key, prefix)))
                    g_hash_table_iter_remove(&it);
            }
            continue;
        }
        e = g_new0(VlLayerEntry, 1);
        e->layer = layer;
        e->type = type[0];
        e->size = g_ascii_strtoull(size, NULL, 10);
        e->member = g_steal_pointer(&name);
        g_hash_table_replace(tree, g_steal_pointer(&norm), e);
    }
    return TRUE;
}

gboolean
vl_image_layers_find_disk(GPtrArray *blobs, const char *ref, guint *layer, char **member,
                          char **file, guint64 *size, GError **error)
{
    g_autoptr(GHashTable) tree =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)vl_layer_entry_free);
    g_autoptr(GPtrArray) files = g_ptr_array_new();
    g_autoptr(GPtrArray) others = g_ptr_array_new();
    g_autoptr(GList) keys = NULL;
    const VlLayerEntry *disk = NULL;
    g_autofree char *found = NULL;

    for (guint i = 0; i < blobs->len; i++) {
        const char *argv[] = {"tar",  "--numeric-owner",           "--quoting-style=escape",
                              "-tvf", g_ptr_array_index(blobs, i), NULL};
        g_autofree char *listing = NULL;
        g_autoptr(GError) err = NULL;

        if (!vl_proc_run(argv, NULL, &listing, &err) || !vl_layer_apply(tree, i, listing, &err)) {
            g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                        "%s: layer %u is not a readable tar archive: %s", ref, i + 1, err->message);
            return FALSE;
        }
    }
    keys = g_list_sort(g_hash_table_get_keys(tree), (GCompareFunc)g_strcmp0);
    for (GList *l = keys; l; l = l->next) {
        const VlLayerEntry *e = g_hash_table_lookup(tree, l->data);

        if (!g_str_has_prefix(l->data, "disk/") || e->type == 'd')
            continue;
        if (e->type == '-' && !strchr((const char *)l->data + 5, '/')) {
            g_ptr_array_add(files, l->data);
            disk = e;
        } else {
            g_ptr_array_add(others, l->data);
        }
    }
    if (files->len != 1 || others->len) {
        g_autoptr(GString) what = g_string_new(NULL);
        for (guint i = 0; i < files->len; i++)
            g_string_append_printf(what, "%s/%s (file)", what->len ? ", " : "",
                                   (const char *)g_ptr_array_index(files, i));
        for (guint i = 0; i < others->len; i++) {
            const VlLayerEntry *e = g_hash_table_lookup(tree, g_ptr_array_index(others, i));
            g_string_append_printf(what, "%s/%s (%s)", what->len ? ", " : "",
                                   (const char *)g_ptr_array_index(others, i),
                                   e->type == 'l'   ? "symlink"
                                   : e->type == 'h' ? "hard link"
                                   : e->type == '-' ? "file in a subfolder"
                                                    : "special file");
        }
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "%s: not a containerDisk image: it must hold exactly one regular file under "
                    "/disk/, found %s",
                    ref, what->len ? what->str : "nothing there");
        return FALSE;
    }
    found = g_strdup((const char *)g_ptr_array_index(files, 0) + strlen("disk/"));
    if (!vl_image_disk_name_is_valid(found) || strchr(disk->member, '\\')) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "%s: the disk's file name '%s' is not a plain file name", ref, disk->member);
        return FALSE;
    }
    *layer = disk->layer;
    *member = g_strdup(disk->member);
    *file = g_steal_pointer(&found);
    *size = disk->size;
    return TRUE;
}

static gboolean
vl_layer_is_zero(const guint8 *p, gsize n)
{
    return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* Writes @buf at @off, leaving holes for whole zero blocks. */
static gboolean
vl_layer_write_sparse(int fd, const guint8 *buf, gsize len, guint64 off)
{
    gsize i = 0;

    while (i < len) {
        gsize n = MIN(VL_LAYER_BLOCK, len - i);
        gsize run = 0;

        if (vl_layer_is_zero(buf + i, n)) {
            i += n;
            continue;
        }
        while (i + run < len) {
            gsize m = MIN(VL_LAYER_BLOCK, len - i - run);
            if (vl_layer_is_zero(buf + i + run, m))
                break;
            run += m;
        }
        for (gsize done = 0; done < run;) {
            ssize_t w = pwrite(fd, buf + i + done, run - done, (off_t)(off + i + done));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                return FALSE;
            done += (gsize)w;
        }
        i += run;
    }
    return TRUE;
}

gboolean
vl_image_layer_extract(const char *blob, const char *member, const char *dest, guint64 size,
                       VlProcInterrupt *pi, GError **error)
{
    const char *argv[] = {"tar", "-xOf", blob, "--", member, NULL};
    g_autoptr(GSubprocess) proc = vl_proc_spawn_stdout(argv, error);
    g_autofree guint8 *buf = g_malloc(VL_LAYER_CHUNK);
    GInputStream *in;
    guint64 off = 0;
    int fd;

    if (!proc)
        return FALSE;
    in = g_subprocess_get_stdout_pipe(proc);
    fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        g_subprocess_force_exit(proc);
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot create: %s", dest, g_strerror(e));
        return FALSE;
    }
    for (;;) {
        gsize got = 0;
        g_autoptr(GError) err = NULL;

        if (pi && !vl_proc_interrupt_check(pi, error))
            goto fail;
        if (!g_input_stream_read_all(in, buf, VL_LAYER_CHUNK, &got, NULL, &err)) {
            g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot read the layer: %s", blob,
                        err->message);
            goto fail;
        }
        if (got == 0)
            break;
        if (!vl_layer_write_sparse(fd, buf, got, off)) {
            int e = errno;
            g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot write: %s", dest, g_strerror(e));
            goto fail;
        }
        off += got;
    }
    if (!vl_proc_finish(proc, argv, NULL, error))
        goto fail_closed_proc;
    if (off != size) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "%s: the disk is %" G_GUINT64_FORMAT
                    " bytes, the listing said %" G_GUINT64_FORMAT,
                    member, off, size);
        goto fail_closed_proc;
    }
    if (ftruncate(fd, (off_t)off) < 0 || close(fd) < 0) {
        int e = errno;
        fd = -1;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot write: %s", dest, g_strerror(e));
        g_unlink(dest);
        return FALSE;
    }
    return TRUE;

fail:
    g_subprocess_force_exit(proc);
    g_subprocess_wait(proc, NULL, NULL);
fail_closed_proc:
    if (fd >= 0)
        close(fd);
    g_unlink(dest);
    return FALSE;
}

static char *
vl_layer_digest(GChecksum *sum)
{
    return g_strdup_printf("sha256:%s", g_checksum_get_string(sum));
}

/* Compresses what @in yields into @fd as gzip, hashing both sides. */
static gboolean
vl_layer_gzip(GInputStream *in, int fd, GChecksum *raw, GChecksum *gz, guint64 *size,
              GError **error)
{
    g_autoptr(GZlibCompressor) z = g_zlib_compressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
    g_autofree guint8 *ibuf = g_malloc(VL_LAYER_CHUNK);
    g_autofree guint8 *obuf = g_malloc(VL_LAYER_CHUNK);
    gboolean at_end = FALSE;

    *size = 0;
    while (!at_end) {
        gsize got = 0;
        gsize pos = 0;

        if (!g_input_stream_read_all(in, ibuf, VL_LAYER_CHUNK, &got, NULL, error))
            return FALSE;
        at_end = got < VL_LAYER_CHUNK;
        g_checksum_update(raw, ibuf, got);
        for (;;) {
            gsize nread = 0;
            gsize nwritten = 0;
            GConverterResult r = g_converter_convert(
                G_CONVERTER(z), ibuf + pos, got - pos, obuf, VL_LAYER_CHUNK,
                at_end ? G_CONVERTER_INPUT_AT_END : G_CONVERTER_NO_FLAGS, &nread, &nwritten, error);

            if (r == G_CONVERTER_ERROR)
                return FALSE;
            pos += nread;
            g_checksum_update(gz, obuf, nwritten);
            for (gsize done = 0; done < nwritten;) {
                ssize_t w = write(fd, obuf + done, nwritten - done);
                if (w < 0 && errno == EINTR)
                    continue;
                if (w <= 0) {
                    int e = errno;
                    g_set_error(error, VL_ERROR, VL_ERROR_IO, "cannot write the layer: %s",
                                g_strerror(e));
                    return FALSE;
                }
                done += (gsize)w;
            }
            *size += nwritten;
            /* More input is needed, or (at the end) the gzip trailer is out. */
            if (r == G_CONVERTER_FINISHED || (!at_end && pos == got))
                break;
        }
    }
    return TRUE;
}

gboolean
vl_image_layer_build(const char *file, const char *layer, char **digest, char **diff_id,
                     guint64 *size, GError **error)
{
    g_autofree char *abs = g_canonicalize_filename(file, NULL);
    g_autofree char *name = g_path_get_basename(abs);
    g_autofree char *layer_dir = g_path_get_dirname(layer);
    g_autofree char *stage = g_build_filename(layer_dir, "stage", NULL);
    g_autofree char *disk_dir = g_build_filename(stage, "disk", NULL);
    g_autofree char *link = g_build_filename(disk_dir, name, NULL);
    /* The folder gets 0551 and the (non-executable) disk 0440, both owned by 107:107. */
    const char *argv[] = {"tar",
                          "-c",
                          "-f",
                          "-",
                          "-h",
                          "--format=gnu",
                          "--numeric-owner",
                          "--owner=107",
                          "--group=107",
                          "--mode=u=rX,g=rX,o=X",
                          "--mtime=@0",
                          "--sort=name",
                          "-C",
                          stage,
                          "disk",
                          NULL};
    g_autoptr(GSubprocess) proc = NULL;
    g_autoptr(GChecksum) raw = g_checksum_new(G_CHECKSUM_SHA256);
    g_autoptr(GChecksum) gz = g_checksum_new(G_CHECKSUM_SHA256);
    GStatBuf st;
    int fd;
    gboolean ok;

    if (!vl_image_disk_name_is_valid(name)) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "%s: not a plain file name", file);
        return FALSE;
    }
    if (g_stat(abs, &st) < 0 || !S_ISREG(st.st_mode)) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID, "%s: not a regular file", file);
        return FALSE;
    }
    if (st.st_mode & 0111) {
        g_set_error(error, VL_ERROR, VL_ERROR_INVALID,
                    "%s: is executable; a containerDisk's disk is mode 0440 (chmod a-x it first)",
                    file);
        return FALSE;
    }
    if (g_mkdir_with_parents(disk_dir, 0755) < 0 || symlink(abs, link) < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot stage: %s", disk_dir, g_strerror(e));
        return FALSE;
    }
    fd = open(layer, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot create: %s", layer, g_strerror(e));
        return FALSE;
    }
    proc = vl_proc_spawn_stdout(argv, error);
    ok = proc && vl_layer_gzip(g_subprocess_get_stdout_pipe(proc), fd, raw, gz, size, error);
    if (proc && !ok) {
        g_subprocess_force_exit(proc);
        g_subprocess_wait(proc, NULL, NULL);
    } else if (proc) {
        ok = vl_proc_finish(proc, argv, NULL, error);
    }
    if (close(fd) < 0 && ok) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot write: %s", layer, g_strerror(e));
        ok = FALSE;
    }
    g_unlink(link);
    g_rmdir(disk_dir);
    g_rmdir(stage);
    if (!ok)
        return FALSE;
    *digest = vl_layer_digest(gz);
    *diff_id = vl_layer_digest(raw);
    return TRUE;
}
