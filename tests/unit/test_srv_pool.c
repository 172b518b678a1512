/*
 * test_srv_pool.c — the worker pool of `dtree serve` (cli/srv_pool.c): jobs run once each, in the
 * order they were queued, stopping the pool runs what is still queued, and a job queued after the
 * stop runs at once.
 */
#include "../../cli/srv_pool.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#define NJOBS 200

typedef struct tjob {
    srv_job job; /* first, as the server's request state has it */
    int index;
} tjob;

static pthread_mutex_t order_mu = PTHREAD_MUTEX_INITIALIZER;
static int order[NJOBS], ran, runs_of[NJOBS];

static void record(srv_job *j)
{
    tjob *t = (tjob *)j;
    pthread_mutex_lock(&order_mu);
    order[ran++] = t->index;
    runs_of[t->index]++;
    pthread_mutex_unlock(&order_mu);
}

static void reset(void)
{
    memset(order, 0, sizeof order);
    memset(runs_of, 0, sizeof runs_of);
    ran = 0;
}

/* Queue NJOBS jobs on a pool of n workers and free it: every job must have run by then. */
static void run_all(unsigned n)
{
    static tjob jobs[NJOBS];
    srv_pool *p = srv_pool_new(n);
    int i;
    reset();
    assert_non_null(p);
    for (i = 0; i < NJOBS; i++) {
        jobs[i].job.run = record;
        jobs[i].index = i;
        srv_pool_push(p, &jobs[i].job);
    }
    srv_pool_free(p);
    assert_int_equal(ran, NJOBS);
}

/* One worker: first queued, first run. */
static void one_worker_runs_in_order(void **state)
{
    int i;
    (void)state;
    run_all(1);
    for (i = 0; i < NJOBS; i++) assert_int_equal(order[i], i);
}

/* Many workers: every job runs exactly once. */
static void many_workers_run_each_once(void **state)
{
    int i;
    (void)state;
    run_all(8);
    for (i = 0; i < NJOBS; i++) assert_int_equal(runs_of[i], 1);
}

/* Zero workers asked for: one is started, so queued jobs still run; freeing NULL does nothing. */
static void zero_means_one(void **state)
{
    (void)state;
    run_all(0);
    srv_pool_free(NULL);
}

/* After stop, a job queued runs before push returns: nothing waits for a worker that is gone. */
static void stopped_pool_runs_at_once(void **state)
{
    static tjob late = {{NULL, NULL}, 7};
    srv_pool *p = srv_pool_new(2);
    (void)state;
    reset();
    assert_non_null(p);
    srv_pool_stop(p);
    late.job.run = record;
    srv_pool_push(p, &late.job);
    assert_int_equal(ran, 1);
    assert_int_equal(order[0], 7);
    srv_pool_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_worker_runs_in_order),
        cmocka_unit_test(many_workers_run_each_once),
        cmocka_unit_test(zero_means_one),
        cmocka_unit_test(stopped_pool_runs_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
