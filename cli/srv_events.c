/*
 * srv_events.c — GET /v1/sessions/{id}/events: a session's recorded events as Server-Sent Events,
 * with the JSON of the JSON Lines stream (json.c js_event_json: one source for both).
 * The store is the truth: one poller thread reads each open stream's new events from the store by
 * seq (dt_recorder_events_after) every poll_ms, so an event any instance writes reaches every
 * stream.  A stream with nothing to send is suspended (it holds no worker thread); the poller
 * resumes it when there is something: events, a heartbeat, or its end.  Bounded: max_streams at
 * once, EVENTS_PER_POLL events per stream and poll, a heartbeat every heartbeat_s, and a stream
 * ends when its session has ended and everything is sent, or after max_s (clients reconnect with
 * Last-Event-ID and lose nothing).  A stream ends, with nothing more sent, once its token is
 * revoked (checked each poll, as every request checks it), or once its client has gone (checked
 * each poll: a suspended connection's socket is not watched by libmicrohttpd).  One mutex guards
 * the list and every stream's fields.
 */
#define _GNU_SOURCE
#include "srv_events.h"

#include "json.h"

#include <microhttpd.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EVENTS_PER_POLL 64
#define RETRY_MS 2000

typedef struct srv_stream srv_stream;
struct srv_stream {
    srv_events *ev;
    struct MHD_Connection *conn;
    char id[40];
    char token_hash[65]; /* the token that opened it ("": none) */
    int64_t last_seq;    /* the last event queued */
    char *buf;           /* SSE text waiting to be sent: buf[off..len) */
    size_t len, off, cap;
    int suspended, ended; /* ended: nothing more to fetch; close once buf is sent */
    time_t started, last_queued;
    srv_stream *next;
};

struct srv_events {
    pthread_mutex_t mu;
    pthread_cond_t wake;
    pthread_t poller;
    const char *db_path;
    srv_events_opts o;
    srv_stream *list;
    unsigned count;
    int stopping;
};

static time_t now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

static int put(srv_stream *s, const char *text, size_t n)
{
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 1024;
        char *p;
        while (cap < s->len + n + 1) cap *= 2;
        if (!(p = realloc(s->buf, cap))) return -1;
        s->buf = p;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, text, n);
    s->len += n;
    return 0;
}

static const char *nz(const char *s) { return s && s[0] ? s : NULL; }

/* A recorded kind is written on the `event:` line: only lower-case words may go there. */
static int plain_kind(const char *k)
{
    size_t i;
    for (i = 0; k[i]; i++)
        if (!((k[i] >= 'a' && k[i] <= 'z') || k[i] == '_')) return 0;
    return i > 0 && i < 32;
}

/* One SSE frame: id (the store's seq), event (its kind), data (the JSON Lines object). */
static int frame(srv_stream *s, const dt_rec_event *e)
{
    js_event j = {e->kind, e->seq, e->time_ms, nz(e->tree_id), nz(e->step_id), NULL,
                  nz(e->choice_id), nz(e->label), nz(e->var), nz(e->value), nz(e->text),
                  nz(e->outcome), e->sensitive, e->path_length};
    json_t *o;
    char *data, head[96];
    int rc = -1;
    if (!plain_kind(e->kind)) return 0; /* not ours: leave it out rather than break the stream */
    if (j.step) j.step_kind = nz(e->step_kind);
    if (!j.var) j.value = NULL; /* a value belongs to a variable (a handoff keeps a time there) */
    if (!(o = js_event_json(&j))) return -1;
    data = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
    json_decref(o);
    snprintf(head, sizeof head, "id: %lld\nevent: %s\ndata: ", (long long)e->seq, e->kind);
    if (data && put(s, head, strlen(head)) == 0 && put(s, data, strlen(data)) == 0 &&
        put(s, "\n\n", 2) == 0)
        rc = 0;
    free(data);
    return rc;
}

typedef struct fetch_state {
    srv_stream *s;
    size_t n;
    int active, failed;
} fetch_state;

/* 1 while more can come: the session is recorded as active (a status no dtree records: ended) */
static int is_active(const dt_rec_session *row)
{
    dt_rec_status st;
    return dt_rec_status_from_name(row->status, &st) == DT_OK && st == DT_REC_ACTIVE;
}

static int on_event(void *user, const dt_rec_session *row, const dt_rec_event *e)
{
    fetch_state *f = user;
    f->active = is_active(row);
    if (frame(f->s, e) != 0) {
        f->failed = 1;
        return 1;
    }
    f->s->last_seq = e->seq;
    f->n++;
    return 0;
}

static int on_row(void *user, const dt_rec_session *row)
{
    fetch_state *f = user;
    f->active = is_active(row);
    return 0;
}

/* Queue what the store has after s->last_seq (one bounded batch); mark the stream ended when the
 * session is over and everything is queued.  0, or -1 when the store cannot be read. */
