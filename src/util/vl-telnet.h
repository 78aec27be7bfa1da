/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-telnet.h - the client side of telnet negotiation: IAC sequences answered and dropped */
#pragma once

#include <glib.h>

/* Parser state of one telnet connection (see vl-telnet.c for the state machine). */
typedef struct {
    int state;
    guint8 verb;          /* WILL/WONT/DO/DONT waiting for its option byte */
    guint8 answered[128]; /* bit (verb - WILL) * 256 + option: answered once already */
} VlTelnet;

/* Resets @t to the start of a connection. */
void vl_telnet_init(VlTelnet *t);

/**
 * vl_telnet_filter:
 * @t: the connection's parser state
 * @buf: bytes received from the server
 * @n: how many
 * @data: receives the data bytes (IAC IAC as one 0xff; commands and subnegotiations dropped)
 * @reply: receives the answers to send back: DO to WILL ECHO/SUPPRESS-GO-AHEAD/BINARY, WILL to
 *         DO BINARY/SUPPRESS-GO-AHEAD, DONT/WONT to everything else; each request is answered
 *         once, so two peers never loop
 *
 * Sequences split across calls are handled.
 */
void vl_telnet_filter(VlTelnet *t, const guint8 *buf, gsize n, GByteArray *data, GByteArray *reply);

/* Appends @n bytes typed by the user to @out as telnet data (0xff doubled). */
void vl_telnet_escape(const guint8 *buf, gsize n, GByteArray *out);
