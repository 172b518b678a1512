/*
 * srv_sessions.c — the session resources of `dtree serve`: start, read, answer, back, restart, note.
 * Each action runs on the cached engine session under its lock, after checking the client's `seq`
 * (optimistic concurrency: a stale seq is 409 with the current state, so exactly one of two racing
 * clients wins).  A session missing from the cache, or cached but moved on by another instance
 * since, is rebuilt from the store, so any instance continues any unfinished session; a write
 * from a copy another instance rebuilt since is refused whole and the action run again on a fresh
 * copy (srv_retry).  Every event is committed by the recorder before the
 * response is sent; when a write fails the events wait in memory, are retried with the next one,
 * and the response says so ("recording").
 */
#include "srv_cache.h"
#include "srv_seal.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct row_copy {
    char tree[128], status[32], outcome[128], mode[16], agent[128];
    int64_t events;
} row_copy;

static int copy_row(void *user, const dt_rec_session *s)
{
    row_copy *r = user;
    snprintf(r->tree, sizeof r->tree, "%s", s->tree_id);
    snprintf(r->status, sizeof r->status, "%s", s->status);
    snprintf(r->outcome, sizeof r->outcome, "%s", s->outcome);
    snprintf(r->mode, sizeof r->mode, "%s", s->mode);
    snprintf(r->agent, sizeof r->agent, "%s", s->agent);
    r->events = (int64_t)s->events;
    return 1;
}

/* 1 for a status the server can load and go on with (a status no dtree records: no). */
static int resumable(const char *status)
{
    dt_rec_status st;
    return dt_rec_status_from_name(status, &st) == DT_OK &&
           (st == DT_REC_ACTIVE || st == DT_REC_ABANDONED);
}

/* 1 when the store refused because another agent holds the session (check "record-claimed"). */
static int claimed(const dt_error *err)
{
    size_t i;
    for (i = 0; i < dt_error_count(err); i++)
        if (strcmp(dt_error_get(err, i)->check, "record-claimed") == 0) return 1;
    return 0;
}

void srv_count_event(void *user, const dt_event *ev)
{
    (void)ev;
    ((srv_entry *)user)->seq++;
}

dt_status srv_store_open(srv_ctx *c, const srv_lock *mu, dt_recorder **rec, dt_error *err)
{
    /* Any instance answers any request: our claim on a session lapses at once (srv_cache_recorder
     * sets it so), so another instance may load it at any time; it then holds the claim, and our
     * next write is refused whole (dt_recorder_claim_lost) instead of mixing two copies. */
    return srv_cache_recorder(c->cache, mu, rec, err);
}

static int open_store(srv_ctx *c, const srv_lock *mu, dt_recorder **rec, srv_resp *r)
{
    dt_error *err = dt_error_new();
    if (!err) {
        srv_problem(r, SRV_P_INTERNAL, "out of memory", NULL);
        return -1;
    }
    if (srv_store_open(c, mu, rec, err) != DT_OK) {
        srv_problem(r, SRV_P_STORE, dt_error_text(err), NULL);
        dt_error_free(err);
        return -1;
    }
    dt_error_free(err);
    return 0;
}

/* The recording line of a response: saved, or what failed (the events wait and are retried). */
static json_t *recording_json(const srv_entry *e)
{
    json_t *o = json_object();
    if (!o) return NULL;
    json_object_set_new(o, "saved", json_boolean(!dt_recorder_failed(e->rec)));
    if (dt_recorder_failed(e->rec)) {
        json_object_set_new(o, "pending", json_integer((json_int_t)dt_recorder_pending(e->rec)));
        json_object_set_new(o, "message", json_string(dt_recorder_message(e->rec)));
    }
    return o;
}

/* The state with the path from entry `from` on: a full state has 0; an action's response starts
 * at the first entry the action changed (path_from below), so that answering costs the same at the
 * thousandth step as at the first, and the client keeps the entries before. */
