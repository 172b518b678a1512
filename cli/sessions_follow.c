/*
 * sessions_follow.c — `dtree sessions --follow`: the sessions in progress, then one line per
 * change (started, step, ended, resumed) as the store tells them (dt_rec_watch), until SIGINT or
 * SIGTERM.  Every string from the store goes through the sanitiser; JSON lines are ASCII-only.
 * The wait is in short slices so that a signal ends the board within a fraction of a second.
 */
#include "sessions_follow.h"
#include "exitcodes.h"
#include "isotime.h"
#include "record_hook.h"
#include "render.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SLICE_MS 250

static volatile sig_atomic_t stop_sig;

static void on_stop(int sig)
{
    stop_sig = sig;
}

static void catch_stops(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop; /* no SA_RESTART: the wait returns at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* a closed pipe shows as a write error: the board ends */
}

static void cell(const char *s, int width)
{
    char *c = rd_sanitize(s ? s : "", 0);
    if (width)
        printf("%-*.*s ", width, width, c ? c : "?");
    else
        fputs(c ? c : "?", stdout);
    free(c);
}

static void clock_now(char buf[16])
{
    time_t t = time(NULL);
    struct tm tm;
    if (!localtime_r(&t, &tm) || strftime(buf, 16, "%H:%M:%S", &tm) == 0)
        snprintf(buf, 16, "--:--:--");
}

static int line_text(const char *what, const dt_rec_session *s)
{
    char now[16];
    clock_now(now);
    printf("%s %-8s ", now, what);
    cell(s->id, 8);
    cell(s->tree_id, 16);
    cell(s->agent, 12);
    cell(s->mode, 8);
    cell(s->status, 11);
    printf("%5zu ", s->steps);
    cell(s->outcome[0] ? s->outcome : s->last_step, 0);
    putchar('\n');
    return fflush(stdout) != 0 || ferror(stdout);
}

static int line_json(const char *what, const dt_rec_session *s)
{
    char iso[ISO_TIME_SIZE];
    iso_time(s->last_ms, iso);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s}", "change",
                          what, "id", s->id, "tree", s->tree_id, "agent", s->agent, "mode",
                          s->mode, "status", s->status, "outcome", s->outcome, "last_step",
                          s->last_step, "steps", (json_int_t)s->steps, "events",
                          (json_int_t)s->events, "last_ms", (json_int_t)s->last_ms, "last", iso);
    int bad = !o || json_dumpf(o, stdout, JSON_COMPACT | JSON_ENSURE_ASCII) != 0;
    json_decref(o);
    putchar('\n');
    return bad || fflush(stdout) != 0 || ferror(stdout);
}

typedef struct board {
    int json;
    size_t shown;
} board;

static int on_change(void *user, dt_rec_change c, const dt_rec_session *s)
{
    board *b = user;
    b->shown++;
    const char *what = dt_rec_change_name(c);
    return b->json ? line_json(what, s) : line_text(what, s);
}

static int on_active(void *user, const dt_rec_session *s)
{
    board *b = user;
    return b->json ? line_json("active", s) : line_text("active", s);
}

static int failed(dt_error *err, dt_status st)
{
    rd_eprintf("sessions --follow: %s", dt_error_count(err) ? dt_error_text(err) : dt_status_str(st));
    return st == DT_ENOMEM ? EXIT_INTERNAL : EXIT_IO;
}

int sf_follow(dt_recorder *rec, const dt_rec_filter *f, int json)
{
    board b = {json, 0};
    dt_error *err = dt_error_new();
    dt_rec_watch *w = NULL;
    dt_rec_filter now = *f; /* the calls in progress first (unless --status says otherwise) */
    if (!now.status)
        now.status = "active";
    catch_stops();
    if (!json)
        printf("%-8s %-8s %-8s %-16s %-12s %-8s %-11s %5s %s\n", "TIME", "CHANGE", "ID", "TREE",
               "AGENT", "MODE", "STATUS", "STEPS", "OUTCOME/WHERE");
    dt_status st = dt_rec_watch_new(rec, f, &w, err);
    if (st == DT_OK)
        st = dt_recorder_list(rec, &now, on_active, &b, err);
    int out_bad = fflush(stdout) != 0;
    while (st == DT_OK && !stop_sig && !out_bad && !ferror(stdout)) {
        st = dt_rec_watch_poll(w, SLICE_MS, on_change, &b, err);
        out_bad = ferror(stdout) != 0;
    }
    int rc = st != DT_OK ? failed(err, st) : out_bad || ferror(stdout) ? EXIT_IO
                                                                       : EXIT_OK;
    dt_rec_watch_free(w);
    dt_error_free(err);
    return rc;
}
