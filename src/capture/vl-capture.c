/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-capture.c - rootless packet capture on a running VM's NIC through QEMU's filter-dump */
#include "vl-capture-priv.h"

#include "vl-conn.h"
#include "vl-error.h"
#include "vl-virt-error.h"
#include "vl-json.h"
#include "vl-xml.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <libvirt/libvirt-qemu.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

/*
 * Theory of operation
 *
 * QEMU's filter-dump object, attached to a NIC's netdev, writes every frame that passes it (both
 * directions) to a pcap file. We add it to the running VM through the QEMU monitor, which libvirt
 * passes through (virDomainQemuMonitorCommand); the domain's XML, persistent or live, does not
 * change (libvirt only marks the domain "tainted: custom-monitor" in its log).
 *
 * The file: QEMU runs as another user (libvirt-qemu under qemu:///system) that cannot reach our
 * folders, and we must not make a folder writable for it. So we open an anonymous file ourselves
 * (O_TMPFILE in $TMPDIR: it has no name, so no other user can open it) and hand QEMU a write-only
 * descriptor of it with the monitor command add-fd (fd passing over libvirt's UNIX socket: local
 * connections only; a remote host's VM writes a volume of the lab's pool instead, see
 * vl-capture-remote.c). filter-dump opens its file with a plain open(), not through QEMU's fd sets,
 * so object-add names QEMU's copy by its /proc/self/fd link; the file's mode (0622) lets QEMU's
 * user reopen it for writing there (only processes that may trace ours or QEMU's can reach that
 * link). The fd set is removed once the filter holds its own descriptor. We read the file from
 * our own descriptor as it grows and copy whole pcap records to the output, counting frames.
 *
 * States: SETUP (add-fd, object-add, remove-fd) -> RUNNING (a 100 ms timer copies new records;
 * SIGINT, SIGTERM, SIGHUP, the frame count, the duration or a broken output pipe end it) ->
 * TEARDOWN (object-del, then the last records QEMU wrote before the filter went). TEARDOWN runs
 * whatever ended RUNNING, errors included.
 *
 * Leftovers: a capture killed with SIGKILL leaves its filter (and, killed during SETUP, its fd
 * set) in QEMU. Both carry the capture's PID in their names ("vlcap-PID-SEQ"), so the next capture
 * finds them (qom-list /objects, query-fdsets) and removes those whose process is gone (a remote
 * capture's id also names its machine: "vlcap-PID-SEQ-MACHINE", judged only there). Two
 * captures at once each have their own filter and file, so they work side by side.
 */

/* Sends one QMP command (and @fd, when >= 0). Return: (transfer full): its "return" value. */
static json_object *
vl_capture_qmp(virDomainPtr dom, json_object *cmd, int fd, GError **error)
{
    const char *text = json_object_to_json_string_ext(cmd, JSON_C_TO_STRING_PLAIN);
    g_autofree char *result = NULL;
    char *res = NULL;
    g_autoptr(json_object) reply = NULL;
    json_object *ret = NULL;
    json_object *err = NULL;
    int rc;

    if (fd >= 0) {
        int files[1] = {fd};
        rc = virDomainQemuMonitorCommandWithFiles(dom, text, 1, files, NULL, NULL, &res, 0);
    } else {
        rc = virDomainQemuMonitorCommand(dom, text, &res, 0);
    }
    result = res;
    if (rc < 0) {
        vl_error_set_libvirt(error, "QEMU monitor command on '%s' failed", virDomainGetName(dom));
        return NULL;
    }
    reply = vl_json_parse(result, strlen(result), error);
    if (!reply)
        return NULL;
    if (json_object_object_get_ex(reply, "error", &err)) {
        json_object *desc = NULL;
        json_object_object_get_ex(err, "desc", &desc);
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "QEMU monitor of '%s': %s",
                    virDomainGetName(dom), desc ? json_object_get_string(desc) : result);
        return NULL;
    }
    if (!json_object_object_get_ex(reply, "return", &ret))
        return json_object_new_object();
    return json_object_get(ret);
}

