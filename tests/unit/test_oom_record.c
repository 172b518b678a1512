/*
 * test_oom_record.c — out-of-memory stepping for the recorder: fail engine allocation k for every k
 * while a session is recorded, finished, listed, read back as a transcript and reported on; each
 * failure must be a clean DT_ENOMEM with nothing leaked; then watched (nothing
 * changes) and copied into a second store (sync).  (SQLite's own allocations are not the
 * engine's and are not failed here.)  Left out of `make RECORD=no`, which has no recorder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dtree.h"
#include "support.h"

static char dir[64], db[96], db2[96];

static const char tree_xml[] =
    "<tree id='rec' version='1' title='Recorded' start='q'>\n"
    " <var name='pin' type='text' sensitive='true'/>\n"
    " <question id='q'><say>Go?</say><choice id='go' to='in'>Go</choice></question>\n"
    " <input id='in' var='pin' next='i'><say>PIN?</say></input>\n"
    " <info id='i' next='e'><say>Thanks</say></info>\n"
    " <end id='e' outcome='resolved'><say>Bye</say></end>\n"
    "</tree>\n";

static int on_session(void *user, const dt_rec_session *s)
{
    (void)s;
    (*(int *)user)++;
    return 0;
}

static int on_change(void *user, dt_rec_change c, const dt_rec_session *s)
{
    (void)c, (void)s;
    (*(int *)user)++;
    return 0;
}

static int on_event(void *user, const dt_rec_session *s, const dt_rec_event *ev)
{
    (void)s, (void)ev;
    (*(int *)user)++;
    return 0;
}

/* A recorded call from start to end, with a note and a back. */
static dt_status record(dt_recorder *rec, const dt_tree *tree, dt_error *err, char id[37])
{
    dt_session *s = NULL;
    dt_record_meta meta = {.agent = "alice", .mode = "agent", .host = "host"};
    dt_status st = dt_session_new(tree, &s, err);
    if (!st)
        st = dt_recorder_begin(rec, s, tree, &meta, id, err);
    if (!st)
        st = dt_session_start(s, err);
    if (!st)
        st = dt_session_note(s, "calm", err);
    if (!st)
        st = dt_session_choose(s, 0, err);
    if (!st)
        st = dt_session_back(s, err);
    if (!st)
        st = dt_session_choose(s, 0, err);
    if (!st)
        st = dt_session_input(s, "1234", err);
    if (!st)
        st = dt_session_continue(s, err);
    if (!st)
        st = dt_recorder_finish(rec, DT_REC_COMPLETED, err);
    /* An observer cannot fail: an event the recorder could not even queue is reported by
     * dt_recorder_failed, with the reason (dtree.h, "Recording sessions"). */
    if (!st && dt_recorder_failed(rec))
        st = strstr(dt_recorder_message(rec), "out of memory") ? DT_ENOMEM : DT_EIO;
    dt_recorder_close(rec); /* detaches before the session goes */
    dt_session_free(s);
    return st;
}

static dt_status read_back(const char *id, const dt_tree *tree, dt_error *err)
{
    dt_recorder *rec = NULL;
    int n = 0, events = 0;
    dt_rec_report *rep = NULL;
    dt_status st = dt_recorder_open(db, DT_REC_READONLY, &rec, err);
    if (!st)
        st = dt_recorder_list(rec, NULL, on_session, &n, err);
    if (!st)
        st = dt_recorder_get(rec, id, on_session, &n, err);
    if (!st)
        st = dt_recorder_transcript(rec, id, tree, on_event, &events, err);
    if (!st)
        st = dt_recorder_events(rec, NULL, on_event, &events, err);
    if (!st)
        st = dt_recorder_report(rec, NULL, 0, &rep, err);
    if (!st && (n != 2 || events < 10 || dt_rec_report_count(rep) == 0))
        st = DT_ESTATE;
    dt_rec_report_free(rep);
    dt_rec_watch *w = NULL;
    if (!st)
        st = dt_rec_watch_new(rec, NULL, &w, err);
    if (!st)
        st = dt_rec_watch_poll(w, 0, on_change, &n, err);
    dt_rec_watch_free(w);
    dt_recorder *to = NULL;
    dt_rec_sync_stats ss;
    if (!st)
        st = dt_recorder_open(db2, 0, &to, err);
    if (!st)
        st = dt_recorder_sync(rec, to, NULL, NULL, NULL, &ss, err);
    if (!st && (ss.created != 1 || ss.events < 10))
        st = DT_ESTATE;
    dt_recorder_close(to);
    dt_recorder_close(rec);
    return st;
}

static dt_status record_once(void *user)
{
    (void)user;
    unlink(db);
    unlink(db2);
    dt_error *err = dt_error_new();
    dt_tree *tree = NULL;
    dt_recorder *rec = NULL;
    char id[37] = "";
    dt_status st = err ? DT_OK : DT_ENOMEM;
    if (!st)
        st = dt_tree_load_memory(tree_xml, sizeof tree_xml - 1, "rec.xml", NULL, &tree, err);
    if (!st)
        st = dt_recorder_open(db, 0, &rec, err);
    if (!st)
        st = record(rec, tree, err, id);
    else
        dt_recorder_close(rec);
    if (!st)
        st = read_back(id, tree, err);
    if (st && st != DT_ENOMEM)
        fprintf(stderr, "unexpected status %s: %s\n", dt_status_str(st), err ? dt_error_text(err) : "");
    dt_tree_free(tree);
    dt_error_free(err);
    return st;
}

static void test_oom_recorder(void **state)
{
    (void)state;
    /* tmpfs when there is one: every commit is synchronous=FULL, and a disk makes 400 runs slow */
    snprintf(dir, sizeof dir, "/dev/shm/dt_oomrec_XXXXXX");
    if (!mkdtemp(dir)) {
        snprintf(dir, sizeof dir, "/tmp/dt_oomrec_XXXXXX");
        assert_non_null(mkdtemp(dir));
    }
    snprintf(db, sizeof db, "%s/s.db", dir);
    snprintf(db2, sizeof db2, "%s/copy.db", dir);
    sup_alloc_install();
    long k = sup_oom_step("record, list, transcript, report, sync", record_once, NULL);
    sup_alloc_remove();
    print_message("recorder: %ld allocation points each failed cleanly\n", k);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    assert_true(k > 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_oom_recorder)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
