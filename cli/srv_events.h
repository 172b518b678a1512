/*
 * srv_events.h — Server-Sent Events of `dtree serve`: GET /v1/sessions/{id}/events (srv_events.c
 * says how a stream is fed and bounded).
 */
#ifndef DTREE_CLI_SRV_EVENTS_H
#define DTREE_CLI_SRV_EVENTS_H

#include "srv.h"

#include <sys/types.h>

typedef struct srv_events_opts {
    unsigned max_streams; /* open at once; more get 503 with Retry-After */
    unsigned poll_ms;     /* how often the store is read for new events */
    unsigned heartbeat_s; /* a comment line after this long without anything to send */
    unsigned max_s;       /* a stream ends after this long (the client reconnects) */
} srv_events_opts;

/* The streams of one server, read from the store at db_path (borrowed); a poller thread runs
 * until srv_events_free.  NULL when out of memory or the thread cannot start. */
srv_events *srv_events_new(const char *db_path, const srv_events_opts *o);
/* End every stream (those waiting are woken to close) and refuse new ones: call before the
 * HTTP daemon stops (libmicrohttpd must not stop with suspended connections). */
void srv_events_shutdown(srv_events *ev);
/* Stop the poller and free; every stream must be gone (after the HTTP daemon stopped). */
void srv_events_free(srv_events *ev);

/* The route: a stream of session id's events after Last-Event-ID (or ?after=), in r->stream;
 * or a problem in r (404 for unknown and kiosk sessions, 503 when the streams are all taken). */
void srv_events_open(srv_ctx *c, const srv_req *q, const char *id, srv_resp *r);

/* For srv_http.c: the content reader and free callbacks of a stream's response. */
ssize_t srv_stream_read(void *cls, uint64_t pos, char *buf, size_t max);
void srv_stream_done(void *cls);

#endif
