/*
 * test_record.c — the recorder: schema creation and migration, refusing foreign/newer files,
 * one committed transaction per action, redaction, failure buffering (full disk, locked), queries
 * (list, lookup, transcript with the why, report) and resume (replay, sensitive stop, changed
 * tree, back/restart).  Databases live in a fresh temporary directory per test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dtree.h"
#include "support.h"
#include "record.h"
#include <sqlite3.h>

#define RAW(rec) ((sqlite3 *)rdb_sqlite_handle((rec)->db))

static const char TREE[] =
    "<tree id=\"t\" version=\"1\" title=\"T\" start=\"q1\">"
    "<var name=\"pin\" type=\"text\" sensitive=\"true\"/>"
    "<var name=\"n\" type=\"number\" value=\"0\"/>"
    "<var name=\"who\" type=\"text\" value=\"\"/>"
    "<question id=\"q1\"><say>First?</say>"
    "<choice id=\"a\" to=\"route\">Alpha<set var=\"n\" value=\"$n + 5\"/></choice>"
    "<choice id=\"b\" to=\"info1\">Beta</choice></question>"
    "<decide id=\"route\"><when test=\"$n &gt; LIMIT\" to=\"ask-pin\"/>"
    "<otherwise to=\"info1\"/></decide>"
    "<input id=\"ask-pin\" var=\"pin\" next=\"ask-name\"><say>PIN?</say></input>"
    "<input id=\"ask-name\" var=\"who\" next=\"info1\"><say>Name?</say></input>"
    "<info id=\"info1\" next=\"q2\"><say>Info SAY</say></info>"
    "<question id=\"q2\"><say>Done?</say><choice id=\"y\" to=\"fixed\">Yes</choice>"
    "<choice id=\"n\" to=\"left\">No</choice></question>"
    "<end id=\"fixed\" outcome=\"resolved\"><say>Bye</say></end>"
    "<end id=\"left\" outcome=\"escalated\"><say>Bye</say></end>"
    "</tree>";

/* the store of each test (sup_store_setup) */
static char *const dir = sup_store_dir, *const dbpath = sup_store_db;

static dt_tree *load_variant(const char *limit, const char *say)
{
    char buf[sizeof TREE + 64];
    const char *a = strstr(TREE, "LIMIT"), *b = strstr(TREE, "SAY");
    snprintf(buf, sizeof buf, "%.*s%s%.*s%s%s", (int)(a - TREE), TREE, limit,
             (int)(b - (a + 5)), a + 5, say, b + 3);
    dt_tree *t = NULL;
    dt_error *err = dt_error_new();
    dt_status st = dt_tree_load_memory(buf, strlen(buf), "t.xml", NULL, &t, err);
    if (st != DT_OK)
        fprintf(stderr, "%s\n", dt_error_text(err));
    assert_int_equal(st, DT_OK);
    dt_error_free(err);
    return t;
}

static dt_tree *load_tree(void)
{
    return load_variant("3", "");
}

static dt_recorder *open_rec(void)
{
    dt_recorder *rec = NULL;
    dt_error *err = dt_error_new();
    dt_status st = dt_recorder_open(dbpath, 0, &rec, err);
    if (st != DT_OK)
        fprintf(stderr, "%s\n", dt_error_text(err));
    assert_int_equal(st, DT_OK);
    dt_error_free(err);
    return rec;
}

