/*
 * fuzz_eval.c — libFuzzer harness for evaluation time: long answers (up to 64 KiB, where the other
 * harnesses type at most 31 bytes) checked against patterns and then fed to conditions,
 * interpolation and label matching.  Input: a selector byte, a repeat count byte, then a slice;
 * the answer is the slice repeated (so "aaaa...!" style strings that make matchers backtrack are
 * cheap to reach).  The tree is built in: inputs with patterns known to be hard for backtracking
 * matchers, decides whose conditions read the answer with the string functions, a question whose
 * labels interpolate it.  With the selector's top bit set, the tree is the input's instead (up to
 * the first NUL; the slice follows it) and a walk types the long answer at every step it meets.
 * Every engine call must stay within a CPU-time budget (FZ_BUDGET_MS,
 * default 2 s of CPU under the sanitizers) — bounded work per answer, not just "no hang".
 */
#define _GNU_SOURCE
#include "fuzz_common.h"

#include <stdint.h>
#include <time.h>

#define MAX_ANSWER (64 * 1024)

static const char tree_xml[] =
    "<tree id='eval' version='1' title='Eval' start='q'>"
    "<var name='t' type='text'/><var name='n' type='number' value='1'/>"
    "<var name='e' type='email'/><var name='p' type='phone'/><var name='d' type='date'/>"
    "<var name='c' type='choice'/><var name='r' type='text'/>"
    "<question id='q'><say>{t}</say><choice to='p0'>Nested plus {t}</choice>"
    "<choice to='p1'>Alternation</choice><choice to='p2'>Words {t} then digit</choice>"
    "<choice to='p3'>Star star</choice><choice to='p4'>Lists</choice>"
    "<choice to='p5'>Plain</choice><choice to='in-e'>Email</choice>"
    "<choice to='in-p'>Phone</choice><choice to='in-n'>Number</choice><choice to='in-d'>Date</choice>"
    "<choice to='in-c'>Choice</choice></question>"
    "<input id='p0' var='t' next='d1' pattern='(a+)+'><say>?</say></input>"
    "<input id='p1' var='t' next='d1' pattern='(a|aa)*c'><say>?</say></input>"
    "<input id='p2' var='t' next='d1' pattern='([a-z]+ ?)*[0-9]'><say>?</say></input>"
    "<input id='p3' var='t' next='d1' pattern='(.*)*x(.*)*y'><say>?</say></input>"
    "<input id='p4' var='t' next='d1' pattern='[0-9]{1,200}(,[0-9]{1,200})*;'><say>?</say></input>"
    "<input id='p5' var='t' next='d1' required='false'><say>?</say></input>"
    "<input id='in-e' var='e' next='q'><say>?</say></input>"
    "<input id='in-p' var='p' next='q'><say>?</say></input>"
    "<input id='in-n' var='n' next='q'><say>?</say></input>"
    "<input id='in-d' var='d' next='q'><say>?</say></input>"
    "<input id='in-c' var='c' next='q'><say>?</say><option>one</option><option>two</option></input>"
    "<decide id='d1'>"
    "<when test=\"contains(concat($t, $t, $t), 'zz!')\" to='s1'/>"
    "<when test=\"string-length(translate($t, 'abcdefghij', '')) &gt; 5000\" to='s2'/>"
    "<when test=\"substring-after($t, 'a') = substring-before($t, 'b')\" to='s3'/>"
    "<when test=\"starts-with(concat($t, 'x'), concat(substring($t, 2), 'x'))\" to='s1'/>"
    "<when test=\"normalize-space($t) = $t and string-length($t) &gt; $n\" to='s2'/>"
    "<otherwise to='s3'/></decide>"
    "<info id='s1' next='q'><set var='r' value=\"concat($t, '-', $t)\"/><say>{r}</say></info>"
    "<info id='s2' next='q'><set var='r' value=\"translate($t, 'a', 'b')\"/><say>{t} {r}</say></info>"
    "<info id='s3' next='q'><say>{t}{t}{t}</say></info>"
    "</tree>";

static const char *const steps[] = {"p0", "p1", "p2", "p3", "p4", "p5", "in-e", "in-p", "in-n",
                                    "in-d", "in-c", "q"};
#define NSTEPS (sizeof steps / sizeof steps[0])

static dt_tree *tree;
static double budget_ms = 2000;
static int verbose; /* FZ_VERBOSE=1: every call's time */

static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Run one engine call and say how long it took when over budget. */
#define TIMED(what, call)                                                                      \
    do {                                                                                       \
        double t0_ = cpu_ms();                                                                 \
        (void)(call);                                                                          \
        double used_ = cpu_ms() - t0_;                                                         \
        if (used_ > budget_ms || verbose)                                                      \
            fprintf(stderr, "%s on step %s with a %zu-byte answer took %.0f ms of CPU\n", what, \
                    step, len, used_);                                                         \
        FZ_CHECK(used_ <= budget_ms);                                                          \
    } while (0)

