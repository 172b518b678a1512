/*
 * run_answer.c — what a typed line does in `dtree run`: a command (back, restart, note, history,
 * vars, help, quit) or an answer to the current step.  Commands win over answers; a line starting
 * with a backslash is always an answer ("\back" answers "back").  The engine decides whether an
 * answer is valid; this file only turns text into a choice index and reports refusals.
 */
#define _XOPEN_SOURCE 700
#include "input.h"
#include "run.h"
#include "summary.h"
#include "utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help_text[] =
    "  Answer with a choice's number, or type part of its label: a unique start, or a\n"
    "  word.  Tab completes labels and commands.  Commands, at every step:\n"
    "    back        undo the last answer\n"
    "    restart     start again from the first step (variables reset; asks first)\n"
    "    note TEXT   keep a note with this step (it goes into the case summary)\n"
    "    history     the steps so far with the answers given\n"
    "    vars        the variables and their values (sensitive ones masked)\n"
    "    help        this text\n"
    "    quit        leave the call, saved as abandoned to resume later (asks first)\n"
    "  To answer with a word that is also a command, start it with a backslash: \\back\n"
    "  Ctrl-C clears the line; Ctrl-D on an empty line offers to quit.\n";

void run_error(run_ctx *c, const char *code, const char *input, const char *fmt, ...)
{
    const dt_view *v = dt_session_view(c->s);
    va_list ap;
    char msg[2048];

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->json) js_error(c->json, code, msg, input);
    if (c->tty && c->show)
        rd_wrap(&c->scr, RD_ERROR, "  ! ", 4, msg);
    else
        rd_eprintf("step %s: %s", v ? v->step_id : "-", msg);
}

static void echo(const run_ctx *c, const char *what)
{
    if (c->show) rd_wrap(&c->scr, RD_ACCENT, "  \xe2\x86\x92 ", 4, what);
}

static const char *first_message(run_ctx *c)
{
    const dt_diag *d = dt_error_count(c->err) ? dt_error_get(c->err, 0) : NULL;
    return d ? d->message : "refused";
}

/* Map an engine status after an action; `input` is shown in JSON errors (NULL when sensitive). */
static run_next after(run_ctx *c, dt_status st, const char *input, const char *done)
{
    switch (st) {
    case DT_OK:
        if (done) echo(c, done);
        return RN_REDRAW;
    case DT_EANSWER:
        run_error(c, "answer", input, "%s", first_message(c));
        return RN_PROMPT;
    case DT_ERUNTIME:
        run_error(c, "runtime", input, "%s -- the tree has a fault here: try another answer, "
                  "type back, or quit.", dt_error_text(c->err));
        return RN_PROMPT;
    case DT_ENOMEM:
        rd_eprintf("out of memory");
        return RN_FATAL;
    default:
        run_error(c, "state", input, "%s", first_message(c));
        return RN_PROMPT;
    }
}

#define LIST_MAX 8     /* candidates named in an ambiguity message; the rest are counted */
#define LIST_CHARS 60  /* characters of a label (or of what was typed) quoted in it */

/* One bounded line whatever the tree: 200,000 labels that fit still give a short message. */
static void list_candidates(run_ctx *c, const char *typed, const size_t *cands, size_t n)
{
    char msg[1024];
    size_t i, o, shown = n < LIST_MAX ? n : LIST_MAX, tl = u8_offset(typed, strlen(typed), LIST_CHARS);

    o = (size_t)snprintf(msg, sizeof msg, "'%.*s%s' fits several answers:", (int)tl, typed,
                         typed[tl] ? "..." : "");
    for (i = 0; i < shown && o < sizeof msg; i++) {
        const char *l = c->labels[cands[i]];
        size_t ll = u8_offset(l, strlen(l), LIST_CHARS);
        o += (size_t)snprintf(msg + o, sizeof msg - o, " %zu) %.*s%s%s", cands[i] + 1, (int)ll, l,
                              l[ll] ? "..." : "", i + 1 < shown ? ";" : n > shown ? ";" : ".");
    }
    if (n > shown && o < sizeof msg) snprintf(msg + o, sizeof msg - o, " and %zu more.", n - shown);
    run_error(c, "answer", typed, "%s Type more of the label, or its number.", msg);
}

