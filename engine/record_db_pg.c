/*
 * record_db_pg.c — the PostgreSQL back end of the store seam (record_db.h), on libpq.
 * Every statement is sent with its parameters apart from the text (PQexecParams; a statement run
 * again is prepared once on the server and executed by name), parameters typed by how they were
 * bound (bigint or text).  A connection that broke is re-established at the next statement
 * outside a transaction, so recording recovers by itself when the server is back.  libpq's
 * notices are swallowed: the library never prints.
 */
#include "mem.h"
#include "record_db.h"
#include <libpq-fe.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_PARAMS 64 /* the events of one write in one INSERT (record_write.c) */
#define OID_INT8 20
#define OID_TEXT 25
#define RETRY_MS 5000 /* an unreachable server is not asked again at every answer */
/* Seconds libpq waits for a server that takes the connection and never answers (hung, or behind
 * a firewall that drops packets), unless the string or PGCONNECT_TIMEOUT says otherwise.  An
 * agent with a customer on the line waits this long at the start, before the call goes on in the
 * spool: 5 s, not more (docs/recording.md, "Connecting").  A reconnection later is not waited for
 * (usable()); it is given up after as long. */
#define CONNECT_TIMEOUT_S "5"
/* What one statement waits, at most, for a reconnection under way: a server that answers at once
 * (the same machine, the LAN) is back within this statement; one that does not costs an answer no
 * more than this, and the statement goes to the spool. */
#define RECONNECT_WAIT_MS 50
#define CACHE 64           /* statements kept prepared on the server, per connection */
#define QMAX 128           /* results a batch leaves unread before it reads them (the server's send buffer) */
#define MISS_STATE "22012" /* an expectation's miss on the server: the division by zero below */
/* One session's notifications, at most one per this many ms: an agent's steps are seconds apart
 * and each is told at once; a program recording at machine speed would otherwise have every
 * writer queue on the notification lock (measured: half the throughput at 32 writers).  The
 * board reads the calls in progress every second anyway, so what is not told shows then. */
#define NOTIFY_GAP_MS 250

/* A statement text run on this connection: prepared on the server from its second run on, so
 * that a statement made, run and finalised at every answer (the claim's renewal) is still parsed
 * and planned once per connection. */
typedef struct cached {
    char *key; /* parameter types, then the text */
    unsigned uses;
    int ready; /* prepared on the server as `name` */
    char name[16];
} cached;

/* A result the batch has not read yet: what a failure of it means. */
typedef struct queued {
    int miss;           /* the statement's expectation's code, or 0 */
    int quiet;          /* its failure does not count (the notification after the commit) */
    int cache;          /* >= 0: a prepare of that cache entry */
    struct pstmt *keep; /* the statement that reads its rows */
} queued;

typedef struct pdb {
    rdb base;
    PGconn *conn;
    int tx;              /* 1 between our BEGIN and COMMIT/ROLLBACK: never reconnect inside */
    /* a reconnection under way (PQresetStart), never waited for: what it waits for (the socket
     * readable or writable), when it began (monotonic ms, 0: none yet), and the connect timeout
     * after which it is given up */
    int connecting;
    PostgresPollingStatusType want;
    int64_t tried_ms, timeout_ms;
    int readied, ro; /* p_ready ran, and how: a new connection gets the same settings */
    cached cache[CACHE];
    int ncache;
    int batch;                /* in pipeline mode (rdb_begin_batch) */
    queued q[QMAX];           /* the batch's results not read yet, in order */
    int nq, qrc;              /* qrc: the first failure while sending */
    int64_t notify_id;        /* > 0: notify after the commit (rdb_pg_notify) */
    char notify_chan[32];
    struct pstmt *live; /* the query whose rows are still coming in (single-row mode) */
    char msg[512];
} pdb;

typedef struct pstmt {
    rdb_stmt base;
    char *sql;
    int nparams;
    char *vals[MAX_PARAMS];
    Oid types[MAX_PARAMS];
    PGresult *res;
    int row, nrows, wrapped;
    int stream;      /* its rows come one result each: from the connection, or held */
    PGresult **held; /* rows read ahead because the connection was wanted (owned) */
    size_t nheld, iheld, heldcap;
    int held_rc; /* a failure while reading ahead: given at that row */
    int64_t changes;
} pstmt;

static pdb *P(rdb *db)
{
    return (pdb *)(void *)db;
}
static pstmt *T(rdb_stmt *st)
{
    return (pstmt *)(void *)st;
}

static void no_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Keep the first line of libpq's message (it ends in a newline, may add DETAIL lines). */
static void keep_msg(pdb *d, const char *m)
{
    snprintf(d->msg, sizeof d->msg, "%s", m && *m ? m : "unknown error");
    d->msg[strcspn(d->msg, "\n")] = '\0';
}

/* A call that libpq refused (no result): the connection, unless memory ran out.  In pipeline
 * mode libpq may not have marked the connection bad yet (a write to a closed socket is reported
 * by a later read), but the class must say so: the recorder spools on RDB_ECONN. */
static int refused(pdb *d)
{
    keep_msg(d, PQerrorMessage(d->conn));
    return strstr(d->msg, "out of memory") ? RDB_ENOMEM : RDB_ECONN;
}

