/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-handoff.c - the ssh_config and Ansible inventory `up` leaves in the lab's state folder */
#include "vl-handoff.h"

#include "vl-error.h"
#include "vl-fs.h"
#include "vl-json.h"
#include "vl-netns.h"
#include "vl-ready.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-c/json.h>
#include <string.h>

gboolean
vl_handoff_vm_has_ssh(const VlVm *vm)
{
    return vl_ready_role_has_mgmt(vm->role);
}

/* Return: (transfer full): "<lab>-<node>" for @node's first VM with SSH, else
 * "<lab>-<node>-<card>" (a second CPM). */
static char *
vl_handoff_alias(const VlSpec *spec, const VlVm *vm)
{
    for (guint i = 0; i < vm->node->vms->len; i++) {
        const VlVm *v = g_ptr_array_index(vm->node->vms, i);
        if (!vl_handoff_vm_has_ssh(v))
            continue;
        if (v == vm || !vm->card)
            return g_strdup_printf("%s-%s", spec->name, vm->node->name);
        break;
    }
    return g_strdup_printf("%s-%s-%s", spec->name, vm->node->name, vm->card);
}

/* Return: (transfer full): @s as one ssh_config argument: '%' doubled (ssh expands tokens), in
 * double quotes when it holds blanks. */
static char *
vl_handoff_ssh_arg(const char *s)
{
    g_auto(GStrv) parts = g_strsplit(s, "%", -1);
    g_autofree char *escaped = g_strjoinv("%%", parts);

    if (strpbrk(escaped, " \t"))
        return g_strdup_printf("\"%s\"", escaped);
    return g_steal_pointer(&escaped);
}

/* One Host block: the names, then where it is and how to log in. */
static void
vl_handoff_ssh_host(GString *out, const char *names, const VlVm *vm, const char *known)
{
    g_string_append_printf(out,
                           "Host %s\n"
                           "  HostName %s\n"
                           "  Port %u\n"
                           "  User %s\n"
                           "  UserKnownHostsFile %s\n"
                           "  StrictHostKeyChecking accept-new\n",
                           names, vl_vm_mgmt_address(vm), vm->ssh_port, vm->node->ssh_user, known);
}

char *
vl_handoff_ssh_config(const VlSpec *spec, const char *lab_dir)
{
    g_autofree char *kh_path = g_build_filename(lab_dir, "known_hosts", NULL);
    g_autofree char *known = vl_handoff_ssh_arg(kh_path);
    g_autofree char *self = g_build_filename(lab_dir, VL_HANDOFF_SSH_CONFIG, NULL);
    GString *out = g_string_new(NULL);

    g_string_append_printf(
        out,
        "# lab '%s': its VMs, written by `vmlab-virt up` (rewritten by every up, "
        "removed by down).\n"
        "# Use: ssh -F %s NAME, or put \"Include %s\" in ~/.ssh/config.\n"
        "# Passwords are not here: `vmlab-virt ssh NODE` supplies the spec's.\n",
        spec->name, self, self);
    for (guint i = 0; i < spec->vms->len; i++) {
        const VlVm *vm = g_ptr_array_index(spec->vms, i);
        g_autofree char *alias = NULL;
        g_autofree char *names = NULL;

        if (!vl_handoff_vm_has_ssh(vm))
            continue;
        alias = vl_handoff_alias(spec, vm);
        names = g_str_equal(alias, vm->name) ? g_strdup(alias)
                                             : g_strdup_printf("%s %s", vm->name, alias);
        g_string_append_c(out, '\n');
        vl_handoff_ssh_host(out, names, vm, known);
    }
    /* Coalesced hosts: their VM's address, and a login shell in their namespace. */
    for (guint i = 0; i < spec->nodes->len; i++) {
        const VlNode *host = g_ptr_array_index(spec->nodes, i);
        g_autofree char *names = NULL;
        g_autofree char *shell = NULL;
        const VlVm *vm;

        if (!host->host_vm || !host->host_vm->vms->len)
            continue;
        vm = g_ptr_array_index(host->host_vm->vms, 0);
        names =
            g_strdup_printf("%s%s %s-%s", spec->domain_prefix, host->name, spec->name, host->name);
        shell = vl_netns_wrap(host->name, NULL);
        g_string_append_printf(out,
                               "\n# host %s: network namespace %s in VM %s. A login shell in it; "
                               "for a command:\n"
                               "# ssh -F %s -o RemoteCommand=none %s-%s ip netns exec %s CMD\n",
                               host->name, host->name, vm->name, self, spec->name, host->name,
                               host->name);
        vl_handoff_ssh_host(out, names, vm, known);
        g_string_append_printf(out, "  RequestTTY yes\n  RemoteCommand %s\n", shell);
    }
    return g_string_free(out, FALSE);
}

