/*
 * srv.h — `dtree serve`: the engine over HTTP/JSON (docs/openapi.yaml is the contract).
 * A thin adapter: srv_http.c speaks HTTP (libmicrohttpd), srv_route.c maps a method and path to a
 * handler, srv_json.c turns engine views into JSON and checks request bodies, srv_trees.c holds
 * the tree library, srv_sessions.c the session handlers and their cache.  No engine logic here:
 * every decision about a walk is libdtree's.  Every handler fills one srv_resp; errors are RFC 9457
 * problem details with a stable type from SRV_PROBLEM_LIST.
 */
#ifndef DTREE_CLI_SRV_H
#define DTREE_CLI_SRV_H

#include "dtree.h"

#include <jansson.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/* The problem types, each once: X(NAME, "type suffix", HTTP status, "title").  The type URI is
 * "urn:dtree:problem:" + suffix; docs/openapi.yaml lists the same names. */
/* clang-format off */
#define SRV_PROBLEM_LIST(X)                                                                   \
    X(BAD_REQUEST, "bad-request", 400, "The request is not valid")                            \
    X(INVALID_JSON, "invalid-json", 400, "The body is not valid JSON")                        \
    X(UNKNOWN_FIELD, "unknown-field", 400, "The body has a field this endpoint does not take") \
    X(INVALID_FIELD, "invalid-field", 400, "A field has a value of the wrong kind")           \
    X(UNAUTHORIZED, "unauthorized", 401, "A valid access token is needed")                    \
    X(FORBIDDEN, "forbidden", 403, "This token's role may not do this")                       \
    X(ORIGIN, "origin-refused", 403, "The page is not from this server")                      \
    X(NOT_FOUND, "not-found", 404, "No such resource")                                        \
    X(METHOD, "method-not-allowed", 405, "This method is not allowed here")                   \
    X(STALE_SEQ, "stale-seq", 409, "Someone else answered first")                             \
    X(WRONG_STATE, "wrong-state", 409, "The session is not at a step that takes this")        \
    X(CLAIMED, "session-claimed", 409, "Another agent holds this session")                    \
    X(TOO_LARGE, "body-too-large", 413, "The body is too large")                              \
    X(MEDIA_TYPE, "unsupported-media-type", 415, "The body must be application/json")         \
    X(ANSWER_REFUSED, "answer-refused", 422, "The answer was refused")                        \
    X(RUNTIME, "tree-fault", 500, "The tree failed at this step")                             \
    X(INTERNAL, "internal", 500, "Something went wrong in the server")                        \
    X(STORE, "store-unavailable", 503, "The recording store cannot be used")                  \
    X(BUSY, "busy", 503, "The server has too many live sessions")                             \
    X(STREAMS, "too-many-streams", 503, "Too many event streams are open")                    \
    X(RATE_LIMITED, "too-many-requests", 429, "Too many requests: slow down")
/* clang-format on */

#define SRV_PROBLEM_ENUM_(e, suffix, status, title) SRV_P_##e,
typedef enum srv_problem_kind { SRV_PROBLEM_LIST(SRV_PROBLEM_ENUM_) } srv_problem_kind;
#undef SRV_PROBLEM_ENUM_

typedef struct srv_lib srv_lib;
typedef struct srv_cache srv_cache;
typedef struct srv_events srv_events;
typedef struct srv_limit srv_limit;
typedef struct srv_known srv_known;

typedef struct srv_ctx {
    const char *db_opt;     /* --db as given (may be NULL: $DTREE_DB, then the default) */
    char *db_path;          /* resolved once at start */
    const char *host;       /* recorded as the host */
    srv_lib *_Atomic lib;   /* swapped whole by SIGHUP (cmd_serve.c); read once per request */
    dt_recorder *auth;      /* the store, for token look-ups (under auth_mu) */
    pthread_mutex_t auth_mu;
    srv_cache *cache;
    /* --cors ORIGIN: the one other origin allowed to call us (NULL: none) */
    const char *cors;
    srv_events *events; /* the event streams (srv_events.c) */
    /* rate limits (srv_limit.c; NULL: none): per token, per address (anonymous routes), per
     * address (failed sign-ins) */
    srv_limit *by_token, *by_address, *by_failure;
    /* the tokens found live before (srv_known.h), so that an action need not look its token up
     * first; NULL: every request looks its token up (SQLite, where that is no round trip) */
    srv_known *known;
} srv_ctx;

