/*
 * record_hook.c — the CLI side of recording: where the database lives, beginning, checking and
 * ending a recording, and telling the agent at once (stderr, sanitised) when recording fails or
 * recovers.  Recording failures never stop the conversation: events wait in memory (engine).
 */
#define _XOPEN_SOURCE 700
#include "record_hook.h"
#include "exitcodes.h"
#include "render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct rh_recording {
    dt_recorder *rec;
    dt_session *s;
    int warned;
    char *path;
};

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 1;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s%s", a, b);
    return p;
}

/* mkdir -p for the default location only (a --db or $DTREE_DB directory must exist). */
static void make_dirs(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        mkdir(path, 0700);
        *p = '/';
    }
}

char *rh_db_path(const char *opt, int create_dir)
{
    const char *env = getenv("DTREE_DB");
    if (opt && *opt)
        return strdup(opt);
    if (env && *env)
        return strdup(env);
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    char *path = xdg && *xdg == '/' ? join(xdg, "/dtree/sessions.db")
                 : home && *home     ? join(home, "/.local/share/dtree/sessions.db")
                                     : NULL;
    if (path && create_dir)
        make_dirs(path);
    return path;
}

static int fail_open(const char *what, dt_error *err, const char *hint)
{
    rd_eprintf("%s: %s", what, dt_error_text(err));
    if (hint)
        rd_eprintf("%s", hint);
    dt_error_free(err);
    return DT_EXIT_IO;
}

static const char HINT[] = "use --db PATH to record elsewhere, or --no-record to go on without "
                           "recording";

static int open_for_writing(const char *db_opt, rh_recording **out)
{
    dt_error *err = dt_error_new();
    rh_recording *r = calloc(1, sizeof *r);
    *out = NULL;
    if (!err || !r || !(r->path = rh_db_path(db_opt, 1))) {
        rd_eprintf("cannot record: %s", r && !r->path ? "no database path (HOME is not set); use "
                                                        "--db PATH" : "out of memory");
        free(r);
        dt_error_free(err);
        return r ? DT_EXIT_IO : DT_EXIT_INTERNAL;
    }
    if (dt_recorder_open(r->path, 0, &r->rec, err) != DT_OK) {
        free(r->path);
        free(r);
        return fail_open("cannot record the session", err, HINT);
    }
    dt_error_free(err);
    *out = r;
    return 0;
}

static void free_rec(rh_recording *r)
{
    if (!r)
        return;
    dt_recorder_close(r->rec);
    free(r->path);
    free(r);
}

int rh_begin(const char *db_opt, dt_session *s, const dt_tree *t, const char *agent,
             const char *mode, rh_recording **out)
{
    rh_recording *r = NULL;
    int rc = open_for_writing(db_opt, &r);
    if (rc != 0)
        return rc;
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    dt_record_meta m = {agent, mode, host};
    dt_error *err = dt_error_new();
    char id[37];
    if (dt_recorder_begin(r->rec, s, t, &m, id, err) != DT_OK) {
        free_rec(r);
        return fail_open("cannot record the session", err, HINT);
    }
    dt_error_free(err);
    r->s = s;
    *out = r;
    rh_check(r);
    return 0;
}

static void say_resumed(const dt_rec_resume *info, const char *id)
{
    rd_eprintf("resuming session %.8s (left by %s): %zu answer%s replayed", id,
               info->previous_agent[0] ? info->previous_agent : "nobody named",
               info->replayed, info->replayed == 1 ? "" : "s");
    if (info->tree_changed)
        rd_eprintf("note: the tree file changed since this session was recorded; every recorded "
                   "step still exists and the answers lead to the same steps");
    if (info->note[0])
        rd_eprintf("note: %s", info->note);
    if (info->dropped)
        rd_eprintf("note: %zu recorded answer%s after that point %s dropped: ask again from here",
                   info->dropped, info->dropped == 1 ? "" : "s", info->dropped == 1 ? "is" : "are");
}

int rh_resume(const char *db_opt, const char *id_prefix, const dt_tree *t, const char *agent,
              dt_session **s, rh_recording **out)
{
    rh_recording *r = NULL;
    int rc = open_for_writing(db_opt, &r);
    if (rc != 0)
        return rc;
    dt_error *err = dt_error_new();
    char id[37];
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    dt_record_meta m = {agent, "agent", host};
    dt_rec_resume info;
    dt_status st = dt_recorder_lookup(r->rec, id_prefix, id, err);
    if (st == DT_OK)
        st = dt_recorder_resume(r->rec, id, t, &m, s, &info, err);
    if (st != DT_OK) {
        free_rec(r);
        rd_eprintf("%s", dt_error_count(err) ? dt_error_get(err, 0)->message : dt_status_str(st));
        dt_error_free(err);
        return st == DT_ENOMEM ? DT_EXIT_INTERNAL : st == DT_EIO ? DT_EXIT_IO : DT_EXIT_FAIL;
    }
    dt_error_free(err);
    say_resumed(&info, id);
    r->s = *s;
    *out = r;
    return 0;
}

