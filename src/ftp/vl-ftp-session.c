/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-ftp-session.c - one FTP control connection, served in its own thread */
#include "vl-ftp-session-priv.h"

#include <string.h>

/*
 * Theory of operation
 *
 * A session is a blocking state machine run by one worker thread of the server's
 * GThreadedSocketService, so neither slow clients nor slow backends (SFTP calls block) ever
 * reach the main loop. Every socket carries a timeout: reads on the control connection wait at
 * most the login timeout before login and the idle timeout after it; data connections wait at
 * most the data timeout for each read, write, accept or connect.
 *
 * States:
 * - CONNECTED: after "220". Allowed: USER, PASS (530 without USER), FEAT, OPTS, NOOP, AUTH (502,
 *   so lftp goes on without TLS), QUIT. Anything else answers 530.
 * - USER_GIVEN: after "331". PASS checks the router's password: 230 and LOGGED_IN, or 530 and
 *   back to CONNECTED. After max_login_failures failures the session answers 421 and ends.
 * - LOGGED_IN: every command. The router is fixed; every path is the router's virtual tree,
 *   resolved lexically inside "/" (vl_ftp_path_resolve), translated by the router's rules and
 *   checked by the backend against the rule's jail (symlinks resolved). Writes need a writable
 *   rule. PASV/EPSV/PORT/EPRT arm the data connection for exactly one transfer.
 * - TRANSFER (inside LOGGED_IN, during RETR/STOR/APPE/LIST/NLST/MLSD): 150, data, then 226
 *   after the data socket is closed. Between chunks the control connection is polled: ABOR
 *   answers 426 then 226; a client that drops the data connection gets 426; a backend failure
 *   gets 451. In each case the session stays usable. An upload writes to a temporary file that
 *   replaces the target only after the whole file arrived (VL_FTP_WRITE_REPLACE).
 * - Ending: QUIT (221), EOF, a timeout (421), a line over VL_FTP_LINE_MAX bytes (500), too many
 *   failed logins (421) or the server stopping (its control socket is shut down under it).
 *
 * Where the parts live: this file holds the state machine, the command table and the commands
 * that do not move data; vl-ftp-control.c the control connection (replies, line reading, Telnet
 * stripping, ABOR polling); vl-ftp-vfs.c the router's virtual tree (resolution, stat, write
 * checks, merged listings), which has no sockets; vl-ftp-listing.c the listing formats;
 * vl-ftp-xfer.c the transfer commands and their loops; vl-ftp-data.c the data connection.
 */

/* Creates the folders of the router's "create" rules that are missing. */
static void
session_create_rule_folders(VlFtpSession *s)
{
    for (guint i = 0; i < s->router->rules->len; i++) {
        const VlFtpRule *rule = s->router->rules->pdata[i];
        g_autoptr(GError) err = NULL;
        VlFtpFs *fs;

        if (!rule->create)
            continue;
        fs = vl_ftp_vfs_get_fs(s->vfs, rule, &err);
        if (!fs || !vl_ftp_fs_make_root(fs, rule->target, &err))
            vl_ftp_control_log(s, "cannot create folder '%s' on backend '%s': %s", rule->target,
                               rule->backend, err->message);
    }
}

/* ---- commands ---- */

typedef void (*CommandFunc)(VlFtpSession *s, const char *arg);

static void
cmd_user(VlFtpSession *s, const char *arg)
{
    if (s->state == VL_FTP_SESSION_LOGGED_IN) {
        vl_ftp_control_reply(s, 530, "Already logged in.");
        return;
    }
    g_free(s->user);
    s->user = g_strdup(arg);
    s->state = VL_FTP_SESSION_USER_GIVEN;
    vl_ftp_control_reply(s, 331, "Please specify the password.");
}

