/*
 * kiosk_flow.h — one customer's way through the kiosk: the welcome screen, the tree's steps shown
 * customer-only with "Talk to a person" always offered and "Start over" after the first step
 * ("help" typed at a typed-answer step asks before calling anyone), the end with its
 * feedback question, hand-off, errors, and the reset that forgets the customer.  cmd_kiosk.c owns
 * the terminal and the loop; this file decides what a submitted line means and what is drawn.
 */
#ifndef DTREE_CLI_KIOSK_FLOW_H
#define DTREE_CLI_KIOSK_FLOW_H

#include "dtree.h"
#include "kiosk_backlog.h"
#include "kiosk_idle.h"
#include "kiosk_line.h"
#include "kiosk_screen.h"

#include <stdint.h>

typedef enum kf_cause {   /* why a customer's session is over */
    KF_DONE = 0,          /* reached an end (feedback given or not) */
    KF_TIMEOUT,           /* nobody answered: recorded as timed out */
    KF_HANDOFF,           /* asked for a person and the tree has no hand-off step */
    KF_FAULT,             /* the engine failed: recorded as abandoned with a note */
    KF_STOP               /* the operator stopped the kiosk (SIGTERM/SIGHUP, terminal gone) */
} kf_cause;

typedef struct kiosk {
    /* set up by cmd_kiosk.c */
    const dt_tree *tree;
    dt_recorder *rec;         /* NULL: not recording */
    const char *welcome;      /* --welcome, or NULL for the default text */
    const char *host;         /* recorded with each session */
    const char *db;           /* the recording database (to reopen after a failed finish) */
    const char *notify;       /* --notify CMD (kiosk_notify.h), or NULL: nobody is told */
    int keep_typeahead;       /* --no-tty (tests): the rest of a read after Enter is kept */
    dt_error *err;            /* reused for every engine call */
    kiosk_screen scr;
    kiosk_line line;
    kiosk_idle idle;
    /* one customer */
    dt_session *s;            /* NULL on the welcome screen */
    int recording;            /* rec is attached to s */
    char *error;              /* "please try again" shown under the step, or NULL */
    char *notice;             /* KP_NOTICE text (hand-off, fault), or NULL */
    int ask_feedback;         /* KP_ENDED: the feedback question is on screen */
    int confirm_help;         /* KP_STEP: "help" was typed; asking before calling a person */
    char session_id[37];      /* the recorded id ("" when not recording), for --notify */
    unsigned faults;          /* engine failures so far (for tests and the operator) */
    kiosk_backlog backlog;    /* sessions not saved yet (full disk): retried, never dropped silently */
} kiosk;

/* Prepare k (fields above set) and show the welcome screen. */
void kf_begin(kiosk *k, int64_t now);
/* Redraw what the current phase shows (after a resize, a cancelled countdown, ...). */
void kf_draw(kiosk *k);
/* Redraw only the prompt line after an edit (when the page has one). */
void kf_prompt(kiosk *k);
/* Bytes of one read, typed or pasted (no key ever ends the kiosk): any key answers "are you
 * still there?" and leaves the thank-you page; otherwise they edit the line and Enter submits
 * it.  Unless k->keep_typeahead, the rest of the read after an Enter is dropped (a paste answers
 * one page at most), and so is what follows a paste's end marker in the same read.  Returns how
 * many bytes had been read when the last line was submitted, 0 when none was. */
size_t kf_input(kiosk *k, const unsigned char *buf, size_t n, int64_t now);
/* The customer pressed Enter on `text` (the line reader's text; the caller clears it after). */
void kf_submit(kiosk *k, const char *text, int64_t now);
/* Close the customer's session (recording it with `cause`), forget everything about them, clear
 * screen and scrollback and show the welcome screen. */
void kf_reset(kiosk *k, kf_cause cause, int64_t now);
/* The countdown ran out: reset, recording a customer in the middle of the tree as timed out
 * (after an end the session is simply complete). */
void kf_timeout(kiosk *k, int64_t now);
/* The operator stops the kiosk: record, forget, clear the screen (no welcome). */
void kf_end(kiosk *k);

#endif
