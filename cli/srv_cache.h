/*
 * srv_cache.h — the live-session cache of `dtree serve` (srv_cache.c says how it is locked).
 */
#ifndef DTREE_CLI_SRV_CACHE_H
#define DTREE_CLI_SRV_CACHE_H

#include "srv.h"

#include <pthread.h>
#include <time.h>

/* A lock taken in turn (first come, first served), recursive (srv_cache.c).  A waiter sleeps on
 * the condition of its ticket's slot, so that handing the lock on wakes the next in turn (and
 * the few sharing its slot), not every waiter. */
#define SRV_LOCK_SLOTS 8
typedef struct srv_lock {
    pthread_mutex_t m;
    pthread_cond_t cv[SRV_LOCK_SLOTS];
    unsigned long next, serving; /* tickets */
    pthread_t owner;
    unsigned depth;
} srv_lock;
void srv_lock_take(srv_lock *l);
void srv_lock_give(srv_lock *l);

typedef struct srv_entry {
    char id[40];
    srv_lock own;           /* the session's: held by the request using it (srv_cache.c) */
    srv_lock *mu;           /* the lock of the store connection its recorder is on: the one
                               its id hashes to (srv_cache_lock_of), or the one its last
                               request took (srv_cache.c) */
    dt_session *s;          /* owned */
    dt_recorder *rec;       /* owned; records s */
    const dt_tree *tree;    /* borrowed from the library */
    int64_t seq;            /* events recorded for the session (the store's count) */
    size_t path_before;     /* path entries before the action being applied (srv_act): its
                               response sends only the entries the action changed */
    int dead;               /* ended: drop from the cache when the last user lets go */
    int unlinked;           /* already out of the table (srv_cache_drop): freed by the last user */
    int store_done;         /* the request let go of the connection early (srv_cache_store_done) */
    int kiosk;              /* started at a kiosk: only the kiosk routes reach it */
    unsigned users;         /* requests holding it (under the table lock) */
    char holder[128];       /* the agent who may change it; "": the next agent to act (srv_claim.c) */
    char recorded[128];     /* the agent its recorder records (the last hand-off's) */
    int64_t held_since_ms;
    time_t last_used;
} srv_entry;

/* A new entry for session id, on the store connection id hashes to (not locked). */
srv_entry *srv_entry_new(srv_cache *c, const char *id);
/* The lock of the store connection of session id: held while its recorder is used. */
srv_lock *srv_cache_lock_of(srv_cache *c, const char *id);
/* A recorder on the store connection of lock mu (srv_cache_lock_of, or an entry's mu), which the
 * caller holds. */
dt_status srv_cache_recorder(srv_cache *c, const srv_lock *mu, dt_recorder **rec, dt_error *err);
/* Free an entry that never made it into the cache. */
void srv_entry_discard(srv_entry *e);
/* The entry for id, locked, or NULL when not cached. */
srv_entry *srv_cache_acquire(srv_cache *c, const char *id);
/* Insert e (not yet shared) and lock it: 0; 1 when the id is already cached (then use acquire);
 * -1 when the cache is full of busy entries. */
int srv_cache_insert(srv_cache *c, srv_entry *e);
/* Unlock e and let go of it; an entry marked dead is freed by the last user. */
void srv_cache_release(srv_cache *c, srv_entry *e);
/* The request holding e is done with the store: its connection's lock goes now, so that the
 * requests queued for the connection go on while this one builds its response; release then lets
 * go of the session's own lock only. */
void srv_cache_store_done(srv_entry *e);
/* e (acquired) is stale: take it out of the table at once, so that a fresh copy can be loaded
 * under the same id; it is freed when its last user lets go. */
void srv_cache_drop(srv_cache *c, srv_entry *e);

/* srv_sessions.c, shared with srv_kiosk.c */
/* Start a recorded session on t (vars may be NULL) for `agent`; NULL agent: a kiosk session,
 * recorded with mode and agent "kiosk".  0 and *out (not cached yet), or -1 with r filled. */
int srv_begin(srv_ctx *c, const dt_tree *t, json_t *vars, const char *agent, srv_entry **out,
              srv_resp *r);
