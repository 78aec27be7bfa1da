/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-spec-ftp.c - vmlab.ftp: where the FTP proxy listens, and the lab's backends for its config */
#include "vl-spec-ftp.h"

#include "vl-error.h"
#include "vl-ftp-listen.h"
#include "vl-json.h"
#include "vl-spec-private.h"
#include "vl-spec-section.h"

#define VL_TOPOLOGY_FILE "topology.json"

void
vl_spec_load_ftp(VlSpec *spec, json_object *section, const char *sec, VlDiag *diag)
{
    json_object *ftp = NULL;
    json_object *v = NULL;
    g_autofree char *path = vl_json_path_key(sec, "ftp");

    spec->ftp_listen = g_strdup("127.0.0.1:21");
    if (!section || !json_object_object_get_ex(section, "ftp", &ftp))
        return;
    if (!json_object_is_type(ftp, json_type_object)) {
        vl_diag_error(diag, VL_TOPOLOGY_FILE, path, "must be an object, got %s",
                      vl_json_type_name(ftp));
        return;
    }
    if (json_object_object_get_ex(ftp, "listen", &v)) {
        g_autofree char *lpath = vl_json_path_key(path, "listen");
        const char *l = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
        g_autoptr(GError) err = NULL;
        /* the proxy's own check: what passes here, the proxy accepts */
        if (!l) {
            vl_diag_error(diag, VL_TOPOLOGY_FILE, lpath, "must be \"ADDRESS:PORT\", got %s",
                          vl_json_type_name(v));
        } else if (!vl_ftp_listen_check(l, &err)) {
            vl_diag_error(diag, VL_TOPOLOGY_FILE, lpath, "%s", err->message);
        } else {
            g_free(spec->ftp_listen);
            spec->ftp_listen = g_strdup(l);
        }
    }
    if (json_object_object_get_ex(ftp, "backend", &v) &&
        !json_object_is_type(v, json_type_string)) {
        g_autofree char *bpath = vl_json_path_key(path, "backend");
        vl_diag_error(diag, VL_TOPOLOGY_FILE, bpath, "must be a backend name, got %s",
                      vl_json_type_name(v));
    }
    if (json_object_object_get_ex(ftp, "backends", &v) &&
        !json_object_is_type(v, json_type_object)) {
        g_autofree char *bpath = vl_json_path_key(path, "backends");
        vl_diag_error(diag, VL_TOPOLOGY_FILE, bpath, "must be an object of name -> backend, got %s",
                      vl_json_type_name(v));
    }
}

/* Return: (transfer none) (nullable): the member @key of vmlab.ftp, if it is of @type. */
static json_object *
vl_spec_ftp_member(const VlSpec *spec, const char *key, json_type type)
{
    json_object *ftp = vl_spec_section_member(spec, "ftp");
    json_object *v = NULL;

    if (ftp && json_object_object_get_ex(ftp, key, &v) && json_object_is_type(v, type))
        return v;
    return NULL;
}

gboolean
vl_spec_ftp_backends_add(const VlSpec *spec, VlFtpConfigFile *cfg, GError **error)
{
    json_object *backends = vl_spec_ftp_member(spec, "backends", json_type_object);

    if (!backends)
        return TRUE;
    json_object_object_foreach(backends, name, b)
    {
        g_autofree char *key = vl_ftp_config_lab_key(spec->name, name);
        if (!vl_ftp_config_file_set_backend(cfg, key, b, error)) {
            g_prefix_error(error, "topology.json: %s.ftp.backends: ", spec->section);
            return FALSE;
        }
    }
    return TRUE;
}

char *
vl_spec_ftp_backend_key(const VlSpec *spec)
{
    json_object *backends = vl_spec_ftp_member(spec, "backends", json_type_object);
    json_object *v = vl_spec_ftp_member(spec, "backend", json_type_string);
    const char *name = v ? json_object_get_string(v) : "local";

    if (backends && json_object_object_get_ex(backends, name, NULL))
        return vl_ftp_config_lab_key(spec->name, name);
    return g_strdup(name);
}
