/*
 * record_report.c — the outcome report as SQL set operations over the selected sessions.
 * Each table is one query over `sel` (the sessions matching the filter); the events are reached by
 * their primary key (sid, seq), so no query sorts the event table.  With a tree filter, step-level
 * tables count only that tree's steps (also when reached through a call from another tree).  Cells are kept as text with a
 * per-column "numeric" flag so the CLI can render tables, CSV and JSON from the same data.
 */
#include "error.h"
#include "mem.h"
#include "record.h"
#include <stdio.h>
#include <string.h>

#define SEL "WITH sel AS (SELECT * FROM sessions s WHERE 1=1{W}) "
#define INTERACTIVE "('question','info','input')"

/* {W}: filter conditions on sessions; {E}: on events `e` (--tree: only that tree's steps, so a
 * step inside a called tree counts for its own tree); {D}: on the last step (drop-off);
 * {N}: row limit where the table is a "top N". */
static const char *const queries[REC_NTABLES] = {
    /* summary: talk time and step counts over completed sessions, nearest-rank percentiles */
    SEL ", d AS MATERIALIZED (SELECT " REC_TALK_MS("sel") " AS dur, steps FROM sel"
                                                          "  WHERE status = 'completed'),"
                                                          " r1 AS MATERIALIZED (SELECT dur, row_number() OVER (ORDER BY dur) AS rk,"
                                                          "  count(*) OVER () AS n FROM d),"
                                                          " r2 AS MATERIALIZED (SELECT steps, row_number() OVER (ORDER BY steps) AS rk,"
                                                          "  count(*) OVER () AS n FROM d)"
                                                          " SELECT count(*) AS sessions, count(*) FILTER (WHERE status = 'completed') AS completed,"
                                                          " count(*) FILTER (WHERE status = 'abandoned') AS abandoned,"
                                                          " count(*) FILTER (WHERE status = 'timed_out') AS timed_out,"
                                                          " count(*) FILTER (WHERE status = 'transferred') AS transferred,"
                                                          " count(*) FILTER (WHERE status = 'active') AS active,"
                                                          " round(100.0 * count(*) FILTER (WHERE status = 'completed') / greatest(count(*), 1), 1)"
                                                          " AS completion_pct,"
                                                          " (SELECT dur FROM r1 WHERE rk = (n + 1) / 2) AS median_duration_ms,"
                                                          " (SELECT dur FROM r1 WHERE rk = (9 * n + 9) / 10) AS p90_duration_ms,"
                                                          " (SELECT steps FROM r2 WHERE rk = (n + 1) / 2) AS median_steps,"
                                                          " (SELECT steps FROM r2 WHERE rk = (9 * n + 9) / 10) AS p90_steps"
                                                          " FROM sel",
    /* outcomes: every way a session ended (or stands), as a share of all sessions */
    SEL "SELECT status, outcome, count(*) AS sessions,"
        " round(100.0 * count(*) / (SELECT greatest(count(*), 1) FROM sel), 1) AS pct"
        " FROM sel GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2",
    /* ends: end steps reached, also inside called trees (which then return to the caller) */
    SEL "SELECT e.tree_id AS tree, e.step_id AS step, count(*) AS times"
        " FROM sel CROSS JOIN events e ON e.sid = sel.sid"
        " WHERE e.kind = 'step' AND e.step_kind = 'end'{E} GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2",
    /* drop_off: where abandoned and timed-out sessions stopped */
    SEL "SELECT last_tree AS tree, last_step AS step, count(*) AS sessions,"
        " round(100.0 * count(*) / (SELECT greatest(count(*), 1) FROM sel"
        "  WHERE status IN ('abandoned', 'timed_out'){D}), 1) AS pct"
        " FROM sel WHERE status IN ('abandoned', 'timed_out'){D}"
        " GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT {N}",
    /* paths: interactive steps in the order shown, with how the session ended */
    SEL ", p AS (SELECT sid, group_concat(step, ' > ') AS path FROM"
        "  (SELECT e.sid AS sid, e.seq AS seq, CASE WHEN e.tree_id = sel.tree_id THEN e.step_id"
        "   ELSE e.tree_id || ':' || e.step_id END AS step"
        "   FROM sel JOIN events e ON e.sid = sel.sid"
        "   WHERE e.kind = 'step' AND e.step_kind IN " INTERACTIVE "{E} ORDER BY e.sid, e.seq) AS v"
        "  GROUP BY sid)"
        " SELECT p.path AS path, CASE WHEN sel.status = 'completed' THEN sel.outcome"
        " ELSE sel.status END AS result, count(*) AS sessions"
        " FROM p JOIN sel ON sel.sid = p.sid GROUP BY 1, 2 ORDER BY 3 DESC, 1 LIMIT {N}",
    /* step_time: from entering a step to the next step, back, restart, jump or end */
    SEL ", t AS (SELECT e.tree_id, e.step_id, e.kind, e.step_kind,"
        "  lead(e.time_ms) OVER (PARTITION BY e.sid ORDER BY e.seq) - e.time_ms AS dt"
        "  FROM sel JOIN events e ON e.sid = sel.sid"
        "  WHERE e.kind IN ('step', 'back', 'restart', 'jump', 'end', 'handoff'))"
        " SELECT tree_id AS tree, step_id AS step, count(*) AS visits,"
        " round(avg(dt)) AS avg_ms, sum(dt) AS total_ms"
        " FROM t e WHERE kind = 'step' AND step_kind IN " INTERACTIVE " AND dt IS NOT NULL{E}"
        " GROUP BY 1, 2 ORDER BY 5 DESC, 1, 2",
    /* choices: how often each choice of each question was taken */
    SEL "SELECT e.tree_id AS tree, e.step_id AS step, e.choice_id AS choice, max(e.label) AS label,"
        " count(*) AS times, round(100.0 * count(*) / sum(count(*)) OVER"
        " (PARTITION BY e.tree_id, e.step_id), 1) AS pct"
        " FROM sel CROSS JOIN events e ON e.sid = sel.sid" /* sessions outer: events by key, not by
                                                        the step index + a lookup per row (3x) */
        " WHERE e.kind = 'answer' AND e.choice_id <> ''{E}"
        " GROUP BY 1, 2, 3 ORDER BY 1, 2, 5 DESC, 3",
    /* feedback: the kiosk's "Did this solve your problem?" answers, per end step */
    SEL "SELECT e.tree_id AS tree, e.step_id AS step, e.text AS answer, count(*) AS times,"
        " round(100.0 * count(*) / sum(count(*)) OVER (PARTITION BY e.tree_id, e.step_id), 1)"
        " AS pct FROM sel CROSS JOIN events e ON e.sid = sel.sid"
        " WHERE e.kind = 'feedback'{E} GROUP BY 1, 2, 3 ORDER BY 1, 2, 4 DESC, 3",
};

