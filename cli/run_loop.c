/*
 * run_loop.c — the step loop shared by `dtree run` and `dtree resume`: show the engine's view, read
 * a line, hand it to run_handle(), tell the agent at once when recording failed; then the end and
 * the case summary.  Both commands differ only in how the session is created.
 */
#define _XOPEN_SOURCE 700
#include "exitcodes.h"
#include "input.h"
#include "run.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int64_t run_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* $USER, else $LOGNAME, else the login name of the user id, else "unknown". */
const char *run_default_agent(void)
{
    const char *u = getenv("USER");
    struct passwd *pw;

    if (!u || !*u) u = getenv("LOGNAME");
    if ((!u || !*u) && (pw = getpwuid(getuid())) != NULL) u = pw->pw_name;
    return u && *u ? u : "unknown";
}

/* A person at a terminal whose stdout is redirected (`dtree run printer > call.log`): the screen,
 * prompts and line editing stay on the terminal, and stdout gets the same text as a plain
 * transcript (no colour, 80 columns, no readline codes).  NULL when there is no terminal to use. */
static FILE *open_terminal(void)
{
    FILE *t = fopen("/dev/tty", "w");
    if (t) {
        setvbuf(t, NULL, _IOLBF, 0);
        return t;
    }
    return isatty(STDERR_FILENO) ? stderr : NULL;
}

void run_setup_io(run_ctx *c, int json)
{
    in_options io;
    FILE *term = NULL;

    c->tty = isatty(STDIN_FILENO);
    c->show = !json || c->tty;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!json && c->tty && !isatty(STDOUT_FILENO)) term = open_terminal();
    rd_screen_init(&c->scr, json ? stderr : term ? term
                                                 : stdout,
                   1);
    if (term) {
        rd_screen_init(&c->transcript, stdout, 0);
        c->scr.copy = &c->transcript;
    }
    in_options_init(&io);
    io.prompt_out = c->scr.out;
    in_open(&io);
}

static int on_eof(run_ctx *c)
{
    const dt_view *v = dt_session_view(c->s);
    if (!c->tty) {
        rd_eprintf("end of input at step %s before the tree ended: %s", v->step_id,
                   c->session_id ? "the session is saved as abandoned"
                                 : "the session ends unfinished (not recorded)");
        return 1;
    }
    rd_text(&c->scr, RD_PLAIN, "\n");
    return in_confirm("Quit this call? (y/n) ");
}

/* The current step asks for a sensitive variable: read it hidden and keep it out of history. */
static int secret_step(const run_ctx *c)
{
    const dt_view *v = dt_session_view(c->s);
    size_t i, n = dt_session_var_count(c->s);
    const dt_var_view *var;

    if (!v || v->kind != DT_STEP_INPUT || !v->var) return 0;
    for (i = 0; i < n; i++)
        if ((var = dt_session_var(c->s, i)) && strcmp(var->name, v->var) == 0) return var->sensitive;
    return 0;
}

/* "Account > " becomes "Account (hidden) > ": the agent knows why nothing shows while typing. */
static void mark_hidden(char *prompt, size_t size)
{
    size_t n = strlen(prompt);
    if (n < 2 || strcmp(prompt + n - 2, "> ") != 0 || n + 10 > size) return;
    memcpy(prompt + n - 2, "(hidden) > ", 12);
}

int run_loop(run_ctx *c, rh_recording *rec)
{
    run_next rn = RN_REDRAW;
    char prompt[256], *line;
    in_status st;

    while (!dt_session_ended(c->s)) {
        if (rn == RN_REDRAW) {
            if (run_show_step(c) != 0) return EXIT_INTERNAL;
            run_set_completion(c);
        }
        int secret = secret_step(c);
        run_prompt(c, prompt, sizeof prompt);
        if (secret && c->tty) mark_hidden(prompt, sizeof prompt);
        fflush(c->scr.out);
        st = secret ? in_read_secret(prompt, &line) : in_read(prompt, &line);
        if (st == IN_ERROR) return EXIT_IO;
        if (st == IN_EOF) {
            if (on_eof(c)) return EXIT_UNFINISHED;
            rn = RN_PROMPT;
            continue;
        }
        rn = run_handle(c, line);
        if (secret) in_free_secret(line);
        else free(line);
        rh_check(rec);   /* a recording failure is told at once, before the next step */
        if (rn == RN_QUIT) return EXIT_UNFINISHED;
        if (rn == RN_FATAL) return EXIT_INTERNAL;
    }
    return EXIT_OK;
}

int run_finish(run_ctx *c, int rc, const char *summary_path)
{
    /* the record's words (docs/recording.md): a call left before an end is "abandoned" */
    sm_info info = {c->agent, dt_rec_status_name(rc == EXIT_OK ? DT_REC_COMPLETED : DT_REC_ABANDONED),
                    c->start_ms,
                    run_now_ms(), c->session_id, c->history, 0};

    if (rc == EXIT_OK) run_show_end(c);
    info.steps_here = c->steps_shown;
    if (c->show) {
        rd_text(&c->scr, RD_PLAIN, "\n");
        sm_print_since(&c->scr, c->s, c->tree, &info, c->base.values ? &c->base : NULL);
    }
    if (summary_path && sm_write_file_since(summary_path, c->s, c->tree, &info,
                                            c->base.values ? &c->base : NULL) != 0) {
        rd_eprintf("cannot write the summary to %s: %s", summary_path, strerror(errno));
        if (rc == EXIT_OK) rc = EXIT_IO;
    }
    if (c->json) {
        js_exit(c->json, rc == EXIT_OK ? "ended" : info.status, dt_session_outcome(c->s), rc);
        if (js_failed(c->json) && rc == EXIT_OK) rc = EXIT_IO;
    }
    return rc;
}

/* An agent who quits mid-call (the customer hung up, a colleague takes over) needs the id to
 * resume: say it on the terminal (piped transcripts stay free of random ids). */
void run_tell_resume(const run_ctx *c, const rh_recording *rec, int rc)
{
    const char *id = rec ? rh_id(rec) : "";
    if (rc != EXIT_UNFINISHED || !c->tty || !c->show || !*id) return;
    rd_text(&c->scr, RD_PLAIN, "\n");
    rd_wrap(&c->scr, RD_PLAIN, "", 0, "The call is saved. To continue it later, or to hand it to "
                                      "a colleague, run:");
    /* the hint must work as printed: with the database this call was recorded in (make demo
     * records into a throw-away one) */
    if (c->db_opt)
        rd_printf(&c->scr, RD_BOLD, "  dtree resume %.8s --db %s\n", id, c->db_opt);
    else
        rd_printf(&c->scr, RD_BOLD, "  dtree resume %.8s\n", id);
}
