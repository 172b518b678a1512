/*
 * srv_json.c — JSON for `dtree serve`: problem details (RFC 9457), strict request bodies (an
 * object, known fields only, bounded nesting: jansson checks UTF-8), and the JSON of engine views.
 * Texts are copied as the engine gives them: sensitive values are already masked there.
 */
#include "json.h"
#include "srv.h"

#include <string.h>

#define SRV_MAX_DEPTH 8

static const struct {
    const char *suffix;
    int status;
    const char *title;
} problems[] = {
#define SRV_PROBLEM_ROW_(e, suffix, status, title) {suffix, status, title},
    SRV_PROBLEM_LIST(SRV_PROBLEM_ROW_)
#undef SRV_PROBLEM_ROW_
};

static json_t *str(const char *s) { return json_string(s ? s : ""); }

void srv_ok(srv_resp *r, int status, json_t *body)
{
    if (!body) {
        srv_problem(r, SRV_P_INTERNAL, "out of memory", NULL);
        return;
    }
    json_decref(r->json);
    r->json = body;
    r->status = status;
    r->ctype = NULL;
}

void srv_problem(srv_resp *r, srv_problem_kind p, const char *detail, const char *field)
{
    char type[64];
    json_t *o = json_object();

    json_decref(r->json);
    r->json = NULL;
    r->status = problems[p].status;
    r->ctype = "application/problem+json";
    if (!o) return;
    snprintf(type, sizeof type, "urn:dtree:problem:%s", problems[p].suffix);
    json_object_set_new(o, "type", json_string(type));
    json_object_set_new(o, "title", json_string(problems[p].title));
    json_object_set_new(o, "status", json_integer(problems[p].status));
    /* json_string refuses invalid UTF-8: an engine message quoting bad input must not vanish */
    if (detail) {
        json_t *d = json_string(detail);
        json_object_set_new(o, "detail", d ? d : json_string("(the message is not valid UTF-8)"));
    }
    if (field) json_object_set_new(o, "field", json_string(field));
    r->json = o;
}

/* Nesting depth of a JSON text, counted outside strings: refuse deep bodies before jansson
 * recurses into them. */
static int too_deep(const char *s, size_t n)
{
    size_t i;
    int depth = 0, in_str = 0;
    for (i = 0; i < n; i++) {
        char ch = s[i];
        if (in_str) {
            if (ch == '\\') i++;
            else if (ch == '"') in_str = 0;
        } else if (ch == '"') {
            in_str = 1;
        } else if (ch == '{' || ch == '[') {
            if (++depth > SRV_MAX_DEPTH) return 1;
        } else if (ch == '}' || ch == ']') {
            depth--;
        }
    }
    return 0;
}

static int is_json_type(const char *ct)
{
    size_t n = strlen("application/json");
    return ct && strncmp(ct, "application/json", n) == 0 && (ct[n] == '\0' || ct[n] == ';');
}

int srv_parse_body(const srv_req *q, const char *const *allowed, json_t **out, srv_resp *r)
{
    json_error_t je;
    json_t *o;
    const char *key;
    json_t *val;
    size_t k;

    *out = NULL;
    if (!is_json_type(q->content_type)) {
        srv_problem(r, SRV_P_MEDIA_TYPE, "send Content-Type: application/json", NULL);
        return -1;
    }
    if (too_deep(q->body, q->body_len)) {
        srv_problem(r, SRV_P_INVALID_JSON, "nested deeper than 8 levels", NULL);
        return -1;
    }
    o = json_loadb(q->body, q->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!o) {
        char msg[200];
        snprintf(msg, sizeof msg, "line %d, column %d: %s", je.line, je.column, je.text);
        srv_problem(r, SRV_P_INVALID_JSON, msg, NULL);
        return -1;
    }
    if (!json_is_object(o)) {
        json_decref(o);
        srv_problem(r, SRV_P_INVALID_JSON, "the body must be a JSON object", NULL);
        return -1;
    }
    json_object_foreach(o, key, val) {
        for (k = 0; allowed[k] && strcmp(allowed[k], key) != 0; k++)
            ;
        if (!allowed[k]) {
            srv_problem(r, SRV_P_UNKNOWN_FIELD, "this endpoint does not take this field", key);
            json_decref(o);
            return -1;
        }
    }
    *out = o;
    return 0;
}

