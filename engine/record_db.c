/*
 * record_db.c — the store seam's common part: the calls dispatched to the back end, the one
 * place where the SQL dialects differ (rdb_dialect), and what a store name means (a file, or a
 * PostgreSQL connection string whose password is masked before anything shows it).
 */
#include "record_db.h"
#include <stdio.h>
#include <string.h>

int rdb_prepare(rdb *db, const char *sql, rdb_stmt **out)
{
    *out = NULL;
    int rc = db->ops->prepare(db, sql, out);
    if (rc == RDB_OK)
        (*out)->want = -1;
    return rc;
}
void rdb_expect(rdb_stmt *st, int64_t want, int miss)
{
    st->want = want;
    st->miss = miss;
}
void rdb_whole(rdb_stmt *st)
{
    st->whole = 1;
}
int rdb_bind_text(rdb_stmt *st, int i, const char *s)
{
    return st->db->ops->bind_text(st, i, s ? s : "");
}
int rdb_bind_i64(rdb_stmt *st, int i, int64_t v)
{
    return st->db->ops->bind_i64(st, i, v);
}
int rdb_bind_null(rdb_stmt *st, int i)
{
    return st->db->ops->bind_null(st, i);
}
int rdb_step(rdb_stmt *st)
{
    return st->db->ops->step(st);
}
void rdb_reset(rdb_stmt *st)
{
    if (st)
        st->db->ops->reset(st);
}
void rdb_finalize(rdb_stmt *st)
{
    if (st)
        st->db->ops->finalize(st);
}
int64_t rdb_changes(rdb_stmt *st)
{
    return st->db->ops->changes(st);
}
int rdb_ncols(rdb_stmt *st)
{
    return st->db->ops->ncols(st);
}
const char *rdb_col_name(rdb_stmt *st, int c)
{
    return st->db->ops->col_name(st, c);
}
const char *rdb_col_text(rdb_stmt *st, int c)
{
    return st->db->ops->col_text(st, c);
}
const char *rdb_col_str(rdb_stmt *st, int c)
{
    const char *s = st->db->ops->col_text(st, c);
    return s ? s : "";
}
int64_t rdb_col_i64(rdb_stmt *st, int c)
{
    return st->db->ops->col_i64(st, c);
}
int rdb_col_kind(rdb_stmt *st, int c)
{
    return st->db->ops->col_kind(st, c);
}
int rdb_exec(rdb *db, const char *sql)
{
    return db->ops->exec(db, sql);
}
int rdb_begin(rdb *db, int write)
{
    return db->ops->begin(db, write);
}
int rdb_begin_batch(rdb *db)
{
    return db->ops->begin_batch ? db->ops->begin_batch(db) : db->ops->begin(db, 1);
}
int rdb_commit(rdb *db)
{
    return db->ops->exec(db, "COMMIT");
}
int rdb_rollback(rdb *db)
{
    return db->ops->in_tx(db) ? db->ops->exec(db, "ROLLBACK") : RDB_OK;
}
int rdb_in_tx(rdb *db)
{
    return db->ops->in_tx(db);
}
const char *rdb_errmsg(rdb *db, int rc)
{
    return db ? db->ops->errmsg(db, rc) : "";
}
int rdb_reclaim(rdb *db)
{
    return db->ops->reclaim(db);
}
int rdb_ready(rdb *db, int ro)
{
    return db->ops->ready(db, ro);
}
void rdb_close(rdb *db)
{
    if (db)
        db->ops->close(db);
}

int rdb_run(rdb_stmt *st, int64_t *changes)
{
    int rc = st->db->ops->run ? st->db->ops->run(st, changes != NULL) : rdb_step(st);
    if (rc == RDB_ROW) /* INSERT ... RETURNING read elsewhere; here the rows are not wanted */
        while ((rc = rdb_step(st)) == RDB_ROW)
            ;
    int64_t n = rc == RDB_DONE ? rdb_changes(st) : 0;
    if (changes)
        *changes = n;
    rdb_reset(st);
    if (rc == RDB_DONE && st->want >= 0 && n != st->want)
        return st->miss;
    return rc == RDB_DONE ? RDB_OK : rc;
}

const char *rdb_rc_name(int rc)
{
    switch (rc) {
    case RDB_OK: return "ok";
    case RDB_ROW: return "row";
    case RDB_DONE: return "done";
    case RDB_EBUSY: return "busy";
    case RDB_EFULL: return "full";
    case RDB_ECONSTRAINT: return "constraint";
    case RDB_ENOMEM: return "out of memory";
    case RDB_EREADONLY: return "read-only";
    case RDB_ECANTOPEN: return "cannot open";
    case RDB_ECORRUPT: return "corrupt";
    case RDB_ENOTADB: return "not a database";
    case RDB_EIO: return "input/output error";
    case RDB_EDENIED: return "permission denied";
    case RDB_ECONN: return "no connection";
    case RDB_EAUTH: return "login refused";
    default: return "error";
    }
}

/* ---- dialects -------------------------------------------------------------------------------
 * The shared text is written so that both stores take it: $n parameters (SQLite binds them by
 * name), ON CONFLICT upserts, RETURNING, FILTER, CAST(... AS BIGINT), recursive CTEs.  What is
 * left differs in spelling only, rewritten here outside string literals: */
