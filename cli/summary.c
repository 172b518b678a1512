/*
 * summary.c — the case summary (see summary.h).  Only steps a person saw are listed (questions,
 * inputs, infos, the end); decide/call/jump steps are automatic and would only be noise in a ticket.
 */
#define _XOPEN_SOURCE 700
#include "summary.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int shown_kind(dt_step_kind k)
{
    return dt_step_kind_is_interactive(k) || k == DT_STEP_END;
}

static void notes(const rd_screen *sc, const dt_path_entry *e)
{
    size_t i;
    for (i = 0; i < e->note_count; i++) rd_wrap(sc, RD_DIM, "      Note: ", 12, e->notes[i]);
}

static void path_entry(const rd_screen *sc, const dt_path_entry *e, size_t n)
{
    char num[32];
    const char *title = *e->step_title ? e->step_title : e->step_id;

    snprintf(num, sizeof num, "  %2zu. ", n);
    if (e->kind == DT_STEP_END)
        rd_printf(sc, RD_PLAIN, "%s%s (end)\n", num, title);
    else if (e->answer && e->kind == DT_STEP_INFO)   /* "continue" is a keystroke, not a fact */
        rd_printf(sc, RD_PLAIN, "%s%s (done)\n", num, title);
    else if (e->answer && !*e->answer)   /* an optional input skipped: say so in the ticket */
        rd_printf(sc, RD_PLAIN, "%s%s: (left empty)\n", num, title);
    else if (e->answer)
        rd_printf(sc, RD_PLAIN, "%s%s: %s\n", num, title, e->answer);
    else
        rd_printf(sc, RD_PLAIN, "%s%s (current step, no answer yet)\n", num, title);
    notes(sc, e);
}

static int has_note(const dt_path_entry *e, const char *text)
{
    size_t i;
    for (i = 0; i < e->note_count; i++)
        if (strcmp(e->notes[i], text) == 0) return 1;
    return 0;
}

/* Earlier agents' notes on this entry's step, each printed once, unless the replay already put it
 * on the path (the record is the source; the replayed path may lack them).  done[] marks them. */
static void earlier_notes(const rd_screen *sc, const dt_path_entry *e, const sm_history *h,
                          unsigned char *done)
{
    size_t i;
    for (i = 0; h && done && i < h->nnotes; i++) {
        const sm_note *n = &h->notes[i];
        if (done[i] || strcmp(n->step_id, e->step_id) != 0 || strcmp(n->tree_id, e->tree_id) != 0)
            continue;
        done[i] = 1;
        if (!has_note(e, n->text)) rd_wrap(sc, RD_DIM, "      Note: ", 12, n->text);
    }
}

/* The path since the last restart: what the call is now, numbered as the step headers are.  The
 * steps before a restart were left, not answered; they stay in the record (dtree show). */