static void
cmd_pass(VlFtpSession *s, const char *arg)
{
    const VlFtpRouter *router;

    if (s->state == VL_FTP_SESSION_LOGGED_IN) {
        vl_ftp_control_reply(s, 230, "Already logged in.");
        return;
    }
    if (s->state != VL_FTP_SESSION_USER_GIVEN) {
        vl_ftp_control_reply(s, 503, "Login with USER first.");
        return;
    }
    router = vl_ftp_config_find_router(s->config, s->user);
    if (!router || !vl_ftp_router_check_password(router, arg)) {
        s->login_failures++;
        s->state = VL_FTP_SESSION_CONNECTED;
        vl_ftp_control_log(s, "login failed for '%s' (%u of %u)", s->user, s->login_failures,
                           s->config->max_login_fails);
        if (s->login_failures >= s->config->max_login_fails) {
            vl_ftp_control_reply(s, 421, "Too many failed logins.");
            s->quit = TRUE;
            return;
        }
        vl_ftp_control_reply(s, 530, "Login incorrect.");
        return;
    }
    if (!vl_ftp_server_router_enter(s->server, router->name, s->config->max_per_router)) {
        vl_ftp_control_log(s, "login as '%s' refused: router '%s' has %u sessions already", s->user,
                           router->name, s->config->max_per_router);
        vl_ftp_control_reply(s, 421, "Too many sessions for this login.");
        s->quit = TRUE;
        return;
    }
    s->router = router;
    s->router_counted = TRUE;
    s->state = VL_FTP_SESSION_LOGGED_IN;
    s->vfs = vl_ftp_vfs_new(s->config, router);
    g_socket_set_timeout(s->sock, s->config->idle_timeout);
    vl_ftp_control_log(s, "login as '%s'", s->user);
    session_create_rule_folders(s);
    vl_ftp_control_reply(s, 230, "Login successful.");
}

static void
cmd_quit(VlFtpSession *s, const char *arg)
{
    vl_ftp_control_reply(s, 221, "Goodbye.");
    s->quit = TRUE;
}

static void
cmd_feat(VlFtpSession *s, const char *arg)
{
    static const char feat[] = "211-Features:\r\n"
                               " EPRT\r\n"
                               " EPSV\r\n"
                               " MDTM\r\n"
                               " MLST type*;size*;modify*;perm*;\r\n"
                               " PASV\r\n"
                               " REST STREAM\r\n"
                               " SIZE\r\n"
                               " TVFS\r\n"
                               " UTF8\r\n"
                               "211 End\r\n";
    vl_ftp_control_send(s, feat, sizeof(feat) - 1);
}

static void
cmd_syst(VlFtpSession *s, const char *arg)
{
    vl_ftp_control_reply(s, 215, "UNIX Type: L8");
}

static void
cmd_noop(VlFtpSession *s, const char *arg)
{
    vl_ftp_control_reply(s, 200, "NOOP ok.");
}

static void
cmd_help(VlFtpSession *s, const char *arg)
{
    vl_ftp_control_reply(s, 214, "Help OK.");
}

static void
cmd_auth(VlFtpSession *s, const char *arg)
{
    vl_ftp_control_reply(s, 502, "TLS is not supported.");
}

static void
cmd_opts(VlFtpSession *s, const char *arg)
{
    if (g_ascii_strncasecmp(arg, "UTF8", 4) == 0 || g_ascii_strncasecmp(arg, "MLST", 4) == 0)
        vl_ftp_control_reply(s, 200, "OK.");
    else
        vl_ftp_control_reply(s, 501, "Option not understood.");
}

static void
cmd_pwd(VlFtpSession *s, const char *arg)
{
    g_auto(GStrv) parts = g_strsplit(s->cwd, "\"", -1);
    g_autofree char *quoted = g_strjoinv("\"\"", parts);

    vl_ftp_control_reply(s, 257, "\"%s\" is the current directory", quoted);
}

