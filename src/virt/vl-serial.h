/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-serial.h - what a domain's serial console is: a pty or a telnet server, and its boot log */
#pragma once

#include "vl-conn.h"

typedef struct {
    gboolean telnet; /* QEMU's telnet server (vm_console "telnet"); else reached through libvirt */
    char *host;      /* (nullable) telnet: the address it listens on */
    guint port;      /* telnet: its TCP port */
    char *log_path;  /* (nullable) the serial device's <log file=...> */
} VlSerial;

void vl_serial_free(VlSerial *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlSerial, vl_serial_free)

/**
 * vl_serial_get:
 * @dom: a domain (running or not)
 *
 * Reads the first serial device of @dom's XML.
 * Return: (transfer full): its description, or NULL with an error (no serial device, a telnet
 * port outside 1..65535, or libvirt failed).
 */
VlSerial *vl_serial_get(virDomainPtr dom, GError **error);