static int fetch(srv_stream *s, dt_recorder *rec)
{
    fetch_state f = {s, 0, 1, 0};
    time_t t = now_s();
    if (dt_recorder_events_after(rec, s->id, s->last_seq, EVENTS_PER_POLL, on_event, &f, NULL) !=
        DT_OK)
        return -1;
    if (f.n == 0 && dt_recorder_get(rec, s->id, on_row, &f, NULL) != DT_OK) return -1;
    if (f.failed) return -1;
    if (f.n) s->last_queued = t;
    if (!f.active && f.n < EVENTS_PER_POLL) s->ended = 1;
    return 0;
}

/* ---- the poller ------------------------------------------------------------------------------ */

static void wake(srv_stream *s)
{
    if (s->suspended) {
        s->suspended = 0;
        MHD_resume_connection(s->conn);
    }
}

/* 1 when s's token is known to be revoked (a store that cannot be read says nothing). */
static int revoked(const srv_stream *s, dt_recorder *rec)
{
    dt_token_role role;
    char name[128];
    return rec && s->token_hash[0] &&
           dt_recorder_token_find(rec, s->token_hash, &role, name, NULL) == DT_ENOTFOUND;
}

/* 1 when the client of a suspended stream has gone (closed, or reset).  libmicrohttpd does not
 * watch a suspended connection's socket, so without this its slot would stay taken until the next
 * heartbeat's write failed; a client that only shut down its writing side counts as gone too
 * (an event-stream client sends nothing after its request). */
static int client_gone(const srv_stream *s)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(s->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    struct pollfd p;
    if (!ci) return 0;
    p.fd = ci->connect_fd;
    p.events = POLLRDHUP;
    p.revents = 0;
    return poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

static void poll_one(srv_events *ev, srv_stream *s, dt_recorder *rec, time_t t)
{
    if (s->suspended && !s->ended && client_gone(s)) {
        s->off = s->len = 0; /* resumed to end: libmicrohttpd then closes it, and frees the slot */
        s->ended = 1;
    }
    if (!s->ended && revoked(s, rec)) {
        s->off = s->len = 0; /* nothing more for the revoked token, not even what waits */
        s->ended = 1;
    }
    if (!s->ended && s->off == s->len) {
        s->off = s->len = 0;
        if (!rec || fetch(s, rec) != 0) {
            /* the store is away: keep the stream, say nothing; heartbeats go on */
        }
        if (s->len == 0 && t - s->last_queued >= (time_t)ev->o.heartbeat_s &&
            put(s, ": heartbeat\n\n", 13) == 0)
            s->last_queued = t;
        if (t - s->started >= (time_t)ev->o.max_s) s->ended = 1;
    }
    if (s->off < s->len || s->ended) wake(s);
}

static void *poller(void *arg)
{
    srv_events *ev = arg;
    dt_recorder *rec = NULL;
    pthread_mutex_lock(&ev->mu);
    while (!ev->stopping) {
        struct timespec until;
        srv_stream *s;
        time_t t;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += (long)(ev->o.poll_ms % 1000) * 1000000L;
        until.tv_sec += ev->o.poll_ms / 1000 + until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&ev->wake, &ev->mu, &until);
        if (ev->stopping || !ev->list) continue;
        /* The poller's own read-only connection, opened when first needed and kept: a store that
         * was away is tried again at the next poll. */
        if (!rec && dt_recorder_open(ev->db_path, DT_REC_READONLY, &rec, NULL) != DT_OK) rec = NULL;
        t = now_s();
        for (s = ev->list; s; s = s->next) poll_one(ev, s, rec, t);
    }
    pthread_mutex_unlock(&ev->mu);
    dt_recorder_close(rec);
    return NULL;
}

srv_events *srv_events_new(const char *db_path, const srv_events_opts *o)
{
    srv_events *ev = calloc(1, sizeof *ev);
    if (!ev) return NULL;
    ev->db_path = db_path;
    ev->o = *o;
    pthread_mutex_init(&ev->mu, NULL);
    pthread_cond_init(&ev->wake, NULL);
    if (pthread_create(&ev->poller, NULL, poller, ev) != 0) {
        pthread_cond_destroy(&ev->wake);
        pthread_mutex_destroy(&ev->mu);
        free(ev);
        return NULL;
    }
    return ev;
}

void srv_events_shutdown(srv_events *ev)
{
    srv_stream *s;
    if (!ev) return;
    pthread_mutex_lock(&ev->mu);
    ev->stopping = 1;
    for (s = ev->list; s; s = s->next) {
        s->ended = 1;
        wake(s);
    }
    pthread_cond_signal(&ev->wake);
    pthread_mutex_unlock(&ev->mu);
}

void srv_events_free(srv_events *ev)
{
    if (!ev) return;
    srv_events_shutdown(ev);
    pthread_join(ev->poller, NULL);
    pthread_cond_destroy(&ev->wake);
    pthread_mutex_destroy(&ev->mu);
    free(ev);
}

