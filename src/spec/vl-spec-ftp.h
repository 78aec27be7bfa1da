/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-spec-ftp.h - a lab's part of the FTP proxy's config: the backends of its vmlab.ftp */
#pragma once

#include "vl-ftp-config-write.h"
#include "vl-spec.h"

/**
 * vl_spec_ftp_backends_add:
 * @cfg: the proxy's config being edited
 *
 * Adds (or replaces) the lab's own backends, vmlab.ftp.backends (in the proxy's own format),
 * each keyed "<lab>/<name>" (vl_ftp_config_lab_key()).
 * Return: TRUE, or FALSE with a VL_ERROR_INVALID error "topology.json: vmlab.ftp.backends: ...".
 */
gboolean vl_spec_ftp_backends_add(const VlSpec *spec, VlFtpConfigFile *cfg, GError **error);

/**
 * vl_spec_ftp_backend_key:
 *
 * The backend that serves the lab's SR OS routers: vmlab.ftp.backend, "local" by default.
 * Return: (transfer full): its key in the proxy's config: "<lab>/<name>" when the lab defines it
 *   in vmlab.ftp.backends, else the name as written (a backend of the config's own: the default
 *   "local", or one written by hand).
 */
char *vl_spec_ftp_backend_key(const VlSpec *spec);