void sm_path_with(const rd_screen *sc, const dt_session *s, const sm_history *h)
{
    size_t i, n = 0, from = 0, earlier = 0, restarts = 0, count = dt_session_path_count(s);
    unsigned char *done = h && h->nnotes ? calloc(h->nnotes, 1) : NULL;
    const dt_path_entry *e;

    for (i = 0; i < count; i++) {
        if (!(e = dt_session_path_get(s, i))) continue;
        if (e->flags & DT_PATH_RESTART) {
            from = i;
            restarts++;
        }
        /* an earlier agent's note the replay already put back on any visit of its step is
         * printed there, with that visit, and nowhere else */
        for (size_t k = 0; done && k < h->nnotes; k++)
            if (!done[k] && strcmp(h->notes[k].step_id, e->step_id) == 0 &&
                strcmp(h->notes[k].tree_id, e->tree_id) == 0 && has_note(e, h->notes[k].text))
                done[k] = 1;
    }
    for (i = 0; i < from; i++)
        if ((e = dt_session_path_get(s, i)) && shown_kind(e->kind)) earlier++;
    if (restarts)
        rd_printf(sc, RD_DIM, "  (restarted %zu time%s: the %zu step%s before %s not listed)\n",
                  restarts, restarts == 1 ? "" : "s", earlier, earlier == 1 ? "" : "s",
                  earlier == 1 ? "is" : "are");
    for (i = 0; i < from; i++) /* notes are facts of the call: they survive a restart */
        if ((e = dt_session_path_get(s, i)) != NULL) {
            notes(sc, e);
            earlier_notes(sc, e, h, done);
        }
    for (i = from; i < count; i++) {
        if (!(e = dt_session_path_get(s, i)) || !shown_kind(e->kind)) continue;
        path_entry(sc, e, ++n);
        earlier_notes(sc, e, h, done);
    }
    for (i = 0; done && i < h->nnotes; i++) /* on steps no longer on the path (back, dropped) */
        if (!done[i]) rd_wrap(sc, RD_DIM, "      Note (earlier): ", 22, h->notes[i].text);
    if (n == 0) rd_text(sc, RD_PLAIN, "  (no steps yet)\n");
    free(done);
}

void sm_path(const rd_screen *sc, const dt_session *s)
{
    sm_path_with(sc, s, NULL);
}

int sm_baseline_take(sm_baseline *b, const dt_session *s)
{
    size_t i, count = dt_session_var_count(s);
    const dt_var_view *v;

    b->n = 0;
    if (!(b->values = calloc(count ? count : 1, sizeof *b->values))) return -1;
    for (i = 0; i < count; i++, b->n++) {
        v = dt_session_var(s, i);
        if (!(b->values[i] = strdup(v && v->is_set ? v->value : ""))) {
            sm_baseline_free(b);
            return -1;
        }
    }
    return 0;
}

int sm_baseline_defaults(sm_baseline *b, const dt_tree *t)
{
    dt_session *fresh = NULL;
    int rc;

    b->values = NULL;
    b->n = 0;
    if (dt_session_new(t, &fresh, NULL) != DT_OK) return -1;
    rc = sm_baseline_take(b, fresh);
    dt_session_free(fresh);
    return rc;
}

void sm_baseline_free(sm_baseline *b)
{
    size_t i;
    for (i = 0; b->values && i < b->n; i++) free(b->values[i]);
    free(b->values);
    b->values = NULL;
    b->n = 0;
}

static int unchanged(const sm_baseline *base, size_t i, const char *value)
{
    if (!base || !base->values) return *value == '\0';
    return i < base->n && strcmp(base->values[i], value) == 0;
}

static int changed(const dt_var_view *v, const sm_baseline *base, size_t i)
{
    return v && v->is_set && !unchanged(base, i, v->value);
}

/* `vars`: the agent's tool, so every changed variable by its name, helpers included. */
void sm_vars(const rd_screen *sc, const dt_session *s, const sm_baseline *base)
{
    size_t i, n = 0, count = dt_session_var_count(s);
    const dt_var_view *v;

    for (i = 0; i < count; i++) {
        if (!changed(v = dt_session_var(s, i), base, i)) continue;
        rd_printf(sc, RD_PLAIN, "  %s = %s%s\n", v->name, v->value,
                  v->sensitive ? "  (sensitive)" : "");
        n++;
    }
    if (n == 0) rd_text(sc, RD_PLAIN, "  (none)\n");
}

/* The summary's facts: what changed, by the author's label, without internal helpers; nothing
 * (not even the heading) when there is nothing to say. */
static void summary_vars(const rd_screen *sc, const dt_session *s, const sm_baseline *base)
{
    size_t i, n = 0, count = dt_session_var_count(s);
    const dt_var_view *v;

    for (i = 0; i < count; i++) {
        if (!changed(v = dt_session_var(s, i), base, i) || v->internal) continue;
        if (n++ == 0) rd_text(sc, RD_BOLD, "Details\n");
        rd_printf(sc, RD_PLAIN, "  %s: %s\n", *v->label ? v->label : v->name, v->value);
    }
}

