/*
 * srv_claim.c — one agent answers a live session at a time, over HTTP.  The entry's `holder` is
 * the agent who may change it: whoever started or resumed it, until they release it or a colleague
 * takes it over.  Anyone with an agent token may read a session (and follow its events); a change
 * by anyone else is 409 session-claimed naming the holder and since when.  When another agent takes
 * a session, the hand-off is recorded the way `dtree resume` records it: the session is resumed
 * from the store under the new agent (a handoff event; "take-over" when the holder had not let go),
 * so the recording always says who answered what.  Runs under the entry's lock.
 */
#define _POSIX_C_SOURCE 200809L
#include "isotime.h"
#include "srv_cache.h"
#include "srv_seal.h"

#include <string.h>
#include <time.h>

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void hold(srv_entry *e, const char *agent)
{
    snprintf(e->holder, sizeof e->holder, "%s", agent ? agent : "");
    e->held_since_ms = now_ms();
}

void srv_claim_init(srv_entry *e, const char *agent)
{
    hold(e, agent);
    snprintf(e->recorded, sizeof e->recorded, "%s", agent ? agent : "");
}

json_t *srv_claim_json(const srv_entry *e)
{
    char since[ISO_TIME_SIZE];
    if (!e->holder[0]) return json_null();
    iso_time(e->held_since_ms, since);
    return json_pack("{s:s,s:s}", "agent", e->holder, "since", since);
}

/* 409 naming who holds e, with where the session is now. */
static void refuse(const srv_entry *e, srv_resp *r)
{
    char since[ISO_TIME_SIZE], msg[320];
    json_t *cur;
    iso_time(e->held_since_ms, since);
    snprintf(msg, sizeof msg, "agent '%s' holds this session since %s: ask them to release it, "
                              "or take it over (POST .../claim with take_over: true)",
             e->holder, since);
    srv_problem(r, SRV_P_CLAIMED, msg, NULL);
    if (!r->json) return;
    json_object_set_new(r->json, "claim", srv_claim_json(e));
    if ((cur = srv_state_json(e))) json_object_set_new(r->json, "current", cur);
}

int srv_claim_held(const srv_entry *e, const srv_req *q, srv_resp *r)
{
    if (!e->holder[0] || strcmp(e->holder, q->agent) == 0) return 0;
    refuse(e, r);
    return 1;
}

static int count_row(void *user, const dt_rec_session *s)
{
    *(int64_t *)user = (int64_t)s->events;
    return 1;
}

/* Resume e from the store under `agent` (a recorded hand-off) and put the new engine session in
 * place.  A plain hand-off first closes our recorder, so the store claim is free and the handoff
 * is not marked a take-over; a take-over resumes while we still hold it, and so is marked. */
static int hand_over(srv_ctx *c, srv_entry *e, const char *agent, int take_over, srv_resp *r)
{
    dt_record_meta m = {.agent = agent, .mode = "agent", .host = c->host, .take_over = take_over, .unseal = srv_seal_enabled() ? srv_unseal : NULL, .unseal_user = e->id}; /* boxes open for this session only */
    dt_recorder *rec = NULL;
    dt_session *s = NULL;
    dt_error *err = dt_error_new();
    int64_t events = e->seq;
    int rc = -1;

    dt_recorder_flush(e->rec, NULL);
    if (!take_over) {
        dt_recorder_close(e->rec);
        e->rec = NULL;
    }
    if (!err) {
        srv_problem(r, SRV_P_INTERNAL, "out of memory", NULL);
    } else if (srv_store_open(c, e->mu, &rec, err) != DT_OK ||
               dt_recorder_resume(rec, e->id, e->tree, &m, &s, NULL, err) != DT_OK) {
        srv_problem(r, SRV_P_STORE, dt_error_text(err), NULL);
    } else {
        dt_recorder_close(e->rec); /* after a take-over its claim is gone: it writes no more */
        dt_session_free(e->s);
        e->s = s, e->rec = rec, rec = NULL;
        dt_recorder_flush(e->rec, NULL);
        if (dt_recorder_get(e->rec, e->id, count_row, &events, NULL) == DT_OK) e->seq = events;
        dt_recorder_chain(e->rec, srv_count_event, e);
        snprintf(e->recorded, sizeof e->recorded, "%s", agent);
        rc = 0;
    }
    if (rc != 0 && !e->rec) e->dead = 1; /* nothing records it here now: resume it afresh */
    dt_recorder_close(rec);
    dt_error_free(err);
    return rc;
}

int srv_claim_take(srv_ctx *c, srv_entry *e, const srv_req *q, int take_over, srv_resp *r)
{
    int other = e->holder[0] && strcmp(e->holder, q->agent) != 0;
    if (!e->rec) {
        srv_problem(r, SRV_P_STORE, "the session is being moved; try again", NULL);
        return -1;
    }
    if (other && !take_over) {
        refuse(e, r);
        return -1;
    }
    if (strcmp(e->holder, q->agent) == 0) return 0;
    if (strcmp(e->recorded, q->agent) != 0 && hand_over(c, e, q->agent, other, r) != 0) return -1;
    hold(e, q->agent);
    return 0;
}

void srv_claim_act(srv_ctx *c, const char *id, const char *action, const srv_req *q,
                   srv_resp *r)
{
    static const char *const allowed[] = {"take_over", NULL};
    json_t *body = NULL, *tk;
    srv_entry *e;
    int release = strcmp(action, "release") == 0;

    if (q->body_len && srv_parse_body(q, allowed, &body, r) != 0) return;
    tk = json_object_get(body, "take_over");
    if (tk && !json_is_boolean(tk)) {
        srv_problem(r, SRV_P_INVALID_FIELD, "take_over is true or false", "take_over");
    } else if (release && tk) {
        srv_problem(r, SRV_P_UNKNOWN_FIELD, "release takes no take_over", "take_over");
    } else if ((e = srv_entry_get(c, q, id, 0, r)) != NULL) {
        if (release) {
            if (!srv_claim_held(e, q, r)) {
                e->holder[0] = '\0';
                e->held_since_ms = now_ms();
                srv_ok(r, 200, srv_state_json(e));
            }
        } else if (srv_claim_take(c, e, q, json_is_true(tk), r) == 0) {
            srv_ok(r, 200, srv_state_json(e));
        }
        srv_cache_release(c->cache, e);
    }
    json_decref(body);
}