/* 201 with `state` (taken) and Location; caches e (or frees it when it already ended). */
void srv_created(srv_ctx *c, srv_entry *e, srv_resp *r, json_t *state);
/* The cached or resumed entry for id (resumed from the store for q->agent, or as a kiosk), locked, if it is of the right kind (kiosk or not); else
 * NULL with r filled (404 for the wrong kind: a kiosk client learns nothing of agent sessions). */
srv_entry *srv_entry_get(srv_ctx *c, const srv_req *q, const char *id, int kiosk, srv_resp *r);
/* dt_session_input on e, sealing a sensitive answer first when the server has a seal key. */
dt_status srv_input(srv_entry *e, const char *value, dt_error *err);
/* After an action that succeeded on e: 1 when its write was refused because another instance
 * loaded the session meanwhile (none of it was written), with e dropped: run the action again on
 * a fresh copy.  0 otherwise; after the third refusal 0 with 503 in r. */
int srv_retry(srv_ctx *c, srv_entry *e, int *tries, srv_resp *r);
/* A recorder on the pooled store connection of lock mu (the caller holds it), set the way every
 * instance shares sessions (srv_sessions.c). */
dt_status srv_store_open(srv_ctx *c, const srv_lock *mu, dt_recorder **rec, dt_error *err);
/* Commit after an action; an ended agent session is closed (a kiosk one waits for feedback). */
void srv_settle(srv_entry *e);
/* 1 with a 409 in r carrying state(e) when seq is not e's. */
int srv_stale(const srv_entry *e, json_t *seq, json_t *(*state)(const srv_entry *), srv_resp *r);
/* What differs between an agent's and a kiosk's action on a session (srv_act). */
typedef struct srv_act_ops {
    const char *const *allowed;           /* the body's fields */
    int kiosk;                            /* srv_entry_get's kind (a kiosk request has no token) */
    json_t *(*state)(const srv_entry *e); /* the state a 409 carries */
    /* 1 with r filled when q may not act on e: before the seq check, and after it (a stale
     * request must take nothing); NULL: anyone may */
    int (*may)(srv_ctx *c, srv_entry *e, const srv_req *q, srv_resp *r);
    int (*take)(srv_ctx *c, srv_entry *e, const srv_req *q, srv_resp *r);
    dt_status (*apply)(srv_entry *e, const char *action, json_t *body, dt_error *err, srv_resp *r);
    /* fill r after apply: 200 with the state, or the problem for st (r may hold one already) */
    void (*respond)(srv_entry *e, dt_status st, dt_error *err, srv_resp *r);
    /* the actions that end the session's row without recording events (no claim check guards
     * them): run only on a copy checked against the store first; NULL: none */
    const char *const *checked;
} srv_act_ops;
/* One action on session id with the seq the client last saw: the body checked, then may, seq
 * (409), take, apply and respond, run again on a fresh copy when another instance moved it (srv_retry). */
void srv_act(srv_ctx *c, const char *id, const char *action, const srv_req *q,
             const srv_act_ops *ops, srv_resp *r);
/* Fill r for an engine status other than DT_OK (unless r already holds a problem). */
void srv_refused(dt_status st, dt_error *err, srv_resp *r);
/* The state of an agent session as the API returns it; the observer that counts e's events. */
json_t *srv_state_json(const srv_entry *e);
void srv_count_event(void *user, const dt_event *ev);

/* srv_claim.c: who may change a live agent session. */
/* e was started or resumed by `agent`: it holds e. */
void srv_claim_init(srv_entry *e, const char *agent);
/* {"agent", "since"} of the holder, or null when nobody holds e. */
json_t *srv_claim_json(const srv_entry *e);
/* 1 with 409 session-claimed (holder, since, current state) in r when another agent holds e. */
int srv_claim_held(const srv_entry *e, const srv_req *q, srv_resp *r);
/* Make q->agent the holder (recording a hand-off when another agent recorded e last); from
 * another holder only with take_over.  0, or -1 with r filled. */
int srv_claim_take(srv_ctx *c, srv_entry *e, const srv_req *q, int take_over, srv_resp *r);
/* POST /v1/sessions/{id}/claim ({"take_over": true} to take it from a live holder) and
 * /release. */
void srv_claim_act(srv_ctx *c, const char *id, const char *action, const srv_req *q,
                   srv_resp *r);

#endif