static void
cmd_cwd(VlFtpSession *s, const char *arg)
{
    g_auto(VlFtpTarget) t = {0};
    g_autoptr(GError) err = NULL;
    VlFtpEntry st;

    if (!vl_ftp_vfs_resolve(s->vfs, s->cwd, arg, &t, &err) ||
        !vl_ftp_vfs_stat(s->vfs, &t, &st, &err)) {
        vl_ftp_control_reply_error(s, "CWD", err);
        return;
    }
    if (!st.is_dir) {
        vl_ftp_control_reply(s, 550, "Failed to change directory.");
        return;
    }
    g_free(s->cwd);
    s->cwd = g_steal_pointer(&t.vpath);
    vl_ftp_control_reply(s, 250, "Directory successfully changed.");
}

static void
cmd_cdup(VlFtpSession *s, const char *arg)
{
    cmd_cwd(s, "..");
}

static void
cmd_type(VlFtpSession *s, const char *arg)
{
    if (g_ascii_strcasecmp(arg, "I") == 0 || g_ascii_strcasecmp(arg, "L 8") == 0) {
        s->binary = TRUE;
        vl_ftp_control_reply(s, 200, "Switching to Binary mode.");
    } else if (g_ascii_strcasecmp(arg, "A") == 0 || g_ascii_strcasecmp(arg, "A N") == 0) {
        s->binary = FALSE;
        vl_ftp_control_reply(s, 200, "Switching to ASCII mode.");
    } else {
        vl_ftp_control_reply(s, 504, "Unrecognised TYPE command.");
    }
}

static void
cmd_mode(VlFtpSession *s, const char *arg)
{
    if (g_ascii_strcasecmp(arg, "S") == 0)
        vl_ftp_control_reply(s, 200, "Mode set to S.");
    else
        vl_ftp_control_reply(s, 504, "Bad MODE command.");
}

static void
cmd_stru(VlFtpSession *s, const char *arg)
{
    if (g_ascii_strcasecmp(arg, "F") == 0)
        vl_ftp_control_reply(s, 200, "Structure set to F.");
    else
        vl_ftp_control_reply(s, 504, "Bad STRU command.");
}

static void
cmd_pasv(VlFtpSession *s, const char *arg)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GSocketAddress) local = g_socket_get_local_address(s->sock, NULL);
    GInetAddress *ip;
    const guint8 *b;
    guint16 port;

    if (s->epsv_all) {
        vl_ftp_control_reply(s, 500, "PASV not allowed after EPSV ALL.");
        return;
    }
    ip = local ? g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(local)) : NULL;
    if (!ip || g_inet_address_get_family(ip) != G_SOCKET_FAMILY_IPV4) {
        vl_ftp_control_reply(s, 500, "PASV needs IPv4; use EPSV.");
        return;
    }
    port = vl_ftp_data_listen(s->data, &err);
    if (!port) {
        vl_ftp_control_log(s, "PASV: %s", err->message);
        vl_ftp_control_reply(s, 425, "Cannot open passive connection.");
        return;
    }
    b = g_inet_address_to_bytes(ip);
    vl_ftp_control_reply(s, 227, "Entering Passive Mode (%u,%u,%u,%u,%u,%u).", b[0], b[1], b[2],
                         b[3], port >> 8, port & 0xff);
}

static void
cmd_epsv(VlFtpSession *s, const char *arg)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GSocketAddress) local = g_socket_get_local_address(s->sock, NULL);
    GInetAddress *ip =
        local ? g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(local)) : NULL;
    const char *want = ip && g_inet_address_get_family(ip) == G_SOCKET_FAMILY_IPV6 ? "2" : "1";
    guint16 port;

    if (g_ascii_strcasecmp(arg, "ALL") == 0) {
        s->epsv_all = TRUE;
        vl_ftp_control_reply(s, 200, "EPSV ALL ok.");
        return;
    }
    if (*arg && strcmp(arg, want) != 0) {
        vl_ftp_control_reply(s, 522, "Network protocol not supported, use (%s)", want);
        return;
    }
    port = vl_ftp_data_listen(s->data, &err);
    if (!port) {
        vl_ftp_control_log(s, "EPSV: %s", err->message);
        vl_ftp_control_reply(s, 425, "Cannot open passive connection.");
        return;
    }
    vl_ftp_control_reply(s, 229, "Entering Extended Passive Mode (|||%u|)", port);
}

