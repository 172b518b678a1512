/*
 * test_record_group.c — one COMMIT per answer, and group commit (record_group.c): the writes of
 * sessions sharing one SQLite connection that wait at once go in one COMMIT, each still gets its
 * own result, a refused write loses none of the others' events, and a failed COMMIT keeps every
 * write of its group queued.  The connection lock is a ticket lock as `dtree serve` has; the tests
 * that need a group for certain hold it while K writers queue behind, then let them go.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dtree.h"
#include "support.h"
#include "record.h"

#define RAW(rec) ((sqlite3 *)rdb_sqlite_handle((rec)->db))
#define K 6 /* writers in the group tests */

/* the store of each test (sup_store_setup) */
static const char *const dbpath = sup_store_db;

/* ---- a ticket lock, as the server's connection lock ---- */
typedef struct tlock {
    pthread_mutex_t m;
    pthread_cond_t cv;
    unsigned long next, serving;
} tlock;
static tlock L = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};

static void take(tlock *l)
{
    pthread_mutex_lock(&l->m);
    unsigned long t = l->next++;
    while (t != l->serving)
        pthread_cond_wait(&l->cv, &l->m);
    pthread_mutex_unlock(&l->m);
}

static void give(tlock *l)
{
    pthread_mutex_lock(&l->m);
    l->serving++;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->m);
}

/* How many wait for the lock (the holder not counted). */
static unsigned long waiting(tlock *l)
{
    pthread_mutex_lock(&l->m);
    unsigned long n = l->next - l->serving - 1;
    pthread_mutex_unlock(&l->m);
    return n;
}

static unsigned release_cb(void *user)
{
    give(user);
    return 1;
}

static void retake_cb(void *user, unsigned held)
{
    assert_int_equal(held, 1);
    take(user);
}

static int commits;
static int veto; /* 1: every COMMIT fails (the commit hook turns it into a rollback) */
static int on_commit(void *user)
{
    (void)user;
    commits++;
    return veto;
}

static long long peek(const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    long long v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static long long events_of(const char *id)
{
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM events e JOIN sessions s ON s.sid = e.sid WHERE s.uuid = '%s'",
             id);
    return peek(sql);
}

static int setup(void **state)
{
    commits = veto = 0;
    return sup_store_setup(state);
}

static dt_recorder *open_base(int group)
{
    dt_recorder *rec = NULL;
    assert_int_equal(dt_recorder_open(dbpath, 0, &rec, NULL), DT_OK);
    if (group)
        assert_int_equal(
            dt_recorder_group_commit(rec, 64, release_cb, retake_cb, &L, NULL), DT_OK);
    sqlite3_commit_hook(RAW(rec), on_commit, NULL);
    return rec;
}

typedef struct writer {
    dt_recorder *rec;
    dt_session *s;
    char id[37];
    int answers, failed;
} writer;

static void start(writer *w, dt_recorder *base, const dt_tree *t)
{
    dt_record_meta m = {.agent = "a", .mode = "scripted", .host = "h"};
    assert_int_equal(dt_recorder_open_shared(base, &w->rec, NULL), DT_OK);
    assert_int_equal(dt_session_new(t, &w->s, NULL), DT_OK);
    assert_int_equal(dt_recorder_begin(w->rec, w->s, t, &m, w->id, NULL), DT_OK);
    assert_int_equal(dt_session_start(w->s, NULL), DT_OK);
}

static void stop(writer *w)
{
    dt_recorder_close(w->rec);
    dt_session_free(w->s);
}

/* One answer under the connection lock, as a server request makes it. */
static void *answer_once(void *arg)
{
    writer *w = arg;
    take(&L);
    if (dt_session_choose_label(w->s, "1", NULL) == DT_OK)
        w->answers++;
    w->failed = dt_recorder_failed(w->rec);
    give(&L);
    return NULL;
}

/* The K writers each answer once while the lock is held here; then it is let go: the first
 * writer's turn comes back after all the others queued their writes. */
static void answer_together(writer *w)
{
    pthread_t th[K];
    take(&L);
    for (int i = 0; i < K; i++)
        assert_int_equal(pthread_create(&th[i], NULL, answer_once, &w[i]), 0);
    while (waiting(&L) < K)
        sched_yield();
    give(&L);
    for (int i = 0; i < K; i++)
        pthread_join(th[i], NULL);
}

/* Without a group: an answer (its ANSWER and the STEP it leads to) is one COMMIT. */
static void test_one_commit_per_answer(void **state)
{
    (void)state;
    dt_tree *t = sup_loop_tree();
    dt_recorder *base = open_base(0);
    writer w = {0};
    start(&w, base, t);
    long long before = events_of(w.id);
    commits = 0;
    for (int i = 0; i < 10; i++)
        assert_int_equal(dt_session_choose_label(w.s, "1", NULL), DT_OK);
    assert_int_equal(commits, 10);
    assert_int_equal(events_of(w.id), before + 20);
    stop(&w);
    dt_recorder_close(base);
    dt_tree_free(t);
}

