/*
 * kiosk_flow.c — what the kiosk shows and what an answer does (see kiosk_flow.h).
 * Invariants: only `all` and `customer` text is ever put on a page (never notes, step ids or
 * titles); every page offers "Talk to a person" while a step is shown, and "Start over" once there
 * is something to start over from (not on the first step); the screen says that staff were told
 * only when --notify started a command; any
 * engine failure becomes the calm "something went wrong" notice and a reset, never an exit; a
 * customer's session is always recorded closed (finish) before it is freed.
 */
#include "kiosk_flow.h"

#include "kiosk_notify.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#define T_WELCOME "Welcome. Answer a few questions on this screen and we will help you sort it out."
#define T_START "Press Enter to start."
#define T_PICK "Type the number of your answer, then press Enter."
#define T_TYPE "Type your answer, then press Enter."
#define T_NOT_SHOWN "Please type one of the numbers shown, then press Enter."
#define T_SORRY "Sorry, something went wrong \xe2\x80\x94 please ask a member of staff."
#define T_HANDOFF_TOLD "Please wait here: a member of staff has been told and will come to help you."
#define T_HANDOFF_ASK "Please ask a member of staff for help."
#define T_TOLD "A member of staff has been told."
#define T_CONFIRM_HELP "Do you want to talk to a member of staff?"
#define T_BACK "Press Enter to go back to the start."
#define T_THANKS "Thank you for using this service."
#define T_SOLVED "Did this solve your problem?"
#define T_BYE "Thank you. Goodbye!"
#define K_START "start"   /* typed-answer steps: the extra choices are words, not numbers */
#define K_HELP "help"

enum { A_CHOOSE = 0, A_CONTINUE, A_VALUE, A_RESTART, A_HANDOFF, A_YES, A_NO };

typedef struct kf_action {
    int kind;
    size_t index;          /* A_CHOOSE: index in view->choices */
    const char *value;     /* A_VALUE */
} kf_action;

typedef struct kf_menu {   /* one page's content; strings borrowed from the view */
    const char **texts;
    size_t ntexts;
    ks_item *items;
    kf_action *acts;
    char (*keys)[12];
    size_t nitems;
    int typed;             /* the step takes a typed answer (text, number, date, ...) */
} kf_menu;

static int visible(dt_audience step, dt_audience own)
{
    return own == DT_AUD_CUSTOMER || (own == DT_AUD_ALL && step != DT_AUD_AGENT);
}

static void menu_free(kf_menu *m)
{
    free(m->texts);
    free(m->items);
    free(m->acts);
    free(m->keys);
    memset(m, 0, sizeof *m);
}

static int menu_alloc(kf_menu *m, size_t ntexts, size_t nitems)
{
    memset(m, 0, sizeof *m);
    m->texts = calloc(ntexts + 1, sizeof *m->texts);
    m->items = calloc(nitems + 1, sizeof *m->items);
    m->acts = calloc(nitems + 1, sizeof *m->acts);
    m->keys = calloc(nitems + 1, sizeof *m->keys);
    if (m->texts && m->items && m->acts && m->keys) return 0;
    menu_free(m);
    return -1;
}

static void add_item(kf_menu *m, const char *key, const char *label, int kind, size_t index,
                     const char *value)
{
    size_t i = m->nitems++;
    if (key) snprintf(m->keys[i], sizeof m->keys[i], "%s", key);
    else snprintf(m->keys[i], sizeof m->keys[i], "%zu", i + 1);
    m->items[i].key = m->keys[i];
    m->items[i].label = label;
    m->acts[i].kind = kind;
    m->acts[i].index = index;
    m->acts[i].value = value;
}