static void
session_active(VlFtpSession *s, const char *arg, gboolean extended)
{
    g_autoptr(GError) err = NULL;

    if (s->epsv_all) {
        vl_ftp_control_reply(s, 500, "PORT not allowed after EPSV ALL.");
        return;
    }
    if (!vl_ftp_data_set_active(s->data, arg, extended, &err)) {
        vl_ftp_control_log(s, "%s %s: %s", extended ? "EPRT" : "PORT", arg, err->message);
        if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
            vl_ftp_control_reply(s, 500, "Illegal %s command.", extended ? "EPRT" : "PORT");
        else
            vl_ftp_control_reply(s, 501, "Syntax error in %s argument.",
                                 extended ? "EPRT" : "PORT");
        return;
    }
    vl_ftp_control_reply(s, 200, "%s command successful. Consider using PASV.",
                         extended ? "EPRT" : "PORT");
}

static void
cmd_port(VlFtpSession *s, const char *arg)
{
    session_active(s, arg, FALSE);
}

static void
cmd_eprt(VlFtpSession *s, const char *arg)
{
    session_active(s, arg, TRUE);
}

static void
cmd_size(VlFtpSession *s, const char *arg)
{
    g_auto(VlFtpTarget) t = {0};
    g_autoptr(GError) err = NULL;
    VlFtpEntry st;

    if (!vl_ftp_vfs_resolve(s->vfs, s->cwd, arg, &t, &err) ||
        !vl_ftp_vfs_stat(s->vfs, &t, &st, &err)) {
        vl_ftp_control_reply_error(s, "SIZE", err);
        return;
    }
    if (st.is_dir) {
        vl_ftp_control_reply(s, 550, "Could not get file size.");
        return;
    }
    vl_ftp_control_reply(s, 213, "%" G_GUINT64_FORMAT, st.size);
}

static void
cmd_mdtm(VlFtpSession *s, const char *arg)
{
    g_auto(VlFtpTarget) t = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *stamp = NULL;
    VlFtpEntry st;

    if (!vl_ftp_vfs_resolve(s->vfs, s->cwd, arg, &t, &err) ||
        !vl_ftp_vfs_stat(s->vfs, &t, &st, &err)) {
        vl_ftp_control_reply_error(s, "MDTM", err);
        return;
    }
    if (st.is_dir) {
        vl_ftp_control_reply(s, 550, "Could not get file modification time.");
        return;
    }
    stamp = vl_ftp_listing_mdtm(st.mtime);
    vl_ftp_control_reply(s, 213, "%s", stamp);
}

static void
cmd_rest(VlFtpSession *s, const char *arg)
{
    guint64 v;

    if (!g_ascii_string_to_unsigned(arg, 10, 0, G_MAXINT64, &v, NULL)) {
        vl_ftp_control_reply(s, 501, "Bad REST argument.");
        return;
    }
    s->rest = v;
    vl_ftp_control_reply(s, 350, "Restart position accepted (%" G_GUINT64_FORMAT ").", v);
}

static void
cmd_retr(VlFtpSession *s, const char *arg)
{
    vl_ftp_xfer_retr(s, arg);
}

static void
cmd_stor(VlFtpSession *s, const char *arg)
{
    vl_ftp_xfer_store(s, arg, FALSE);
}

static void
cmd_appe(VlFtpSession *s, const char *arg)
{
    vl_ftp_xfer_store(s, arg, TRUE);
}

/* Return: TRUE if the entry at virtual path @vpath may be changed by the client. */
static void
cmd_list(VlFtpSession *s, const char *arg)
{
    vl_ftp_xfer_list(s, arg, VL_FTP_LISTING_LS, "LIST");
}