static json_t *state_from(const srv_entry *e, size_t from)
{
    json_t *o = json_object();
    int ended = dt_session_ended(e->s);
    if (!o) return NULL;
    json_object_set_new(o, "id", json_string(e->id));
    json_object_set_new(o, "tree", json_string(dt_tree_id(e->tree)));
    json_object_set_new(o, "status", json_string(dt_rec_status_name(ended ? DT_REC_COMPLETED : DT_REC_ACTIVE)));
    json_object_set_new(o, "seq", json_integer((json_int_t)e->seq));
    json_object_set_new(o, "view", srv_view_json(dt_session_view(e->s)));
    json_object_set_new(o, "outcome", ended ? json_string(dt_session_outcome(e->s)) : json_null());
    json_object_set_new(o, "path_from", json_integer((json_int_t)from));
    json_object_set_new(o, "path", srv_path_json(e->s, from));
    json_object_set_new(o, "variables", srv_vars_json(e->s));
    json_object_set_new(o, "recording", recording_json(e));
    if (!e->kiosk) json_object_set_new(o, "claim", srv_claim_json(e));
    return o;
}

static json_t *state_json(const srv_entry *e) { return state_from(e, 0); }

json_t *srv_state_json(const srv_entry *e) { return state_json(e); }

/* The first entry the action just applied may have changed: an answer, a note or a restart
 * changes the open (last) entry and appends; back removes entries and reopens the new last one.
 * Entries before both lasts are as the client saw them at the seq it sent. */
static size_t path_from(const srv_entry *e)
{
    size_t now = dt_session_path_count(e->s), m = now < e->path_before ? now : e->path_before;
    return m > 0 ? m - 1 : 0;
}

/* 1 when a write of this request found SQLite locked by another process past the busy timeout
 * (dt_recorder_busy): the lock is most likely still held, so the request waits for it no more and
 * answers with the events kept in memory ("saved": false) for a later request to write.  Valid
 * once entry_get or srv_begin returned e: an entry with events waiting is never trusted, so an
 * earlier request's failure has been written again (fresh) or given way to a new copy (load). */
static int busy_this_request(const srv_entry *e)
{
    return dt_recorder_busy(e->rec);
}

/* After a successful action: commit, and close the record of an ended session (a kiosk session
 * stays open for the customer's feedback: srv_kiosk.c closes it).  A session that ended while
 * the store is locked is closed by its end event when that is written. */
void srv_settle(srv_entry *e)
{
    if (busy_this_request(e)) return;
    dt_recorder_flush(e->rec, NULL);
    if (dt_session_ended(e->s) && !e->kiosk &&
        dt_recorder_finish(e->rec, DT_REC_COMPLETED, NULL) == DT_OK)
        e->dead = 1;
}

static int set_vars(dt_session *s, json_t *vars, srv_resp *r)
{
    const char *name;
    json_t *v;
    dt_error *err;
    if (!vars) return 0;
    if (!json_is_object(vars)) {
        srv_problem(r, SRV_P_INVALID_FIELD, "vars must be an object of strings", "vars");
        return -1;
    }
    if (!(err = dt_error_new())) return -1;
    json_object_foreach(vars, name, v) {
        if (!json_is_string(v)) {
            srv_problem(r, SRV_P_INVALID_FIELD, "each variable's value must be a string", name);
            break;
        }
        if (dt_session_set_var(s, name, json_string_value(v), err) != DT_OK) {
            srv_problem(r, SRV_P_INVALID_FIELD, dt_error_text(err), name);
            break;
        }
    }
    dt_error_free(err);
    return r->json ? -1 : 0;
}

/* With a seal key, the recorder keeps each sensitive value sealed with the event that records it,
 * so that any instance can replay past it (srv_seal.c).  NULL box: the answer was refused. */
static int seal_value(dt_recorder *rec, const dt_tree *t, const char *sid, const char *var,
                      const char *value)
{
    char box[SRV_SEAL_BOX_MAX];
    if (!var || !srv_seal_enabled() || !dt_tree_var_sensitive(t, var)) return 0;
    return srv_seal(sid, var, value, box) == 0 &&
           dt_recorder_seal_next(rec, var, box, NULL) == DT_OK;
}

