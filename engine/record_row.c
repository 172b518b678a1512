/*
 * record_row.c — binds and row reads driven by the column lists (record.h), so no statement keeps
 * its own positional list of columns.  Through the store seam (record_db.h): the same code for
 * SQLite and PostgreSQL.
 */
#include "record.h"
#include <stdint.h>

static void *member(void *row, const dt_rec_col *c)
{
    return (char *)row + c->off;
}

int dt_rec_bind_row(rdb_stmt *st, int first, const dt_rec_tabledef *t, const void *row)
{
    int rc = RDB_OK, p = first;
    for (size_t i = 0; rc == RDB_OK && i < t->ncols; i++) {
        const dt_rec_col *c = &t->cols[i];
        if (!c->at_insert)
            continue;
        const void *m = (const char *)row + c->off;
        switch (c->type) {
        case REC_C_TEXT: rc = rdb_bind_text(st, p++, *(const char *const *)m); break;
        case REC_C_I64: rc = rdb_bind_i64(st, p++, *(const int64_t *)m); break;
        case REC_C_FLAG: rc = rdb_bind_i64(st, p++, *(const int *)m); break;
        case REC_C_SIZE: rc = rdb_bind_i64(st, p++, (int64_t) * (const size_t *)m); break;
        }
    }
    return rc;
}

/* A count read from a store: never negative (a hostile file may say -1). */
static size_t count_col(rdb_stmt *st, int c)
{
    int64_t v = rdb_col_i64(st, c);
    return v < 0 ? 0 : (size_t)v;
}

int64_t dt_rec_clamp_ms(int64_t v)
{
    if (v < 0)
        return 0;
    return v > REC_MS_MAX ? REC_MS_MAX : v;
}

int64_t dt_rec_col_ms(rdb_stmt *st, int c)
{
    return dt_rec_clamp_ms(rdb_col_i64(st, c));
}

void dt_rec_read_row(rdb_stmt *st, int c0, const dt_rec_tabledef *t, void *row)
{
    for (size_t i = 0; i < t->ncols; i++) {
        const dt_rec_col *c = &t->cols[i];
        int k = c0 + (int)i;
        void *m = member(row, c);
        switch (c->type) {
        case REC_C_TEXT: *(const char **)m = rdb_col_str(st, k); break;
        case REC_C_I64: *(int64_t *)m = dt_rec_col_ms(st, k); break; /* times, seq */
        case REC_C_FLAG: *(int *)m = rdb_col_i64(st, k) != 0; break;
        case REC_C_SIZE: *(size_t *)m = count_col(st, k); break;
        }
    }
}
