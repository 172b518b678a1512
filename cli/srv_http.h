/*
 * srv_http.h — the HTTP side of `dtree serve` (srv_http.c).
 */
#ifndef DTREE_CLI_SRV_HTTP_H
#define DTREE_CLI_SRV_HTTP_H

#include "srv.h"

#include <sys/socket.h>

typedef struct srv_http srv_http;

typedef struct srv_http_opts {
    size_t max_body;            /* bytes; larger bodies get 413 */
    unsigned threads;           /* worker threads */
    unsigned max_connections;   /* at once, all clients */
    unsigned max_per_ip;        /* at once, per client address; 0: no limit */
    unsigned idle_seconds;      /* an idle connection is closed after this */
    const char *tls_cert;       /* PEM text of the certificate (chain) and key: HTTPS; NULL: */
    const char *tls_key;        /* plain HTTP (TLS ended by a proxy in front, docs/serve.md) */
    int trust_proxy;            /* the client address of a request from a loopback peer is the
                                   last of X-Forwarded-For (what nginx adds) */
} srv_http_opts;

/* Listen on addr and answer with srv_route; NULL when the address cannot be used (errno set). */
srv_http *srv_http_start(srv_ctx *ctx, const struct sockaddr *addr, const srv_http_opts *o);
/* The port actually bound (for --listen 127.0.0.1:0). */
unsigned srv_http_port(const srv_http *h);
/* Stop accepting, let requests under way finish (at most drain_seconds), close. */
void srv_http_stop(srv_http *h, unsigned drain_seconds);

#endif
