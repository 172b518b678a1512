/*
 * srv_http.c — HTTP for `dtree serve` on libmicrohttpd: a thread pool on epoll reads requests and
 * sends responses, the work in between runs on the workers of srv_pool.c; bounded bodies,
 * connection limits and timeouts, the security headers on every response, and one JSON log line per
 * request on stderr (method, route pattern, status, duration, session id; never a body, never the
 * raw path, so nothing a client typed reaches the log).
 */
#define _GNU_SOURCE
#include "srv_http.h"

#include "srv_events.h"
#include "srv_pool.h"

#include <microhttpd.h>

#include <arpa/inet.h>
#include <stdatomic.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

struct srv_http {
    struct MHD_Daemon *d;
    srv_ctx *ctx;
    srv_pool *pool;   /* runs the requests (srv_pool.c says why not libmicrohttpd's threads) */
    atomic_uint busy; /* requests being routed, here or in the pool */
    size_t max_body;
    int tls, trust_proxy;
};

/* One request's state, from its headers to its response. */
typedef struct conn_state {
    srv_job job; /* first: the pool hands it back as the state */
    srv_http *h;
    struct MHD_Connection *conn;
    int done; /* the pool has routed it: r holds the response */
    srv_req q;
    srv_resp r;
    char *body;
    size_t len, cap;
    size_t seen;     /* body bytes received, kept or not */
    int too_large;
    const char *bad_framing, *bad_header; /* why the request's framing is refused, and the header */
    struct timespec t0;
} conn_state;

static double ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Methods are logged only when they are ones we know: a client's token never reaches the log. */
static const char *known_method(const char *m)
{
    static const char *const names[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"};
    size_t i;
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(m, names[i]) == 0) return names[i];
    return "OTHER";
}

static void log_line(const char *method, const srv_resp *r, const conn_state *st)
{
    json_t *o = json_pack("{s:s,s:s,s:i,s:f}", "method", known_method(method), "route",
                          r->route[0] ? r->route : "(none)", "status", r->status, "ms",
                          ms_since(&st->t0));
    char *line;
    if (!o) return;
    if (r->session[0]) json_object_set_new(o, "session", json_string(r->session));
    if ((line = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER |
                                  JSON_REAL_PRECISION(4)))) {
        fprintf(stderr, "%s\n", line);
        free(line);
    }
    json_decref(o);
}

static void security_headers(struct MHD_Response *resp, const srv_resp *r)
{
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; frame-ancestors 'none'; base-uri 'none'");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Cache-Control", r->cache_control ? r->cache_control : "no-store");
    if (r->etag[0]) MHD_add_response_header(resp, "ETag", r->etag);
}

static enum MHD_Result send_resp(struct MHD_Connection *conn, const char *method, srv_resp *r,
                                 conn_state *st)
{
    struct MHD_Response *resp;
    char *text = NULL;
    enum MHD_Result ret;

    if (r->stream) { /* an event stream: the body comes from srv_events.c as it happens */
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, srv_stream_read,
                                                 r->stream, srv_stream_done);
        if (!resp)
            srv_stream_done(r->stream);
        else
            MHD_add_response_header(resp, "X-Accel-Buffering", "no"); /* nginx: pass it on */
    } else if (!r->raw) {
        if (!r->json) srv_problem(r, SRV_P_INTERNAL, "out of memory", NULL);
        text = r->json ? json_dumps(r->json, JSON_COMPACT | JSON_ENSURE_ASCII |
                                                  JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12))
                       : NULL;
        if (!text) return MHD_NO;
        resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    } else {
        resp = MHD_create_response_from_buffer(r->raw_len, (void *)r->raw, MHD_RESPMEM_PERSISTENT);
    }
    if (!resp) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", r->ctype ? r->ctype : "application/json");
    security_headers(resp, r);
    if (r->created && r->location[0]) MHD_add_response_header(resp, "Location", r->location);
    if (r->status == 401) MHD_add_response_header(resp, "WWW-Authenticate", "Bearer");
    if (r->retry_after) {
        char secs[16];
        snprintf(secs, sizeof secs, "%u", r->retry_after);
        MHD_add_response_header(resp, "Retry-After", secs);
    }
    if (r->set_cookie[0]) MHD_add_response_header(resp, "Set-Cookie", r->set_cookie);
    if (r->preflight) {
        MHD_add_response_header(resp, "Access-Control-Allow-Methods", "GET, POST");
        MHD_add_response_header(resp, "Access-Control-Allow-Headers",
                                "Authorization, Content-Type");
        MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
    }
    if (r->cors) {
        MHD_add_response_header(resp, "Access-Control-Allow-Origin", r->cors);
        MHD_add_response_header(resp, "Access-Control-Allow-Credentials", "true");
        MHD_add_response_header(resp, "Vary", "Origin");
    }
    ret = MHD_queue_response(conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    log_line(method, r, st);
    json_decref(r->json);
    r->json = NULL;
    return ret;
}

