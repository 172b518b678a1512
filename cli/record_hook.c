/*
 * record_hook.c — the CLI side of recording: where the database lives, beginning, checking and
 * ending a recording, and telling the agent at once (stderr, sanitised) when recording fails or
 * recovers.  Recording failures never stop the conversation: events wait in memory (engine).
 */
#define _XOPEN_SOURCE 700
#include "record_hook.h"
#include "exitcodes.h"
#include "record_spool.h"
#include "render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum rh_told { RH_SAVED,
               RH_SPOOLED,
               RH_WARNED };

struct rh_recording {
    dt_recorder *rec;
    dt_session *s;
    enum rh_told told; /* what rh_check last told the agent: one line at each change only */
    char *path;
    char shown[1024]; /* path as messages name it: any password masked */
    char *spool;      /* set while the whole call is kept offline (record_spool.c) */
    dt_rec_probe *probe; /* meanwhile: is the store back? (a check under way, never waited for) */
    time_t probe_at;     /* when the last check began */
    char id[37];         /* the session's id, kept here: the recorder may change (a move), the id not */
};

#define PROBE_EVERY_S 5 /* as often as a recorder on PostgreSQL asks a lost server again */

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

/* A password in --db is in argv, where `ps` shows it to every user of the machine: the first call
 * keeps a copy, overwrites it there and says where it belongs; later calls get the copy. */
static const char *scrubbed_opt;
static char *opt_copy;

static char *from_option(const char *opt)
{
    char masked[1024];
    if (opt == scrubbed_opt && opt_copy)
        return strdup(opt_copy);
    dt_rec_store_mask(opt, masked, sizeof masked);
    if (strcmp(masked, opt) == 0)
        return strdup(opt);
    char *copy = strdup(opt);
    if (!copy)
        return NULL;
    free(opt_copy);
    opt_copy = copy;
    scrubbed_opt = opt;
    dt_rec_store_scrub((char *)opt); /* argv strings are the program's to change */
    rd_eprintf("warning: --db holds a password, which other users can see (ps) and the shell "
               "keeps in its history; keep it in ~/.pgpass, PGPASSFILE or a service file instead "
               "(docs/recording.md)");
    return strdup(opt_copy);
}

char *rh_db_path(const char *opt, int create_dir)
{
    const char *env = getenv("DTREE_DB");
    if (opt && *opt)
        return from_option(opt);
    if (env && *env)
        return strdup(env);
    return rh_data_file("sessions.db", create_dir);
}

char *rh_data_file(const char *name, int create_dir)
{
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    char *dir = xdg && *xdg == '/' ? join(xdg, "/dtree/")
                : home && *home    ? join(home, "/.local/share/dtree/")
                                   : NULL;
    char *path = dir ? join(dir, name) : NULL;
    free(dir);
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
    return EXIT_IO;
}

static const char HINT[] = "use --db PATH to record elsewhere, or --no-record to go on without "
                           "recording";

/* Another process holds the database: say so at once rather than freeze for the busy timeout. */
static void say_waiting(void *user, const char *path)
{
    (void)user;
    rd_eprintf("recording: waiting for the database %s: another program is using it (up to 10 s)",
               path);
}

static const char *why(const dt_error *err, dt_status st)
{
    return dt_error_count(err) ? dt_error_get(err, 0)->message : dt_status_str(st);
}

/* The store cannot be used for this call: keep it in the spool (one line), else fail here with
 * the way out (rs_open_offline said why).  0, or an exit code. */
static int go_offline(rh_recording *r, const dt_error *err, dt_status st)
{
    if (rs_open_offline(r->shown, why(err, st), &r->rec, &r->spool) == 0)
        return 0;
    rd_eprintf("%s", HINT);
    return EXIT_IO;
}