typedef struct srv_req {
    const char *method;
    const char *path;          /* without the query string */
    const char *content_type;  /* NULL when absent */
    const char *authorization; /* the Authorization header; NULL when absent */
    const char *cookie;        /* the Cookie header; NULL when absent */
    const char *origin;        /* the Origin header; NULL when absent */
    const char *host;          /* the Host header; NULL when absent */
    int https;                 /* reached over TLS (X-Forwarded-Proto: https from the proxy) */
    const char *last_event_id; /* the Last-Event-ID header (event streams); NULL when absent */
    const char *if_none_match; /* the If-None-Match header; NULL when absent */
    char client[64];           /* the client's address (the proxy's word for it with --trust-proxy) */
    char agent[128];           /* filled by the router from the token: who is asking */
    dt_token_role role;        /* ... and the token's role */
    int by_cookie;             /* ... signed in by the cookie, not a Bearer header */
    char token_hash[65];       /* ... and its hash (token.h), so an event stream can see it revoked */
    /* A query-string argument (NULL when absent), looked up in conn. */
    const char *(*query)(void *conn, const char *key);
    void *conn;
    const char *body;          /* NUL-terminated copy; "" when none */
    size_t body_len;
} srv_req;

typedef struct srv_resp {
    int status;
    json_t *json;              /* owned; NULL for a raw body */
    const char *raw;           /* static raw body (openapi.yaml); raw_len bytes */
    size_t raw_len;
    const char *ctype;         /* NULL: application/json (or problem+json for problems) */
    const char *cache_control; /* NULL: no-store */
    char etag[40];             /* "" when none */
    char route[48];            /* the matched route pattern, for the log ("" when none) */
    char session[40];          /* the session concerned, for the log and Location */
    int created;               /* 201: add Location */
    char location[96];         /* with created: the new resource's path */
    char set_cookie[384];      /* a Set-Cookie header ("" when none) */
    const char *cors;          /* the --cors origin, when the request came from it */
    int preflight;             /* a CORS preflight answer */
    unsigned retry_after;      /* seconds, for a Retry-After header (429, 503); 0: none */
    void *stream;              /* an event stream (srv_events.c) instead of a body */
    /* the request's token was known (srv_known.h), not looked up: its name and role are right,
     * but it may have been revoked since; the action's write checks it, or srv_auth_confirm
     * must before anything else is done or said (srv_route does at the latest) */
    int token_unchecked;
} srv_resp;

/* srv_auth.c: the token of q (Bearer header, else the sign-in cookie) is live and of role `need`
 * or above: 0 with q->agent, q->role, q->by_cookie set; else -1 with 401 or 403 in r.  A change
 * (not GET or HEAD) signed in by cookie must pass srv_origin_ok (else 403 origin-refused).  A
 * revoked token is refused at the next request. */
#define SRV_COOKIE "dtree_token"
/* defer: a known token (c->known) is taken without its look-up (r->token_unchecked). */
int srv_authorize(srv_ctx *c, srv_req *q, dt_token_role need, int defer, srv_resp *r);
/* After a deferred srv_authorize: look q's token up now (nothing when r->token_unchecked is 0):
 * 0 when live; else -1 with r replaced by the 401 (or the store's 503). */
int srv_auth_confirm(srv_ctx *c, const srv_req *q, srv_resp *r);
/* 1 when q's Origin is this server's own (scheme and Host) or the --cors origin. */
int srv_origin_ok(const srv_ctx *c, const srv_req *q);
/* POST /v1/login {"token"}: sets the HttpOnly cookie; POST /v1/logout expires it; GET /v1/me
 * (after srv_authorize) says who is signed in. */
