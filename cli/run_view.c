/*
 * run_view.c — how `dtree run` shows a step: where we are, the words to say, the agent's note set
 * apart, numbered choices or a typing hint.  Everything printed comes from the engine's view and
 * goes through the renderer; nothing here knows the tree format.
 */
#define _XOPEN_SOURCE 700
#include "input.h"
#include "run.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const command_words[] = {"back", "restart", "note ", "history",
                                            "vars", "help", "quit"};
#define NCOMMAND_WORDS (sizeof command_words / sizeof command_words[0])

/* dtree run is the agent's view: customer-only text and choices belong to the kiosk. */
static int for_agent(dt_audience a)
{
    return a != DT_AUD_CUSTOMER;
}

void run_free_shown(run_ctx *c)
{
    size_t i;
    for (i = 0; i < c->nshown; i++) free(c->labels[i]);
    free(c->labels);
    free(c->map);
    free(c->ids);
    c->labels = NULL;
    c->map = NULL;
    c->ids = NULL;
    c->nshown = 0;
}

static int build_shown(run_ctx *c, const dt_view *v)
{
    size_t i, n = v->choice_count ? v->choice_count : 1;

    run_free_shown(c);
    c->map = calloc(n, sizeof *c->map);
    c->labels = calloc(n, sizeof *c->labels);
    c->ids = calloc(n, sizeof *c->ids);
    if (!c->map || !c->labels || !c->ids) return -1;
    for (i = 0; i < v->choice_count; i++) {
        if (!for_agent(v->choices[i].audience)) continue;
        if (!(c->labels[c->nshown] = rd_sanitize(v->choices[i].label, 0))) return -1;
        c->map[c->nshown] = i;
        c->ids[c->nshown] = v->choices[i].id;
        c->nshown++;
    }
    return 0;
}

static void header(const run_ctx *c, const dt_view *v, const char *where)
{
    const char *title = *v->step_title ? v->step_title : v->step_id;
    rd_text(&c->scr, RD_PLAIN, "\n");
    rd_printf(&c->scr, RD_BOLD, "%s \xe2\x80\xba %s (%s)\n", v->tree_title, title, where);
}

static void says(const run_ctx *c, const dt_view *v)
{
    size_t i;
    for (i = 0; i < v->say_count; i++)
        if (for_agent(v->say[i].audience)) rd_wrap(&c->scr, RD_PLAIN, "  ", 2, v->say[i].text);
    if (*v->note) {   /* set apart: a blank line, a prefix, and dim on a terminal */
        rd_text(&c->scr, RD_PLAIN, "\n");
        rd_wrap(&c->scr, RD_DIM, "  Note: ", 8, v->note);
    }
}

/* A pattern of digits only ("[0-9]+", "\\d{1,4}") means a whole number. */
static int digits_only(const char *pattern)
{
    return *pattern && strspn(pattern, "^$[]0-9\\d+*{},") == strlen(pattern);
}

/* A number hint from the step's constraints: "a whole number from 1 to 100000", "a number of at
 * least 0", or, with none, the plain "a number, such as 3 or 2.5". */
static void number_hint(const dt_view *v, char *buf, size_t size)
{
    char lo[32], hi[32];
    int whole = digits_only(v->pattern);
    const char *what = whole ? "a whole number" : "a number";

    snprintf(lo, sizeof lo, "%.15g", v->min);
    snprintf(hi, sizeof hi, "%.15g", v->max);
    if (v->has_min && v->has_max)
        snprintf(buf, size, "%s from %s to %s", what, lo, hi);
    else if (v->has_min)
        snprintf(buf, size, "%s of at least %s", what, lo);
    else if (v->has_max)
        snprintf(buf, size, "%s of at most %s", what, hi);
    else if (whole)
        snprintf(buf, size, "a whole number, such as 3");
    else
        snprintf(buf, size, "a number, such as 3 or 2.5");
}

/* What to type, from the step's type and constraints (the engine's own rules, dtree.h). */
static void type_hint(const dt_view *v, char *buf, size_t size)
{
    switch (v->input_type) {
    case DT_VAR_NUMBER: number_hint(v, buf, size); return;
    case DT_VAR_BOOLEAN: snprintf(buf, size, "yes or no"); return;
    case DT_VAR_DATE:
        snprintf(buf, size, "%s", v->month_first ? "a date, such as 07/21/1984 or July 21, 1984" : "a date, such as 21/07/1984 or 21 July 1984");
        return;
    case DT_VAR_EMAIL: snprintf(buf, size, "an email address"); return;
    case DT_VAR_PHONE: snprintf(buf, size, "a phone number"); return;
    default: snprintf(buf, size, "the answer as text"); return;
    }
}

/* Plain required text needs no hint: the words to say already ask for it. */
static int has_hint(const dt_view *v)
{
    return v->kind == DT_STEP_INPUT && (v->input_type != DT_VAR_TEXT || !v->required);
}

