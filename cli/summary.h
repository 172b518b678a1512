/*
 * summary.h — the case summary printed when a session stops (and by `history`/`vars` during it):
 * outcome or status, tree, agent, times, the path with the answers given and the notes, and the
 * variables.  Sensitive values are masked by the engine ("[redacted]") before they get here.  Plain text meant to be pasted into a ticket; everything goes through the renderer.
 */
#ifndef DTREE_CLI_SUMMARY_H
#define DTREE_CLI_SUMMARY_H

#include "dtree.h"
#include "render.h"

#include <stdint.h>

#include <stddef.h>

/* What happened before this process took the call over (dtree resume), read from the record:
 * the real start, every agent with their part, and the notes they kept. */
typedef struct sm_note {
    char *tree_id, *step_id, *text;
} sm_note;
typedef struct sm_part {
    char *agent;
    size_t steps; /* interactive steps shown while this agent had the call */
} sm_part;
typedef struct sm_history {
    int64_t started_ms; /* 0: not known (not resumed) */
    sm_part *parts;
    size_t nparts;
    sm_note *notes;
    size_t nnotes;
} sm_history;
void sm_history_free(sm_history *h);

typedef struct sm_info {
    const char *agent;
    const char *status; /* the record's words: "completed", "abandoned" */
    int64_t start_ms, end_ms;
    const char *session_id;    /* the recorded id, so the ticket links to `dtree show`; NULL: none */
    const sm_history *history; /* NULL unless resumed: earlier agents, the real start, notes */
    size_t steps_here;         /* interactive steps shown by this process (for the agents' parts) */
} sm_info;

/* The variables' display values at one moment (before the call), so that the summary can list
 * only what changed during the call. */
typedef struct sm_baseline {
    char **values;
    size_t n;
} sm_baseline;
/* 0, or -1 when out of memory (then b is empty).  Free with sm_baseline_free. */
int sm_baseline_take(sm_baseline *b, const dt_session *s);
/* The tree's defaults (a resumed call: what it started from).  0, or -1 when out of memory. */
int sm_baseline_defaults(sm_baseline *b, const dt_tree *t);
void sm_baseline_free(sm_baseline *b);

/* The path so far: one numbered line per step shown, with its answer and notes (and the notes of
 * earlier agents from `h`, which may be NULL). */
void sm_path(const rd_screen *sc, const dt_session *s);
void sm_path_with(const rd_screen *sc, const dt_session *s, const sm_history *h);
/* Variables, one per line ("name = value"): with a baseline, those whose value differs from it;
 * with NULL, every one that has a non-empty value. */
void sm_vars(const rd_screen *sc, const dt_session *s, const sm_baseline *base);
/* The whole summary: outcome, session id, agents, times, path, then the variables that changed,
 * by their author-given label, helper variables marked internal left out, and no section at all
 * when nothing changed (base may be NULL: then every variable with a value counts as changed). */
void sm_print_since(const rd_screen *sc, const dt_session *s, const dt_tree *t,
                    const sm_info *info, const sm_baseline *base);
void sm_print(const rd_screen *sc, const dt_session *s, const dt_tree *t, const sm_info *info);
/* The whole summary into a new file `path` (no colour, 80 columns).  0, or -1 with errno set. */
int sm_write_file_since(const char *path, const dt_session *s, const dt_tree *t,
                        const sm_info *info, const sm_baseline *base);
int sm_write_file(const char *path, const dt_session *s, const dt_tree *t, const sm_info *info);

#endif