dt_status srv_input(srv_entry *e, const char *value, dt_error *err)
{
    const dt_view *v = dt_session_view(e->s);
    const char *var = v ? v->var : NULL;
    int sealed = seal_value(e->rec, e->tree, e->id, var, value);
    dt_status st = dt_session_input(e->s, value, err);
    if (st != DT_OK && sealed) dt_recorder_seal_next(e->rec, var, NULL, NULL);
    return st;
}

static void seal_vars(dt_recorder *rec, const dt_tree *t, const char *sid, json_t *vars)
{
    const char *name;
    json_t *v;
    json_object_foreach(vars, name, v)
    {
        seal_value(rec, t, sid, name, json_string_value(v));
    }
}

int srv_begin(srv_ctx *c, const dt_tree *t, json_t *vars, const char *agent, srv_entry **out,
              srv_resp *r)
{
    char id[37];
    int kiosk = agent == NULL;
    /* the id is ours, chosen first, so that the initial values are sealed to this session */
    dt_record_meta m = {.agent = kiosk ? "kiosk" : agent, .mode = kiosk ? "kiosk" : "agent", .host = c->host, .new_id = id};
    dt_session *s = NULL;
    dt_recorder *rec = NULL;
    srv_entry *e;
    dt_error *err = dt_error_new();
    srv_lock *mu;
    int rc = -1;

    srv_seal_new_id(id);
    mu = srv_cache_lock_of(c->cache, id);
    srv_lock_take(mu);
    if (!err || dt_session_new(t, &s, err) != DT_OK) {
        srv_problem(r, SRV_P_INTERNAL, "out of memory", NULL);
    } else if (set_vars(s, vars, r) == 0 && open_store(c, mu, &rec, r) == 0) {
        if (vars) seal_vars(rec, t, id, vars);
        if (dt_recorder_begin(rec, s, t, &m, id, err) != DT_OK)
            srv_problem(r, SRV_P_STORE, dt_error_text(err), NULL);
        else if (!(e = srv_entry_new(c->cache, id)))
            srv_problem(r, SRV_P_INTERNAL, "out of memory", NULL);
        else {
            row_copy row = {"", "", "", "", "", 0};
            e->s = s, e->rec = rec, e->tree = t, e->kiosk = kiosk;
            /* begin wrote the initial values already: seq counts from the store's count */
            if (dt_recorder_get(rec, id, copy_row, &row, NULL) == DT_OK) e->seq = row.events;
            srv_claim_init(e, agent);
            dt_recorder_chain(rec, srv_count_event, e);
            if (dt_session_start(s, err) != DT_OK) {
                srv_problem(r, SRV_P_RUNTIME, dt_error_text(err), NULL);
                srv_entry_discard(e);
            } else {
                *out = e;
                rc = 0;
            }
            s = NULL, rec = NULL;
        }
    }
    dt_recorder_close(rec);
    if (rc != 0) srv_lock_give(mu);
    dt_session_free(s);
    dt_error_free(err);
    return rc;
}

void srv_sessions_create(srv_ctx *c, const srv_req *q, srv_resp *r)
{
    static const char *const allowed[] = {"tree", "vars", NULL};
    json_t *body, *tree;
    const dt_tree *t;
    srv_entry *e = NULL;

    if (srv_parse_body(q, allowed, &body, r) != 0) return;
    tree = json_object_get(body, "tree");
    if (!json_is_string(tree)) {
        srv_problem(r, SRV_P_INVALID_FIELD, "tree must be the id of a tree, as a string", "tree");
    } else if (!(t = srv_lib_find(c->lib, json_string_value(tree)))) {
        srv_problem(r, SRV_P_NOT_FOUND, "no tree with this id; GET /v1/trees lists them", "tree");
    } else if (srv_begin(c, t, json_object_get(body, "vars"), q->agent, &e, r) == 0) {
        srv_settle(e);
        srv_created(c, e, r, state_json(e));
    }
    json_decref(body);
}

void srv_created(srv_ctx *c, srv_entry *e, srv_resp *r, json_t *state)
{
    snprintf(r->session, sizeof r->session, "%s", e->id);
    snprintf(r->location, sizeof r->location, "/v1/sessions/%s", e->id);
    r->created = 1;
    srv_ok(r, 201, state);
    srv_lock_give(e->mu); /* srv_begin's; the cache takes it again (never held across) */
    if (e->dead || srv_cache_insert(c->cache, e) != 0) srv_entry_discard(e);
    else srv_cache_release(c->cache, e);
}