/* The class of a failed result, by SQLSTATE. */
static int classify(pdb *d, const PGresult *res)
{
    if (!res)
        return refused(d);
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    keep_msg(d, PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
    if (PQstatus(d->conn) != CONNECTION_OK) {
        if (!state)
            keep_msg(d, PQerrorMessage(d->conn));
        return RDB_ECONN;
    }
    if (!state) /* libpq's own failures carry no SQLSTATE: the server went away mid-call */
        return RDB_ECONN;
    if (strncmp(state, "23", 2) == 0)
        return RDB_ECONSTRAINT;
    if (strcmp(state, "42501") == 0)
        return RDB_EDENIED;
    if (strncmp(state, "28", 2) == 0)
        return RDB_EAUTH;
    if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0)
        return RDB_ECONN;
    if (strcmp(state, "53100") == 0)
        return RDB_EFULL;
    if (strcmp(state, "53200") == 0)
        return RDB_ENOMEM;
    if (strncmp(state, "40", 2) == 0 || strcmp(state, "55P03") == 0)
        return RDB_EBUSY;
    if (strcmp(state, "25006") == 0)
        return RDB_EREADONLY;
    if (strncmp(state, "58", 2) == 0 || strncmp(state, "XX", 2) == 0)
        return RDB_EIO;
    return RDB_EOTHER;
}

/* What a result means: RDB_OK, a failure, or the miss of the statement's expectation. */
static int result_rc(pdb *d, const PGresult *r, int miss)
{
    ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_PIPELINE_ABORTED)
        return RDB_OK; /* aborted: a consequence of the failure already counted */
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (miss && state && strcmp(state, MISS_STATE) == 0)
        return miss;
    return classify(d, r);
}

static void cache_clear(pdb *d)
{
    for (int i = 0; i < d->ncache; i++)
        dt_free(d->cache[i].key);
    d->ncache = 0;
}

static int64_t mono_ms(void);
static int p_ready(rdb *db, int ro);

/* The reconnection under way ended (ok: 1 when it succeeded). */
static int reconnected(pdb *d, int ok, const char *why)
{
    d->connecting = 0;
    if (!ok) {
        keep_msg(d, why ? why : PQerrorMessage(d->conn));
        return 0;
    }
    d->msg[0] = '\0';
    cache_clear(d); /* the server forgot our prepared statements */
    /* and our settings: without lock_timeout a write could wait for a lock for ever */
    return !d->readied || p_ready(&d->base, d->ro) == RDB_OK;
}

/* Advance a connection attempt under way (PQconnectPoll or PQresetPoll: poll_fn) as far as the
 * socket allows within RECONNECT_WAIT_MS: libpq's steps (connect, startup, authentication) each
 * wait for the server, and we wait for none of them longer.  *want: what the attempt waits for
 * (PGRES_POLLING_WRITING to begin, as libpq's manual says).  PGRES_POLLING_OK, _FAILED, or
 * _READING/_WRITING while still under way. */
static PostgresPollingStatusType step(PGconn *c, PostgresPollingStatusType *want,
                                      PostgresPollingStatusType (*poll_fn)(PGconn *))
{
    int64_t until = mono_ms() + RECONNECT_WAIT_MS;
    for (int n = 0; n < 64; n++) { /* bounded: each step is one reply of the server */
        if (*want == PGRES_POLLING_OK || *want == PGRES_POLLING_FAILED)
            break;
        int64_t left = until - mono_ms();
        struct pollfd pf = {PQsocket(c), *want == PGRES_POLLING_READING ? POLLIN : POLLOUT, 0};
        int r = pf.fd < 0 ? 1 : poll(&pf, 1, left > 0 ? (int)left : 0);
        if (r < 0 && errno != EINTR)
            *want = PGRES_POLLING_FAILED;
        else if (r > 0)
            *want = poll_fn(c);
        else if (r == 0)
            break;
    }
    return *want;
}

/* The reconnection under way, advanced: 1 when connected, 0 when it failed, timed out (libpq
 * leaves the connect timeout to us here) or is still under way. */
static int advance(pdb *d)
{
    PostgresPollingStatusType s = step(d->conn, &d->want, PQresetPoll);
    if (s == PGRES_POLLING_OK || s == PGRES_POLLING_FAILED)
        return reconnected(d, s == PGRES_POLLING_OK, NULL);
    if (mono_ms() - d->tried_ms >= d->timeout_ms)
        return reconnected(d, 0, "the server did not answer within the connect timeout");
    snprintf(d->msg, sizeof d->msg, "reconnecting to the server");
    return 0;
}

/* Outside a transaction, a broken connection is tried again before the statement (a new try at
 * most every RETRY_MS), without blocking: the try is started and then advanced at each statement
 * (advance()), and until it has succeeded the statement fails as an unreachable server does, so
 * that the recorder spools the answer at once.  Inside a transaction, never: what the transaction
 * did is gone, and going on would write outside it. */
static int usable(pdb *d)
{
    if (!d->connecting && PQstatus(d->conn) == CONNECTION_OK)
        return 1;
    if (d->tx) {
        if (!d->msg[0])
            keep_msg(d, PQerrorMessage(d->conn));
        return 0;
    }
    if (!d->connecting) {
        int64_t now = mono_ms();
        if (d->tried_ms && now - d->tried_ms < RETRY_MS) {
            if (!d->msg[0])
                keep_msg(d, PQerrorMessage(d->conn));
            return 0;
        }
        d->tried_ms = now;
        if (!PQresetStart(d->conn)) /* (a host name is still resolved here, blocking) */
            return reconnected(d, 0, NULL);
        d->connecting = 1;
        d->want = PGRES_POLLING_WRITING; /* as libpq's manual says to begin */
    }
    return advance(d);
}

/* The highest $n outside string literals. */
static int count_params(const char *sql)
{
    int quoted = 0, max = 0;
    for (const char *p = sql; *p; p++) {
        if (*p == '\'')
            quoted = !quoted;
        else if (!quoted && *p == '$' && p[1] >= '1' && p[1] <= '9') {
            int n = (int)strtol(p + 1, NULL, 10);
            max = n > max ? n : max;
        }
    }
    return max;
}

