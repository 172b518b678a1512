/*
 * test_session.c — the session API: every step kind, automatic chains, calls, back/restart/jump,
 * notes, answers by label and typed input, sensitive masking, the observer's event sequence,
 * run-time errors with rollback and the DT_ESTATE cases.  Trees are loaded from XML strings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dtree.h"
#include "support.h"

/* ---- fixtures -------------------------------------------------------------------------------- */

static char evlog[16384];
static size_t evcount;
static size_t last_path_length;
static int64_t fake_now;

static int64_t fake_clock(void *user)
{
    (void)user;
    return fake_now += 10;
}

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
    size_t n = strlen(evlog);
    if (n && n + 1 < sizeof evlog)
        evlog[n++] = ' ', evlog[n] = '\0';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(evlog + n, sizeof evlog - n, fmt, ap);
    va_end(ap);
}

static void observer(void *user, const dt_event *ev)
{
    (void)user;
    evcount++;
    last_path_length = ev->path_length;
    assert_true(ev->time_ms > 0);
    switch (ev->kind) {
    case DT_EV_START: logf_("start"); break;
    case DT_EV_STEP: logf_("step:%s", ev->step_id); break;
    case DT_EV_ANSWER:
        logf_("answer:%s:%s=%s", ev->step_id, ev->choice_id ? ev->choice_id : ev->var ? ev->var : "",
              ev->label ? ev->label : "(null)");
        break;
    case DT_EV_SET: logf_("set:%s=%s%s", ev->var, ev->value, ev->sensitive ? "!" : ""); break;
    case DT_EV_BACK: logf_("back:%s", ev->step_id); break;
    case DT_EV_RESTART: logf_("restart"); break;
    case DT_EV_JUMP: logf_("jump:%s/%s", ev->tree_id, ev->step_id); break;
    case DT_EV_NOTE: logf_("note:%s", ev->text); break;
    case DT_EV_END: logf_("end:%s:%s", ev->outcome, ev->text); break;
    }
}

static void clear_log(void)
{
    evlog[0] = '\0';
    evcount = 0;
}

static dt_error *err;

static int setup(void **state)
{
    (void)state;
    err = dt_error_new();
    clear_log();
    fake_now = 1000;
    return err ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    dt_error_free(err);
    return 0;
}

static dt_tree *load(const char *xml)
{
    dt_tree *t = NULL;
    dt_error_clear(err);
    dt_status st = dt_tree_load_memory(xml, strlen(xml), "t.xml", NULL, &t, err);
    if (st)
        fail_msg("load failed: %s", dt_error_text(err));
    return t;
}

static dt_session *open_session(const dt_tree *t)
{
    dt_session *s = NULL;
    assert_int_equal(dt_session_new(t, &s, err), DT_OK);
    dt_session_set_observer(s, observer, NULL);
    dt_session_set_clock(s, fake_clock, NULL);
    return s;
}

static dt_session *started(const dt_tree *t)
{
    dt_session *s = open_session(t);
    dt_status st = dt_session_start(s, err);
    if (st)
        fail_msg("start failed: %s", dt_error_text(err));
    return s;
}

