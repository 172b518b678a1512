/*
 * record_claim.c — one agent per session: the claim (lease) on a recorded session.
 * A claim is a row of `claims` (holder, host, pid, since, expires, a random token), taken by
 * dt_recorder_begin and dt_recorder_resume, renewed (or, on PostgreSQL within 30 s of the last
 * renewal, checked by the write's first INSERT) inside every write transaction and deleted when
 * the recording is finished or closed.  Another recorder may take it only once it has expired, or
 * when its holder is confirmed gone (same host, process no longer running), or when told to take
 * over.  Rows and plain SQL, no file lock: the same statements work on PostgreSQL.
 */
#define _XOPEN_SOURCE 700 /* gethostname, gmtime_r */
#include "error.h"
#include "record.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The claim row as read back. */
typedef struct holder {
    char name[128], host[256];
    int64_t pid, since_ms, expires_ms;
} holder;

void dt_rec_claim_host(char out[256])
{
    if (gethostname(out, 255) != 0)
        out[0] = '\0';
    out[255] = '\0';
}

/* 1 and *h filled when session sid has a claim row; 0 when none; -1 on a store error (*rc set). */
static int read_holder(dt_recorder *rec, int64_t sid, holder *h, int *rc)
{
    static const char sql[] = "SELECT holder, host, pid, since_ms, expires_ms FROM claims"
                              " WHERE sid = $1";
    rdb_stmt *st = NULL;
    int found = 0;
    *rc = rdb_prepare(rec->db, sql, &st);
    if (*rc == RDB_OK)
        *rc = rdb_bind_i64(st, 1, sid);
    if (*rc == RDB_OK && (*rc = rdb_step(st)) == RDB_ROW) {
        snprintf(h->name, sizeof h->name, "%s", rdb_col_str(st, 0));
        snprintf(h->host, sizeof h->host, "%s", rdb_col_str(st, 1));
        h->pid = rdb_col_i64(st, 2);
        h->since_ms = dt_rec_col_ms(st, 3);
        h->expires_ms = dt_rec_col_ms(st, 4);
        found = 1;
    }
    if (*rc == RDB_ROW || *rc == RDB_DONE)
        *rc = RDB_OK;
    rdb_finalize(st);
    return *rc == RDB_OK ? found : -1;
}

/* The holder is confirmed gone: it ran on this host and its process no longer exists.  (A pid
 * reused since by another process looks alive: the claim then waits for its expiry.) */
static int holder_gone(const holder *h)
{
    char host[256];
    dt_rec_claim_host(host);
    if (!host[0] || strcmp(host, h->host) != 0 || h->pid <= 0 || h->pid > 0x7fffffff)
        return 0;
    return kill((pid_t)h->pid, 0) != 0 && errno == ESRCH;
}

static void utc(int64_t ms, char *buf, size_t size)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        snprintf(buf, size, "?");
}

static dt_status refuse(dt_recorder *rec, const holder *h, dt_error *err)
{
    char since[40], until[40];
    utc(h->since_ms, since, sizeof since);
    utc(h->expires_ms, until, sizeof until);
    return dt_err_error(err, DT_ESTATE, rec->path, 0, 0, "record-claimed",
                        "the session is held by agent '%s' on host '%s' (process %lld) since %s "
                        "(until %s unless renewed): one agent at a time; wait until that agent "
                        "quits, or take it over if that agent is gone",
                        h->name, h->host, (long long)h->pid, since, until);
}

static int upsert(dt_recorder *rec, int64_t sid, const char *agent, int force)
{
    /* The WHERE repeats the decision so that a store without the read lock taken above (no
     * BEGIN IMMEDIATE: PostgreSQL) still never steals a live claim: the count of changed rows
     * says whether it was taken. */
    static const char sql[] =
        "INSERT INTO claims(sid, holder, host, pid, since_ms, expires_ms, token)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT(sid) DO UPDATE SET holder = excluded.holder, host = excluded.host,"
        " pid = excluded.pid, since_ms = excluded.since_ms, expires_ms = excluded.expires_ms,"
        " token = excluded.token"
        " WHERE claims.expires_ms <= excluded.since_ms OR $8 <> 0";
    char host[256];
    dt_rec_claim_host(host);
    int64_t now = dt_rec_now(rec), n = 0;
    rdb_stmt *st = NULL;
    int rc = rdb_prepare(rec->db, sql, &st);
    rc = rc ? rc : rdb_bind_i64(st, 1, sid);
    rc = rc ? rc : rdb_bind_text(st, 2, agent ? agent : "");
    rc = rc ? rc : rdb_bind_text(st, 3, host);
    rc = rc ? rc : rdb_bind_i64(st, 4, (int64_t)getpid());
    rc = rc ? rc : rdb_bind_i64(st, 5, now);
    rc = rc ? rc : rdb_bind_i64(st, 6, now + rec->claim_ms);
    rc = rc ? rc : rdb_bind_text(st, 7, rec->claim_token);
    rc = rc ? rc : rdb_bind_i64(st, 8, force);
    rc = rc ? rc : rdb_run(st, &n);
    if (rc == RDB_OK && n != 1)
        rc = RDB_EBUSY;
    rdb_finalize(st);
    return rc;
}