static int p_prepare(rdb *db, const char *sql, rdb_stmt **out)
{
    size_t need = rdb_dialect(RDB_PG, sql, NULL, 0) + 1;
    pstmt *t = dt_calloc(1, sizeof *t);
    char *text = t ? dt_malloc(need) : NULL;
    if (!text) {
        dt_free(t);
        return RDB_ENOMEM;
    }
    rdb_dialect(RDB_PG, sql, text, need);
    t->base.db = db;
    t->sql = text;
    t->nparams = count_params(text);
    if (t->nparams > MAX_PARAMS) {
        dt_free(text);
        dt_free(t);
        snprintf(P(db)->msg, sizeof P(db)->msg, "statement has too many parameters");
        return RDB_EOTHER;
    }
    t->row = -1;
    *out = &t->base;
    return RDB_OK;
}

static int bind_str(rdb_stmt *st, int i, const char *s, Oid type)
{
    pstmt *t = T(st);
    if (i < 1 || i > t->nparams)
        return RDB_OK;
    char *c = dt_strdup(s);
    if (!c)
        return RDB_ENOMEM;
    dt_free(t->vals[i - 1]);
    t->vals[i - 1] = c;
    t->types[i - 1] = type;
    return RDB_OK;
}

static int p_bind_text(rdb_stmt *st, int i, const char *s)
{
    return bind_str(st, i, s, OID_TEXT);
}

static int p_bind_i64(rdb_stmt *st, int i, int64_t v)
{
    char num[24];
    snprintf(num, sizeof num, "%lld", (long long)v);
    return bind_str(st, i, num, OID_INT8);
}

/* NULL: no value; the type stays as the statement implies it. */
static int p_bind_null(rdb_stmt *st, int i)
{
    pstmt *t = T(st);
    if (i >= 1 && i <= t->nparams) {
        dt_free(t->vals[i - 1]);
        t->vals[i - 1] = NULL;
        t->types[i - 1] = OID_INT8; /* the one nullable column bound so is a time (ended_ms) */
    }
    return RDB_OK;
}

/* An expectation is checked by the server, so that a batch stops at its miss: the statement
 * becomes "WITH x AS (statement RETURNING 1) SELECT 1 / (count(*) = want)::int FROM x", which
 * fails with a division by zero (MISS_STATE) when another number of rows changed. */
#define COUNTED ") SELECT 1 / (count(*) = %lld)::int FROM dtree_x"
static int wrap(pstmt *t)
{
    static const char head[] = "WITH dtree_x AS (", tail[] = " RETURNING 1" COUNTED;
    if (t->wrapped || t->base.want < 0)
        return RDB_OK;
    /* a SELECT (a row locked, not changed) is counted by the rows it gives */
    int sel = strncmp(t->sql, "SELECT ", 7) == 0;
    size_t need = sizeof head + strlen(t->sql) + sizeof tail + 24;
    char *w = dt_malloc(need), num[sizeof tail + 24];
    if (!w)
        return RDB_ENOMEM;
    snprintf(num, sizeof num, sel ? COUNTED : " RETURNING 1" COUNTED, (long long)t->base.want);
    snprintf(w, need, "%s%s%s", head, t->sql, num);
    dt_free(t->sql);
    t->sql = w;
    t->wrapped = 1;
    return RDB_OK;
}

/* The cache entry of t's text and types (made on its first run), or NULL when the cache is
 * full (then it is sent unprepared each time). */
static cached *lookup(pdb *d, const pstmt *t)
{
    char sig[MAX_PARAMS + 2];
    int k = 0;
    for (; k < t->nparams; k++)
        sig[k] = t->types[k] == OID_TEXT ? 't' : 'i';
    sig[k++] = '|';
    sig[k] = '\0';
    for (int i = 0; i < d->ncache; i++) {
        const char *key = d->cache[i].key;
        if (strncmp(key, sig, (size_t)k) == 0 && strcmp(key + k, t->sql) == 0)
            return &d->cache[i];
    }
    if (d->ncache == CACHE)
        return NULL;
    size_t len = strlen(t->sql);
    char *key = dt_malloc((size_t)k + len + 1);
    if (!key)
        return NULL;
    memcpy(key, sig, (size_t)k);
    memcpy(key + k, t->sql, len + 1);
    cached *c = &d->cache[d->ncache];
    memset(c, 0, sizeof *c);
    c->key = key;
    snprintf(c->name, sizeof c->name, "dtree_%d", d->ncache++);
    return c;
}

/* Outside a batch: run t now and wait for its result. */
static PGresult *send_now(pdb *d, pstmt *t)
{
    const char *const *vals = (const char *const *)t->vals;
    cached *c = lookup(d, t);
    if (c && !c->ready && ++c->uses >= 2) {
        PGresult *r = PQprepare(d->conn, c->name, t->sql, t->nparams, t->types);
        if (!r || PQresultStatus(r) != PGRES_COMMAND_OK)
            return r;
        PQclear(r);
        c->ready = 1;
    }
    if (c && c->ready)
        return PQexecPrepared(d->conn, c->name, t->nparams, vals, NULL, NULL, 0);
    return PQexecParams(d->conn, t->sql, t->nparams, t->types, vals, NULL, NULL, 0);
}

static int push(pdb *d, int miss, int quiet, int cache, pstmt *keep)
{
    queued *e = &d->q[d->nq++];
    e->miss = miss;
    e->quiet = quiet;
    e->cache = cache;
    e->keep = keep;
    return RDB_OK;
}

/* Read the results of everything the batch sent, and the sync that ends them: the first failure
 * (by each statement's own rule) or RDB_OK.  A Sync inside BEGIN ... COMMIT ends nothing: it
 * only asks for the results.  After a failure the server skipped the rest (PIPELINE_ABORTED)
 * and the transaction is aborted, for rdb_rollback to end. */
