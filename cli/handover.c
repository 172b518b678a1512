/*
 * handover.c — the call so far, from the record, for `dtree resume` (see handover.h).  One pass
 * over the transcript: each handoff event closes the previous agent's part (its label is that
 * agent), notes are copied, and the session row gives the real start and the agent holding it now.
 */
#define _XOPEN_SOURCE 700
#include "handover.h"

#include <stdlib.h>
#include <string.h>

typedef struct loader {
    sm_history *h;
    size_t steps, cap_parts, cap_notes;
    char *holder; /* the agent who has the call now (the row's agent) */
    int failed;
} loader;

/* A step the person saw: the recorded kind by name, through the one list of kinds (an end counts:
 * it is shown when the call ends there). */
static int interactive(const char *kind)
{
    dt_step_kind k;
    if (dt_step_kind_from_name(kind, &k) != DT_OK) return 0;
    return k == DT_STEP_END || dt_step_kind_is_interactive(k);
}

static int add_part(loader *l, const char *agent)
{
    sm_history *h = l->h;
    if (h->nparts == l->cap_parts) {
        size_t nc = l->cap_parts ? l->cap_parts * 2 : 4;
        sm_part *np = realloc(h->parts, nc * sizeof *np);
        if (!np) return -1;
        h->parts = np;
        l->cap_parts = nc;
    }
    if (!(h->parts[h->nparts].agent = strdup(agent))) return -1;
    h->parts[h->nparts++].steps = l->steps;
    l->steps = 0;
    return 0;
}

static int add_note(loader *l, const dt_rec_event *ev)
{
    sm_history *h = l->h;
    sm_note *n;
    if (h->nnotes == l->cap_notes) {
        size_t nc = l->cap_notes ? l->cap_notes * 2 : 4;
        sm_note *nn = realloc(h->notes, nc * sizeof *nn);
        if (!nn) return -1;
        h->notes = nn;
        l->cap_notes = nc;
    }
    n = &h->notes[h->nnotes];
    n->tree_id = strdup(ev->tree_id);
    n->step_id = strdup(ev->step_id);
    n->text = strdup(ev->text);
    h->nnotes++; /* counted even when a copy failed, so sm_history_free frees what was copied */
    return n->tree_id && n->step_id && n->text ? 0 : -1;
}

static int on_event(void *user, const dt_rec_session *s, const dt_rec_event *ev)
{
    loader *l = user;
    int rc = 0;

    if (!l->holder) {
        l->h->started_ms = s->started_ms;
        if (!(l->holder = strdup(s->agent))) rc = -1;
    }
    dt_rec_kind k = dt_rec_kind_from_name(ev->kind);
    if (k == DT_RK_STEP && interactive(ev->step_kind))
        l->steps++;
    else if (k == DT_RK_HANDOFF)
        rc = add_part(l, ev->label);
    else if (k == DT_RK_NOTE)
        rc = add_note(l, ev);
    if (rc != 0) l->failed = 1;
    return rc == 0 ? 0 : 1; /* nonzero stops the walk */
}

int ho_load(dt_recorder *rec, const char *id, sm_history *h)
{
    loader l;
    dt_status st;

    memset(h, 0, sizeof *h);
    memset(&l, 0, sizeof l);
    l.h = h;
    st = dt_recorder_transcript(rec, id, NULL, on_event, &l, NULL);
    if (st == DT_OK && !l.failed && l.holder && add_part(&l, l.holder) != 0) l.failed = 1;
    free(l.holder);
    if (st != DT_OK || l.failed) {
        sm_history_free(h);
        return -1;
    }
    return 0;
}
