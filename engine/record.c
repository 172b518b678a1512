/*
 * record.c — the recorder object: opening the database safely, starting and finishing the
 * recording of one session, and turning SQLite failures into messages a person can act on.
 * Invariant: rec->session is non-NULL exactly while the recorder is the session's observer.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "error.h"
#include "mem.h"
#include "record.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_BUSY_MS 10000

int64_t dt_rec_now(dt_recorder *rec)
{
    if (rec->clock)
        return rec->clock(rec->clock_ud);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int dt_rec_uuid(char out[37])
{
    unsigned char b[16];
    size_t got = 0;
    while (got < sizeof b) {
        ssize_t n = getrandom(b + got, sizeof b - got, 0);
        if (n < 0 && errno != EINTR)
            return -1;
        got += n > 0 ? (size_t)n : 0;
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    static const char hex[] = "0123456789abcdef";
    char *p = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *p++ = '-';
        *p++ = hex[b[i] >> 4];
        *p++ = hex[b[i] & 15];
    }
    *p = '\0';
    return 0;
}

/* 1 when s is a UUID's text: 8-4-4-4-12 lower-case hex digits. */
static int uuid_text(const char *s)
{
    for (int i = 0; i < 36; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    }
    return s[36] == '\0';
}

static const char *advice(const dt_recorder *rec, int rc)
{
    int pg = rec && dt_rec_is_pg(rec);
    switch (rc) {
    case RDB_ENOTADB: return "not a dtree recording database (not an SQLite file)";
    case RDB_ECORRUPT: return "the database file is corrupt: move it aside (keep it for "
                              "`sqlite3 FILE .recover`) and record into a new one";
    case RDB_EREADONLY: return pg ? "the database (or this connection) is read-only: record "
                                    "into the primary server, not a replica"
                                  : "the database is read-only: check the permissions of the "
                                    "file and of its directory";
    case RDB_EBUSY: return "the database stayed locked by another process for longer than the "
                           "busy timeout";
    case RDB_EFULL: return pg ? "the database server's disk is full"
                              : "the disk (or the database's size limit) is full";
    case RDB_ECANTOPEN: return pg ? "the server has no such database: create it (createdb) or "
                                    "check its name"
                                  : "cannot open the database file";
    case RDB_EIO: return "input/output error writing the database";
    case RDB_ENOMEM: return "out of memory";
    case RDB_EDENIED: return "the database role lacks the right to do this: grant it as "
                             "docs/recording.md (\"Roles\") shows, or use a role that has it";
    case RDB_ECONN: return "cannot reach the PostgreSQL server: check the host, the port and that "
                           "the server runs";
    case RDB_EAUTH: return "the PostgreSQL server refused the login: check the user name and the "
                           "password (keep it in ~/.pgpass, PGPASSFILE or a service file, never "
                           "in --db)";
    case RDB_ECONSTRAINT: return "the database refused the row (a duplicate or an invalid value)";
    case REC_OUT_OF_ORDER: return "the database already holds this event or a later one of the "
                                  "session (another writer?): nothing was merged";
    default: return NULL;
    }
}

void dt_rec_sqlmsg(dt_recorder *rec, int rc, const char *what, char *buf, size_t size)
{
    const char *why = advice(rec, rc);
    char real[PATH_MAX + 128];
    if (rec && rec->path && !dt_rec_is_pg(rec) &&
        (rc == RDB_ECANTOPEN || rc == RDB_EREADONLY || rc == RDB_EIO)) {
        /* say what is really wrong when we can */
        const char *p = dt_rec_path_problem(rec->path, !(rec->flags & DT_REC_READONLY), real,
                                            sizeof real);
        why = p ? p : why;
    }
    const char *raw = rec && rec->db && rc != REC_OUT_OF_ORDER ? rdb_errmsg(rec->db, rc) : "";
    if (*raw)
        snprintf(buf, size, "%s: %s (%s)", what, why ? why : rdb_rc_name(rc), raw);
    else
        snprintf(buf, size, "%s: %s", what, why ? why : rdb_rc_name(rc));
}

