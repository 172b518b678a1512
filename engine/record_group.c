/*
 * record_group.c — group commit for the recorders sharing one SQLite connection: a write joins
 * the connection's queue and lets go of the caller's connection lock, so that the sessions
 * queued behind it reach their own writes; the first writer whose turn comes back (the leader)
 * writes every queued write (up to max) in one transaction, each under its own SAVEPOINT, and
 * COMMITs once; the others find their result when their turn comes.  Everything here runs under
 * the caller's connection lock, taken in turn, so the queue needs no lock of its own and nobody
 * waits longer than the writers ahead of it (and at most max writes go in one COMMIT).
 */
#include "error.h"
#include "mem.h"
#include "record.h"

#define GROUP_MAX 1024

/* One waiting write, on its writer's stack until its result is set. */
typedef struct gwrite {
    dt_recorder *rec;
    size_t back;
    int done;   /* 1 once result is set */
    int result; /* dt_rec_write_pending's */
    struct gwrite *next;
} gwrite;

struct dt_rec_group {
    rdb *db;
    unsigned max;
    unsigned (*release)(void *user);
    void (*retake)(void *user, unsigned held);
    void *user;
    gwrite *head, *tail;
    gwrite **batch; /* the leader's, max entries */
    uint64_t writes, commits;
};

dt_status dt_recorder_group_commit(dt_recorder *base, unsigned max,
                                   unsigned (*release)(void *user),
                                   void (*retake)(void *user, unsigned held), void *user,
                                   dt_error *err)
{
    if (!base || !base->db || base->shared_db || base->group || dt_rec_is_pg(base) ||
        (base->flags & DT_REC_READONLY) || max < 1 || max > GROUP_MAX || !release || !retake)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record",
                            "group commit needs a writable SQLite recorder of its own, once, "
                            "1 to %d writes a group and the lock's two functions",
                            GROUP_MAX);
    struct dt_rec_group *g = dt_calloc(1, sizeof *g);
    if (!g || !(g->batch = dt_calloc(max, sizeof *g->batch))) {
        dt_free(g);
        return dt_err_error(err, DT_ENOMEM, NULL, 0, 0, "record", "out of memory");
    }
    g->db = base->db;
    g->max = max;
    g->release = release;
    g->retake = retake;
    g->user = user;
    base->group = g;
    return DT_OK;
}

void dt_recorder_group_stats(const dt_recorder *base, uint64_t *writes, uint64_t *commits)
{
    const struct dt_rec_group *g = base ? base->group : NULL;
    if (writes)
        *writes = g ? g->writes : 0;
    if (commits)
        *commits = g ? g->commits : 0;
}

void dt_rec_group_free(struct dt_rec_group *g)
{
    if (g)
        dt_free(g->batch);
    dt_free(g);
}

/* Take w and the writes queued before it (then after it) off the queue, max at most in all:
 * the queue is in the order of the turns, so w is normally its head. */
static size_t take_batch(struct dt_rec_group *g, gwrite *w)
{
    size_t n = 0;
    g->batch[n++] = w;
    gwrite **pp = &g->head, *prev = NULL;
    while (*pp) {
        gwrite *x = *pp;
        if (x == w || n < g->max) {
            if (x != w)
                g->batch[n++] = x;
            *pp = x->next;
        } else {
            prev = x;
            pp = &x->next;
        }
    }
    g->tail = prev;
    return n;
}

/* A refused write: its rows are out of the transaction, the others' stay. */
static void undo_member(dt_recorder *rec)
{
    rdb_exec(rec->db, "ROLLBACK TO member");
    rdb_exec(rec->db, "RELEASE member");
}

static void keep_member(dt_recorder *rec)
{
    (void)rec; /* the leader rolls the group back once every member's message is taken */
}

/* What the store refuses for one session only: the transaction holds the others' rows still. */
static int refusal(int rc)
{
    return rc == REC_OUT_OF_ORDER || rc == REC_CLAIM_LOST || rc == REC_TOKEN_REVOKED ||
           rc == RDB_ECONSTRAINT;
}

static void finish(gwrite *w, int rc, void (*undo)(dt_recorder *))
{
    w->result = dt_rec_write_end(w->rec, rc, w->back, undo);
    w->done = 1;
}

/* Each member's rows under its own savepoint; 0, or -1 when the store failed in a way that is
 * not one session's refusal (the transaction may be gone). */
static int write_members(gwrite **b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        rdb *db = b[i]->rec->db;
        int rc = rdb_exec(db, "SAVEPOINT member");
        int rows = rc == RDB_OK ? dt_rec_write_rows(b[i]->rec) : rc;
        if (rows == RDB_OK) {
            if (rdb_exec(db, "RELEASE member") != RDB_OK)
                return -1;
        } else if (refusal(rows) && rdb_in_tx(db)) {
            finish(b[i], rows, undo_member);
        } else {
            return -1;
        }
    }
    return 0;
}

/* One transaction for the batch, then every result set. */
static void run_batch(struct dt_rec_group *g, gwrite **b, size_t n)
{
    int rc = rdb_begin(g->db, 1);
    if (rc != RDB_OK) { /* nothing was written: each is told (the message is still the store's) */
        for (size_t i = 0; i < n; i++)
            finish(b[i], rc, keep_member);
        return;
    }
    if (write_members(b, n) != 0) {
        /* a full disk, an I/O error ...: each write alone, as without a group, so that each
         * gets what a write of its own would (the full disk's second chance included) */
        rdb_rollback(g->db);
        for (size_t i = 0; i < n; i++) {
            if (!b[i]->done) {
                b[i]->result = dt_rec_write_alone(b[i]->rec, b[i]->back);
                b[i]->done = 1;
                g->commits++; /* a transaction of its own, committed or not */
            }
        }
        return;
    }
    rc = rdb_commit(g->db);
    if (rc == RDB_OK)
        g->commits++;
    for (size_t i = 0; i < n; i++)
        if (!b[i]->done)
            finish(b[i], rc, keep_member);
    if (rc != RDB_OK)
        rdb_rollback(g->db);
}

int dt_rec_group_write(dt_recorder *rec, size_t back)
{
    struct dt_rec_group *g = rec->group;
    gwrite w = {rec, back, 0, 0, NULL};
    if (g->tail)
        g->tail->next = &w;
    else
        g->head = &w;
    g->tail = &w;
    g->writes++;
    /* the sessions queued for the connection behind us run up to their own writes meanwhile */
    g->retake(g->user, g->release(g->user));
    if (!w.done)
        run_batch(g, g->batch, take_batch(g, &w));
    return w.result;
}