/* The slice repeated up to MAX_ANSWER bytes (NULs dropped: they would end it early). */
static char *repeat(const uint8_t *slice, size_t n, unsigned count, size_t *len)
{
    size_t reps = 1 + (size_t)count * count;
    if (n && n * reps > MAX_ANSWER)
        reps = MAX_ANSWER / n;
    char *a = malloc(n * reps + 1);
    *len = 0;
    for (size_t r = 0; r < reps; r++)
        for (size_t i = 0; i < n; i++)
            if (slice[i])
                a[(*len)++] = (char)slice[i];
    a[*len] = 0;
    return a;
}

/* A tree from the input, walked with the long answer typed at every step. */
static void own_tree(const uint8_t *data, size_t size, unsigned count)
{
    const uint8_t *nul = memchr(data, 0, size);
    if (!nul)
        return;
    size_t len = 0;
    const char *step = "(start)";
    dt_load_options o;
    dt_load_options_init(&o);
    o.max_bytes = 64 * 1024;
    o.flags = DT_LOAD_NO_CALLS;
    dt_tree *t = NULL;
    if (dt_tree_load_memory((const char *)data, (size_t)(nul - data), "own.xml", &o, &t, NULL))
        return;
    char *answer = repeat(nul + 1, size - (size_t)(nul + 1 - data), count, &len);
    dt_session *s = NULL;
    FZ_CHECK(dt_session_new(t, &s, NULL) == DT_OK);
    dt_session_set_clock(s, fz_clock, NULL);
    dt_status st = DT_OK;
    TIMED("set_var", dt_session_set_var(s, dt_session_var_count(s) ? dt_session_var(s, 0)->name
                                                                   : "x", answer, NULL));
    TIMED("start", st = dt_session_start(s, NULL));
    for (int i = 0; i < 12 && st == DT_OK && !dt_session_ended(s); i++) {
        const dt_view *v = dt_session_view(s);
        step = v->step_id;
        if (v->kind == DT_STEP_INPUT) {
            TIMED("input", st = dt_session_input(s, answer, NULL));
            if (st != DT_OK)
                TIMED("input", st = dt_session_input(s, "1", NULL));
        } else if (v->kind == DT_STEP_QUESTION) {
            TIMED("choose_label", st = dt_session_choose_label(s, answer, NULL));
            if (st != DT_OK && v->choice_count)
                TIMED("choose", st = dt_session_choose(s, (size_t)i % v->choice_count, NULL));
        } else {
            TIMED("continue", st = dt_session_continue(s, NULL));
        }
        if (st == DT_EANSWER)
            st = DT_OK;
        fz_check_session(s);
    }
    dt_session_free(s);
    dt_tree_free(t);
    free(answer);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!tree) {
        dt_error *err = dt_error_new();
        if (dt_tree_load_memory(tree_xml, sizeof tree_xml - 1, "eval.xml", NULL, &tree, err)) {
            fprintf(stderr, "%s\n", dt_error_text(err));
            abort();
        }
        dt_error_free(err);
        verbose = getenv("FZ_VERBOSE") != NULL;
        const char *b = getenv("FZ_BUDGET_MS");
        if (b && atof(b) > 0)
            budget_ms = atof(b);
    }
    if (size < 3 || size > 65536)
        return 0;
    if (data[0] & 0x80) {
        own_tree(data + 2, size - 2, data[1]);
        return 0;
    }
    if (size > 4096)
        return 0;
    const char *step = steps[data[0] % NSTEPS];
    size_t len = 0;
    char *answer = repeat(data + 2, size - 2, data[1], &len);
    dt_session *s = NULL;
    FZ_CHECK(dt_session_new(tree, &s, NULL) == DT_OK);
    dt_session_set_clock(s, fz_clock, NULL);
    FZ_CHECK(dt_session_start(s, NULL) == DT_OK);
    TIMED("jump", dt_session_jump(s, NULL, step, NULL));
    const dt_view *v = dt_session_view(s);
    if (v->kind == DT_STEP_INPUT)
        TIMED("input", dt_session_input(s, answer, NULL));
    else
        TIMED("choose_label", dt_session_choose_label(s, answer, NULL));
    fz_check_session(s);
    /* the value now set (if accepted) flows into conditions, interpolation and labels */
    TIMED("set_var", dt_session_set_var(s, "t", answer, NULL));
    TIMED("jump", dt_session_jump(s, NULL, "p5", NULL));
    TIMED("input", dt_session_input(s, answer, NULL));
    TIMED("jump", dt_session_jump(s, NULL, "q", NULL));
    TIMED("choose_label", dt_session_choose_label(s, answer, NULL));
    TIMED("back", dt_session_back(s, NULL));
    TIMED("note", dt_session_note(s, answer, NULL));
    fz_check_session(s);
    dt_session_free(s);
    free(answer);
    return 0;
}