static int append(conn_state *st, const char *data, size_t n, size_t max)
{
    if (st->too_large || st->len + n > max) {
        st->too_large = 1;
        return 0;
    }
    if (st->len + n + 1 > st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 4096;
        char *p;
        while (cap < st->len + n + 1) cap *= 2;
        if (cap > max + 1) cap = max + 1;
        if (!(p = realloc(st->body, cap))) return -1;
        st->body = p;
        st->cap = cap;
    }
    memcpy(st->body + st->len, data, n);
    st->len += n;
    st->body[st->len] = '\0';
    return 0;
}

/* TLS is ended by the proxy in front (nginx, docs/serve.md), which says so in X-Forwarded-Proto:
 * the cookie is then Secure and our own origin is https. */
static int is_https(struct MHD_Connection *conn)
{
    const char *p = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-Proto");
    return p && strcasecmp(p, "https") == 0;
}

/* A CORS preflight from the --cors origin: which methods and headers it may use. */
static void preflight(srv_resp *r)
{
    r->status = 204;
    r->raw = "";
    r->raw_len = 0;
    r->ctype = "text/plain";
    r->preflight = 1;
    snprintf(r->route, sizeof r->route, "(preflight)");
}

/* The peer's address, or with --trust-proxy and a loopback peer the last X-Forwarded-For entry
 * (the one the proxy added; those before it are the client's word). */
static void client_address(const srv_http *h, struct MHD_Connection *conn, char *out, size_t size)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    const char *fwd, *last;
    int loopback = 0;
    snprintf(out, size, "unknown");
    if (sa && sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &in->sin_addr, out, (socklen_t)size);
        loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    } else if (sa && sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, out, (socklen_t)size);
        loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
    }
    fwd = h->trust_proxy && loopback
              ? MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-For")
              : NULL;
    if (!fwd) return;
    last = strrchr(fwd, ',') ? strrchr(fwd, ',') + 1 : fwd;
    last += strspn(last, " ");
    if (last[0] && strlen(last) < size && strspn(last, "0123456789abcdefABCDEF.:") == strlen(last))
        snprintf(out, size, "%s", last);
}

typedef struct header_count {
    unsigned content_length, transfer_encoding, host;
} header_count;

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    header_count *n = cls;
    (void)kind, (void)value;
    if (strcasecmp(key, "Content-Length") == 0)
        n->content_length++;
    else if (strcasecmp(key, "Transfer-Encoding") == 0)
        n->transfer_encoding++;
    else if (strcasecmp(key, "Host") == 0)
        n->host++;
    return MHD_YES;
}

/* Framing libmicrohttpd lets through (it answers a malformed Content-Length or chunk itself, with
 * its own HTML: docs/serve.md): two lengths, a length beside chunking (the two ways a proxy and
 * this server could disagree on where a request ends, RFC 9112 section 6.3), or an HTTP/1.1
 * request without exactly one Host.  NULL when the framing is sound. */
