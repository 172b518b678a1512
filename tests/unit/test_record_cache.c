/*
 * test_record_cache.c — the SQLite connection's statement cache (record_db_sqlite_cache.c): an
 * entry is lent to one user at a time, the least recently used free entry makes room, a full
 * cache keeps nothing more; and the recorder's writes reuse one prepared statement across the
 * sessions sharing a connection, with no more statements alive than the cache holds (a
 * statement held by every live session of `dtree serve` would fill it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "dtree.h"
#include "record.h"
#include "record_db_sqlite_cache.h"
#include "support.h"

#define SESSIONS 40 /* more than SCACHE_SIZE, so that one statement each would not fit */
#define ANSWERS 5

/* the store of each test (sup_store_setup) */
static const char *const dbpath = sup_store_db;

static sqlite3 *mem_db(void)
{
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(":memory:", &h), SQLITE_OK);
    return h;
}

static sqlite3_stmt *prep(sqlite3 *h, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    return st;
}

static int alive(sqlite3 *h)
{
    int n = 0;
    for (sqlite3_stmt *st = sqlite3_next_stmt(h, NULL); st; st = sqlite3_next_stmt(h, st))
        n++;
    return n;
}

/* Lent once at a time; given back reset, lent again as the same statement. */
static void test_lend_one_at_a_time(void **state)
{
    (void)state;
    sqlite3 *h = mem_db();
    scache c;
    memset(&c, 0, sizeof c);
    sqlite3_stmt *st = prep(h, "SELECT 1");
    assert_int_equal(scache_keep(&c, "SELECT 1", st), 0);
    assert_null(scache_lend(&c, "SELECT 1")); /* still lent to its first user */
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(scache_give_back(&c, st), 1);
    assert_int_equal(sqlite3_stmt_busy(st), 0); /* reset when given back */
    assert_ptr_equal(scache_lend(&c, "SELECT 1"), st);
    assert_null(scache_lend(&c, "SELECT 2"));
    sqlite3_stmt *other = prep(h, "SELECT 2");
    assert_int_equal(scache_give_back(&c, other), 0); /* not the cache's */
    sqlite3_finalize(other);
    scache_clear(&c);
    assert_int_equal(alive(h), 0);
    sqlite3_close(h);
}

/* Full of free entries: the least recently lent one goes.  Full of lent ones: nothing is kept. */
static void test_replace_least_recent(void **state)
{
    (void)state;
    sqlite3 *h = mem_db();
    scache c;
    memset(&c, 0, sizeof c);
    char sql[32];
    for (int i = 0; i < SCACHE_SIZE; i++) {
        snprintf(sql, sizeof sql, "SELECT %d", i);
        sqlite3_stmt *st = prep(h, sql);
        assert_int_equal(scache_keep(&c, sql, st), 0);
        assert_int_equal(scache_give_back(&c, st), 1);
    }
    sqlite3_stmt *zero = scache_lend(&c, "SELECT 0"); /* 0 is now the most recent: 1 goes */
    assert_non_null(zero);
    scache_give_back(&c, zero);
    sqlite3_stmt *st = prep(h, "SELECT 'new'");
    assert_int_equal(scache_keep(&c, "SELECT 'new'", st), 0);
    assert_null(scache_lend(&c, "SELECT 1"));
    assert_non_null(scache_lend(&c, "SELECT 0"));
    assert_int_equal(alive(h), SCACHE_SIZE);
    for (int i = 2; i < SCACHE_SIZE; i++) { /* every entry lent */
        snprintf(sql, sizeof sql, "SELECT %d", i);
        assert_non_null(scache_lend(&c, sql));
    }
    sqlite3_stmt *extra = prep(h, "SELECT 'extra'");
    assert_int_equal(scache_keep(&c, "SELECT 'extra'", extra), 1);
    sqlite3_finalize(extra);
    scache_clear(&c);
    assert_int_equal(alive(h), 0);
    sqlite3_close(h);
}

/* SESSIONS sessions on one connection answer ANSWERS times each: one INSERT statement serves
 * them all, and the statements alive stay within the cache. */
static void test_recorder_reuses_statements(void **state)
{
    (void)state;
    dt_tree *t = sup_loop_tree();
    dt_recorder *base = NULL, *rec[SESSIONS];
    dt_session *s[SESSIONS];
    assert_int_equal(dt_recorder_open(dbpath, 0, &base, NULL), DT_OK);
    dt_record_meta m = {.agent = "a", .mode = "scripted", .host = "h"};
    for (int i = 0; i < SESSIONS; i++) {
        char id[37];
        assert_int_equal(dt_recorder_open_shared(base, &rec[i], NULL), DT_OK);
        assert_int_equal(dt_session_new(t, &s[i], NULL), DT_OK);
        assert_int_equal(dt_recorder_begin(rec[i], s[i], t, &m, id, NULL), DT_OK);
        assert_int_equal(dt_session_start(s[i], NULL), DT_OK);
    }
    for (int a = 0; a < ANSWERS; a++)
        for (int i = 0; i < SESSIONS; i++) {
            assert_int_equal(dt_session_choose_label(s[i], "1", NULL), DT_OK);
            assert_int_equal(dt_recorder_failed(rec[i]), 0);
        }
    sqlite3 *h = rdb_sqlite_handle(base->db);
    assert_true(alive(h) <= SCACHE_SIZE);
    int most = 0;
    for (sqlite3_stmt *st = sqlite3_next_stmt(h, NULL); st; st = sqlite3_next_stmt(h, st)) {
        int runs = sqlite3_stmt_status(st, SQLITE_STMTSTATUS_RUN, 0);
        most = runs > most ? runs : most;
    }
    assert_true(most >= SESSIONS * ANSWERS); /* the events INSERT, or the session's UPDATE */
    for (int i = 0; i < SESSIONS; i++) {
        dt_recorder_close(rec[i]);
        dt_session_free(s[i]);
    }
    dt_recorder_close(base);
    dt_tree_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lend_one_at_a_time),
        cmocka_unit_test(test_replace_least_recent),
        cmocka_unit_test_setup_teardown(test_recorder_reuses_statements, sup_store_setup, sup_store_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