static void
cmd_nlst(VlFtpSession *s, const char *arg)
{
    vl_ftp_xfer_list(s, arg, VL_FTP_LISTING_NAMES, "NLST");
}

static void
cmd_mlsd(VlFtpSession *s, const char *arg)
{
    vl_ftp_xfer_list(s, arg, VL_FTP_LISTING_MLSD, "MLSD");
}

static void
cmd_mlst(VlFtpSession *s, const char *arg)
{
    g_auto(VlFtpTarget) t = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *facts = NULL;
    g_autofree char *text = NULL;
    VlFtpEntry st;

    if (!vl_ftp_vfs_resolve(s->vfs, s->cwd, arg, &t, &err) ||
        !vl_ftp_vfs_stat(s->vfs, &t, &st, &err)) {
        vl_ftp_control_reply_error(s, "MLST", err);
        return;
    }
    facts = vl_ftp_listing_facts(&st, vl_ftp_vfs_is_writable(s->vfs, t.vpath));
    text = g_strdup_printf("250-Listing %s\r\n %s %s\r\n250 End\r\n", t.vpath, facts, t.vpath);
    vl_ftp_control_send(s, text, strlen(text));
}

static void
cmd_stat(VlFtpSession *s, const char *arg)
{
    g_auto(VlFtpTarget) t = {0};
    g_autoptr(GError) err = NULL;
    g_autoptr(GString) out = NULL;
    g_autofree char *text = NULL;

    if (!*arg) {
        text = g_strdup_printf("211-FTP server status:\r\n Connected to %s\r\n Logged in as %s\r\n"
                               " TYPE: %s\r\n211 End of status\r\n",
                               s->peer_str, s->user, s->binary ? "BINARY" : "ASCII");
        vl_ftp_control_send(s, text, strlen(text));
        return;
    }
    out = g_string_new("213-Status follows:\r\n");
    if (!vl_ftp_vfs_resolve(s->vfs, s->cwd, arg, &t, &err) ||
        !vl_ftp_listing_build(s->vfs, &t, VL_FTP_LISTING_LS, FALSE, out, &err)) {
        vl_ftp_control_reply_error(s, "STAT", err);
        return;
    }
    g_string_append(out, "213 End of status\r\n");
    vl_ftp_control_send(s, out->str, out->len);
}

static void
cmd_dele(VlFtpSession *s, const char *arg)
{
    g_auto(VlFtpTarget) t = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *root = NULL;
    g_autofree char *rel = NULL;
    VlFtpFs *fs = NULL;

    if (!vl_ftp_vfs_resolve(s->vfs, s->cwd, arg, &t, &err) ||
        !vl_ftp_vfs_writable_entry(&t, TRUE, &root, &rel, &err) ||
        !(fs = vl_ftp_vfs_get_fs(s->vfs, t.rule, &err)) ||
        !vl_ftp_fs_remove(fs, root, rel, FALSE, &err)) {
        vl_ftp_control_reply_error(s, "DELE", err);
        return;
    }
    vl_ftp_control_log(s, "DELE %s", t.vpath);
    vl_ftp_control_reply(s, 250, "Delete operation successful.");
}

static void
cmd_mkd(VlFtpSession *s, const char *arg)
{
    g_auto(VlFtpTarget) t = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *root = NULL;
    g_autofree char *rel = NULL;
    VlFtpFs *fs = NULL;
    g_auto(GStrv) parts = NULL;
    g_autofree char *quoted = NULL;

    if (!vl_ftp_vfs_resolve(s->vfs, s->cwd, arg, &t, &err) ||
        !vl_ftp_vfs_writable_entry(&t, FALSE, &root, &rel, &err) ||
        !(fs = vl_ftp_vfs_get_fs(s->vfs, t.rule, &err)) ||
        !vl_ftp_fs_make_dir(fs, root, rel, &err)) {
        vl_ftp_control_reply_error(s, "MKD", err);
        return;
    }
    parts = g_strsplit(t.vpath, "\"", -1);
    quoted = g_strjoinv("\"\"", parts);
    vl_ftp_control_log(s, "MKD %s", t.vpath);
    vl_ftp_control_reply(s, 257, "\"%s\" created", quoted);
}