#define OK(call)                                                           \
    do {                                                                   \
        dt_error_clear(err);                                               \
        dt_status st_ = (call);                                            \
        if (st_ != DT_OK)                                                  \
            fail_msg("%s failed: %s", #call, dt_error_text(err));          \
    } while (0)
#define FAILS(code, call)                                                  \
    do {                                                                   \
        dt_error_clear(err);                                               \
        assert_int_equal((call), (code));                                  \
        assert_true(dt_error_count(err) > 0);                              \
    } while (0)

static const char *step_id(dt_session *s)
{
    const dt_view *v = dt_session_view(s);
    return v ? v->step_id : "(none)";
}

static const char *err_msg(void)
{
    const dt_diag *d = dt_error_get(err, 0);
    return d ? d->message : "";
}

/* ---- trees ----------------------------------------------------------------------------------- */

static const char main_xml[] =
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    "<tree id='main' version='1' title='Main tree' start='q1'>\n"
    " <var name='n' type='number' value='0'/>\n"
    " <var name='who' type='text' value='Ann'/>\n"
    " <var name='ok' type='boolean'/>\n"
    " <question id='q1' title='First'>\n"
    "  <say>Hello {who}, n={n} ok={ok} {{x}}.</say>\n"
    "  <say audience='agent'>Agent only</say>\n"
    "  <note>Note for {who}</note>\n"
    "  <set var='n' value='$n + 1'/>\n"
    "  <choice to='i1' id='go'>Go on<set var='n' value='$n * 10'/></choice>\n"
    "  <choice to='e1' when='$n &gt; 100'>Stop</choice>\n"
    "  <choice to='d1' audience='customer'>Decide</choice>\n"
    " </question>\n"
    " <info id='i1' next='e1'><say>Info {n}</say></info>\n"
    " <decide id='d1'><when test='$n = 1' to='j1'><set var='ok' value='true()'/></when>"
    "<otherwise to='e1'/></decide>\n"
    " <jump id='j1' to='i1'/>\n"
    " <end id='e1' outcome='resolved'><say>Bye {who}</say><say>See you</say></end>\n"
    "</tree>\n";

/* ---- step kinds and views -------------------------------------------------------------------- */

static void test_question_view(void **state)
{
    (void)state;
    dt_tree *t = load(main_xml);
    dt_session *s = open_session(t);
    assert_null(dt_session_view(s));
    assert_int_equal(dt_session_path_count(s), 0);
    OK(dt_session_start(s, err));
    assert_string_equal(evlog, "start step:q1 set:n=1");
    const dt_view *v = dt_session_view(s);
    assert_non_null(v);
    assert_int_equal(v->kind, DT_STEP_QUESTION);
    assert_string_equal(v->tree_id, "main");
    assert_string_equal(v->tree_title, "Main tree");
    assert_string_equal(v->step_id, "q1");
    assert_string_equal(v->step_title, "First");
    assert_int_equal(v->say_count, 2);
    assert_string_equal(v->say[0].text, "Hello Ann, n=1 ok=no {x}.");
    assert_int_equal(v->say[0].audience, DT_AUD_ALL);
    assert_string_equal(v->say[1].text, "Agent only");
    assert_int_equal(v->say[1].audience, DT_AUD_AGENT);
    assert_string_equal(v->note, "Note for Ann");
    assert_int_equal(v->choice_count, 2); /* "Stop" is hidden: n is not > 100 */
    assert_string_equal(v->choices[0].id, "go");
    assert_string_equal(v->choices[0].label, "Go on");
    assert_string_equal(v->choices[1].id, "3");
    assert_string_equal(v->choices[1].label, "Decide");
    assert_int_equal(v->choices[1].audience, DT_AUD_CUSTOMER);
    assert_int_equal(v->step_number, 1);
    assert_int_equal(v->call_depth, 0);
    assert_string_equal(v->outcome, "");
    assert_false(dt_session_ended(s));
    assert_null(dt_session_outcome(s));
    dt_session_free(s);
    dt_tree_free(t);
}

static void test_info_and_end(void **state)
{
    (void)state;
    dt_tree *t = load(main_xml);
    dt_session *s = started(t);
    clear_log();
    OK(dt_session_choose(s, 0, err));
    assert_string_equal(evlog, "answer:q1:go=Go on set:n=10 step:i1");
    const dt_view *v = dt_session_view(s);
    assert_int_equal(v->kind, DT_STEP_INFO);
    assert_string_equal(v->say[0].text, "Info 10");
    assert_int_equal(v->step_number, 2);
    clear_log();
    OK(dt_session_continue(s, err));
    assert_string_equal(evlog, "answer:i1:=continue step:e1 end:resolved:Bye Ann\nSee you");
    v = dt_session_view(s);
    assert_int_equal(v->kind, DT_STEP_END);
    assert_string_equal(v->outcome, "resolved");
    assert_int_equal(v->say_count, 2);
    assert_int_equal(v->step_number, 3);
    assert_true(dt_session_ended(s));
    assert_string_equal(dt_session_outcome(s), "resolved");
    assert_int_equal(last_path_length, 3);
    /* the path: every step with its answer and time */
    assert_int_equal(dt_session_path_count(s), 3);
    const dt_path_entry *p0 = dt_session_path_get(s, 0), *p1 = dt_session_path_get(s, 1);
    const dt_path_entry *p2 = dt_session_path_get(s, 2);
    assert_string_equal(p0->step_id, "q1");
    assert_string_equal(p0->step_title, "First");
    assert_string_equal(p0->tree_id, "main");
    assert_int_equal(p0->kind, DT_STEP_QUESTION);
    assert_string_equal(p0->choice_id, "go");
    assert_string_equal(p0->answer, "Go on");
    assert_string_equal(p1->answer, "continue");
    assert_null(p1->choice_id);
    assert_null(p2->answer);
    assert_true(p0->time_ms < p1->time_ms && p1->time_ms < p2->time_ms);
    assert_int_equal(p2->flags, 0);
    assert_null(dt_session_path_get(s, 3));
    dt_session_free(s);
    dt_tree_free(t);
}

static void test_automatic_chain_and_back(void **state)
{
    (void)state;
    dt_tree *t = load(main_xml);
    dt_session *s = started(t);
    clear_log();
    OK(dt_session_choose(s, 1, err)); /* Decide: d1 (n = 1) -> j1 -> i1 */
    assert_string_equal(evlog, "answer:q1:3=Decide step:d1 set:ok=true step:j1 step:i1");
    assert_string_equal(step_id(s), "i1");
    assert_int_equal(dt_session_view(s)->step_number, 2);
    assert_int_equal(dt_session_path_count(s), 4);
    assert_null(dt_session_path_get(s, 1)->answer); /* automatic steps carry no answer */
    assert_string_equal(dt_session_var_get(s, "ok"), "yes");
    clear_log();
    OK(dt_session_back(s, err));
    assert_string_equal(evlog, "back:q1");
    assert_int_equal(last_path_length, 1);
    assert_string_equal(step_id(s), "q1");
    assert_int_equal(dt_session_path_count(s), 1);
    assert_null(dt_session_path_get(s, 0)->answer);
    assert_null(dt_session_path_get(s, 0)->choice_id);
    assert_string_equal(dt_session_var_get(s, "ok"), "no");
    assert_int_equal(dt_session_var(s, 2)->is_set, 0);
    assert_string_equal(dt_session_var_get(s, "n"), "1");
    FAILS(DT_ESTATE, dt_session_back(s, err)); /* first step */
    /* and forward again along the other branch */
    OK(dt_session_choose_label(s, "go", err));
    assert_string_equal(dt_session_var_get(s, "n"), "10");
    OK(dt_session_back(s, err));
    assert_string_equal(dt_session_var_get(s, "n"), "1");
    dt_session_free(s);
    dt_tree_free(t);
}

static void test_back_from_end(void **state)
{
    (void)state;
    dt_tree *t = load(main_xml);
    dt_session *s = started(t);
    OK(dt_session_choose(s, 0, err));
    OK(dt_session_continue(s, err));
    assert_true(dt_session_ended(s));
    OK(dt_session_back(s, err));
    assert_false(dt_session_ended(s));
    assert_null(dt_session_outcome(s));
    assert_string_equal(step_id(s), "i1");
    OK(dt_session_back(s, err));
    assert_string_equal(step_id(s), "q1");
    assert_string_equal(dt_session_var_get(s, "n"), "1");
    dt_session_free(s);
    dt_tree_free(t);
}

static void test_estate(void **state)
{
    (void)state;
    dt_tree *t = load(main_xml);
    dt_session *s = open_session(t);
    FAILS(DT_ESTATE, dt_session_choose(s, 0, err));
    FAILS(DT_ESTATE, dt_session_continue(s, err));
    FAILS(DT_ESTATE, dt_session_input(s, "x", err));
    FAILS(DT_ESTATE, dt_session_back(s, err));
    FAILS(DT_ESTATE, dt_session_restart(s, err));
    FAILS(DT_ESTATE, dt_session_jump(s, NULL, "i1", err));
    FAILS(DT_ESTATE, dt_session_note(s, "x", err));
    OK(dt_session_start(s, err));
    FAILS(DT_ESTATE, dt_session_start(s, err));
    FAILS(DT_ESTATE, dt_session_continue(s, err));     /* on a question */
    FAILS(DT_ESTATE, dt_session_input(s, "x", err));   /* on a question */
    OK(dt_session_choose(s, 0, err));
    FAILS(DT_ESTATE, dt_session_choose(s, 0, err));    /* on an info */
    FAILS(DT_ESTATE, dt_session_choose_label(s, "go", err));
    OK(dt_session_continue(s, err));
    clear_log();
    FAILS(DT_ESTATE, dt_session_choose(s, 0, err));    /* after the end */
    FAILS(DT_ESTATE, dt_session_continue(s, err));
    FAILS(DT_ESTATE, dt_session_input(s, "x", err));
    assert_string_equal(evlog, "");
    FAILS(DT_EARG, dt_session_note(s, NULL, err));
    FAILS(DT_EARG, dt_session_jump(s, NULL, NULL, err));
    FAILS(DT_EARG, dt_session_start(NULL, err));
    FAILS(DT_EARG, dt_session_new(t, NULL, err));
    dt_session *none = (dt_session *)1;
    FAILS(DT_EARG, dt_session_new(NULL, &none, err));
    assert_null(none);
    dt_session_free(NULL);
    dt_session_free(s);
    dt_tree_free(t);
}

static void test_choose_out_of_range(void **state)
{
    (void)state;
    dt_tree *t = load(main_xml);
    dt_session *s = started(t);
    clear_log();
    FAILS(DT_EANSWER, dt_session_choose(s, 2, err)); /* only two offered: the hidden one counts not */
    assert_string_equal(evlog, "");
    assert_int_equal(dt_session_path_count(s), 1);
    dt_session_free(s);
    dt_tree_free(t);
}

/* ---- choose_label ---------------------------------------------------------------------------- */

static const char labels_xml[] =
    "<tree id='lab' version='1' title='Labels'>\n"
    " <question id='q'><say>Pick</say>\n"
    "  <choice to='e' id='a1'>Yes, it is lit</choice>\n"
    "  <choice to='e' id='a2'>Yes, blinking</choice>\n"
    "  <choice to='e' id='no'>No</choice>\n"
    "  <choice to='e' id='x9'>Not sure</choice>\n"
    " </question>\n"
    " <end id='e' outcome='resolved'/>\n"
    "</tree>\n";

static const char *chosen(dt_tree *t, const char *label, dt_status want)
{
    static char id[64];
    dt_session *s = started(t);
    dt_error_clear(err);
    dt_status st = dt_session_choose_label(s, label, err);
    assert_int_equal(st, want);
    snprintf(id, sizeof id, "%s",
             st ? err_msg() : dt_session_path_get(s, 0)->choice_id);
    dt_session_free(s);
    return id;
}

static void test_choose_label(void **state)
{
    (void)state;
    dt_tree *t = load(labels_xml);
    assert_string_equal(chosen(t, "yes, IT IS LIT", DT_OK), "a1");
    assert_string_equal(chosen(t, "  no ", DT_OK), "no");      /* exact label beats prefix */
    assert_string_equal(chosen(t, "x9", DT_OK), "x9");         /* by id */
    assert_string_equal(chosen(t, "yes, b", DT_OK), "a2");     /* unique prefix */
    assert_string_equal(chosen(t, "not", DT_OK), "x9");
    /* the agent's rule (dt_match_answer): a word inside a label, a position, a trailing Tab space */
    assert_string_equal(chosen(t, "blink", DT_OK), "a2");
    assert_string_equal(chosen(t, "sure\t", DT_OK), "x9");
    assert_string_equal(chosen(t, "3 ", DT_OK), "no");
    assert_non_null(strstr(chosen(t, "5", DT_EANSWER), "1-4"));
    const char *m = chosen(t, "ye", DT_EANSWER);
    assert_non_null(strstr(m, "Yes, it is lit"));
    assert_non_null(strstr(m, "Yes, blinking"));
    assert_non_null(strstr(chosen(t, "maybe", DT_EANSWER), "maybe"));
    chosen(t, "", DT_EANSWER);
    chosen(t, "   ", DT_EANSWER);
    dt_session *s = started(t);
    FAILS(DT_EARG, dt_session_choose_label(s, NULL, err));
    dt_session_free(s);
    dt_tree_free(t);
}

/* ---- variable label and internal (for case summaries) ------------------------------------------ */

static void test_var_label_internal(void **state)
{
    (void)state;
    dt_tree *t = load("<tree id='v' version='1' title='V'>\n"
                      " <var name='fixes' type='number' value='0' label='Fixes tried'/>\n"
                      " <var name='last' type='text' value='' internal='true'/>\n"
                      " <var name='plain' type='text'/>\n"
                      " <info id='i' next='e'><say>x {fixes}{last}{plain}</say></info>\n"
                      " <end id='e' outcome='resolved'/>\n"
                      "</tree>\n");
    dt_session *s = started(t);
    assert_string_equal(dt_session_var(s, 0)->label, "Fixes tried");
    assert_int_equal(dt_session_var(s, 0)->internal, 0);
    assert_string_equal(dt_session_var(s, 1)->label, "");
    assert_int_equal(dt_session_var(s, 1)->internal, 1);
    assert_string_equal(dt_session_var(s, 2)->label, "");
    dt_session_free(s);
    dt_tree_free(t);
    dt_tree *bad = NULL;
    const char *x = "<tree id='v' version='1' title='V'><var name='a' internal='yes'/>"
                    "<end id='e' outcome='resolved'/></tree>";
    dt_error_clear(err);
    assert_int_not_equal(dt_tree_load_memory(x, strlen(x), "t.xml", NULL, &bad, err), DT_OK);
    assert_non_null(strstr(dt_error_text(err), "internal"));
    dt_tree_free(bad);
}

/* ---- typed input ----------------------------------------------------------------------------- */

static const char input_xml[] =
    "<tree id='inp' version='1' title='Inputs'>\n"
    " <var name='age' type='number'/>\n"
    " <var name='born' type='date'/>\n"
    " <var name='nick' type='text' value='none'/>\n"
    " <var name='mail' type='email'/>\n"
    " <var name='tel' type='phone'/>\n"
    " <var name='agree' type='boolean'/>\n"
    " <var name='plan' type='choice'/>\n"
    " <var name='code' type='text'/>\n"
    " <input id='i-age' var='age' next='i-born' min='18' max='120'><say>Age?</say></input>\n"
    " <input id='i-born' var='born' next='i-nick' min='1900-01-01' max='2012-12-31'>"
    "<say>Born?</say><retry>Give the date as YYYY-MM-DD.</retry></input>\n"
    " <input id='i-nick' var='nick' next='i-mail' required='false' min='2' max='5'>"
    "<say>Nick?</say></input>\n"
    " <input id='i-mail' var='mail' next='i-tel'><say>Mail?</say></input>\n"
    " <input id='i-tel' var='tel' next='i-agree'><say>Tel?</say></input>\n"
    " <input id='i-agree' var='agree' next='i-plan'><say>Agree?</say></input>\n"
    " <input id='i-plan' var='plan' next='i-code'><say>Plan?</say>"
    "<option>Basic</option><option>Premium Plus</option></input>\n"
    " <input id='i-code' var='code' next='done' pattern='[A-Z]{2}[0-9]{3}'>"
    "<say>Code?</say><retry>Two capitals then three digits, for {nick}.</retry></input>\n"
    " <end id='done' outcome='resolved'><say>{age} {born} {nick} {mail} {tel} {agree} {plan} "
    "{code}</say></end>\n"
    "</tree>\n";

/* Refused: DT_EANSWER, same step, nothing recorded. */
static void refused(dt_session *s, const char *answer, const char *msg_part)
{
    size_t n = dt_session_path_count(s);
    const char *before = step_id(s);
    clear_log();
    FAILS(DT_EANSWER, dt_session_input(s, answer, err));
    if (msg_part && !strstr(err_msg(), msg_part))
        fail_msg("answer `%s`: message `%s` lacks `%s`", answer, err_msg(), msg_part);
    assert_string_equal(step_id(s), before);
    assert_int_equal(dt_session_path_count(s), n);
    assert_string_equal(evlog, "");
}

static void test_inputs(void **state)
{
    (void)state;
    dt_tree *t = load(input_xml);
    dt_session *s = started(t);
    const dt_view *v = dt_session_view(s);
    assert_int_equal(v->kind, DT_STEP_INPUT);
    assert_string_equal(v->var, "age");
    assert_int_equal(v->input_type, DT_VAR_NUMBER);
    assert_int_equal(v->required, 1);
    assert_string_equal(v->retry, "");
    refused(s, "", "required");
    refused(s, "   ", "required");
    refused(s, "abc", "number");
    refused(s, "2,5", "number");
    refused(s, "17.99", "at least 18");
    refused(s, "120.5", "at most 120");
    clear_log();
    OK(dt_session_input(s, " 18.0 ", err)); /* boundary, canonical form stored */
    assert_string_equal(evlog, "answer:i-age:age=18 set:age=18 step:i-born");
    assert_string_equal(dt_session_path_get(s, 0)->answer, "18");
    /* date: the author's retry text replaces the engine's reason */
    assert_string_equal(dt_session_view(s)->retry, "Give the date as YYYY-MM-DD.");
    refused(s, "2013-01-01", "Give the date as YYYY-MM-DD.");
    refused(s, "1899-12-31", "Give the date");
    refused(s, "2012-02-30", "Give the date");
    OK(dt_session_input(s, "2012-12-31", err));
    /* optional text with a length range in characters */
    assert_int_equal(dt_session_view(s)->required, 0);
    refused(s, "x", "at least 2");
    refused(s, "abcdef", "at most 5");
    clear_log();
    OK(dt_session_input(s, "", err)); /* empty optional answer: unchanged */
    assert_string_equal(evlog, "answer:i-nick:nick= step:i-mail");
    assert_string_equal(dt_session_var_get(s, "nick"), "none");
    OK(dt_session_back(s, err));
    OK(dt_session_input(s, "\xc3\xa9t\xc3\xa9\xc3\xa9\xc3\xa9", err)); /* 5 characters, 9 bytes */
    assert_string_equal(dt_session_var_get(s, "nick"), "\xc3\xa9t\xc3\xa9\xc3\xa9\xc3\xa9");
    refused(s, "ann@", "e-mail");
    OK(dt_session_input(s, "ann@example.com", err));
    refused(s, "12", "phone");
    OK(dt_session_input(s, "+44 20 7946 0000", err));
    refused(s, "perhaps", "yes or no");
    OK(dt_session_input(s, "Y", err));
    assert_string_equal(dt_session_var_get(s, "agree"), "yes");
    v = dt_session_view(s);
    assert_int_equal(v->input_type, DT_VAR_CHOICE);
    assert_int_equal(v->option_count, 2);
    assert_string_equal(v->options[1], "Premium Plus");
    refused(s, "gold", "Basic, Premium Plus");
    OK(dt_session_input(s, "premium plus", err));
    assert_string_equal(dt_session_var_get(s, "plan"), "Premium Plus"); /* as written */
    refused(s, "ab123", "Two capitals then three digits, for \xc3\xa9t"); /* retry interpolated */
    refused(s, "AB1234", NULL);  /* the whole answer must match */
    refused(s, "xAB123", NULL);
    OK(dt_session_input(s, " AB123 ", err));
    assert_true(dt_session_ended(s));
    assert_string_equal(dt_session_view(s)->say[0].text,
                        "18 2012-12-31 \xc3\xa9t\xc3\xa9\xc3\xa9\xc3\xa9 ann@example.com "
                        "+44 20 7946 0000 yes Premium Plus AB123");
    OK(dt_session_back(s, err));
    FAILS(DT_EARG, dt_session_input(s, NULL, err));
    dt_session_free(s);
    dt_tree_free(t);
}

static void test_input_engine_reason(void **state)
{
    (void)state;
    dt_tree *t = load(input_xml);
    dt_session *s = started(t);
    refused(s, "x", "expected a number");
    dt_session_free(s);
    dt_tree_free(t);
}

/* Issue 9, finding 15: `(.{0,100}){0,100}x` cost glibc 26 s per answer.  PCRE2's limits make a
 * pathological answer a refusal with the engine's own reason (the retry text would mislead), and
 * an answer longer than 64 KiB is refused before any work. */
static void test_input_limits(void **state)
{
    (void)state;
    static const char xml[] =
        "<tree id='lim' version='1' title='Limits'>\n"
        " <var name='w' type='text'/>\n"
        " <input id='ask' var='w' next='e' pattern='(a|aa)+'><say>?</say><retry>Only a.</retry></input>\n"
        " <end id='e' outcome='resolved'/>\n"
        "</tree>\n";
    dt_tree *t = load(xml);
    dt_session *s = started(t);
    char answer[80];
    memset(answer, 'a', 60);
    strcpy(answer + 60, "!");
    refused(s, answer, "the answer cannot be checked: matching it against the expected form takes "
                       "too much work");
    refused(s, "ab", "Only a.");
    static char huge[65538];
    memset(huge, 'a', sizeof huge - 1);
    refused(s, huge, "the answer is longer than 65536 bytes");
    OK(dt_session_input(s, "aaaa", err));
    assert_true(dt_session_ended(s));
    dt_session_free(s);
    dt_tree_free(t);
}

/* Issue 13: the view describes an input fully, so that a form can check an answer before it is
 * sent: bounds ("today" resolved from the session clock, as the engine will check it), the
 * pattern, and whether the variable is sensitive. */
static void test_input_view(void **state)
{
    (void)state;
    static const char xml[] =
        "<tree id='iv' version='1' title='Input view'>\n"
        " <var name='d' type='date'/><var name='pin' type='text' sensitive='true'/>\n"
        " <input id='when' var='d' next='code' min='today' max='2099-12-31'><say>?</say></input>\n"
        " <input id='code' var='pin' next='e' min='4' max='6' pattern='[0-9]+'><say>?</say></input>\n"
        " <end id='e' outcome='resolved'/>\n"
        "</tree>\n";
    dt_tree *t = load(xml);
    fake_now = (int64_t)1796155713 * 1000; /* 2026-12-01 */
    dt_session *s = started(t);
    const dt_view *v = dt_session_view(s);
    time_t secs = (time_t)(fake_now / 1000);
    struct tm tm;
    assert_non_null(localtime_r(&secs, &tm));
    double today = (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
    assert_int_equal(v->input_type, DT_VAR_DATE);
    assert_int_equal(v->has_min, 2);
    assert_true(v->min == today);
    assert_int_equal(v->has_max, 1);
    assert_true(v->max == 20991231);
    assert_int_equal(v->sensitive, 0);
    assert_string_equal(v->pattern, "");
    OK(dt_session_input(s, "2099-01-01", err));
    v = dt_session_view(s);
    assert_string_equal(v->step_id, "code");
    assert_int_equal(v->has_min, 1);
    assert_int_equal(v->has_max, 1);
    assert_true(v->min == 4 && v->max == 6);
    assert_string_equal(v->pattern, "[0-9]+");
    assert_int_equal(v->sensitive, 1);
    dt_session_free(s);
    dt_tree_free(t);
}

/* Issue 9, finding 14: 2,000 translate() calls on 64 KiB strings in one step ran past a minute,
 * and nothing bounded the number of evaluations in one answer.  One action's work is bounded now:
 * the step is refused with the budget named, the session stays where it was, and the next action
 * has a fresh budget.  (Counted, not timed: the CPU figures are in make bench.) */
static char *work_tree(const char *set, unsigned nsets)
{
    size_t cap = 4096 + (size_t)nsets * (strlen(set) + 1);
    char *x = malloc(cap);
    size_t n = (size_t)snprintf(x, cap, "<tree id='work' version='1' title='Work'>\n"
                                " <var name='b' type='text' value='x'/><var name='n' type='number'/>\n"
                                " <info id='grow' next='burn'><say>grow</say>\n");
    for (int i = 0; i < 16; i++) /* $b doubles to 64 KiB */
        n += (size_t)snprintf(x + n, cap - n, "  <set var='b' value='concat($b, $b)'/>\n");
    n += (size_t)snprintf(x + n, cap - n, " </info>\n <info id='burn' next='e'><say>burn</say>\n");
    for (unsigned i = 0; i < nsets; i++)
        n += (size_t)snprintf(x + n, cap - n, "%s\n", set);
    snprintf(x + n, cap - n, " </info>\n <end id='e' outcome='resolved'/>\n</tree>\n");
    return x;
}

static void burn_refused(const char *set, unsigned nsets, const char *want)
{
    char *xml = work_tree(set, nsets);
    dt_tree *t = load(xml);
    free(xml);
    dt_session *s = started(t);
    assert_string_equal(step_id(s), "grow");
    assert_int_equal(strlen(dt_session_var_get(s, "b")), 65536);
    clear_log();
    FAILS(DT_ERUNTIME, dt_session_continue(s, err));
    if (!strstr(err_msg(), want))
        fail_msg("got `%s`, want `%s`", err_msg(), want);
    assert_string_equal(step_id(s), "grow");
    assert_string_equal(evlog, "");
    OK(dt_session_note(s, "still usable", err));
    dt_session_free(s);
    dt_tree_free(t);
}

static void test_action_work_bounded(void **state)
{
    (void)state;
    burn_refused("  <set var='n' value='$n + 1'/>", 25000,
                 "too much work in one answer: more than 10000 evaluations");
    burn_refused("  <set var='n' value=\"string-length(translate($b, $b, ''))\"/>", 2000,
                 "too much work in one answer: the formulas handle more than 16777216 bytes");
    burn_refused("  <set var='n' value=\"string-length(substring-before($b, concat($b, 'y')))\"/>",
                 2000, "too much work in one answer: the formulas handle more than");
    /* the largest step the budget allows still runs */
    char *xml = work_tree("  <set var='n' value='$n + 1'/>", 9000);
    dt_tree *t = load(xml);
    free(xml);
    dt_session *s = started(t);
    OK(dt_session_continue(s, err));
    assert_string_equal(dt_session_var_get(s, "n"), "9000");
    dt_session_free(s);
    dt_tree_free(t);
}

/* ---- sensitive values ------------------------------------------------------------------------ */

static const char secret_xml[] =
    "<tree id='sec' version='1' title='Secrets'>\n"
    " <var name='acct' type='text' sensitive='true'/>\n"
    " <var name='pin' type='number' sensitive='true' value='1234'/>\n"
    " <input id='ask' var='acct' next='q' pattern='[0-9]{4}'><say>Account?</say></input>\n"
    " <question id='q'><say>Account {acct}, pin {pin}</say>\n"
    "  <choice to='e'>Use {acct}<set var='pin' value='$pin + 1'/></choice></question>\n"
    " <end id='e' outcome='resolved'><say>Done {acct}</say></end>\n"
    "</tree>\n";

static void test_sensitive(void **state)
{
    (void)state;
    dt_tree *t = load(secret_xml);
    dt_session *s = started(t);
    refused(s, "12345678", NULL);
    assert_null(strstr(err_msg(), "12345678"));
    clear_log();
    OK(dt_session_input(s, "4321", err));
    assert_string_equal(evlog, "answer:ask:acct=[redacted] set:acct=[redacted]! step:q");
    const dt_view *v = dt_session_view(s);
    assert_string_equal(v->say[0].text, "Account [redacted], pin [redacted]");
    assert_string_equal(v->choices[0].label, "Use [redacted]");
    assert_string_equal(dt_session_path_get(s, 0)->answer, "[redacted]");
    assert_string_equal(dt_session_var_get(s, "acct"), "[redacted]");
    const dt_var_view *vv = dt_session_var(s, 0);
    assert_string_equal(vv->name, "acct");
    assert_int_equal(vv->sensitive, 1);
    assert_int_equal(vv->is_set, 1);
    assert_string_equal(vv->value, "[redacted]");
    clear_log();
    OK(dt_session_choose(s, 0, err));
    assert_null(strstr(evlog, "4321"));
    assert_null(strstr(evlog, "1235"));
    assert_non_null(strstr(evlog, "set:pin=[redacted]!"));
    assert_non_null(strstr(evlog, "end:resolved:Done [redacted]"));
    for (size_t i = 0; i < dt_session_path_count(s); i++) {
        const dt_path_entry *p = dt_session_path_get(s, i);
        assert_true(!p->answer || !strstr(p->answer, "4321"));
    }
    OK(dt_session_set_var(s, "acct", "9999", err));
    assert_null(strstr(evlog, "9999"));
    /* Issue 9, finding 8: whatever a message quotes, a sensitive value never reaches it (an agent
     * who types the account number at a choice prompt must not see it echoed in the error). */
    OK(dt_session_back(s, err)); /* back at q: acct is 4321 again */
    FAILS(DT_EANSWER, dt_session_choose_label(s, "4321", err));
    assert_null(strstr(err_msg(), "4321"));
    assert_non_null(strstr(err_msg(), "[redacted]"));
    FAILS(DT_EANSWER, dt_session_choose_label(s, "acct 4321 and 4321", err));
    assert_null(strstr(err_msg(), "4321"));
    dt_session_free(s);
    dt_tree_free(t);
}

/* Issue 9, findings 8 and 10: a value computed from a secret is a secret (stored, printed and
 * shown masked), and an evaluation error never quotes it. */
static const char derived_xml[] =
    "<tree id='der' version='1' title='Derived'>\n"
    " <var name='pin' type='text' sensitive='true'/>\n"
    " <var name='last' type='text'/>\n"
    " <var name='tail2' type='text'/>\n"
    " <var name='plain' type='text'/>\n"
    " <var name='code' type='number'/>\n"
    " <input id='ask' var='pin' next='i'><say>PIN?</say></input>\n"
    " <info id='i' next='n'><say>{last} {tail2} {plain}</say>\n"
    "  <set var='tail2' value='substring($last, 2)'/>\n"
    "  <set var='last' value='substring($pin, 2)'/><set var='plain' value=\"'x'\"/></info>\n"
    " <info id='n' next='e'><say>n</say><set var='code' value='$pin'/></info>\n"
    " <end id='e' outcome='resolved'/>\n"
    "</tree>\n";

static void test_derived_sensitive(void **state)
{
    (void)state;
    dt_tree *t = load(derived_xml);
    dt_session *s = started(t);
    clear_log();
    OK(dt_session_input(s, "PIN9A7Z", err));
    assert_null(strstr(evlog, "9A7Z"));
    assert_non_null(strstr(evlog, "set:last=[redacted]!"));
    assert_non_null(strstr(evlog, "set:tail2=[redacted]!")); /* transitively, whatever the order */
    assert_non_null(strstr(evlog, "set:plain=x"));
    assert_null(strstr(evlog, "set:plain=x!"));
    assert_string_equal(dt_session_view(s)->say[0].text,
                        "[redacted] [redacted] x");
    for (size_t i = 0; i < dt_session_var_count(s); i++) {
        const dt_var_view *v = dt_session_var(s, i);
        int secret = strcmp(v->name, "plain") != 0; /* code = $pin is derived too */
        assert_int_equal(v->sensitive, secret);
        assert_null(strstr(v->value, "9A7Z"));
    }
    assert_null(strstr(dt_session_var_get(s, "last"), "IN9"));
    clear_log();
    FAILS(DT_ERUNTIME, dt_session_continue(s, err)); /* `$pin` is not a number */
    assert_null(strstr(err_msg(), "PIN9A7Z"));
    assert_non_null(strstr(err_msg(), "not a number (not shown"));
    assert_string_equal(evlog, "");
    dt_session_free(s);
    dt_tree_free(t);
}

/* ---- variables ------------------------------------------------------------------------------- */

static void test_vars(void **state)
{
    (void)state;
    dt_tree *t = load(main_xml);
    dt_session *s = open_session(t);
    assert_int_equal(dt_session_var_count(s), 3);
    const dt_var_view *v = dt_session_var(s, 2);
    assert_string_equal(v->name, "ok");
    assert_int_equal(v->type, DT_VAR_BOOLEAN);
    assert_int_equal(v->is_set, 0);
    assert_string_equal(v->value, "no");
    assert_null(dt_session_var(s, 3));
    assert_null(dt_session_var_get(s, "nope"));
    assert_string_equal(dt_session_var_get(s, "who"), "Ann");
    FAILS(DT_ENOTFOUND, dt_session_set_var(s, "nope", "1", err));
    FAILS(DT_EARG, dt_session_set_var(s, "n", "many", err));
    FAILS(DT_EARG, dt_session_set_var(s, NULL, "1", err));
    OK(dt_session_set_var(s, "who", "  Bob ", err)); /* before start: replaces the default */
    OK(dt_session_set_var(s, "n", "5.50", err));
    assert_string_equal(evlog, "");                   /* nothing to report before start */
    OK(dt_session_start(s, err));
    assert_string_equal(dt_session_view(s)->say[0].text, "Hello Bob, n=6.5 ok=no {x}.");
    clear_log();
    OK(dt_session_set_var(s, "who", "Cy", err));      /* after start: the view follows */
    assert_string_equal(evlog, "set:who=Cy");
    assert_string_equal(dt_session_view(s)->say[0].text, "Hello Cy, n=6.5 ok=no {x}.");
    OK(dt_session_set_var(s, "n", "200", err));        /* and so do the offered choices */
    assert_int_equal(dt_session_view(s)->choice_count, 3);
    assert_string_equal(dt_session_view(s)->choices[1].label, "Stop");
    /* restart: back to the values given before start, not the defaults of the file */
    OK(dt_session_restart(s, err));
    assert_string_equal(dt_session_var_get(s, "who"), "Bob");
    assert_string_equal(dt_session_var_get(s, "n"), "6.5");
    dt_session_free(s);
    dt_tree_free(t);
}

/* ---- restart, jump, notes -------------------------------------------------------------------- */

static void test_handoff_in_view(void **state)
{
    (void)state;
    static const char with[] =
        "<tree id='h' version='1' title='H' kiosk='true'>\n"
        " <handoff to='staff'>Please wait, {who} will come to you.</handoff>\n"
        " <var name='who' type='text' value='Sam'/>\n"
        " <question id='q'><say>Q?</say><choice to='staff'>Go</choice></question>\n"
        " <end id='staff' outcome='escalated'><say>Bye</say></end>\n"
        "</tree>\n";
    static const char without[] =
        "<tree id='n' version='1' title='N'>\n"
        " <question id='q'><say>Q?</say><choice to='e'>Go</choice></question>\n"
        " <end id='e' outcome='resolved'/>\n"
        "</tree>\n";
    dt_tree *t = load(with);
    dt_session *s = started(t);
    assert_string_equal(dt_session_view(s)->handoff_step, "staff");
    assert_string_equal(dt_session_view(s)->handoff_text, "Please wait, Sam will come to you.");
    dt_session_free(s);
    dt_tree_free(t);
    t = load(without);
    s = started(t);
    assert_string_equal(dt_session_view(s)->handoff_step, "");
    assert_string_equal(dt_session_view(s)->handoff_text, "");
    dt_session_free(s);
    dt_tree_free(t);
}

static void test_restart(void **state)
{
    (void)state;
    dt_tree *t = load(main_xml);
    dt_session *s = started(t);
    OK(dt_session_choose(s, 1, err));
    assert_string_equal(dt_session_var_get(s, "ok"), "yes");
    clear_log();
    OK(dt_session_restart(s, err));
    assert_string_equal(evlog, "restart start step:q1 set:n=1");
    assert_string_equal(step_id(s), "q1");
    assert_string_equal(dt_session_var_get(s, "ok"), "no");
    assert_string_equal(dt_session_var_get(s, "n"), "1");
    assert_int_equal(dt_session_path_count(s), 5); /* q1 d1 j1 i1 | q1 */
    assert_int_equal(dt_session_path_get(s, 4)->flags, DT_PATH_RESTART);
    assert_int_equal(dt_session_view(s)->step_number, 1); /* counting starts again */
    FAILS(DT_ESTATE, dt_session_back(s, err)); /* not past the restart */
    OK(dt_session_choose(s, 0, err));
    OK(dt_session_back(s, err));               /* but up to it */
    assert_string_equal(step_id(s), "q1");
    assert_int_equal(dt_session_path_count(s), 5);
    FAILS(DT_ESTATE, dt_session_back(s, err));
    /* restart after the end reopens the session */
    OK(dt_session_choose(s, 0, err));
    OK(dt_session_continue(s, err));
    assert_true(dt_session_ended(s));
    OK(dt_session_restart(s, err));
    assert_false(dt_session_ended(s));
    dt_session_free(s);
    dt_tree_free(t);
}

static void test_jump_and_notes(void **state)
{
    (void)state;
    dt_tree *t = load(main_xml);
    dt_session *s = started(t);
    FAILS(DT_ENOTFOUND, dt_session_jump(s, NULL, "nowhere", err));
    FAILS(DT_ENOTFOUND, dt_session_jump(s, "other", "q1", err));
    OK(dt_session_note(s, "calm", err));
    OK(dt_session_note(s, "in a hurry", err));
    clear_log();
    OK(dt_session_jump(s, "main", "d1", err)); /* n = 1: d1 -> j1 -> i1 */
    assert_string_equal(evlog, "jump:main/d1 step:d1 set:ok=true step:j1 step:i1");
    assert_string_equal(step_id(s), "i1");
    const dt_path_entry *p = dt_session_path_get(s, 0);
    assert_int_equal(p->note_count, 2);
    assert_string_equal(p->notes[0], "calm");
    assert_string_equal(p->notes[1], "in a hurry");
    assert_null(p->answer);
    assert_int_equal(dt_session_path_get(s, 1)->flags, DT_PATH_JUMP);
    clear_log();
    OK(dt_session_note(s, "here", err));
    assert_string_equal(evlog, "note:here");
    assert_int_equal(dt_session_path_get(s, 3)->note_count, 1);
    OK(dt_session_back(s, err)); /* undoes the jump; notes are the agent's and all stay */
    assert_string_equal(step_id(s), "q1");
    assert_string_equal(dt_session_var_get(s, "ok"), "no");
    assert_int_equal(dt_session_path_count(s), 1);
    assert_int_equal(dt_session_path_get(s, 0)->note_count, 3);
    assert_string_equal(dt_session_path_get(s, 0)->notes[2], "here");
    /* a jump after the end reopens the session */
    OK(dt_session_choose(s, 0, err));
    OK(dt_session_continue(s, err));
    OK(dt_session_jump(s, NULL, "q1", err));
    assert_false(dt_session_ended(s));
    assert_string_equal(dt_session_var_get(s, "n"), "11"); /* q1's entry set ran again */
    OK(dt_session_back(s, err));
    assert_true(dt_session_ended(s));
    assert_string_equal(dt_session_var_get(s, "n"), "10");
    dt_session_free(s);
    dt_tree_free(t);
}

/* ---- run-time errors ------------------------------------------------------------------------- */

static const char rt_xml[] =
    "<tree id='rt' version='1' title='Runtime'>\n"
    " <var name='n' type='number' value='1'/>\n"
    " <var name='s' type='text' value='abc'/>\n"
    " <question id='q'><say>n={n}</say>\n"
    "  <choice to='d'>Bad set<set var='n' value='$n + 1'/></choice>\n"
    "  <choice to='hid'>All hidden</choice>\n"
    "  <choice to='loop'>Loop</choice>\n"
    " </question>\n"
    " <decide id='d'><set var='n' value='$n * 2'/>\n"
    "  <when test='$n &gt; 0' to='q2'><set var='n' value='$s'/></when><otherwise to='q2'/></decide>\n"
    " <question id='q2'><say>never</say><choice to='e'>x</choice></question>\n"
    " <question id='hid'><say>hidden</say><choice to='e' when='$n &gt; 5'>a</choice>"
    "<choice to='e' when='$n &lt; 0'>b</choice></question>\n"
    " <decide id='loop'><when test='true()' to='loop2'/><otherwise to='e'/></decide>\n"
    " <jump id='loop2' to='loop'/>\n"
    " <end id='e' outcome='resolved'/>\n"
    "</tree>\n";

static void test_runtime_rollback(void **state)
{
    (void)state;
    dt_tree *t = load(rt_xml);
    dt_session *s = started(t);
    const dt_view *before = dt_session_view(s);
    clear_log();
    FAILS(DT_ERUNTIME, dt_session_choose(s, 0, err));
    const dt_diag *d = dt_error_get(err, 0);
    assert_string_equal(d->file, "t.xml");
    assert_int_equal(d->line, 10); /* the `value` of the set inside <when> */
    assert_true(d->column > 0);
    assert_non_null(strstr(d->message, "$s"));
    assert_string_equal(evlog, "");                 /* observers never hear of it */
    assert_string_equal(step_id(s), "q");
    assert_ptr_equal(dt_session_view(s), before);
    assert_string_equal(dt_session_view(s)->say[0].text, "n=1");
    assert_string_equal(dt_session_var_get(s, "n"), "1");
    assert_int_equal(dt_session_path_count(s), 1);
    assert_null(dt_session_path_get(s, 0)->answer);
    FAILS(DT_ERUNTIME, dt_session_choose(s, 1, err)); /* every choice hidden */
    assert_non_null(strstr(err_msg(), "hid"));
    FAILS(DT_ERUNTIME, dt_session_choose(s, 2, err)); /* automatic loop */
    assert_non_null(strstr(err_msg(), "automatic steps loop without a question"));
    assert_string_equal(step_id(s), "q");
    assert_int_equal(dt_session_path_count(s), 1);
    assert_string_equal(evlog, "");
    FAILS(DT_ESTATE, dt_session_back(s, err));
    /* still usable afterwards */
    OK(dt_session_note(s, "ok", err));
    dt_session_free(s);
    dt_tree_free(t);
}

static void test_runtime_at_start(void **state)
{
    (void)state;
    static const char xml[] =
        "<tree id='rs' version='1' title='Runtime at start'>\n"
        " <decide id='loop'><when test='true()' to='loop'/><otherwise to='e'/></decide>\n"
        " <end id='e' outcome='resolved'/>\n"
        "</tree>\n";
    dt_tree *t = load(xml);
    dt_session *s = open_session(t);
    FAILS(DT_ERUNTIME, dt_session_start(s, err));
    assert_null(dt_session_view(s));
    assert_int_equal(dt_session_path_count(s), 0);
    assert_string_equal(evlog, "");
    FAILS(DT_ESTATE, dt_session_back(s, err)); /* still not started */
    dt_session_free(s);
    dt_tree_free(t);
}

/* ---- calls across files ---------------------------------------------------------------------- */

static char tmpdir[64];

static void write_file(const char *name, const char *text)
{
    sup_put(tmpdir, name, text);
}

static void remove_files(const char *const *names, size_t n)
{
    char path[256];
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", tmpdir, names[i]);
        unlink(path);
    }
    rmdir(tmpdir);
}

static dt_tree *load_file(const char *name, dt_status want)
{
    char path[256];
    dt_tree *t = NULL;
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    dt_error_clear(err);
    dt_status st = dt_tree_load_file(path, NULL, &t, err);
    if (st != want)
        fail_msg("load %s: %s", path, dt_error_text(err));
    return t;
}

static const char caller_xml[] =
    "<tree id='caller' version='1' title='Caller' start='q'>\n"
    " <var name='res' type='text'/>\n"
    " <var name='k' type='number' value='0'/>\n"
    " <question id='q'><say>Go?</say><choice to='c'>Call</choice></question>\n"
    " <call id='c' tree='sub.xml' next='after' result='res'/>\n"
    " <info id='after' next='fin'><say>Result {res}, k={k}</say></info>\n"
    " <end id='fin' outcome='resolved'/>\n"
    "</tree>\n";

static const char sub_xml[] =
    "<tree id='sub' version='1' title='Sub' start='sq'>\n"
    " <var name='k' type='number' value='0'/>\n"
    " <question id='sq'><say>In sub</say><set var='k' value='$k + 1'/>\n"
    "  <choice to='ok'>Fine</choice><choice to='deep'>Deeper</choice></question>\n"
    " <call id='deep' tree='leaf.xml' next='ok'/>\n"
    " <end id='ok' outcome='sub-done'><say>Sub is done.</say></end>\n"
    "</tree>\n";

static const char leaf_xml[] =
    "<tree id='leaf' version='1' title='Leaf' start='l'>\n"
    " <end id='l' outcome='leaf-done'/>\n"
    "</tree>\n";

static void test_calls(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/dt-sess-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    write_file("caller.xml", caller_xml);
    write_file("sub.xml", sub_xml);
    write_file("leaf.xml", leaf_xml);
    dt_tree *t = load_file("caller.xml", DT_OK);
    dt_session *s = started(t);
    clear_log();
    OK(dt_session_choose(s, 0, err));
    assert_string_equal(evlog, "answer:q:1=Call step:c step:sq set:k=1");
    const dt_view *v = dt_session_view(s);
    assert_string_equal(v->tree_id, "sub");
    assert_string_equal(v->tree_title, "Sub");
    assert_int_equal(v->call_depth, 1);
    clear_log();
    OK(dt_session_choose(s, 1, err)); /* deeper: leaf's wordless end returns at once */
    assert_string_equal(evlog, "answer:sq:2=Deeper step:deep step:l step:ok");
    v = dt_session_view(s); /* sub's end has words: shown like an info step, not the end */
    assert_int_equal(v->kind, DT_STEP_INFO);
    assert_int_equal(v->call_depth, 1);
    assert_string_equal(v->say[0].text, "Sub is done.");
    assert_false(dt_session_ended(s));
    FAILS(DT_ESTATE, dt_session_choose(s, 0, err));
    clear_log();
    OK(dt_session_continue(s, err));
    assert_string_equal(evlog, "answer:ok:=continue set:res=sub-done step:after");
    v = dt_session_view(s);
    assert_int_equal(v->call_depth, 0);
    assert_string_equal(v->say[0].text, "Result sub-done, k=1");
    assert_int_equal(v->step_number, 4); /* q, sq, ok, after: a wordless called end is not shown */
    OK(dt_session_back(s, err)); /* back to the called end, still inside the call */
    assert_string_equal(step_id(s), "ok");
    assert_int_equal(dt_session_view(s)->call_depth, 1);
    assert_string_equal(dt_session_var_get(s, "res"), "");
    OK(dt_session_continue(s, err));
    assert_string_equal(dt_session_path_get(s, 4)->tree_id, "leaf");
    OK(dt_session_back(s, err));
    OK(dt_session_back(s, err)); /* back into the callee's question, result restored */
    assert_string_equal(step_id(s), "sq");
    assert_int_equal(dt_session_view(s)->call_depth, 1);
    assert_string_equal(dt_session_var_get(s, "res"), "");
    assert_int_equal(dt_session_var(s, 0)->is_set, 0);
    OK(dt_session_choose(s, 0, err));
    assert_string_equal(step_id(s), "ok");
    OK(dt_session_continue(s, err));
    assert_int_equal(dt_session_view(s)->call_depth, 0);
    OK(dt_session_back(s, err));
    OK(dt_session_back(s, err));
    OK(dt_session_back(s, err)); /* back out of the call */
    assert_string_equal(step_id(s), "q");
    assert_int_equal(dt_session_view(s)->call_depth, 0);
    assert_string_equal(dt_session_var_get(s, "k"), "0");
    /* jumping into another file from inside a call leaves the call */
    OK(dt_session_choose(s, 0, err));
    OK(dt_session_jump(s, "caller", "after", err));
    assert_int_equal(dt_session_view(s)->call_depth, 0);
    OK(dt_session_continue(s, err));
    assert_true(dt_session_ended(s));
    OK(dt_session_back(s, err));
    OK(dt_session_back(s, err));
    assert_int_equal(dt_session_view(s)->call_depth, 1); /* the jump is undone, frame back */
    assert_string_equal(step_id(s), "sq");
    dt_session_free(s);
    dt_tree_free(t);
    const char *names[] = {"caller.xml", "sub.xml", "leaf.xml"};
    remove_files(names, 3);
}

static void test_call_cycle(void **state)
{
    (void)state;
    static const char a_xml[] =
        "<tree id='a' version='1' title='A' start='q'>\n"
        " <question id='q'><say>Start</say><choice to='c'>Go</choice></question>\n"
        " <call id='c' tree='b.xml' next='e'/>\n"
        " <end id='e' outcome='resolved'/>\n"
        "</tree>\n";
    static const char b_xml[] =
        "<tree id='b' version='1' title='B' start='c'>\n"
        " <call id='c' tree='a.xml' start='c' next='e'/>\n"
        " <end id='e' outcome='resolved'/>\n"
        "</tree>\n";
    snprintf(tmpdir, sizeof tmpdir, "/tmp/dt-sess-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    write_file("a.xml", a_xml);
    write_file("b.xml", b_xml);
    dt_tree *t = load_file("a.xml", DT_OK);
    dt_session *s = started(t);
    clear_log();
    FAILS(DT_ERUNTIME, dt_session_choose(s, 0, err));
    assert_non_null(strstr(err_msg(), "deeper than 16"));
    assert_string_equal(evlog, "");
    assert_string_equal(step_id(s), "q");
    assert_int_equal(dt_session_path_count(s), 1);
    dt_session_free(s);
    dt_tree_free(t);
    const char *names[] = {"a.xml", "b.xml"};
    remove_files(names, 2);
}

/* ---- observer, clock, scale ------------------------------------------------------------------ */

static void test_event_fields(void **state)
{
    (void)state;
    dt_tree *t = load(main_xml);
    dt_session *s = started(t);
    assert_int_equal(evcount, 3);
    assert_int_equal(last_path_length, 1);
    int64_t t0 = dt_session_path_get(s, 0)->time_ms;
    OK(dt_session_choose(s, 0, err));
    assert_true(dt_session_path_get(s, 1)->time_ms > t0);
    dt_session_set_observer(s, NULL, NULL);
    clear_log();
    OK(dt_session_continue(s, err)); /* no observer: nothing heard, nothing breaks */
    assert_int_equal(evcount, 0);
    dt_session_set_clock(s, NULL, NULL); /* back to real time */
    OK(dt_session_back(s, err));
    OK(dt_session_continue(s, err));
    assert_true(dt_session_path_get(s, 2)->time_ms > 1000000000000LL);
    dt_session_free(s);
    dt_tree_free(t);
}

/* A chain of N info steps walked by continue, then a chain of N jumps: linear, no recursion. */
static void test_long_chain(void **state)
{
    (void)state;
    enum { N = 100000 };
    size_t cap = (size_t)N * 90 + 4096, len = 0;
    char *xml = malloc(cap);
    assert_non_null(xml);
    len += (size_t)snprintf(xml + len, cap - len,
                            "<tree id='long' version='1' title='Long' start='i0'>\n");
    for (int i = 0; i < N; i++)
        len += (size_t)snprintf(xml + len, cap - len, "<info id='i%d' next='i%d'><say>%d</say></info>\n",
                                i, i + 1, i);
    len += (size_t)snprintf(xml + len, cap - len, "<jump id='i%d' to='j0'/>\n", N);
    for (int i = 0; i < N; i++)
        len += (size_t)snprintf(xml + len, cap - len, "<jump id='j%d' to='j%d'/>\n", i, i + 1);
    len += (size_t)snprintf(xml + len, cap - len, "<end id='j%d' outcome='resolved'/></tree>\n", N);
    dt_tree *t = load(xml);
    free(xml);
    dt_session *s = open_session(t);
    dt_session_set_observer(s, NULL, NULL);
    clock_t c0 = clock();
    OK(dt_session_start(s, err));
    for (int i = 0; i < N - 1; i++)
        assert_int_equal(dt_session_continue(s, err), DT_OK);
    OK(dt_session_continue(s, err)); /* the last info, then N + 1 jumps to the end */
    assert_true(dt_session_ended(s));
    assert_int_equal(dt_session_path_count(s), 2 * (size_t)N + 2);
    OK(dt_session_back(s, err));
    assert_string_equal(step_id(s), "i99999");
    double secs = (double)(clock() - c0) / CLOCKS_PER_SEC;
    print_message("long chain: %d continues + %d jumps in %.3f s\n", N, N, secs);
    assert_true(secs < 5.0);
    dt_session_free(s);
    dt_tree_free(t);
}


/* ---- out of memory inside each action: DT_ENOMEM, and the session exactly as before ----------- */

static long oom_points; /* failures injected and survived */



typedef struct snap {
    char step[64];
    size_t npath, answered;
    char vars[256];
    int ended;
} snap;

static void take(dt_session *s, snap *sn)
{
    memset(sn, 0, sizeof *sn);
    snprintf(sn->step, sizeof sn->step, "%s", step_id(s));
    sn->npath = dt_session_path_count(s);
    for (size_t i = 0; i < sn->npath; i++)
        sn->answered += dt_session_path_get(s, i)->answer != NULL;
    for (size_t i = 0; i < dt_session_var_count(s); i++) {
        size_t n = strlen(sn->vars);
        snprintf(sn->vars + n, sizeof sn->vars - n, "%s=%s;", dt_session_var(s, i)->name,
                 dt_session_var(s, i)->value);
    }
    sn->ended = dt_session_ended(s);
}

typedef dt_status (*action_fn)(dt_session *s);
static dt_status a_choose0(dt_session *s) { return dt_session_choose(s, 0, err); }
static dt_status a_choose1(dt_session *s) { return dt_session_choose(s, 1, err); }
static dt_status a_label(dt_session *s) { return dt_session_choose_label(s, "go", err); }
static dt_status a_continue(dt_session *s) { return dt_session_continue(s, err); }
static dt_status a_back(dt_session *s) { return dt_session_back(s, err); }
static dt_status a_restart(dt_session *s) { return dt_session_restart(s, err); }
static dt_status a_jump(dt_session *s) { return dt_session_jump(s, NULL, "d1", err); }
static dt_status a_note(dt_session *s) { return dt_session_note(s, "a note", err); }
static dt_status a_setvar(dt_session *s) { return dt_session_set_var(s, "who", "Zed", err); }

/* Fail allocation k of `a` for k = 0, 1, ... until it succeeds; each failure changes nothing. */
static void oom_step(dt_session *s, action_fn a, const char *name)
{
    snap before, after;
    take(s, &before);
    for (long k = 0; k < 10000; k++) {
        clear_log();
        dt_error_clear(err);
        sup_alloc_fail_after(k);
        dt_status st = a(s);
        sup_alloc_fail_after(-1);
        if (st == DT_OK)
            return;
        if (st != DT_ENOMEM)
            fail_msg("%s with %ld allocations: %s", name, k, dt_error_text(err));
        assert_true(dt_error_count(err) > 0);
        oom_points++;
        take(s, &after);
        if (memcmp(&before, &after, sizeof before) != 0 || evlog[0])
            fail_msg("%s changed the session when allocation %ld failed", name, k);
    }
    fail_msg("%s never succeeded", name);
}

static void test_oom_actions(void **state)
{
    (void)state;
    sup_alloc_install();
    dt_tree *t = load(main_xml);
    dt_session *s = open_session(t);
    oom_step(s, a_setvar, "set_var before start");
    OK(dt_session_start(s, err));
    oom_step(s, a_note, "note");
    oom_step(s, a_setvar, "set_var");
    oom_step(s, a_choose1, "choose (automatic chain)");
    oom_step(s, a_back, "back");
    oom_step(s, a_label, "choose_label");
    oom_step(s, a_continue, "continue (to the end)");
    oom_step(s, a_back, "back from the end");
    oom_step(s, a_restart, "restart");
    oom_step(s, a_jump, "jump");
    oom_step(s, a_back, "back over a jump");
    oom_step(s, a_choose0, "choose");
    print_message("session OOM: %ld failing allocations, each left the session unchanged\n",
                  oom_points);
    assert_true(oom_points >= 12);
    dt_session_free(s);
    dt_tree_free(t);
    sup_alloc_remove();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_question_view, setup, teardown),
        cmocka_unit_test_setup_teardown(test_info_and_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_automatic_chain_and_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_back_from_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_estate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_choose_out_of_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_choose_label, setup, teardown),
        cmocka_unit_test_setup_teardown(test_var_label_internal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inputs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_input_engine_reason, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sensitive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_derived_sensitive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_input_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_input_view, setup, teardown),
        cmocka_unit_test_setup_teardown(test_action_work_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vars, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handoff_in_view, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jump_and_notes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_rollback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_at_start, setup, teardown),
        cmocka_unit_test_setup_teardown(test_calls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_cycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oom_actions, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
