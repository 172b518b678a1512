/*
 * check.c — dt_tree_check: the authors' diagnostics that go beyond what the loader refuses (text,
 * labels, variables, condition types, kiosk text), plus the graph checks of check_graph.c.
 * Reads a loaded tree only; every pass is linear in the model (labels: pairwise within one step,
 * capped).  Diagnostics are collected, sorted by file and position, then handed to the caller.
 */
#include "check.h"
#include "error.h"
#include "interp.h"
#include "mem.h"
#include "visible.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LONG_TEXT 1000      /* characters in one say */
#define LABEL_PAIRS_MAX 256 /* choices per step compared pairwise */
#define NEAR_MIN 4          /* edit distance applies to normalised labels of this length ... */
#define NEAR_MAX 30         /* ... up to this length */

static const dt_pos nopos = {0, 0};

int dt_chk_wants(const dt_chk *c, uint32_t unit)
{
    if (unit < c->t->units.len && M_UNIT(c->t, unit)->unread)
        return 0; /* what a broken file holds past its error is unknown: no guesses about it */
    return !(c->flags & DT_CHECK_ROOT_ONLY) || unit == 0;
}

void dt_chk_add(dt_chk *c, dt_severity sev, uint32_t unit, dt_pos pos, const char *check,
                const char *fmt, ...)
{
    if (dt_grow((void **)&c->p, &c->cap, c->n + 1, sizeof *c->p) != 0) {
        c->oom = 1;
        return;
    }
    char raw[1024], buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    dt_text_visible(raw, buf, sizeof buf); /* labels that differ by a no-break space show it */
    dt_pend *p = &c->p[c->n];
    *p = (dt_pend){unit, pos.line, pos.col, (uint32_t)c->n, sev, check, dt_strdup(buf)};
    if (!p->msg) {
        c->oom = 1;
        return;
    }
    c->n++;
}

static int pend_cmp(const void *a, const void *b)
{
    const dt_pend *x = a, *y = b;
    if (x->unit != y->unit)
        return x->unit < y->unit ? -1 : 1;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void flush(dt_chk *c, dt_error *err)
{
    if (c->n)
        qsort(c->p, c->n, sizeof *c->p, pend_cmp);
    for (size_t i = 0; i < c->n; i++) {
        const dt_pend *p = &c->p[i];
        const char *file = M_S(c->t, M_UNIT(c->t, p->unit)->path);
        dt_err_add(err, p->sev, p->sev == DT_SEV_ERROR ? DT_EINVALID : DT_OK, file, p->line, p->col,
                   p->check, "%s", p->msg);
        dt_free(p->msg);
    }
    dt_free(c->p);
    c->p = NULL;
    c->n = c->cap = 0;
}

/* ---- text: control characters, bidi overrides, length ------------------------------------- */

/* Decode one UTF-8 sequence (the loader guarantees valid UTF-8); returns its length. */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
    if (s[0] < 0x80)
        return *cp = s[0], 1;
    if ((s[0] & 0xe0) == 0xc0 && s[1])
        return *cp = (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f), 2;
    if ((s[0] & 0xf0) == 0xe0 && s[1] && s[2])
        return *cp = (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f), 3;
    if (s[1] && s[2] && s[3])
        return *cp = (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 |
                     (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f),
               4;
    return *cp = 0xfffd, 1;
}

static int is_bidi(uint32_t cp)
{
    return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

static int is_control(uint32_t cp)
{
    return (cp < 0x20 && cp != '\n') || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029;
}

/* Check one text; `what` names it in messages ("say of step 'x'").  Returns its length in
 * characters. */
static size_t scan_text(dt_chk *c, uint32_t unit, dt_pos pos, const char *what, const char *text)
{
    size_t chars = 0;
    int ctl = 0, bidi = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; chars++) {
        uint32_t cp;
        p += utf8_next(p, &cp);
        if (is_control(cp) && !ctl++)
            dt_chk_add(c, DT_SEV_WARNING, unit, pos, "control-char",
                       "%s contains the control character U+%04X, which terminals may act on",
                       what, (unsigned)cp);
        if (is_bidi(cp) && !bidi++)
            dt_chk_add(c, DT_SEV_WARNING, unit, pos, "bidi-override",
                       "%s contains the bidi control U+%04X, which reorders how the text displays",
                       what, (unsigned)cp);
    }
    return chars;
}

/* Cheap pre-test so that clean text (nearly all of it) costs one pass and no formatting: only a
 * text holding a control byte, DEL, or a lead byte of C1 (0xC2) or U+2xxx (0xE2) is scanned. */
static int suspicious(const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        if ((*p < 0x20 && *p != '\n') || *p == 0x7f || *p == 0xc2 || *p == 0xe2)
            return 1;
    return 0;
}

static size_t count_chars(const char *text)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        n += (*p & 0xc0) != 0x80;
    return n;
}