dt_status dt_rec_sqlerr(dt_recorder *rec, dt_error *err, int rc, const char *what)
{
    char buf[640];
    dt_rec_sqlmsg(rec, rc, what, buf, sizeof buf);
    dt_status st = rc == RDB_ENOMEM                          ? DT_ENOMEM
                   : rc == RDB_ENOTADB || rc == RDB_ECORRUPT ? DT_EINVALID
                                                             : DT_EIO;
    return dt_err_error(err, st, rec ? rec->path : NULL, 0, 0, "record", "%s", buf);
}

int dt_rec_exec(dt_recorder *rec, const char *sql)
{
    return rdb_exec(rec->db, sql);
}

int dt_rec_store_is_pg(const char *db)
{
    return rdb_is_pg(db);
}

void dt_rec_store_mask(const char *db, char *buf, size_t size)
{
    if (buf && size)
        rdb_mask(db, buf, size);
}

void dt_rec_store_scrub(char *db)
{
    if (db)
        rdb_scrub(db);
}

int dt_rec_is_pg(const dt_recorder *rec)
{
    return rec->db ? rec->db->kind == RDB_PG : rdb_is_pg(rec->where);
}

static dt_status open_sqlite(dt_recorder *rec, dt_error *err)
{
    int ro = (rec->flags & DT_REC_READONLY) != 0;
    char why[PATH_MAX + 128];
    if (!ro && !(rec->flags & DT_REC_NOCREATE) && dt_rec_create_private(rec->path, err) != DT_OK)
        return DT_EIO;
    if (ro && access(rec->path, F_OK) != 0)
        return dt_err_error(err, DT_EIO, rec->path, 0, 0, "record",
                            "no recording database here (%s)", strerror(errno));
    if (dt_rec_path_problem(rec->path, 0, why, sizeof why)) /* a directory, say, before SQLite */
        return dt_err_error(err, DT_EIO, rec->path, 0, 0, "record", "cannot use the database: %s",
                            why);
    int rc = rdb_sqlite_open(rec->path, ro, rec->busy_ms, dt_rec_busy, rec, &rec->db);
    if (rc != RDB_OK)
        return dt_rec_sqlerr(rec, err, rc, "opening the database");
    if (!ro && rdb_sqlite_db_readonly(rec->db)) {
        const char *p = dt_rec_path_problem(rec->path, 1, why, sizeof why);
        return dt_err_error(err, DT_EIO, rec->path, 0, 0, "record",
                            "the database is read-only: %s",
                            p ? p : "check the permissions of the file and of its directory, or "
                                    "choose another with --db");
    }
    dt_status st = dt_rec_schema_upgrade(rec, 0, err);
    if (st == DT_OK && (rc = rdb_ready(rec->db, ro)) != RDB_OK)
        st = dt_rec_sqlerr(rec, err, rc, "setting up the connection");
    if (st == DT_OK)
        dt_rec_ident_take(rec);
    return st;
}

static dt_status open_pg(dt_recorder *rec, dt_error *err)
{
    int ro = (rec->flags & DT_REC_READONLY) != 0;
    char msg[512];
    int rc = rdb_pg_open(rec->where, ro, rec->busy_ms, &rec->db, msg, sizeof msg);
    if (rc != RDB_OK)
        return dt_rec_sqlerr(rec, err, rc, "connecting to the database");
    if ((rc = rdb_ready(rec->db, ro)) != RDB_OK)
        return dt_rec_sqlerr(rec, err, rc, "setting up the connection");
    return dt_rec_schema_upgrade(rec, 0, err);
}

dt_status dt_recorder_open(const char *path, unsigned flags, dt_recorder **out, dt_error *err)
{
    if (!out || (*out = NULL, !path || !*path))
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record", "no database path given");
    dt_recorder *rec = dt_calloc(1, sizeof *rec);
    char shown[1024];
    rdb_mask(path, shown, sizeof shown); /* every message names the store without its password */
    if (!rec || !(rec->where = dt_strdup(path)) || !(rec->path = dt_strdup(shown))) {
        if (rec)
            dt_free(rec->where);
        dt_free(rec);
        return dt_err_error(err, DT_ENOMEM, NULL, 0, 0, "record", "out of memory");
    }
    rec->flags = flags;
    rec->busy_ms = DEFAULT_BUSY_MS;
    rec->claim_ms = REC_CLAIM_MS;
    dt_status st = rdb_is_pg(path) ? open_pg(rec, err) : open_sqlite(rec, err);
    if (st != DT_OK) {
        dt_recorder_close(rec);
        return st;
    }
    *out = rec;
    return DT_OK;
}