typedef struct rule {
    const char *from, *to;
} rule;
static const rule sqlite_rules[] = {
    {"greatest(", "max("}, /* SQLite's scalar max/min take several arguments */
    {"least(", "min("},
    {NULL, NULL},
};
static const rule pg_rules[] = {
    /* a planner hint in SQLite (keep the sessions outer); PostgreSQL has no CROSS JOIN ... ON */
    {"CROSS JOIN", "JOIN"},
    /* SQLite 3.40 has no ORDER BY inside an aggregate; it keeps the subquery's order */
    {"group_concat(step, ' > ')", "string_agg(step, ' > ' ORDER BY seq)"},
    {NULL, NULL},
};

static int ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

size_t rdb_dialect(rdb_kind kind, const char *sql, char *buf, size_t size)
{
    const rule *rules = kind == RDB_PG ? pg_rules : sqlite_rules;
    size_t n = 0;
    int quoted = 0;
    for (const char *p = sql; *p;) {
        const rule *hit = NULL;
        /* the first letter first: this runs over every statement text at every prepare */
        for (const rule *r = rules; !quoted && !hit && r->from; r++)
            if (*p == r->from[0] && strncmp(p, r->from, strlen(r->from)) == 0 &&
                (p == sql || !ident_char(p[-1])))
                hit = r;
        const char *out = hit ? hit->to : p;
        size_t len = hit ? strlen(hit->to) : 1;
        if (!hit && *p == '\'')
            quoted = !quoted;
        for (size_t k = 0; k < len; k++, n++)
            if (n + 1 < size)
                buf[n] = out[k];
        p += hit ? strlen(hit->from) : 1;
    }
    if (size)
        buf[n < size ? n : size - 1] = '\0';
    return n;
}

/* ---- store names ---------------------------------------------------------------------------- */

int rdb_is_pg(const char *w)
{
    return w && (strncmp(w, "postgresql://", 13) == 0 || strncmp(w, "postgres://", 11) == 0 ||
                 strncmp(w, "service=", 8) == 0);
}

/* Append len bytes of from to buf at *n (cut at size; *n counts on, like snprintf). */
static void put(char *buf, size_t size, size_t *n, const char *from, size_t len)
{
    for (size_t k = 0; k < len; k++, (*n)++)
        if (*n + 1 < size)
            buf[*n] = from[k];
}

/* The end of a keyword=value value in a conninfo string (quoted with '...' or up to a blank). */
static const char *value_end(const char *v)
{
    if (*v != '\'') {
        while (*v && *v != ' ' && *v != '\t')
            v++;
        return v;
    }
    for (v++; *v && *v != '\''; v++)
        if (*v == '\\' && v[1])
            v++;
    return *v ? v + 1 : v;
}

/* Where a "password=" value starts at p (a URI query or a conninfo string), or NULL. */
static const char *password_at(const char *s, const char *p, int uri)
{
    if (strncmp(p, "password", 8) != 0 || (p > s && ident_char(p[-1])))
        return NULL;
    if (uri && (p == s || (p[-1] != '?' && p[-1] != '&')))
        return NULL;
    const char *q = p + 8;
    while (!uri && (*q == ' ' || *q == '\t'))
        q++;
    if (*q != '=')
        return NULL;
    for (q++; !uri && (*q == ' ' || *q == '\t');)
        q++;
    return q;
}

/* In a URI, the password of user:password@host: [*from, *to), else both NULL. */
static void uri_password(const char *w, const char **from, const char **to)
{
    const char *a = strstr(w, "://"), *end, *at = NULL;
    *from = *to = NULL;
    if (!a)
        return;
    a += 3;
    for (end = a; *end && *end != '/' && *end != '?'; end++)
        if (*end == '@')
            at = end;
    const char *colon = at ? memchr(a, ':', (size_t)(at - a)) : NULL;
    if (colon) {
        *from = colon + 1;
        *to = at;
    }
}

/* The next password in w at or after p: [*from, *to); 0 when there is none. */
static int next_password(const char *w, const char *p, const char **from, const char **to)
{
    const char *uf, *ut;
    int uri = strstr(w, "://") != NULL;
    uri_password(w, &uf, &ut);
    for (; *p; p++) {
        const char *v = p == uf && uf < ut ? p : password_at(w, p, uri);
        if (!v)
            continue;
        *from = v;
        *to = p == uf ? ut : uri ? v + strcspn(v, "&#")
                                 : value_end(v);
        return 1;
    }
    return 0;
}

void rdb_mask(const char *w, char *buf, size_t size)
{
    size_t n = 0;
    const char *p = w, *from, *to;
    if (!rdb_is_pg(w)) { /* a file name is shown as it is */
        snprintf(buf, size, "%s", w ? w : "");
        return;
    }
    while (next_password(w, p, &from, &to)) {
        put(buf, size, &n, p, (size_t)(from - p));
        put(buf, size, &n, "***", 3);
        p = to;
    }
    put(buf, size, &n, p, strlen(p));
    if (size)
        buf[n < size ? n : size - 1] = '\0';
}

void rdb_scrub(char *w)
{
    const char *p = w, *from, *to;
    if (!rdb_is_pg(w))
        return;
    while (next_password(w, p, &from, &to)) {
        for (char *c = w + (from - w); c < w + (to - w); c++)
            *c = '*';
        p = to;
    }
}
