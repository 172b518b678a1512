/*
 * srv_kiosk.c — the anonymous kiosk routes of `dtree serve`: start a session on a tree marked
 * kiosk, answer it, start over, ask for a person, say whether it helped.  A kiosk client sees
 * customer-facing text only: no agent notes, no agent-only texts or choices, no step, tree or
 * choice ids, no variables, no path.  It reaches kiosk sessions only (srv_entry_get), and a choice
 * it sends is matched among the choices it was shown, never the agent-only ones.
 */
#include "srv_cache.h"

#include <string.h>

/* What a customer may see, by the step's audience and the item's own (the kiosk's rule). */
static int customer_sees(dt_audience step, dt_audience own)
{
    return own == DT_AUD_CUSTOMER || (own == DT_AUD_ALL && step != DT_AUD_AGENT);
}

static json_t *kiosk_view(const dt_view *v)
{
    json_t *o = json_object(), *say = json_array(), *ch = json_array(), *c;
    size_t i, n = 0;
    if (!o || !say || !ch) {
        json_decref(o), json_decref(say), json_decref(ch);
        return NULL;
    }
    /* no step title: docs/format-spec.md makes it internal (agents only) */
    json_object_set_new(o, "kind", json_string(dt_step_kind_name(v->kind)));
    for (i = 0; i < v->say_count; i++)
        if (customer_sees(v->audience, v->say[i].audience))
            json_array_append_new(say, json_string(v->say[i].text));
    json_object_set_new(o, "say", say);
    for (i = 0; v->kind == DT_STEP_QUESTION && i < v->choice_count; i++) {
        if (!customer_sees(v->audience, v->choices[i].audience) || !(c = json_object())) continue;
        json_object_set_new(c, "n", json_integer((json_int_t)++n));
        json_object_set_new(c, "label", json_string(v->choices[i].label));
        json_array_append_new(ch, c);
    }
    if (v->kind == DT_STEP_QUESTION) json_object_set_new(o, "choices", ch);
    else json_decref(ch);
    if (v->kind == DT_STEP_INPUT) {
        json_t *full = srv_view_json(v), *in = full ? json_object_get(full, "input") : NULL;
        if (in) {
            json_object_del(in, "var");   /* a variable name is the author's, not the customer's */
            json_object_set(o, "input", in);
        }
        json_decref(full);
    }
    if (v->outcome && v->outcome[0]) {
        json_object_set_new(o, "ended", json_true());
        /* the kiosk's rule: a customer sent to a person is not asked whether it helped */
        json_object_set_new(o, "ask_feedback", json_boolean(dt_outcome_of(v->outcome) != DT_OUTCOME_ESCALATED));
    }
    return o;
}

static json_t *kiosk_state(const srv_entry *e)
{
    const dt_view *v = dt_session_view(e->s);
    json_t *o = json_object();
    if (!o) return NULL;
    json_object_set_new(o, "id", json_string(e->id));
    json_object_set_new(o, "seq", json_integer((json_int_t)e->seq));
    json_object_set_new(o, "ended", json_boolean(dt_session_ended(e->s) || e->dead));
    json_object_set_new(o, "view", kiosk_view(v));
    json_object_set_new(o, "lang", json_string(dt_tree_lang(e->tree)));
    json_object_set_new(o, "handoff_text", json_string(v->handoff_text));
    return o;
}

/* A refused answer in the customer's words: the author's retry text for the step (it is shown to
 * the customer already), never the engine's message, which names the tree file, line and step. */
static void kiosk_refused(const srv_entry *e, dt_status st, dt_error *err, srv_resp *r)
{
    const dt_view *v = dt_session_view(e->s);
    if (r->json) return; /* the request itself was refused (srv_problem with our own words) */
    if (st != DT_EANSWER) {
        srv_refused(st, err, r); /* srv_kiosk_scrub replaces its detail */
        return;
    }
    srv_problem(r, SRV_P_ANSWER_REFUSED,
                v && v->kind == DT_STEP_INPUT && v->retry && v->retry[0] ? v->retry
                : v && v->kind == DT_STEP_QUESTION                       ? "Please choose one of the options shown."
                                                                         : "That answer was not accepted. Please try again.",
                NULL);
}