void rh_chain(rh_recording *r, dt_observer_fn fn, void *user)
{
    if (r)
        dt_recorder_chain(r->rec, fn, user);
}

int rh_check(rh_recording *r)
{
    if (!r)
        return 0;
    int failed = dt_recorder_failed(r->rec);
    if (failed && !r->warned)
        rd_eprintf("WARNING: %s (%s). The conversation can go on: every event is kept in memory "
                   "and saved as soon as the database accepts it. Do not close this session.",
                   dt_recorder_message(r->rec), r->path);
    else if (!failed && r->warned)
        rd_eprintf("recording works again: every event so far is saved");
    r->warned = failed;
    return failed;
}

int rh_feedback(rh_recording *r, const char *text)
{
    if (!r)
        return 0;
    return dt_recorder_feedback(r->rec, text, NULL) == DT_OK ? 0 : -1;
}

const char *rh_id(const rh_recording *r)
{
    return r ? dt_recorder_session_id(r->rec) : "";
}

int rh_end_status(rh_recording *r, dt_rec_status status, int rc)
{
    if (!r)
        return rc;
    dt_error *err = dt_error_new();
    dt_status st = dt_recorder_finish(r->rec, status, err);
    if (st != DT_OK) { /* one more try: a long writer may just have finished */
        sleep(1);
        dt_error_clear(err);
        st = dt_recorder_finish(r->rec, status, err);
    }
    if (st != DT_OK) {
        rd_eprintf("the session record could not be completed: %s; %zu event%s not saved",
                   dt_error_count(err) ? dt_error_get(err, 0)->message : dt_status_str(st),
                   dt_recorder_pending(r->rec), dt_recorder_pending(r->rec) == 1 ? " is" : "s are");
        if (rc == DT_EXIT_OK || rc == DT_EXIT_UNFINISHED)
            rc = DT_EXIT_IO;
    }
    dt_error_free(err);
    free_rec(r);
    return rc;
}

int rh_end(rh_recording *r, int rc)
{
    if (!r)
        return rc;
    int done = r->s && dt_session_ended(r->s);
    return rh_end_status(r, done ? DT_REC_COMPLETED : DT_REC_ABANDONED, rc);
}

int rh_open_query(const char *db_opt, dt_recorder **out)
{
    char *path = rh_db_path(db_opt, 0);
    dt_error *err = dt_error_new();
    *out = NULL;
    if (!path || !err) {
        free(path);
        dt_error_free(err);
        rd_eprintf("no recording database: HOME is not set; use --db PATH");
        return DT_EXIT_IO;
    }
    dt_status st = dt_recorder_open(path, DT_REC_READONLY, out, err);
    free(path);
    if (st != DT_OK)
        return fail_open("cannot read the recordings", err, NULL);
    dt_error_free(err);
    return 0;
}

static int parse_duration(const char *s, int64_t *ms)
{
    char *end = NULL;
    errno = 0;
    long long n = strtoll(s, &end, 10);
    if (errno || end == s || n < 0 || end[0] == '\0' || end[1] != '\0')
        return -1;
    int64_t unit = end[0] == 'm' ? 60000 : end[0] == 'h' ? 3600000 : end[0] == 'd' ? 86400000 : 0;
    if (!unit || n > INT64_MAX / unit)
        return -1;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    *ms = (int64_t)ts.tv_sec * 1000 - n * unit;
    return 0;
}

int rh_parse_time(const char *s, int64_t *ms)
{
    struct tm tm;
    int y, mo, d, h = 0, mi = 0, sec = 0, used = 0;
    memset(&tm, 0, sizeof tm);
    if (!s)
        return -1;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3)
        return parse_duration(s, ms);
    if (s[used] == ' ' || s[used] == 'T') {
        int more = 0;
        if (sscanf(s + used + 1, "%2d:%2d%n", &h, &mi, &more) != 2)
            return -1;
        used += 1 + more;
        if (s[used] == ':' && sscanf(s + used + 1, "%2d%n", &sec, &more) == 1)
            used += 1 + more;
    }
    if (s[used] != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    if (t == (time_t)-1)
        return -1;
    *ms = (int64_t)t * 1000;
    return 0;
}

void rh_format_time(int64_t ms, char *buf, size_t size)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (ms <= 0 || !localtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm) == 0)
        snprintf(buf, size, "-");
}