/* Bring session id into the cache from the store (a restart of the server, or another instance
 * started it).  0 and *out locked; -1 with r filled. */
static int load(srv_ctx *c, const char *id, const char *agent, srv_entry **out, srv_resp *r)
{
    /* Rebuilt under the agent recorded last: loading it here is no hand-off (srv_claim.c records
     * one when another agent acts), and the same part of the call goes on. */
    dt_record_meta m = {.mode = agent && agent[0] ? "agent" : "kiosk",
                        .host = c->host,
                        .unseal = srv_seal_enabled() ? srv_unseal : NULL,
                        .same_part = 1};
    dt_recorder *rec = NULL;
    dt_error *err = dt_error_new();
    row_copy row = {"", "", "", "", "", 0};
    const dt_tree *t;
    srv_entry *e = NULL;
    int rc = -1;
    char sid[40];
    srv_lock *mu = srv_cache_lock_of(c->cache, id);

    /* a box opens only for the session it was sealed for (srv_seal.c) */
    snprintf(sid, sizeof sid, "%s", id);
    m.unseal_user = sid;
    srv_lock_take(mu); /* the store work on its connection; never held into the cache */
    if (!err || open_store(c, mu, &rec, r) != 0) goto done;
    if (dt_recorder_get(rec, id, copy_row, &row, err) != DT_OK) {
        srv_problem(r, SRV_P_NOT_FOUND, "no session with this id", NULL);
    } else if (!resumable(row.status)) {
        srv_problem(r, SRV_P_WRONG_STATE, "the session has ended; dtree show prints its record",
                    NULL);
    } else if (!(t = srv_lib_find(c->lib, row.tree))) {
        srv_problem(r, SRV_P_NOT_FOUND, "the session's tree is not served here", NULL);
    } else if (!(e = srv_entry_new(c->cache, id))) {
        srv_problem(r, SRV_P_INTERNAL, "out of memory", NULL);
    } else if ((m.agent = row.agent[0] ? row.agent : agent && agent[0] ? agent
                                                                       : "kiosk"),
               dt_recorder_resume(rec, id, t, &m, &e->s, NULL, err) != DT_OK) {
        srv_problem(r, claimed(err) ? SRV_P_CLAIMED : SRV_P_WRONG_STATE, dt_error_text(err), NULL);
    } else {
        e->rec = rec, e->tree = t, e->kiosk = strcmp(row.mode, "kiosk") == 0;
        srv_claim_init(e, m.agent);
        rec = NULL;
        dt_recorder_flush(e->rec, NULL);
        if (dt_recorder_get(e->rec, id, copy_row, &row, err) == DT_OK) e->seq = row.events;
        dt_recorder_chain(e->rec, srv_count_event, e);
        srv_lock_give(mu);
        mu = NULL;
        rc = srv_cache_insert(c->cache, e);
        if (rc == 1) {             /* loaded twice at once: keep the one already cached */
            srv_entry_discard(e);
            e = srv_cache_acquire(c->cache, id);
            rc = e ? 0 : -1;
        }
        if (rc != 0) srv_problem(r, SRV_P_BUSY, "too many live sessions; try again later", NULL);
        else *out = e, e = NULL;
    }
done:
    if (e) srv_entry_discard(e);
    dt_recorder_close(rec);
    if (mu) srv_lock_give(mu);
    dt_error_free(err);
    return rc;
}

/* 1 while e's session goes on and its recorder still writes. */
static int writing(const srv_entry *e)
{
    return !e->dead && e->rec && !dt_recorder_stopped(e->rec);
}

/* The store is the truth: a cached entry is used only while nothing was recorded for its session
 * elsewhere since (the store's event count is still its seq) and its recorder still writes. */
