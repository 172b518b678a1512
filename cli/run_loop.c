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

void run_setup_io(run_ctx *c, int json)
{
    in_options io;

    c->tty = isatty(STDIN_FILENO);
    c->show = !json || c->tty;
    setvbuf(stdout, NULL, _IOLBF, 0);
    rd_screen_init(&c->scr, json ? stderr : stdout, 1);
    in_options_init(&io);
    io.prompt_out = c->scr.out;
    in_open(&io);
}

static int on_eof(run_ctx *c)
{
    const dt_view *v = dt_session_view(c->s);
    if (!c->tty) {
        rd_eprintf("end of input at step %s before the tree ended: the session is left unfinished",
                   v->step_id);
        return 1;
    }
    rd_text(&c->scr, RD_PLAIN, "\n");
    return in_confirm("Quit this call? (y/n) ");
}

int run_loop(run_ctx *c, rh_recording *rec)
{
    run_next rn = RN_REDRAW;
    char prompt[256], *line;
    in_status st;

    while (!dt_session_ended(c->s)) {
        if (rn == RN_REDRAW) {
            if (run_show_step(c) != 0) return DT_EXIT_INTERNAL;
            run_set_completion(c);
        }
        run_prompt(c, prompt, sizeof prompt);
        fflush(c->scr.out);
        st = in_read(prompt, &line);
        if (st == IN_ERROR) return DT_EXIT_IO;
        if (st == IN_EOF) {
            if (on_eof(c)) return DT_EXIT_UNFINISHED;
            rn = RN_PROMPT;
            continue;
        }
        rn = run_handle(c, line);
        free(line);
        rh_check(rec);   /* a recording failure is told at once, before the next step */
        if (rn == RN_QUIT) return DT_EXIT_UNFINISHED;
        if (rn == RN_FATAL) return DT_EXIT_INTERNAL;
    }
    return DT_EXIT_OK;
}

int run_finish(run_ctx *c, int rc, const char *summary_path)
{
    sm_info info = {c->agent, rc == DT_EXIT_OK ? "completed" : rc == DT_EXIT_UNFINISHED
                    ? "unfinished" : "failed", c->start_ms, run_now_ms()};

    if (rc == DT_EXIT_OK) run_show_end(c);
    if (c->show) {
        rd_text(&c->scr, RD_PLAIN, "\n");
        sm_print_since(&c->scr, c->s, c->tree, &info, c->base.values ? &c->base : NULL);
    }
    if (summary_path && sm_write_file_since(summary_path, c->s, c->tree, &info,
                                            c->base.values ? &c->base : NULL) != 0) {
        rd_eprintf("cannot write the summary to %s: %s", summary_path, strerror(errno));
        if (rc == DT_EXIT_OK) rc = DT_EXIT_IO;
    }
    if (c->json) {
        js_exit(c->json, rc == DT_EXIT_OK ? "ended" : info.status, dt_session_outcome(c->s), rc);
        if (js_failed(c->json) && rc == DT_EXIT_OK) rc = DT_EXIT_IO;
    }
    return rc;
}

/* An agent who quits mid-call (the customer hung up, a colleague takes over) needs the id to
 * resume: say it on the terminal (piped transcripts stay free of random ids). */
void run_tell_resume(const run_ctx *c, const rh_recording *rec, int rc)
{
    const char *id = rec ? rh_id(rec) : "";
    if (rc != DT_EXIT_UNFINISHED || !c->tty || !c->show || !*id) return;
    rd_text(&c->scr, RD_PLAIN, "\n");
    rd_wrap(&c->scr, RD_PLAIN, "", 0, "The call is saved. To continue it later, or to hand it to "
                                      "a colleague, run:");
    rd_printf(&c->scr, RD_BOLD, "  dtree resume %.8s\n", id);
}
