/*
 * kiosk_line.h — the kiosk's minimal line reader, fed one byte at a time from a raw terminal.
 * Deliberately not readline: no history, no completion, no key bindings, no INPUTRC.  Printable
 * UTF-8 goes into the line (up to KL_MAX bytes, the rest is dropped); Backspace/Delete erase one
 * character, Ctrl-U the whole line, Enter submits; every other control byte, every escape
 * sequence (CSI, SS3, OSC/DCS/APC/PM/SOS strings up to BEL or ST, bounded) and invalid UTF-8 is
 * parsed and dropped.  Bracketed paste (CSI 200~ ... CSI 201~, which the kiosk turns on): a paste
 * is text only: its line breaks and tabs become spaces and its other controls (Enter, Ctrl-U,
 * Backspace) are dropped, so a paste can never answer a page.  Pure logic: no I/O, so it is
 * unit-tested byte by byte.
 */
#ifndef DTREE_CLI_KIOSK_LINE_H
#define DTREE_CLI_KIOSK_LINE_H

#include <stddef.h>

#define KL_MAX 200       /* bytes of answer kept; a long paste is cut here, never breaks the screen */
#define KL_ESC_MAX 4096  /* an escape string longer than this is abandoned (never stuck forever) */

typedef enum kl_result {
    KL_NONE = 0,  /* nothing visible changed (byte swallowed or dropped) */
    KL_CHANGED,   /* the line changed: redraw the prompt */
    KL_SUBMIT     /* Enter: the line is in kiosk_line_text() until kiosk_line_clear() */
} kl_result;

typedef struct kiosk_line {
    char buf[KL_MAX + 1];    /* always valid, NUL-terminated UTF-8 of allowed characters */
    size_t len;
    unsigned char u8[4];     /* a UTF-8 character being collected */
    size_t u8_have, u8_need;
    int esc;                 /* escape parser state (kiosk_line.c) */
    size_t esc_len;          /* bytes swallowed in the current escape */
    unsigned csi_param;      /* first numeric parameter of a CSI (Delete is CSI 3 ~) */
    int csi_odd;             /* the CSI had a private marker or a second parameter */
    unsigned char prev;      /* previous byte inside an escape string (for UTF-8 encoded ST) */
    int paste;               /* inside a bracketed paste (between CSI 200~ and CSI 201~) */
    size_t dropped;          /* bytes dropped so far (diagnostics and tests) */
} kiosk_line;

/* Forget everything: the text (wiped, not just truncated), any partial character or escape. */
void kiosk_line_clear(kiosk_line *kl);
/* Feed one byte from the terminal. */
kl_result kiosk_line_feed(kiosk_line *kl, unsigned char b);
/* The input paused: a partial escape sequence or character will not be completed (a lone Esc
 * key, a cut paste), so abandon it; a bracketed paste whose end marker never came is over (Enter
 * works again).  The text is kept. */
void kiosk_line_gap(kiosk_line *kl);
/* 1 while a partial escape sequence or character, or a bracketed paste, is pending (then call
 * kiosk_line_gap after a pause). */
int kiosk_line_pending(const kiosk_line *kl);
/* The current text (borrowed, valid until the next call on kl). */
const char *kiosk_line_text(const kiosk_line *kl);

#endif