/* ---- the response ---------------------------------------------------------------------------- */

ssize_t srv_stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    srv_stream *s = cls;
    ssize_t n = 0;
    (void)pos;
    pthread_mutex_lock(&s->ev->mu);
    if (s->off < s->len) {
        size_t k = s->len - s->off < max ? s->len - s->off : max;
        memcpy(buf, s->buf + s->off, k);
        s->off += k;
        n = (ssize_t)k;
    } else if (s->ended) {
        n = MHD_CONTENT_READER_END_OF_STREAM;
    } else { /* nothing now: let go of the worker thread until the poller has something */
        s->suspended = 1;
        MHD_suspend_connection(s->conn);
    }
    pthread_mutex_unlock(&s->ev->mu);
    return n;
}

void srv_stream_done(void *cls)
{
    srv_stream *s = cls, **p;
    srv_events *ev = s->ev;
    pthread_mutex_lock(&ev->mu);
    for (p = &ev->list; *p && *p != s; p = &(*p)->next)
        ;
    if (*p) {
        *p = s->next;
        ev->count--;
    }
    pthread_mutex_unlock(&ev->mu);
    free(s->buf);
    free(s);
}

/* ---- the route ------------------------------------------------------------------------------- */

/* Last-Event-ID, else ?after=: the seq to start after (0: from the first event), or -1. */
static int64_t start_after(const srv_req *q)
{
    const char *v = q->last_event_id ? q->last_event_id : q->query(q->conn, "after");
    char *end;
    long long n;
    if (!v) return 0;
    if (!v[0] || strlen(v) > 18 || v[0] < '0' || v[0] > '9') return -1;
    errno = 0;
    n = strtoll(v, &end, 10);
    return errno || *end ? -1 : (int64_t)n;
}

typedef struct row_kind {
    int kiosk;
} row_kind;

static int kind_of(void *user, const dt_rec_session *row)
{
    ((row_kind *)user)->kiosk = strcmp(row->mode, "kiosk") == 0;
    return 0;
}

/* A new stream, counted in the list: NULL when they are all taken or out of memory. */
static srv_stream *stream_new(srv_events *ev, const char *id, const char *token_hash, int64_t after)
{
    srv_stream *s = NULL;
    pthread_mutex_lock(&ev->mu);
    if (!ev->stopping && ev->count < ev->o.max_streams && (s = calloc(1, sizeof *s))) {
        s->ev = ev;
        snprintf(s->id, sizeof s->id, "%s", id);
        snprintf(s->token_hash, sizeof s->token_hash, "%s", token_hash);
        s->last_seq = after;
        s->started = s->last_queued = now_s();
        ev->count++;
    }
    pthread_mutex_unlock(&ev->mu);
    return s;
}

static void stream_publish(srv_events *ev, srv_stream *s, struct MHD_Connection *conn)
{
    pthread_mutex_lock(&ev->mu);
    s->conn = conn;
    s->next = ev->list;
    ev->list = s;
    pthread_mutex_unlock(&ev->mu);
}

void srv_events_open(srv_ctx *c, const srv_req *q, const char *id, srv_resp *r)
{
    int64_t after = start_after(q);
    dt_recorder *rec = NULL;
    row_kind k = {0};
    dt_status st;
    srv_stream *s;
    char first[32];

    snprintf(r->session, sizeof r->session, "%s", id);
    if (after < 0) {
        srv_problem(r, SRV_P_INVALID_FIELD, "Last-Event-ID (or after) must be an event's seq",
                    q->last_event_id ? "Last-Event-ID" : "after");
        return;
    }
    if (dt_recorder_open(c->db_path, DT_REC_READONLY, &rec, NULL) != DT_OK) {
        srv_problem(r, SRV_P_STORE, "the recording store cannot be read", NULL);
        return;
    }
    st = dt_recorder_get(rec, id, kind_of, &k, NULL);
    if (st != DT_OK || k.kiosk) {
        /* kiosk sessions have no stream: agent routes never reach them (and learn nothing) */
        srv_problem(r, st == DT_OK || st == DT_ENOTFOUND ? SRV_P_NOT_FOUND : SRV_P_STORE,
                    st == DT_OK || st == DT_ENOTFOUND ? "no such session" : "the store cannot be read",
                    NULL);
    } else if (!(s = stream_new(c->events, id, q->token_hash, after))) {
        srv_problem(r, SRV_P_STREAMS, "too many event streams are open; try again later", NULL);
        r->retry_after = 5;
    } else {
        snprintf(first, sizeof first, "retry: %d\n\n", RETRY_MS);
        if (put(s, first, strlen(first)) != 0 || fetch(s, rec) != 0) s->ended = 1;
        stream_publish(c->events, s, q->conn);
        r->stream = s;
        r->status = 200;
        r->ctype = "text/event-stream";
    }
    dt_recorder_close(rec);
}
