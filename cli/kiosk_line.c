/*
 * kiosk_line.c — byte-at-a-time line editor for the kiosk (see kiosk_line.h).
 * Invariant: buf holds only whole characters that the CLI's one allow-list (rd_sanitize) leaves
 * unchanged, so whatever a customer types or pastes can be echoed and recorded as is.  Every
 * other byte is consumed by a small ECMA-48 escape parser or dropped; none is ever echoed raw.
 */
#include "kiosk_line.h"

#include "render.h"
#include "utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { ST_GROUND = 0, ST_ESC, ST_ESC_INTER, ST_CSI, ST_SS3, ST_STR };

#define CSI_MAX 64 /* parameters and intermediates of one CSI; real keys use fewer than 16 */

static void kl_wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;   /* volatile: the wipe must not be optimised away */
    while (n-- > 0) *v++ = 0;
}

void kiosk_line_clear(kiosk_line *kl)
{
    kl_wipe(kl, sizeof *kl);
}

const char *kiosk_line_text(const kiosk_line *kl)
{
    return kl->buf;
}

int kiosk_line_pending(const kiosk_line *kl)
{
    return kl->esc != ST_GROUND || kl->u8_need > 0 || kl->paste;
}

void kiosk_line_gap(kiosk_line *kl)
{
    if (kiosk_line_pending(kl)) kl->dropped += kl->u8_have + kl->esc_len;
    kl->esc = ST_GROUND;
    kl->esc_len = 0;
    kl->u8_have = kl->u8_need = 0;
    kl->paste = 0;
}

static kl_result kl_backspace(kiosk_line *kl)
{
    if (kl->len == 0) return KL_NONE;
    while (kl->len > 1 && ((unsigned char)kl->buf[kl->len - 1] & 0xC0u) == 0x80u)
        kl->buf[--kl->len] = '\0';
    kl->buf[--kl->len] = '\0';
    return KL_CHANGED;
}

static kl_result kl_kill_line(kiosk_line *kl)
{
    if (kl->len == 0) return KL_NONE;
    kl_wipe(kl->buf, sizeof kl->buf);
    kl->len = 0;
    return KL_CHANGED;
}

/* Characters go in only if the shared allow-list keeps them unchanged (one sanitiser). */
static int kl_allowed(const char *s, size_t n)
{
    char tmp[5], *clean;
    int ok;

    memcpy(tmp, s, n);
    tmp[n] = '\0';
    if (n == 1) return tmp[0] >= 0x20 && tmp[0] < 0x7F;
    clean = rd_sanitize(tmp, 0);
    ok = clean && strcmp(clean, tmp) == 0;
    free(clean);
    return ok;
}

static kl_result kl_insert(kiosk_line *kl, const char *s, size_t n)
{
    if (!kl_allowed(s, n) || kl->len + n > KL_MAX) {
        kl->dropped += n;
        return KL_NONE;
    }
    memcpy(kl->buf + kl->len, s, n);
    kl->len += n;
    kl->buf[kl->len] = '\0';
    return KL_CHANGED;
}

static void kl_enter(kiosk_line *kl, int state)
{
    kl->esc = state;
    kl->esc_len = 1;
    kl->csi_param = 0;
    kl->csi_odd = 0;
    kl->prev = 0;
}

/* A complete, valid character: C1 controls (U+0080..U+009F) act as their 7-bit escapes. */
static kl_result kl_character(kiosk_line *kl, const unsigned char *s, size_t n, uint32_t cp)
{
    if (cp >= 0x80 && cp < 0xA0) {
        kl->dropped += n;
        if (cp == 0x9B) kl_enter(kl, ST_CSI);
        else if (cp == 0x90 || cp == 0x98 || cp == 0x9D || cp == 0x9E || cp == 0x9F) kl_enter(kl, ST_STR);
        else if (cp == 0x8F || cp == 0x8E) kl_enter(kl, ST_SS3);
        return KL_NONE;
    }
    return kl_insert(kl, (const char *)s, n);
}

static kl_result kl_utf8_byte(kiosk_line *kl, unsigned char b)
{
    uint32_t cp;
    size_t n;

    kl->u8[kl->u8_have++] = b;
    if (kl->u8_have < kl->u8_need) return KL_NONE;
    n = u8_decode(kl->u8, kl->u8_have, &cp);
    kl->u8_need = kl->u8_have = 0;
    if (n == 0) {                      /* overlong, surrogate or past U+10FFFF */
        kl->dropped += 4;
        return KL_NONE;
    }
    return kl_character(kl, kl->u8, n, cp);
}

static size_t kl_lead_len(unsigned char b)
{
    if (b >= 0xC2 && b <= 0xDF) return 2;
    if (b >= 0xE0 && b <= 0xEF) return 3;
    if (b >= 0xF0 && b <= 0xF4) return 4;
    return 0;
}

/* A control byte inside a bracketed paste: line breaks and tabs are text (a space), the rest is
 * dropped; never Enter, never an edit. */
static kl_result kl_paste_control(kiosk_line *kl, unsigned char b)
{
    if (b == '\r' || b == '\n' || b == '\t') {
        if (kl->len > 0 && kl->buf[kl->len - 1] == ' ') return KL_NONE;   /* CR LF: one space */
        return kl_insert(kl, " ", 1);
    }
    kl->dropped++;
    return KL_NONE;
}