static int drain(pdb *d)
{
    int rc = d->qrc;
    if (PQpipelineSync(d->conn) != 1 && !rc)
        rc = refused(d);
    for (int i = 0; i < d->nq; i++) {
        PGresult *r;
        int got = 0;
        while ((r = PQgetResult(d->conn)) != NULL) {
            queued *e = &d->q[i];
            int one = result_rc(d, r, e->miss);
            got = 1;
            /* not prepared after all: refused, or skipped after an earlier statement's failure
             * (which result_rc counts once, there) */
            if (e->cache >= 0 && (one != RDB_OK || PQresultStatus(r) == PGRES_PIPELINE_ABORTED))
                d->cache[e->cache].ready = 0;
            rc = rc || e->quiet ? rc : one;
            if (e->keep && !e->keep->res && PQresultStatus(r) == PGRES_TUPLES_OK)
                e->keep->res = r;
            else
                PQclear(r);
        }
        if (!got && PQstatus(d->conn) != CONNECTION_OK) {
            rc = rc ? rc : refused(d);
            break;
        }
    }
    if (PQstatus(d->conn) == CONNECTION_OK)
        PQclear(PQgetResult(d->conn)); /* PGRES_PIPELINE_SYNC */
    d->nq = 0;
    d->qrc = 0;
    return rc;
}

/* In a batch: send t without waiting (keep: the statement whose rows are wanted, read by the
 * next drain). */
static int send_queued(pdb *d, pstmt *t, pstmt *keep)
{
    const char *const *vals = (const char *const *)t->vals;
    if (d->qrc)
        return d->qrc; /* nothing more after a failure: the batch is lost anyway */
    if (d->nq + 2 > QMAX) {
        int rc = drain(d);
        if (rc != RDB_OK)
            return rc;
    }
    cached *c = lookup(d, t);
    int ok = 1;
    if (c && !c->ready && ++c->uses >= 2) {
        ok = PQsendPrepare(d->conn, c->name, t->sql, t->nparams, t->types);
        if (ok) {
            push(d, 0, 0, (int)(c - d->cache), NULL);
            c->ready = 1;
        }
    }
    if (ok && c && c->ready)
        ok = PQsendQueryPrepared(d->conn, c->name, t->nparams, vals, NULL, NULL, 0);
    else if (ok)
        ok = PQsendQueryParams(d->conn, t->sql, t->nparams, t->types, vals, NULL, NULL, 0);
    if (!ok)
        return d->qrc = refused(d);
    return push(d, t->base.want >= 0 ? t->base.miss : 0, 0, -1, keep);
}

static void got_result(pstmt *t)
{
    const char *n = PQcmdTuples(t->res);
    t->changes = n && *n ? strtoll(n, NULL, 10) : 0;
    t->nrows = PQresultStatus(t->res) == PGRES_TUPLES_OK ? PQntuples(t->res) : 0;
    if (t->wrapped) /* the server checked it: its one row is the check's, not the caller's */
        t->changes = t->base.want, t->nrows = 0;
    t->row = -1;
}

/* ---- rows one at a time ---------------------------------------------------------------------
 * A query's rows are read in single-row mode, so that an export of millions of events holds one
 * row in memory, not all of them (PQexec would).  The connection carries one result stream at a
 * time; when another statement needs it while a query's rows are still coming in (a caller reads
 * more from inside its callback, as SQLite allows), the rest of those rows is read ahead and
 * held by that query: correct in every order, and as much memory as before only then. */
static void hold(pstmt *t, PGresult *r)
{
    if (t->held_rc) { /* a row was lost: the stream fails there, nothing after it counts */
        PQclear(r);
        return;
    }
    if (t->nheld == t->heldcap) {
        size_t cap = t->heldcap ? 2 * t->heldcap : 16;
        PGresult **g = dt_realloc(t->held, cap * sizeof *g);
        if (!g) {
            PQclear(r);
            t->held_rc = RDB_ENOMEM;
            return;
        }
        t->held = g;
        t->heldcap = cap;
    }
    t->held[t->nheld++] = r;
}

/* Before anything else uses the connection. */
static void settle(pdb *d)
{
    pstmt *t = d->live;
    if (!t)
        return;
    d->live = NULL;
    PGresult *r;
    while ((r = PQgetResult(d->conn)) != NULL)
        hold(t, r);
}

static void unheld(pstmt *t)
{
    while (t->iheld < t->nheld)
        PQclear(t->held[t->iheld++]);
    dt_free(t->held);
    t->held = NULL;
    t->nheld = t->iheld = t->heldcap = 0;
    t->held_rc = 0;
}

/* The stream's end, early or not: what is left of it is read and dropped. */
static void stream_end(pstmt *t)
{
    pdb *d = P(t->base.db);
    if (d->live == t) {
        PGresult *r;
        while ((r = PQgetResult(d->conn)) != NULL)
            PQclear(r);
        d->live = NULL;
    }
    unheld(t);
    t->stream = 0;
}

static PGresult *stream_next(pstmt *t)
{
    if (t->iheld < t->nheld)
        return t->held[t->iheld++];
    return P(t->base.db)->live == t ? PQgetResult(P(t->base.db)->conn) : NULL;
}