/* Inside the caller's transaction: take the claim or say who holds it. */
static dt_status take(dt_recorder *rec, int64_t sid, const char *agent, int take_over,
                      int *took_over, dt_error *err)
{
    holder h;
    int rc;
    int found = read_holder(rec, sid, &h, &rc);
    if (found < 0)
        return dt_rec_sqlerr(rec, err, rc, "claiming the session");
    int live = found && h.expires_ms > dt_rec_now(rec);
    int gone = live && holder_gone(&h);
    if (live && !gone && !take_over)
        return refuse(rec, &h, err);
    /* Taken over: from a live holder, or, when asked to take it, from one who never let go (a
     * claim row is deleted on release) even if its lease lapsed: a server's lapses at once. */
    *took_over = live || (found && take_over);
    rc = upsert(rec, sid, agent, live);
    int again = 0;
    if (rc == RDB_EBUSY && read_holder(rec, sid, &h, &again) == 1) /* taken meanwhile, elsewhere */
        return refuse(rec, &h, err);
    return rc == RDB_OK ? DT_OK : dt_rec_sqlerr(rec, err, rc, "claiming the session");
}

dt_status dt_rec_claim(dt_recorder *rec, int64_t sid, const char *agent, int take_over,
                       int *took_over, dt_error *err)
{
    int dummy = 0;
    if (!took_over)
        took_over = &dummy;
    *took_over = 0;
    if (dt_rec_uuid(rec->claim_token) != 0)
        return dt_err_error(err, DT_EIO, NULL, 0, 0, "record", "no random bytes for a claim");
    int own = !rdb_in_tx(rec->db); /* begin's insert already holds a transaction */
    int rc = own ? rdb_begin(rec->db, 1) : RDB_OK;
    if (rc != RDB_OK)
        return dt_rec_sqlerr(rec, err, rc, "claiming the session");
    dt_status st = take(rec, sid, agent, take_over, took_over, err);
    if (own && st == DT_OK && (rc = rdb_commit(rec->db)) != RDB_OK)
        st = dt_rec_sqlerr(rec, err, rc, "claiming the session");
    if (own && st != DT_OK)
        rdb_rollback(rec->db);
    rec->claimed = st == DT_OK;
    rec->claim_until = rec->claim_sent = 0; /* the first write renews it */
    return st;
}

/* An UPDATE of the claim at every answer was a new row version and its WAL for the server to
 * write while the agents wait; it is renewed once RENEW_GAP_MS (half of a shorter lease) has
 * gone since the last committed renewal, checked otherwise, so a claim still lapses within that
 * much of a full lease after its holder's last write.  SQLite holds the database's write lock
 * through the transaction: its renewal costs little. */
#define RENEW_GAP_MS 30000
int dt_rec_claim_checked_only(const dt_recorder *rec, int64_t now)
{
    int64_t gap = rec->claim_ms / 2 < RENEW_GAP_MS ? rec->claim_ms / 2 : RENEW_GAP_MS;
    /* A lease of 0 (dtree serve's: any instance may take the session at once) has nothing to
     * renew: the check of the token is all its writes need. */
    return dt_rec_is_pg(rec) &&
           (rec->claim_ms == 0 || rec->claim_until - now > rec->claim_ms - gap);
}

