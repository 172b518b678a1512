/*
 * fuzz_input.c — libFuzzer harness for typed answers.  A built-in tree has one input step per
 * variable type (with pattern, min/max, options) and a question with labels that share prefixes.
 * Input: one selector byte, then the answer text (up to the first NUL).  The selector picks the
 * step (reached with dt_session_jump) and whether the text goes to dt_session_input,
 * dt_session_choose_label or dt_session_set_var.  An accepted value must be stored in the form its
 * type promises; back must restore the value before; a refusal must change nothing.
 */
#include "fuzz_common.h"
#include "value.h"

#include <stdint.h>

static const char tree_xml[] =
    "<tree id='inputs' version='1' title='Inputs' start='q'>"
    "<var name='t' type='text'/><var name='n' type='number' value='7'/>"
    "<var name='b' type='boolean'/><var name='d' type='date'/><var name='e' type='email'/>"
    "<var name='p' type='phone'/><var name='c' type='choice' value='basic'/>"
    "<var name='o' type='text' value='kept'/><var name='s' type='text' sensitive='true'/>"
    "<question id='q'><say>Pick {c} ({n})</say>"
    "<choice id='a' to='in-t'>Yes</choice><choice id='b' to='in-n'>Yes, it is lit</choice>"
    "<choice id='y' to='in-b'>yes please</choice><choice to='in-d'>No</choice>"
    "<choice to='in-e' when='$n &gt; 3'>Number {n} is big</choice>"
    "<choice to='in-p' audience='agent'>\xc3\x84rger mit {c}</choice>"
    "<choice id='3' to='in-c'>3</choice><choice to='in-o'>  spaced  </choice></question>"
    "<input id='in-t' var='t' next='q' pattern='[0-9]{8}' min='8' max='8'><say>Account?</say>"
    "<retry>Eight digits, please.</retry></input>"
    "<input id='in-n' var='n' next='q' min='-5' max='1000000'><say>How many?</say></input>"
    "<input id='in-b' var='b' next='q'><say>Is it on?</say></input>"
    "<input id='in-d' var='d' next='q' min='2000-01-01' max='2030-12-31'><say>When?</say></input>"
    "<input id='in-e' var='e' next='q' max='40'><say>Email?</say></input>"
    "<input id='in-p' var='p' next='q'><say>Phone?</say></input>"
    "<input id='in-c' var='c' next='q'><say>Plan?</say><option>basic</option>"
    "<option>Premium</option><option>\xc3\xa9t\xc3\xa9</option></input>"
    "<input id='in-o' var='o' next='q' required='false' pattern='[a-z ]*'><say>Optional</say></input>"
    "<input id='in-s' var='s' next='q' pattern='.+'><say>Secret</say></input>"
    "<input id='in-n2' var='n' next='in-n' required='false'><say>Number again</say></input>"
    "<end id='done' outcome='resolved'><say>Done {t} {n} {b} {d} {e} {p} {c} {o} {s}</say></end>"
    "</tree>";

static const char *const steps[] = {"in-t", "in-n", "in-b", "in-d", "in-e",
                                    "in-p", "in-c", "in-o", "in-s", "in-n2"};
static const char *const names[] = {"t", "n", "b", "d", "e", "p", "c", "o", "s", "n"};
#define NSTEPS (sizeof steps / sizeof steps[0])

static dt_tree *tree;