static void add_answers(kf_menu *m, const dt_view *v)
{
    size_t i;
    switch (v->kind) {
    case DT_STEP_QUESTION:
        for (i = 0; i < v->choice_count; i++)
            if (visible(v->audience, v->choices[i].audience))
                add_item(m, NULL, v->choices[i].label, A_CHOOSE, i, NULL);
        break;
    case DT_STEP_INFO: add_item(m, NULL, "Continue", A_CONTINUE, 0, NULL); break;
    case DT_STEP_INPUT:
        if (v->input_type == DT_VAR_CHOICE) {
            for (i = 0; i < v->option_count; i++)
                add_item(m, NULL, v->options[i], A_VALUE, 0, v->options[i]);
        } else if (v->input_type == DT_VAR_BOOLEAN) {
            add_item(m, NULL, "Yes", A_VALUE, 0, "yes");
            add_item(m, NULL, "No", A_VALUE, 0, "no");
        } else {
            m->typed = 1;
        }
        break;
    default: break;
    }
}

/* The page of a step: customer text, its answers, then the two fixed extras. */
static int step_menu(const dt_view *v, kf_menu *m)
{
    size_t i;
    if (menu_alloc(m, v->say_count, v->choice_count + v->option_count + 4) != 0) return -1;
    for (i = 0; i < v->say_count; i++)
        if (visible(v->audience, v->say[i].audience) && *v->say[i].text)
            m->texts[m->ntexts++] = v->say[i].text;
    add_answers(m, v);
    if (v->step_number > 1) /* on the first step there is nothing to start over from */
        add_item(m, m->typed ? K_START : NULL, "Start over", A_RESTART, 0, NULL);
    add_item(m, m->typed ? K_HELP : NULL, "Talk to a person", A_HANDOFF, 0, NULL);
    return 0;
}

/* The page after an end: closing text, thanks, and (unless escalated) the feedback question. */
static int end_menu(const kiosk *k, const dt_view *v, kf_menu *m)
{
    size_t i;
    if (menu_alloc(m, v->say_count + 2, 2) != 0) return -1;
    for (i = 0; i < v->say_count; i++)
        if (visible(v->audience, v->say[i].audience) && *v->say[i].text)
            m->texts[m->ntexts++] = v->say[i].text;
    m->texts[m->ntexts++] = T_THANKS;
    if (k->ask_feedback) {
        m->texts[m->ntexts++] = T_SOLVED;
        add_item(m, NULL, "Yes", A_YES, 0, NULL);
        add_item(m, NULL, "No", A_NO, 0, NULL);
    }
    return 0;
}

static void draw_page(kiosk *k, const kf_menu *m, const char *heading, const char *hint, int prompt)
{
    ks_page p;
    memset(&p, 0, sizeof p);
    p.heading = heading;
    p.texts = m->texts;
    p.ntexts = m->ntexts;
    p.items = m->items;
    p.nitems = m->nitems;
    p.error = k->error;
    p.hint = hint;
    p.prompt = prompt;
    ks_draw(&k->scr, &p, kiosk_line_text(&k->line));
}

static void draw_message(kiosk *k, const char *heading, const char *text, const char *hint)
{
    const char *texts[1];
    kf_menu m;
    memset(&m, 0, sizeof m);
    texts[0] = text;
    m.texts = texts;
    m.ntexts = text ? 1 : 0;
    draw_page(k, &m, heading, hint, 0);
}

/* "help" typed at a typed-answer step: a word a customer might type as an answer, so ask. */
static void draw_confirm_help(kiosk *k)
{
    const char *texts[1] = {T_CONFIRM_HELP};
    ks_item items[2] = {{"1", "Yes"}, {"2", "No, go back to the question"}};
    kf_menu m;
    memset(&m, 0, sizeof m);
    m.texts = texts;
    m.ntexts = 1;
    m.items = items;
    m.nitems = 2;
    draw_page(k, &m, NULL, T_PICK, 1);
}

static void draw_session(kiosk *k)
{
    const dt_view *v = dt_session_view(k->s);
    kf_menu m;
    int ended = k->idle.phase == KP_ENDED;

    if (!ended && k->confirm_help) {
        draw_confirm_help(k);
        return;
    }
    if (!v || (ended ? end_menu(k, v, &m) : step_menu(v, &m)) != 0) {
        draw_message(k, NULL, T_SORRY, T_BACK);   /* out of memory: still calm */
        return;
    }
    if (ended) draw_page(k, &m, NULL, k->ask_feedback ? T_PICK : T_BACK, k->ask_feedback);
    else draw_page(k, &m, NULL, m.typed ? T_TYPE : T_PICK, 1);
    menu_free(&m);
}