/* The stream's next result in t->res: a row (RDB_ROW), its end (RDB_DONE) or a failure. */
static int stream_step(pstmt *t)
{
    PQclear(t->res);
    t->res = NULL;
    if (t->iheld == t->nheld && t->held_rc) {
        int rc = t->held_rc;
        stream_end(t);
        return rc;
    }
    PGresult *r = stream_next(t);
    ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (s == PGRES_SINGLE_TUPLE) {
        t->res = r;
        t->nrows = 1;
        t->row = 0;
        return RDB_ROW;
    }
    int rc = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK ? RDB_OK
                                                           : result_rc(P(t->base.db), r, 0);
    stream_end(t);
    if (rc != RDB_OK) {
        PQclear(r);
        return rc;
    }
    t->res = r;
    got_result(t);
    return RDB_DONE;
}

/* Outside a batch, a statement with no expectation: sent, and its first result read. */
static int stream_start(pdb *d, pstmt *t)
{
    const char *const *vals = (const char *const *)t->vals;
    cached *c = lookup(d, t);
    if (c && !c->ready && ++c->uses >= 2) {
        PGresult *r = PQprepare(d->conn, c->name, t->sql, t->nparams, t->types);
        int rc = result_rc(d, r, 0);
        PQclear(r);
        if (rc != RDB_OK)
            return rc;
        c->ready = 1;
    }
    int ok = c && c->ready
                 ? PQsendQueryPrepared(d->conn, c->name, t->nparams, vals, NULL, NULL, 0)
                 : PQsendQueryParams(d->conn, t->sql, t->nparams, t->types, vals, NULL, NULL, 0);
    if (!ok)
        return refused(d);
    PQsetSingleRowMode(d->conn); /* refused only when too late: then the rows come at once */
    d->live = t;
    t->stream = 1;
    int rc = stream_step(t);
    if (rc == RDB_ROW) {
        t->row = -1; /* the first p_step moves onto it */
        t->changes = 0;
    }
    return rc == RDB_ROW || rc == RDB_DONE ? RDB_OK : rc;
}

static int run_once(pstmt *t)
{
    pdb *d = P(t->base.db);
    settle(d);
    int rc = wrap(t);
    if (rc != RDB_OK)
        return rc;
    if (d->batch) { /* rows wanted: what was sent before, then this, in one round trip */
        rc = send_queued(d, t, t);
        rc = rc ? rc : drain(d);
        if (rc == RDB_OK && !t->res)
            rc = refused(d);
        if (rc != RDB_OK) {
            PQclear(t->res);
            t->res = NULL;
            return rc;
        }
        got_result(t);
        return RDB_OK;
    }
    if (!usable(d))
        return RDB_ECONN;
    if (t->base.want < 0 && !t->base.whole)
        return stream_start(d, t);
    t->res = send_now(d, t);
    ExecStatusType s = t->res ? PQresultStatus(t->res) : PGRES_FATAL_ERROR;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        rc = result_rc(d, t->res, t->base.want >= 0 ? t->base.miss : 0);
        PQclear(t->res);
        t->res = NULL;
        return rc;
    }
    got_result(t);
    return RDB_OK;
}

static int p_step(rdb_stmt *st)
{
    pstmt *t = T(st);
    if (!t->res) {
        int rc = run_once(t);
        if (rc != RDB_OK)
            return rc;
    }
    if (++t->row < t->nrows)
        return RDB_ROW;
    return t->stream ? stream_step(t) : RDB_DONE;
}

/* rdb_run: in a batch, and when nobody waits for the count of rows, sent and not waited for. */
static int p_run(rdb_stmt *st, int wait)
{
    pstmt *t = T(st);
    pdb *d = P(st->db);
    if (!d->batch || wait || t->res)
        return p_step(st);
    int rc = wrap(t);
    rc = rc ? rc : send_queued(d, t, NULL);
    t->changes = t->base.want >= 0 ? t->base.want : 0; /* a miss fails the batch instead */
    return rc ? rc : RDB_DONE;
}

static void p_reset(rdb_stmt *st)
{
    pstmt *t = T(st);
    if (t->stream)
        stream_end(t);
    PQclear(t->res);
    t->res = NULL;
    t->row = -1;
    t->nrows = 0;
    for (int i = 0; i < t->nparams; i++) {
        dt_free(t->vals[i]);
        t->vals[i] = NULL;
    }
}

/* Its server-side statement stays (the cache's, for the next statement of the same text). */
static void p_finalize(rdb_stmt *st)
{
    pstmt *t = T(st);
    p_reset(st);
    dt_free(t->sql);
    dt_free(t);
}

static int64_t p_changes(rdb_stmt *st)
{
    return T(st)->changes;
}
static int p_ncols(rdb_stmt *st)
{
    pstmt *t = T(st);
    if (!t->res && run_once(t) != RDB_OK) /* the columns are known once it ran */
        return 0;
    return PQnfields(t->res);
}
static const char *p_col_name(rdb_stmt *st, int c)
{
    return T(st)->res ? PQfname(T(st)->res, c) : "";
}
static const char *p_col_text(rdb_stmt *st, int c)
{
    pstmt *t = T(st);
    if (!t->res || t->row < 0 || t->row >= t->nrows || c >= PQnfields(t->res) ||
        PQgetisnull(t->res, t->row, c))
        return NULL;
    return PQgetvalue(t->res, t->row, c);
}
static int64_t p_col_i64(rdb_stmt *st, int c)
{
    const char *s = p_col_text(st, c);
    return s ? strtoll(s, NULL, 10) : 0;
}

static int p_col_kind(rdb_stmt *st, int c)
{
    pstmt *t = T(st);
    if (!p_col_text(st, c))
        return RDB_COL_NULL;
    switch (PQftype(t->res, c)) {
    case 20: /* int8 */
    case 21: /* int2 */
    case 23: /* int4 */
        return RDB_COL_INT;
    case 700:  /* float4 */
    case 701:  /* float8 */
    case 1700: /* numeric */
        return RDB_COL_FLOAT;
    default: return RDB_COL_TEXT;
    }
}

