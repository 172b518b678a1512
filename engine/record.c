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

static const char *advice(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_NOTADB: return "not a dtree recording database (not an SQLite file)";
    case SQLITE_CORRUPT: return "the database file is corrupt: move it aside (keep it for "
                                "`sqlite3 FILE .recover`) and record into a new one";
    case SQLITE_READONLY: return "the database is read-only: check the permissions of the file "
                                 "and of its directory";
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return "the database stayed locked by another process for longer than the "
                               "busy timeout";
    case SQLITE_FULL: return "the disk (or the database's size limit) is full";
    case SQLITE_CANTOPEN: return "cannot open the database file (does its directory exist?)";
    case SQLITE_IOERR: return "input/output error writing the database";
    case SQLITE_NOMEM: return "out of memory";
    default: return NULL;
    }
}

void dt_rec_sqlmsg(dt_recorder *rec, int rc, const char *what, char *buf, size_t size)
{
    const char *why = advice(rc);
    const char *sq = rec && rec->db ? sqlite3_errmsg(rec->db) : sqlite3_errstr(rc);
    snprintf(buf, size, "%s: %s (sqlite: %s)", what, why ? why : sqlite3_errstr(rc), sq);
}

dt_status dt_rec_sqlerr(dt_recorder *rec, dt_error *err, int rc, const char *what)
{
    char buf[400];
    dt_rec_sqlmsg(rec, rc, what, buf, sizeof buf);
    int base = rc & 0xff;
    dt_status st = base == SQLITE_NOMEM ? DT_ENOMEM
                   : base == SQLITE_NOTADB || base == SQLITE_CORRUPT ? DT_EINVALID
                                                                      : DT_EIO;
    return dt_err_error(err, st, rec ? rec->path : NULL, 0, 0, "record", "%s", buf);
}

int dt_rec_exec(dt_recorder *rec, const char *sql)
{
    return sqlite3_exec(rec->db, sql, NULL, NULL, NULL);
}

/* Create the file ourselves so that it is born 0600: recordings are customer data. */
static dt_status create_private(const char *path, dt_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        close(fd);
        return DT_OK;
    }
    if (errno == EEXIST)
        return DT_OK;
    return dt_err_error(err, DT_EIO, path, 0, 0, "record", "cannot create the database: %s",
                        strerror(errno));
}