static kl_result kl_ground(kiosk_line *kl, unsigned char b)
{
    char c = (char)b;

    if (b == 0x1B) { kl_enter(kl, ST_ESC); return KL_NONE; }
    if (kl->paste && (b < 0x20 || b == 0x7F)) return kl_paste_control(kl, b);
    if (b == '\r' || b == '\n') return KL_SUBMIT;
    if (b == 0x7F || b == 0x08) return kl_backspace(kl);
    if (b == 0x15) return kl_kill_line(kl);                     /* Ctrl-U */
    if (b < 0x20) { kl->dropped++; return KL_NONE; }          /* Ctrl-C/D/Z/\/S/Q/V, Tab ... */
    if (b < 0x7F) return kl_insert(kl, &c, 1);
    kl->u8_need = kl_lead_len(b);
    if (kl->u8_need == 0) { kl->dropped++; return KL_NONE; }  /* stray continuation, C0/C1 bytes */
    kl->u8[0] = b;
    kl->u8_have = 1;
    return KL_NONE;
}

/* After ESC: which kind of sequence follows. */
static kl_result kl_after_esc(kiosk_line *kl, unsigned char b)
{
    switch (b) {
    case '[': kl->esc = ST_CSI; return KL_NONE;
    case ']': case 'P': case 'X': case '^': case '_': kl->esc = ST_STR; return KL_NONE;
    case 'O': case 'N': kl->esc = ST_SS3; return KL_NONE;
    case 0x1B: return KL_NONE;                              /* ESC ESC: still one escape */
    default: break;
    }
    if (b >= 0x20 && b <= 0x2F) { kl->esc = ST_ESC_INTER; return KL_NONE; }
    kl->esc = ST_GROUND;
    if (b >= 0x30 && b <= 0x7E) return KL_NONE;             /* a two-byte escape (Alt-key) */
    return kl_ground(kl, b);                                   /* Esc then Enter: Enter counts */
}

static kl_result kl_csi(kiosk_line *kl, unsigned char b)
{
    if (b >= '0' && b <= '9') {
        if (kl->csi_param < 10000) kl->csi_param = kl->csi_param * 10 + (unsigned)(b - '0');
        return KL_NONE;
    }
    if (b >= 0x3A && b <= 0x3F) { kl->csi_odd = 1; return KL_NONE; }   /* ; : < = > ? */
    if (b >= 0x20 && b <= 0x2F) return KL_NONE;                        /* intermediates */
    kl->esc = ST_GROUND;
    if (b >= 0x40 && b <= 0x7E) {                                      /* final byte */
        if (b == '~' && !kl->csi_odd && (kl->csi_param == 200 || kl->csi_param == 201)) {
            kl->paste = kl->csi_param == 200;   /* bracketed paste starts / ends */
            return KL_NONE;
        }
        if (b == '~' && kl->csi_param == 3 && !kl->csi_odd && !kl->paste) return kl_backspace(kl);
        return KL_NONE;
    }
    return kl_ground(kl, b);   /* a control byte cuts the sequence short and acts normally */
}

/* OSC, DCS, SOS, PM, APC: swallowed up to BEL, ST (ESC \ or U+009C), CAN/SUB, or a line end. */
static kl_result kl_string_byte(kiosk_line *kl, unsigned char b)
{
    int st8 = kl->prev == 0xC2 && b == 0x9C;

    kl->prev = b;
    if (b == 0x1B) { kl_enter(kl, ST_ESC); return KL_NONE; }   /* ESC \ ends it via after_esc */
    if (b == 0x07 || b == 0x18 || b == 0x1A || b == '\r' || b == '\n' || st8)
        kl->esc = ST_GROUND;
    return KL_NONE;
}

kl_result kiosk_line_feed(kiosk_line *kl, unsigned char b)
{
    if (kl->u8_need > 0) {
        if ((b & 0xC0u) == 0x80u) return kl_utf8_byte(kl, b);
        kl->dropped += kl->u8_have;                          /* truncated character */
        kl->u8_need = kl->u8_have = 0;
    }
    if (kl->esc != ST_GROUND && ++kl->esc_len > (kl->esc == ST_STR ? KL_ESC_MAX : CSI_MAX)) {
        kl->dropped += kl->esc_len;
        kl->esc = ST_GROUND;                                 /* bounded: never stuck */
        kl->esc_len = 0;
    }
    switch (kl->esc) {
    case ST_ESC: return kl_after_esc(kl, b);
    case ST_ESC_INTER:
        if (b >= 0x20 && b <= 0x2F) return KL_NONE;
        kl->esc = ST_GROUND;
        return b >= 0x30 && b <= 0x7E ? KL_NONE : kl_ground(kl, b);
    case ST_CSI: return kl_csi(kl, b);
    case ST_SS3:
        kl->esc = ST_GROUND;
        return b >= 0x20 && b <= 0x7E ? KL_NONE : kl_ground(kl, b);
    case ST_STR: return kl_string_byte(kl, b);
    default: return kl_ground(kl, b);
    }
}