static void
cmd_rmd(VlFtpSession *s, const char *arg)
{
    g_auto(VlFtpTarget) t = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *root = NULL;
    g_autofree char *rel = NULL;
    VlFtpFs *fs = NULL;

    if (!vl_ftp_vfs_resolve(s->vfs, s->cwd, arg, &t, &err) ||
        !vl_ftp_vfs_writable_entry(&t, FALSE, &root, &rel, &err) ||
        !(fs = vl_ftp_vfs_get_fs(s->vfs, t.rule, &err)) ||
        !vl_ftp_fs_remove(fs, root, rel, TRUE, &err)) {
        vl_ftp_control_reply_error(s, "RMD", err);
        return;
    }
    vl_ftp_control_log(s, "RMD %s", t.vpath);
    vl_ftp_control_reply(s, 250, "Remove directory operation successful.");
}

static void
cmd_rnfr(VlFtpSession *s, const char *arg)
{
    g_auto(VlFtpTarget) t = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *root = NULL;
    g_autofree char *rel = NULL;
    VlFtpEntry st;

    g_clear_pointer(&s->rename_from, g_free);
    if (!vl_ftp_vfs_resolve(s->vfs, s->cwd, arg, &t, &err) ||
        !vl_ftp_vfs_writable_entry(&t, FALSE, &root, &rel, &err) ||
        !vl_ftp_vfs_stat(s->vfs, &t, &st, &err)) {
        vl_ftp_control_reply_error(s, "RNFR", err);
        return;
    }
    s->rename_from = g_steal_pointer(&t.vpath);
    vl_ftp_control_reply(s, 350, "Ready for RNTO.");
}

static void
cmd_rnto(VlFtpSession *s, const char *arg)
{
    g_auto(VlFtpTarget) from = {0};
    g_auto(VlFtpTarget) to = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *from_root = NULL, *from_rel = NULL, *to_root = NULL, *to_rel = NULL;
    g_autofree char *from_path = g_steal_pointer(&s->rename_from);
    VlFtpFs *fs = NULL;

    if (!from_path) {
        vl_ftp_control_reply(s, 503, "RNFR required first.");
        return;
    }
    if (!vl_ftp_vfs_resolve(s->vfs, s->cwd, from_path, &from, &err) ||
        !vl_ftp_vfs_writable_entry(&from, FALSE, &from_root, &from_rel, &err) ||
        !vl_ftp_vfs_resolve(s->vfs, s->cwd, arg, &to, &err) ||
        !vl_ftp_vfs_writable_entry(&to, FALSE, &to_root, &to_rel, &err)) {
        vl_ftp_control_reply_error(s, "RNTO", err);
        return;
    }
    if (strcmp(from.rule->backend, to.rule->backend) != 0) {
        vl_ftp_control_reply(s, 553, "Cannot rename across backends.");
        return;
    }
    if (!(fs = vl_ftp_vfs_get_fs(s->vfs, from.rule, &err)) ||
        !vl_ftp_fs_rename(fs, from_root, from_rel, to_root, to_rel, &err)) {
        vl_ftp_control_reply_error(s, "RNTO", err);
        return;
    }
    vl_ftp_control_log(s, "RNFR %s RNTO %s", from.vpath, to.vpath);
    vl_ftp_control_reply(s, 250, "Rename successful.");
}

static void
cmd_abor(VlFtpSession *s, const char *arg)
{
    vl_ftp_data_reset(s->data);
    vl_ftp_control_reply(s, 225, "No transfer to ABOR.");
}