static int open_for_writing(const char *db_opt, int offline_ok, rh_recording **out)
{
    dt_error *err = dt_error_new();
    rh_recording *r = calloc(1, sizeof *r);
    *out = NULL;
    if (!err || !r || !(r->path = rh_db_path(db_opt, 1))) {
        rd_eprintf("cannot record: %s", r && !r->path ? "no database path (HOME is not set); use "
                                                        "--db PATH" : "out of memory");
        free(r);
        dt_error_free(err);
        return r ? EXIT_IO : EXIT_INTERNAL;
    }
    dt_rec_store_mask(r->path, r->shown, sizeof r->shown);
    dt_status st = dt_recorder_open(r->path, 0, &r->rec, err);
    int rc = 0;
    if (st != DT_OK && offline_ok && dt_rec_store_is_pg(r->path)) {
        /* the call must not wait for the network: keep it here */
        rc = go_offline(r, err, st);
    } else if (st == DT_OK && dt_rec_store_is_pg(r->path)) {
        rs_attach(r->rec, r->shown);
    } else if (st != DT_OK) {
        rc = fail_open("cannot record the session", err, HINT);
        err = NULL;
    }
    if (rc != 0) {
        dt_error_free(err);
        free(r->path);
        free(r);
        return rc;
    }
    dt_error_free(err);
    dt_recorder_set_wait_fn(r->rec, say_waiting, NULL);
    *out = r;
    return 0;
}

static void free_rec(rh_recording *r)
{
    if (!r)
        return;
    dt_recorder_close(r->rec);
    dt_rec_probe_free(r->probe);
    free(r->path);
    free(r->spool);
    free(r);
}

int rh_begin(const char *db_opt, dt_session *s, const dt_tree *t, const char *agent,
             const char *mode, rh_recording **out)
{
    rh_recording *r = NULL;
    int rc = open_for_writing(db_opt, 1, &r);
    if (rc != 0)
        return rc;
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    dt_record_meta m = {.agent = agent, .mode = mode, .host = host, .take_over = 0};
    dt_error *err = dt_error_new();
    char id[37];
    dt_status st = dt_recorder_begin(r->rec, s, t, &m, id, err);
    if (st != DT_OK && !r->spool && dt_rec_store_is_pg(r->path)) {
        /* the server took the login but refuses the session (no right to insert, ...) */
        dt_recorder_close(r->rec);
        r->rec = NULL;
        if (go_offline(r, err, st) != 0) {
            free_rec(r);
            dt_error_free(err);
            return EXIT_IO;
        }
        dt_error_clear(err);
        st = dt_recorder_begin(r->rec, s, t, &m, id, err);
    }
    if (st != DT_OK) {
        free_rec(r);
        return fail_open("cannot record the session", err, HINT);
    }
    dt_error_free(err);
    r->s = s;
    memcpy(r->id, id, sizeof r->id);
    *out = r;
    rh_check(r);
    return 0;
}

static void say_resumed(const dt_rec_resume *info, const char *id)
{
    rd_eprintf("resuming session %.8s (left by %s): %zu answer%s replayed", id,
               info->previous_agent[0] ? info->previous_agent : "nobody named",
               info->replayed, info->replayed == 1 ? "" : "s");
    if (info->took_over)
        rd_eprintf("note: taken over from a live claim (--take-over): if the previous agent is still "
                   "on the call, their recording now stops");
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
              int take_over, dt_session **s, rh_recording **out)
{
    rh_recording *r = NULL;
    int rc = open_for_writing(db_opt, 0, &r);
    if (rc != 0)
        return rc;
    dt_error *err = dt_error_new();
    char id[37];
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    dt_record_meta m = {.agent = agent, .mode = "agent", .host = host, .take_over = take_over};
    dt_rec_resume info;
    dt_status st = dt_recorder_lookup(r->rec, id_prefix, id, err);
    if (st == DT_OK)
        st = dt_recorder_resume(r->rec, id, t, &m, s, &info, err);
    if (st != DT_OK) {
        free_rec(r);
        rd_eprintf("%s", dt_error_count(err) ? dt_error_get(err, 0)->message : dt_status_str(st));
        dt_error_free(err);
        return st == DT_ENOMEM ? EXIT_INTERNAL : st == DT_EIO ? EXIT_IO
                                                              : EXIT_FAIL;
    }
    dt_error_free(err);
    say_resumed(&info, id);
    r->s = *s;
    memcpy(r->id, id, sizeof r->id);
    *out = r;
    return 0;
}

