/*
 * sessions_follow.h — `dtree sessions --follow`: the live board, one line per change.
 */
#ifndef DTREE_CLI_SESSIONS_FOLLOW_H
#define DTREE_CLI_SESSIONS_FOLLOW_H

#include "dtree.h"

/* Show the sessions in progress (matching f), then every change as it comes, until SIGINT or
 * SIGTERM (exit 0) or until stdout is closed.  json: JSON Lines.  Returns an exit code. */
int sf_follow(dt_recorder *rec, const dt_rec_filter *f, int json);

#endif