/* Return: (transfer full): @s as an Ansible group name part: [A-Za-z0-9_] only. */
static char *
vl_handoff_group_name(const char *prefix, const char *s)
{
    GString *g = g_string_new(prefix);

    for (const char *p = s; *p; p++)
        g_string_append_c(g, g_ascii_isalnum(*p) ? *p : '_');
    return g_string_free(g, FALSE);
}

/* A YAML double-quoted scalar: JSON's string escapes are YAML's. */
static void
vl_handoff_yaml_str(GString *out, const char *s)
{
    g_autoptr(json_object) j = json_object_new_string(s);

    g_string_append(out, json_object_to_json_string_ext(j, JSON_C_TO_STRING_NOSLASHESCAPE));
}

static void
vl_handoff_yaml_var(GString *out, const char *key, const char *value)
{
    g_string_append_printf(out, "      %s: ", key);
    vl_handoff_yaml_str(out, value);
    g_string_append_c(out, '\n');
}

/* Return: the role a VM is grouped by: its device's topology role, else its own. */
static const char *
vl_handoff_vm_role(const VlVm *vm)
{
    return vm->node->role ? vm->node->role : vm->role;
}

/* Adds @vm's name to group @group of @groups (group -> GPtrArray of names, in order seen). */
static void
vl_handoff_group_add(GHashTable *groups, GPtrArray *order, char *group, const char *vm)
{
    GPtrArray *members = g_hash_table_lookup(groups, group);

    if (!members) {
        members = g_ptr_array_new();
        g_hash_table_insert(groups, group, members);
        g_ptr_array_add(order, group);
    } else {
        g_free(group);
    }
    g_ptr_array_add(members, (gpointer)vm);
}

static void
vl_handoff_inventory_host(GString *out, const VlSpec *spec, const VlVm *vm)
{
    const VlNode *node = vm->node;

    g_string_append_printf(out, "    %s:\n", vm->name);
    vl_handoff_yaml_var(out, "ansible_host", vl_vm_mgmt_address(vm));
    g_string_append_printf(out, "      ansible_port: %u\n", vm->ssh_port);
    vl_handoff_yaml_var(out, "ansible_user", node->ssh_user);
    if (node->ssh_pass && *node->ssh_pass)
        vl_handoff_yaml_var(out, "ansible_password", node->ssh_pass);
    if (node->ansible_network_os)
        vl_handoff_yaml_var(out, "ansible_network_os", node->ansible_network_os);
    if (node->ansible_connection)
        vl_handoff_yaml_var(out, "ansible_connection", node->ansible_connection);
    vl_handoff_yaml_var(out, "vmlab_node", node->name);
    vl_handoff_yaml_var(out, "vmlab_platform", node->platform_name);
    vl_handoff_yaml_var(out, "vmlab_role", vl_handoff_vm_role(vm));
    if (vm->card)
        vl_handoff_yaml_var(out, "vmlab_card", vm->card);
    if (node->is_host_vm && node->hosts) {
        g_string_append(out, "      vmlab_netns:\n");
        for (guint j = 0; j < node->hosts->len; j++) {
            g_string_append(out, "        - ");
            vl_handoff_yaml_str(out, ((const VlNode *)g_ptr_array_index(node->hosts, j))->name);
            g_string_append_c(out, '\n');
        }
    }
}