void rh_chain(rh_recording *r, dt_observer_fn fn, void *user)
{
    if (r)
        dt_recorder_chain(r->rec, fn, user);
}

/* The one line for a change of what the agent must know: the events are in the store again, in
 * the spool, or only in memory (or no longer recorded at all). */
static void tell(const rh_recording *r, enum rh_told now)
{
    if (now == RH_SPOOLED)
        rs_say_spooling(r->rec, r->shown);
    else if (now == RH_SAVED && r->told == RH_SPOOLED)
        rs_say_back(r->shown);
    else if (now == RH_SAVED)
        rd_eprintf("recording works again: every event so far is saved");
    else if (dt_recorder_claim_lost(r->rec))
        rd_eprintf("WARNING: %s (%s). Someone else now has this session: agree with them who "
                   "carries on.",
                   dt_recorder_message(r->rec), r->shown);
    else if (dt_recorder_stopped(r->rec))
        rd_eprintf("WARNING: %s. The conversation can go on, but it is no longer recorded: take "
                   "notes and tell your supervisor.", dt_recorder_message(r->rec));
    else
        rd_eprintf("WARNING: %s (%s). The conversation can go on: every event is kept in memory "
                   "and saved as soon as the database accepts it. Do not close this session.",
                   dt_recorder_message(r->rec), r->shown);
}

/* Kept offline from the start: is the store back?  Checked without waiting for it (a probe,
 * advanced at each check); once it takes the login, the call moves there (record_spool.c). */
static void try_move(rh_recording *r)
{
    time_t now = time(NULL);
    if (!r->probe && now - r->probe_at < PROBE_EVERY_S)
        return;
    if (!r->probe) {
        r->probe_at = now;
        if (!(r->probe = dt_rec_probe_start(r->path)))
            return;
    }
    int answered = dt_rec_probe_poll(r->probe);
    if (answered == 0)
        return;
    dt_rec_probe_free(r->probe);
    r->probe = NULL;
    if (answered > 0 && rs_move(&r->rec, r->path, r->shown) == 0) {
        dt_recorder_set_wait_fn(r->rec, say_waiting, NULL);
        free(r->spool);
        r->spool = NULL;
    }
}

int rh_check(rh_recording *r)
{
    if (!r)
        return 0;
    if (r->spool)
        try_move(r);
    int failed = dt_recorder_failed(r->rec);
    /* a failure wins over spooling: then the events are in memory, not in the spool */
    enum rh_told now = failed                         ? RH_WARNED
                       : dt_recorder_spooling(r->rec) ? RH_SPOOLED
                                                      : RH_SAVED;
    if (now != r->told)
        tell(r, now);
    r->told = now;
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
    return r ? r->id : "";
}

static int take_start(void *user, const dt_rec_session *row)
{
    *(int64_t *)user = row->started_ms;
    return 0;
}

int64_t rh_started_ms(rh_recording *r, int64_t fallback)
{
    int64_t ms = 0;
    dt_error *err = dt_error_new();
    const char *id = rh_id(r);
    if (r && err && *id && !r->spool)
        (void)dt_recorder_get(r->rec, id, take_start, &ms, err);
    dt_error_free(err);
    return ms > 0 ? ms : fallback;
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
        if (rc == EXIT_OK || rc == EXIT_UNFINISHED)
            rc = EXIT_IO;
    }
    dt_error_free(err);
    if (st == DT_OK && r->spool) /* kept offline from the start: the store may be back now */
        rs_upload_after(r->path, r->shown, r->spool);
    else if (st == DT_OK && dt_recorder_spooling(r->rec))
        rs_upload_after(r->path, r->shown, dt_recorder_spool_path(r->rec));
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
        return EXIT_IO;
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