static const char *bad_framing(struct MHD_Connection *conn, const char *version,
                               const char **header)
{
    header_count n = {0, 0, 0};
    MHD_get_connection_values(conn, MHD_HEADER_KIND, count_header, &n);
    *header = "Content-Length";
    if (n.content_length > 1) return "more than one Content-Length";
    if (n.content_length && n.transfer_encoding)
        return "Content-Length and Transfer-Encoding together";
    *header = "Host";
    if (strcmp(version, MHD_HTTP_VERSION_1_1) == 0 && n.host != 1)
        return "an HTTP/1.1 request needs exactly one Host header";
    return NULL;
}

static const char *query_arg(void *conn, const char *key)
{
    return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, key);
}

/* The request as srv_route reads it, into st->q (and the CORS origin into st->r). */
static void read_request(srv_http *h, struct MHD_Connection *conn, const char *method,
                         const char *url, conn_state *st)
{
    srv_req *q = &st->q;
    q->method = method;
    q->path = url;
    q->content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
    q->authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    q->cookie = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Cookie");
    q->origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
    q->host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
    q->https = h->tls || is_https(conn);
    client_address(h, conn, q->client, sizeof q->client);
    q->last_event_id = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Last-Event-ID");
    q->role = DT_ROLE_AGENT;
    q->by_cookie = 0;
    q->if_none_match = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match");
    q->agent[0] = '\0';
    q->token_hash[0] = '\0';
    q->query = query_arg;
    q->conn = conn;
    q->body = st->body ? st->body : "";
    q->body_len = st->len;
    /* CORS is closed unless --cors names the one origin allowed to call us */
    if (h->ctx->cors && q->origin && strcasecmp(q->origin, h->ctx->cors) == 0)
        st->r.cors = h->ctx->cors;
}

/* Connections this libmicrohttpd thread serves: each is served by one thread for good, which is
 * told of its start and of its end (on_connection). */
static _Thread_local unsigned conns_here;

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)cls, (void)conn, (void)socket_context;
    if (code == MHD_CONNECTION_NOTIFY_STARTED)
        conns_here++;
    else if (conns_here > 0)
        conns_here--;
}

/* On a worker (srv_pool.c): the request's work, then its connection wakes to send the response.
 * The connection is asleep meanwhile, so nothing else reads or frees st. */
static void run_request(srv_job *job)
{
    conn_state *st = (conn_state *)job;
    srv_route(st->h->ctx, &st->q, &st->r);
    atomic_fetch_sub(&st->h->busy, 1);
    st->done = 1;
    MHD_resume_connection(st->conn);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    srv_http *h = cls;
    conn_state *st = *con_cls;

    if (!st) {   /* first call: headers only */
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (!(st = calloc(1, sizeof *st))) return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &st->t0);
        *con_cls = st;
        st->bad_framing = bad_framing(conn, version, &st->bad_header);
        if (!st->bad_framing && cl && strtoull(cl, NULL, 10) > h->max_body) st->too_large = 1;
        if (!st->too_large && !st->bad_framing) return MHD_YES;
    }
    if (*upload_size) {
        st->seen += *upload_size;
        if (append(st, upload, *upload_size, h->max_body) < 0) return MHD_NO;
        *upload_size = 0;
        /* a body far past the cap (sent without a length): stop reading and close */
        return st->seen / 4 > h->max_body ? MHD_NO : MHD_YES;
    }
    if (st->done) return send_resp(conn, method, &st->r, st);
    memset(&st->r, 0, sizeof st->r);
    if (st->bad_framing) { /* answered before the body: the connection is closed after it */
        srv_problem(&st->r, SRV_P_BAD_REQUEST, st->bad_framing, st->bad_header);
    } else if (st->too_large) {
        char msg[80];
        snprintf(msg, sizeof msg, "the body may be at most %zu bytes", h->max_body);
        srv_problem(&st->r, SRV_P_TOO_LARGE, msg, NULL);
    } else {
        read_request(h, conn, method, url, st);
        if (st->r.cors && strcmp(method, "OPTIONS") == 0) {
            preflight(&st->r);
        } else if (strcmp(url, "/healthz") == 0) {
            srv_route(h->ctx, &st->q, &st->r); /* the liveness probe never waits behind work */
        } else if (atomic_fetch_add(&h->busy, 1) == 0 && conns_here == 1) {
            /* nothing else under way and no other client on this thread: the hand-off to a
             * worker and back would only cost time (a quarter of the answers a second at one
             * client).  With another connection here, its requests would wait behind this one:
             * libmicrohttpd gives a burst of new connections to one thread (23 of 64 on one,
             * none on five: measured), and 16 clients that all landed on one thread were
             * answered one at a time (2,300 answers a second instead of 4,600). */
            srv_route(h->ctx, &st->q, &st->r);
            atomic_fetch_sub(&h->busy, 1);
        } else {
            /* the connection sleeps until a worker has the response (run_request) */
            st->h = h;
            st->conn = conn;
            st->job.run = run_request;
            MHD_suspend_connection(conn);
            srv_pool_push(h->pool, &st->job);
            return MHD_YES;
        }
    }
    return send_resp(conn, method, &st->r, st);
}