/* Problems whose detail is the server's own fixed words about the request's shape: they name a
 * field the client sent at most, so they stay as they are. */
static int request_shape(const char *type)
{
    static const char *const kept[] = {"bad-request", "invalid-json", "unknown-field",
                                       "invalid-field", "body-too-large", "unsupported-media-type",
                                       "method-not-allowed", "too-many-requests", "answer-refused",
                                       NULL};
    size_t i;
    for (i = 0; kept[i]; i++)
        if (strcmp(type, kept[i]) == 0) return 1;
    return 0;
}

/* Every other problem a kiosk meets gets customer-facing words by its type: engine, claim and
 * store messages name tree files, lines, step ids and the store's path, which are the author's and
 * the operator's business (the server's log has the request's route and status). */
void srv_kiosk_scrub(srv_resp *r)
{
    static const struct {
        const char *type, *detail;
    } words[] = {
        {"not-found", "This is not available here. Please start again."},
        {"stale-seq", "The screen changed meanwhile; here is where it is now."},
        {"wrong-state", "That cannot be done on this screen now. Please start again if it has ended."},
        {"too-many-streams", "The kiosk is busy. Please try again in a moment."},
        {"busy", "The kiosk is busy. Please try again in a moment."},
    };
    const char *type = json_string_value(json_object_get(r->json, "type")), *suffix;
    size_t i;
    if (r->status < 400 || !type || strncmp(type, "urn:dtree:problem:", 18) != 0) return;
    suffix = type + 18;
    if (request_shape(suffix)) return;
    for (i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(suffix, words[i].type) == 0) break;
    json_object_set_new(r->json, "detail",
                        json_string(i < sizeof words / sizeof words[0]
                                        ? words[i].detail
                                        : "Something went wrong. Please ask a member of staff."));
}

/* GET /v1/kiosk/{tree}: what the welcome screen shows before a session starts. */
void srv_kiosk_tree(srv_ctx *c, const char *tree_id, srv_resp *r)
{
    const dt_tree *t = srv_lib_find(c->lib, tree_id);
    if (!t || !dt_tree_is_kiosk(t)) {
        srv_problem(r, SRV_P_NOT_FOUND, "no kiosk tree with this id", NULL);
        return;
    }
    srv_ok(r, 200, json_pack("{s:s,s:s}", "title", dt_tree_title(t), "lang", dt_tree_lang(t)));
}

void srv_kiosk_start(srv_ctx *c, const char *tree_id, const srv_req *q, srv_resp *r)
{
    static const char *const allowed[] = {NULL};
    const dt_tree *t = srv_lib_find(c->lib, tree_id);
    srv_entry *e = NULL;
    json_t *body = NULL;

    if (q->body_len && srv_parse_body(q, allowed, &body, r) != 0) return;
    json_decref(body);
    if (!t || !dt_tree_is_kiosk(t)) {   /* agent trees do not exist, as far as a kiosk knows */
        srv_problem(r, SRV_P_NOT_FOUND, "no kiosk tree with this id", NULL);
        return;
    }
    if (srv_begin(c, t, NULL, NULL, &e, r) != 0) return;
    srv_settle(e);
    srv_created(c, e, r, kiosk_state(e));
    if (r->created) snprintf(r->location, sizeof r->location, "/v1/kiosk/sessions/%s", r->session);
}

/* Choose among the choices the customer was shown, by number or label (dt_match_answer). */
static dt_status choose(srv_entry *e, const char *text, dt_error *err)
{
    const dt_view *v = dt_session_view(e->s);
    const char *labels[256];
    size_t map[256], n = 0, i, pick = 0, ncands = 0;
    for (i = 0; v->kind == DT_STEP_QUESTION && i < v->choice_count && n < 256; i++)
        if (customer_sees(v->audience, v->choices[i].audience)) {
            labels[n] = v->choices[i].label;
            map[n++] = i;
        }
    if (dt_match_answer(text, labels, NULL, n, &pick, NULL, &ncands) != DT_MATCH_ONE)
        return dt_session_choose(e->s, v->choice_count, err);   /* out of range: the engine's refusal */
    return dt_session_choose(e->s, map[pick], err);
}

