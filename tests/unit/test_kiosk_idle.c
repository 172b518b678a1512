/*
 * test_kiosk_idle.c — the kiosk's idle/reset timing with a fake clock: countdown after the idle
 * time, one redraw per second, reset at zero, input cancelling the countdown, the goodbye timer.
 */
#include "../../cli/kiosk_idle.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static void welcome_never_times_out(void **state)
{
    kiosk_idle ki;
    (void)state;
    kiosk_idle_init(&ki, 120, 0);
    assert_int_equal(kiosk_idle_wait(&ki, 0), -1);
    assert_int_equal(kiosk_idle_tick(&ki, 10000000), KT_NONE);
}

static void countdown_then_reset(void **state)
{
    kiosk_idle ki;
    (void)state;
    kiosk_idle_init(&ki, 3, 0);
    assert_int_equal(ki.countdown_ms, 3000);
    kiosk_idle_phase(&ki, KP_STEP, 1000);
    assert_int_equal(kiosk_idle_wait(&ki, 1000), 3000);
    assert_int_equal(kiosk_idle_tick(&ki, 3999), KT_NONE);
    assert_int_equal(kiosk_idle_tick(&ki, 4000), KT_COUNTDOWN);
    assert_int_equal(kiosk_idle_left(&ki, 4000), 3);
    assert_int_equal(kiosk_idle_tick(&ki, 4500), KT_NONE);      /* still "3" */
    assert_int_equal(kiosk_idle_wait(&ki, 4500), 500);          /* wake at "2" */
    assert_int_equal(kiosk_idle_tick(&ki, 5000), KT_COUNTDOWN);
    assert_int_equal(kiosk_idle_left(&ki, 5000), 2);
    assert_int_equal(kiosk_idle_tick(&ki, 6000), KT_COUNTDOWN);
    assert_int_equal(kiosk_idle_left(&ki, 6000), 1);
    assert_int_equal(kiosk_idle_wait(&ki, 6000), 1000);
    assert_int_equal(kiosk_idle_tick(&ki, 7000), KT_RESET);
}

static void input_cancels_countdown(void **state)
{
    kiosk_idle ki;
    (void)state;
    kiosk_idle_init(&ki, 120, 0);
    assert_int_equal(ki.countdown_ms, 10000);
    kiosk_idle_phase(&ki, KP_STEP, 0);
    assert_int_equal(kiosk_idle_input(&ki, 50000), 0);          /* no countdown shown: plain key */
    assert_int_equal(kiosk_idle_tick(&ki, 170000), KT_COUNTDOWN);
    assert_int_equal(kiosk_idle_left(&ki, 170000), 10);
    assert_int_equal(kiosk_idle_input(&ki, 171000), 1);         /* "press any key" */
    assert_int_equal(kiosk_idle_tick(&ki, 172000), KT_NONE);
    assert_int_equal(kiosk_idle_wait(&ki, 172000), 60000);  /* capped: wakes once a minute */
    /* asleep past everything (stopped from outside): straight to reset */
    assert_int_equal(kiosk_idle_tick(&ki, 999999), KT_RESET);
}

static void thanks_resets_by_itself(void **state)
{
    kiosk_idle ki;
    (void)state;
    kiosk_idle_init(&ki, 120, 0);
    kiosk_idle_phase(&ki, KP_THANKS, 100);
    assert_int_equal(kiosk_idle_wait(&ki, 100), 5000);
    assert_int_equal(kiosk_idle_tick(&ki, 5099), KT_NONE);
    assert_int_equal(kiosk_idle_tick(&ki, 5100), KT_RESET);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(welcome_never_times_out),
        cmocka_unit_test(countdown_then_reset),
        cmocka_unit_test(input_cancels_countdown),
        cmocka_unit_test(thanks_resets_by_itself),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