/* The end of a batch: the COMMIT (and the notification after it) or the ROLLBACK sent, every
 * result read, the pipeline left. */
static int end_batch(pdb *d, int commit)
{
    static const char notify[] =
        "SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, $2)";
    int rc = RDB_OK;
    if (!d->qrc && !PQsendQueryParams(d->conn, commit ? "COMMIT" : "ROLLBACK", 0, NULL, NULL,
                                      NULL, NULL, 0))
        d->qrc = refused(d);
    else if (!d->qrc)
        push(d, 0, 0, -1, NULL);
    if (commit && d->notify_id > 0 && !d->qrc) { /* after COMMIT: its own transaction */
        pstmt n = {.sql = (char *)notify, .nparams = 2, .types = {OID_TEXT, OID_TEXT}};
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)d->notify_id);
        n.vals[0] = d->notify_chan;
        n.vals[1] = id;
        n.base.want = -1;
        if (send_queued(d, &n, NULL) == RDB_OK)
            d->q[d->nq - 1].quiet = 1;
        else
            d->qrc = 0; /* the notification is not the record */
    }
    d->notify_id = 0;
    rc = drain(d);
    PQexitPipelineMode(d->conn);
    d->batch = 0;
    PGTransactionStatusType ts = PQtransactionStatus(d->conn);
    d->tx = ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR; /* a failed batch: ROLLBACK ends it */
    return rc;
}

static int p_exec(rdb *db, const char *sql)
{
    pdb *d = P(db);
    settle(d);
    size_t need = rdb_dialect(RDB_PG, sql, NULL, 0) + 1;
    int end = strcmp(sql, "COMMIT") == 0 || strcmp(sql, "ROLLBACK") == 0;
    if (d->batch && end) {
        int rc = end_batch(d, strcmp(sql, "COMMIT") == 0);
        if (strcmp(sql, "COMMIT") == 0)
            return rc;
        if (!d->tx)
            return RDB_OK;
    }
    if (end && PQstatus(d->conn) != CONNECTION_OK) { /* nothing to end: the server has let go */
        d->tx = 0;
        return strcmp(sql, "COMMIT") == 0 ? RDB_ECONN : RDB_OK;
    }
    char *text = dt_malloc(need);
    if (!text)
        return RDB_ENOMEM;
    rdb_dialect(RDB_PG, sql, text, need);
    if (d->batch) { /* one statement, sent with the others */
        pstmt t = {.sql = text};
        t.base.want = -1;
        int rc = send_queued(d, &t, NULL);
        dt_free(text);
        return rc;
    }
    if (!usable(d)) {
        dt_free(text);
        return RDB_ECONN;
    }
    PGresult *r = PQexec(d->conn, text);
    dt_free(text);
    ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    int rc = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK ? RDB_OK : classify(d, r);
    PQclear(r);
    if (end)
        d->tx = 0;
    else if (strncmp(sql, "BEGIN", 5) == 0 && rc == RDB_OK)
        d->tx = 1;
    return rc;
}

/* Writes lock their rows as they go (READ COMMITTED); a read (the report's tables) sees one
 * snapshot throughout, as SQLite's read transaction does. */
