/*
 * test_match.c — dt_match_answer, the one rule that turns typed text into a label on screen (used
 * by dtree run, the kiosk, the tree picker and dt_session_choose_label): numbers, whole labels and
 * ids, label starts, word starts, ambiguity, and white space that never counts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dtree.h"

static const char *const labels[] = {"Router lights are off", "Roaming charges on my bill",
                                     "Something else entirely"};
static const char *const ids[] = {"router", "roaming", "other"};

static dt_match_result m(const char *typed, size_t *idx, size_t *nc)
{
    size_t cands[3];
    return dt_match_answer(typed, labels, ids, 3, idx, cands, nc);
}

static void test_rules(void **state)
{
    size_t idx = 99, nc = 0;
    (void)state;
    assert_int_equal(m("2", &idx, &nc), DT_MATCH_ONE);
    assert_int_equal(idx, 1);
    assert_int_equal(m("4", &idx, &nc), DT_MATCH_RANGE);
    assert_int_equal(m("0", &idx, &nc), DT_MATCH_RANGE);
    assert_int_equal(m("ro", &idx, &nc), DT_MATCH_MANY);
    assert_int_equal(nc, 2);
    assert_int_equal(m("ROU", &idx, &nc), DT_MATCH_ONE);
    assert_int_equal(idx, 0);
    assert_int_equal(m("bill", &idx, &nc), DT_MATCH_ONE);   /* a word inside a label */
    assert_int_equal(idx, 1);
    assert_int_equal(m("entire", &idx, &nc), DT_MATCH_ONE); /* the start of a word */
    assert_int_equal(idx, 2);
    assert_int_equal(m("other", &idx, &nc), DT_MATCH_ONE);  /* a choice id */
    assert_int_equal(idx, 2);
    assert_int_equal(m("xyz", &idx, &nc), DT_MATCH_NONE);
    assert_int_equal(nc, 0);
    assert_int_equal(m("", &idx, &nc), DT_MATCH_NONE);
    assert_int_equal(m(NULL, &idx, &nc), DT_MATCH_NONE);
    assert_int_equal(m("on", &idx, &nc), DT_MATCH_ONE);     /* a whole word, not "Something" */
    assert_int_equal(idx, 1);
    assert_int_equal(m("o", &idx, &nc), DT_MATCH_MANY);     /* off, on, other (id: no, rule 3) */
}

/* Tab completion adds a trailing space: "Home internet is down " and "3 " must still match. */
static void test_white_space_never_counts(void **state)
{
    size_t idx = 99, nc = 0;
    (void)state;
    assert_int_equal(m("Router lights are off ", &idx, &nc), DT_MATCH_ONE);
    assert_int_equal(idx, 0);
    assert_int_equal(m("3 ", &idx, &nc), DT_MATCH_ONE);
    assert_int_equal(idx, 2);
    assert_int_equal(m("\t bill\t", &idx, &nc), DT_MATCH_ONE);
    assert_int_equal(idx, 1);
    assert_int_equal(m("   ", &idx, &nc), DT_MATCH_NONE);
}

static void test_optional_outputs(void **state)
{
    const char *const some[] = {"Yes", NULL, "Yesterday"};
    size_t cands[3], nc = 7;
    (void)state;
    assert_int_equal(dt_match_answer("yes", some, NULL, 3, NULL, NULL, NULL), DT_MATCH_ONE);
    assert_int_equal(dt_match_answer("ye", some, NULL, 3, NULL, cands, &nc), DT_MATCH_MANY);
    assert_int_equal(nc, 2);
    assert_int_equal(cands[0], 0);
    assert_int_equal(cands[1], 2);
    assert_int_equal(dt_match_answer("x", NULL, NULL, 0, NULL, NULL, &nc), DT_MATCH_NONE);
    /* a multi-byte letter is no word boundary: "é" inside "café" never starts a word */
    const char *const cafe[] = {"caf\xc3\xa9 au lait"};
    assert_int_equal(dt_match_answer("au", cafe, NULL, 1, NULL, NULL, NULL), DT_MATCH_ONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_white_space_never_counts),
        cmocka_unit_test(test_optional_outputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
