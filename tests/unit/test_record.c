/*
 * test_record.c — the recorder: schema creation and migration, refusing foreign/newer files,
 * one committed transaction per event, redaction, failure buffering (full disk, locked), queries
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
#include <unistd.h>

#include "dtree.h"
#include "record.h"

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

static char dir[64], dbpath[128];

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

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/dtrec.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(dbpath, sizeof dbpath, "%s/s.db", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
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
    dt_record_meta m = {agent, "scripted", "host1"};
    assert_int_equal(dt_recorder_begin(rec, s, t, &m, id, NULL), DT_OK);
    assert_int_equal(dt_session_start(s, NULL), DT_OK);
    return s;
}

static const char *cur(dt_session *s)
{
    return dt_session_view(s)->step_id;
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
    fake.path = dbpath;
    assert_int_equal(sqlite3_open(dbpath, &fake.db), SQLITE_OK);
    assert_int_equal(dt_rec_schema_upgrade(&fake, 1, NULL), DT_OK);
    sqlite3_close(fake.db);
    assert_int_equal(peek("PRAGMA user_version"), 1);
    assert_int_equal(peek("SELECT count(*) FROM sqlite_master WHERE name = 'events_step'"), 0);
    dt_recorder_close(open_rec());
    assert_int_equal(peek("PRAGMA user_version"), 2);
    assert_int_equal(peek("SELECT count(*) FROM sqlite_master WHERE name = 'events_step'"), 1);
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
    sqlite3_exec(rec->db, "PRAGMA max_page_count = 1", NULL, NULL, NULL); /* = current size */
    int rounds = 0;
    while (!dt_recorder_failed(rec) && rounds++ < 500)
        assert_int_equal(dt_session_restart(s, NULL), DT_OK);
    assert_true(dt_recorder_failed(rec));
    assert_non_null(strstr(dt_recorder_message(rec), "full"));
    assert_non_null(strstr(dt_recorder_message(rec), "kept in memory"));
    size_t pend = dt_recorder_pending(rec);
    assert_true(pend > 0);
    assert_int_equal(dt_session_choose(s, 1, NULL), DT_OK); /* still walking; still buffered */
    assert_true(dt_recorder_pending(rec) > pend);
    dt_error *err = dt_error_new();
    assert_int_equal(dt_recorder_finish(rec, DT_REC_COMPLETED, err), DT_EIO);
    assert_non_null(strstr(dt_error_text(err), "full"));
    sqlite3_exec(rec->db, "PRAGMA max_page_count = 100000", NULL, NULL, NULL); /* space again */
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
    sqlite3_exec(other, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(other);
    assert_int_equal(dt_session_continue(s, NULL), DT_OK);
    assert_false(dt_recorder_failed(rec));
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
    sqlite3_prepare_v2(rec->db, "SELECT uuid FROM sessions WHERE agent = 'alice'", -1, &st, NULL);
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
    const dt_rec_table *out = dt_rec_report_table(r, 1);
    assert_int_equal(out->nrows, 2);
    const dt_rec_table *drop = dt_rec_report_table(r, 2);
    assert_int_equal(drop->nrows, 1);
    assert_string_equal(drop->cells[1], "q2");
    const dt_rec_table *choices = dt_rec_report_table(r, 5);
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
    dt_record_meta m = {"carol", "agent", "host2"};
    dt_status st = dt_recorder_resume(rec, id, t, &m, &s, info, err);
    if (st != want)
        fail_msg("resume: %s", dt_error_text(err));
    dt_error_free(err);
    return s;
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
    dt_record_meta m = {"carol", "agent", "h"};
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_and_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_foreign_and_newer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrates_v1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readonly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_records_a_session, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_disk_buffers_then_recovers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_locked_then_flushed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_plain_and_handoff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_sensitive_and_changed_tree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_after_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_initial_vars, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