/* The step asks for a sensitive variable: its answer is masked on the prompt line. */
static int secret_step(const kiosk *k)
{
    const dt_view *v = k->s ? dt_session_view(k->s) : NULL;
    size_t i, n = k->s ? dt_session_var_count(k->s) : 0;
    const dt_var_view *var;

    if (!v || v->kind != DT_STEP_INPUT || !v->var) return 0;
    for (i = 0; i < n; i++)
        if ((var = dt_session_var(k->s, i)) && strcmp(var->name, v->var) == 0) return var->sensitive;
    return 0;
}

void kf_draw(kiosk *k)
{
    k->scr.mask = k->idle.phase == KP_STEP && secret_step(k);
    switch (k->idle.phase) {
    case KP_WELCOME:
        draw_message(k, dt_tree_title(k->tree), k->welcome ? k->welcome : T_WELCOME, T_START);
        break;
    case KP_STEP:
    case KP_ENDED:
        if (k->s) draw_session(k);
        break;
    case KP_NOTICE: draw_message(k, NULL, k->notice ? k->notice : T_SORRY, T_BACK); break;
    case KP_THANKS: draw_message(k, NULL, T_BYE, NULL); break;
    }
}

void kf_prompt(kiosk *k)
{
    int has = k->idle.phase == KP_STEP || (k->idle.phase == KP_ENDED && k->ask_feedback);
    if (!has || !k->scr.prompt_shown) return;
    ks_prompt(&k->scr, kiosk_line_text(&k->line));
    ks_flush(&k->scr);
}

static void set_str(char **slot, const char *s)
{
    free(*slot);
    *slot = s ? strdup(s) : NULL;
}

/* ---- recording ------------------------------------------------------------------------------ */

static dt_rec_status rec_status(kf_cause c)
{
    switch (c) {
    case KF_DONE: return DT_REC_COMPLETED;
    case KF_TIMEOUT: return DT_REC_TIMED_OUT;
    case KF_HANDOFF: return DT_REC_TRANSFERRED;
    default: return DT_REC_ABANDONED;
    }
}

static void rec_begin(kiosk *k)
{
    dt_record_meta meta;
    char id[37];

    k->recording = 0;
    if (!k->rec) return;
    memset(&meta, 0, sizeof meta);
    meta.agent = "kiosk";
    meta.mode = "kiosk";
    meta.host = k->host;
    dt_error_clear(k->err);
    kb_retry(&k->backlog); /* sessions kept from a full disk: written once space is back */
    k->recording = dt_recorder_begin(k->rec, k->s, k->tree, &meta, id, k->err) == DT_OK;
    if (k->recording)
        memcpy(k->session_id, id, sizeof k->session_id);
    else
        kb_log(LOG_ERR, "recording: this customer's session cannot be recorded: %s",
               dt_error_text(k->err));
}

/* Finish the recorded session.  If that fails (a full disk), the session and its recorder go to
 * the backlog whole, to be written when space returns, and a fresh recorder serves the next
 * customer; the operator reads it in syslog.  Returns 1 when k->s went to the backlog. */
static int rec_finish(kiosk *k, kf_cause cause)
{
    if (!k->recording) return 0;
    k->recording = 0;
    dt_error_clear(k->err);
    /* Talking to a person leaves the tree without an end step: the outcome is the escalation. */
    if (cause == KF_HANDOFF) dt_recorder_set_outcome(k->rec, dt_outcome_name(DT_OUTCOME_ESCALATED), k->err);
    if (dt_recorder_finish(k->rec, rec_status(cause), k->err) == DT_OK) return 0;
    kb_keep(&k->backlog, k->rec, k->s, rec_status(cause));
    k->rec = NULL;
    if (k->db && dt_recorder_open(k->db, 0, &k->rec, NULL) != DT_OK)
        kb_log(LOG_ERR, "recording: %s cannot be opened again; customers are not recorded "
                        "until the kiosk restarts",
               k->db);
    return 1;
}

