/*
 * record_sync.h — the parts of dtree sync shared by the stream (record_sync.c) and the store that
 * writes a batch (record_sync_sqlite.c) (internal).
 */
#ifndef DTREE_ENGINE_RECORD_SYNC_H
#define DTREE_ENGINE_RECORD_SYNC_H

#include "record.h"

/* One source session in a batch: its row (owned copy) and its events ev[ev0 .. ev0 + nev - 1].
 * complete: every event the source has of it is in this batch or was in an earlier one, so its
 * row may replace the destination's. */
typedef struct dt_sync_sess {
    dt_rec_session row;
    size_t ev0, nev;
    int complete;
} dt_sync_sess;

typedef struct dt_sync_batch {
    dt_sync_sess *sess;
    size_t nsess, capsess;
    dt_rec_event *ev; /* owned copies */
    size_t nev, capev;
} dt_sync_batch;

/* Write batch b into `to` in one transaction: sessions missing there are created, missing events
 * inserted, events already there compared (a difference: the session is left as it was, counted
 * in st->conflicts, a warning in err).  DT_OK, or a failure with nothing of the batch written. */
dt_status dt_rec_sync_write(dt_recorder *to, const dt_sync_batch *b, dt_rec_sync_stats *st,
                            dt_error *err);
/* The PostgreSQL bulk path for a batch (record_sync_pg.c): 1 when it can take b (a PostgreSQL
 * destination, every uuid of the batch distinct); *oom = 1 when memory ran out deciding. */
int dt_rec_sync_copy_usable(const dt_recorder *to, const dt_sync_batch *b, int *oom);
/* Write batch b as dt_rec_sync_write does, with COPY into temporary tables and set-wise
 * statements, in one transaction that it begins and commits: RDB_OK (st counted, a warning per
 * session not merged) or the failure, the transaction left for the caller to roll back. */
int dt_rec_sync_copy_batch(dt_recorder *to, const dt_sync_batch *b, dt_rec_sync_stats *st,
                           dt_error *err);
/* Count session `uuid` as not merged (event `seq` differs) and warn in err, in one wording. */
void dt_rec_sync_conflict(dt_recorder *to, dt_rec_sync_stats *st, dt_error *err,
                          const char *uuid, int64_t seq);
/* 1 when both recorders are connected to the same store (the same database file). */
int dt_rec_sync_same_store(dt_recorder *a, dt_recorder *b);

#endif