static int fresh(srv_entry *e)
{
    int64_t events = -1;
    if (!writing(e)) return 0;
    if (dt_recorder_pending(e->rec) > 0) dt_recorder_flush(e->rec, NULL);
    if (dt_recorder_stopped(e->rec)) return 0;     /* the flush found the claim taken */
    if (dt_recorder_pending(e->rec) > 0) return 1; /* the store fails: what waits here is newer */
    /* the count alone: dt_recorder_get's talk time reads every event of the session */
    return dt_recorder_event_count(e->rec, e->id, &events, NULL) == DT_OK && events == e->seq;
}

/* fresh() once more in the same request: when a write of it found the store locked, the copy
 * is taken as fresh at once, as fresh() would take it after its flush waited the lock out again. */
static int fresh_again(srv_entry *e)
{
    return writing(e) && busy_this_request(e) ? 1 : fresh(e);
}

/* A cached entry an action may use without asking the store first: it has not ended, its
 * recorder writes, nothing waits to be written.  Were it stale, the action's write would be
 * refused whole by the claim that the other instance took to move the session on (every write
 * checks it), and srv_act runs it again on a fresh copy: a round trip less per answer. */
static int trusted(const srv_entry *e)
{
    return writing(e) && dt_recorder_pending(e->rec) == 0;
}

/* The entry of session id, locked.  trust: a cached one may be taken as it is (*checked = 0);
 * else it is checked against the store first, or loaded from it (*checked = 1). */
static srv_entry *entry_get(srv_ctx *c, const srv_req *q, const char *id, int kiosk, int trust,
                            int *checked, srv_resp *r)
{
    srv_entry *e = srv_cache_acquire(c->cache, id);
    *checked = !(e && trust && trusted(e));
    if (*checked && srv_auth_confirm(c, q, r) != 0) { /* the store is asked: the token first */
        if (e) srv_cache_release(c->cache, e);
        return NULL;
    }
    if (e && *checked && !fresh(e)) { /* another instance moved it on, or it ended: load it again */
        srv_cache_drop(c->cache, e);
        srv_cache_release(c->cache, e);
        e = NULL;
    }
    if (!e && load(c, id, q ? q->agent : NULL, &e, r) != 0) return NULL;
    if (e->kiosk != kiosk) {   /* kiosk clients never reach agent sessions, nor agents kiosk ones */
        srv_cache_release(c->cache, e);
        srv_problem(r, SRV_P_NOT_FOUND, "no session with this id", NULL);
        return NULL;
    }
    snprintf(r->session, sizeof r->session, "%s", id);
    return e;
}

srv_entry *srv_entry_get(srv_ctx *c, const srv_req *q, const char *id, int kiosk, srv_resp *r)
{
    int checked;
    return entry_get(c, q, id, kiosk, 0, &checked, r);
}

void srv_sessions_get(srv_ctx *c, const srv_req *q, const char *id, srv_resp *r)
{
    srv_entry *e = srv_entry_get(c, q, id, 0, r);
    if (!e) return;
    srv_cache_store_done(e);
    srv_ok(r, 200, state_json(e));
    srv_cache_release(c->cache, e);
}

/* Apply one action to e's session; the engine status. */
static dt_status apply(srv_entry *e, const char *action, json_t *body, dt_error *err, srv_resp *r)
{
    json_t *choice = json_object_get(body, "choice"), *value = json_object_get(body, "value");
    json_t *cont = json_object_get(body, "continue"), *text = json_object_get(body, "text");

    if (strcmp(action, "back") == 0) return dt_session_back(e->s, err);
    if (strcmp(action, "restart") == 0) return dt_session_restart(e->s, err);
    if (strcmp(action, "note") == 0) {
        if (!json_is_string(text) || !json_string_value(text)[0]) {
            srv_problem(r, SRV_P_INVALID_FIELD, "text must be a non-empty string", "text");
            return DT_EARG;
        }
        return dt_session_note(e->s, json_string_value(text), err);
    }
    if ((choice != NULL) + (value != NULL) + (cont != NULL) != 1) {
        srv_problem(r, SRV_P_BAD_REQUEST, "give exactly one of choice, value or continue", NULL);
        return DT_EARG;
    }
    if (choice && json_is_string(choice)) return dt_session_choose_label(e->s, json_string_value(choice), err);
    if (value && json_is_string(value)) return srv_input(e, json_string_value(value), err);
    if (cont && json_is_true(cont)) return dt_session_continue(e->s, err);
    srv_problem(r, SRV_P_INVALID_FIELD, "choice and value are strings; continue is true",
                choice ? "choice" : value ? "value" : "continue");
    return DT_EARG;
}

