/*
 * json.c — JSON Lines events with jansson (see json.h, docs/json-events.md).  Every object gets
 * "event", "seq" (1, 2, ... per writer) and "time_ms"; strings that are not valid UTF-8 are repaired
 * (U+FFFD) rather than dropped, so a field is never silently missing.
 */
#define _XOPEN_SOURCE 700
#include "json.h"

#include "utf8.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct js_writer {
    FILE *out;
    long long seq;
    int failed;
};

js_writer *js_new(FILE *out)
{
    js_writer *w = calloc(1, sizeof *w);
    if (w) w->out = out;
    return w;
}

void js_free(js_writer *w)
{
    free(w);
}

int js_failed(const js_writer *w)
{
    return w->failed;
}

static json_t *str(const char *s)
{
    json_t *j;
    char *fixed;

    if (!s) return json_null();
    if ((j = json_string(s)) != NULL) return j;
    if (!(fixed = u8_repair(s, 0))) return json_null();
    j = json_string(fixed);
    free(fixed);
    return j ? j : json_null();
}

static void put(json_t *o, const char *key, const char *s)
{
    if (s) json_object_set_new(o, key, str(s));
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static json_t *begin(js_writer *w, const char *event, long long time_ms)
{
    json_t *o = json_object();
    if (!o) return NULL;
    json_object_set_new(o, "event", json_string(event));
    json_object_set_new(o, "seq", json_integer(++w->seq));
    json_object_set_new(o, "time_ms", json_integer(time_ms));
    return o;
}

static void finish(js_writer *w, json_t *o)
{
    if (!o) {
        w->failed = 1;
        return;
    }
    if (json_dumpf(o, w->out, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER) != 0 ||
        fputc('\n', w->out) == EOF || fflush(w->out) != 0)
        w->failed = 1;
    json_decref(o);
}

void js_session(js_writer *w, const dt_tree *t, const char *agent, const char *mode)
{
    json_t *o = begin(w, "session", now_ms());
    if (o) {
        put(o, "dtree", DT_VERSION);
        put(o, "tree", dt_tree_id(t));
        put(o, "title", dt_tree_title(t));
        put(o, "version", dt_tree_version(t));
        put(o, "hash", dt_tree_hash(t));
        put(o, "path", dt_tree_path(t));
        put(o, "agent", agent);
        put(o, "mode", mode);
    }
    finish(w, o);
}

json_t *js_event_json(const js_event *e)
{
    json_t *o = json_object();
    if (!o) return NULL;
    json_object_set_new(o, "event", json_string(e->event));
    json_object_set_new(o, "seq", json_integer(e->seq));
    json_object_set_new(o, "time_ms", json_integer(e->time_ms));
    put(o, "tree", e->tree);
    put(o, "step", e->step);
    put(o, "step_kind", e->step_kind);
    put(o, "choice", e->choice);
    put(o, "label", e->label);
    put(o, "var", e->var);
    put(o, "value", e->value);
    if (e->var) json_object_set_new(o, "sensitive", json_boolean(e->sensitive));
    put(o, "text", e->text);
    put(o, "outcome", e->outcome);
    json_object_set_new(o, "path_length", json_integer((json_int_t)e->path_length));
    return o;
}

void js_observer(void *user, const dt_event *ev)
{
    js_writer *w = user;
    js_event e = {dt_event_kind_name(ev->kind), ++w->seq, (long long)ev->time_ms, ev->tree_id,
                  ev->step_id, NULL, ev->choice_id, ev->label, ev->var, ev->value, ev->text,
                  ev->outcome, ev->sensitive, ev->path_length};
    if (ev->step_id) e.step_kind = dt_step_kind_name(ev->step_kind);
    finish(w, js_event_json(&e));
}

static json_t *says(const dt_view *v, dt_audience hide)
{
    json_t *a = json_array();
    size_t i;
    for (i = 0; a && i < v->say_count; i++)
        if (v->say[i].audience != hide || hide == DT_AUD_ALL)
            json_array_append_new(a, str(v->say[i].text));
    return a;
}

static json_t *choices(const dt_view *v, dt_audience hide)
{
    json_t *a = json_array(), *c;
    size_t i, n = 0;
    for (i = 0; a && i < v->choice_count; i++) {
        if (v->choices[i].audience == hide && hide != DT_AUD_ALL) continue;
        if (!(c = json_object())) break;
        json_object_set_new(c, "n", json_integer((json_int_t)++n));
        json_object_set_new(c, "id", str(v->choices[i].id));
        json_object_set_new(c, "label", str(v->choices[i].label));
        json_array_append_new(a, c);
    }
    return a;
}

/* A whole number as an integer (18, not 18.0), so that clients comparing with integers agree. */
static json_t *number(double x)
{
    if (x == (double)(json_int_t)x && x > -9e15 && x < 9e15) return json_integer((json_int_t)x);
    return json_real(x);
}

/* One bound, named as HTML names it: min/max for numbers and dates (dates as ISO yyyy-mm-dd),
 * min_length/max_length for text-like types; "today" bounds also say so, as <key>_today. */
static void put_bound(json_t *o, const dt_view *v, const char *key, int has, double x)
{
    char name[32], iso[16];
    long d = (long)x;
    if (!has || v->input_type == DT_VAR_BOOLEAN || v->input_type == DT_VAR_CHOICE) return;
    if (v->input_type == DT_VAR_NUMBER) {
        json_object_set_new(o, key, number(x));
    } else if (v->input_type == DT_VAR_DATE) {
        snprintf(iso, sizeof iso, "%04ld-%02ld-%02ld", d / 10000 % 10000, d / 100 % 100, d % 100);
        json_object_set_new(o, key, json_string(iso));
        snprintf(name, sizeof name, "%s_today", key);
        if (has == 2) json_object_set_new(o, name, json_true());
    } else {
        snprintf(name, sizeof name, "%s_length", key);
        json_object_set_new(o, name, number(x));
    }
}

json_t *js_input_json(const dt_view *v)
{
    json_t *o = json_object(), *opts = json_array();
    size_t i;
    for (i = 0; opts && i < v->option_count; i++) json_array_append_new(opts, str(v->options[i]));
    if (o) {
        json_object_set_new(o, "var", str(v->var));
        json_object_set_new(o, "type", str(dt_var_type_name(v->input_type)));
        json_object_set_new(o, "required", json_boolean(v->required));
        json_object_set_new(o, "retry", str(v->retry));
        json_object_set_new(o, "options", opts ? opts : json_null());
        json_object_set_new(o, "sensitive", json_boolean(v->sensitive));
        if (v->pattern && v->pattern[0]) put(o, "pattern", v->pattern);
        put_bound(o, v, "min", v->has_min, v->min);
        put_bound(o, v, "max", v->has_max, v->max);
        if (v->input_type == DT_VAR_DATE)
            json_object_set_new(o, "month_first", json_boolean(v->month_first));
    } else {
        json_decref(opts);
    }
    return o;
}

void js_prompt(js_writer *w, const dt_view *v, dt_audience hide)
{
    json_t *o = begin(w, "prompt", now_ms());
    if (o) {
        put(o, "tree", v->tree_id);
        put(o, "step", v->step_id);
        put(o, "step_kind", dt_step_kind_name(v->kind));
        put(o, "title", v->step_title);
        json_object_set_new(o, "step_number", json_integer((json_int_t)v->step_number));
        json_object_set_new(o, "say", says(v, hide));
        put(o, "note", v->note);
        if (v->kind == DT_STEP_QUESTION) json_object_set_new(o, "choices", choices(v, hide));
        if (v->kind == DT_STEP_INPUT) json_object_set_new(o, "input", js_input_json(v));
    }
    finish(w, o);
}

void js_error(js_writer *w, const char *code, const char *message, const char *in)
{
    json_t *o = begin(w, "error", now_ms());
    if (o) {
        put(o, "code", code);
        put(o, "message", message);
        put(o, "input", in);
    }
    finish(w, o);
}

void js_exit(js_writer *w, const char *status, const char *outcome, int exit_code)
{
    json_t *o = begin(w, "exit", now_ms());
    if (o) {
        put(o, "status", status);
        json_object_set_new(o, "outcome", str(outcome));
        json_object_set_new(o, "exit_code", json_integer(exit_code));
    }
    finish(w, o);
}