static void close_session(kiosk *k, kf_cause cause, const char *note)
{
    if (!k->s) return;
    if (note && k->recording) dt_session_note(k->s, note, NULL);
    if (!rec_finish(k, cause)) dt_session_free(k->s);
    k->s = NULL;
    k->confirm_help = 0;
    memset(k->session_id, 0, sizeof k->session_id);
}

/* ---- actions -------------------------------------------------------------------------------- */

static void fault(kiosk *k, int64_t now)
{
    char note[300];
    snprintf(note, sizeof note, "kiosk: engine error: %.250s", dt_error_text(k->err));
    k->faults++;
    close_session(k, KF_FAULT, note);
    set_str(&k->notice, T_SORRY);
    set_str(&k->error, NULL);
    kiosk_idle_phase(&k->idle, KP_NOTICE, now);
    kf_draw(k);
}

static const char *type_hint(const dt_view *v)
{
    switch (v->input_type) {
    case DT_VAR_NUMBER: return "Please type a number, like 42.";
    case DT_VAR_DATE:
        return v->month_first ? "Please type a date, like 01/31/2026 or January 31, 2026."
                              : "Please type a date, like 31/01/2026 or 31 January 2026.";
    case DT_VAR_EMAIL: return "Please type an email address, like name@example.com.";
    case DT_VAR_PHONE: return "Please type a phone number, digits only.";
    default: return "Sorry, that answer did not work. Please try again.";
    }
}

/* After an engine call on the session: next page, a re-ask, or the calm fault notice. */
static void after(kiosk *k, dt_status st, int64_t now)
{
    const dt_view *v = dt_session_view(k->s);

    if (st == DT_EANSWER && v) {
        set_str(&k->error, v->kind == DT_STEP_INPUT && *v->retry ? v->retry : type_hint(v));
        kf_draw(k);
        return;
    }
    if (st != DT_OK || !v) {
        fault(k, now);
        return;
    }
    set_str(&k->error, NULL);
    if (dt_session_ended(k->s)) {
        const char *o = dt_session_outcome(k->s);
        k->ask_feedback = dt_outcome_of(o) != DT_OUTCOME_ESCALATED;
        kiosk_idle_phase(&k->idle, KP_ENDED, now);
    } else {
        kiosk_idle_phase(&k->idle, KP_STEP, now);
    }
    kf_draw(k);
}

static void start(kiosk *k, int64_t now)
{
    dt_error_clear(k->err);
    if (dt_session_new(k->tree, &k->s, k->err) != DT_OK) {
        k->s = NULL;
        fault(k, now);
        return;
    }
    rec_begin(k);
    dt_error_clear(k->err);
    after(k, dt_session_start(k->s, k->err), now);
}

/* Start --notify's command; 1 when someone is being told (only then may the screen say so). */
static int notify_staff(kiosk *k, const dt_view *v)
{
    if (!k->notify) return 0;
    return kn_notify(k->notify, k->session_id, dt_tree_id(k->tree), v ? v->step_id : "",
                     k->host) == 0;
}

/* The notice after "talk to a person": the tree's text, else ours; "has been told" only when a
 * --notify command was started. */
static void handoff_notice(kiosk *k, const dt_view *v, int told)
{
    char *text;
    size_t n;

    if (!v || !*v->handoff_text) {
        set_str(&k->notice, told ? T_HANDOFF_TOLD : T_HANDOFF_ASK);
        return;
    }
    if (!told) {
        set_str(&k->notice, v->handoff_text);
        return;
    }
    n = strlen(v->handoff_text) + sizeof T_TOLD + 2;
    if ((text = malloc(n)) != NULL) snprintf(text, n, "%s %s", T_TOLD, v->handoff_text);
    free(k->notice);
    k->notice = text;
}