static void respond(srv_entry *e, dt_status st, dt_error *err, srv_resp *r)
{
    if (st == DT_OK) {
        srv_settle(e);
        srv_cache_store_done(e);
        srv_ok(r, 200, state_from(e, path_from(e)));
        return;
    }
    srv_refused(st, err, r);
}

/* A refused answer's reason as the person answering should read it: the author's retry text or
 * why nothing matched, without the tree file's position (that is for authors, in `dtree check`). */
static const char *answer_reason(dt_error *err)
{
    const dt_diag *d = dt_error_count(err) > 0 ? dt_error_get(err, 0) : NULL;
    return d && d->message[0] ? d->message : dt_error_text(err);
}

void srv_refused(dt_status st, dt_error *err, srv_resp *r)
{
    if (r->json) return;   /* the request itself was refused */
    if (st == DT_EANSWER)
        srv_problem(r, SRV_P_ANSWER_REFUSED, answer_reason(err), NULL);
    else if (st == DT_ESTATE)
        srv_problem(r, SRV_P_WRONG_STATE, dt_error_text(err), NULL);
    else if (st == DT_ERUNTIME)
        srv_problem(r, SRV_P_RUNTIME, dt_error_text(err), NULL);
    else
        srv_problem(r, SRV_P_INTERNAL, dt_status_str(st), NULL);
}

int srv_stale(const srv_entry *e, json_t *seq, json_t *(*state)(const srv_entry *), srv_resp *r)
{
    json_t *cur;
    if (json_integer_value(seq) == e->seq) return 0;
    srv_problem(r, SRV_P_STALE_SEQ, "the session moved on; here is where it is now", "seq");
    if ((cur = state(e)) && r->json) json_object_set_new(r->json, "current", cur);
    else json_decref(cur);
    return 1;
}

/* Whether the action just run on e (not checked against the store) must run again on a fresh
 * copy: its write was refused by another instance's claim, or it was not written (a store
 * failure: the claim was not checked) or refused, and the store has moved on since (the refusal
 * may be the stale copy's).  Then r is emptied and e dropped. */
static int stale_copy(srv_ctx *c, srv_entry *e, dt_status st, srv_resp *r)
{
    int stale = st != DT_OK ? !fresh_again(e)
                            : dt_recorder_claim_lost(e->rec) ||
                                  (dt_recorder_pending(e->rec) > 0 && !fresh_again(e));
    if (!stale) return 0;
    json_decref(r->json);
    r->json = NULL;
    r->status = 0;
    r->ctype = NULL;
    srv_cache_drop(c->cache, e);
    return 1;
}

/* One action request, as srv_act tries it. */
typedef struct act_try {
    const char *action;
    json_t *body, *seq;
    const srv_req *q;
    const srv_act_ops *ops;
    int tries; /* srv_retry's */
} act_try;

/* Try the action once on e (checked: known to be the store's copy); 1 when it must run again on
 * a fresh copy, else r holds the response. */