/* Return: (transfer full): {"execute": @name, "arguments": @args (taken)}. */
static json_object *
vl_capture_cmd(const char *name, json_object *args)
{
    json_object *cmd = json_object_new_object();

    json_object_object_add(cmd, "execute", json_object_new_string(name));
    if (args)
        json_object_object_add(cmd, "arguments", args);
    return cmd;
}

char *
vl_capture_netdev_for_mac(virDomainPtr dom, const char *mac, GError **error)
{
    g_autofree char *xml = virDomainGetXMLDesc(dom, 0);
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctx = NULL;
    g_autoptr(xmlXPathObject) obj = NULL;
    g_autofree char *expr = NULL;
    xmlChar *alias;
    char *netdev;

    if (!xml) {
        vl_error_set_libvirt(error, "cannot read the live XML of '%s'", virDomainGetName(dom));
        return NULL;
    }
    doc = vl_xml_parse_memory(xml, strlen(xml), virDomainGetName(dom), error);
    if (!doc)
        return NULL;
    ctx = xmlXPathNewContext(doc);
    expr = g_strdup_printf("/domain/devices/interface[mac/@address='%s']/alias/@name", mac);
    obj = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
    if (!obj || !obj->nodesetval || obj->nodesetval->nodeNr != 1) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED,
                    "domain '%s' has no running NIC with MAC %s (has the spec changed since "
                    "'up'?)",
                    virDomainGetName(dom), mac);
        return NULL;
    }
    alias = xmlNodeGetContent(obj->nodesetval->nodeTab[0]);
    /* libvirt names a NIC's QEMU netdev "host" + the device alias */
    netdev = g_strdup_printf("host%s", (const char *)alias);
    xmlFree(alias);
    return netdev;
}

GPtrArray *
vl_capture_list(virDomainPtr dom, GError **error)
{
    json_object *args = json_object_new_object();
    g_autoptr(json_object) cmd = NULL;
    g_autoptr(json_object) ret = NULL;
    GPtrArray *ids;

    json_object_object_add(args, "path", json_object_new_string("/objects"));
    cmd = vl_capture_cmd("qom-list", args);
    ret = vl_capture_qmp(dom, cmd, -1, error);
    if (!ret)
        return NULL;
    ids = g_ptr_array_new_with_free_func(g_free);
    for (size_t i = 0; i < json_object_array_length(ret); i++) {
        json_object *name = NULL;
        json_object *type = NULL;
        json_object *o = json_object_array_get_idx(ret, i);

        if (json_object_object_get_ex(o, "name", &name) &&
            json_object_object_get_ex(o, "type", &type) &&
            g_str_has_prefix(json_object_get_string(name), VL_CAPTURE_PREFIX) &&
            g_str_equal(json_object_get_string(type), "child<filter-dump>"))
            g_ptr_array_add(ids, g_strdup(json_object_get_string(name)));
    }
    return ids;
}

/* Return: (transfer none): this machine's tag in capture ids: the start of /etc/machine-id (12 hex
 * digits), "0" when it cannot be read. */
static const char *
vl_capture_machine(void)
{
    static char tag[13];

    if (!tag[0]) {
        g_autofree char *text = NULL;
        gsize n = 0;

        if (g_file_get_contents("/etc/machine-id", &text, NULL, NULL)) {
            while (n < 12 && g_ascii_isxdigit(text[n]))
                n++;
        }
        if (n == 12)
            memcpy(tag, text, 12);
        else
            g_strlcpy(tag, "0", sizeof tag);
    }
    return tag;
}

char *
vl_capture_id_new(gboolean tagged)
{
    static guint seq;
    guint n = seq++;

    if (tagged)
        return g_strdup_printf(VL_CAPTURE_PREFIX "%d-%u-%s", (int)getpid(), n,
                               vl_capture_machine());
    return g_strdup_printf(VL_CAPTURE_PREFIX "%d-%u", (int)getpid(), n);
}