/* One integer from SQL on a separate connection (what another process would see). */
static long long peek(const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    long long v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static dt_session *begin(dt_recorder *rec, dt_tree *t, const char *agent, char id[37])
{
    dt_session *s = NULL;
    assert_int_equal(dt_session_new(t, &s, NULL), DT_OK);
    dt_record_meta m = {.agent = agent, .mode = "scripted", .host = "host1", .take_over = 0};
    assert_int_equal(dt_recorder_begin(rec, s, t, &m, id, NULL), DT_OK);
    assert_int_equal(dt_session_start(s, NULL), DT_OK);
    return s;
}

static const char *cur(dt_session *s)
{
    return dt_session_view(s)->step_id;
}

/* dt_record_meta.new_id: the caller's id is the session's; a malformed or taken one is refused. */
static void test_caller_chosen_id(void **state)
{
    (void)state;
    static const char want[] = "0123abcd-4567-4def-8901-23456789abcd";
    dt_recorder *rec = open_rec(), *rec2 = open_rec();
    dt_tree *t = load_tree();
    dt_session *s = NULL, *s2 = NULL, *s3 = NULL;
    char id[37] = "";
    dt_record_meta bad = {.agent = "a", .new_id = "0123ABCD-4567-4def-8901-23456789abcd"};
    dt_record_meta m = {.agent = "a", .new_id = want};
    assert_int_equal(dt_session_new(t, &s, NULL), DT_OK);
    assert_int_equal(dt_recorder_begin(rec, s, t, &bad, id, NULL), DT_EARG);
    bad.new_id = "0123abcd-4567-4def-8901-23456789abc";
    assert_int_equal(dt_recorder_begin(rec, s, t, &bad, id, NULL), DT_EARG);
    assert_int_equal(dt_recorder_begin(rec, s, t, &m, id, NULL), DT_OK);
    assert_string_equal(id, want);
    assert_int_equal(peek("SELECT count(*) FROM sessions WHERE uuid = "
                          "'0123abcd-4567-4def-8901-23456789abcd'"), 1);
    assert_int_equal(dt_session_new(t, &s2, NULL), DT_OK);
    assert_int_not_equal(dt_recorder_begin(rec2, s2, t, &m, id, NULL), DT_OK);
    dt_recorder_close(rec2);
    rec2 = open_rec();
    assert_int_equal(dt_session_new(t, &s3, NULL), DT_OK);
    assert_int_equal(dt_recorder_begin(rec2, s3, t, NULL, id, NULL), DT_OK); /* still usable */
    assert_string_not_equal(id, want);
    dt_recorder_close(rec);
    dt_recorder_close(rec2);
    dt_session_free(s);
    dt_session_free(s2);
    dt_session_free(s3);
    dt_tree_free(t);
}

/* dt_recorder_open_shared: recorders on one connection record their own sessions; closing one
 * leaves the connection to the others; a read-only base is refused. */
static void test_shared_connection(void **state)
{
    (void)state;
    dt_recorder *base = open_rec(), *a = NULL, *b = NULL, *ro = NULL, *bad = NULL;
    dt_tree *t = load_tree();
    char ida[37], idb[37];
    assert_int_equal(dt_recorder_open_shared(base, &a, NULL), DT_OK);
    assert_int_equal(dt_recorder_open_shared(base, &b, NULL), DT_OK);
    dt_session *sa = begin(a, t, "ann", ida), *sb = begin(b, t, "bob", idb);
    assert_string_not_equal(ida, idb);
    dt_recorder_close(a);
    dt_session_choose(sb, 0, NULL); /* b writes on after a has gone */
    assert_false(dt_recorder_failed(b));
    dt_recorder_close(b);
    assert_int_equal(peek("SELECT count(*) FROM sessions"), 2);
    assert_int_equal(dt_recorder_open(dbpath, DT_REC_READONLY, &ro, NULL), DT_OK);
    assert_int_equal(dt_recorder_open_shared(ro, &bad, NULL), DT_EARG);
    assert_null(bad);
    assert_int_equal(dt_recorder_open_shared(NULL, &bad, NULL), DT_EARG);
    dt_recorder_close(ro);
    dt_recorder_close(base);
    dt_session_free(sa);
    dt_session_free(sb);
    dt_tree_free(t);
}

/* ---- schema ---------------------------------------------------------------------------------- */

static void test_create_and_reopen(void **state)
{
    (void)state;
    dt_recorder *rec = open_rec();
    dt_recorder_close(rec);
    struct stat sb;
    assert_int_equal(stat(dbpath, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(peek("PRAGMA user_version"), DT_REC_SCHEMA_VERSION);
    assert_int_equal(peek("PRAGMA application_id"), DT_REC_APPLICATION_ID);
    rec = open_rec(); /* opening an up-to-date file changes nothing */
    dt_recorder_close(rec);
    assert_int_equal(peek("SELECT count(*) FROM sqlite_master WHERE name = 'events'"), 1);
}

static void expect_refusal(unsigned flags, const char *words)
{
    dt_recorder *rec = NULL;
    dt_error *err = dt_error_new();
    assert_int_not_equal(dt_recorder_open(dbpath, flags, &rec, err), DT_OK);
    assert_null(rec);
    if (!strstr(dt_error_text(err), words))
        fail_msg("message '%s' lacks '%s'", dt_error_text(err), words);
    dt_error_free(err);
}

static void test_refuses_foreign_and_newer(void **state)
{
    (void)state;
    sqlite3 *db = NULL;
    sqlite3_open(dbpath, &db);
    sqlite3_exec(db, "CREATE TABLE x(a)", NULL, NULL, NULL);
    sqlite3_close(db);
    expect_refusal(0, "not a dtree recording database");
    unlink(dbpath);
    FILE *f = fopen(dbpath, "w");
    fputs("this is not SQLite at all, just some text that is long enough to be a header..", f);
    fclose(f);
    expect_refusal(0, "not a dtree recording database");
    unlink(dbpath);
    dt_recorder_close(open_rec());
    sqlite3_open(dbpath, &db);
    sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
    sqlite3_close(db);
    expect_refusal(0, "newer than this dtree");
    unlink(dbpath);
    expect_refusal(DT_REC_READONLY, "no recording database here");
}

static void test_migrates_v1(void **state)
{
    (void)state;
    dt_recorder fake;
    memset(&fake, 0, sizeof fake);
    fake.path = fake.where = dbpath;
    fclose(fopen(dbpath, "w"));
    assert_int_equal(rdb_sqlite_open(dbpath, 0, 0, NULL, NULL, &fake.db), RDB_OK);
    assert_int_equal(dt_rec_schema_upgrade(&fake, 1, NULL), DT_OK);
    rdb_close(fake.db);
    assert_int_equal(peek("PRAGMA user_version"), 1);
    assert_int_equal(peek("SELECT count(*) FROM sqlite_master WHERE name = 'events_step'"), 0);
    dt_recorder *ro = NULL; /* queries need version 2; a v1 file asks for an upgrade */
    assert_int_equal(dt_recorder_open(dbpath, DT_REC_READONLY, &ro, NULL), DT_ESTATE);
    dt_recorder_close(open_rec());
    assert_int_equal(peek("PRAGMA user_version"), DT_REC_SCHEMA_VERSION);
    assert_int_equal(peek("SELECT count(*) FROM sqlite_master WHERE name = 'events_step'"), 1);
    assert_int_equal(peek("SELECT count(*) FROM sqlite_master WHERE name = 'claims'"), 1);
    sqlite3 *db = NULL; /* a v2 file (no claims yet) is still readable by queries */
    sqlite3_open(dbpath, &db);
    sqlite3_exec(db, "DROP TABLE claims; PRAGMA user_version = 2", NULL, NULL, NULL);
    sqlite3_close(db);
    assert_int_equal(dt_recorder_open(dbpath, DT_REC_READONLY, &ro, NULL), DT_OK);
    dt_recorder_close(ro);
    assert_int_equal(peek("PRAGMA user_version"), 2);
}

static void test_readonly(void **state)
{
    (void)state;
    dt_recorder_close(open_rec());
    dt_recorder *rec = NULL;
    assert_int_equal(dt_recorder_open(dbpath, DT_REC_READONLY, &rec, NULL), DT_OK);
    dt_tree *t = load_tree();
    dt_session *s = NULL;
    dt_session_new(t, &s, NULL);
    char id[37];
    assert_int_equal(dt_recorder_begin(rec, s, t, NULL, id, NULL), DT_ESTATE);
    dt_recorder_close(rec);
    dt_session_free(s);
    dt_tree_free(t);
    if (geteuid() != 0) { /* root writes through file permissions */
        chmod(dbpath, 0400);
        expect_refusal(0, "read-only");
        chmod(dbpath, 0600);
    }
}

/* ---- writing --------------------------------------------------------------------------------- */

static void test_records_a_session(void **state)
{
    (void)state;
    dt_recorder *rec = open_rec();
    dt_tree *t = load_tree();
    char id[37];
    dt_session *s = begin(rec, t, "alice", id);
    assert_int_equal(strlen(id), 36);
    assert_int_equal(id[14], '4');
    assert_int_equal(peek("SELECT count(*) FROM events"), 2); /* start + q1, committed already */
    assert_int_equal(dt_session_choose(s, 0, NULL), DT_OK);
    assert_string_equal(cur(s), "ask-pin");
    assert_int_equal(dt_session_input(s, "1234", NULL), DT_OK);
    assert_int_equal(dt_session_input(s, "Bob", NULL), DT_OK);
    long long seen = peek("SELECT count(*) FROM events");
    assert_int_equal(seen, peek("SELECT max(seq) FROM events"));
    int64_t count = -1; /* the one-row read a server checks its cached copy with */
    assert_int_equal(dt_recorder_event_count(rec, id, &count, NULL), DT_OK);
    assert_int_equal(count, seen);
    assert_int_equal(dt_recorder_event_count(rec, "00000000-0000-4000-8000-000000000000", &count,
                                             NULL),
                     DT_ENOTFOUND);
    assert_int_equal(dt_recorder_event_count(rec, id, NULL, NULL), DT_EARG);
    assert_int_equal(peek("SELECT count(*) FROM events WHERE step_id = 'info1' AND kind = 'step'"),
                     1);
    assert_int_equal(peek("SELECT count(*) FROM events WHERE value LIKE '%1234%' OR label LIKE "
                          "'%1234%'"), 0);
    assert_int_equal(peek("SELECT count(*) FROM events WHERE var = 'pin' AND value = '[redacted]'"),
                     2); /* the answer and the SET */
    assert_int_equal(dt_session_continue(s, NULL), DT_OK);
    assert_int_equal(dt_session_choose(s, 0, NULL), DT_OK);
    assert_true(dt_session_ended(s));
    assert_int_equal(peek("SELECT status = 'completed' AND outcome = 'resolved' FROM sessions"), 1);
    assert_int_equal(dt_recorder_finish(rec, DT_REC_COMPLETED, NULL), DT_OK);
    assert_int_equal(peek("SELECT steps FROM sessions"), 6); /* q1 pin name info1 q2 end */
    assert_int_equal(peek("SELECT ended_ms >= started_ms FROM sessions"), 1);
    assert_string_equal(dt_recorder_session_id(rec), "");
    dt_recorder_close(rec);
    dt_session_free(s);
    dt_tree_free(t);
}

static void test_full_disk_buffers_then_recovers(void **state)
{
    (void)state;
    dt_recorder *rec = open_rec();
    dt_tree *t = load_tree();
    char id[37];
    dt_session *s = begin(rec, t, "alice", id);
    sqlite3_exec(RAW(rec), "PRAGMA max_page_count = 1", NULL, NULL, NULL); /* = current size */
    int rounds = 0;
    while (!dt_recorder_failed(rec) && rounds++ < 500)
        assert_int_equal(dt_session_restart(s, NULL), DT_OK);
    assert_true(dt_recorder_failed(rec));
    assert_non_null(strstr(dt_recorder_message(rec), "full"));
    assert_non_null(strstr(dt_recorder_message(rec), "kept in memory"));
    assert_false(dt_recorder_busy(rec)); /* full, not locked: trying again at once may help */
    size_t pend = dt_recorder_pending(rec);
    assert_true(pend > 0);
    assert_int_equal(dt_session_choose(s, 1, NULL), DT_OK); /* still walking; still buffered */
    assert_true(dt_recorder_pending(rec) > pend);
    dt_error *err = dt_error_new();
    assert_int_equal(dt_recorder_finish(rec, DT_REC_COMPLETED, err), DT_EIO);
    assert_non_null(strstr(dt_error_text(err), "full"));
    sqlite3_exec(RAW(rec), "PRAGMA max_page_count = 100000", NULL, NULL, NULL); /* space again */
    assert_int_equal(dt_recorder_finish(rec, DT_REC_ABANDONED, err), DT_OK);
    assert_false(dt_recorder_failed(rec));
    assert_int_equal(peek("SELECT count(*) = max(seq) FROM events"), 1); /* nothing lost */
    assert_int_equal(peek("SELECT count(*) FROM events WHERE kind = 'step' AND step_id = 'info1'"),
                     1);
    dt_error_free(err);
    dt_recorder_close(rec);
    dt_session_free(s);
    dt_tree_free(t);
}

static void test_locked_then_flushed(void **state)
{
    (void)state;
    dt_recorder *rec = open_rec();
    dt_recorder_set_busy_timeout(rec, 100);
    dt_tree *t = load_tree();
    char id[37];
    dt_session *s = begin(rec, t, "alice", id);
    sqlite3 *other = NULL;
    sqlite3_open(dbpath, &other);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(dt_session_choose(s, 1, NULL), DT_OK);
    assert_true(dt_recorder_failed(rec));
    assert_non_null(strstr(dt_recorder_message(rec), "locked"));
    assert_true(dt_recorder_busy(rec));
    sqlite3_exec(other, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(other);
    assert_int_equal(dt_session_continue(s, NULL), DT_OK);
    assert_false(dt_recorder_failed(rec));
    assert_false(dt_recorder_busy(rec));
    assert_false(dt_recorder_busy(NULL));
    assert_int_equal(dt_recorder_pending(rec), 0);
    assert_int_equal(peek("SELECT count(*) = max(seq) FROM events"), 1);
    dt_recorder_close(rec); /* never finished: stays active */
    assert_int_equal(peek("SELECT status = 'active' FROM sessions"), 1);
    dt_session_free(s);
    dt_tree_free(t);
}

/* ---- queries --------------------------------------------------------------------------------- */

static int count_cb(void *user, const dt_rec_session *s)
{
    (void)s;
    ++*(int *)user;
    return 0;
}

typedef struct seen {
    char why[256];
    int on_path_answers, events;
} seen;

static int transcript_cb(void *user, const dt_rec_session *s, const dt_rec_event *e)
{
    seen *w = user;
    (void)s;
    w->events++;
    if (strcmp(e->step_id, "route") == 0 && strcmp(e->kind, "step") == 0)
        snprintf(w->why, sizeof w->why, "%s", e->why);
    w->on_path_answers += e->on_path && strcmp(e->kind, "answer") == 0;
    return 0;
}

static void walk(dt_recorder *rec, dt_tree *t, const char *agent, int alpha, int finish)
{
    char id[37];
    dt_session *s = begin(rec, t, agent, id);
    assert_int_equal(dt_session_choose(s, alpha ? 0 : 1, NULL), DT_OK);
    if (alpha) {
        dt_session_input(s, "9999", NULL);
        dt_session_input(s, "Ann", NULL);
    }
    dt_session_continue(s, NULL);
    if (finish)
        dt_session_choose(s, alpha ? 0 : 1, NULL);
    assert_int_equal(dt_recorder_finish(rec, finish ? DT_REC_COMPLETED : DT_REC_ABANDONED, NULL),
                     DT_OK);
    dt_session_free(s);
}


/* Report table by name (the order may grow). */
static const dt_rec_table *table_named(const dt_rec_report *r, const char *name)
{
    for (size_t i = 0; i < dt_rec_report_count(r); i++)
        if (strcmp(dt_rec_report_table(r, i)->name, name) == 0)
            return dt_rec_report_table(r, i);
    fail_msg("no report table '%s'", name);
    return NULL;
}

static void test_queries(void **state)
{
    (void)state;
    dt_recorder *rec = open_rec();
    dt_tree *t = load_tree();
    walk(rec, t, "alice", 1, 1);
    walk(rec, t, "bob", 0, 1);
    walk(rec, t, "bob", 0, 0);
    dt_rec_filter f;
    dt_rec_filter_init(&f);
    int n = 0;
    assert_int_equal(dt_recorder_list(rec, &f, count_cb, &n, NULL), DT_OK);
    assert_int_equal(n, 3);
    f.agent = "bob";
    n = 0;
    dt_recorder_list(rec, &f, count_cb, &n, NULL);
    assert_int_equal(n, 2);
    f.agent = NULL;
    f.status = "abandoned";
    n = 0;
    dt_recorder_list(rec, &f, count_cb, &n, NULL);
    assert_int_equal(n, 1);

    char full[37], id[37];
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(RAW(rec), "SELECT uuid FROM sessions WHERE agent = 'alice'", -1, &st, NULL);
    sqlite3_step(st);
    snprintf(full, sizeof full, "%s", sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    char prefix[9];
    snprintf(prefix, sizeof prefix, "%.8s", full);
    assert_int_equal(dt_recorder_lookup(rec, prefix, id, NULL), DT_OK);
    assert_string_equal(id, full);
    assert_int_equal(dt_recorder_lookup(rec, "zzzz", id, NULL), DT_ENOTFOUND);

    seen w = {"", 0, 0};
    assert_int_equal(dt_recorder_transcript(rec, full, t, transcript_cb, &w, NULL), DT_OK);
    assert_string_equal(w.why, "$n > 3");
    assert_int_equal(w.on_path_answers, 5); /* q1, pin, name, info1, q2 */

    dt_rec_report *r = NULL;
    dt_rec_filter_init(&f);
    assert_int_equal(dt_recorder_report(rec, &f, 5, &r, NULL), DT_OK);
    const dt_rec_table *sum = dt_rec_report_table(r, 0);
    assert_string_equal(sum->name, "summary");
    assert_string_equal(sum->cols[0], "sessions");
    assert_string_equal(sum->cells[0], "3");
    assert_string_equal(sum->cells[1], "2"); /* completed */
    assert_true(sum->numeric[0]);
    const dt_rec_table *out = table_named(r, "outcomes");
    assert_int_equal(out->nrows, 3); /* every end status: two outcomes completed, one abandoned */
    const dt_rec_table *drop = table_named(r, "drop_off");
    assert_int_equal(drop->nrows, 1);
    assert_string_equal(drop->cells[1], "q2");
    const dt_rec_table *choices = table_named(r, "choices");
    assert_true(choices->nrows >= 3);
    dt_rec_report_free(r);
    f.tree = "nope";
    assert_int_equal(dt_recorder_report(rec, &f, 5, &r, NULL), DT_OK);
    assert_string_equal(dt_rec_report_table(r, 0)->cells[0], "0");
    dt_rec_report_free(r);
    dt_recorder_close(rec);
    dt_tree_free(t);
}

/* A damaged file: a clear "corrupt" message, at open or at the first query. */
static void test_corrupt(void **state)
{
    (void)state;
    dt_recorder *rec = open_rec();
    dt_tree *t = load_tree();
    for (int i = 0; i < 20; i++)
        walk(rec, t, "alice", i % 2, 1);
    dt_recorder_close(rec); /* last connection: the WAL is checkpointed into the file */
    dt_tree_free(t);
    FILE *f = fopen(dbpath, "r+b");
    assert_non_null(f);
    fseek(f, 4096, SEEK_SET);
    for (int i = 0; i < 3 * 4096; i++)
        fputc(0xA5 ^ (i * 7), f);
    fclose(f);
    dt_error *err = dt_error_new();
    rec = NULL;
    dt_status st = dt_recorder_open(dbpath, DT_REC_READONLY, &rec, err);
    dt_rec_report *r = NULL;
    if (st == DT_OK) {
        st = dt_recorder_report(rec, NULL, 5, &r, err);
        dt_rec_report_free(r);
        dt_recorder_close(rec);
    }
    assert_int_not_equal(st, DT_OK);
    if (!strstr(dt_error_text(err), "corrupt") && !strstr(dt_error_text(err), "not a dtree"))
        fail_msg("unclear message: %s", dt_error_text(err));
    dt_error_free(err);
}

/* ---- resume ---------------------------------------------------------------------------------- */

static dt_session *resume(dt_recorder *rec, const char *id, dt_tree *t, dt_rec_resume *info,
                          dt_status want)
{
    dt_session *s = NULL;
    dt_error *err = dt_error_new();
    dt_record_meta m = {.agent = "carol", .mode = "agent", .host = "host2", .take_over = 0};
    dt_status st = dt_recorder_resume(rec, id, t, &m, &s, info, err);
    if (st != want)
        fail_msg("resume: %s", dt_error_text(err));
    dt_error_free(err);
    return s;
}

static int64_t fixed_clock(void *user)
{
    return *(int64_t *)user;
}

/* A resumed path keeps the times its steps were recorded at, not the resume's; and the session
 * is on the real clock again afterwards.  Before, every entry had the resume's time. */
static void test_resume_keeps_times(void **state)
{
    (void)state;
    dt_recorder *rec = open_rec();
    dt_tree *t = load_tree();
    char id[37];
    dt_session *s = begin(rec, t, "alice", id);
    int64_t then = 1000000000000; /* 2001-09-09 */
    dt_session_set_clock(s, fixed_clock, &then);
    assert_int_equal(dt_session_choose(s, 1, NULL), DT_OK);
    then += 5000;
    assert_int_equal(dt_session_continue(s, NULL), DT_OK); /* q2 */
    size_t n = dt_session_path_count(s);
    int64_t want[8];
    assert_in_range(n, 3, 8);
    for (size_t i = 0; i < n; i++)
        want[i] = dt_session_path_get(s, i)->time_ms;
    assert_int_equal(want[n - 1], then);
    dt_recorder_close(rec);
    dt_session_free(s);

    rec = open_rec();
    s = resume(rec, id, t, NULL, DT_OK);
    assert_int_equal(dt_session_path_count(s), n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(dt_session_path_get(s, i)->time_ms, want[i]);
    int64_t before = (int64_t)time(NULL) * 1000 - 1000;
    assert_int_equal(dt_session_choose(s, 1, NULL), DT_OK);
    assert_true(dt_session_path_get(s, dt_session_path_count(s) - 1)->time_ms >= before);
    dt_recorder_close(rec);
    dt_session_free(s);
    dt_tree_free(t);
}

static void test_resume_plain_and_handoff(void **state)
{
    (void)state;
    dt_recorder *rec = open_rec();
    dt_tree *t = load_tree();
    char id[37];
    dt_session *s = begin(rec, t, "alice", id);
    dt_session_choose(s, 1, NULL);
    dt_session_continue(s, NULL);
    dt_session_back(s, NULL);     /* back to info1 */
    dt_session_restart(s, NULL);  /* q1 again */
    dt_session_choose(s, 1, NULL);
    dt_session_continue(s, NULL); /* q2 */
    size_t npath = dt_session_path_count(s);
    dt_recorder_close(rec);       /* the call dropped */
    dt_session_free(s);

    rec = open_rec();
    dt_rec_resume info;
    s = resume(rec, id, t, &info, DT_OK);
    assert_string_equal(cur(s), "q2");
    assert_int_equal(dt_session_path_count(s), npath);
    assert_int_equal(info.tree_changed, 0);
    assert_string_equal(info.previous_agent, "alice");
    assert_int_equal(peek("SELECT count(*) FROM events WHERE kind = 'handoff' AND label = 'alice'"
                          " AND text = 'carol'"), 1);
    assert_int_equal(peek("SELECT agent = 'carol' FROM sessions"), 1);
    assert_int_equal(dt_session_choose(s, 0, NULL), DT_OK);
    assert_int_equal(dt_recorder_finish(rec, DT_REC_COMPLETED, NULL), DT_OK);
    assert_int_equal(peek("SELECT count(*) = max(seq) FROM events"), 1);
    assert_int_equal(peek("SELECT outcome = 'resolved' FROM sessions"), 1);
    dt_session_free(s);
    /* completed: no resume */
    assert_null(resume(rec, id, t, NULL, DT_ESTATE));
    dt_recorder_close(rec);
    dt_tree_free(t);
}

typedef struct parts_seen {
    char agents[64];
    size_t steps[4], n;
    int64_t talk;
} parts_seen;

static int part_cb(void *user, const dt_rec_part *p)
{
    parts_seen *w = user;
    size_t len = strlen(w->agents);
    snprintf(w->agents + len, sizeof w->agents - len, "%s%s", w->n ? ">" : "", p->agent);
    if (w->n < 4)
        w->steps[w->n] = p->steps;
    w->n++;
    w->talk += p->to_ms - p->from_ms;
    return 0;
}

static int talk_cb(void *user, const dt_rec_session *s)
{
    *(int64_t *)user = s->talk_ms;
    return 0;
}

static int tree_cb(void *user, const char *name)
{
    size_t len = strlen(user);
    snprintf((char *)user + len, 64 - len, "%s%s", len ? "," : "", name);
    return 0;
}

/* Alice answers once and leaves the call; carol resumes it: a session of two parts. */
static void record_handoff(dt_tree *t, char id[37])
{
    dt_recorder *rec = open_rec();
    dt_session *s = begin(rec, t, "alice", id);
    dt_session_choose(s, 1, NULL);
    dt_recorder_close(rec); /* alice left the call */
    dt_session_free(s);
    rec = open_rec();
    s = resume(rec, id, t, NULL, DT_OK);
    dt_recorder_close(rec);
    dt_session_free(s);
}

/* After a hand-off: every agent with their part, talk time without the wait, --agent finds the
 * first agent (issue 10 points 8 and 9). */
static void test_parts_after_handoff(void **state)
{
    (void)state;
    dt_tree *t = load_tree();
    char id[37];
    record_handoff(t, id);
    assert_int_equal(peek("SELECT value GLOB '[0-9]*' FROM events WHERE kind = 'handoff'"), 1);

    dt_recorder *rec = NULL;
    assert_int_equal(dt_recorder_open(dbpath, DT_REC_READONLY, &rec, NULL), DT_OK);
    parts_seen w = {"", {0}, 0, 0};
    assert_int_equal(dt_recorder_parts(rec, id, part_cb, &w, NULL), DT_OK);
    assert_string_equal(w.agents, "alice>carol");
    assert_true(w.steps[0] >= 1);
    int64_t talk = -1;
    assert_int_equal(dt_recorder_get(rec, id, talk_cb, &talk, NULL), DT_OK);
    assert_int_equal(talk, w.talk); /* one definition: the parts add up to the talk time */
    dt_rec_filter f;
    dt_rec_filter_init(&f);
    f.agent = "alice";
    int n = 0;
    assert_int_equal(dt_recorder_list(rec, &f, count_cb, &n, NULL), DT_OK);
    assert_int_equal(n, 1);
    f.agent = NULL;
    f.active_only = 1; /* quit, not completed: resumable, so listed */
    n = 0;
    assert_int_equal(dt_recorder_list(rec, &f, count_cb, &n, NULL), DT_OK);
    assert_int_equal(n, 1);
    char trees[64] = "";
    assert_int_equal(dt_recorder_trees(rec, tree_cb, trees, NULL), DT_OK);
    assert_string_equal(trees, dt_tree_id(t));
    dt_recorder_close(rec);
    dt_tree_free(t);
}

/* fuzz_record: a file whose times say anything (INT64_MIN, INT64_MAX, a hand-off at 10^19) made
 * `dtree show` overflow subtracting them; every time read is kept within 0 .. year 9999. */
static void test_hostile_times_kept_in_range(void **state)
{
    (void)state;
    dt_tree *t = load_tree();
    char id[37];
    record_handoff(t, id);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA ignore_check_constraints = 1;"
                                      " UPDATE sessions SET ended_ms = -9223372036854775808,"
                                      " started_ms = 9223372036854775807;"
                                      " UPDATE events SET time_ms = -9223372036854775808;"
                                      " UPDATE events SET value = '9999999999999999999'"
                                      " WHERE kind = 'handoff'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    dt_recorder *rec = NULL;
    assert_int_equal(dt_recorder_open(dbpath, DT_REC_READONLY, &rec, NULL), DT_OK);
    parts_seen w = {"", {0}, 0, 0}; /* part_cb subtracts: UBSan (make sanitize) checks it */
    assert_int_equal(dt_recorder_parts(rec, id, part_cb, &w, NULL), DT_OK);
    assert_string_equal(w.agents, "alice>carol");
    assert_true(w.talk >= -253402300799999 && w.talk <= 2 * 253402300799999);
    int64_t talk = -1;
    assert_int_equal(dt_recorder_get(rec, id, talk_cb, &talk, NULL), DT_OK);
    assert_true(talk >= 0 && talk <= 253402300799999);
    dt_recorder_close(rec);
    dt_tree_free(t);
}

/* A toy sealer for the test: the box is "box:" + the value reversed (dtree serve encrypts). */
static int toy_unseal(void *user, const char *var, const char *box, char *buf, size_t size)
{
    size_t n = strlen(box);
    (void)user;
    if (strcmp(var, "pin") != 0 || strncmp(box, "box:", 4) != 0 || n - 4 >= size)
        return -1;
    for (size_t i = 0; i < n - 4; i++)
        buf[i] = box[n - 1 - i];
    buf[n - 4] = '\0';
    return 0;
}

/* Sealed answers: kept with their event, replayed through unseal, gone when the session ends. */
static void test_resume_sealed(void **state)
{
    (void)state;
    dt_recorder *rec = open_rec();
    dt_tree *t = load_tree();
    char id[37];
    dt_session *s = begin(rec, t, "alice", id);
    dt_session_choose(s, 0, NULL);
    assert_int_equal(dt_recorder_seal_next(rec, "pin", "box:9999", NULL), DT_OK);
    assert_int_equal(dt_recorder_seal_next(rec, "pin", "box:4321", NULL), DT_OK); /* replaces */
    dt_session_input(s, "1234", NULL);
    dt_session_input(s, "Bob", NULL); /* now at info1 */
    assert_int_equal(peek("SELECT count(*) FROM sealed"), 1);
    assert_int_equal(peek("SELECT count(*) FROM events WHERE value LIKE '%1234%'"), 0);
    dt_recorder_close(rec);
    dt_session_free(s);

    rec = open_rec();
    dt_rec_resume info;
    dt_record_meta m = {.agent = "alice", .mode = "agent", .host = "h", .unseal = toy_unseal};
    assert_int_equal(dt_recorder_resume(rec, id, t, &m, &s, &info, NULL), DT_OK);
    assert_string_equal(cur(s), "info1");
    assert_int_equal(info.stopped_sensitive, 0);
    assert_int_equal(info.dropped, 0);
    assert_string_equal(dt_session_var_get(s, "pin"), "[redacted]");
    dt_session_continue(s, NULL);
    dt_session_choose(s, 0, NULL); /* the end: the boxes go with it */
    assert_true(dt_session_ended(s));
    assert_int_equal(peek("SELECT count(*) FROM sealed"), 0);
    dt_recorder_close(rec);
    dt_session_free(s);
    dt_tree_free(t);
}

/* same_part: the agent recorded last rebuilds the session (another server instance): no hand-off;
 * another agent still gets one.  A server's claim lapses at once (claim_ms 0): the copy loaded
 * last writes, an older copy's write is refused whole. */
static void test_resume_same_part(void **state)
{
    (void)state;
    dt_recorder *rec = open_rec();
    dt_tree *t = load_tree();
    char id[37];
    dt_recorder_set_claim_ms(rec, 0);
    dt_session *s = begin(rec, t, "alice", id), *s2 = NULL;
    long long events = peek("SELECT events FROM sessions");
    dt_recorder *rec2 = open_rec();
    dt_record_meta m = {.agent = "alice", .mode = "agent", .host = "h", .same_part = 1};
    assert_int_equal(dt_recorder_resume(rec2, id, t, &m, &s2, NULL, NULL), DT_OK);
    assert_int_equal(peek("SELECT events FROM sessions"), events); /* nothing recorded */
    assert_int_equal(dt_session_choose(s, 1, NULL), DT_OK);          /* the older copy */
    assert_true(dt_recorder_claim_lost(rec));
    assert_int_equal(peek("SELECT events FROM sessions"), events);   /* refused whole */
    assert_int_equal(dt_session_choose(s2, 1, NULL), DT_OK);
    assert_int_equal(peek("SELECT count(*) FROM events WHERE kind = 'handoff'"), 0);
    dt_recorder_close(rec2);
    dt_session_free(s2);
    dt_recorder_close(rec);
    dt_session_free(s);

    rec = open_rec();
    m.agent = "bob"; /* someone else: a hand-off, same_part or not */
    assert_int_equal(dt_recorder_resume(rec, id, t, &m, &s, NULL, NULL), DT_OK);
    assert_int_equal(peek("SELECT count(*) FROM events WHERE kind = 'handoff'"), 1);
    dt_recorder_close(rec);
    dt_session_free(s);
    dt_tree_free(t);
}

static void test_resume_sensitive_and_changed_tree(void **state)
{
    (void)state;
    dt_recorder *rec = open_rec();
    dt_tree *t = load_tree();
    char id[37];
    dt_session *s = begin(rec, t, "alice", id);
    dt_session_choose(s, 0, NULL);
    dt_session_input(s, "1234", NULL);
    dt_session_input(s, "Bob", NULL); /* now at info1 */
    dt_recorder_close(rec);
    dt_session_free(s);

    rec = open_rec();
    dt_rec_resume info;
    s = resume(rec, id, t, &info, DT_OK);
    assert_string_equal(cur(s), "ask-pin");
    assert_int_equal(info.stopped_sensitive, 1);
    assert_int_equal(info.dropped, 2);
    assert_non_null(strstr(info.note, "pin"));
    dt_session_input(s, "5678", NULL);
    dt_session_input(s, "Bo", NULL);
    assert_string_equal(cur(s), "info1");
    dt_recorder_close(rec);
    dt_session_free(s);

    /* a new text: hash differs but the path holds */
    dt_tree *t2 = load_variant("3", " (new text)");
    rec = open_rec();
    s = resume(rec, id, t2, &info, DT_OK);
    assert_int_equal(info.tree_changed, 1);
    assert_string_equal(cur(s), "ask-pin"); /* the second pin was not stored either */
    dt_recorder_close(rec);
    dt_session_free(s);
    /* a changed condition: the decide now goes elsewhere: refused */
    dt_tree *t3 = load_variant("10", "");
    rec = open_rec();
    dt_error *err = dt_error_new();
    dt_record_meta m = {.agent = "carol", .mode = "agent", .host = "h", .take_over = 0};
    assert_int_equal(dt_recorder_resume(rec, id, t3, &m, &s, &info, err), DT_EINVALID);
    assert_null(s);
    assert_non_null(strstr(dt_error_text(err), "changed"));
    assert_non_null(strstr(dt_error_text(err), "info1"));
    dt_error_free(err);
    assert_string_equal(dt_recorder_session_id(rec), "");
    dt_recorder_close(rec);
    dt_tree_free(t3);
    dt_tree_free(t2);
    dt_tree_free(t);
}

/* A crash between the events of one action: the answer is recorded, the next step is not. */
static void test_resume_after_cut(void **state)
{
    (void)state;
    dt_recorder *rec = open_rec();
    dt_tree *t = load_tree();
    char id[37];
    dt_session *s = begin(rec, t, "alice", id);
    dt_session_choose(s, 0, NULL); /* a: route (decide) -> ask-pin */
    dt_recorder_close(rec);
    dt_session_free(s);
    sqlite3 *db = NULL;
    sqlite3_open(dbpath, &db);
    assert_int_equal(sqlite3_exec(db, "DELETE FROM events WHERE seq > (SELECT seq FROM events"
                                      " WHERE kind = 'answer')", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    rec = open_rec();
    dt_rec_resume info;
    s = resume(rec, id, t, &info, DT_OK);
    assert_string_equal(cur(s), "ask-pin");
    assert_int_equal(info.replayed, 1);
    dt_recorder_close(rec);
    dt_session_free(s);
    dt_tree_free(t);
}

/* Values given before the start (--var) are recorded and given again on resume. */
static void test_resume_initial_vars(void **state)
{
    (void)state;
    dt_recorder *rec = open_rec();
    dt_tree *t = load_tree();
    dt_session *s = NULL;
    assert_int_equal(dt_session_new(t, &s, NULL), DT_OK);
    assert_int_equal(dt_session_set_var(s, "who", "Zed", NULL), DT_OK);
    assert_int_equal(dt_session_set_var(s, "pin", "4321", NULL), DT_OK);
    char id[37];
    assert_int_equal(dt_recorder_begin(rec, s, t, NULL, id, NULL), DT_OK);
    assert_int_equal(dt_session_start(s, NULL), DT_OK);
    dt_session_choose(s, 1, NULL);
    dt_recorder_close(rec);
    dt_session_free(s);
    assert_int_equal(peek("SELECT count(*) FROM events WHERE kind = 'set' AND extra = 'initial'"
                          " AND seq < 3"), 2);
    assert_int_equal(peek("SELECT count(*) FROM events WHERE value LIKE '%4321%'"), 0);
    rec = open_rec();
    s = resume(rec, id, t, NULL, DT_OK);
    assert_string_equal(cur(s), "info1");
    assert_string_equal(dt_session_var_get(s, "who"), "Zed");
    dt_recorder_close(rec);
    dt_session_free(s);
    dt_tree_free(t);
}

/* Finding 1 (issue 9): user_version is read from the file; a negative one indexed the migration
 * table (a crash, or a neighbouring string run as SQL). */
static void test_hostile_user_version(void **state)
{
    (void)state;
    static const char *const bad[] = {"-1", "-2", "-2147483648"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unlink(dbpath);
        dt_recorder_close(open_rec());
        sqlite3 *db = NULL;
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %s", bad[i]);
        sqlite3_open(dbpath, &db);
        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
        expect_refusal(0, "is not valid");
        expect_refusal(DT_REC_READONLY, "is not valid");
    }
}

/* A recording whose text columns hold NULL (hostile: NOT NULL is only the schema's word). */
static void test_resume_null_columns(void **state)
{
    (void)state;
    dt_recorder *rec = open_rec();
    dt_tree *t = load_tree();
    char id[37];
    dt_session *s = begin(rec, t, "alice", id);
    dt_recorder_close(rec);
    dt_session_free(s);
    sqlite3 *db = NULL;
    sqlite3_open(dbpath, &db);
    /* rebuild sessions without its NOT NULL constraints, as another program could */
    assert_int_equal(sqlite3_exec(db, "PRAGMA writable_schema = ON;"
                                      "UPDATE sqlite_master SET sql = replace(sql, 'NOT NULL', '')"
                                      " WHERE name = 'sessions';", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    sqlite3_open(dbpath, &db);
    assert_int_equal(sqlite3_exec(db, "UPDATE sessions SET tree_hash = NULL, agent = NULL",
                                  NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    rec = open_rec();
    dt_rec_resume info;
    s = resume(rec, id, t, &info, DT_OK); /* the hash differs ("" now): checked, and holds */
    assert_int_equal(info.tree_changed, 1);
    assert_string_equal(info.previous_agent, "");
    dt_recorder_close(rec);
    dt_session_free(s);
    dt_tree_free(t);
}

/* ---- resume over calls (finding 2) ---------------------------------------------------------- */

static const char MAIN_TREE[] =
    "<tree id=\"main\" version=\"1\" title=\"Main\" start=\"q1\">"
    "<var name=\"res\" type=\"text\" value=\"\"/>"
    "<question id=\"q1\"><say>Which?</say>"
    "<choice id=\"a\" to=\"c1\">A</choice><choice id=\"b\" to=\"q2\">B</choice></question>"
    "<call id=\"c1\" tree=\"sub.xml\" next=\"q2\" result=\"res\"/>"
    "<question id=\"q2\"><say>Again?</say>"
    "<choice id=\"y\" to=\"c1\">Yes</choice><choice id=\"n\" to=\"fin\">No</choice></question>"
    "<end id=\"fin\" outcome=\"resolved\"><say>Bye</say></end>"
    "</tree>";
/* The callee: one end with closing words (shown, continued), one without (passed through). */
static const char SUB_TREE[] =
    "<tree id=\"sub\" version=\"1\" title=\"Sub\" start=\"s1\">"
    "<question id=\"s1\"><say>Sub?</say>"
    "<choice id=\"w\" to=\"said\">Words</choice><choice id=\"q\" to=\"quiet\">Quiet</choice>"
    "</question>"
    "<end id=\"said\" outcome=\"fixed\"><say>Fixed, thanks.</say></end>"
    "<end id=\"quiet\" outcome=\"silent\"/>"
    "</tree>";

static void put(const char *name, const char *text)
{
    sup_put(dir, name, text);
}

static dt_tree *load_calls(void)
{
    put("sub.xml", SUB_TREE);
    put("main.xml", MAIN_TREE);
    char path[192];
    snprintf(path, sizeof path, "%s/main.xml", dir);
    dt_tree *t = NULL;
    dt_error *err = dt_error_new();
    dt_status st = dt_tree_load_file(path, NULL, &t, err);
    if (st != DT_OK)
        fprintf(stderr, "%s\n", dt_error_text(err));
    assert_int_equal(st, DT_OK);
    dt_error_free(err);
    return t;
}

static size_t notes_on_path(dt_session *s)
{
    size_t n = 0;
    for (size_t i = 0; i < dt_session_path_count(s); i++)
        n += dt_session_path_get(s, i)->note_count;
    return n;
}

/* The session as it stands, resumed in a new recorder, must be the same session. */
static void expect_same_after_resume(dt_recorder *rec, dt_session *s, const char *id, dt_tree *t)
{
    char step[64];
    snprintf(step, sizeof step, "%s", cur(s));
    size_t npath = dt_session_path_count(s), notes = notes_on_path(s);
    dt_recorder_close(rec);
    dt_session_free(s);
    rec = open_rec();
    dt_rec_resume info;
    s = resume(rec, id, t, &info, DT_OK);
    assert_string_equal(cur(s), step);
    assert_int_equal(dt_session_path_count(s), npath);
    assert_int_equal(notes_on_path(s), notes);
    dt_recorder_close(rec);
    dt_session_free(s);
}

/* Front-door shape: a call whose end has words (shown and continued: "cannot input on end
 * step"), then one whose end has none (passed through: "the walk now goes past"). */
static void test_resume_after_calls(void **state)
{
    (void)state;
    dt_tree *t = load_calls();
    dt_recorder *rec = open_rec();
    char id[37];
    dt_session *s = begin(rec, t, "alice", id);
    assert_int_equal(dt_session_choose(s, 0, NULL), DT_OK); /* a: into the call */
    assert_string_equal(cur(s), "s1");
    assert_int_equal(dt_session_choose(s, 0, NULL), DT_OK); /* words */
    assert_string_equal(cur(s), "said");
    assert_int_equal(dt_session_note(s, "customer relieved", NULL), DT_OK);
    assert_int_equal(dt_session_continue(s, NULL), DT_OK);
    assert_string_equal(cur(s), "q2");
    assert_int_equal(peek("SELECT steps FROM sessions"), 4); /* q1 s1 said q2, as on screen */
    expect_same_after_resume(rec, s, id, t);

    rec = open_rec();
    s = resume(rec, id, t, NULL, DT_OK);
    assert_int_equal(dt_session_choose(s, 0, NULL), DT_OK); /* again: into the call */
    assert_int_equal(dt_session_choose(s, 1, NULL), DT_OK); /* quiet: straight back */
    assert_string_equal(cur(s), "q2");
    assert_string_equal(dt_session_var_get(s, "res"), "silent");
    expect_same_after_resume(rec, s, id, t);
    dt_tree_free(t);
}

/* Calls mixed with back, restart and notes, resumed after every action. */
static void test_resume_calls_back_restart_notes(void **state)
{
    (void)state;
    dt_tree *t = load_calls();
    dt_recorder *rec = open_rec();
    char id[37];
    dt_session *s = begin(rec, t, "alice", id);
    /* each action, then a resume that must land on the same step with the same path */
    static const char acts[] = "n0c0c0n1NBNc0c1rc1c0c1"; /* cN choose N, nN note, N continue */
    for (const char *a = acts; *a; a++) {
        dt_status st = DT_OK;
        switch (*a) {
        case 'c': st = dt_session_choose(s, (size_t)(*++a - '0'), NULL); break;
        case 'n': st = dt_session_note(s, a[1] == '0' ? "first" : "second", NULL), a++; break;
        case 'N': st = dt_session_continue(s, NULL); break;
        case 'B': st = dt_session_back(s, NULL); break;
        case 'r': st = dt_session_restart(s, NULL); break;
        default: continue;
        }
        assert_int_equal(st, DT_OK);
        expect_same_after_resume(rec, s, id, t);
        rec = open_rec();
        s = resume(rec, id, t, NULL, DT_OK);
    }
    dt_recorder_close(rec);
    dt_session_free(s);
    dt_tree_free(t);
}

/* Issue 11.4: the column lists are the only list of recorded columns; each must be a column of its
 * table in the schema the migrations create, and the generated statements are portable text. */
static int has_column(const char *table, const char *col)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM pragma_table_info('%s') WHERE name = '%s'",
             table, col);
    return peek(sql) == 1;
}

static void test_column_table(void **state)
{
    (void)state;
    dt_recorder_close(open_rec());
    const dt_rec_tabledef *defs[] = {&dt_rec_events_def, &dt_rec_sessions_def};
    for (size_t d = 0; d < 2; d++)
        for (size_t i = 0; i < defs[d]->ncols; i++)
            if (!has_column(defs[d]->table, defs[d]->cols[i].name))
                fail_msg("%s.%s is listed but not in the schema", defs[d]->table,
                         defs[d]->cols[i].name);
    char buf[REC_COLS_MAX + 256];
    dt_rec_sql_insert(&dt_rec_events_def, buf, sizeof buf);
    assert_string_equal(buf, "INSERT INTO events(sid, seq, time_ms, kind, tree_id, step_id, "
                             "step_kind, choice_id, label, var, value, text, outcome, extra, "
                             "sensitive, path_length) SELECT $1, $2, $3, $4, $5, $6, $7, $8, "
                             "$9, $10, $11, $12, $13, $14, $15, $16 WHERE NOT EXISTS (SELECT 1 "
                             "FROM events x WHERE x.sid = $1 AND x.seq >= $2)");
    dt_rec_sql_columns(&dt_rec_sessions_def, buf, sizeof buf);
    assert_string_equal(buf, "s.uuid, s.tree_id, s.tree_version, s.tree_hash, s.tree_path, "
                             "s.agent, s.mode, s.host, s.status, s.outcome, s.last_tree, "
                             "s.last_step, s.started_ms, s.ended_ms, s.last_ms, s.steps, s.events");
    char small[12];
    size_t need = dt_rec_sql_columns(&dt_rec_sessions_def, small, sizeof small);
    assert_int_equal(need, strlen(buf));
    assert_string_equal(small, "s.uuid, s.t"); /* cut, terminated */
}

/* The schema is one list of steps for both stores; a step that adds a column (none has yet: the
 * next recorded field will) is the same ALTER in both, each in its own types. */
static void test_schema_steps(void **state)
{
    (void)state;
    static const dt_rec_scol note = {"note", REC_S_TEXT0, NULL};
    static const dt_rec_scol size = {"bytes", REC_S_I640, "CHECK (bytes >= 0)"};
    static const dt_rec_sstep list[] = {
        {7, REC_OP_COLUMN, "events", NULL, &note, 1, 0},
        {7, REC_OP_COLUMN, "sessions", NULL, &size, 1, 0},
        {8, REC_OP_INDEX, "events_note", "events(note)", NULL, 0, 0},
    };
    char buf[512];
    dt_rec_schema_sql(&dt_rec_ddl_sqlite, list, 3, 7, buf, sizeof buf);
    assert_string_equal(buf, "ALTER TABLE events ADD COLUMN note TEXT NOT NULL DEFAULT '';"
                             "ALTER TABLE sessions ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0 "
                             "CHECK (bytes >= 0);");
    dt_rec_schema_sql(&dt_rec_ddl_pg, list, 3, 7, buf, sizeof buf);
    assert_string_equal(buf, "ALTER TABLE events ADD COLUMN note TEXT COLLATE \"C\" NOT NULL "
                             "DEFAULT '';ALTER TABLE sessions ADD COLUMN bytes BIGINT NOT NULL "
                             "DEFAULT 0 CHECK (bytes >= 0);");
    assert_int_equal(dt_rec_schema_sql(&dt_rec_ddl_pg, list, 3, 8, buf, 4), 41);
    assert_string_equal(buf, "CRE"); /* cut, terminated */
    /* every version of the real list has a step in one store or both (6 is PostgreSQL's alone),
     * and only versions this dtree knows */
    for (int v = 1; v <= DT_REC_SCHEMA_VERSION; v++)
        assert_true(dt_rec_schema_sql(&dt_rec_ddl_sqlite, dt_rec_schema_steps,
                                      dt_rec_schema_nsteps, v, NULL, 0) +
                        dt_rec_schema_sql(&dt_rec_ddl_pg, dt_rec_schema_steps,
                                          dt_rec_schema_nsteps, v, NULL, 0) >
                    0);
    for (size_t i = 0; i < dt_rec_schema_nsteps; i++)
        assert_in_range(dt_rec_schema_steps[i].to, 1, DT_REC_SCHEMA_VERSION);
}

/* ---- one agent at a time (finding 4) --------------------------------------------------------- */

static dt_status try_resume(dt_recorder *rec, const char *id, dt_tree *t, int take_over,
                            dt_session **s, dt_rec_resume *info, char *msg, size_t size)
{
    dt_error *err = dt_error_new();
    dt_record_meta m = {.agent = "carol", .mode = "agent", .host = "host2", .take_over = take_over};
    dt_status st = dt_recorder_resume(rec, id, t, &m, s, info, err);
    snprintf(msg, size, "%s", dt_error_text(err));
    dt_error_free(err);
    return st;
}

/* Statuses are kinds: each name maps back to its kind, and a status no dtree records (a damaged
 * or foreign file: the CHECK constraint bypassed) is an error value for every reader, not a guess.
 * The old code resumed such a session as if it were abandoned. */
static int count_change(void *user, dt_rec_change c, const dt_rec_session *s)
{
    (void)c, (void)s;
    ++*(int *)user;
    return 0;
}

/* Recorded event kinds: the engine's with the same numbers, then the recorder's; every name
 * reads back as its kind, anything else (case, spaces, NULL) as DT_RK_UNKNOWN. */
static void test_event_kinds(void **state)
{
    (void)state;
    for (int i = 0; i <= (int)DT_EV_END; i++)
        assert_string_equal(dt_rec_kind_name((dt_rec_kind)i), dt_event_kind_name((dt_event_kind)i));
    for (int i = 0; i < (int)DT_RK_UNKNOWN; i++)
        assert_int_equal(dt_rec_kind_from_name(dt_rec_kind_name((dt_rec_kind)i)), i);
    assert_string_equal(dt_rec_kind_name(DT_RK_HANDOFF), "handoff");
    assert_string_equal(dt_rec_kind_name(DT_RK_UNKNOWN), "unknown");
    const char *bad[] = {"Step", "step ", "", "unknown", "hand", NULL};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(dt_rec_kind_from_name(bad[i]), DT_RK_UNKNOWN);
}

static void test_status_kinds(void **state)
{
    (void)state;
    assert_int_equal(DT_REC_STATUS_COUNT, 5);
    for (int i = 0; i < DT_REC_STATUS_COUNT; i++) {
        dt_rec_status k = DT_REC_ACTIVE;
        assert_int_equal(dt_rec_status_from_name(dt_rec_status_name((dt_rec_status)i), &k), DT_OK);
        assert_int_equal(k, i);
    }
    const char *bad[] = {"weird", "", "Active", "active ", "timed", NULL};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dt_rec_status k = DT_REC_TRANSFERRED;
        assert_int_equal(dt_rec_status_from_name(bad[i], &k), DT_ENOTFOUND);
        assert_int_equal(k, DT_REC_TRANSFERRED); /* unchanged */
    }
    dt_tree *t = load_tree();
    dt_recorder *rec = open_rec();
    char id[37], msg[600];
    dt_session *s = begin(rec, t, "alice", id), *s2 = NULL;
    dt_rec_watch *w = NULL;
    dt_recorder *ro = NULL;
    assert_int_equal(dt_recorder_open(dbpath, DT_REC_READONLY, &ro, NULL), DT_OK);
    assert_int_equal(dt_rec_watch_new(ro, NULL, &w, NULL), DT_OK);
    dt_recorder_close(rec);
    dt_session_free(s);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA ignore_check_constraints = 1; UPDATE sessions SET"
                                      " status = 'on_hold', events = events + 1",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    int changes = 0; /* the board tells the change: the session is not active any more */
    assert_int_equal(dt_rec_watch_poll(w, 0, count_change, &changes, NULL), DT_OK);
    assert_int_equal(changes, 1);
    dt_rec_watch_free(w);
    dt_recorder_close(ro);
    rec = open_rec();
    dt_rec_resume info;
    assert_int_equal(try_resume(rec, id, t, 0, &s2, &info, msg, sizeof msg), DT_EINVALID);
    assert_null(s2);
    if (!strstr(msg, "damaged") || !strstr(msg, "status"))
        fail_msg("refusal: %s", msg);
    dt_recorder_close(rec);
    dt_tree_free(t);
}

/* Two agents resuming at once: the second is refused at the start, with who and since when. */
static void test_claim_refuses_second_agent(void **state)
{
    (void)state;
    dt_tree *t = load_tree();
    dt_recorder *rec = open_rec();
    char id[37], msg[600];
    dt_session *s = begin(rec, t, "alice", id), *s2 = NULL;
    dt_recorder *rec2 = open_rec();
    dt_rec_resume info;
    assert_int_equal(try_resume(rec2, id, t, 0, &s2, &info, msg, sizeof msg), DT_ESTATE);
    assert_null(s2);
    if (!strstr(msg, "held by agent 'alice'") || !strstr(msg, "since 20") || !strstr(msg, "UTC"))
        fail_msg("refusal: %s", msg);
    assert_string_equal(dt_recorder_session_id(rec2), "");
    /* alice goes on undisturbed, and her events all land */
    assert_int_equal(dt_session_choose(s, 1, NULL), DT_OK);
    assert_false(dt_recorder_failed(rec));
    dt_recorder_close(rec); /* her call drops: the claim goes with it */
    dt_session_free(s);
    assert_int_equal(peek("SELECT count(*) FROM claims"), 0);
    assert_int_equal(try_resume(rec2, id, t, 0, &s2, &info, msg, sizeof msg), DT_OK);
    assert_int_equal(info.took_over, 0);
    assert_int_equal(peek("SELECT count(*) FROM claims WHERE holder = 'carol'"), 1);
    dt_recorder *rec3 = open_rec(); /* and now carol holds it */
    dt_session *s3 = NULL;
    assert_int_equal(try_resume(rec3, id, t, 0, &s3, &info, msg, sizeof msg), DT_ESTATE);
    assert_non_null(strstr(msg, "held by agent 'carol'"));
    dt_recorder_close(rec3);
    assert_int_equal(dt_session_continue(s2, NULL), DT_OK);
    assert_int_equal(dt_session_choose(s2, 0, NULL), DT_OK);
    assert_int_equal(dt_recorder_finish(rec2, DT_REC_COMPLETED, NULL), DT_OK);
    assert_int_equal(peek("SELECT count(*) FROM claims"), 0);
    assert_int_equal(peek("SELECT count(*) = max(seq) FROM events"), 1);
    dt_recorder_close(rec2);
    dt_session_free(s2);
    dt_tree_free(t);
}

/* A pid that no process has: one that has just exited. */
static long dead_pid(void)
{
    pid_t p = fork();
    if (p == 0)
        _exit(0);
    assert_true(p > 0);
    waitpid(p, NULL, 0);
    return (long)p;
}

/* A holder that crashed on this host is confirmed gone: resume takes the session at once.  Were it
 * still running, its next write finds the claim lost and stops, saying who has the session. */
static void test_claim_holder_gone_and_lost(void **state)
{
    (void)state;
    dt_tree *t = load_tree();
    dt_recorder *rec = open_rec();
    char id[37], msg[600], sql[96];
    dt_session *s = begin(rec, t, "alice", id), *s2 = NULL;
    sqlite3 *db = NULL;
    snprintf(sql, sizeof sql, "UPDATE claims SET pid = %ld", dead_pid());
    sqlite3_open(dbpath, &db);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    dt_recorder *rec2 = open_rec();
    dt_rec_resume info;
    assert_int_equal(try_resume(rec2, id, t, 0, &s2, &info, msg, sizeof msg), DT_OK);
    long long before = peek("SELECT count(*) FROM events");
    assert_int_equal(dt_session_choose(s, 1, NULL), DT_OK); /* the "dead" one writes: refused */
    assert_true(dt_recorder_failed(rec));
    assert_true(dt_recorder_claim_lost(rec));
    if (!strstr(dt_recorder_message(rec), "agent 'carol'") ||
        !strstr(dt_recorder_message(rec), "cannot be saved"))
        fail_msg("lost: %s", dt_recorder_message(rec));
    assert_int_equal(peek("SELECT count(*) FROM events"), before); /* nothing mixed in */
    assert_int_equal(dt_recorder_finish(rec, DT_REC_COMPLETED, NULL), DT_EIO);
    dt_recorder_close(rec);
    dt_session_free(s);
    assert_int_equal(peek("SELECT count(*) FROM claims WHERE holder = 'carol'"), 1);
    assert_int_equal(dt_session_choose(s2, 1, NULL), DT_OK);
    assert_false(dt_recorder_failed(rec2));
    dt_recorder_close(rec2);
    dt_session_free(s2);
    assert_int_equal(peek("SELECT count(*) = max(seq) FROM events"), 1);
    dt_tree_free(t);
}

/* An expired claim (another host: no process to check) is free; a live one only with take_over,
 * which the handoff records. */
static void test_claim_expiry_and_take_over(void **state)
{
    (void)state;
    dt_tree *t = load_tree();
    dt_recorder *rec = open_rec();
    char id[37], msg[600];
    dt_session *s = begin(rec, t, "alice", id), *s2 = NULL;
    sqlite3 *db = NULL;
    sqlite3_open(dbpath, &db); /* alice on another machine */
    assert_int_equal(sqlite3_exec(db, "UPDATE claims SET host = 'elsewhere'", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    dt_recorder *rec2 = open_rec();
    dt_rec_resume info;
    assert_int_equal(try_resume(rec2, id, t, 0, &s2, &info, msg, sizeof msg), DT_ESTATE);
    assert_non_null(strstr(msg, "host 'elsewhere'"));
    int64_t later = (int64_t)time(NULL) * 1000 + REC_CLAIM_MS + 1000;
    dt_recorder_set_clock(rec2, fixed_clock, &later);
    assert_int_equal(try_resume(rec2, id, t, 0, &s2, &info, msg, sizeof msg), DT_OK);
    assert_int_equal(info.took_over, 0); /* it had expired: nothing taken from anyone */
    dt_recorder_close(rec2);
    dt_session_free(s2);

    /* alice's claim had lapsed and carol added to the call: alice may not write any more */
    assert_int_equal(dt_session_choose(s, 1, NULL), DT_OK);
    assert_true(dt_recorder_claim_lost(rec));
    dt_recorder_close(rec);
    dt_session_free(s);

    rec = open_rec(); /* a live claim on another host: only --take-over, and it is recorded */
    s = begin(rec, t, "alice", id);
    sqlite3_open(dbpath, &db);
    sqlite3_exec(db, "UPDATE claims SET host = 'elsewhere'", NULL, NULL, NULL);
    sqlite3_close(db);
    rec2 = open_rec();
    assert_int_equal(try_resume(rec2, id, t, 1, &s2, &info, msg, sizeof msg), DT_OK);
    assert_int_equal(info.took_over, 1);
    assert_int_equal(peek("SELECT count(*) FROM events WHERE kind = 'handoff'"
                          " AND extra = 'take-over'"), 1);
    assert_int_equal(dt_session_choose(s, 1, NULL), DT_OK);
    assert_true(dt_recorder_claim_lost(rec));
    assert_non_null(strstr(dt_recorder_message(rec), "'carol'"));
    dt_recorder_close(rec);
    dt_session_free(s);
    assert_int_equal(dt_session_choose(s2, 1, NULL), DT_OK);
    assert_false(dt_recorder_failed(rec2));
    dt_recorder_close(rec2);
    dt_session_free(s2);
    dt_tree_free(t);
}

/* Finding 16: while another process holds the lock, the front end is told at once that we wait. */
static void count_wait(void *user, const char *path)
{
    assert_non_null(strstr(path, "s.db"));
    ++*(int *)user;
}

static void test_lock_wait_is_told(void **state)
{
    (void)state;
    dt_recorder *rec = open_rec();
    int told = 0;
    dt_recorder_set_busy_timeout(rec, 800);
    dt_recorder_set_wait_fn(rec, count_wait, &told);
    dt_tree *t = load_tree();
    char id[37];
    dt_session *s = begin(rec, t, "alice", id);
    assert_int_equal(told, 0); /* no lock, no word */
    sqlite3 *other = NULL;
    sqlite3_open(dbpath, &other);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(dt_session_choose(s, 1, NULL), DT_OK);
    assert_int_equal(told, 1); /* once per wait, not once per retry */
    assert_true(dt_recorder_failed(rec));
    sqlite3_exec(other, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(other);
    assert_int_equal(dt_session_continue(s, NULL), DT_OK);
    assert_false(dt_recorder_failed(rec));
    assert_int_equal(told, 1);
    dt_recorder_close(rec);
    dt_session_free(s);
    dt_tree_free(t);
}

/* Findings 16 and 17: a --db that is a directory or in a missing directory says so; an empty file
 * made by someone else is adopted private. */
static void test_path_messages_and_mode(void **state)
{
    (void)state;
    char sub[160];
    snprintf(sub, sizeof sub, "%s/d.db", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    dt_recorder *rec = NULL;
    dt_error *err = dt_error_new();
    const unsigned flags[] = {0, DT_REC_READONLY};
    for (int i = 0; i < 2; i++) {
        dt_error_clear(err);
        assert_int_not_equal(dt_recorder_open(sub, flags[i], &rec, err), DT_OK);
        if (!strstr(dt_error_text(err), "is a directory, not a database file"))
            fail_msg("directory: %s", dt_error_text(err));
    }
    snprintf(sub, sizeof sub, "%s/missing/x.db", dir);
    dt_error_clear(err);
    assert_int_not_equal(dt_recorder_open(sub, 0, &rec, err), DT_OK);
    if (!strstr(dt_error_text(err), "missing does not exist") ||
        strstr(dt_error_text(err), "does its directory exist"))
        fail_msg("missing directory: %s", dt_error_text(err));
    dt_error_free(err);
    FILE *f = fopen(dbpath, "w");
    fclose(f);
    chmod(dbpath, 0644);
    dt_recorder_close(open_rec());
    struct stat sb;
    assert_int_equal(stat(dbpath, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
}

/* Finding 6: the WAL and SHM deleted, or the database file replaced, under an open session: the
 * recorder says so and keeps the events, instead of writing into files nobody will read. */
static void test_files_changed_under_session(void **state)
{
    (void)state;
    dt_tree *t = load_tree();
    const char *what[] = {"-wal", ""};
    for (int i = 0; i < 2; i++) {
        unlink(dbpath);
        dt_recorder *rec = open_rec();
        char id[37], p[160];
        dt_session *s = begin(rec, t, "alice", id);
        assert_int_equal(dt_session_choose(s, 1, NULL), DT_OK);
        assert_false(dt_recorder_failed(rec));
        if (i == 0) {
            snprintf(p, sizeof p, "%s-wal", dbpath);
            assert_int_equal(unlink(p), 0);
            snprintf(p, sizeof p, "%s-shm", dbpath);
            assert_int_equal(unlink(p), 0);
        } else { /* another database put in its place */
            snprintf(p, sizeof p, "%s/other.db", dir);
            sqlite3 *db = NULL;
            sqlite3_open(p, &db);
            sqlite3_exec(db, "CREATE TABLE x(a)", NULL, NULL, NULL);
            sqlite3_close(db);
            assert_int_equal(rename(p, dbpath), 0);
        }
        assert_int_equal(dt_session_continue(s, NULL), DT_OK);
        assert_true(dt_recorder_failed(rec));
        assert_true(dt_recorder_stopped(rec));
        const char *m = dt_recorder_message(rec);
        char want[160];
        snprintf(want, sizeof want, "%s%s was %s", dbpath, what[i], i ? "replaced" : "deleted");
        if (!strstr(m, want) || !strstr(m, "kept in memory"))
            fail_msg("message: %s", m);
        size_t pend = dt_recorder_pending(rec);
        assert_true(pend > 0);
        assert_int_equal(dt_session_choose(s, 0, NULL), DT_OK); /* the call goes on */
        assert_true(dt_recorder_pending(rec) > pend);
        assert_int_not_equal(dt_recorder_finish(rec, DT_REC_COMPLETED, NULL), DT_OK);
        dt_recorder_close(rec);
        dt_session_free(s);
    }
    dt_tree_free(t);
}

/* Issue 11.4: the recorder's lookups are public calls (no model.h in record_write/resume). */
static void test_public_var_lookups(void **state)
{
    (void)state;
    dt_tree *t = load_tree();
    assert_int_equal(dt_tree_var_sensitive(t, "pin"), 1);
    assert_int_equal(dt_tree_var_sensitive(t, "n"), 0);
    assert_int_equal(dt_tree_var_sensitive(t, "nope"), 0);
    assert_int_equal(dt_tree_var_sensitive(NULL, "pin"), 0);
    assert_string_equal(dt_tree_var_default(t, "n"), "0");
    assert_null(dt_tree_var_default(t, "pin"));
    assert_null(dt_tree_var_default(t, "nope"));
    dt_tree_free(t);
}

/* dt_recorder_events_after (issue 13, dtree serve's event streams): a bounded batch after a seq,
 * with the row's status from the same snapshot; nothing new calls nothing. */
typedef struct after_seen {
    int64_t first, last;
    int n;
    char status[16];
} after_seen;

static int after_cb(void *user, const dt_rec_session *s, const dt_rec_event *e)
{
    after_seen *a = user;
    if (!a->n++)
        a->first = e->seq;
    a->last = e->seq;
    snprintf(a->status, sizeof a->status, "%s", s->status);
    return 0;
}

static void test_events_after(void **state)
{
    (void)state;
    dt_tree *t = load_tree();
    dt_recorder *rec = open_rec(), *reader = NULL;
    char id[37];
    dt_session *s = begin(rec, t, "ann", id);
    assert_int_equal(dt_session_choose(s, 0, NULL), DT_OK);
    assert_int_equal(dt_recorder_open(dbpath, DT_REC_READONLY, &reader, NULL), DT_OK);
    after_seen a = {0};
    assert_int_equal(dt_recorder_events_after(reader, id, 2, 2, after_cb, &a, NULL), DT_OK);
    assert_int_equal(a.n, 2);
    assert_true(a.first == 3 && a.last == 4);
    assert_string_equal(a.status, "active");
    long long total = peek("SELECT count(*) FROM events");
    memset(&a, 0, sizeof a);
    assert_int_equal(dt_recorder_events_after(reader, id, total, 0, after_cb, &a, NULL), DT_OK);
    assert_int_equal(a.n, 0);
    assert_int_equal(dt_recorder_finish(rec, DT_REC_COMPLETED, NULL), DT_OK);
    memset(&a, 0, sizeof a);
    assert_int_equal(dt_recorder_events_after(reader, id, 0, 0, after_cb, &a, NULL), DT_OK);
    assert_true(a.n == (int)total && a.first == 1 && a.last == total);
    assert_string_equal(a.status, "completed");
    assert_int_equal(dt_recorder_events_after(reader, "no-such-session", 0, 0, after_cb, &a, NULL),
                     DT_ENOTFOUND);
    dt_recorder_close(reader);
    dt_recorder_close(rec);
    dt_session_free(s);
    dt_tree_free(t);
}


/* ---- store names and dialects (record_db.c) ---------------------------------------------------- */

static void test_store_names(void **state)
{
    (void)state;
    static const struct {
        const char *in, *masked;
    } cases[] = {
        {"postgresql://alice:s3cret@db.example.com:5432/dtree",
         "postgresql://alice:***@db.example.com:5432/dtree"},
        {"postgres://alice@db/dtree?sslmode=require&password=s3cret&x=1",
         "postgres://alice@db/dtree?sslmode=require&password=***&x=1"},
        {"postgresql://bob:p%40ss@/dtree?host=/tmp", "postgresql://bob:***@/dtree?host=/tmp"},
        {"postgresql://alice@db/dtree", "postgresql://alice@db/dtree"},
        {"postgresql://alice:@db/dtree", "postgresql://alice:@db/dtree"},
        {"service=team password = 's3 cret' user=x", "service=team password = *** user=x"},
        {"service=team password=s3cret", "service=team password=***"},
        {"/tmp/password=x.db", "/tmp/password=x.db"}, /* a file name: shown as it is */
    };
    char buf[256];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dt_rec_store_mask(cases[i].in, buf, sizeof buf);
        assert_string_equal(buf, cases[i].masked);
        char copy[256];
        snprintf(copy, sizeof copy, "%s", cases[i].in);
        dt_rec_store_scrub(copy); /* same length, no password left */
        assert_int_equal(strlen(copy), strlen(cases[i].in));
        assert_null(strstr(copy, "s3cret"));
        assert_null(strstr(copy, "s3 cret"));
    }
    assert_true(dt_rec_store_is_pg("postgresql://x/y") && dt_rec_store_is_pg("postgres://x/y") &&
                dt_rec_store_is_pg("service=team"));
    assert_false(dt_rec_store_is_pg("sessions.db") || dt_rec_store_is_pg("./postgresql://x"));
    dt_rec_store_mask("postgresql://a:b@c/d", buf, 12); /* cut, terminated */
    assert_string_equal(buf, "postgresql:");
    /* the dialects differ in spelling only, never inside a string literal */
    rdb_dialect(RDB_SQLITE, "SELECT greatest(a, 1), 'greatest(' FROM t CROSS JOIN u", buf,
                sizeof buf);
    assert_string_equal(buf, "SELECT max(a, 1), 'greatest(' FROM t CROSS JOIN u");
    rdb_dialect(RDB_PG, "SELECT group_concat(step, ' > ') FROM t CROSS JOIN u ON 1", buf,
                sizeof buf);
    assert_string_equal(buf, "SELECT string_agg(step, ' > ' ORDER BY seq) FROM t JOIN u ON 1");
    rdb_dialect(RDB_PG, "SELECT 'CROSS JOIN', mygreatest(1)", buf, sizeof buf);
    assert_string_equal(buf, "SELECT 'CROSS JOIN', mygreatest(1)");
}

/* An event whose number the store already holds (or a later one) is refused, never merged. */
static void test_out_of_order_refused(void **state)
{
    (void)state;
    dt_recorder *rec = open_rec();
    dt_tree *t = load_tree();
    char id[37];
    dt_session *s = begin(rec, t, "alice", id);
    assert_false(dt_recorder_failed(rec));
    rec->next_seq = 2; /* as a second writer that lost count would: seq 2 exists */
    assert_int_equal(dt_session_choose(s, 1, NULL), DT_OK);
    assert_true(dt_recorder_failed(rec));
    assert_non_null(strstr(dt_recorder_message(rec), "already holds this event or a later one"));
    assert_int_equal(peek("SELECT count(*) = max(seq) FROM events"), 1); /* nothing merged */
    dt_recorder_close(rec);
    dt_session_free(s);
    dt_tree_free(t);
}

/* dt_recorder_require_token: writes are made while the token is live, checked in the write's
 * transaction; once revoked (by another connection, as `dtree token revoke` does), the next write
 * is refused whole, the recorder stops for good, and nothing of it reaches the store, not even at
 * close or after the requirement is lifted. */
static void test_required_token(void **state)
{
    (void)state;
    static const char hash[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    dt_recorder *rec = open_rec(), *other = open_rec();
    dt_tree *t = load_tree();
    char id[37];
    assert_int_equal(dt_recorder_token_add(rec, "carol", DT_ROLE_AGENT, hash, NULL), DT_OK);
    dt_session *s = begin(rec, t, "carol", id);
    dt_recorder_require_token(rec, hash);
    assert_int_equal(dt_recorder_token_state(rec), 0); /* nothing written yet: nothing known */
    assert_int_equal(dt_session_choose(s, 1, NULL), DT_OK);
    assert_int_equal(dt_recorder_token_state(rec), 1);
    assert_false(dt_recorder_failed(rec));
    long long events = peek("SELECT count(*) FROM events");
    dt_recorder_require_token(rec, hash); /* a new request: known again only by its write */
    assert_int_equal(dt_recorder_token_state(rec), 0);
    assert_int_equal(dt_recorder_token_revoke(other, "carol", NULL), DT_OK);
    assert_int_equal(dt_session_continue(s, NULL), DT_OK);
    assert_int_equal(dt_recorder_token_state(rec), -1);
    assert_true(dt_recorder_failed(rec) && dt_recorder_stopped(rec));
    assert_true(dt_recorder_pending(rec) > 0);
    assert_non_null(strstr(dt_recorder_message(rec), "revoked"));
    assert_int_equal(peek("SELECT count(*) FROM events"), events);
    dt_recorder_require_token(rec, NULL); /* lifting it does not let the refused events in */
    assert_int_equal(dt_recorder_token_state(rec), -1);
    assert_int_equal(dt_session_back(s, NULL), DT_OK);
    assert_int_not_equal(dt_recorder_flush(rec, NULL), DT_OK);
    dt_recorder_close(rec);
    assert_int_equal(peek("SELECT count(*) FROM events"), events);
    dt_recorder_close(other);
    dt_session_free(s);
    dt_tree_free(t);
}

/* Events queued under a required token whose write failed (the store locked) keep needing that
 * token: lifting the requirement does not let them in unchecked, and once the token is revoked
 * the retry refuses them whole. */
static void test_required_token_outlives_a_failure(void **state)
{
    (void)state;
    static const char hash[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    dt_recorder *rec = open_rec();
    dt_recorder_set_busy_timeout(rec, 100);
    dt_tree *t = load_tree();
    char id[37];
    assert_int_equal(dt_recorder_token_add(rec, "dora", DT_ROLE_AGENT, hash, NULL), DT_OK);
    dt_session *s = begin(rec, t, "dora", id);
    long long events = peek("SELECT count(*) FROM events");
    sqlite3 *other = NULL;
    sqlite3_open(dbpath, &other);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    dt_recorder_require_token(rec, hash);
    assert_int_equal(dt_session_choose(s, 1, NULL), DT_OK);
    assert_true(dt_recorder_failed(rec) && dt_recorder_pending(rec) > 0);
    assert_int_equal(dt_recorder_token_state(rec), 0);
    dt_recorder_require_token(rec, NULL); /* the request is over; its events still wait */
    assert_int_equal(sqlite3_exec(other, "UPDATE tokens SET revoked_ms = 1 WHERE name = 'dora';"
                                         " COMMIT",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(other);
    assert_int_not_equal(dt_recorder_flush(rec, NULL), DT_OK);
    assert_int_equal(dt_recorder_token_state(rec), -1);
    assert_true(dt_recorder_stopped(rec));
    dt_recorder_close(rec);
    assert_int_equal(peek("SELECT count(*) FROM events"), events);
    dt_session_free(s);
    dt_tree_free(t);
}

/* Opening a second recorder on the same file must not drop the first one's SQLite locks: POSIX
 * locks belong to the process and go with ANY close of the file.  dt_rec_create_private opened
 * and closed the database on every open, so a dtree token add (another process) closing its
 * connection then found itself "last", deleted the -wal and -shm, and the server's recorders
 * stopped ("the file ...-wal was deleted").  Found by tests/e2e/serve_live.sh (issue 13). */
static void test_open_keeps_others_locks(void **state)
{
    (void)state;
    dt_tree *t = load_tree();
    dt_recorder *a = open_rec();
    char id[37], wal[160];
    dt_session *s = begin(a, t, "ann", id);
    dt_recorder *b = open_rec(); /* what every new session of dtree serve does (kept open) */
    /* another program (a fork would share this process's SQLite state): writes, closes */
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "sqlite3 '%s' 'BEGIN IMMEDIATE; CREATE TABLE t(x); DROP TABLE t; COMMIT;'", dbpath);
    assert_int_equal(system(cmd), 0);
    struct stat sb;
    snprintf(wal, sizeof wal, "%s-wal", dbpath);
    assert_int_equal(stat(wal, &sb), 0);
    assert_int_equal(dt_session_choose(s, 0, NULL), DT_OK);
    assert_int_equal(dt_recorder_failed(a), 0);
    dt_recorder_close(b);
    dt_recorder_close(a);
    dt_session_free(s);
    dt_tree_free(t);
}

/* Each test on a store of its own (support_file.c) */
#define STORE_TEST(f) cmocka_unit_test_setup_teardown(f, sup_store_setup, sup_store_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        STORE_TEST(test_create_and_reopen),
        STORE_TEST(test_refuses_foreign_and_newer),
        STORE_TEST(test_migrates_v1),
        cmocka_unit_test(test_schema_steps),
        STORE_TEST(test_status_kinds),
        STORE_TEST(test_readonly),
        STORE_TEST(test_events_after),
        STORE_TEST(test_open_keeps_others_locks),
        STORE_TEST(test_records_a_session),
        STORE_TEST(test_full_disk_buffers_then_recovers),
        STORE_TEST(test_locked_then_flushed),
        STORE_TEST(test_queries),
        STORE_TEST(test_corrupt),
        STORE_TEST(test_resume_keeps_times),
        STORE_TEST(test_resume_plain_and_handoff),
        STORE_TEST(test_resume_sensitive_and_changed_tree),
        STORE_TEST(test_resume_sealed),
        STORE_TEST(test_resume_same_part),
        STORE_TEST(test_resume_after_cut),
        STORE_TEST(test_resume_initial_vars),
        STORE_TEST(test_hostile_user_version),
        STORE_TEST(test_resume_null_columns),
        STORE_TEST(test_resume_after_calls),
        STORE_TEST(test_resume_calls_back_restart_notes),
        STORE_TEST(test_column_table),
        cmocka_unit_test(test_store_names),
        cmocka_unit_test(test_event_kinds),
        STORE_TEST(test_out_of_order_refused),
        STORE_TEST(test_required_token),
        STORE_TEST(test_required_token_outlives_a_failure),
        STORE_TEST(test_claim_refuses_second_agent),
        STORE_TEST(test_claim_holder_gone_and_lost),
        STORE_TEST(test_claim_expiry_and_take_over),
        STORE_TEST(test_parts_after_handoff),
        STORE_TEST(test_hostile_times_kept_in_range),
        STORE_TEST(test_lock_wait_is_told),
        STORE_TEST(test_path_messages_and_mode),
        STORE_TEST(test_files_changed_under_session),
        STORE_TEST(test_public_var_lookups),
        STORE_TEST(test_caller_chosen_id),
        STORE_TEST(test_shared_connection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
