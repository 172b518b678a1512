/*
 * run.h — internals of `dtree run` shared by cmd_run.c (options, set-up, the loop), run_view.c
 * (showing a step), run_answer.c (answers and commands) and run_pick.c (the tree picker).
 */
#ifndef DTREE_CLI_RUN_H
#define DTREE_CLI_RUN_H

#include "dtree.h"
#include "json.h"
#include "record_hook.h"
#include "render.h"
#include "summary.h"

#include <stdint.h>

typedef struct run_ctx {
    dt_tree *tree;
    dt_session *s;
    dt_error *err;
    rd_screen scr;        /* the human screen: stdout, or stderr with --json on a terminal, or
                             the terminal itself when stdout is redirected from one */
    rd_screen transcript; /* that redirected stdout: a plain copy of the screen (scr.copy) */
    int show;             /* 0: no human screen (--json with piped input) */
    int tty;              /* input from a person on a terminal */
    js_writer *json;      /* NULL without --json */
    const char *agent;
    int64_t start_ms;
    int hinted;           /* bit per kind of step (1 question, 2 input, 4 info) whose hint was shown */
    /* the choices of the current question as shown (audience "customer" left out) */
    size_t nshown;
    size_t *map;          /* shown position → index in the view's choices */
    char **labels;        /* sanitised labels, as shown: what a person sees is what they type */
    const char **ids;
    sm_baseline base;     /* variables before the call: `vars` and the summary show changes */
    const char *session_id;    /* the recorded id (borrowed), NULL when not recording */
    const char *db_opt;        /* --db as given (NULL: the default), for the resume hint */
    const sm_history *history; /* resume: the call before this process took it; else NULL */
    size_t steps_shown;        /* interactive steps shown by this process */
} run_ctx;

typedef enum run_next {
    RN_REDRAW = 0,   /* the step changed: show the current step */
    RN_PROMPT,       /* same step: ask again */
    RN_QUIT,         /* leave the session unfinished */
    RN_FATAL         /* out of memory or an unexpected status */
} run_next;

/* run_view.c */
int run_show_step(run_ctx *c);          /* 0, or -1 when out of memory */
void run_show_end(run_ctx *c);
void run_free_shown(run_ctx *c);
void run_prompt(const run_ctx *c, char *buf, size_t size);
void run_set_completion(const run_ctx *c);
/* Only the choices (question) or the typing hint (input): after a listing scrolled them away. */
void run_show_choices(const run_ctx *c);

/* run_answer.c */
run_next run_handle(run_ctx *c, const char *line);
/* A refused answer or a fault: on the screen (terminal) or stderr (piped), and as a JSON event. */
void run_error(run_ctx *c, const char *code, const char *input, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* run_loop.c: the loop and the end, shared by run and resume */
int64_t run_now_ms(void);
const char *run_default_agent(void);
void run_setup_io(run_ctx *c, int json);
/* Until the session ends or the agent leaves; a documented exit code. */
int run_loop(run_ctx *c, rh_recording *rec);
/* The end: outcome, case summary (also into summary_path when not NULL), JSON exit event. */
int run_finish(run_ctx *c, int rc, const char *summary_path);
/* After run_finish on a terminal: how to resume an unfinished, recorded call. */
void run_tell_resume(const run_ctx *c, const rh_recording *rec, int rc);

/* run_pick.c: choose a tree from the library directory; *path (malloc) on EXIT_OK. */
int run_pick(const rd_screen *sc, const char *dir, char **path);

#endif