gboolean
vl_capture_owner_alive(const char *id)
{
    g_auto(GStrv) parts = g_strsplit(id + strlen(VL_CAPTURE_PREFIX), "-", 3);
    guint64 pid = g_ascii_strtoull(parts[0], NULL, 10);
    g_autofree char *path = g_strdup_printf("/proc/%" G_GUINT64_FORMAT "/exe", pid);
    g_autofree char *exe = NULL;

    /* "vlcap-PID-SEQ-MACHINE": another machine's capture is not ours to judge */
    if (parts[0] && parts[1] && parts[2] && !g_str_equal(parts[2], vl_capture_machine()))
        return TRUE;
    if (pid == 0 || kill((pid_t)pid, 0) < 0)
        return FALSE;
    exe = g_file_read_link(path, NULL);
    /* another program reusing the PID is not a capture */
    return !exe || g_str_has_suffix(exe, "/vmlab-virt");
}

/* Return: (transfer full): fd set id -> opaque (of its first fd that has one) of QEMU's fd sets
 * whose opaque starts with VL_CAPTURE_PREFIX, or NULL with an error. */
static GHashTable *
vl_capture_fdsets(virDomainPtr dom, GError **error)
{
    g_autoptr(json_object) q = vl_capture_cmd("query-fdsets", NULL);
    g_autoptr(json_object) sets = vl_capture_qmp(dom, q, -1, error);
    GHashTable *out;

    if (!sets)
        return NULL;
    out = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    for (size_t i = 0; i < json_object_array_length(sets); i++) {
        json_object *set = json_object_array_get_idx(sets, i);
        json_object *fds = NULL;
        json_object *set_id = NULL;

        if (!json_object_object_get_ex(set, "fds", &fds) ||
            !json_object_object_get_ex(set, "fdset-id", &set_id))
            continue;
        for (size_t j = 0; j < json_object_array_length(fds); j++) {
            json_object *opaque = NULL;
            gpointer key = GINT_TO_POINTER(json_object_get_int(set_id));
            if (json_object_object_get_ex(json_object_array_get_idx(fds, j), "opaque", &opaque) &&
                g_str_has_prefix(json_object_get_string(opaque), VL_CAPTURE_PREFIX) &&
                !g_hash_table_contains(out, key))
                g_hash_table_insert(out, key, g_strdup(json_object_get_string(opaque)));
        }
    }
    return out;
}

/* Removes fd set @set_id. Return: TRUE on success. */
static gboolean
vl_capture_remove_fdset(virDomainPtr dom, int set_id, GError **error)
{
    json_object *args = json_object_new_object();
    g_autoptr(json_object) cmd = NULL;
    g_autoptr(json_object) ret = NULL;

    json_object_object_add(args, "fdset-id", json_object_new_int(set_id));
    cmd = vl_capture_cmd("remove-fd", args);
    ret = vl_capture_qmp(dom, cmd, -1, error);
    return ret != NULL;
}

/* Removes filter @id (when @del_object) and the fd sets whose opaque is @id. */
static gboolean
vl_capture_remove(virDomainPtr dom, const char *id, gboolean del_object, GError **error)
{
    g_autoptr(GHashTable) sets = NULL;
    GHashTableIter it;
    gpointer key, val;

    if (del_object) {
        json_object *args = json_object_new_object();
        g_autoptr(json_object) cmd = NULL;
        g_autoptr(json_object) ret = NULL;

        json_object_object_add(args, "id", json_object_new_string(id));
        cmd = vl_capture_cmd("object-del", args);
        ret = vl_capture_qmp(dom, cmd, -1, error);
        if (!ret)
            return FALSE;
    }
    sets = vl_capture_fdsets(dom, error);
    if (!sets)
        return FALSE;
    g_hash_table_iter_init(&it, sets);
    while (g_hash_table_iter_next(&it, &key, &val)) {
        if (g_str_equal(val, id) && !vl_capture_remove_fdset(dom, GPOINTER_TO_INT(key), error))
            return FALSE;
    }
    return TRUE;
}