static void handoff(kiosk *k, int64_t now)
{
    const dt_view *v = dt_session_view(k->s);
    int told = notify_staff(k, v);

    k->confirm_help = 0;
    if (v && *v->handoff_step) {
        after(k, dt_session_jump(k->s, dt_tree_id(k->tree), v->handoff_step, k->err), now);
        return;
    }
    handoff_notice(k, v, told);
    close_session(k, KF_HANDOFF, "kiosk: the customer asked to talk to a person (transferred)");
    set_str(&k->error, NULL);
    kiosk_idle_phase(&k->idle, KP_NOTICE, now);
    kf_draw(k);
}

static void act(kiosk *k, const kf_action *a, int64_t now)
{
    dt_error_clear(k->err);
    switch (a->kind) {
    case A_CHOOSE: after(k, dt_session_choose(k->s, a->index, k->err), now); break;
    case A_CONTINUE: after(k, dt_session_continue(k->s, k->err), now); break;
    case A_VALUE: after(k, dt_session_input(k->s, a->value, k->err), now); break;
    case A_RESTART: after(k, dt_session_restart(k->s, k->err), now); break;
    case A_HANDOFF: handoff(k, now); break;
    default: break;
    }
}

/* Leading and trailing spaces do not count: " 2 " is 2. */
static void trim(const char *text, char *out, size_t size)
{
    size_t n;
    while (*text == ' ') text++;
    snprintf(out, size, "%s", text);
    n = strlen(out);
    while (n > 0 && out[n - 1] == ' ') out[--n] = '\0';
}

static const kf_action *find_key(const kf_menu *m, const char *t)
{
    for (size_t i = 0; i < m->nitems; i++)
        if (u8_casecmp(m->items[i].key, t) == 0) return &m->acts[i];
    return NULL;
}

/* The confirmation page after "help": 1 (or yes) calls a person, anything else goes back. */
static void submit_confirm(kiosk *k, const char *t, int64_t now)
{
    static const char *const yes[] = {"Yes", "No, go back to the question"};
    size_t idx = 1;

    k->confirm_help = 0;
    set_str(&k->error, NULL);
    if (dt_match_answer(t, yes, NULL, 2, &idx, NULL, NULL) == DT_MATCH_ONE && idx == 0) {
        handoff(k, now);
        return;
    }
    kf_draw(k);
}

/* The page's key (start, help, or a number), else for a numbered page the one rule every front end
 * uses (dt_match_answer: a label's start or a word of it); typed pages take only their keys, since
 * anything else is the customer's answer. */
static const kf_action *find_action(const kf_menu *m, const char *t)
{
    const kf_action *a = find_key(m, t);
    const char **labels;
    size_t i, idx;
    dt_match_result r;

    if (a || m->typed || !*t || !(labels = calloc(m->nitems + 1, sizeof *labels))) return a;
    for (i = 0; i < m->nitems; i++) labels[i] = m->items[i].label;
    r = dt_match_answer(t, labels, NULL, m->nitems, &idx, NULL, NULL);
    free(labels);
    return r == DT_MATCH_ONE ? &m->acts[idx] : NULL;
}

static void submit_step(kiosk *k, const char *t, int64_t now)
{
    const dt_view *v = dt_session_view(k->s);
    const kf_action *a;
    kf_action copy;
    kf_menu m;
    int typed;

    if (k->confirm_help) {
        submit_confirm(k, t, now);
        return;
    }
    if (!v || step_menu(v, &m) != 0) {
        fault(k, now);
        return;
    }
    a = find_action(&m, t);
    if (a) copy = *a;   /* copied: the menu is freed before the engine call */
    typed = m.typed;
    menu_free(&m);
    if (a && typed && copy.kind == A_HANDOFF) {
        k->confirm_help = 1;
        set_str(&k->error, NULL);
        kf_draw(k);
    } else if (a) {
        act(k, &copy, now);
    } else if (typed || (v->kind == DT_STEP_INPUT && !v->required && !*t)) {
        dt_error_clear(k->err);
        after(k, dt_session_input(k->s, t, k->err), now);
    } else {
        set_str(&k->error, *t ? T_NOT_SHOWN : NULL);
        kf_draw(k);
    }
}

