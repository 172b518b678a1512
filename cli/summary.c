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
    return k == DT_STEP_QUESTION || k == DT_STEP_INFO || k == DT_STEP_INPUT || k == DT_STEP_END;
}

static void path_entry(const rd_screen *sc, const dt_path_entry *e, size_t n)
{
    char num[32];
    const char *title = *e->step_title ? e->step_title : e->step_id;
    size_t i;

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
    for (i = 0; i < e->note_count; i++) rd_wrap(sc, RD_DIM, "      Note: ", 12, e->notes[i]);
}

void sm_path(const rd_screen *sc, const dt_session *s)
{
    size_t i, n = 0, count = dt_session_path_count(s);
    const dt_path_entry *e;

    for (i = 0; i < count; i++) {
        if (!(e = dt_session_path_get(s, i)) || !shown_kind(e->kind)) continue;
        path_entry(sc, e, ++n);
    }
    if (n == 0) rd_text(sc, RD_PLAIN, "  (no steps yet)\n");
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

void sm_vars(const rd_screen *sc, const dt_session *s, const sm_baseline *base)
{
    size_t i, n = 0, count = dt_session_var_count(s);
    const dt_var_view *v;

    for (i = 0; i < count; i++) {
        if (!(v = dt_session_var(s, i)) || !v->is_set || unchanged(base, i, v->value)) continue;
        rd_printf(sc, RD_PLAIN, "  %s = %s%s\n", v->name, v->value,
                  v->sensitive ? "  (sensitive)" : "");
        n++;
    }
    if (n == 0) rd_text(sc, RD_PLAIN, "  (none)\n");
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

void sm_print_since(const rd_screen *sc, const dt_session *s, const dt_tree *t,
                    const sm_info *info, const sm_baseline *base)
{
    const char *outcome = dt_session_outcome(s);
    long secs = (long)((info->end_ms - info->start_ms) / 1000);
    char start[64];

    when(start, sizeof start, info->start_ms);
    rd_text(sc, RD_BOLD, "Case summary\n");
    rd_printf(sc, RD_PLAIN, "  Tree:     %s (%s, version %s)\n", dt_tree_title(t), dt_tree_id(t),
              dt_tree_version(t));
    if (outcome)
        rd_printf(sc, RD_PLAIN, "  Outcome:  %s\n", outcome);
    else
        rd_printf(sc, RD_PLAIN, "  Status:   %s (no outcome)\n", info->status);
    rd_printf(sc, RD_PLAIN, "  Agent:    %s\n", info->agent);
    rd_printf(sc, RD_PLAIN, "  Started:  %s\n", start);
    rd_printf(sc, RD_PLAIN, "  Duration: %ldm %02lds\n", secs / 60, secs % 60);
    rd_text(sc, RD_BOLD, "Path\n");
    sm_path(sc, s);
    rd_text(sc, RD_BOLD, base ? "Variables changed during the call\n" : "Variables\n");
    sm_vars(sc, s, base);
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
