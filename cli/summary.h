/*
 * summary.h — the case summary printed when a session stops (and by `history`/`vars` during it):
 * outcome or status, tree, agent, times, the path with the answers given and the notes, and the
 * variables.  Sensitive values are masked by the engine ("••••", "[redacted]") before they get
 * here.  Plain text meant to be pasted into a ticket; everything goes through the renderer.
 */
#ifndef DTREE_CLI_SUMMARY_H
#define DTREE_CLI_SUMMARY_H

#include "dtree.h"
#include "render.h"

#include <stdint.h>

#include <stddef.h>

typedef struct sm_info {
    const char *agent;
    const char *status;   /* "completed", "unfinished", "failed" */
    int64_t start_ms, end_ms;
} sm_info;

/* The variables' display values at one moment (before the call), so that the summary can list
 * only what changed during the call. */
typedef struct sm_baseline {
    char **values;
    size_t n;
} sm_baseline;
/* 0, or -1 when out of memory (then b is empty).  Free with sm_baseline_free. */
int sm_baseline_take(sm_baseline *b, const dt_session *s);
void sm_baseline_free(sm_baseline *b);

/* The path so far: one numbered line per step shown, with its answer and notes. */
void sm_path(const rd_screen *sc, const dt_session *s);
/* Variables, one per line ("name = value"): with a baseline, those whose value differs from it;
 * with NULL, every one that has a non-empty value. */
void sm_vars(const rd_screen *sc, const dt_session *s, const sm_baseline *base);
/* The whole summary; variables as sm_vars (base may be NULL). */
void sm_print_since(const rd_screen *sc, const dt_session *s, const dt_tree *t,
                    const sm_info *info, const sm_baseline *base);
void sm_print(const rd_screen *sc, const dt_session *s, const dt_tree *t, const sm_info *info);
/* The whole summary into a new file `path` (no colour, 80 columns).  0, or -1 with errno set. */
int sm_write_file_since(const char *path, const dt_session *s, const dt_tree *t,
                        const sm_info *info, const sm_baseline *base);
int sm_write_file(const char *path, const dt_session *s, const dt_tree *t, const sm_info *info);

#endif