static dt_status apply(srv_entry *e, const char *action, json_t *body, dt_error *err, srv_resp *r)
{
    json_t *choice = json_object_get(body, "choice"), *value = json_object_get(body, "value");
    json_t *cont = json_object_get(body, "continue"), *helped = json_object_get(body, "helped");

    if (strcmp(action, "restart") == 0) return dt_session_restart(e->s, err);
    if (strcmp(action, "handoff") == 0) {
        const dt_view *v = dt_session_view(e->s);
        /* as at the terminal kiosk: the tree's <handoff to="step"> goes on from there */
        if (!dt_session_ended(e->s) && v->handoff_step && v->handoff_step[0])
            return dt_session_jump(e->s, dt_tree_id(e->tree), v->handoff_step, err);
        dt_recorder_set_outcome(e->rec, dt_outcome_name(DT_OUTCOME_ESCALATED), NULL);
        dt_recorder_finish(e->rec, DT_REC_TRANSFERRED, NULL);
        e->dead = 1;
        return DT_OK;
    }
    if (strcmp(action, "timeout") == 0) { /* nobody answered the idle warning: it ends here */
        dt_recorder_finish(e->rec, dt_session_ended(e->s) ? DT_REC_COMPLETED : DT_REC_TIMED_OUT,
                           NULL);
        e->dead = 1;
        return DT_OK;
    }
    if (strcmp(action, "feedback") == 0) {
        if (!dt_session_ended(e->s)) return DT_ESTATE;
        if (!json_is_boolean(helped)) {
            srv_problem(r, SRV_P_INVALID_FIELD, "helped must be true or false", "helped");
            return DT_EARG;
        }
        dt_recorder_feedback(e->rec, json_is_true(helped) ? "yes" : "no", NULL);
        dt_recorder_finish(e->rec, DT_REC_COMPLETED, NULL);
        e->dead = 1;
        return DT_OK;
    }
    if ((choice != NULL) + (value != NULL) + (cont != NULL) != 1) {
        srv_problem(r, SRV_P_BAD_REQUEST, "give exactly one of choice, value or continue", NULL);
        return DT_EARG;
    }
    if (json_is_string(choice)) return choose(e, json_string_value(choice), err);
    if (json_is_string(value)) return srv_input(e, json_string_value(value), err);
    if (json_is_true(cont)) return dt_session_continue(e->s, err);
    srv_problem(r, SRV_P_INVALID_FIELD, "choice and value are strings; continue is true",
                choice ? "choice" : value ? "value" : "continue");
    return DT_EARG;
}

static void kiosk_respond(srv_entry *e, dt_status st, dt_error *err, srv_resp *r)
{
    if (st != DT_OK) {
        kiosk_refused(e, st, err, r);
        return;
    }
    srv_settle(e);
    srv_ok(r, 200, kiosk_state(e));
}

void srv_kiosk_act(srv_ctx *c, const char *id, const char *action, const srv_req *q,
                   srv_resp *r)
{
    static const char *const allowed_answer[] = {"seq", "choice", "value", "continue", NULL};
    static const char *const allowed_feedback[] = {"seq", "helped", NULL};
    static const char *const allowed_plain[] = {"seq", NULL};
    /* these end the row without an event, so no claim check refuses a stale copy's */
    static const char *const row_only[] = {"handoff", "timeout", "feedback", NULL};
    srv_act_ops ops = {allowed_plain, 1, kiosk_state, NULL, NULL, apply, kiosk_respond, row_only};
    if (strcmp(action, "answer") == 0)
        ops.allowed = allowed_answer;
    else if (strcmp(action, "feedback") == 0)
        ops.allowed = allowed_feedback;
    srv_act(c, id, action, q, &ops, r);
}

void srv_kiosk_get(srv_ctx *c, const srv_req *q, const char *id, srv_resp *r)
{
    srv_entry *e = srv_entry_get(c, NULL, id, 1, r);
    (void)q;
    if (!e) return;
    srv_ok(r, 200, kiosk_state(e));
    srv_cache_release(c->cache, e);
}