static const char *audience(dt_audience a)
{
    return a == DT_AUD_AGENT ? "agent" : a == DT_AUD_CUSTOMER ? "customer" : "all";
}

static json_t *says(const dt_view *v)
{
    json_t *a = json_array(), *t;
    size_t i;
    for (i = 0; a && i < v->say_count; i++) {
        if (!(t = json_object())) break;
        json_object_set_new(t, "text", str(v->say[i].text));
        json_object_set_new(t, "audience", json_string(audience(v->say[i].audience)));
        json_array_append_new(a, t);
    }
    return a;
}

static json_t *choices(const dt_view *v)
{
    json_t *a = json_array(), *c;
    size_t i;
    for (i = 0; a && i < v->choice_count; i++) {
        if (!(c = json_object())) break;
        json_object_set_new(c, "n", json_integer((json_int_t)i + 1));
        json_object_set_new(c, "id", str(v->choices[i].id));
        json_object_set_new(c, "label", str(v->choices[i].label));
        json_object_set_new(c, "audience", json_string(audience(v->choices[i].audience)));
        json_array_append_new(a, c);
    }
    return a;
}

json_t *srv_view_json(const dt_view *v)
{
    json_t *o = json_object();
    if (!o) return NULL;
    json_object_set_new(o, "tree", str(v->tree_id));
    json_object_set_new(o, "tree_title", str(v->tree_title));
    json_object_set_new(o, "step", str(v->step_id));
    json_object_set_new(o, "kind", str(dt_step_kind_name(v->kind)));
    json_object_set_new(o, "title", str(v->step_title));
    json_object_set_new(o, "step_number", json_integer((json_int_t)v->step_number));
    json_object_set_new(o, "say", says(v));
    json_object_set_new(o, "note", str(v->note));
    if (v->kind == DT_STEP_QUESTION) json_object_set_new(o, "choices", choices(v));
    if (v->kind == DT_STEP_INPUT) json_object_set_new(o, "input", js_input_json(v));
    if (v->outcome && v->outcome[0]) json_object_set_new(o, "outcome", str(v->outcome));
    return o;
}

json_t *srv_vars_json(const dt_session *s)
{
    json_t *a = json_array(), *o;
    size_t i, n = dt_session_var_count(s);
    for (i = 0; a && i < n; i++) {
        const dt_var_view *v = dt_session_var(s, i);
        if (!v || !(o = json_object())) break;
        json_object_set_new(o, "name", str(v->name));
        json_object_set_new(o, "label", str(v->label && *v->label ? v->label : v->name));
        json_object_set_new(o, "type", str(dt_var_type_name(v->type)));
        json_object_set_new(o, "sensitive", json_boolean(v->sensitive));
        json_object_set_new(o, "set", json_boolean(v->is_set));
        json_object_set_new(o, "value", v->is_set ? str(v->value) : json_null());
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *notes(const dt_path_entry *e)
{
    json_t *a = json_array();
    size_t i;
    for (i = 0; a && i < e->note_count; i++) json_array_append_new(a, str(e->notes[i]));
    return a;
}

json_t *srv_path_json(const dt_session *s, size_t from)
{
    json_t *a = json_array(), *o;
    size_t i, n = dt_session_path_count(s);
    for (i = from; a && i < n; i++) {
        const dt_path_entry *e = dt_session_path_get(s, i);
        if (!e || !(o = json_object())) break;
        json_object_set_new(o, "tree", str(e->tree_id));
        json_object_set_new(o, "step", str(e->step_id));
        json_object_set_new(o, "title", str(e->step_title));
        json_object_set_new(o, "kind", str(dt_step_kind_name(e->kind)));
        json_object_set_new(o, "answer", e->answer ? str(e->answer) : json_null());
        json_object_set_new(o, "time_ms", json_integer((json_int_t)e->time_ms));
        json_object_set_new(o, "notes", notes(e));
        if (e->flags & DT_PATH_RESTART) json_object_set_new(o, "restart", json_true());
        if (e->flags & DT_PATH_JUMP) json_object_set_new(o, "jump", json_true());
        json_array_append_new(a, o);
    }
    return a;
}

int srv_valid_id(const char *s, size_t len)
{
    size_t i;
    if (len == 0 || len > 64 || s[0] == '.') return 0;
    for (i = 0; i < len; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_' || ch == '.'))
            return 0;
    }
    return 1;
}
