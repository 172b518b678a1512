/*
 * record_sql.c — the recorded tables as data (from the column lists in record.h) and the SQL text
 * generated from them.  Nothing here talks to a store: the text is portable ($n parameters, plain
 * column lists), so another back end (PostgreSQL) prepares the very same statements.
 */
#include "mem.h"
#include "record.h"
#include <stddef.h>
#include <stdio.h>

#define EVENT_COL(col, member, type, ins) {#col, REC_C_##type, offsetof(dt_rec_event, member), ins},
static const dt_rec_col event_cols[] = {REC_EVENT_COLUMNS(EVENT_COL)};
#undef EVENT_COL
#define SESSION_COL(col, member, type, ins) \
    {#col, REC_C_##type, offsetof(dt_rec_session, member), ins},
static const dt_rec_col session_cols[] = {REC_SESSION_COLUMNS(SESSION_COL)};
#undef SESSION_COL

const dt_rec_tabledef dt_rec_events_def = {"events", "e", "sid", event_cols,
                                           sizeof event_cols / sizeof event_cols[0]};
const dt_rec_tabledef dt_rec_sessions_def = {"sessions", "s", NULL, session_cols,
                                             sizeof session_cols / sizeof session_cols[0]};

/* Append s at buf + n (cut at size, always terminated); the length so far, counting what did not
 * fit, like snprintf. */
static size_t put(char *buf, size_t size, size_t n, const char *s)
{
    for (; *s; s++, n++)
        if (n + 1 < size)
            buf[n] = *s, buf[n + 1] = '\0';
    return n;
}

static size_t put_param(char *buf, size_t size, size_t n, size_t i)
{
    char num[24];
    snprintf(num, sizeof num, "$%zu", i);
    return put(buf, size, n, num);
}

size_t dt_rec_sql_columns(const dt_rec_tabledef *t, char *buf, size_t size)
{
    size_t n = 0;
    if (size)
        buf[0] = '\0';
    for (size_t i = 0; i < t->ncols; i++) {
        n = put(buf, size, n, i ? ", " : "");
        n = put(buf, size, n, t->alias);
        n = put(buf, size, n, ".");
        n = put(buf, size, n, t->cols[i].name);
    }
    return n;
}

/* One row's parameters: "$1, $2, ..." (the key, when there is one, is $1 in every row; row r's
 * columns follow those of the rows before it). */
static size_t put_row(const dt_rec_tabledef *t, size_t r, size_t per, char *buf, size_t size,
                      size_t n)
{
    size_t first = t->key ? 2 + r * (per - 1) : 1 + r * per;
    for (size_t i = 0; i < per; i++) {
        n = put(buf, size, n, i ? ", " : "");
        n = put_param(buf, size, n, t->key && i == 0 ? 1 : first + i - (t->key ? 1 : 0));
    }
    return n;
}

size_t dt_rec_sql_insert_rows(const dt_rec_tabledef *t, size_t rows, char *buf, size_t size)
{
    size_t n = 0, np = 0;
    if (size)
        buf[0] = '\0';
    n = put(buf, size, n, "INSERT INTO ");
    n = put(buf, size, n, t->table);
    n = put(buf, size, n, "(");
    if (t->key)
        n = put(buf, size, n, t->key), np++;
    for (size_t i = 0; i < t->ncols; i++) {
        if (!t->cols[i].at_insert)
            continue;
        n = put(buf, size, n, np++ ? ", " : "");
        n = put(buf, size, n, t->cols[i].name);
    }
    if (!t->key || rows <= 1) {
        n = put(buf, size, n, t->key ? ") SELECT " : ") VALUES (");
        n = put_row(t, 0, np, buf, size, n);
    } else { /* one statement for several rows: the server runs one plan, one check */
        n = put(buf, size, n, ") SELECT * FROM (VALUES ");
        for (size_t r = 0; r < rows; r++) {
            n = put(buf, size, n, r ? "), (" : "(");
            n = put_row(t, r, np, buf, size, n);
        }
        n = put(buf, size, n, ")) dtree_v");
    }
    if (!t->key)
        return put(buf, size, n, ") RETURNING sid");
    /* $1 is the key (sid), $2 the first row's first column (seq): nothing at or after it yet */
    n = put(buf, size, n, " WHERE NOT EXISTS (SELECT 1 FROM ");
    n = put(buf, size, n, t->table);
    n = put(buf, size, n, " x WHERE x.");
    n = put(buf, size, n, t->key);
    n = put(buf, size, n, " = $1 AND x.");
    n = put(buf, size, n, t->cols[0].name);
    return put(buf, size, n, " >= $2)");
}

size_t dt_rec_sql_insert(const dt_rec_tabledef *t, char *buf, size_t size)
{
    return dt_rec_sql_insert_rows(t, 1, buf, size);
}

/* Make every text member of `row` an owned copy (dt_malloc); "" stays the static "", so that
 * dt_rec_row_free frees exactly what this allocated.  On failure every copy is freed and the
 * text members are "" again: -1. */
int dt_rec_row_own(const dt_rec_tabledef *t, void *row)
{
    int bad = 0;
    for (size_t i = 0; i < t->ncols; i++) {
        if (t->cols[i].type != REC_C_TEXT)
            continue;
        const char **m = (const char **)(void *)((char *)row + t->cols[i].off);
        const char *src = *m ? *m : "";
        char *c = *src && !bad ? dt_strdup(src) : NULL;
        bad |= *src && !c;
        *m = c ? c : "";
    }
    if (bad)
        dt_rec_row_free(t, row);
    return bad ? -1 : 0;
}

void dt_rec_row_free(const dt_rec_tabledef *t, void *row)
{
    for (size_t i = 0; i < t->ncols; i++) {
        if (t->cols[i].type != REC_C_TEXT)
            continue;
        const char **m = (const char **)(void *)((char *)row + t->cols[i].off);
        if (*m && **m)
            dt_free((char *)*m);
        *m = "";
    }
}