enum { W_TITLE, W_NOTE, W_SAY, W_CHOICE, W_RETRY, W_OPTION };

static void describe(char *buf, size_t size, int what, unsigned k, const char *id)
{
    switch (what) {
    case W_TITLE: snprintf(buf, size, "the title of step '%.60s'", id); break;
    case W_NOTE: snprintf(buf, size, "the note of step '%.60s'", id); break;
    case W_SAY: snprintf(buf, size, "say %u of step '%.60s'", k, id); break;
    case W_CHOICE: snprintf(buf, size, "choice %u of step '%.60s'", k, id); break;
    case W_RETRY: snprintf(buf, size, "the retry text of step '%.60s'", id); break;
    default: snprintf(buf, size, "option %u of step '%.60s'", k, id); break;
    }
}

/* Scan one text of step i; the description is only formatted for suspicious text. */
static void step_text(dt_chk *c, uint32_t i, dt_pos pos, int what, unsigned k, const char *text)
{
    if (!suspicious(text))
        return;
    char desc[200];
    describe(desc, sizeof desc, what, k, CHK_SID(c->t, i));
    scan_text(c, M_STEP(c->t, i)->unit, pos, desc, text);
}

static void text_of_step(dt_chk *c, uint32_t i)
{
    const dt_tree *t = c->t;
    const dt_step_rec *s = M_STEP(t, i);
    step_text(c, i, s->pos, W_TITLE, 0, M_S(t, s->title));
    step_text(c, i, s->pos, W_NOTE, 0, M_S(t, s->note));
    for (uint32_t k = 0; k < s->nsay; k++) {
        const char *text = M_S(t, M_SAY(t, s->first_say + k)->text);
        step_text(c, i, s->pos, W_SAY, k + 1, text);
        size_t n = strlen(text) > LONG_TEXT ? count_chars(text) : 0;
        if (n > LONG_TEXT)
            dt_chk_add(c, DT_SEV_WARNING, s->unit, s->pos, "long-text",
                       "say %u of step '%s' is %zu characters long (more than %d): split it over "
                       "steps",
                       k + 1, CHK_SID(t, i), n, LONG_TEXT);
    }
    for (uint32_t k = 0; s->kind == DT_STEP_QUESTION && k < s->nchoices; k++) {
        const dt_choice_rec *ch = M_CHOICE(t, s->first_choice + k);
        step_text(c, i, ch->pos, W_CHOICE, k + 1, M_S(t, ch->label));
    }
    if (s->kind == DT_STEP_INPUT && s->input < t->inputs.len) {
        const dt_input_rec *in = M_INPUT(t, s->input);
        step_text(c, i, s->pos, W_RETRY, 0, M_S(t, in->retry));
        for (uint32_t k = 0; k < in->noptions; k++)
            step_text(c, i, s->pos, W_OPTION, k + 1,
                      M_S(t, M_OPTION(t, in->first_option + k)));
    }
}

static void check_texts(dt_chk *c)
{
    const dt_tree *t = c->t;
    for (uint32_t u = 0; u < t->units.len; u++) {
        const dt_unit_rec *un = M_UNIT(t, u);
        if (!dt_chk_wants(c, u))
            continue;
        scan_text(c, u, nopos, "the tree title", M_S(t, un->title));
        scan_text(c, u, nopos, "the description", M_S(t, un->description));
        scan_text(c, u, nopos, "the handoff text", M_S(t, un->handoff_text));
    }
    for (uint32_t i = 0; i < t->steps.len; i++)
        if (dt_chk_wants(c, M_STEP(t, i)->unit))
            text_of_step(c, i);
}

/* ---- choice labels ---------------------------------------------------------------------------- */

/* Lower-case letters and digits only: "Yes, it is!" -> "yesitis".  Non-ASCII bytes are kept. */
static size_t normalise(const char *s, char *out, size_t size)
{
    size_t n = 0;
    for (; *s && n + 1 < size; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch >= 'A' && ch <= 'Z')
            out[n++] = (char)(ch - 'A' + 'a');
        else if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch >= 0x80)
            out[n++] = (char)ch;
    }
    out[n] = 0;
    return n;
}

