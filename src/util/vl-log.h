/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-log.h - the -v trace: library code says what it does through GLib's log, main shows it */
#pragma once

#include <glib.h>

/* The GLib log domain of vmlab-virt's trace messages (libvirt calls, reasons for a change). */
#define VL_LOG_DOMAIN "vmlab"

/*
 * vl_trace:
 *
 * Records one step at debug level in VL_LOG_DOMAIN. Nothing is printed unless main() installed a
 * handler for it (the CLI does for -v/--verbose, on stderr); library code never prints itself.
 */
#define vl_trace(...) g_log(VL_LOG_DOMAIN, G_LOG_LEVEL_DEBUG, __VA_ARGS__)
