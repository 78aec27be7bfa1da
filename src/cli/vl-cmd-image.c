/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-cmd-image.c - `image pull|push|list|rm|prune`: the store of containerDisk registry images */
#include "vl-cli.h"

#include "vl-error.h"
#include "vl-image.h"
#include "vl-json.h"

#include <string.h>

static gboolean
vl_cmd_image_insecure(char **insecure, const VlOciRef *ref)
{
    for (guint i = 0; insecure && insecure[i]; i++) {
        if (g_str_equal(insecure[i], ref->registry))
            return TRUE;
    }
    return FALSE;
}

/* A bad reference on the command line is a usage error (exit 2) that names the command. */
static VlOciRef *
vl_cmd_image_ref(const char *text, GError **error)
{
    g_autoptr(GError) err = NULL;
    VlOciRef *ref = vl_oci_ref_parse(text, &err);

    if (!ref)
        g_set_error_literal(error, VL_ERROR, VL_ERROR_USAGE, err->message);
    return ref;
}

static void
vl_cmd_image_progress(guint64 bytes, double seconds, gboolean done, gpointer data)
{
    double mb = (double)bytes / 1e6;
    double rate = seconds > 0 ? mb / seconds : 0;

    g_print("\r  %s %8.1f MB in %5.1f s (%6.1f MB/s)%s", (const char *)data, mb, seconds, rate,
            done ? "\n" : "");
}

static char *
vl_cmd_image_size(guint64 bytes)
{
    return g_format_size_full(bytes, G_FORMAT_SIZE_IEC_UNITS);
}

static gboolean
vl_cmd_image_pull(int argc, char **argv, char **insecure, GError **error)
{
    g_autoptr(VlOciRef) ref = NULL;
    g_autoptr(VlImage) img = NULL;
    g_autofree char *name = NULL;
    g_autofree char *vsize = NULL;
    g_autofree char *asize = NULL;

    if (argc != 2) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE,
                    "usage: vmlab-virt image pull oci://HOST[:PORT]/REPO[:TAG|@DIGEST]");
        return FALSE;
    }
    if (!(ref = vl_cmd_image_ref(argv[1], error)))
        return FALSE;
    name = vl_oci_ref_to_string(ref);
    img = vl_image_pull(ref, NULL, vl_cmd_image_insecure(insecure, ref), vl_cmd_image_progress,
                        (gpointer) "pulled", error);
    if (!img)
        return FALSE;
    vsize = vl_cmd_image_size(img->virtual_size);
    asize = vl_cmd_image_size(img->actual_size);
    g_print("%s: %s\n  %s (%s, %s virtual, %s on disk)\n", name, img->digest, img->path,
            img->format, vsize, asize);
    return TRUE;
}

static gboolean
vl_cmd_image_push(int argc, char **argv, char **insecure, GError **error)
{
    g_autoptr(VlOciRef) ref = NULL;
    g_autofree char *digest = NULL;
    g_autofree char *name = NULL;
    g_autoptr(GTimer) timer = g_timer_new();

    if (argc != 3) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE,
                    "usage: vmlab-virt image push FILE oci://HOST[:PORT]/REPO:TAG");
        return FALSE;
    }
    if (!(ref = vl_cmd_image_ref(argv[2], error)))
        return FALSE;
    name = vl_oci_ref_to_string(ref);
    if (!vl_image_push(argv[1], ref, vl_cmd_image_insecure(insecure, ref), &digest, error))
        return FALSE;
    g_print("%s: pushed %s as %s in %.1f s\n", argv[1], name, digest, g_timer_elapsed(timer, NULL));
    return TRUE;
}