dt_status dt_recorder_open_shared(dt_recorder *base, dt_recorder **out, dt_error *err)
{
    if (!out || (*out = NULL, !base || !base->db || (base->flags & DT_REC_READONLY)))
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record",
                            "a shared recorder needs an open, writable base recorder");
    dt_recorder *rec = dt_calloc(1, sizeof *rec);
    if (!rec || !(rec->where = dt_strdup(base->where)) || !(rec->path = dt_strdup(base->path))) {
        if (rec)
            dt_free(rec->where);
        dt_free(rec);
        return dt_err_error(err, DT_ENOMEM, NULL, 0, 0, "record", "out of memory");
    }
    rec->db = base->db;
    rec->shared_db = 1;
    rec->flags = base->flags;
    rec->busy_ms = base->busy_ms;
    rec->claim_ms = REC_CLAIM_MS;
    rec->group = base->group;
    rec->batch = base->batch;
    memcpy(rec->ident, base->ident, sizeof rec->ident);
    *out = rec;
    return DT_OK;
}

dt_status dt_recorder_rebase(dt_recorder *rec, dt_recorder *base, dt_error *err)
{
    if (!rec || !base || !rec->shared_db || base->shared_db || !base->db || !rec->where ||
        !base->where || strcmp(rec->where, base->where) != 0 || rec->flags != base->flags)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record",
                            "a shared recorder moves only onto another base of its store, between "
                            "writes");
    rec->db = base->db;
    rec->group = base->group;
    rec->batch = base->batch;
    return DT_OK;
}

/* The connection string may hold a password: not left in freed memory (or a core dump). */
static void wipe_free(char *s)
{
    if (!s)
        return;
    for (volatile char *p = s; *p; p++)
        *p = '\0';
    dt_free(s);
}

void dt_recorder_close(dt_recorder *rec)
{
    if (!rec)
        return;
    if (rec->session) {
        dt_rec_write_pending(rec); /* best effort: dt_recorder_finish is where failures show */
        dt_rec_claim_release(rec);
        dt_rec_detach(rec);
    }
    dt_rec_pending_clear(rec);
    dt_rec_seal_clear(rec);
    dt_rec_spool_free(rec);
    dt_free(rec->pend);
    if (!rec->shared_db) {
        dt_rec_group_free(rec->group);
        rdb_close(rec->db);
    }
    dt_free(rec->path);
    wipe_free(rec->where);
    dt_free(rec->resume_agent);
    dt_free(rec);
}

void dt_recorder_set_busy_timeout(dt_recorder *rec, int ms)
{
    if (!rec)
        return;
    rec->busy_ms = ms < 0 ? 0 : ms;
    if (!rec->shared_db) /* the connection's handler stays its base's, which outlives this one */
        rdb_sqlite_set_busy(rec->db, dt_rec_busy, rec);
}

void dt_recorder_set_wait_fn(dt_recorder *rec, void (*fn)(void *user, const char *path),
                             void *user)
{
    if (rec) {
        rec->wait_fn = fn;
        rec->wait_user = fn ? user : NULL;
    }
}

/* SQLite's busy handler: wait up to busy_ms in growing steps, and once per wait, after
 * REC_WAIT_TELL_MS, tell the front end that we are waiting (the screen would otherwise freeze
 * for up to the whole timeout without a word). */