static void start_all(writer *w, dt_recorder *base, const dt_tree *t)
{
    take(&L); /* begin writes too: under the lock, as the server's requests */
    for (int i = 0; i < K; i++)
        start(&w[i], base, t);
    give(&L);
}

static void count_all(const writer *w, long long *before)
{
    for (int i = 0; i < K; i++)
        before[i] = events_of(w[i].id);
    commits = 0;
}

/* Each writer answered `answers` times, failed as `failed_one` says (-1: none), and its store
 * holds `added` more events (none for the failed one). */
static void expect_all(const writer *w, const long long *before, int failed_one, int added)
{
    for (int i = 0; i < K; i++) {
        assert_int_equal(w[i].failed, i == failed_one);
        assert_int_equal(events_of(w[i].id), before[i] + (i == failed_one ? 0 : added));
    }
}

static void stop_all(writer *w, dt_recorder *base, dt_tree *t)
{
    take(&L);
    for (int i = 0; i < K; i++)
        stop(&w[i]);
    give(&L);
    dt_recorder_close(base);
    dt_tree_free(t);
}

/* K answers at once: one COMMIT, each its own success, every event stored. */
static void test_group_one_commit(void **state)
{
    (void)state;
    dt_tree *t = sup_loop_tree();
    dt_recorder *base = open_base(1);
    writer w[K] = {0};
    long long before[K];
    start_all(w, base, t);
    count_all(w, before);
    answer_together(w);
    assert_int_equal(commits, 1);
    expect_all(w, before, -1, 2);
    for (int i = 0; i < K; i++)
        assert_int_equal(w[i].answers, 1);
    uint64_t writes, groups;
    dt_recorder_group_stats(base, &writes, &groups);
    assert_true(writes >= K && groups < writes);
    stop_all(w, base, t);
}

/* One writer's event is refused (the store already holds a later one): its part alone is taken
 * back; the others' events are all in the same COMMIT. */
static void test_group_refusal_is_its_own(void **state)
{
    (void)state;
    dt_tree *t = sup_loop_tree();
    dt_recorder *base = open_base(1);
    writer w[K] = {0};
    long long before[K];
    start_all(w, base, t);
    char sql[600];
    snprintf(sql, sizeof sql,
             "INSERT INTO events(sid, seq, time_ms, kind, tree_id, step_id, step_kind, choice_id,"
             " label, var, value, text, outcome, extra, sensitive, path_length)"
             " SELECT sid, seq + 100, time_ms, kind, tree_id, step_id, step_kind, choice_id, label,"
             " var, value, text, outcome, extra, sensitive, path_length FROM events WHERE sid ="
             " (SELECT sid FROM sessions WHERE uuid = '%s') ORDER BY seq DESC LIMIT 1 RETURNING 1",
             w[2].id);
    assert_int_equal(peek(sql), 1);
    count_all(w, before);
    answer_together(w);
    assert_int_equal(commits, 1);
    expect_all(w, before, 2, 2);
    assert_int_equal(dt_recorder_pending(w[2].rec), 2); /* kept in memory, not lost */
    assert_string_not_equal(dt_recorder_message(w[2].rec), "");
    stop_all(w, base, t);
}

/* One writer needs a token that was revoked (dt_recorder_require_token): in a group its write
 * alone is refused and it stops; the others' are in the same COMMIT. */
static void test_group_revoked_token_is_its_own(void **state)
{
    (void)state;
    static const char hash[] = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
    dt_tree *t = sup_loop_tree();
    dt_recorder *base = open_base(1);
    writer w[K] = {0};
    long long before[K];
    start_all(w, base, t);
    assert_int_equal(dt_recorder_token_add(base, "gone", DT_ROLE_AGENT, hash, NULL), DT_OK);
    assert_int_equal(dt_recorder_token_revoke(base, "gone", NULL), DT_OK);
    commits = 0;
    dt_recorder_require_token(w[3].rec, hash);
    count_all(w, before);
    answer_together(w);
    assert_int_equal(commits, 1);
    expect_all(w, before, 3, 2);
    assert_int_equal(dt_recorder_token_state(w[3].rec), -1);
    assert_true(dt_recorder_stopped(w[3].rec));
    assert_int_equal(dt_recorder_token_state(w[2].rec), 0);
    stop_all(w, base, t);
}

/* The COMMIT fails: every write of the group fails and keeps its events; the next write of each
 * stores them all. */