/* 1 when a and b are at most one insertion, deletion or substitution apart (linear). */
static int within_one_edit(const char *a, size_t na, const char *b, size_t nb)
{
    if (na > nb)
        return within_one_edit(b, nb, a, na);
    if (nb - na > 1)
        return 0;
    size_t i = 0;
    while (i < na && a[i] == b[i])
        i++;
    if (na == nb)
        return i == na || strcmp(a + i + 1, b + i + 1) == 0;
    return strcmp(a + i, b + i + 1) == 0;
}

static void compare_labels(dt_chk *c, uint32_t step, const dt_choice_rec *x, const dt_choice_rec *y)
{
    const dt_tree *t = c->t;
    const char *lx = M_S(t, x->label), *ly = M_S(t, y->label);
    const dt_step_rec *s = M_STEP(t, step);
    char nx[128], ny[128];
    size_t ax = normalise(lx, nx, sizeof nx), ay = normalise(ly, ny, sizeof ny);
    if (strcmp(lx, ly) == 0)
        dt_chk_add(c, DT_SEV_WARNING, s->unit, y->pos, "duplicate-label",
                   "choices '%s' and '%s' of step '%s' have the same label \"%.80s\"",
                   M_S(t, x->id), M_S(t, y->id), CHK_SID(t, step), ly);
    else if (ax && ax == ay && strcmp(nx, ny) == 0)
        dt_chk_add(c, DT_SEV_WARNING, s->unit, y->pos, "similar-label",
                   "labels \"%.80s\" and \"%.80s\" of step '%s' differ only in case, spaces or "
                   "punctuation",
                   lx, ly, CHK_SID(t, step));
    else if (ax >= NEAR_MIN && ay >= NEAR_MIN && ax <= NEAR_MAX && ay <= NEAR_MAX &&
             within_one_edit(nx, ax, ny, ay))
        dt_chk_add(c, DT_SEV_WARNING, s->unit, y->pos, "similar-label",
                   "labels \"%.80s\" and \"%.80s\" of step '%s' differ by one letter", lx, ly,
                   CHK_SID(t, step));
}

static void labels_of_step(dt_chk *c, uint32_t i)
{
    const dt_tree *t = c->t;
    const dt_step_rec *s = M_STEP(t, i);
    for (uint32_t k = 0; k < s->nchoices; k++) {
        const dt_choice_rec *ch = M_CHOICE(t, s->first_choice + k);
        char norm[8];
        if (normalise(M_S(t, ch->label), norm, sizeof norm) == 0)
            dt_chk_add(c, DT_SEV_WARNING, s->unit, ch->pos, "empty-label",
                       "choice '%s' of step '%s' has no letters or digits in its label",
                       M_S(t, ch->id), CHK_SID(t, i));
    }
    if (s->nchoices > LABEL_PAIRS_MAX)
        return;
    for (uint32_t a = 0; a < s->nchoices; a++)
        for (uint32_t b = a + 1; b < s->nchoices; b++)
            compare_labels(c, i, M_CHOICE(t, s->first_choice + a), M_CHOICE(t, s->first_choice + b));
}

static void check_labels(dt_chk *c)
{
    for (uint32_t i = 0; i < c->t->steps.len; i++) {
        const dt_step_rec *s = M_STEP(c->t, i);
        if (s->kind == DT_STEP_QUESTION && dt_chk_wants(c, s->unit))
            labels_of_step(c, i);
    }
}

/* ---- kiosk ----------------------------------------------------------------------------------- */

static int customer_sees(uint8_t audience)
{
    return audience != DT_AUD_AGENT;
}

static void kiosk_step(dt_chk *c, uint32_t i)
{
    const dt_tree *t = c->t;
    const dt_step_rec *s = M_STEP(t, i);
    int say = 0, choice = 0;
    for (uint32_t k = 0; k < s->nsay; k++)
        say |= customer_sees(M_SAY(t, s->first_say + k)->audience);
    for (uint32_t k = 0; s->kind == DT_STEP_QUESTION && k < s->nchoices; k++)
        choice |= customer_sees(M_CHOICE(t, s->first_choice + k)->audience);
    int shown = dt_step_kind_is_interactive((dt_step_kind)s->kind) ||
                (s->kind == DT_STEP_END && s->nsay);
    if (!shown)
        return;
    if (!customer_sees(s->audience) || !(say || choice))
        dt_chk_add(c, DT_SEV_WARNING, s->unit, s->pos, "kiosk-no-customer-text",
                   "step '%s' of a kiosk tree shows no text to the customer (give it a <say> with "
                   "audience \"all\" or \"customer\")",
                   CHK_SID(t, i));
    else if (s->kind == DT_STEP_QUESTION && !choice)
        dt_chk_add(c, DT_SEV_WARNING, s->unit, s->pos, "kiosk-no-customer-choice",
                   "question '%s' of a kiosk tree offers the customer no choice (every choice is "
                   "for agents)",
                   CHK_SID(t, i));
}