static void
cmd_allo(VlFtpSession *s, const char *arg)
{
    vl_ftp_control_reply(s, 202, "ALLO command ignored.");
}

typedef struct {
    const char *verb;
    CommandFunc func;
    gboolean needs_login;
    gboolean needs_arg;
} VlFtpCommand;

static const VlFtpCommand commands[] = {
    {"USER", cmd_user, FALSE, TRUE},  {"PASS", cmd_pass, FALSE, FALSE},
    {"QUIT", cmd_quit, FALSE, FALSE}, {"FEAT", cmd_feat, FALSE, FALSE},
    {"OPTS", cmd_opts, FALSE, TRUE},  {"NOOP", cmd_noop, FALSE, FALSE},
    {"AUTH", cmd_auth, FALSE, FALSE}, {"HELP", cmd_help, FALSE, FALSE},
    {"SYST", cmd_syst, TRUE, FALSE},  {"PWD", cmd_pwd, TRUE, FALSE},
    {"XPWD", cmd_pwd, TRUE, FALSE},   {"CWD", cmd_cwd, TRUE, TRUE},
    {"XCWD", cmd_cwd, TRUE, TRUE},    {"CDUP", cmd_cdup, TRUE, FALSE},
    {"XCUP", cmd_cdup, TRUE, FALSE},  {"TYPE", cmd_type, TRUE, TRUE},
    {"MODE", cmd_mode, TRUE, TRUE},   {"STRU", cmd_stru, TRUE, TRUE},
    {"PASV", cmd_pasv, TRUE, FALSE},  {"EPSV", cmd_epsv, TRUE, FALSE},
    {"PORT", cmd_port, TRUE, TRUE},   {"EPRT", cmd_eprt, TRUE, TRUE},
    {"SIZE", cmd_size, TRUE, TRUE},   {"MDTM", cmd_mdtm, TRUE, TRUE},
    {"REST", cmd_rest, TRUE, TRUE},   {"RETR", cmd_retr, TRUE, TRUE},
    {"STOR", cmd_stor, TRUE, TRUE},   {"APPE", cmd_appe, TRUE, TRUE},
    {"LIST", cmd_list, TRUE, FALSE},  {"NLST", cmd_nlst, TRUE, FALSE},
    {"MLSD", cmd_mlsd, TRUE, FALSE},  {"MLST", cmd_mlst, TRUE, FALSE},
    {"DELE", cmd_dele, TRUE, TRUE},   {"MKD", cmd_mkd, TRUE, TRUE},
    {"XMKD", cmd_mkd, TRUE, TRUE},    {"RMD", cmd_rmd, TRUE, TRUE},
    {"XRMD", cmd_rmd, TRUE, TRUE},    {"RNFR", cmd_rnfr, TRUE, TRUE},
    {"RNTO", cmd_rnto, TRUE, TRUE},   {"ABOR", cmd_abor, TRUE, FALSE},
    {"STAT", cmd_stat, TRUE, FALSE},  {"ALLO", cmd_allo, TRUE, FALSE},
};

/* Parses and runs one command line. */
static void
session_dispatch(VlFtpSession *s, const char *line, gsize len)
{
    char verb[8];
    gsize vlen = 0;
    const char *arg;

    if (memchr(line, '\0', len)) {
        vl_ftp_control_reply(s, 501, "NUL byte in command.");
        return;
    }
    while (vlen < len && line[vlen] != ' ' && vlen < sizeof(verb) - 1) {
        verb[vlen] = g_ascii_toupper(line[vlen]);
        vlen++;
    }
    verb[vlen] = '\0';
    if (vlen < len && line[vlen] != ' ') {
        vl_ftp_control_reply(s, 500, "Unknown command.");
        return;
    }
    arg = vlen < len ? line + vlen + 1 : "";
    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) {
        const VlFtpCommand *c = &commands[i];
        if (strcmp(c->verb, verb) != 0)
            continue;
        if (c->needs_login && s->state != VL_FTP_SESSION_LOGGED_IN) {
            vl_ftp_control_reply(s, 530, "Please login with USER and PASS.");
            return;
        }
        if (c->needs_arg && !*arg) {
            vl_ftp_control_reply(s, 501, "%s needs an argument.", verb);
            return;
        }
        if (c->func != cmd_rnto && c->func != cmd_rnfr)
            g_clear_pointer(&s->rename_from, g_free);
        c->func(s, arg);
        return;
    }
    vl_ftp_control_reply(s, 500, "Unknown command.");
}