static int p_begin(rdb *db, int write)
{
    return p_exec(db, write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ");
}

/* The recorder's write: BEGIN, the claim's renewal, each event and its session update, COMMIT
 * (and the notification) go out together and their results come back together: one round trip
 * per answer instead of seven; the server still commits (and flushes) before we return. */
static int p_begin_batch(rdb *db)
{
    pdb *d = P(db);
    settle(d);
    if (d->batch || d->tx)
        return p_begin(db, 1);
    if (!usable(d))
        return RDB_ECONN;
    if (PQenterPipelineMode(d->conn) != 1)
        return p_begin(db, 1);
    d->batch = 1;
    d->tx = 1;
    d->nq = d->qrc = 0;
    if (!PQsendQueryParams(d->conn, "BEGIN", 0, NULL, NULL, NULL, NULL, 0)) {
        int rc = refused(d);
        end_batch(d, 0);
        return rc;
    }
    return push(d, 0, 0, -1, NULL);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int rdb_pg_tell_due(int64_t *told_ms)
{
    int64_t now = mono_ms();
    if (now - *told_ms < NOTIFY_GAP_MS)
        return 0;
    *told_ms = now;
    return 1;
}

int rdb_pg_notify(rdb *db, const char *channel, int64_t id, int64_t *told_ms)
{
    if (!db || db->kind != RDB_PG || !rdb_pg_tell_due(told_ms))
        return 0;
    pdb *d = P(db);
    snprintf(d->notify_chan, sizeof d->notify_chan, "%s", channel);
    d->notify_id = id;
    return 1;
}

static int p_in_tx(rdb *db)
{
    return P(db)->tx;
}

static const char *p_errmsg(rdb *db, int rc)
{
    pdb *d = P(db);
    static const char prefix[] = "postgresql: ";
    (void)rc;
    if (strncmp(d->msg, prefix, sizeof prefix - 1) != 0) {
        size_t len = strlen(d->msg), room = sizeof d->msg - sizeof prefix;
        len = len < room ? len : room;
        memmove(d->msg + sizeof prefix - 1, d->msg, len);
        memcpy(d->msg, prefix, sizeof prefix - 1);
        d->msg[sizeof prefix - 1 + len] = '\0';
    }
    return d->msg;
}

static int p_reclaim(rdb *db)
{
    (void)db;
    return 0;
}

/* Lock waits are bounded like SQLite's busy timeout; a read-only open cannot write by mistake. */
static int p_ready(rdb *db, int ro)
{
    P(db)->readied = 1;
    P(db)->ro = ro;
    return p_exec(db, ro ? "SET lock_timeout = '10s';"
                           " SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"
                         : "SET lock_timeout = '10s'");
}

static void p_close(rdb *db)
{
    cache_clear(P(db));
    PQfinish(P(db)->conn);
    dt_free(db);
}

static const rdb_ops pg_ops = {
    p_prepare,
    p_bind_text,
    p_bind_i64,
    p_bind_null,
    p_step,
    p_reset,
    p_finalize,
    p_changes,
    p_ncols,
    p_col_name,
    p_col_text,
    p_col_i64,
    p_col_kind,
    p_exec,
    p_begin,
    p_in_tx,
    p_errmsg,
    p_reclaim,
    p_ready,
    p_close,
    p_begin_batch,
    p_run,
};

/* A login refusal (a wrong password, an unknown role) reads differently from a missing database
 * and from a server that cannot be reached at all. */
static int connect_failure(const char *m)
{
    if (strstr(m, "FATAL") && strstr(m, "database") && strstr(m, "does not exist"))
        return RDB_ECANTOPEN;
    if (strstr(m, "password") || strstr(m, "authentication") || strstr(m, "FATAL"))
        return RDB_EAUTH;
    return RDB_ECONN;
}

/* The connect timeout the connection ended up with (the string's, PGCONNECT_TIMEOUT's, ours), in
 * ms, as libpq reads it: at least 2 s; none (0) is ours, since a reconnection must end some time. */
static int64_t timeout_of(PGconn *c)
{
    long s = strtol(CONNECT_TIMEOUT_S, NULL, 10);
    PQconninfoOption *o = PQconninfo(c);
    for (PQconninfoOption *i = o; i && i->keyword; i++)
        if (strcmp(i->keyword, "connect_timeout") == 0 && i->val && strtol(i->val, NULL, 10) > 0)
            s = strtol(i->val, NULL, 10);
    PQconninfoFree(o);
    return (int64_t)(s < 2 ? 2 : s > 86400 ? 86400
                                           : s) *
           1000;
}

/* Connect to `conninfo` (start: without waiting, PQconnectStartParams) with our defaults; the
 * string's own settings win: it comes last (expand_dbname). */
static PGconn *connect_to(const char *conninfo, int start)
{
    const char *timeout = getenv("PGCONNECT_TIMEOUT");
    const char *keys[] = {"connect_timeout", "fallback_application_name", "client_encoding",
                          "dbname", NULL};
    const char *vals[] = {timeout && *timeout ? timeout : CONNECT_TIMEOUT_S, "dtree", "UTF8",
                          conninfo, NULL};
    return start ? PQconnectStartParams(keys, vals, 1) : PQconnectdbParams(keys, vals, 1);
}

int rdb_pg_open(const char *conninfo, int ro, int busy_ms, rdb **out, char *msg, size_t size)
{
    (void)ro;
    (void)busy_ms;
    *out = NULL;
    pdb *d = dt_calloc(1, sizeof *d);
    if (!d)
        return snprintf(msg, size, "out of memory"), RDB_ENOMEM;
    d->base.ops = &pg_ops;
    d->base.kind = RDB_PG;
    d->conn = connect_to(conninfo, 0);
    *out = &d->base;
    if (!d->conn) {
        snprintf(msg, size, "out of memory");
        return RDB_ENOMEM;
    }
    PQsetNoticeProcessor(d->conn, no_notices, NULL);
    d->timeout_ms = timeout_of(d->conn);
    if (PQstatus(d->conn) == CONNECTION_OK)
        return RDB_OK;
    keep_msg(d, PQerrorMessage(d->conn));
    snprintf(msg, size, "%s", d->msg);
    return connect_failure(d->msg);
}

/* ---- a probe: can the server be reached now? (rdb_pg_probe_start) ------------------------ */
struct rdb_probe {
    PGconn *conn;
    PostgresPollingStatusType want;
    int64_t started_ms, timeout_ms;
};

rdb_probe *rdb_pg_probe_start(const char *conninfo)
{
    rdb_probe *p = dt_calloc(1, sizeof *p);
    if (!p || !(p->conn = connect_to(conninfo, 1))) {
        dt_free(p);
        return NULL;
    }
    PQsetNoticeProcessor(p->conn, no_notices, NULL);
    p->want = PQstatus(p->conn) == CONNECTION_BAD ? PGRES_POLLING_FAILED : PGRES_POLLING_WRITING;
    p->started_ms = mono_ms();
    p->timeout_ms = timeout_of(p->conn);
    return p;
}

int rdb_pg_probe_poll(rdb_probe *p)
{
    if (!p)
        return -1;
    PostgresPollingStatusType s = step(p->conn, &p->want, PQconnectPoll);
    if (s == PGRES_POLLING_OK || s == PGRES_POLLING_FAILED)
        return s == PGRES_POLLING_OK ? 1 : -1;
    return mono_ms() - p->started_ms >= p->timeout_ms ? -1 : 0;
}

void rdb_pg_probe_free(rdb_probe *p)
{
    if (p) {
        PQfinish(p->conn);
        dt_free(p);
    }
}

/* Take the notifications libpq has read: digit-only payloads (sids) appended to ids. */
static void take_notifies(PGconn *c, char *ids, size_t size, size_t *n, int *many)
{
    PGnotify *nt;
    while ((nt = PQnotifies(c)) != NULL) {
        const char *p = nt->extra ? nt->extra : "";
        size_t len = strlen(p);
        if (len > 0 && len < 20 && strspn(p, "0123456789") == len) {
            if (*n + len + 3 < size)
                *n += (size_t)snprintf(ids + *n, size - *n, "%s%s", *n > 1 ? "," : "", p);
            else
                *many = 1;
        }
        PQfreemem(nt);
    }
}

int rdb_pg_notified(rdb *db, int timeout_ms, char *ids, size_t size, int *many)
{
    size_t n = 1;
    *many = 0;
    snprintf(ids, size, "{");
    if (!db || db->kind != RDB_PG)
        return RDB_EOTHER;
    settle(P(db));
    PGconn *c = P(db)->conn;
    if (!c || PQstatus(c) != CONNECTION_OK || PQconsumeInput(c) == 0)
        return RDB_ECONN;
    take_notifies(c, ids, size, &n, many);
    if (n == 1 && !*many) {
        struct pollfd pf = {PQsocket(c), POLLIN, 0};
        int r = poll(&pf, 1, timeout_ms < 0 ? 0 : timeout_ms);
        if (r < 0 && errno != EINTR)
            return RDB_ECONN;
        if (r > 0 && PQconsumeInput(c) == 0)
            return RDB_ECONN;
        take_notifies(c, ids, size, &n, many);
    }
    snprintf(ids + n, size - n, "}");
    return RDB_OK;
}

/* ---- bulk load (rdb_pg_copy) ----------------------------------------------------------------
 * The rows are escaped into one buffer and handed to libpq a chunk at a time; the server checks
 * every row as an INSERT would (types, NOT NULL) and the whole COPY fails or succeeds. */
#define COPY_CHUNK 65536
#define COPY_COLS 64

typedef struct copybuf {
    char *p;
    size_t n, cap;
} copybuf;

static int copy_put(copybuf *b, const char *s, size_t len)
{
    if (len == 0)
        return RDB_OK;
    if (b->n + len > b->cap && dt_grow((void **)&b->p, &b->cap, b->n + len, 1) != 0)
        return RDB_ENOMEM;
    memcpy(b->p + b->n, s, len);
    b->n += len;
    return RDB_OK;
}

/* One value in COPY's text format: NULL is \N; a backslash, tab, newline or carriage return in
 * the text would end the value or the row, so each is written as its backslash escape. */
static int copy_value(copybuf *b, const char *v)
{
    if (!v)
        return copy_put(b, "\\N", 2);
    int rc = RDB_OK;
    for (const char *p = v; rc == RDB_OK && *p;) {
        size_t plain = strcspn(p, "\\\t\n\r");
        rc = copy_put(b, p, plain);
        p += plain;
        if (rc != RDB_OK || !*p)
            break;
        const char esc[2] = {'\\', *p == '\t' ? 't' : *p == '\n' ? 'n'
                                                  : *p == '\r'   ? 'r'
                                                                 : '\\'};
        rc = copy_put(b, esc, 2);
        p++;
    }
    return rc;
}

static int copy_send(pdb *d, copybuf *b)
{
    if (b->n > 0 && PQputCopyData(d->conn, b->p, (int)b->n) != 1)
        return refused(d);
    b->n = 0;
    return RDB_OK;
}

static int copy_rows(pdb *d, copybuf *b, size_t ncols, size_t nrows, rdb_row_fn row, void *user)
{
    const char *vals[COPY_COLS];
    int rc = RDB_OK;
    for (size_t r = 0; rc == RDB_OK && r < nrows; r++) {
        rc = row(user, r, vals);
        for (size_t c = 0; rc == RDB_OK && c < ncols; c++) {
            rc = c ? copy_put(b, "\t", 1) : RDB_OK;
            rc = rc ? rc : copy_value(b, vals[c]);
        }
        rc = rc ? rc : copy_put(b, "\n", 1);
        if (rc == RDB_OK && b->n >= COPY_CHUNK)
            rc = copy_send(d, b);
    }
    return rc ? rc : copy_send(d, b);
}

/* End the COPY (aborted when rc says a row failed here) and read its results: rc, or the
 * server's verdict on the rows. */
static int copy_end(pdb *d, int rc)
{
    if (PQputCopyEnd(d->conn, rc == RDB_OK ? NULL : "dtree stopped the load") != 1 && !rc)
        rc = refused(d);
    PGresult *r;
    while ((r = PQgetResult(d->conn)) != NULL) {
        ExecStatusType s = PQresultStatus(r);
        if (rc == RDB_OK && s != PGRES_COMMAND_OK)
            rc = s == PGRES_COPY_IN ? refused(d) : classify(d, r);
        PQclear(r);
        if (s == PGRES_COPY_IN) /* libpq could not end it: the connection is unusable */
            break;
    }
    return rc;
}

int rdb_pg_copy(rdb *db, const char *into, size_t ncols, size_t nrows, rdb_row_fn row, void *user)
{
    if (!db || db->kind != RDB_PG)
        return RDB_EOTHER;
    pdb *d = P(db);
    if (d->batch || ncols == 0 || ncols > COPY_COLS) {
        snprintf(d->msg, sizeof d->msg, "a bulk load of %zu columns%s", ncols,
                 d->batch ? " inside a batch" : "");
        return RDB_EOTHER;
    }
    settle(d);
    if (!usable(d))
        return RDB_ECONN;
    char sql[1024];
    if ((size_t)snprintf(sql, sizeof sql, "COPY %s FROM STDIN", into) >= sizeof sql) {
        snprintf(d->msg, sizeof d->msg, "a bulk load's column list is too long");
        return RDB_EOTHER;
    }
    PGresult *r = PQexec(d->conn, sql);
    if (!r || PQresultStatus(r) != PGRES_COPY_IN) {
        int rc = classify(d, r);
        PQclear(r);
        return rc;
    }
    PQclear(r);
    copybuf b = {NULL, 0, 0};
    int rc = copy_end(d, copy_rows(d, &b, ncols, nrows, row, user));
    dt_free(b.p);
    return rc;
}