static json_object *
vl_cmd_image_to_json(const VlImage *img, GPtrArray *labs)
{
    json_object *o = json_object_new_object();
    json_object *refs = json_object_new_array();
    json_object *users = json_object_new_array();

    for (guint i = 0; i < img->refs->len; i++)
        json_object_array_add(refs, json_object_new_string(g_ptr_array_index(img->refs, i)));
    for (guint i = 0; labs && i < labs->len; i++)
        json_object_array_add(users, json_object_new_string(g_ptr_array_index(labs, i)));
    json_object_object_add(o, "refs", refs);
    json_object_object_add(o, "digest", json_object_new_string(img->digest));
    json_object_object_add(o, "file", json_object_new_string(img->file));
    json_object_object_add(o, "path", json_object_new_string(img->path));
    json_object_object_add(o, "format", json_object_new_string(img->format ? img->format : ""));
    json_object_object_add(o, "virtual_size", json_object_new_int64((int64_t)img->virtual_size));
    json_object_object_add(o, "actual_size", json_object_new_int64((int64_t)img->actual_size));
    json_object_object_add(o, "labs", users);
    json_object_object_add(o, "pulled", json_object_new_string(img->pulled ? img->pulled : ""));
    return o;
}

static gboolean
vl_cmd_image_list(gboolean json, GError **error)
{
    g_autoptr(GPtrArray) images = vl_image_store_list(error);
    g_autoptr(GHashTable) users = vl_image_store_users();

    if (!images)
        return FALSE;
    if (json) {
        g_autoptr(json_object) arr = json_object_new_array();
        for (guint i = 0; i < images->len; i++) {
            const VlImage *img = g_ptr_array_index(images, i);
            json_object_array_add(
                arr, vl_cmd_image_to_json(img, g_hash_table_lookup(users, img->digest)));
        }
        g_print("%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY |
                                                                JSON_C_TO_STRING_NOSLASHESCAPE));
        return TRUE;
    }
    g_print("%-48s %-19s %-6s %9s %9s %s\n", "REFERENCE", "DIGEST", "FORMAT", "VIRTUAL", "ON-DISK",
            "LABS");
    for (guint i = 0; i < images->len; i++) {
        const VlImage *img = g_ptr_array_index(images, i);
        GPtrArray *labs = g_hash_table_lookup(users, img->digest);
        g_autofree char *vsize = vl_cmd_image_size(img->virtual_size);
        g_autofree char *asize = vl_cmd_image_size(img->actual_size);
        g_autofree char *short_digest = g_strndup(img->digest, 19);
        g_autofree char *lab_list = NULL;

        if (labs) {
            g_ptr_array_add(labs, NULL);
            lab_list = g_strjoinv(",", (char **)labs->pdata);
            g_ptr_array_remove_index(labs, labs->len - 1);
        }
        g_print("%-48s %-19s %-6s %9s %9s %s\n",
                img->refs->len ? (const char *)g_ptr_array_index(img->refs, 0) : "-", short_digest,
                img->format, vsize, asize, lab_list ? lab_list : "-");
        for (guint j = 1; j < img->refs->len; j++)
            g_print("%-48s\n", (const char *)g_ptr_array_index(img->refs, j));
    }
    return TRUE;
}

/* Return: (transfer full): the digest @what names: a digest, or a reference the store knows. */
static char *
vl_cmd_image_find(const char *what, GError **error)
{
    g_autoptr(VlOciRef) ref = NULL;
    g_autofree char *name = NULL;
    char *digest;

    if (vl_oci_digest_is_valid(what))
        return g_strdup(what);
    if (!(ref = vl_cmd_image_ref(what, error)))
        return NULL;
    if (ref->digest)
        return g_strdup(ref->digest);
    name = vl_oci_ref_to_string(ref);
    digest = vl_image_store_ref_digest(name);
    if (!digest)
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE, "%s: not in the image store", name);
    return digest;
}