/* The stored value must read back in its type's canonical form. */
static void check_stored(dt_session *s, const char *var, int typed)
{
    size_t nv = dt_session_var_count(s);
    for (size_t i = 0; i < nv; i++) {
        const dt_var_view *v = dt_session_var(s, i);
        if (strcmp(v->name, var) != 0 || v->sensitive || !v->is_set)
            continue;
        char canon[256];
        const char *why = NULL;
        const char *val = v->value;
        if (v->type == DT_VAR_BOOLEAN)
            FZ_CHECK(!strcmp(val, "yes") || !strcmp(val, "no"));
        else if (v->type == DT_VAR_CHOICE && typed) /* set_var: a choice variable has no options */
            FZ_CHECK(!strcmp(val, "basic") || !strcmp(val, "Premium") || !strcmp(val, "\xc3\xa9t\xc3\xa9"));
        else if (strlen(val) < 200) {
            FZ_CHECK(dt_value_parse(v->type, val, canon, sizeof canon, &why) == 0);
            FZ_CHECK(!strcmp(canon, val)); /* canonical text is a fixed point */
        }
    }
}

static void value_of(dt_session *s, const char *var, char *out, size_t size)
{
    const char *v = dt_session_var_get(s, var);
    snprintf(out, size, "%s", v ? v : "(none)");
}

static void one(dt_session *s, unsigned sel, const char *text)
{
    unsigned k = (sel >> 2) % NSTEPS;
    const char *var = names[k];
    char before_val[512], after_val[512];
    fz_events ev = {0};
    fz_snap before;
    dt_session_set_observer(s, fz_observer, &ev);
    if ((sel & 3) != 2)
        FZ_CHECK(dt_session_jump(s, NULL, (sel & 3) == 1 ? "q" : steps[k], NULL) == DT_OK);
    if ((sel & 3) == 0)
        var = dt_session_view(s)->var;
    fz_snap_take(s, &before);
    value_of(s, var, before_val, sizeof before_val);
    ev.count = 0;
    dt_error *err = dt_error_new();
    dt_status st = (sel & 3) == 0   ? dt_session_input(s, text, err)
                   : (sel & 3) == 1 ? dt_session_choose_label(s, text, err)
                   : (sel & 3) == 2 ? dt_session_set_var(s, var, text, err)
                                    : dt_session_input(s, text, err);
    fz_check_session(s);
    if (st != DT_OK) {
        FZ_CHECK(ev.count == 0);
        FZ_CHECK(fz_snap_same(s, &before));
        FZ_CHECK(*dt_error_text(err));
        value_of(s, var, after_val, sizeof after_val);
        FZ_CHECK(!strcmp(before_val, after_val));
    } else {
        check_stored(s, var, (sel & 3) != 2);
        if ((sel & 3) != 2 && (sel & 0x80)) {
            FZ_CHECK(dt_session_back(s, NULL) == DT_OK);
            FZ_CHECK(fz_snap_same(s, &before));
            value_of(s, var, after_val, sizeof after_val);
            FZ_CHECK(!strcmp(before_val, after_val));
        }
    }
    dt_error_free(err);
    dt_session_set_observer(s, NULL, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!tree) {
        dt_error *err = dt_error_new();
        if (dt_tree_load_memory(tree_xml, sizeof tree_xml - 1, "inputs.xml", NULL, &tree, err)) {
            fprintf(stderr, "%s\n", dt_error_text(err));
            abort();
        }
        dt_error_free(err);
    }
    if (size < 1 || size > 4096)
        return 0;
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = 0;
    dt_session *s = NULL;
    FZ_CHECK(dt_session_new(tree, &s, NULL) == DT_OK);
    dt_session_set_clock(s, fz_clock, NULL);
    if ((data[0] & 3) == 3) /* before start: the value becomes the default */
        (void)dt_session_set_var(s, names[(data[0] >> 2) % NSTEPS], text, NULL);
    FZ_CHECK(dt_session_start(s, NULL) == DT_OK);
    fz_check_session(s);
    one(s, data[0], text);
    /* the same text once more on the step the first answer led to */
    const dt_view *v = dt_session_view(s);
    if (v && v->kind == DT_STEP_INPUT)
        (void)dt_session_input(s, text, NULL);
    else if (v && v->kind == DT_STEP_QUESTION)
        (void)dt_session_choose_label(s, text, NULL);
    fz_check_session(s);
    dt_session_free(s);
    free(text);
    return 0;
}