int dt_rec_busy(void *user, int count)
{
    dt_recorder *rec = user;
    if (count == 0) {
        rec->waited_ms = 0;
        rec->wait_told = 0;
    }
    if (rec->waited_ms >= rec->busy_ms)
        return 0;
    int step = count < 5 ? 1 << count : count < 8 ? 20 : 100; /* 1 2 4 8 16 20 20 20 100 ... */
    if (step > rec->busy_ms - rec->waited_ms)
        step = rec->busy_ms - rec->waited_ms;
    struct timespec ts = {step / 1000, (long)(step % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
    rec->waited_ms += step;
    if (!rec->wait_told && rec->waited_ms >= REC_WAIT_TELL_MS && rec->wait_fn) {
        rec->wait_told = 1;
        rec->wait_fn(rec->wait_user, rec->path);
    }
    return 1;
}

void dt_recorder_set_clock(dt_recorder *rec, int64_t (*fn)(void *user), void *user)
{
    if (rec) {
        rec->clock = fn;
        rec->clock_ud = user;
    }
}

const char *dt_rec_status_name(dt_rec_status st)
{
#define STATUS_NAME(e, name) name,
    static const char *const names[] = {DT_REC_STATUS_LIST(STATUS_NAME)};
#undef STATUS_NAME
    return (unsigned)st < sizeof names / sizeof names[0] ? names[st] : names[DT_REC_ACTIVE];
}

#define KIND_NAME(e, name) name,
static const char *const rec_kinds[] = {DT_EVENT_KIND_LIST(KIND_NAME)
                                            DT_REC_EVENT_KIND_LIST(KIND_NAME)};
#undef KIND_NAME

/* a recorded engine kind is the engine event of the same number */
_Static_assert((int)DT_RK_END == (int)DT_EV_END && (int)DT_RK_START == (int)DT_EV_START,
               "DT_RK_* follows DT_EVENT_KIND_LIST");

const char *dt_rec_kind_name(dt_rec_kind k)
{
    return (unsigned)k < sizeof rec_kinds / sizeof rec_kinds[0] ? rec_kinds[k] : "unknown";
}

dt_rec_kind dt_rec_kind_from_name(const char *name)
{
    for (size_t i = 0; name && i < sizeof rec_kinds / sizeof rec_kinds[0]; i++)
        if (strcmp(name, rec_kinds[i]) == 0)
            return (dt_rec_kind)i;
    return DT_RK_UNKNOWN;
}

dt_status dt_rec_status_from_name(const char *name, dt_rec_status *out)
{
    for (int i = 0; name && i < DT_REC_STATUS_COUNT; i++)
        if (strcmp(name, dt_rec_status_name((dt_rec_status)i)) == 0) {
            if (out)
                *out = (dt_rec_status)i;
            return DT_OK;
        }
    return DT_ENOTFOUND;
}

static int mode_ok(const char *m)
{
    return strcmp(m, "agent") == 0 || strcmp(m, "kiosk") == 0 || strcmp(m, "scripted") == 0;
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

static dt_status insert_session(dt_recorder *rec, const dt_tree *tree, const dt_record_meta *m,
                                int64_t *sid, dt_error *err)
{
    const char *mode = m && m->mode ? m->mode : "agent";
    if (!mode_ok(mode))
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record",
                            "mode '%s' is not one of agent, kiosk, scripted", mode);
    char abs[PATH_MAX]; /* so that show and resume find the file from any directory */
    const char *path = realpath(dt_tree_path(tree), abs) ? abs : dt_tree_path(tree);
    dt_rec_session row;
    memset(&row, 0, sizeof row);
    row.id = rec->uuid;
    row.tree_id = dt_tree_id(tree);
    row.tree_version = dt_tree_version(tree);
    row.tree_hash = dt_tree_hash(tree);
    row.tree_path = path;
    row.agent = m ? nz(m->agent) : "";
    row.mode = mode;
    row.host = m ? nz(m->host) : "";
    row.status = dt_rec_status_name(DT_REC_ACTIVE);
    row.started_ms = row.last_ms = dt_rec_now(rec);
    char sql[REC_COLS_MAX + 256];
    dt_rec_sql_insert(&dt_rec_sessions_def, sql, sizeof sql);
    rdb_stmt *st = NULL;
    int rc = rdb_prepare(rec->db, sql, &st);
    if (rc == RDB_OK)
        rc = dt_rec_bind_row(st, 1, &dt_rec_sessions_def, &row);
    if (rc == RDB_OK && (rc = rdb_step(st)) == RDB_ROW) /* RETURNING sid */
        *sid = rdb_col_i64(st, 0), rc = RDB_OK;
    else if (rc == RDB_DONE)
        rc = RDB_EOTHER;
    rdb_finalize(st);
    if (rc != RDB_OK)
        return dt_rec_sqlerr(rec, err, rc, "creating the session record");
    return DT_OK;
}

/* The session row and its claim, in one transaction: a new session is never unclaimed. */
static dt_status begin_row(dt_recorder *rec, const dt_tree *tree, const dt_record_meta *m,
                           int64_t *sid, dt_error *err)
{
    int rc = rdb_begin(rec->db, 1);
    if (rc != RDB_OK)
        return dt_rec_sqlerr(rec, err, rc, "creating the session record");
    dt_status st = insert_session(rec, tree, m, sid, err);
    if (st == DT_OK) {
        rec->sid = *sid;
        st = dt_rec_claim(rec, *sid, m ? m->agent : NULL, 0, NULL, err);
    }
    if (st == DT_OK && (rc = rdb_commit(rec->db)) != RDB_OK)
        st = dt_rec_sqlerr(rec, err, rc, "creating the session record");
    if (st != DT_OK) {
        rdb_rollback(rec->db);
        rec->claimed = 0;
        rec->sid = 0;
    }
    return st;
}

dt_status dt_recorder_begin(dt_recorder *rec, dt_session *s, const dt_tree *tree,
                            const dt_record_meta *meta, char id_out[37], dt_error *err)
{
    if (!rec || !s || !tree)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record", "recorder, session or tree missing");
    if (rec->session || (rec->flags & DT_REC_READONLY))
        return dt_err_error(err, DT_ESTATE, rec->path, 0, 0, "record",
                            rec->session ? "the recorder already records a session"
                                         : "the database was opened read-only");
    char uuid[37];
    if (meta && meta->new_id) {
        if (!uuid_text(meta->new_id))
            return dt_err_error(err, DT_EARG, NULL, 0, 0, "record",
                                "a session id is 36 characters of a UUID in lower-case hex");
        memcpy(uuid, meta->new_id, sizeof uuid);
    } else if (dt_rec_uuid(uuid) != 0)
        return dt_err_error(err, DT_EIO, NULL, 0, 0, "record", "no random bytes for a session id");
    memcpy(rec->uuid, uuid, sizeof uuid);
    int64_t sid = 0;
    dt_status st = begin_row(rec, tree, meta, &sid, err);
    if (st == DT_OK)
        st = dt_rec_attach(rec, s, tree, sid, uuid, 1, err);
    if (st == DT_OK && dt_rec_queue_initial_vars(rec) != 0)
        st = dt_err_error(err, DT_ENOMEM, NULL, 0, 0, "record", "out of memory");
    if (st == DT_OK)
        dt_rec_write_pending(rec); /* a failure stays queued and visible: dt_recorder_failed */
    if (st != DT_OK && rec->session) {
        dt_rec_pending_clear(rec);
        dt_rec_claim_release(rec);
        dt_rec_detach(rec);
    }
    if (st == DT_OK && id_out)
        memcpy(id_out, uuid, sizeof uuid);
    return st;
}

dt_status dt_recorder_flush(dt_recorder *rec, dt_error *err)
{
    if (!rec)
        return DT_EARG;
    if (rec->npend == 0 || dt_rec_write_pending(rec) == 0)
        return DT_OK;
    return dt_err_error(err, rec->last_rc == RDB_ENOMEM ? DT_ENOMEM : DT_EIO, rec->path, 0, 0,
                        "record", "%s", rec->msg);
}

static int close_row(dt_recorder *rec, dt_rec_status status)
{
    static const char sql[] = "UPDATE sessions SET status = $1,"
                              " ended_ms = CASE WHEN $1 = 'active' THEN NULL ELSE $2 END,"
                              " last_ms = greatest(last_ms, $2) WHERE sid = $3";
    rdb_stmt *st = NULL;
    int rc = rdb_prepare(rec->db, sql, &st);
    rc = rc ? rc : rdb_bind_text(st, 1, dt_rec_status_name(status));
    rc = rc ? rc : rdb_bind_i64(st, 2, dt_rec_now(rec));
    rc = rc ? rc : rdb_bind_i64(st, 3, rec->sid);
    rc = rc ? rc : rdb_run(st, NULL);
    rdb_finalize(st);
    return rc;
}

dt_status dt_recorder_set_outcome(dt_recorder *rec, const char *outcome, dt_error *err)
{
    if (!rec || !rec->session)
        return dt_err_error(err, DT_ESTATE, NULL, 0, 0, "record", "no session is being recorded");
    if (!outcome || !*outcome)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record", "an outcome is needed");
    rdb_stmt *st = NULL;
    int rc = rdb_prepare(rec->db, "UPDATE sessions SET outcome = $1 WHERE sid = $2", &st);
    rc = rc ? rc : rdb_bind_text(st, 1, outcome);
    rc = rc ? rc : rdb_bind_i64(st, 2, rec->sid);
    rc = rc ? rc : rdb_run(st, NULL);
    rdb_finalize(st);
    if (rc != RDB_OK)
        return dt_rec_sqlerr(rec, err, rc, "setting the session outcome");
    return DT_OK;
}

dt_status dt_recorder_finish(dt_recorder *rec, dt_rec_status status, dt_error *err)
{
    if (!rec || !rec->session)
        return dt_err_error(err, DT_ESTATE, NULL, 0, 0, "record", "no session is being recorded");
    dt_status st = dt_recorder_flush(rec, err);
    if (st != DT_OK)
        return st;
    int rc = close_row(rec, status);
    if (rc == RDB_OK)
        rc = dt_rec_seal_erase(rec); /* the session is over: nothing sealed stays for it */
    if (rc != RDB_OK && dt_recorder_spooling(rec) && dt_rec_spool_finish(rec, status, NULL) == DT_OK) {
        dt_rec_detach(rec); /* ended in the spool: uploaded with the rest of it */
        return DT_OK;
    }
    if (rc != RDB_OK) {
        dt_rec_sqlmsg(rec, rc, "closing the session record", rec->msg, sizeof rec->msg);
        rec->failed = 1;
        return dt_rec_sqlerr(rec, err, rc, "closing the session record");
    }
    dt_rec_claim_release(rec);
    dt_rec_detach(rec);
    return DT_OK;
}

int dt_recorder_failed(const dt_recorder *rec)
{
    return rec ? rec->failed : 0;
}

const char *dt_recorder_message(const dt_recorder *rec)
{
    return rec && rec->failed ? rec->msg : "";
}

size_t dt_recorder_pending(const dt_recorder *rec)
{
    return rec ? rec->npend : 0;
}

int dt_recorder_busy(const dt_recorder *rec)
{
    return rec && rec->failed && rec->npend > 0 && rec->last_rc == RDB_EBUSY && !dt_rec_is_pg(rec);
}

int dt_recorder_claim_lost(const dt_recorder *rec)
{
    return rec ? rec->lost : 0;
}

int dt_recorder_stopped(const dt_recorder *rec)
{
    return rec ? rec->lost || rec->tampered || rec->token_state < 0 : 0;
}

void dt_recorder_set_claim_ms(dt_recorder *rec, int64_t ms)
{
    if (rec)
        rec->claim_ms = ms < 0 ? 0 : ms;
}

const char *dt_recorder_session_id(const dt_recorder *rec)
{
    return rec && rec->session ? rec->uuid : "";
}

dt_status dt_recorder_feedback(dt_recorder *rec, const char *text, dt_error *err)
{
    if (!rec || !rec->session || !text)
        return dt_err_error(err, DT_ESTATE, NULL, 0, 0, "record", "no session is being recorded");
    const dt_view *v = dt_session_view(rec->session);
    if (dt_rec_queue(rec, dt_rec_kind_name(DT_RK_FEEDBACK), v ? v->tree_id : "", v ? v->step_id : "", text, NULL,
                     NULL) != 0)
        return dt_err_error(err, DT_ENOMEM, NULL, 0, 0, "record", "out of memory");
    return dt_recorder_flush(rec, err);
}
