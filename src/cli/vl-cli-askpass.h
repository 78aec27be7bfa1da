/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-cli-askpass.h - `vmlab-virt ssh` without typing passwords: vmlab-virt as ssh's SSH_ASKPASS */
#pragma once

#include <glib.h>

/*
 * `vmlab-virt ssh` runs the system ssh with SSH_ASKPASS naming vmlab-virt itself,
 * SSH_ASKPASS_REQUIRE=force, and VMLAB_ASKPASS_LAB / VMLAB_ASKPASS_DOMAIN naming the VM. ssh runs
 * the askpass program with its prompt as the one argument; vmlab-virt then reads the password
 * from the lab's spec (state.json names its folder) and prints it. The password is never on a
 * command line nor in an environment.
 */
#define VL_ASKPASS_LAB_ENV    "VMLAB_ASKPASS_LAB"
#define VL_ASKPASS_DOMAIN_ENV "VMLAB_ASKPASS_DOMAIN"

/**
 * vl_askpass_env_set:
 * @lab: the VM's lab
 * @domain: its domain name
 *
 * Sets, in this process's environment (for the ssh it then executes), what makes ssh ask
 * vmlab-virt for the password; DISPLAY too when unset and ssh is older than OpenSSH 8.4 (which
 * uses SSH_ASKPASS only with a DISPLAY).
 * Return: TRUE, or FALSE with @error when vmlab-virt's own path cannot be found.
 */
gboolean vl_askpass_env_set(const char *lab, const char *domain, GError **error);

/* Return: whether this run is ssh asking for a password (the hidden mode), not a command. */
gboolean vl_askpass_wanted(int argc, char **argv);

/**
 * vl_askpass_run:
 * @prompt: ssh's prompt
 *
 * Prints the password of the VM the environment names, for a prompt asking for a password (any
 * other question, such as a key's passphrase, gets no answer).
 * Return: the exit status: 0 with the password printed, else 1 (the reason on stderr).
 */
int vl_askpass_run(const char *prompt);
