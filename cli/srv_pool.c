/*
 * srv_pool.c — the worker threads that run the requests of `dtree serve`, in the order they came.
 * libmicrohttpd's thread pool gives each connection to one of its threads for good, and it hands
 * new connections out unevenly: 64 clients connecting at once were seen split 51/14/1/0 over four
 * threads.  As every thread took its turn at the one store connection, a client on the crowded
 * thread waited for its 50 neighbours while another thread sat idle.  So the HTTP threads only read
 * requests and send responses; the work of a request queues here, and whichever worker is free
 * takes the oldest.
 */
#include "srv_pool.h"

#include <pthread.h>
#include <stdlib.h>

struct srv_pool {
    pthread_mutex_t mu;
    pthread_cond_t wake;
    srv_job *head, *tail;
    int stopping;
    unsigned n;
    pthread_t *thread;
};

static void *work(void *arg)
{
    srv_pool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        srv_job *j = p->head;
        if (!j) {
            if (p->stopping) break;
            pthread_cond_wait(&p->wake, &p->mu);
            continue;
        }
        p->head = j->next;
        if (!p->head) p->tail = NULL;
        pthread_mutex_unlock(&p->mu);
        j->run(j);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Stop and join the first n workers (the others never started). */
static void stop(srv_pool *p, unsigned n)
{
    unsigned i;
    pthread_mutex_lock(&p->mu);
    p->stopping = 1;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    for (i = 0; i < n; i++) pthread_join(p->thread[i], NULL);
}

srv_pool *srv_pool_new(unsigned n)
{
    srv_pool *p = calloc(1, sizeof *p);
    unsigned i;
    int mu = 0; /* the mutex was made: undo it when the condition cannot be */
    if (!p) return NULL;
    p->n = n < 1 ? 1 : n;
    if (!(p->thread = calloc(p->n, sizeof *p->thread)) ||
        !(mu = pthread_mutex_init(&p->mu, NULL) == 0) || pthread_cond_init(&p->wake, NULL) != 0) {
        if (mu) pthread_mutex_destroy(&p->mu);
        free(p->thread);
        free(p);
        return NULL;
    }
    for (i = 0; i < p->n; i++) {
        if (pthread_create(&p->thread[i], NULL, work, p) != 0) {
            stop(p, i);
            p->n = 0;
            srv_pool_free(p);
            return NULL;
        }
    }
    return p;
}

void srv_pool_push(srv_pool *p, srv_job *j)
{
    j->next = NULL;
    pthread_mutex_lock(&p->mu);
    if (p->stopping) { /* no worker will take it: run it here */
        pthread_mutex_unlock(&p->mu);
        j->run(j);
        return;
    }
    if (p->tail)
        p->tail->next = j;
    else
        p->head = j;
    p->tail = j;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->mu);
}

void srv_pool_stop(srv_pool *p)
{
    if (p && p->n) stop(p, p->n); /* a worker stops only once the queue is empty */
    if (p) p->n = 0;
}

void srv_pool_free(srv_pool *p)
{
    if (!p) return;
    srv_pool_stop(p);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->mu);
    free(p->thread);
    free(p);
}
