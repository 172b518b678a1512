/*
 * srv_route.c — method and path to handler for `dtree serve`.  Paths are matched segment by
 * segment; ids are checked (srv_valid_id) before any handler sees them, so no path trick reaches
 * the library or the store.  Every route answers 405 for a method it does not take.
 */
#include "srv_cache.h"
#include "srv_events.h"
#include "srv_limit.h"

#include <string.h>

static const char *openapi_text;
static size_t openapi_len;

void srv_set_openapi(const char *text, size_t len)
{
    openapi_text = text;
    openapi_len = len;
}

static void route_name(srv_resp *r, const char *name)
{
    snprintf(r->route, sizeof r->route, "%s", name);
}

/* 1 when method is `want`; else fills r with 405. */
static int method(const srv_req *q, const char *want, srv_resp *r)
{
    if (strcmp(q->method, want) == 0) return 1;
    srv_problem(r, SRV_P_METHOD, want, NULL);
    return 0;
}

static void health(const srv_req *q, srv_resp *r)
{
    json_t *o;
    if (!method(q, "GET", r)) return;
    o = json_pack("{s:s}", "status", "ok");
    srv_ok(r, 200, o);
}

static void ready(srv_ctx *c, const srv_req *q, srv_resp *r)
{
    dt_recorder *rec = NULL;
    dt_error *err;
    if (!method(q, "GET", r)) return;
    if (!(err = dt_error_new())) {
        srv_problem(r, SRV_P_INTERNAL, "out of memory", NULL);
        return;
    }
    if (dt_recorder_open(c->db_path, 0, &rec, err) != DT_OK)
        srv_problem(r, SRV_P_STORE, dt_error_text(err), NULL);
    else
        srv_ok(r, 200, json_pack("{s:s}", "status", "ready"));
    dt_recorder_close(rec);
    dt_error_free(err);
}

static void openapi(const srv_req *q, srv_resp *r)
{
    if (!method(q, "GET", r)) return;
    if (!openapi_text) {
        srv_problem(r, SRV_P_NOT_FOUND, "docs/openapi.yaml was not installed with this server", NULL);
        return;
    }
    r->status = 200;
    r->raw = openapi_text;
    r->raw_len = openapi_len;
    r->ctype = "application/yaml";
}

/* The id segment at the start of rest into id (65 bytes); its length, or 0 (with a 404 in r)
 * when it is not an id. */
static size_t take_id(const char *rest, char *id, const char *route, srv_resp *r)
{
    size_t n = strcspn(rest, "/");
    if (!srv_valid_id(rest, n)) {
        route_name(r, route);
        srv_problem(r, SRV_P_NOT_FOUND, "not an id", NULL);
        return 0;
    }
    memcpy(id, rest, n);
    id[n] = '\0';
    return n;
}

/* claim and release are srv_claim.c's; every other action srv_sessions.c's */
static void agent_act(srv_ctx *c, const char *id, const char *action, const srv_req *q,
                      srv_resp *r)
{
    if (strcmp(action, "claim") == 0 || strcmp(action, "release") == 0)
        srv_claim_act(c, id, action, q, r);
    else
        srv_sessions_act(c, id, action, q, r);
}

typedef void (*get_fn)(srv_ctx *, const srv_req *, const char *, srv_resp *);
typedef void (*act_fn)(srv_ctx *, const char *, const char *, const srv_req *, srv_resp *);

/* {prefix}/{id}[/action] for the agent and the kiosk sessions alike. */
static void session_route(srv_ctx *c, const srv_req *q, const char *prefix, const char *rest,
                          const char *const *actions, get_fn get, act_fn act, srv_resp *r)
{
    char id[65];
    size_t k, n;

    snprintf(r->route, sizeof r->route, "%s/{id}", prefix);
    if (!(n = take_id(rest, id, r->route, r))) return;
    rest += n;
    if (!*rest) {
        if (method(q, "GET", r)) get(c, q, id, r);
        return;
    }
    for (k = 0; actions[k]; k++) {
        if (strcmp(rest + 1, actions[k]) != 0) continue;
        snprintf(r->route, sizeof r->route, "%s/{id}/%s", prefix, actions[k]);
        if (method(q, "POST", r)) act(c, id, actions[k], q, r);
        return;
    }
    srv_problem(r, SRV_P_NOT_FOUND, "no such resource", NULL);
}

/* /v1/sessions/{id}/events: a GET that stays open (srv_events.c).  Kiosks have none: a stream
 * carries agent notes and the steps' ids. */
static void events_route(srv_ctx *c, const srv_req *q, const char *rest, srv_resp *r)
{
    char id[65];
    route_name(r, "/v1/sessions/{id}/events");
    if (take_id(rest, id, r->route, r) && method(q, "GET", r)) srv_events_open(c, q, id, r);
}

/* /v1/kiosk/{tree}/sessions and /v1/kiosk/sessions/{id}[/action] */
static void kiosk_route(srv_ctx *c, const srv_req *q, const char *rest, srv_resp *r)
{
    static const char *const actions[] = {"answer", "restart", "handoff",
                                          "feedback", "timeout", NULL};
    char tree[65];
    size_t n;

    if (strncmp(rest, "sessions/", 9) == 0) {
        session_route(c, q, "/v1/kiosk/sessions", rest + 9, actions, srv_kiosk_get,
                      srv_kiosk_act, r);
        srv_kiosk_scrub(r);
        return;
    }
    if (!(n = take_id(rest, tree, "/v1/kiosk/{tree}/sessions", r))) return;
    if (!rest[n]) { /* the tree's welcome: title and language */
        route_name(r, "/v1/kiosk/{tree}");
        if (method(q, "GET", r)) srv_kiosk_tree(c, tree, r);
        return;
    }
    route_name(r, "/v1/kiosk/{tree}/sessions");
    if (strcmp(rest + n, "/sessions") != 0) srv_problem(r, SRV_P_NOT_FOUND, "no such resource", NULL);
    else if (method(q, "POST", r)) srv_kiosk_start(c, tree, q, r);
    srv_kiosk_scrub(r);
}

