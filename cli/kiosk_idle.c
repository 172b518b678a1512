/*
 * kiosk_idle.c — timing of the kiosk screens (see kiosk_idle.h).
 * Invariant: kiosk_idle_wait never returns a time past the next event kiosk_idle_tick reports,
 * so a poll() with that timeout wakes up in time for every countdown number and every reset.
 */
#include "kiosk_idle.h"

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

void kiosk_idle_init(kiosk_idle *ki, unsigned idle_s, int64_t now)
{
    int64_t idle = (int64_t)(idle_s ? idle_s : 1) * 1000;
    ki->idle_ms = idle;
    ki->countdown_ms = min64(idle, 10000);
    ki->thanks_ms = min64(idle, 5000);
    kiosk_idle_phase(ki, KP_WELCOME, now);
}

void kiosk_idle_phase(kiosk_idle *ki, kiosk_phase p, int64_t now)
{
    ki->phase = p;
    ki->since = now;
    ki->counting = 0;
    ki->shown = 0;
}

int kiosk_idle_input(kiosk_idle *ki, int64_t now)
{
    int was = ki->counting;
    ki->since = now;
    ki->counting = 0;
    ki->shown = 0;
    return was;
}

/* When the countdown reaches zero. */
static int64_t end_of_countdown(const kiosk_idle *ki)
{
    return ki->since + ki->idle_ms + ki->countdown_ms;
}

unsigned kiosk_idle_left(const kiosk_idle *ki, int64_t now)
{
    int64_t left = end_of_countdown(ki) - now;
    if (!ki->counting || left <= 0) return 0;
    return (unsigned)((left + 999) / 1000);
}

int kiosk_idle_wait(const kiosk_idle *ki, int64_t now)
{
    int64_t at, d;

    switch (ki->phase) {
    case KP_WELCOME: return -1;
    case KP_THANKS: at = ki->since + ki->thanks_ms; break;
    default:
        if (!ki->counting) {
            at = ki->since + ki->idle_ms;
        } else {   /* wake when the shown number changes, i.e. at the next whole second left */
            unsigned left = kiosk_idle_left(ki, now);
            at = left ? end_of_countdown(ki) - (int64_t)(left - 1) * 1000 : now;
        }
    }
    d = at - now;
    if (d < 0) return 0;
    return d > 60000 ? 60000 : (int)d;   /* wake at least once a minute; harmless */
}

kiosk_tick kiosk_idle_tick(kiosk_idle *ki, int64_t now)
{
    unsigned left;

    switch (ki->phase) {
    case KP_WELCOME: return KT_NONE;
    case KP_THANKS: return now >= ki->since + ki->thanks_ms ? KT_RESET : KT_NONE;
    default: break;
    }
    if (now >= end_of_countdown(ki)) return KT_RESET;
    if (!ki->counting) {
        if (now < ki->since + ki->idle_ms) return KT_NONE;
        ki->counting = 1;
    }
    left = kiosk_idle_left(ki, now);
    if (left == ki->shown) return KT_NONE;
    ki->shown = left;
    return KT_COUNTDOWN;
}