static int act_once(srv_ctx *c, srv_entry *e, int checked, act_try *t, srv_resp *r)
{
    const srv_act_ops *ops = t->ops;
    dt_error *err;
    dt_status st;
    int again;
    /* a hand-off (take) resumes from the store: the seq is checked on a copy known to be fresh */
    if (!checked && ops->take && strcmp(e->recorded, t->q->agent) != 0) {
        if (stale_copy(c, e, DT_ESTATE, r)) return 1;
        checked = 1;
    }
    /* before a hand-off's write, or a hold that outlives a failed action */
    if ((checked || (ops->take && strcmp(e->holder, t->q->agent) != 0)) &&
        srv_auth_confirm(c, t->q, r) != 0)
        return 0;
    if ((ops->may && ops->may(c, e, t->q, r)) || srv_stale(e, t->seq, ops->state, r) ||
        (ops->take && ops->take(c, e, t->q, r)))
        return !checked && stale_copy(c, e, DT_ESTATE, r); /* refused, maybe by a stale copy */
    if (!(err = dt_error_new())) {
        srv_problem(r, SRV_P_INTERNAL, "out of memory", NULL);
        return 0;
    }
    e->path_before = dt_session_path_count(e->s);
    /* a token not looked up is checked by the write (a revoked one's is refused whole: the
     * recorder stops, the copy is stale below, and the next try looks the token up) */
    dt_recorder_require_token(e->rec, r->token_unchecked ? t->q->token_hash : NULL);
    st = ops->apply(e, t->action, t->body, err, r);
    if (dt_recorder_token_state(e->rec) > 0) r->token_unchecked = 0;
    again = !checked && stale_copy(c, e, st, r);
    if (!again && !(again = st == DT_OK && srv_retry(c, e, &t->tries, r)) && !r->json)
        ops->respond(e, st, err, r);
    dt_recorder_require_token(e->rec, NULL);
    dt_error_free(err);
    return again;
}

void srv_act(srv_ctx *c, const char *id, const char *action, const srv_req *q,
             const srv_act_ops *ops, srv_resp *r)
{
    act_try t = {action, NULL, NULL, q, ops, 0};
    srv_entry *e;
    int again = 1, trust = 1, checked;

    for (const char *const *a = ops->checked; a && *a && trust; a++)
        trust = strcmp(*a, action) != 0;

    if (srv_parse_body(q, ops->allowed, &t.body, r) != 0) return;
    t.seq = json_object_get(t.body, "seq");
    if (!json_is_integer(t.seq)) {
        srv_problem(r, SRV_P_INVALID_FIELD, "seq (the session's seq you last saw) is required",
                    "seq");
        again = 0;
    }
    while (again && (e = entry_get(c, ops->kiosk ? NULL : q, id, ops->kiosk, trust, &checked, r))) {
        again = act_once(c, e, checked, &t, r);
        trust = 0; /* once is enough: a second try reads the store */
        srv_cache_release(c->cache, e);
    }
    json_decref(t.body);
}

/* An agent acts only on a session nobody else holds, and takes it (srv_claim.c). */
static int agent_may(srv_ctx *c, srv_entry *e, const srv_req *q, srv_resp *r)
{
    (void)c;
    return srv_claim_held(e, q, r);
}

static int agent_take(srv_ctx *c, srv_entry *e, const srv_req *q, srv_resp *r)
{
    return srv_claim_take(c, e, q, 0, r) != 0;
}

void srv_sessions_act(srv_ctx *c, const char *id, const char *action, const srv_req *q,
                      srv_resp *r)
{
    static const char *const allowed_answer[] = {"seq", "choice", "value", "continue", NULL};
    static const char *const allowed_note[] = {"seq", "text", NULL};
    static const char *const allowed_plain[] = {"seq", NULL};
    srv_act_ops ops = {allowed_plain, 0, state_json, agent_may, agent_take, apply, respond, NULL};
    if (strcmp(action, "answer") == 0)
        ops.allowed = allowed_answer;
    else if (strcmp(action, "note") == 0)
        ops.allowed = allowed_note;
    srv_act(c, id, action, q, &ops, r);
}

int srv_retry(srv_ctx *c, srv_entry *e, int *tries, srv_resp *r)
{
    if (!dt_recorder_claim_lost(e->rec)) return 0;
    srv_cache_drop(c->cache, e); /* nothing of the action was written: run it on a fresh copy */
    if (++*tries < 6) {
        /* Two instances rebuilding the same session take its claim from each other in turn; a
         * random pause, longer at each try, lets one of them finish, so the other sees the
         * moved seq (409) instead of giving up (503). */
        struct timespec pause = {0, (long)(1 + randombytes_uniform(10u * (uint32_t)*tries)) * 1000000L};
        nanosleep(&pause, NULL);
        return 1;
    }
    srv_problem(r, SRV_P_BUSY, "the session is being answered on another server; try again",
                NULL);
    return 0;
}
