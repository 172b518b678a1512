/*
 * srv_limit.c — request rate limits of `dtree serve`: a token bucket per key, one table per kind
 * of key (an access token's name; a client address).  Anonymous routes (kiosk, sign-in, the
 * contract, readiness) and failed sign-ins are charged to the address, requests with a valid
 * token to the token, so one office behind one address is not slowed by its neighbours while a
 * guesser of tokens is.  Memory is bounded whatever the traffic: a fixed table where a new key
 * takes an empty slot of its probe window, else the least recently used one.  Only the API is
 * limited (/v1/ and /readyz): /healthz touches nothing and static pages are files.  Failed
 * sign-ins have a table of their own, so a busy kiosk does not slow the agents who share its
 * address.
 */
#define _GNU_SOURCE
#include "srv_limit.h"

#include "srv.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SLOTS 4096 /* keys remembered per table (a power of two) */
#define WINDOW 8   /* slots probed per look-up: bounded work per request */

typedef struct slot {
    char key[72];
    double tokens, last; /* requests left; when they were counted (monotonic seconds) */
} slot;

struct srv_limit {
    pthread_mutex_t mu;
    double rate;  /* requests per second */
    double burst; /* bucket size */
    slot slots[SLOTS];
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

int srv_limit_new(unsigned per_minute, srv_limit **out)
{
    srv_limit *l;
    *out = NULL;
    if (per_minute == 0) return 0; /* no limit */
    if (!(l = calloc(1, sizeof *l))) return -1;
    pthread_mutex_init(&l->mu, NULL);
    l->rate = per_minute / 60.0;
    l->burst = per_minute / 10.0 < 10 ? 10 : per_minute / 10.0;
    *out = l;
    return 0;
}

void srv_limit_free(srv_limit *l)
{
    if (!l) return;
    pthread_mutex_destroy(&l->mu);
    free(l);
}

/* The slot of key, refilled to now: found, else a fresh one (full bucket). */
static slot *find(srv_limit *l, const char *key, double t)
{
    uint32_t h = hash(key);
    slot *s = NULL, *old = NULL;
    unsigned i;
    for (i = 0; i < WINDOW && !s; i++) {
        slot *c = &l->slots[(h + i) & (SLOTS - 1)];
        if (strcmp(c->key, key) == 0)
            s = c;
        else if (!old || c->last < old->last)
            old = c; /* empty slots have last 0: taken first */
    }
    if (!s) {
        s = old;
        snprintf(s->key, sizeof s->key, "%s", key);
        s->tokens = l->burst;
        s->last = t;
    }
    s->tokens = fmin(l->burst, s->tokens + (t - s->last) * l->rate);
    s->last = t;
    return s;
}

unsigned srv_limit_check(srv_limit *l, const char *key, int take)
{
    unsigned wait = 0;
    double t = now_s();
    slot *s;
    if (!l || !key) return 0;
    pthread_mutex_lock(&l->mu);
    s = find(l, key, t);
    if (s->tokens >= 1) {
        if (take) s->tokens -= 1;
    } else {
        wait = (unsigned)ceil((1 - s->tokens) / l->rate);
        if (wait < 1) wait = 1;
    }
    pthread_mutex_unlock(&l->mu);
    return wait;
}

void srv_limit_charge(srv_limit *l, const char *key)
{
    double t = now_s();
    if (!l || !key) return;
    pthread_mutex_lock(&l->mu);
    slot *s = find(l, key, t);
    s->tokens = fmax(s->tokens - 1, -l->burst); /* owing at most one bucket */
    pthread_mutex_unlock(&l->mu);
}

/* ---- the rules of dtree serve ---------------------------------------------------------------- */

static int refuse(unsigned wait, srv_resp *r)
{
    char msg[96];
    if (!wait) return 0;
    snprintf(msg, sizeof msg, "too many requests; try again in %u s", wait);
    srv_problem(r, SRV_P_RATE_LIMITED, msg, NULL);
    r->retry_after = wait;
    return -1;
}

int srv_limit_before(srv_ctx *c, const srv_req *q, int signed_route, srv_resp *r)
{
    /* the API only: /healthz touches nothing, and static pages (web/) are files */
    if (strncmp(q->path, "/v1/", 4) != 0 && strcmp(q->path, "/readyz") != 0) return 0;
    /* a signed route only looks: its address pays only when its token is refused (below) */
    return refuse(signed_route ? srv_limit_check(c->by_failure, q->client, 0)
                               : srv_limit_check(c->by_address, q->client, 1),
                  r);
}

int srv_limit_after(srv_ctx *c, const srv_req *q, int signed_in, srv_resp *r)
{
    if (!signed_in) {
        srv_limit_charge(c->by_failure, q->client);
        return 0;
    }
    return refuse(srv_limit_check(c->by_token, q->agent, 1), r);
}