static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls,
                    enum MHD_RequestTerminationCode code)
{
    conn_state *st = *con_cls;
    (void)cls, (void)conn, (void)code;
    if (st) {
        free(st->body);
        free(st);
        *con_cls = NULL;
    }
}

/* libmicrohttpd's threads only read requests and send responses (the workers do the rest), so one
 * per core keeps every core busy; more only take turns for the cores with the workers and the
 * store.  At 64 clients on PostgreSQL, 2 HTTP threads instead of 16 on 2 cores (with schema 6)
 * took the p99 from 25-28 ms to 21-24 at a few % more answers, and on SQLite gave 5-9% more
 * answers (README, measured figures). */
static unsigned http_threads(unsigned workers)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned n = cores < 1 ? 1 : (unsigned)cores;
    return n < workers ? n : (workers < 1 ? 1 : workers);
}

srv_http *srv_http_start(srv_ctx *ctx, const struct sockaddr *addr, const srv_http_opts *o)
{
    srv_http *h = calloc(1, sizeof *h);
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME;
    struct MHD_OptionItem tls[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)o->tls_cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)o->tls_key},
        {MHD_OPTION_END, 0, NULL},
    };
    if (!h) return NULL;
    if (!(h->pool = srv_pool_new(o->threads))) {
        free(h);
        return NULL;
    }
    h->ctx = ctx;
    h->max_body = o->max_body;
    h->tls = o->tls_cert != NULL;
    h->trust_proxy = o->trust_proxy;
    if (h->tls)
        flags |= MHD_USE_TLS;
    else
        tls[0].option = MHD_OPTION_END;
    h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR, addr,
                            MHD_OPTION_THREAD_POOL_SIZE, http_threads(o->threads),
                            MHD_OPTION_CONNECTION_LIMIT, o->max_connections,
                            MHD_OPTION_PER_IP_CONNECTION_LIMIT, o->max_per_ip,
                            MHD_OPTION_CONNECTION_TIMEOUT, o->idle_seconds,
                            /* libmicrohttpd's default: it zeroes the whole of it at each request
                             * (at 128 KiB that was 3% of the server's CPU under load) */
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
                            MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
                            MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
                            MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
    if (!h->d) {
        srv_pool_free(h->pool);
        free(h);
        return NULL;
    }
    return h;
}

unsigned srv_http_port(const srv_http *h)
{
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    return i ? i->port : 0;
}

void srv_http_stop(srv_http *h, unsigned drain_seconds)
{
    unsigned waited = 0;
    if (!h) return;
    MHD_quiesce_daemon(h->d);   /* no new connections; requests under way go on */
    srv_events_shutdown(h->ctx->events); /* streams end now: none may stay suspended */
    while (waited < drain_seconds * 10) {
        const union MHD_DaemonInfo *i =
            MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        struct timespec ts = {0, 100000000};
        if (!i || i->num_connections == 0) break;
        nanosleep(&ts, NULL);
        waited++;
    }
    /* what is still queued runs, and so does a request on a connection still open (after the
     * drain's time ran out) that comes before the daemon stops: no connection stays asleep */
    srv_pool_stop(h->pool);
    MHD_stop_daemon(h->d);
    srv_pool_free(h->pool);
    free(h);
}