static const char *const names[REC_NTABLES] = {"summary", "outcomes", "ends", "drop_off",
                                               "paths", "step_time", "choices", "feedback"};

typedef struct table {
    dt_rec_table pub;
    char **cols;
    unsigned char *numeric;
    char **cells;
    size_t cap;
} table;

struct dt_rec_report {
    table t[REC_NTABLES];
};

/* The shared text with the filter, the limit and the tree conditions filled in. */
static int report_text(size_t i, const dt_rec_filter *f, size_t top, char *buf, size_t size)
{
    if (i >= REC_NTABLES)
        return -1;
    char where[1024], num[24];
    dt_rec_filter_where(f, where, sizeof where);
    snprintf(num, sizeof num, "%zu", top ? top : 10);
    const char *ev = f && f->tree ? " AND e.tree_id = $2" : "";
    const char *last = f && f->tree ? " AND last_tree = $2" : "";
    const struct { const char *key, *sub; } subs[] = {
        {"{W}", where}, {"{N}", num}, {"{E}", ev}, {"{D}", last}};
    size_t n = 0;
    for (const char *q = queries[i]; *q; q++) {
        const char *sub = NULL;
        for (size_t k = 0; !sub && k < sizeof subs / sizeof subs[0]; k++)
            sub = strncmp(q, subs[k].key, 3) == 0 ? subs[k].sub : NULL;
        size_t len = sub ? strlen(sub) : 1;
        if (n + len >= size)
            return -1;
        memcpy(buf + n, sub ? sub : q, len);
        n += len;
        q += sub ? 2 : 0;
    }
    buf[n] = '\0';
    return 0;
}

int dt_rec_report_sql_kind(rdb_kind kind, size_t i, const dt_rec_filter *f, size_t top, char *buf,
                           size_t size)
{
    char text[4096];
    if (report_text(i, f, top, text, sizeof text) != 0)
        return -1;
    return rdb_dialect(kind, text, buf, size) < size ? 0 : -1;
}

int dt_rec_report_sql(size_t i, const dt_rec_filter *f, size_t top, char *buf, size_t size)
{
    return dt_rec_report_sql_kind(RDB_SQLITE, i, f, top, buf, size);
}

static void table_free(table *t)
{
    for (size_t i = 0; i < t->pub.ncols; i++)
        dt_free(t->cols ? t->cols[i] : NULL);
    for (size_t i = 0; i < t->pub.nrows * t->pub.ncols; i++)
        dt_free(t->cells[i]);
    dt_free(t->cols);
    dt_free(t->numeric);
    dt_free(t->cells);
}

static int table_head(table *t, rdb_stmt *st)
{
    size_t n = (size_t)rdb_ncols(st);
    if (!(t->cols = dt_calloc(n ? n : 1, sizeof *t->cols)) ||
        !(t->numeric = dt_calloc(n ? n : 1, 1)))
        return -1;
    t->pub.ncols = n;
    for (size_t c = 0; c < n; c++) {
        t->numeric[c] = 1;
        if (!(t->cols[c] = dt_strdup(rdb_col_name(st, (int)c))))
            return -1;
    }
    return 0;
}