static run_next answer_choice(run_ctx *c, const char *typed)
{
    size_t idx, nc, *cands = calloc(c->nshown ? c->nshown : 1, sizeof *cands);
    dt_match_result r;
    run_next rn = RN_PROMPT;

    if (!cands) return RN_FATAL;
    r = dt_match_answer(typed, (const char *const *)c->labels, c->ids, c->nshown, &idx, cands, &nc);
    if (r == DT_MATCH_ONE) {
        char *label = strdup(c->labels[idx]);
        dt_error_clear(c->err);
        rn = after(c, dt_session_choose(c->s, c->map[idx], c->err), typed, label ? label : "");
        free(label);
    } else if (r == DT_MATCH_MANY) {
        list_candidates(c, typed, cands, nc);
    } else if (r == DT_MATCH_RANGE) {
        run_error(c, "answer", typed, "There is no choice %s: choose 1-%zu.", typed, c->nshown);
    } else if (*typed) {
        run_error(c, "answer", typed, "No answer matches '%s': type a number 1-%zu, part of a "
                  "label, or help.", typed, c->nshown);
    } else {
        run_error(c, "answer", typed, "Type a number 1-%zu, part of a label, or help.", c->nshown);
    }
    free(cands);
    return rn;
}

/* A choice-typed input also takes an option's number or a unique part of it, as questions do;
 * anything else goes to the engine as typed, which refuses it with the author's message. */
static const char *pick_option(run_ctx *c, const dt_view *v, const char *typed, int *stop)
{
    size_t idx, nc, *cands;
    dt_match_result r;

    *stop = 0;
    if (v->input_type != DT_VAR_CHOICE || v->option_count == 0) return typed;
    if (!(cands = calloc(v->option_count, sizeof *cands))) return typed;
    r = dt_match_answer(typed, v->options, NULL, v->option_count, &idx, cands, &nc);
    if (r == DT_MATCH_MANY) {
        run_error(c, "answer", typed, "'%s' fits several options: type more of it, or its number.",
                  typed);
        *stop = 1;
    }
    free(cands);
    return r == DT_MATCH_ONE ? v->options[idx] : typed;
}