gboolean
vl_capture_remove_stale(virDomainPtr dom, guint *removed, GError **error)
{
    g_autoptr(GPtrArray) ids = vl_capture_list(dom, error);
    g_autoptr(GHashTable) sets = NULL;
    GHashTableIter it;
    gpointer key, val;

    if (removed)
        *removed = 0;
    if (!ids)
        return FALSE;
    for (guint i = 0; i < ids->len; i++) {
        const char *id = g_ptr_array_index(ids, i);
        if (vl_capture_owner_alive(id))
            continue;
        if (!vl_capture_remove(dom, id, TRUE, error))
            return FALSE;
        if (removed)
            (*removed)++;
    }
    /* fd sets of a capture killed between add-fd and remove-fd */
    sets = vl_capture_fdsets(dom, error);
    if (!sets)
        return FALSE;
    g_hash_table_iter_init(&it, sets);
    while (g_hash_table_iter_next(&it, &key, &val)) {
        if (!vl_capture_owner_alive(val) &&
            !vl_capture_remove_fdset(dom, GPOINTER_TO_INT(key), error))
            return FALSE;
    }
    return TRUE;
}

/* Adds filter-dump @id on @netdev, writing @file. Return: TRUE on success. */
static gboolean
vl_capture_object_add(virDomainPtr dom, const char *netdev, const char *id, const char *file,
                      GError **error)
{
    json_object *args = json_object_new_object();
    g_autoptr(json_object) cmd = NULL;
    g_autoptr(json_object) ret = NULL;

    json_object_object_add(args, "qom-type", json_object_new_string("filter-dump"));
    json_object_object_add(args, "id", json_object_new_string(id));
    json_object_object_add(args, "netdev", json_object_new_string(netdev));
    json_object_object_add(args, "file", json_object_new_string(file));
    cmd = vl_capture_cmd("object-add", args);
    ret = vl_capture_qmp(dom, cmd, -1, error);
    return ret != NULL;
}

gboolean
vl_capture_attach(virDomainPtr dom, const char *netdev, const char *id, int fd, GError **error)
{
    json_object *args = json_object_new_object();
    g_autoptr(json_object) cmd = NULL;
    g_autoptr(json_object) ret = NULL;
    json_object *qemu_fd = NULL;
    g_autofree char *file = NULL;
    gboolean added;

    json_object_object_add(args, "opaque", json_object_new_string(id));
    cmd = vl_capture_cmd("add-fd", args);
    ret = vl_capture_qmp(dom, cmd, fd, error);
    if (!ret)
        return FALSE;
    if (!json_object_object_get_ex(ret, "fd", &qemu_fd)) {
        g_set_error(error, VL_ERROR, VL_ERROR_FAILED, "QEMU monitor of '%s': add-fd gave no fd",
                    virDomainGetName(dom));
        vl_capture_remove(dom, id, FALSE, NULL);
        return FALSE;
    }
    /* filter-dump opens its file with a plain open(), not through fd sets: it reopens QEMU's
       copy of our descriptor by its /proc link. */
    file = g_strdup_printf("/proc/self/fd/%d", json_object_get_int(qemu_fd));
    added = vl_capture_object_add(dom, netdev, id, file, error);
    /* The filter holds its own descriptor now: the fd set is not needed any more. */
    if (!vl_capture_remove(dom, id, FALSE, added ? error : NULL)) {
        if (added)
            vl_capture_remove(dom, id, TRUE, NULL);
        return FALSE;
    }
    return added;
}

gboolean
vl_capture_attach_file(virDomainPtr dom, const char *netdev, const char *id, const char *path,
                       GError **error)
{
    return vl_capture_object_add(dom, netdev, id, path, error);
}

gboolean
vl_capture_detach(virDomainPtr dom, const char *id, GError **error)
{
    return vl_capture_remove(dom, id, TRUE, error);
}