static dt_status set_wal(dt_recorder *rec, dt_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(rec->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *mode = (const char *)sqlite3_column_text(st, 0);
        rc = mode && strcmp(mode, "wal") == 0 ? SQLITE_OK : SQLITE_CANTOPEN;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK)
        return dt_rec_sqlerr(rec, err, rc, "switching to WAL mode");
    rc = dt_rec_exec(rec, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON");
    return rc == SQLITE_OK ? DT_OK : dt_rec_sqlerr(rec, err, rc, "setting up the connection");
}

static dt_status open_db(dt_recorder *rec, dt_error *err)
{
    int ro = (rec->flags & DT_REC_READONLY) != 0;
    if (!ro && !(rec->flags & DT_REC_NOCREATE) && create_private(rec->path, err) != DT_OK)
        return DT_EIO;
    if (ro && access(rec->path, F_OK) != 0)
        return dt_err_error(err, DT_EIO, rec->path, 0, 0, "record",
                            "no recording database here (%s)", strerror(errno));
    int oflags = (ro ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(rec->path, &rec->db, oflags, NULL);
    if (rc != SQLITE_OK)
        return dt_rec_sqlerr(rec, err, rc, "opening the database");
    sqlite3_extended_result_codes(rec->db, 1);
    sqlite3_busy_timeout(rec->db, rec->busy_ms);
    if (!ro && sqlite3_db_readonly(rec->db, "main") == 1)
        return dt_err_error(err, DT_EIO, rec->path, 0, 0, "record",
                            "the database is read-only: check the permissions of the file and "
                            "of its directory, or choose another with --db");
    dt_status st = dt_rec_schema_upgrade(rec, 0, err);
    if (st == DT_OK && !ro)
        st = set_wal(rec, err);
    return st;
}

dt_status dt_recorder_open(const char *path, unsigned flags, dt_recorder **out, dt_error *err)
{
    if (!out || (*out = NULL, !path || !*path))
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record", "no database path given");
    dt_recorder *rec = dt_calloc(1, sizeof *rec);
    if (!rec || !(rec->path = dt_strdup(path))) {
        dt_free(rec);
        return dt_err_error(err, DT_ENOMEM, path, 0, 0, "record", "out of memory");
    }
    rec->flags = flags;
    rec->busy_ms = DEFAULT_BUSY_MS;
    dt_status st = open_db(rec, err);
    if (st != DT_OK) {
        dt_recorder_close(rec);
        return st;
    }
    *out = rec;
    return DT_OK;
}

void dt_recorder_close(dt_recorder *rec)
{
    if (!rec)
        return;
    if (rec->session) {
        dt_rec_write_pending(rec); /* best effort: dt_recorder_finish is where failures show */
        dt_rec_detach(rec);
    }
    dt_rec_pending_clear(rec);
    dt_free(rec->pend);
    sqlite3_finalize(rec->ins_event);
    sqlite3_finalize(rec->upd_session);
    sqlite3_close_v2(rec->db);
    dt_free(rec->path);
    dt_free(rec);
}

void dt_recorder_set_busy_timeout(dt_recorder *rec, int ms)
{
    if (!rec)
        return;
    rec->busy_ms = ms < 0 ? 0 : ms;
    if (rec->db)
        sqlite3_busy_timeout(rec->db, rec->busy_ms);
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
    static const char *const names[] = {"active", "completed", "abandoned", "transferred",
                                        "timed_out"};
    return (unsigned)st < sizeof names / sizeof names[0] ? names[st] : "active";
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
    static const char sql[] =
        "INSERT INTO sessions(uuid, tree_id, tree_version, tree_hash, tree_path, agent, mode,"
        " host, started_ms, last_ms, status) VALUES (?,?,?,?,?,?,?,?,?,?,'active')";
    const char *mode = m && m->mode ? m->mode : "agent";
    if (!mode_ok(mode))
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record",
                            "mode '%s' is not one of agent, kiosk, scripted", mode);
    sqlite3_stmt *st = NULL;
    int64_t now = dt_rec_now(rec);
    char abs[PATH_MAX]; /* so that show and resume find the file from any directory */
    const char *path = realpath(dt_tree_path(tree), abs) ? abs : dt_tree_path(tree);
    int rc = sqlite3_prepare_v2(rec->db, sql, -1, &st, NULL);
    const char *txt[] = {rec->uuid,          dt_tree_id(tree),   dt_tree_version(tree),
                         dt_tree_hash(tree), path,               m ? nz(m->agent) : "",
                         mode,               m ? nz(m->host) : ""};
    for (int i = 0; rc == SQLITE_OK && i < 8; i++)
        rc = sqlite3_bind_text(st, i + 1, txt[i], -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 9, now);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 10, now);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return dt_rec_sqlerr(rec, err, rc, "creating the session record");
    *sid = sqlite3_last_insert_rowid(rec->db);
    return DT_OK;
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
    if (dt_rec_uuid(uuid) != 0)
        return dt_err_error(err, DT_EIO, NULL, 0, 0, "record", "no random bytes for a session id");
    memcpy(rec->uuid, uuid, sizeof uuid);
    int64_t sid = 0;
    dt_status st = insert_session(rec, tree, meta, &sid, err);
    if (st == DT_OK)
        st = dt_rec_attach(rec, s, tree, sid, uuid, 1, err);
    if (st == DT_OK && dt_rec_queue_initial_vars(rec) != 0)
        st = dt_err_error(err, DT_ENOMEM, NULL, 0, 0, "record", "out of memory");
    if (st == DT_OK)
        dt_rec_write_pending(rec); /* a failure stays queued and visible: dt_recorder_failed */
    if (st != DT_OK && rec->session) {
        dt_rec_pending_clear(rec);
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
    return dt_err_error(err, DT_EIO, rec->path, 0, 0, "record", "%s", rec->msg);
}

static int close_row(dt_recorder *rec, dt_rec_status status)
{
    static const char sql[] = "UPDATE sessions SET status = ?1,"
                              " ended_ms = CASE WHEN ?1 = 'active' THEN NULL ELSE ?2 END,"
                              " last_ms = max(last_ms, ?2) WHERE sid = ?3";
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(rec->db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 1, dt_rec_status_name(status), -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 2, dt_rec_now(rec));
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 3, rec->sid);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

dt_status dt_recorder_set_outcome(dt_recorder *rec, const char *outcome, dt_error *err)
{
    if (!rec || !rec->session)
        return dt_err_error(err, DT_ESTATE, NULL, 0, 0, "record", "no session is being recorded");
    if (!outcome || !*outcome)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record", "an outcome is needed");
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(rec->db, "UPDATE sessions SET outcome = ?1 WHERE sid = ?2", -1, &st,
                                NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 1, outcome, -1, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 2, rec->sid);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
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
    if (rc != SQLITE_OK) {
        dt_rec_sqlmsg(rec, rc, "closing the session record", rec->msg, sizeof rec->msg);
        rec->failed = 1;
        return dt_rec_sqlerr(rec, err, rc, "closing the session record");
    }
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

const char *dt_recorder_session_id(const dt_recorder *rec)
{
    return rec && rec->session ? rec->uuid : "";
}

dt_status dt_recorder_feedback(dt_recorder *rec, const char *text, dt_error *err)
{
    if (!rec || !rec->session || !text)
        return dt_err_error(err, DT_ESTATE, NULL, 0, 0, "record", "no session is being recorded");
    const dt_view *v = dt_session_view(rec->session);
    if (dt_rec_queue(rec, "feedback", v ? v->tree_id : "", v ? v->step_id : "", text, NULL) != 0)
        return dt_err_error(err, DT_ENOMEM, NULL, 0, 0, "record", "out of memory");
    return dt_recorder_flush(rec, err);
}