static void
session_free(VlFtpSession *s)
{
    if (s->router_counted)
        vl_ftp_server_router_leave(s->server, s->router->name);
    g_clear_pointer(&s->data, vl_ftp_data_free);
    g_clear_pointer(&s->vfs, vl_ftp_vfs_free);
    g_free(s->user);
    g_free(s->cwd);
    g_free(s->rename_from);
    g_free(s->peer_str);
    g_clear_object(&s->peer);
    vl_ftp_config_unref(s->config);
}

void
vl_ftp_session_run(VlFtpServer *server, GSocketConnection *connection)
{
    VlFtpSession s = {0};
    g_autoptr(GSocketAddress) remote = NULL;
    g_autoptr(GSocketAddress) local = NULL;
    GInetAddress *local_ip;
    GSocket *sock;

    s.server = server;
    s.config = vl_ftp_server_dup_config(server);
    s.sock = g_socket_connection_get_socket(connection);
    s.cwd = g_strdup("/");
    s.binary = TRUE;
    remote = g_socket_get_remote_address(s.sock, NULL);
    local = g_socket_get_local_address(s.sock, NULL);
    if (!remote || !local || !G_IS_INET_SOCKET_ADDRESS(remote)) {
        session_free(&s);
        return;
    }
    s.peer = g_object_ref(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(remote)));
    s.peer_str = vl_ftp_data_address_to_string(
        s.peer, g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(remote)));
    local_ip = g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(local));
    s.data = vl_ftp_data_new(local_ip, s.peer, s.config->pasv_min, s.config->pasv_max,
                             MIN(s.config->pasv_window, s.config->data_timeout));
    g_socket_set_timeout(s.sock, s.config->login_timeout);

    if (!vl_ftp_server_session_enter(server, s.sock, s.config->max_sessions, &s.id)) {
        vl_ftp_control_log(&s, "refused: %u sessions running already", s.config->max_sessions);
        vl_ftp_control_reply(&s, 421, "Too many users, try again later.");
        session_free(&s);
        return;
    }
    vl_ftp_control_log(&s, "connected");
    vl_ftp_control_reply(&s, 220, "vmlab-virt FTP proxy ready.");
    while (!s.quit) {
        g_autofree char *line = NULL;
        g_autoptr(GError) err = NULL;
        gsize len = 0;

        switch (vl_ftp_control_read_line(&s, &line, &len, &err)) {
        case VL_FTP_READ_LINE:
            session_dispatch(&s, line, len);
            break;
        case VL_FTP_READ_EOF:
            s.quit = TRUE;
            break;
        case VL_FTP_READ_TOO_LONG:
            vl_ftp_control_log(&s, "command line over %d bytes", VL_FTP_LINE_MAX);
            vl_ftp_control_reply(&s, 500, "Command line too long.");
            s.quit = TRUE;
            break;
        case VL_FTP_READ_ERROR:
            if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
                vl_ftp_control_log(&s, "timed out");
                vl_ftp_control_reply(&s, 421, "Timeout.");
            }
            s.quit = TRUE;
            break;
        }
    }
    vl_ftp_control_log(&s, "closed");
    sock = s.sock;
    session_free(&s);
    /* The last use of the server: vl_ftp_server_stop() may free it once this returns. */
    vl_ftp_server_session_leave(server, sock);
}
