/*
 * kiosk_idle.h — the kiosk's idle/reset state machine.  It knows which screen phase the kiosk is
 * in and when the next timed thing happens; it never reads the clock itself (times are passed in
 * milliseconds), so the whole timing is unit-testable.
 *
 *   WELCOME  --Enter-->  STEP (questions)  --end-->  ENDED ("did this solve it?")  --> THANKS
 *   STEP/ENDED/NOTICE: `idle` s without input -> a visible countdown -> RESET (back to WELCOME)
 *   THANKS: a short goodbye, then RESET.  WELCOME never times out (there is nothing to forget).
 */
#ifndef DTREE_CLI_KIOSK_IDLE_H
#define DTREE_CLI_KIOSK_IDLE_H

#include <stdint.h>

typedef enum kiosk_phase {
    KP_WELCOME = 0, /* "press Enter to start"; no session */
    KP_STEP,        /* a step of the tree is shown */
    KP_ENDED,       /* the session ended: closing text and the feedback question */
    KP_NOTICE,      /* a message that waits for Enter: hand-off to staff, something went wrong */
    KP_THANKS       /* goodbye after feedback: resets by itself after a few seconds */
} kiosk_phase;

typedef enum kiosk_tick {
    KT_NONE = 0,    /* nothing to do yet */
    KT_COUNTDOWN,   /* the countdown started or its number changed: draw it */
    KT_RESET        /* time is up: record, forget the customer, show the welcome screen */
} kiosk_tick;

typedef struct kiosk_idle {
    int64_t idle_ms;      /* silence before the countdown appears */
    int64_t countdown_ms; /* length of the visible countdown */
    int64_t thanks_ms;    /* how long the goodbye stays */
    kiosk_phase phase;
    int64_t since;        /* last input, or when the phase began */
    int counting;         /* the countdown is on screen */
    unsigned shown;       /* seconds last reported by KT_COUNTDOWN */
} kiosk_idle;

/* idle_s: seconds before the countdown (>= 1).  The countdown lasts min(10, idle_s) seconds, the
 * goodbye min(5, idle_s). */
void kiosk_idle_init(kiosk_idle *ki, unsigned idle_s, int64_t now);
/* Enter a phase; its timer starts now. */
void kiosk_idle_phase(kiosk_idle *ki, kiosk_phase p, int64_t now);
/* Input arrived.  Returns 1 when it cancelled a visible countdown (the caller redraws the
 * screen and does not treat the key as an answer). */
int kiosk_idle_input(kiosk_idle *ki, int64_t now);
/* Milliseconds until kiosk_idle_tick has something to say; -1: wait for input only. */
int kiosk_idle_wait(const kiosk_idle *ki, int64_t now);
/* What the clock says now (call after every wake-up). */
kiosk_tick kiosk_idle_tick(kiosk_idle *ki, int64_t now);
/* Whole seconds left in the countdown (rounded up; 0 when not counting). */
unsigned kiosk_idle_left(const kiosk_idle *ki, int64_t now);

#endif