char *
vl_handoff_inventory(const VlSpec *spec, const char *lab_dir)
{
    g_autofree char *known = g_build_filename(lab_dir, "known_hosts", NULL);
    g_autofree char *quoted = g_shell_quote(known);
    g_autofree char *common =
        g_strdup_printf("-o UserKnownHostsFile=%s -o StrictHostKeyChecking=accept-new", quoted);
    g_autoptr(GHashTable) groups =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
    g_autoptr(GPtrArray) order = g_ptr_array_new();
    GString *out = g_string_new(NULL);

    g_string_append_printf(
        out,
        "# lab '%s': Ansible inventory, written by `vmlab-virt up` (rewritten by "
        "every up, removed by down).\n"
        "# Use: ansible-inventory -i %s/" VL_HANDOFF_INVENTORY " --list\n"
        "all:\n  vars:\n",
        spec->name, lab_dir);
    g_string_append(out, "    vmlab_lab: ");
    vl_handoff_yaml_str(out, spec->name);
    g_string_append(out, "\n    ansible_ssh_common_args: ");
    vl_handoff_yaml_str(out, common);
    g_string_append(out, "\n  hosts:\n");
    for (guint i = 0; i < spec->vms->len; i++) {
        const VlVm *vm = g_ptr_array_index(spec->vms, i);

        if (!vl_handoff_vm_has_ssh(vm))
            continue;
        vl_handoff_inventory_host(out, spec, vm);
        vl_handoff_group_add(groups, order,
                             vl_handoff_group_name("platform_", vm->node->platform_name), vm->name);
        vl_handoff_group_add(groups, order, vl_handoff_group_name("role_", vl_handoff_vm_role(vm)),
                             vm->name);
    }
    if (order->len)
        g_string_append(out, "  children:\n");
    for (guint i = 0; i < order->len; i++) {
        const char *group = g_ptr_array_index(order, i);
        GPtrArray *members = g_hash_table_lookup(groups, group);

        g_string_append_printf(out, "    %s:\n      hosts:\n", group);
        for (guint j = 0; j < members->len; j++)
            g_string_append_printf(out, "        %s:\n",
                                   (const char *)g_ptr_array_index(members, j));
    }
    return g_string_free(out, FALSE);
}

char **
vl_handoff_paths(const char *lab_dir)
{
    char **paths = g_new0(char *, 4);

    paths[0] = g_build_filename(lab_dir, VL_HANDOFF_SSH_CONFIG, NULL);
    paths[1] = g_build_filename(lab_dir, VL_HANDOFF_INVENTORY, NULL);
    paths[2] = g_build_filename(lab_dir, VL_HANDOFF_TOPOLOGY, NULL);
    return paths;
}

gboolean
vl_handoff_write(const VlSpec *spec, const char *lab_dir, GError **error)
{
    g_auto(GStrv) paths = vl_handoff_paths(lab_dir);
    static const int modes[3] = {0644, 0600, 0644};

    if (g_mkdir_with_parents(lab_dir, 0755) < 0) {
        int e = errno;
        g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot create folder: %s", lab_dir,
                    g_strerror(e));
        return FALSE;
    }
    for (guint i = 0; i < 3; i++) {
        g_autofree char *text = i == 0   ? vl_handoff_ssh_config(spec, lab_dir)
                                : i == 1 ? vl_handoff_inventory(spec, lab_dir)
                                         : vl_handoff_topology(spec);
        if (!vl_fs_write_atomic(paths[i], text, strlen(text), modes[i], error))
            return FALSE;
    }
    return TRUE;
}

gboolean
vl_handoff_remove(const char *lab_dir, GError **error)
{
    g_auto(GStrv) paths = vl_handoff_paths(lab_dir);

    for (guint i = 0; paths[i]; i++) {
        if (g_unlink(paths[i]) < 0 && errno != ENOENT) {
            int e = errno;
            g_set_error(error, VL_ERROR, VL_ERROR_IO, "%s: cannot remove: %s", paths[i],
                        g_strerror(e));
            return FALSE;
        }
    }
    return TRUE;
}
