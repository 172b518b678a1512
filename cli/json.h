/*
 * json.h — the --json event stream: one JSON object per line (JSON Lines), schema in
 * docs/json-events.md.  Written with jansson, pure ASCII (non-ASCII as \uXXXX), so the stream is
 * safe to show on a terminal and never holds invalid UTF-8.  Reusable by any command that walks a
 * session (run, resume, kiosk).
 */
#ifndef DTREE_CLI_JSON_H
#define DTREE_CLI_JSON_H

#include "dtree.h"

#include <jansson.h>
#include <stdio.h>

typedef struct js_writer js_writer;

/* A writer on `out` (borrowed).  NULL when out of memory.  Free with js_free. */
js_writer *js_new(FILE *out);
void js_free(js_writer *w);
/* 1 once a write has failed (disk full, closed pipe). */
int js_failed(const js_writer *w);

/* First line: what is being run.  mode: "agent" (a terminal) or "scripted" (piped input). */
void js_session(js_writer *w, const dt_tree *t, const char *agent, const char *mode);
/* One engine or recorded event, as both the JSON Lines stream and dtree serve's Server-Sent
 * Events write it (docs/json-events.md); NULL strings are left out, `sensitive` is written when
 * var is set.  Strings are borrowed. */
typedef struct js_event {
    const char *event; /* the kind: "start", "step", ... */
    long long seq, time_ms;
    const char *tree, *step, *step_kind, *choice, *label, *var, *value, *text, *outcome;
    int sensitive;
    size_t path_length;
} js_event;
/* The object of e, new (NULL when out of memory). */
json_t *js_event_json(const js_event *e);
/* A dt_observer_fn: pass the writer as `user`. */
void js_observer(void *user, const dt_event *ev);
/* The step now waiting for an answer; says and choices whose audience is `hide` are left out and
 * the others numbered from 1, as on screen. */
void js_prompt(js_writer *w, const dt_view *v, dt_audience hide);
/* What an input step takes (var, type, required, retry, options, sensitive, and when they apply
 * pattern, min/max, min_length/max_length, min_today/max_today, month_first), as a new object (NULL
 * when out of memory): the prompt event and the HTTP API describe an input alike. */
json_t *js_input_json(const dt_view *v);
/* A refused answer or a fault: code is "answer", "runtime", "command" or "state"; input (may be
 * NULL: left out, e.g. for sensitive inputs) is the line typed. */
void js_error(js_writer *w, const char *code, const char *message, const char *input);
/* Last line: status "ended", "unfinished" or "failed", the outcome (NULL: null), the exit code. */
void js_exit(js_writer *w, const char *status, const char *outcome, int exit_code);

#endif
