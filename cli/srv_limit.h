/*
 * srv_limit.h — request rate limits of `dtree serve` (srv_limit.c says what is charged to whom).
 */
#ifndef DTREE_CLI_SRV_LIMIT_H
#define DTREE_CLI_SRV_LIMIT_H

#include "srv.h"

/* A table of buckets allowing per_minute requests per key (bursts of a tenth of that, at least
 * 10): 0 and *out (NULL when per_minute is 0: no limit), or -1 when out of memory. */
int srv_limit_new(unsigned per_minute, srv_limit **out);
void srv_limit_free(srv_limit *l);
/* 0 when key may make a request now (taking it when `take`), else the seconds until it may.
 * A NULL table or key is never limited. */
unsigned srv_limit_check(srv_limit *l, const char *key, int take);
/* Count a request against key even when its bucket is empty (a failed sign-in). */
void srv_limit_charge(srv_limit *l, const char *key);

/* The router's two calls: before anything (anonymous routes pay per address; a signed route is
 * refused when its address has failed too often), and after the token check (a failure costs
 * the address, a success the token).  0 to go on, else -1 with 429 and Retry-After in r. */
int srv_limit_before(srv_ctx *c, const srv_req *q, int signed_route, srv_resp *r);
int srv_limit_after(srv_ctx *c, const srv_req *q, int signed_in, srv_resp *r);

#endif
