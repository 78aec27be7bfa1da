/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vl-telnet.c - the client side of telnet negotiation: IAC sequences answered and dropped */
#include "vl-telnet.h"

#include <string.h>

/*
 * Theory of operation (RFC 854/855). The server's byte stream is data except after IAC (255):
 *   DATA    --IAC-->            COMMAND
 *   COMMAND --IAC-->            DATA (one literal 0xff)
 *   COMMAND --WILL/WONT/DO/DONT--> OPTION (the next byte names the option; answered there)
 *   COMMAND --SB-->             SUB (subnegotiation, dropped up to IAC SE)
 *   COMMAND --other-->          DATA (NOP, GA, BRK...: two-byte commands, dropped)
 *   SUB     --IAC-->            SUB_IAC;  SUB_IAC --SE--> DATA, --other--> SUB
 * QEMU's telnet server opens with WILL ECHO, WILL SUPPRESS-GO-AHEAD, WILL BINARY, DO BINARY: we
 * accept those (character at a time, 8-bit clean) and refuse anything else.
 */
enum {
    VL_TELNET_DATA,
    VL_TELNET_COMMAND,
    VL_TELNET_OPTION,
    VL_TELNET_SUB,
    VL_TELNET_SUB_IAC,
};

#define IAC  255
#define DONT 254
#define DO   253
#define WONT 252
#define WILL 251
#define SB   250
#define SE   240

#define OPT_BINARY 0
#define OPT_ECHO   1
#define OPT_SGA    3

void
vl_telnet_init(VlTelnet *t)
{
    memset(t, 0, sizeof(*t));
    t->state = VL_TELNET_DATA;
}

/* Answers WILL/DO @opt once (WONT/DONT need no answer). */
static void
vl_telnet_answer(VlTelnet *t, guint8 verb, guint8 opt, GByteArray *reply)
{
    guint bit = (guint)(verb - WILL) * 256 + opt;
    guint8 ans[3] = {IAC, 0, opt};

    if (verb == WONT || verb == DONT)
        return;
    if (t->answered[bit / 8] & (1u << (bit % 8)))
        return;
    t->answered[bit / 8] |= (guint8)(1u << (bit % 8));
    if (verb == WILL)
        ans[1] = (opt == OPT_ECHO || opt == OPT_SGA || opt == OPT_BINARY) ? DO : DONT;
    else
        ans[1] = (opt == OPT_SGA || opt == OPT_BINARY) ? WILL : WONT;
    g_byte_array_append(reply, ans, sizeof(ans));
}

void
vl_telnet_filter(VlTelnet *t, const guint8 *buf, gsize n, GByteArray *data, GByteArray *reply)
{
    gsize run = 0; /* start of the pending run of data bytes */

    for (gsize i = 0; i < n; i++) {
        guint8 c = buf[i];

        switch (t->state) {
        case VL_TELNET_DATA:
            if (c != IAC)
                continue;
            g_byte_array_append(data, buf + run, (guint)(i - run));
            t->state = VL_TELNET_COMMAND;
            break;
        case VL_TELNET_COMMAND:
            if (c == IAC) {
                g_byte_array_append(data, &c, 1);
                t->state = VL_TELNET_DATA;
            } else if (c >= WILL && c <= DONT) {
                t->verb = c;
                t->state = VL_TELNET_OPTION;
            } else {
                t->state = c == SB ? VL_TELNET_SUB : VL_TELNET_DATA;
            }
            break;
        case VL_TELNET_OPTION:
            vl_telnet_answer(t, t->verb, c, reply);
            t->state = VL_TELNET_DATA;
            break;
        case VL_TELNET_SUB:
            if (c == IAC)
                t->state = VL_TELNET_SUB_IAC;
            break;
        case VL_TELNET_SUB_IAC:
            t->state = c == SE ? VL_TELNET_DATA : VL_TELNET_SUB;
            break;
        default:
            g_assert_not_reached();
        }
        run = i + 1;
    }
    if (t->state == VL_TELNET_DATA && run < n)
        g_byte_array_append(data, buf + run, (guint)(n - run));
}

void
vl_telnet_escape(const guint8 *buf, gsize n, GByteArray *out)
{
    static const guint8 iac = IAC;
    gsize run = 0;

    for (gsize i = 0; i < n; i++) {
        if (buf[i] != IAC)
            continue;
        g_byte_array_append(out, buf + run, (guint)(i + 1 - run));
        g_byte_array_append(out, &iac, 1);
        run = i + 1;
    }
    g_byte_array_append(out, buf + run, (guint)(n - run));
}