static void input_hint(const run_ctx *c, const dt_view *v)
{
    char num[32];
    size_t i;

    if (v->input_type == DT_VAR_CHOICE) {
        rd_text(&c->scr, RD_DIM, "  Type the number or the name of one of these:\n");
        for (i = 0; i < v->option_count; i++) {
            snprintf(num, sizeof num, "  %zu) ", i + 1);
            rd_wrap(&c->scr, RD_PLAIN, num, (unsigned)strlen(num), v->options[i]);
        }
    } else if (has_hint(v)) {
        char hint[128];
        type_hint(v, hint, sizeof hint);
        rd_printf(&c->scr, RD_DIM, "  Type %s%s.\n", hint,
                  v->required ? "" : " (optional: Enter skips)");
    }
}

static void choices(const run_ctx *c)
{
    char num[32];
    size_t i;
    for (i = 0; i < c->nshown; i++) {
        snprintf(num, sizeof num, "  %zu) ", i + 1);
        rd_wrap(&c->scr, RD_PLAIN, num, (unsigned)strlen(num), c->labels[i]);
    }
}

void run_show_choices(const run_ctx *c)
{
    const dt_view *v = dt_session_view(c->s);
    if (!c->show || !v) return;
    if (v->kind == DT_STEP_QUESTION) {
        rd_text(&c->scr, RD_PLAIN, "\n");
        choices(c);
    } else if (has_hint(v)) {
        rd_text(&c->scr, RD_PLAIN, "\n");
        input_hint(c, v);
    }
}

/* Once per kind of step, on a terminal: how to answer this kind.  A tree that opens with an info
 * step must not tell the agent to pick "a number or part of a label" when there is nothing to pick. */
static void first_hint(run_ctx *c, const dt_view *v)
{
    int bit = v->kind == DT_STEP_QUESTION ? 1 : v->kind == DT_STEP_INPUT ? 2 : 4;
    const char *text = bit == 1 ? "(Answer with a number or part of a label; Tab completes; type "
                                  "help for commands.)"
                       : bit == 2 ? "(Type the answer and press Enter; type help for commands.)"
                                  : "(Read this out, press Enter when done; type help for commands.)";

    if (!c->tty || (c->hinted & bit)) return;
    rd_wrap(&c->scr, RD_DIM, "  ", 2, text);
    c->hinted |= bit;
}

int run_show_step(run_ctx *c)
{
    const dt_view *v = dt_session_view(c->s);
    char where[48];

    if (build_shown(c, v) != 0) return -1;
    c->steps_shown++;
    if (c->json) js_prompt(c->json, v, DT_AUD_CUSTOMER);
    if (!c->show) return 0;
    snprintf(where, sizeof where, "step %zu", v->step_number);
    header(c, v, where);
    says(c, v);
    if (v->kind == DT_STEP_QUESTION || has_hint(v)) rd_text(&c->scr, RD_PLAIN, "\n");
    if (v->kind == DT_STEP_QUESTION) choices(c);
    if (v->kind == DT_STEP_INPUT) input_hint(c, v);
    first_hint(c, v);
    return 0;
}

void run_show_end(run_ctx *c)
{
    const dt_view *v = dt_session_view(c->s);
    c->steps_shown++; /* the end is a step of the record too */
    if (!c->show || !v) return;
    header(c, v, "end");
    says(c, v);
    rd_text(&c->scr, RD_PLAIN, "\n");
    rd_printf(&c->scr, RD_GOOD, "Outcome: %s\n", v->outcome);
}

/* An input's prompt is its step title ("Date of birth > "), not the variable name ("dob > "), which
 * means nothing to a first-time agent; sanitised (it is tree text) and cut to 40 characters. */
static void input_prompt(const dt_view *v, char *buf, size_t size)
{
    char *t = *v->step_title ? rd_sanitize(v->step_title, 0) : NULL;
    const char *name = t ? t : v->var;
    size_t n = u8_offset(name, strlen(name), 40);

    snprintf(buf, size, "%.*s%s > ", (int)n, name, name[n] ? "..." : "");
    free(t);
}

void run_prompt(const run_ctx *c, char *buf, size_t size)
{
    const dt_view *v = dt_session_view(c->s);
    if (v->kind == DT_STEP_QUESTION)
        snprintf(buf, size, "Choose 1-%zu > ", c->nshown);
    else if (v->kind == DT_STEP_INPUT)
        input_prompt(v, buf, size);
    else
        snprintf(buf, size, "Enter when done > ");
}

/* Tab candidates: the labels (or an input's options) as shown, sanitised, since readline lists
 * them on the terminal itself; then the commands. */
void run_set_completion(const run_ctx *c)
{
    const dt_view *v = dt_session_view(c->s);
    int opts = v->kind == DT_STEP_INPUT;
    size_t n = 0, i, extra = opts ? v->option_count : c->nshown;
    char **w = calloc(extra + NCOMMAND_WORDS, sizeof *w);

    if (!w) return;
    for (i = 0; i < extra; i++) {
        w[n] = opts ? rd_sanitize(v->options[i], 0) : strdup(c->labels[i]);
        if (w[n]) n++;
    }
    for (i = 0; i < NCOMMAND_WORDS; i++) w[n++] = (char *)command_words[i];
    in_set_words((const char *const *)w, n);
    for (i = 0; i < n - NCOMMAND_WORDS; i++) free(w[i]);
    free(w);
}