/* Day of the week (0 = Sunday) of a Gregorian date: Sakamoto's method, no time zone involved. */
static int weekday(int y, int m, int d)
{
    static const int t[] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
    if (m < 3) y--;
    return (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7;
}

/* A date read back in words, so the agent can read it to the caller before going on ("back" undoes
 * it): "Saturday 21 July 1984 (1984-07-21)", month first for en-US trees. */
static void read_back_date(const char *iso, int month_first, char *buf, size_t size)
{
    static const char *const days[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday",
                                       "Friday", "Saturday"};
    static const char *const months[] = {"January", "February", "March", "April", "May", "June",
                                         "July", "August", "September", "October", "November",
                                         "December"};
    int y, m, d;
    if (!iso || sscanf(iso, "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12 || d < 1) {
        snprintf(buf, size, "%s", iso ? iso : "");
        return;
    }
    if (month_first)
        snprintf(buf, size, "%s, %s %d, %d (%s)", days[weekday(y, m, d)], months[m - 1], d, y, iso);
    else
        snprintf(buf, size, "%s %d %s %d (%s)", days[weekday(y, m, d)], d, months[m - 1], y, iso);
}

static run_next answer_input(run_ctx *c, const char *typed)
{
    const dt_view *v = dt_session_view(c->s);
    int secret = dt_tree_var_sensitive(c->tree, v->var), stop;
    const char *value = pick_option(c, v, typed, &stop);
    char *shown, *val;
    run_next rn;

    if (stop) return RN_PROMPT;
    val = strdup(value);   /* the view (and the option) is gone after the answer */
    shown = strdup(secret ? "[redacted]" /* the engine's one mask, docs/recording.md */
                          : (*value ? value : "(left empty)"));
    if (!shown || !val) {
        free(shown);
        free(val);
        return RN_FATAL;
    }
    dt_error_clear(c->err);
    if (v->input_type == DT_VAR_DATE && !secret && *value) {
        int month_first = v->month_first;
        char *var = strdup(v->var), said[128];
        dt_status st = var ? dt_session_input(c->s, val, c->err) : DT_ENOMEM;
        if (st == DT_OK) {
            read_back_date(dt_session_var_get(c->s, var), month_first, said, sizeof said);
            free(shown);
            shown = strdup(said);
        }
        free(var);
        rn = after(c, st, typed, shown ? shown : "");
    } else {
        rn = after(c, dt_session_input(c->s, val, c->err), secret ? NULL : typed, shown);
    }
    free(shown);
    free(val);
    return rn;
}

static run_next answer_info(run_ctx *c, const char *typed)
{
    static const char *const go[] = {"", "continue", "c", "next", "ok"};
    size_t i;
    for (i = 0; i < sizeof go / sizeof go[0]; i++) {
        if (u8_casecmp(typed, go[i]) == 0) {
            dt_error_clear(c->err);
            return after(c, dt_session_continue(c->s, c->err), typed, "continue");
        }
    }
    run_error(c, "answer", typed, "This step needs no answer: press Enter to continue.");
    return RN_PROMPT;
}

static run_next cmd_quit(run_ctx *c)
{
    if (c->tty && !in_confirm("Quit this call? (y/n) ")) return RN_PROMPT;
    echo(c, c->session_id ? "quit: the call is saved as abandoned (it can be resumed)"
                          : "quit: the call ends unfinished (it was not recorded)");
    return RN_QUIT;
}

/* Restart clears every answer and back cannot cross it: ask first, as quit does. */
static run_next cmd_restart(run_ctx *c)
{
    if (c->tty && !in_confirm("Start again from the first step? The answers so far are cleared "
                              "and back cannot undo this. (y/n) "))
        return RN_PROMPT;
    dt_error_clear(c->err);
    return after(c, dt_session_restart(c->s, c->err), NULL, "restart from the first step");
}

static run_next cmd_note(run_ctx *c, const char *text)
{
    while (*text == ' ') text++;
    if (!*text) {
        run_error(c, "command", NULL, "Write the note after the word: note TEXT");
        return RN_PROMPT;
    }
    dt_error_clear(c->err);
    if (after(c, dt_session_note(c->s, text, c->err), NULL, "note kept with this step") == RN_FATAL)
        return RN_FATAL;
    return RN_PROMPT;   /* the step has not changed: no need to show it again */
}

static run_next cmd_back(run_ctx *c)
{
    dt_status st;
    dt_error_clear(c->err);
    st = dt_session_back(c->s, c->err);
    if (st == DT_ESTATE) {
        run_error(c, "state", NULL, "Nothing to go back to: this is the first step.");
        return RN_PROMPT;
    }
    return after(c, st, NULL, "back to the previous step");
}

enum { L_HISTORY, L_VARS, L_HELP };

/* history / vars / help: a listing, then the choices again (the listing pushed them away). */
static run_next listing(run_ctx *c, int which)
{
    if (!c->show) return RN_PROMPT;
    if (which == L_HISTORY) {
        rd_text(&c->scr, RD_BOLD, "Path so far\n");
        sm_path(&c->scr, c->s);
    } else if (which == L_VARS) {
        rd_text(&c->scr, RD_BOLD, "Variables changed during the call\n");
        sm_vars(&c->scr, c->s, c->base.values ? &c->base : NULL);
    } else {
        rd_text(&c->scr, RD_PLAIN, help_text);
    }
    run_show_choices(c);
    return RN_PROMPT;
}

/* 1 and *rn set when `t` is a command. */
static int command(run_ctx *c, const char *t, run_next *rn)
{
    if (u8_casecmp(t, "quit") == 0) *rn = cmd_quit(c);
    else if (u8_casecmp(t, "back") == 0) *rn = cmd_back(c);
    else if (u8_casecmp(t, "restart") == 0)
        *rn = cmd_restart(c);
    else if (u8_casecmp(t, "note") == 0 || u8_caseprefix("note ", t))
        *rn = cmd_note(c, t + 4);
    else if (u8_casecmp(t, "history") == 0) *rn = listing(c, L_HISTORY);
    else if (u8_casecmp(t, "vars") == 0) *rn = listing(c, L_VARS);
    else if (u8_casecmp(t, "help") == 0 || strcmp(t, "?") == 0) *rn = listing(c, L_HELP);
    else return 0;
    return 1;
}

run_next run_handle(run_ctx *c, const char *line)
{
    char *t = strdup(line);
    const dt_view *v = dt_session_view(c->s);
    run_next rn = RN_PROMPT;
    const char *answer;
    size_t n;

    if (!t) return RN_FATAL;
    n = strlen(t);
    while (n > 0 && t[n - 1] == ' ') t[--n] = '\0';
    answer = t + strspn(t, " ");
    if (!command(c, answer, &rn)) {
        if (*answer == '\\') answer++;
        if (v->kind == DT_STEP_QUESTION) rn = answer_choice(c, answer);
        else if (v->kind == DT_STEP_INPUT) rn = answer_input(c, answer);
        else rn = answer_info(c, answer);
    }
    free(t);
    return rn;
}