/* Phrases in which the screen would speak as the agent ("I can help", "as we discussed"): on a kiosk
 * nobody is there to be "I" or to have discussed anything.  Lower case, matched at word bounds,
 * case-insensitively.  Choice labels are left alone: there the customer is "I". */
static const char *const agent_voice[] = {
    "i can help", "i'll", "i will", "i'm going to", "i am going to", "let me", "my name is",
    "as we discussed", "as discussed", "as i said", "bear with me", "i can see", "i need you to",
    "i'd like you to", "i have checked", "i've checked", NULL};

static int word_char(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '\'' || ch >= 0x80;
}

/* The first agent-voice phrase in text, or NULL.  Curly apostrophes count as straight ones. */
static const char *agent_phrase(const char *text)
{
    for (const char *p = text; *p; p++) {
        if (p > text && word_char((unsigned char)p[-1]))
            continue;
        for (const char *const *ph = agent_voice; *ph; ph++) {
            const char *a = p, *b = *ph;
            while (*b) {
                if (*b == '\'' && !strncmp(a, "\xe2\x80\x99", 3))
                    a += 3, b++;
                else if ((*a | 0x20) == *b || (*a == *b))
                    a++, b++;
                else
                    break;
            }
            if (!*b && !word_char((unsigned char)*a))
                return *ph;
        }
    }
    return NULL;
}

static void kiosk_voice(dt_chk *c, uint32_t i)
{
    const dt_tree *t = c->t;
    const dt_step_rec *s = M_STEP(t, i);
    if (!customer_sees(s->audience))
        return;
    for (uint32_t k = 0; k < s->nsay; k++) {
        const dt_text_rec *say = M_SAY(t, s->first_say + k);
        const char *ph = customer_sees(say->audience) ? agent_phrase(M_S(t, say->text)) : NULL;
        if (ph)
            dt_chk_add(c, DT_SEV_WARNING, s->unit, s->pos, "kiosk-agent-voice",
                       "say %u of step '%s' speaks as the agent (\"%s\") on a kiosk screen, where no "
                       "agent is present: word it for the customer, or give it audience=\"agent\" "
                       "and add a customer version",
                       k + 1, CHK_SID(t, i), ph);
    }
}

static void check_kiosk(dt_chk *c)
{
    const dt_tree *t = c->t;
    for (uint32_t i = 0; i < t->steps.len; i++) {
        uint32_t u = M_STEP(t, i)->unit;
        if (u < t->units.len && M_UNIT(t, u)->kiosk && dt_chk_wants(c, u)) {
            kiosk_step(c, i);
            kiosk_voice(c, i);
        }
    }
}

/* ---- files that could not be read ------------------------------------------------------------ */

/* A partial tree (DT_LOAD_PARTIAL) may hold files the loader could not read: say once per file that
 * the author checks did not look at it, so a clean report is never mistaken for a clean file. */
static void note_unread(dt_chk *c)
{
    for (uint32_t u = 0; u < c->t->units.len; u++)
        if (M_UNIT(c->t, u)->unread && (!(c->flags & DT_CHECK_ROOT_ONLY) || u == 0))
            dt_chk_add(c, DT_SEV_NOTE, u, nopos, "not-checked",
                       "the author checks did not run on this file: it could not be read (fix its "
                       "errors, then check again)");
}

/* ---- public entry ------------------------------------------------------------------------------ */

dt_status dt_tree_check(const dt_tree *t, unsigned flags, dt_error *diags)
{
    if (!t || !t->units.len)
        return DT_EARG;
    dt_chk c = {t, flags, NULL, 0, 0, 0};
    check_texts(&c);
    check_labels(&c);
    check_kiosk(&c);
    dt_check_vars(&c);
    dt_check_taint(&c);
    dt_check_graph(&c);
    note_unread(&c);
    int errors = 0;
    for (size_t i = 0; i < c.n; i++)
        errors += c.p[i].sev == DT_SEV_ERROR;
    flush(&c, diags);
    if (c.oom)
        return dt_err_error(diags, DT_ENOMEM, M_S(t, M_UNIT(t, 0)->path), 0, 0, NULL,
                            "out of memory while checking");
    return errors ? DT_EINVALID : DT_OK;
}