/* The actions on an agent session, once: the first AGENT_EVENT_ACTIONS record events, and their
 * write checks the token itself (srv_sessions.c act_once), so their look-up can wait until
 * something other than that write needs it; claim and release write other rows. */
static const char *const agent_actions[] = {"answer", "back", "restart", "note",
                                            "claim", "release", NULL};
#define AGENT_EVENT_ACTIONS 4

static int token_checked_by_write(const srv_req *q)
{
    const char *p = q->path, *a;
    size_t i;
    if (strcmp(q->method, "POST") != 0 || strncmp(p, "/v1/sessions/", 13) != 0) return 0;
    a = p + 13 + strcspn(p + 13, "/");
    for (i = 0; *a == '/' && i < AGENT_EVENT_ACTIONS; i++)
        if (strcmp(a + 1, agent_actions[i]) == 0) return 1;
    return 0;
}

static void dispatch(srv_ctx *c, srv_req *q, srv_resp *r);

void srv_route(srv_ctx *c, srv_req *q, srv_resp *r)
{
    dispatch(c, q, r);
    srv_auth_confirm(c, q, r); /* a token taken on trust and not yet checked: now, at the latest */
}

static void dispatch(srv_ctx *c, srv_req *q, srv_resp *r)
{
    const char *p = q->path;
    /* Agent routes need an agent's (or a manager's) token; health, the contract and the kiosk
     * routes are anonymous. */
    int manager_route = (strcmp(p, "/v1/sessions") == 0 && strcmp(q->method, "GET") == 0) ||
                        strncmp(p, "/v1/reports/", 12) == 0;
    int agent_route = strcmp(p, "/v1/trees") == 0 || strncmp(p, "/v1/sessions", 12) == 0 ||
                      strcmp(p, "/v1/me") == 0;

    int signed_route = manager_route || agent_route;
    /* rate limits (srv_limit.c): anonymous routes per address, signed ones per token */
    int refused = srv_limit_before(c, q, signed_route, r) != 0;
    if (!refused && signed_route) {
        refused = srv_authorize(c, q, manager_route ? DT_ROLE_MANAGER : DT_ROLE_AGENT,
                                token_checked_by_write(q), r) != 0;
        if (refused && r->status == 401)
            srv_limit_after(c, q, 0, r);
        else if (!refused)
            refused = srv_limit_after(c, q, 1, r) != 0;
    }
    if (refused) {
        route_name(r, !signed_route                         ? "(rate-limited)"
                      : strncmp(p, "/v1/sessions", 12) == 0 ? "/v1/sessions"
                      : manager_route                       ? "/v1/reports/{name}"
                                                            : p);
        return;
    }

    if (strcmp(p, "/healthz") == 0) {
        route_name(r, p);
        health(q, r);
    } else if (strcmp(p, "/readyz") == 0) {
        route_name(r, p);
        ready(c, q, r);
    } else if (strcmp(p, "/v1/openapi.yaml") == 0) {
        route_name(r, p);
        openapi(q, r);
    } else if (strcmp(p, "/v1/login") == 0 || strcmp(p, "/v1/logout") == 0) {
        route_name(r, p);
        if (method(q, "POST", r)) (strcmp(p, "/v1/login") == 0 ? srv_login : srv_logout)(c, q, r);
    } else if (strcmp(p, "/v1/me") == 0) {
        route_name(r, p);
        if (method(q, "GET", r)) srv_me(c, q, r);
    } else if (strcmp(p, "/v1/trees") == 0) {
        route_name(r, p);
        if (method(q, "GET", r)) srv_ok(r, 200, json_pack("{s:o}", "trees", srv_lib_json(c->lib)));
    } else if (strcmp(p, "/v1/sessions") == 0) {
        route_name(r, p);
        if (strcmp(q->method, "GET") == 0) srv_manage_list(c, q, r);
        else if (method(q, "POST", r)) srv_sessions_create(c, q, r);
    } else if (strncmp(p, "/v1/reports/", 12) == 0) {
        char name[65];
        route_name(r, "/v1/reports/{name}");
        if (take_id(p + 12, name, r->route, r) && method(q, "GET", r)) {
            if (p[12 + strlen(name)]) srv_problem(r, SRV_P_NOT_FOUND, "no such resource", NULL);
            else srv_manage_report(c, q, name, r);
        }
    } else if (strncmp(p, "/v1/sessions/", 13) == 0) {
        size_t n = strcspn(p + 13, "/");
        if (strcmp(p + 13 + n, "/events") == 0)
            events_route(c, q, p + 13, r);
        else
            session_route(c, q, "/v1/sessions", p + 13, agent_actions, srv_sessions_get, agent_act,
                          r);
    } else if (strncmp(p, "/v1/kiosk/", 10) == 0) {
        kiosk_route(c, q, p + 10, r);
    } else if (!srv_static(q, r)) {
        srv_problem(r, SRV_P_NOT_FOUND, "no such resource", NULL);
    }
}
