/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-router.h - one router's login and the rules translating its virtual paths to backends */
#pragma once

#include <glib.h>

/*
 * A rule maps a virtual path the VM asks for (a file such as "/i386-boot.tim" or a folder such
 * as "/sros") to a target on a backend. The longest matching rule wins, so "/" can map a whole
 * tree read-only while "/cfg" below it maps a writable config folder. Folders that are only
 * ancestors of rule paths ("/" when every rule is deeper) are synthetic and read-only.
 */
typedef struct {
    char *path;    /* normalised virtual path */
    char *backend; /* backend name */
    char *target;  /* absolute path on the backend: the jail of this rule */
    gboolean writable;
    gboolean create; /* create the target folder (with parents) when missing */
} VlFtpRule;

typedef struct {
    char *name;       /* unique id, e.g. "lab1/vsim-1" */
    char *login;      /* NULL: any login is accepted (single-router mode without --user) */
    char *password;   /* NULL: any password */
    GPtrArray *rules; /* (element-type VlFtpRule) */
} VlFtpRouter;

VlFtpRule *vl_ftp_rule_new(const char *path, const char *backend, const char *target,
                           gboolean writable, gboolean create);
void vl_ftp_rule_free(VlFtpRule *rule);
VlFtpRouter *vl_ftp_router_new(const char *name);
void vl_ftp_router_free(VlFtpRouter *router);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlFtpRouter, vl_ftp_router_free)

/**
 * vl_ftp_router_match:
 * @vpath: a normalised virtual path
 * @rel: (out): the part of @vpath below the rule's path ("" for the rule's path itself)
 *
 * Return: (transfer none) (nullable): the rule with the longest path that is a prefix of @vpath.
 */
const VlFtpRule *vl_ftp_router_match(const VlFtpRouter *router, const char *vpath,
                                     const char **rel);

/**
 * vl_ftp_router_children:
 * @vpath: a normalised virtual path
 *
 * Return: (transfer full) (element-type utf8): names of the synthetic entries of folder @vpath:
 * the next component of every rule path strictly below @vpath (no duplicates), possibly empty.
 */
GPtrArray *vl_ftp_router_children(const VlFtpRouter *router, const char *vpath);

/**
 * vl_ftp_router_check_password:
 * @password: the password a client sent for this router's login (the caller found @router by
 *            that login: vl_ftp_config_find_router())
 *
 * Return: TRUE if @password is this router's (compared in constant time).
 */
gboolean vl_ftp_router_check_password(const VlFtpRouter *router, const char *password);
