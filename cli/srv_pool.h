/*
 * srv_pool.h — the worker threads of `dtree serve` and their one queue, first in first out
 * (srv_pool.c says why it is not libmicrohttpd's own pool).
 */
#ifndef DTREE_CLI_SRV_POOL_H
#define DTREE_CLI_SRV_POOL_H

/* A job lives in its owner's memory (the request's state): queueing one allocates nothing. */
typedef struct srv_job {
    void (*run)(struct srv_job *job);
    struct srv_job *next; /* the queue's */
} srv_job;

typedef struct srv_pool srv_pool;

/* n workers (at least 1), waiting for jobs; NULL when a thread cannot be started. */
srv_pool *srv_pool_new(unsigned n);
/* Queue j: a worker runs j->run(j) once, after every job queued before it. */
void srv_pool_push(srv_pool *p, srv_job *j);
/* Run every job still queued and stop the workers; a job queued after that runs at once, in the
 * thread that queues it (so that nothing waits for a worker that is gone). */
void srv_pool_stop(srv_pool *p);
/* srv_pool_stop, then free p (NULL: nothing). */
void srv_pool_free(srv_pool *p);

#endif