static void submit_end(kiosk *k, const char *t, int64_t now)
{
    int yes = strcmp(t, "1") == 0, no = strcmp(t, "2") == 0;

    if (k->ask_feedback && !yes && !no) {
        set_str(&k->error, *t ? "Please type 1 or 2, then press Enter." : NULL);
        kf_draw(k);
        return;
    }
    if (!k->ask_feedback) {
        kf_reset(k, KF_DONE, now);
        return;
    }
    if (k->recording) dt_recorder_feedback(k->rec, yes ? "yes" : "no", NULL);
    close_session(k, KF_DONE, NULL);
    set_str(&k->error, NULL);
    kiosk_idle_phase(&k->idle, KP_THANKS, now);
    kf_draw(k);
}

void kf_submit(kiosk *k, const char *text, int64_t now)
{
    char t[KL_MAX + 1];

    trim(text, t, sizeof t);
    switch (k->idle.phase) {
    case KP_WELCOME: start(k, now); break;
    case KP_STEP: submit_step(k, t, now); break;
    case KP_ENDED: submit_end(k, t, now); break;
    default: kf_reset(k, KF_DONE, now); break;
    }
}

/* The line goes to kf_submit from a copy, wiped after: the reader's buffer is cleared first so
 * that what kf_submit draws starts from an empty prompt. */
static void submit_line(kiosk *k, int64_t now)
{
    char line[KL_MAX + 1];
    memcpy(line, kiosk_line_text(&k->line), sizeof line);
    kiosk_line_clear(&k->line);
    kf_submit(k, line, now);
    memset(line, 0, sizeof line);
}

size_t kf_input(kiosk *k, const unsigned char *buf, size_t n, int64_t now)
{
    if (kiosk_idle_input(&k->idle, now)) { /* "are you still there?" answered: any key */
        kiosk_line_gap(&k->line);
        kf_draw(k);
        return 0;
    }
    if (k->idle.phase == KP_THANKS) {
        kf_reset(k, KF_DONE, now);
        return 0;
    }
    int changed = 0;
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        int pasting = k->line.paste;
        kl_result r = kiosk_line_feed(&k->line, buf[i]);
        if (r == KL_CHANGED) {
            changed = 1; /* drawn once after the whole read: a long paste costs one redraw */
        } else if (r == KL_SUBMIT) {
            submit_line(k, now);
            used = i + 1;
            if (!k->keep_typeahead)
                return used; /* the rest of a paste never answers the next page */
            changed = 0;
        }
        /* A real paste ends its write with CSI 201~: what follows in the same read came with it
         * (a forged end marker inside the pasted text), not from the keyboard. */
        if (pasting && !k->line.paste && !k->keep_typeahead)
            break;
    }
    if (changed)
        kf_prompt(k);
    return used;
}

void kf_begin(kiosk *k, int64_t now)
{
    k->s = NULL;
    k->recording = 0;
    k->error = k->notice = NULL;
    kiosk_line_clear(&k->line);
    kiosk_idle_phase(&k->idle, KP_WELCOME, now);
    kf_draw(k);
}

void kf_reset(kiosk *k, kf_cause cause, int64_t now)
{
    close_session(k, cause, NULL);
    set_str(&k->error, NULL);
    set_str(&k->notice, NULL);
    k->ask_feedback = 0;
    kiosk_line_clear(&k->line);
    kiosk_idle_phase(&k->idle, KP_WELCOME, now);
    kf_draw(k);   /* ks_draw clears screen and scrollback first */
}

void kf_timeout(kiosk *k, int64_t now)
{
    kf_reset(k, k->idle.phase == KP_STEP ? KF_TIMEOUT : KF_DONE, now);
}

void kf_end(kiosk *k)
{
    close_session(k, KF_STOP, "kiosk: stopped by the operator");
    kb_close(&k->backlog);
    set_str(&k->error, NULL);
    set_str(&k->notice, NULL);
    kiosk_line_clear(&k->line);
    ks_clear(&k->scr);
    ks_flush(&k->scr);
}
