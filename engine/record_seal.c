/*
 * record_seal.c — sealed sensitive values, for a front end that must continue a session somewhere
 * else (dtree serve).  The caller seals a sensitive answer itself (the recorder never sees the
 * value, only an opaque box of text); the box is kept with the event that recorded the answer, in
 * that event's transaction (table `sealed`), handed back to the caller's unseal function by
 * dt_recorder_resume, and deleted when the session ends.  No box is ever read by anything else.
 */
#include "error.h"
#include "mem.h"
#include "record.h"
#include <string.h>

dt_status dt_recorder_seal_next(dt_recorder *rec, const char *var, const char *box, dt_error *err)
{
    if (!rec || !var)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record", "seal: argument missing");
    size_t i;
    for (i = 0; i < rec->nseal && strcmp(rec->seal[i].var, var) != 0; i++) {
    }
    if (i < rec->nseal) { /* a newer box for the same variable replaces the one not yet used */
        dt_free(rec->seal[i].box);
        dt_free(rec->seal[i].var);
        rec->seal[i] = rec->seal[--rec->nseal];
    }
    if (!box)
        return DT_OK;
    if (rec->nseal == rec->capseal &&
        dt_grow((void **)&rec->seal, &rec->capseal, rec->nseal + 1, sizeof *rec->seal) != 0)
        return dt_err_error(err, DT_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    dt_rec_seal *s = &rec->seal[rec->nseal];
    s->var = dt_strdup(var);
    s->box = dt_strdup(box);
    if (!s->var || !s->box) {
        dt_free(s->var);
        dt_free(s->box);
        return dt_err_error(err, DT_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    }
    rec->nseal++;
    return DT_OK;
}

char *dt_rec_seal_take(dt_recorder *rec, const char *var)
{
    for (size_t i = 0; var && i < rec->nseal; i++) {
        if (strcmp(rec->seal[i].var, var) != 0)
            continue;
        char *box = rec->seal[i].box;
        dt_free(rec->seal[i].var);
        rec->seal[i] = rec->seal[--rec->nseal];
        return box;
    }
    return NULL;
}

void dt_rec_seal_clear(dt_recorder *rec)
{
    for (size_t i = 0; i < rec->nseal; i++) {
        dt_free(rec->seal[i].var);
        dt_free(rec->seal[i].box);
    }
    dt_free(rec->seal);
    rec->seal = NULL;
    rec->nseal = rec->capseal = 0;
}

int dt_rec_seal_write(dt_recorder *rec, int64_t seq, const char *box)
{
    static const char sql[] = "INSERT INTO sealed(sid, seq, box) VALUES ($1, $2, $3)"
                              " ON CONFLICT (sid, seq) DO UPDATE SET box = excluded.box";
    rdb_stmt *st = NULL;
    int rc = rdb_prepare(rec->db, sql, &st);
    rc = rc ? rc : rdb_bind_i64(st, 1, rec->sid);
    rc = rc ? rc : rdb_bind_i64(st, 2, seq);
    rc = rc ? rc : rdb_bind_text(st, 3, box);
    rc = rc ? rc : rdb_run(st, NULL);
    rdb_finalize(st);
    return rc;
}

int dt_rec_seal_erase(dt_recorder *rec)
{
    rdb_stmt *st = NULL;
    int rc = rdb_prepare(rec->db, "DELETE FROM sealed WHERE sid = $1", &st);
    rc = rc ? rc : rdb_bind_i64(st, 1, rec->sid);
    rc = rc ? rc : rdb_run(st, NULL);
    rdb_finalize(st);
    return rc;
}

/* Wiped so that the clear value does not linger on the stack (volatile: not optimised away). */
static void wipe(char *buf, size_t size)
{
    volatile char *p = buf;
    while (size--)
        *p++ = 0;
}

int dt_rec_unseal(dt_recorder *rec, const dt_record_meta *meta, int64_t seq, const char *var,
                  char *buf, size_t size)
{
    static const char sql[] = "SELECT box FROM sealed WHERE sid = $1 AND seq = $2";
    if (!meta || !meta->unseal)
        return -1;
    rdb_stmt *st = NULL;
    int rc = rdb_prepare(rec->db, sql, &st);
    rc = rc ? rc : rdb_bind_i64(st, 1, rec->sid);
    rc = rc ? rc : rdb_bind_i64(st, 2, seq);
    int ok = -1;
    if (rc == RDB_OK && rdb_step(st) == RDB_ROW && rdb_col_text(st, 0))
        ok = meta->unseal(meta->unseal_user, var, rdb_col_text(st, 0), buf, size);
    rdb_finalize(st);
    if (ok != 0)
        wipe(buf, size);
    return ok;
}

void dt_rec_wipe(char *buf, size_t size)
{
    wipe(buf, size);
}