void srv_login(srv_ctx *c, srv_req *q, srv_resp *r);
void srv_logout(srv_ctx *c, srv_req *q, srv_resp *r);
void srv_me(srv_ctx *c, srv_req *q, srv_resp *r);

/* srv_json.c */
/* Fill r with a problem of kind p; detail (may be NULL) and field (may be NULL) are copied. */
void srv_problem(srv_resp *r, srv_problem_kind p, const char *detail, const char *field);
void srv_ok(srv_resp *r, int status, json_t *body);   /* takes body (NULL: out of memory) */
/* Parse q's body as a JSON object whose fields are all in `allowed` (NULL-terminated): 0 and *out
 * (owned), or -1 with r filled (415, 400). */
int srv_parse_body(const srv_req *q, const char *const *allowed, json_t **out, srv_resp *r);
/* The JSON of a view, of the variables and of the path from entry `from` on (sensitive values
 * masked by the engine). */
json_t *srv_view_json(const dt_view *v);
json_t *srv_vars_json(const dt_session *s);
json_t *srv_path_json(const dt_session *s, size_t from);
/* 1 when s is a plausible id: 1..64 of [A-Za-z0-9._-], not starting with '.' */
int srv_valid_id(const char *s, size_t len);

/* srv_trees.c: every tree of the library directory, loaded once with its calls. */
int srv_lib_load(const char *dir, srv_lib **out);
void srv_lib_free(srv_lib *l);
const dt_tree *srv_lib_find(const srv_lib *l, const char *id);
json_t *srv_lib_json(const srv_lib *l);

/* srv_sessions.c */
/* The cache and its pool of nconn store connections to db_path (1..64): 0, or -1 (err filled
 * when the store could not be opened). */
int srv_cache_new(const char *db_path, unsigned nconn, srv_cache **out, dt_error *err);
void srv_cache_free(srv_cache *c);   /* closes every live session (still resumable) */
/* Recorded writes and the COMMITs that held them, over the pool (group commit, SQLite). */
void srv_cache_stats(srv_cache *c, unsigned long long *writes, unsigned long long *commits);
/* q->agent (from the token) is recorded as the session's agent. */
void srv_sessions_create(srv_ctx *c, const srv_req *q, srv_resp *r);
void srv_sessions_get(srv_ctx *c, const srv_req *q, const char *id, srv_resp *r);
/* action: "answer", "back", "restart" or "note" */
void srv_sessions_act(srv_ctx *c, const char *id, const char *action, const srv_req *q,
                      srv_resp *r);

/* srv_manage.c: manager routes (list, reports), filters from the query string. */
void srv_manage_list(srv_ctx *c, const srv_req *q, srv_resp *r);
void srv_manage_report(srv_ctx *c, const srv_req *q, const char *name, srv_resp *r);

/* srv_kiosk.c: the anonymous kiosk routes (customer-facing views only). */
void srv_kiosk_tree(srv_ctx *c, const char *tree_id, srv_resp *r); /* title and lang */
void srv_kiosk_start(srv_ctx *c, const char *tree_id, const srv_req *q, srv_resp *r);
void srv_kiosk_get(srv_ctx *c, const srv_req *q, const char *id, srv_resp *r);
/* action: "answer", "restart", "handoff", "feedback" or "timeout" (the idle reset) */
void srv_kiosk_act(srv_ctx *c, const char *id, const char *action, const srv_req *q,
                   srv_resp *r);
/* A problem answered on a kiosk route gets customer-facing words: no file, line, step id, path. */
void srv_kiosk_scrub(srv_resp *r);

/* srv_static.c: the web pages (web/), read once at start into a fixed table. */
int srv_static_load(const char *dir); /* 0, or -1 when dir cannot be opened (errno set) */
void srv_static_free(void);
/* 1 when q is for a page or a file of web/ (r filled: the file, 304, 404 or 405); else 0. */
int srv_static(const srv_req *q, srv_resp *r);

/* srv_route.c: one request to one response. */
void srv_route(srv_ctx *c, srv_req *q, srv_resp *r);
/* The OpenAPI document served at /v1/openapi.yaml (read once at start; NULL when absent). */
void srv_set_openapi(const char *text, size_t len);

#endif
