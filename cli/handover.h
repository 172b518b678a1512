/*
 * handover.h — what `dtree resume` tells the colleague and puts into the final summary about the
 * call so far, read from the record before the hand-off: the real start, every agent with their
 * part (interactive steps shown), and the notes they kept (the replayed path has none).
 */
#ifndef DTREE_CLI_HANDOVER_H
#define DTREE_CLI_HANDOVER_H

#include "dtree.h"
#include "summary.h"

/* Fill h from session `id` (a full id) of `rec`.  0, or -1 out of memory / the record could not be
 * read (h is then empty: the summary simply lacks the earlier parts).  Free with sm_history_free. */
int ho_load(dt_recorder *rec, const char *id, sm_history *h);

#endif
