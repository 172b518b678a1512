/*
 * bench_record.c — recording throughput for bench/record_bench.sh pg: N threads, each with its own
 * recorder (one connection each, as N agents' machines would have), walk a long tree for S seconds,
 * recording every answer (one committed transaction per answer, before the next step).
 * Output: one line "writers=N seconds=S answers=A events=E sessions=K failed=F".
 * Usage: bench_record STORE TREE WRITERS SECONDS
 */
#include "dtree.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct worker {
    const char *store;
    const dt_tree *tree;
    double until;
    long answers, events, sessions, failed;
    pthread_t th;
} worker;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void count_event(void *user, const dt_event *ev)
{
    (void)ev;
    ((worker *)user)->events++;
}

/* One session to its end (or to the deadline); 0, or -1 when recording failed. */
static int one_session(worker *w, dt_recorder *rec)
{
    dt_session *s = NULL;
    dt_record_meta meta = {.agent = "bench", .mode = "scripted", .host = "bench"};
    char id[37];
    if (dt_session_new(w->tree, &s, NULL) != DT_OK)
        return -1;
    int bad = dt_recorder_begin(rec, s, w->tree, &meta, id, NULL) != DT_OK;
    if (!bad)
        dt_recorder_chain(rec, count_event, w);
    bad = bad || dt_session_start(s, NULL) != DT_OK;
    while (!bad && !dt_session_ended(s) && now() < w->until) {
        bad = dt_session_choose(s, 0, NULL) != DT_OK || dt_recorder_failed(rec);
        w->answers += !bad;
    }
    bad = dt_recorder_finish(rec, dt_session_ended(s) ? DT_REC_COMPLETED : DT_REC_ABANDONED,
                             NULL) != DT_OK ||
          bad;
    dt_session_free(s);
    w->sessions++;
    return bad ? -1 : 0;
}

static void *run(void *arg)
{
    worker *w = arg;
    dt_recorder *rec = NULL;
    if (dt_recorder_open(w->store, 0, &rec, NULL) != DT_OK) {
        w->failed++;
        return NULL;
    }
    while (now() < w->until && w->failed < 10)
        w->failed += one_session(w, rec) != 0;
    dt_recorder_close(rec);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: bench_record STORE TREE WRITERS SECONDS\n");
        return 2;
    }
    int n = atoi(argv[3]);
    double secs = atof(argv[4]);
    dt_error *err = dt_error_new();
    dt_tree *t = NULL;
    if (n < 1 || n > 256 || secs <= 0 || dt_tree_load_file(argv[2], NULL, &t, err) != DT_OK) {
        fprintf(stderr, "bench_record: %s\n", t ? "bad arguments" : dt_error_text(err));
        return 2;
    }
    worker *w = calloc((size_t)n, sizeof *w);
    double t0 = now();
    for (int i = 0; w && i < n; i++) {
        w[i] = (worker){.store = argv[1], .tree = t, .until = t0 + secs};
        pthread_create(&w[i].th, NULL, run, &w[i]);
    }
    long a = 0, e = 0, k = 0, f = 0;
    for (int i = 0; w && i < n; i++) {
        pthread_join(w[i].th, NULL);
        a += w[i].answers, e += w[i].events, k += w[i].sessions, f += w[i].failed;
    }
    double t1 = now();
    printf("writers=%d seconds=%.3f answers=%ld events=%ld sessions=%ld failed=%ld\n", n, t1 - t0,
           a, e, k, f);
    free(w);
    dt_tree_free(t);
    dt_error_free(err);
    return f ? 1 : 0;
}