static gboolean
vl_cmd_image_rm(int argc, char **argv, gboolean force, GError **error)
{
    g_autoptr(GHashTable) users = vl_image_store_users();
    g_autofree char *digest = NULL;
    g_autoptr(VlImage) img = NULL;
    GPtrArray *labs;

    if (argc != 2) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE,
                    "usage: vmlab-virt image rm REF|DIGEST [--force]");
        return FALSE;
    }
    if (!(digest = vl_cmd_image_find(argv[1], error)))
        return FALSE;
    img = vl_image_store_get(digest, error);
    if (!img) {
        if (error && !*error)
            g_set_error(error, VL_ERROR, VL_ERROR_USAGE, "%s: not in the image store", argv[1]);
        return FALSE;
    }
    labs = g_hash_table_lookup(users, digest);
    if (labs && labs->len && !force) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                    "%s is used by lab '%s'%s: take the lab down first, or use --force", digest,
                    (const char *)g_ptr_array_index(labs, 0), labs->len > 1 ? " and others" : "");
        return FALSE;
    }
    if (!vl_image_store_remove(digest, error))
        return FALSE;
    g_print("removed %s\n", digest);
    return TRUE;
}

static gboolean
vl_cmd_image_prune(GError **error)
{
    g_autoptr(GPtrArray) images = vl_image_store_list(error);
    g_autoptr(GHashTable) users = vl_image_store_users();
    guint removed = 0;
    guint64 freed = 0;
    g_autofree char *size = NULL;

    if (!images)
        return FALSE;
    for (guint i = 0; i < images->len; i++) {
        const VlImage *img = g_ptr_array_index(images, i);

        if (g_hash_table_contains(users, img->digest))
            continue;
        if (!vl_image_store_remove(img->digest, error))
            return FALSE;
        g_print("removed %s\n", img->digest);
        removed++;
        freed += img->actual_size;
    }
    size = vl_cmd_image_size(freed);
    g_print("%u image%s removed, %s freed\n", removed, removed == 1 ? "" : "s", size);
    return TRUE;
}

gboolean
vl_cmd_image(int argc, char **argv, GError **error)
{
    g_auto(GStrv) insecure = NULL;
    gboolean json = FALSE;
    gboolean force = FALSE;
    GOptionEntry entries[] = {
        {"insecure-registry", 0, 0, G_OPTION_ARG_STRING_ARRAY, &insecure,
         "Allow plain HTTP (no TLS verification) for this registry (repeatable)", "HOST:PORT"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &json, "list: print JSON", NULL},
        {"force", 'f', 0, G_OPTION_ARG_NONE, &force, "rm: remove even while a lab uses it", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("pull REF | push FILE REF | list | rm REF|DIGEST | prune - "
                             "containerDisk images from registries");
    const char *sub;

    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(
        ctx, "REF is oci://HOST[:PORT]/REPO[:TAG|@sha256:DIGEST]. Images live in\n"
             "$VMLAB_HOME/images/oci, one copy per digest. Credentials come from the containers\n"
             "auth file (skopeo login), never from the command line.");
    if (!vl_cli_parse(ctx, &argc, &argv, error))
        return FALSE;
    if (argc < 2) {
        g_set_error(error, VL_ERROR, VL_ERROR_USAGE,
                    "usage: vmlab-virt image pull|push|list|rm|prune ... (see --help)");
        return FALSE;
    }
    sub = argv[1];
    if (g_str_equal(sub, "pull"))
        return vl_cmd_image_pull(argc - 1, argv + 1, insecure, error);
    if (g_str_equal(sub, "push"))
        return vl_cmd_image_push(argc - 1, argv + 1, insecure, error);
    if (g_str_equal(sub, "list") && argc == 2)
        return vl_cmd_image_list(json, error);
    if (g_str_equal(sub, "rm"))
        return vl_cmd_image_rm(argc - 1, argv + 1, force, error);
    if (g_str_equal(sub, "prune") && argc == 2)
        return vl_cmd_image_prune(error);
    g_set_error(error, VL_ERROR, VL_ERROR_USAGE,
                "unknown image command '%s' (pull, push, list, rm, prune)", sub);
    return FALSE;
}