static void test_group_commit_failure_keeps_all(void **state)
{
    (void)state;
    dt_tree *t = sup_loop_tree();
    dt_recorder *base = open_base(1);
    writer w[K] = {0};
    long long before[K];
    start_all(w, base, t);
    count_all(w, before);
    veto = 1;
    answer_together(w);
    assert_int_equal(commits, 1); /* one COMMIT tried, for all of them */
    for (int i = 0; i < K; i++) {
        assert_int_equal(w[i].failed, 1);
        assert_int_equal(dt_recorder_pending(w[i].rec), 2);
        assert_int_equal(events_of(w[i].id), before[i]);
    }
    veto = 0;
    answer_together(w);
    expect_all(w, before, -1, 4);
    for (int i = 0; i < K; i++)
        assert_int_equal(dt_recorder_pending(w[i].rec), 0);
    stop_all(w, base, t);
}

/* Many rounds with no help from the test: every answer stored, fewer COMMITs than answers. */
static void *answer_many(void *arg)
{
    for (int i = 0; i < 25; i++)
        answer_once(arg);
    return NULL;
}

static void test_group_free_running(void **state)
{
    (void)state;
    dt_tree *t = sup_loop_tree();
    dt_recorder *base = open_base(1);
    writer w[K] = {0};
    long long before[K];
    pthread_t th[K];
    start_all(w, base, t);
    count_all(w, before);
    take(&L);
    for (int i = 0; i < K; i++)
        assert_int_equal(pthread_create(&th[i], NULL, answer_many, &w[i]), 0);
    while (waiting(&L) < K)
        sched_yield();
    give(&L);
    for (int i = 0; i < K; i++)
        pthread_join(th[i], NULL);
    assert_true(commits < K * 25);
    expect_all(w, before, -1, 50);
    for (int i = 0; i < K; i++)
        assert_int_equal(w[i].answers, 25);
    stop_all(w, base, t);
}

static void test_group_refuses_bad_use(void **state)
{
    (void)state;
    dt_recorder *base = open_base(0), *shared = NULL;
    assert_int_equal(dt_recorder_group_commit(base, 0, release_cb, retake_cb, &L, NULL), DT_EARG);
    assert_int_equal(dt_recorder_group_commit(base, 64, NULL, retake_cb, &L, NULL), DT_EARG);
    assert_int_equal(dt_recorder_open_shared(base, &shared, NULL), DT_OK);
    assert_int_equal(dt_recorder_group_commit(shared, 64, release_cb, retake_cb, &L, NULL),
                     DT_EARG);
    assert_int_equal(dt_recorder_group_commit(base, 64, release_cb, retake_cb, &L, NULL), DT_OK);
    assert_int_equal(dt_recorder_group_commit(base, 64, release_cb, retake_cb, &L, NULL), DT_EARG);
    dt_recorder_close(shared);
    dt_recorder_close(base);
}

/* The PostgreSQL write batch (record_batch.c, run by tests/e2e/serve_group.sh on PostgreSQL)
 * refuses a bad size and an SQLite recorder, which has its group commit instead; nothing
 * written through it counts nothing. */
static void test_batch_refuses_bad_use(void **state)
{
    (void)state;
    int sentinel;
    dt_recorder_batch *b = (dt_recorder_batch *)(void *)&sentinel; /* must be set to NULL */
    dt_error *err = dt_error_new();
    assert_int_equal(dt_recorder_batch_new(0, &b, err), DT_EARG);
    assert_null(b);
    assert_non_null(strstr(dt_error_text(err), "1 to 1024"));
    dt_error_free(err);
    assert_int_equal(dt_recorder_batch_new(1025, &b, NULL), DT_EARG);
    assert_int_equal(dt_recorder_batch_new(64, &b, NULL), DT_OK);
    dt_recorder *base = open_base(0);
    assert_int_equal(dt_recorder_batch_join(base, b, NULL), DT_EARG);
    assert_int_equal(dt_recorder_batch_join(NULL, b, NULL), DT_EARG);
    uint64_t w = 9, k = 9;
    dt_recorder_batch_stats(b, &w, &k);
    assert_true(w == 0 && k == 0);
    w = k = 9;
    dt_recorder_batch_stats(NULL, &w, &k);
    assert_true(w == 0 && k == 0);
    dt_recorder_close(base);
    dt_recorder_batch_free(b);
    dt_recorder_batch_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_one_commit_per_answer, setup, sup_store_teardown),
        cmocka_unit_test_setup_teardown(test_group_one_commit, setup, sup_store_teardown),
        cmocka_unit_test_setup_teardown(test_group_refusal_is_its_own, setup, sup_store_teardown),
        cmocka_unit_test_setup_teardown(test_group_revoked_token_is_its_own, setup,
                                        sup_store_teardown),
        cmocka_unit_test_setup_teardown(test_group_commit_failure_keeps_all, setup, sup_store_teardown),
        cmocka_unit_test_setup_teardown(test_group_free_running, setup, sup_store_teardown),
        cmocka_unit_test_setup_teardown(test_group_refuses_bad_use, setup, sup_store_teardown),
        cmocka_unit_test_setup_teardown(test_batch_refuses_bad_use, setup, sup_store_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