static void when(char *buf, size_t size, int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!localtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
        snprintf(buf, size, "?");
}

void sm_print(const rd_screen *sc, const dt_session *s, const dt_tree *t, const sm_info *info)
{
    sm_print_since(sc, s, t, info, NULL);
}

/* "alice (3 steps), bob (2 steps)": every agent who had the call, in order, with their part. */
static void agents(const rd_screen *sc, const sm_info *info)
{
    const sm_history *h = info->history;
    size_t i;

    if (!h || h->nparts == 0) {
        rd_printf(sc, RD_PLAIN, "  Agent:    %s\n", info->agent);
        return;
    }
    rd_text(sc, RD_PLAIN, "  Agents:   ");
    for (i = 0; i < h->nparts; i++)
        rd_printf(sc, RD_PLAIN, "%s (%zu step%s), ", h->parts[i].agent, h->parts[i].steps,
                  h->parts[i].steps == 1 ? "" : "s");
    rd_printf(sc, RD_PLAIN, "%s (%zu step%s)\n", info->agent, info->steps_here,
              info->steps_here == 1 ? "" : "s");
}

void sm_print_since(const rd_screen *sc, const dt_session *s, const dt_tree *t,
                    const sm_info *info, const sm_baseline *base)
{
    const char *outcome = dt_session_outcome(s);
    int64_t start_ms = info->history && info->history->started_ms ? info->history->started_ms
                                                                  : info->start_ms;
    long secs = (long)((info->end_ms - start_ms) / 1000);
    char start[64];

    when(start, sizeof start, start_ms);
    rd_text(sc, RD_BOLD, "Case summary\n");
    rd_printf(sc, RD_PLAIN, "  Tree:     %s (%s, version %s)\n", dt_tree_title(t), dt_tree_id(t),
              dt_tree_version(t));
    if (outcome)
        rd_printf(sc, RD_PLAIN, "  Outcome:  %s\n", outcome);
    else
        rd_printf(sc, RD_PLAIN, "  Status:   %s (no outcome)\n", info->status);
    if (info->session_id && *info->session_id)
        rd_printf(sc, RD_PLAIN, "  Session:  %s (dtree show %.8s)\n", info->session_id,
                  info->session_id);
    agents(sc, info);
    rd_printf(sc, RD_PLAIN, "  Started:  %s\n", start);
    rd_printf(sc, RD_PLAIN, "  Duration: %ldm %02lds\n", secs / 60, secs % 60);
    rd_text(sc, RD_BOLD, "Path\n");
    sm_path_with(sc, s, info->history);
    summary_vars(sc, s, base);
}

int sm_write_file(const char *path, const dt_session *s, const dt_tree *t, const sm_info *info)
{
    return sm_write_file_since(path, s, t, info, NULL);
}

int sm_write_file_since(const char *path, const dt_session *s, const dt_tree *t,
                        const sm_info *info, const sm_baseline *base)
{
    FILE *f = fopen(path, "w");
    rd_screen sc;
    int saved;

    if (!f) return -1;
    rd_screen_init(&sc, f, 0);
    sc.tty = 0;
    sm_print_since(&sc, s, t, info, base);
    if (ferror(f)) {
        saved = errno;
        fclose(f);
        errno = saved ? saved : EIO;
        return -1;
    }
    return fclose(f) == 0 ? 0 : -1;
}

void sm_history_free(sm_history *h)
{
    size_t i;
    for (i = 0; i < h->nparts; i++) free(h->parts[i].agent);
    for (i = 0; i < h->nnotes; i++) {
        free(h->notes[i].tree_id);
        free(h->notes[i].step_id);
        free(h->notes[i].text);
    }
    free(h->parts);
    free(h->notes);
    memset(h, 0, sizeof *h);
}