static int table_row(table *t, rdb_stmt *st)
{
    size_t n = t->pub.ncols, at = t->pub.nrows * n;
    if (dt_grow((void **)&t->cells, &t->cap, at + n, sizeof *t->cells) != 0)
        return -1;
    for (size_t c = 0; c < n; c++)
        t->cells[at + c] = NULL;
    t->pub.nrows++;
    for (size_t c = 0; c < n; c++) {
        int kind = rdb_col_kind(st, (int)c);
        if (kind == RDB_COL_NULL)
            continue;
        if (kind == RDB_COL_TEXT)
            t->numeric[c] = 0;
        const char *v = rdb_col_str(st, (int)c);
        /* averages and shares are floats (numerics): whole numbers read better without ".0" */
        size_t len = strlen(v);
        int whole = kind == RDB_COL_FLOAT && len > 2 && strcmp(v + len - 2, ".0") == 0;
        if (!(t->cells[at + c] = dt_strndup(v, whole ? len - 2 : len)))
            return -1;
    }
    return 0;
}

static dt_status run_table(dt_recorder *rec, size_t i, const dt_rec_filter *f, size_t top,
                           table *t, dt_error *err)
{
    char sql[4096];
    if (report_text(i, f, top, sql, sizeof sql) != 0)
        return dt_err_error(err, DT_ELIMIT, NULL, 0, 0, "record", "report query too long");
    rdb_stmt *st = NULL;
    int rc = rdb_prepare(rec->db, sql, &st);
    if (rc == RDB_OK)
        rc = dt_rec_filter_bind(st, f);
    int oom = rc == RDB_OK && table_head(t, st) != 0;
    while (!oom && rc == RDB_OK && (rc = rdb_step(st)) == RDB_ROW) {
        oom = table_row(t, st) != 0;
        rc = RDB_OK;
    }
    rdb_finalize(st);
    t->pub.name = names[i];
    t->pub.cols = (const char *const *)t->cols;
    t->pub.numeric = t->numeric;
    t->pub.cells = (const char *const *)t->cells;
    if (oom)
        return dt_err_error(err, DT_ENOMEM, NULL, 0, 0, "record", "out of memory");
    return rc == RDB_DONE ? DT_OK : dt_rec_sqlerr(rec, err, rc, "computing the report");
}

dt_status dt_recorder_report(dt_recorder *rec, const dt_rec_filter *f, size_t top,
                             dt_rec_report **out, dt_error *err)
{
    if (!rec || !out)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record", "recorder or result missing");
    *out = NULL;
    dt_rec_filter g;
    dt_rec_filter_init(&g);
    if (f)
        g = *f;
    g.active_only = 0;
    g.limit = 0;
    dt_rec_report *r = dt_calloc(1, sizeof *r);
    if (!r)
        return dt_err_error(err, DT_ENOMEM, NULL, 0, 0, "record", "out of memory");
    /* one read transaction: every table sees the same snapshot */
    int rc = rdb_begin(rec->db, 0);
    dt_status st = rc == RDB_OK ? DT_OK : dt_rec_sqlerr(rec, err, rc, "computing the report");
    for (size_t i = 0; st == DT_OK && i < REC_NTABLES; i++)
        st = run_table(rec, i, &g, top, &r->t[i], err);
    if (rc == RDB_OK)
        rdb_commit(rec->db);
    if (st != DT_OK) {
        dt_rec_report_free(r);
        return st;
    }
    *out = r;
    return DT_OK;
}

dt_status dt_recorder_report_sql(size_t i, const dt_rec_filter *f, size_t top, char *buf,
                                 size_t size)
{
    if (i >= REC_NTABLES || !buf)
        return DT_EARG;
    return dt_rec_report_sql(i, f, top, buf, size) == 0 ? DT_OK : DT_ELIMIT;
}

dt_status dt_recorder_report_sql_for(const char *db, size_t i, const dt_rec_filter *f, size_t top,
                                     char *buf, size_t size)
{
    if (i >= REC_NTABLES || !buf)
        return DT_EARG;
    rdb_kind kind = rdb_is_pg(db) ? RDB_PG : RDB_SQLITE;
    return dt_rec_report_sql_kind(kind, i, f, top, buf, size) == 0 ? DT_OK : DT_ELIMIT;
}

const char *dt_rec_report_name(size_t i)
{
    return i < REC_NTABLES ? names[i] : NULL;
}

size_t dt_rec_report_count(const dt_rec_report *r)
{
    return r ? REC_NTABLES : 0;
}

const dt_rec_table *dt_rec_report_table(const dt_rec_report *r, size_t i)
{
    return r && i < REC_NTABLES ? &r->t[i].pub : NULL;
}

void dt_rec_report_free(dt_rec_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < REC_NTABLES; i++)
        table_free(&r->t[i]);
    dt_free(r);
}