int dt_rec_claim_renew(dt_recorder *rec, int64_t now, int *check)
{
    static const char sql[] = "UPDATE claims SET expires_ms = $1 WHERE sid = $2 AND token = $3";
    rec->claim_sent = 0;
    *check = 0;
    if (!rec->claimed)
        return RDB_OK;
    if (dt_rec_claim_checked_only(rec, now)) {
        *check = 1; /* by the write's first INSERT (dt_rec_claim_held_sql): a statement less */
        return RDB_OK;
    }
    rdb_stmt *st = NULL;
    int rc = rdb_prepare(rec->db, sql, &st);
    if (rc == RDB_OK) /* checked by the store: in a batch, nothing after it is written */
        rdb_expect(st, 1, REC_CLAIM_LOST);
    rc = rc ? rc : rdb_bind_i64(st, 1, now + rec->claim_ms);
    rc = rc ? rc : rdb_bind_i64(st, 2, rec->sid);
    rc = rc ? rc : rdb_bind_text(st, 3, rec->claim_token);
    rc = rc ? rc : rdb_run(st, NULL);
    rdb_finalize(st);
    if (rc == RDB_OK)
        rec->claim_sent = now + rec->claim_ms;
    return rc;
}

/* The claim row is read, not written, and locked FOR SHARE: a take-over's upsert (or a release's
 * DELETE) waits for this transaction to end, and one committed first leaves no row of ours
 * (another token), so the INSERT adds no row: refused as the renewal's UPDATE would refuse it. */
size_t dt_rec_claim_held_sql(int token_param, char *buf, size_t size)
{
    int n = snprintf(buf, size, " AND EXISTS (SELECT 1 FROM claims dtree_c WHERE dtree_c.sid = $1"
                                " AND dtree_c.token = $%d FOR SHARE)",
                     token_param);
    return n < 0 ? size : (size_t)n;
}

int dt_rec_absent(dt_recorder *rec, const char *sql, int with_sid, const char *text)
{
    rdb_stmt *st = NULL;
    int k = 1, got = rdb_prepare(rec->db, sql, &st);
    got = got || !with_sid ? got : rdb_bind_i64(st, k++, rec->sid);
    got = got ? got : rdb_bind_text(st, k, text);
    got = got ? got : rdb_step(st);
    rdb_finalize(st);
    return got == RDB_DONE; /* unread (a failure): not known to be absent */
}

int dt_rec_claim_refusal(dt_recorder *rec, int rc)
{
    static const char sql[] = "SELECT 1 FROM claims WHERE sid = $1 AND token = $2";
    if (rc != REC_OUT_OF_ORDER)
        return rc;
    rdb_rollback(rec->db); /* the failed write's transaction, so that the claim can be read */
    return dt_rec_absent(rec, sql, 1, rec->claim_token) ? REC_CLAIM_LOST : rc;
}

void dt_rec_claim_committed(dt_recorder *rec)
{
    if (rec->claim_sent)
        rec->claim_until = rec->claim_sent;
    rec->claim_sent = 0;
}

/* Who holds it now (for the message after a lost claim); "" when unknown. */
void dt_rec_claim_lost_msg(dt_recorder *rec, char *buf, size_t size)
{
    holder h;
    int rc;
    char since[40];
    if (read_holder(rec, rec->sid, &h, &rc) == 1) {
        utc(h.since_ms, since, sizeof since);
        snprintf(buf, size, "recording stopped: agent '%s' on host '%s' took this session over at "
                 "%s; the %zu event%s since then cannot be saved to it", h.name, h.host, since,
                 rec->npend, rec->npend == 1 ? "" : "s");
    } else {
        snprintf(buf, size, "recording stopped: this session's claim was removed by another "
                 "program; the %zu event%s since then cannot be saved to it", rec->npend,
                 rec->npend == 1 ? "" : "s");
    }
}

void dt_rec_claim_release(dt_recorder *rec)
{
    static const char sql[] = "DELETE FROM claims WHERE sid = $1 AND token = $2";
    if (!rec->claimed || !rec->db)
        return;
    rdb_stmt *st = NULL;
    int rc = rdb_prepare(rec->db, sql, &st);
    rc = rc ? rc : rdb_bind_i64(st, 1, rec->sid);
    rc = rc ? rc : rdb_bind_text(st, 2, rec->claim_token);
    if (rc == RDB_OK)
        rdb_run(st, NULL); /* a failure leaves the row to expire; this process is leaving anyway */
    rdb_finalize(st);
    rec->claimed = 0;
}
