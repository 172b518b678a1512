/*
 * cmd_sessions.c — `dtree sessions` (list recorded sessions) and `dtree show ID` (one transcript
 * with the "why": the answers and decide conditions on the path that led to the outcome).
 * Read-only: the database is opened with DT_REC_READONLY.  Every string from the database goes
 * through the sanitiser (it holds text typed by people and written by tree authors).
 */
#include "commands.h"
#include "exitcodes.h"
#include "isotime.h"
#include "opts.h"
#include "rec_filter.h"
#include "record_hook.h"
#include "render.h"
#include "sessions_follow.h"
#include "utf8.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char sessions_help[] =
    "Usage: dtree sessions [OPTIONS]\n"
    "List recorded sessions, newest first.  AGENT names every agent of a handed-off call in\n"
    "order (alice>bob); TIME is talk time (the waits between a quit and the resume not counted).\n\n"
    "Options:\n"
    "  --active           only sessions that can be resumed: in progress, dropped, quit,\n"
    "                     handed to a person or timed out (every status but completed)\n"
    "  --agent NAME       only sessions this agent worked on (also before a hand-off)\n"
    "  --tree ID          only sessions on this tree id, or that went through it (a call)\n"
    "  --mode MODE        agent, kiosk or scripted\n"
    "  --status STATUS    active, completed, abandoned, transferred or timed_out\n"
    "  --since WHEN       started at or after WHEN: YYYY-MM-DD[ HH:MM[:SS]] or 30m, 12h, 7d\n"
    "  --until WHEN       started before WHEN\n"
    "  --limit N          at most N sessions (default 50; 0: all)\n"
    "  --json             a JSON array instead of the table\n"
    "  --follow           a live board: the calls in progress, then a line for every call that\n"
    "                     starts, moves, ends or is resumed, until Ctrl-C or SIGTERM (with\n"
    "                     --json: JSON Lines); the filters above apply\n"
    "  --db PATH          the database (default: $DTREE_DB, else "
    "$XDG_DATA_HOME/dtree/sessions.db)\n"
    "  -h, --help         this help\n\n" EXIT_HELP_QUERY;

static const char show_help[] =
    "Usage: dtree show ID [--db PATH] [--json]\n"
    "The whole transcript of one recorded session (ID or a unique prefix of at least 4\n"
    "characters) with each agent's part after a hand-off, then why it ended where it did: the\n"
    "answers and conditions on its path.\n"
    "Lines marked * are on the final path; the others were undone (back, restart).\n\n" EXIT_HELP_SHOW;

typedef struct list_opts {
    dt_rec_filter f;
    const char *db, *since, *until, *id;
    int json, follow;
    long limit;
} list_opts;

static int parse_one(const char *cmd, int argc, char **argv, int *i, list_opts *o)
{
    static const char *const names[] = {"--agent", "--tree",  "--mode", "--status",
                                        "--since", "--until", "--limit", "--db"};
    const char **dst[] = {&o->f.agent, &o->f.tree, &o->f.mode, &o->f.status,
                          &o->since,   &o->until,  NULL,       &o->db};
    const char *val = NULL;
    if (strcmp(argv[*i], "--active") == 0)
        return o->f.active_only = 1, 0;
    if (strcmp(argv[*i], "--json") == 0)
        return o->json = 1, 0;
    if (strcmp(argv[*i], "--follow") == 0 && strcmp(cmd, "sessions") == 0)
        return o->follow = 1, 0;
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        int r = opt_value(argc, argv, i, names[k], &val);
        if (r == 0)
            continue;
        if (r < 0) {
            rd_eprintf("%s: missing value after '%s'", cmd, names[k]);
            return EXIT_USAGE;
        }
        if (dst[k])
            *dst[k] = val;
        else if ((o->limit = strtol(val, NULL, 10)) < 0 || strspn(val, "0123456789") != strlen(val))
            return rd_eprintf("%s: --limit needs a number, not '%s'", cmd, val), EXIT_USAGE;
        return 0;
    }
    rd_eprintf("%s: unknown option '%s'; see 'dtree help %s'", cmd, argv[*i], cmd);
    return EXIT_USAGE;
}

static int parse_times(const char *cmd, list_opts *o)
{
    if (o->since && rh_parse_time(o->since, &o->f.since_ms) != 0) {
        rd_eprintf("%s: --since '%s' is not YYYY-MM-DD[ HH:MM[:SS]] or a duration like 7d", cmd,
                   o->since);
        return EXIT_USAGE;
    }
    if (o->until && rh_parse_time(o->until, &o->f.until_ms) != 0) {
        rd_eprintf("%s: --until '%s' is not YYYY-MM-DD[ HH:MM[:SS]] or a duration like 7d", cmd,
                   o->until);
        return EXIT_USAGE;
    }
    return 0;
}

/* 0: go on; -1: help printed; else an exit code.  `want_id`: one positional argument. */
static int parse(const char *cmd, const char *help, int argc, char **argv, list_opts *o, int want_id)
{
    memset(o, 0, sizeof *o);
    dt_rec_filter_init(&o->f);
    o->limit = 50;
    for (int i = 1; i < argc; i++) {
        int rc = 0;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return fputs(help, stdout), -1;
        if (argv[i][0] == '-' && argv[i][1] != '\0')
            rc = parse_one(cmd, argc, argv, &i, o);
        else if (want_id && !o->id)
            o->id = argv[i];
        else
            return rd_eprintf("%s: unexpected argument '%s'", cmd, argv[i]), EXIT_USAGE;
        if (rc)
            return rc;
    }
    if (want_id && !o->id)
        return rd_eprintf("%s: which session? give its id (see 'dtree sessions')", cmd),
               EXIT_USAGE;
    if (want_id && (strlen(o->id) < 4 || strlen(o->id) > 36))
        return rd_eprintf("%s: '%s' is not a session id: give the id or a unique prefix of at "
                          "least 4 characters (see 'dtree sessions')",
                          cmd, o->id),
               EXIT_USAGE;
    o->f.limit = (size_t)o->limit;
    return parse_times(cmd, o);
}

/* ---- the list -------------------------------------------------------------------------------- */

static void put(const char *s, int width)
{
    char *c = rd_sanitize(s ? s : "", 0);
    if (width > 0)
        printf("%-*.*s ", width, width, c ? c : "?");
    else
        printf("%s", c ? c : "?");
    free(c);
}

/* Like put(s, width), but a longer value ends in "…" instead of being cut silently. */
static void put_cut(const char *s, int width)
{
    char *c = rd_sanitize(s ? s : "", 0);
    const char *v = c ? c : "?";
    size_t n = u8_length(v);
    if (n <= (size_t)width) {
        fputs(v, stdout);
    } else {
        fwrite(v, 1, u8_offset(v, strlen(v), (size_t)width - 1), stdout);
        fputs("\xe2\x80\xa6", stdout);
        n = (size_t)width;
    }
    for (; n <= (size_t)width; n++)
        putchar(' ');
    free(c);
}

static void duration(int64_t ms, char *buf, size_t size)
{
    if (ms < 0)
        ms = 0;
    long long s = (long long)(ms / 1000);
    if (s >= 3600)
        snprintf(buf, size, "%lldh%02lldm", s / 3600, s / 60 % 60);
    else
        snprintf(buf, size, "%lldm%02llds", s / 60, s % 60);
}

static json_t *session_json(const dt_rec_session *s)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
                          s->id, "tree", s->tree_id, "tree_version", s->tree_version,
                          "tree_hash", s->tree_hash, "tree_path", s->tree_path, "agent", s->agent,
                          "mode", s->mode, "host", s->host, "status", s->status, "outcome",
                          s->outcome, "last_tree", s->last_tree, "last_step", s->last_step);
    if (!o)
        return NULL;
    json_object_set_new(o, "started_ms", json_integer(s->started_ms));
    json_object_set_new(o, "ended_ms", s->ended_ms ? json_integer(s->ended_ms) : json_null());
    json_object_set_new(o, "last_ms", json_integer(s->last_ms));
    json_object_set_new(o, "steps", json_integer((json_int_t)s->steps));
    json_object_set_new(o, "events", json_integer((json_int_t)s->events));
    json_object_set_new(o, "talk_ms", json_integer(s->talk_ms));
    char iso[ISO_TIME_SIZE];
    iso_time(s->started_ms, iso);
    json_object_set_new(o, "started", json_string(iso));
    iso_time(s->ended_ms, iso);
    json_object_set_new(o, "ended", iso[0] ? json_string(iso) : json_null());
    return o;
}

/* ---- who worked on the call: every agent with their part ------------------------------------ */

typedef struct agents {
    json_t *arr;        /* JSON: one object per part */
    char names[256];    /* "alice>bob" */
    char lines[2048];   /* show: one line per part */
    size_t n;
} agents;

static int add_part(void *user, const dt_rec_part *p)
{
    agents *a = user;
    size_t len = strlen(a->names);
    snprintf(a->names + len, sizeof a->names - len, "%s%s", a->n ? ">" : "", p->agent);
    char from[32], to[32], dur[32], iso[ISO_TIME_SIZE];
    rh_format_time(p->from_ms, from, sizeof from);
    rh_format_time(p->to_ms, to, sizeof to);
    duration(p->to_ms - p->from_ms, dur, sizeof dur);
    len = strlen(a->lines);
    snprintf(a->lines + len, sizeof a->lines - len, "%s%zu. %s: %s to %s, %zu step%s, %s\n",
             a->n ? "           " : "", a->n + 1, p->agent, from, to + (strncmp(from, to, 11) ? 0 : 11),
             p->steps, p->steps == 1 ? "" : "s", dur);
    a->n++;
    json_t *o = a->arr ? json_pack("{s:s, s:I, s:I, s:I, s:I}", "agent", p->agent, "from_ms",
                                   (json_int_t)p->from_ms, "to_ms", (json_int_t)p->to_ms, "steps",
                                   (json_int_t)p->steps, "talk_ms",
                                   (json_int_t)(p->to_ms - p->from_ms))
                       : NULL;
    if (o) {
        iso_time(p->from_ms, iso);
        json_object_set_new(o, "from", json_string(iso));
        iso_time(p->to_ms, iso);
        json_object_set_new(o, "to", json_string(iso));
    }
    return a->arr && (!o || json_array_append_new(a->arr, o) != 0);
}

/* The parts of session s (a->arr: also as JSON); 0, or -1 when they could not be read. */
static int load_agents(dt_recorder *rec, const dt_rec_session *s, agents *a, int json)
{
    memset(a, 0, sizeof *a);
    a->arr = json ? json_array() : NULL;
    if (dt_recorder_parts(rec, s->id, add_part, a, NULL) != DT_OK || (json && !a->arr)) {
        snprintf(a->names, sizeof a->names, "%s", s->agent);
        return -1;
    }
    return 0;
}

typedef struct list_ctx {
    dt_recorder *rec;
    json_t *arr;
    size_t n;
} list_ctx;

static int row_json(void *user, const dt_rec_session *s)
{
    list_ctx *l = user;
    json_t *o = session_json(s);
    agents a;
    load_agents(l->rec, s, &a, 1);
    if (o)
        json_object_set_new(o, "agents", a.arr ? a.arr : json_array());
    else
        json_decref(a.arr);
    return !o || json_array_append_new(l->arr, o) != 0;
}

static int row_table(void *user, const dt_rec_session *s)
{
    char when[32], dur[32];
    list_ctx *l = user;
    l->n++;
    agents a;
    load_agents(l->rec, s, &a, 0);
    rh_format_time(s->started_ms, when, sizeof when);
    duration(s->talk_ms, dur, sizeof dur); /* talk time: not the wait before a resume */
    put(s->id, 8);
    put(when, 19);
    put(s->tree_id, 16);
    put_cut(a.names, 12); /* every agent, in order: "alice>bob" */
    put(s->mode, 8);
    put(s->status, 11);
    printf("%5zu %8s ", s->steps, dur);
    put(s->outcome[0] ? s->outcome : s->last_step, 0);
    putchar('\n');
    return ferror(stdout) != 0;
}

static int print_json(json_t *j)
{
    int bad = !j || json_dumpf(j, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII) != 0;
    json_decref(j);
    putchar('\n');
    return bad || fflush(stdout) != 0 ? EXIT_IO : EXIT_OK;
}

static int query_failed(dt_error *err, dt_status st)
{
    rd_eprintf("%s", dt_error_count(err) ? dt_error_text(err) : dt_status_str(st));
    return st == DT_ENOMEM ? EXIT_INTERNAL : st == DT_ENOTFOUND || st == DT_EARG ? EXIT_FAIL
                                                                                 : EXIT_IO;
}

int cmd_sessions(int argc, char **argv)
{
    list_opts o;
    int rc = parse("sessions", sessions_help, argc, argv, &o, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if ((rc = rf_check_names("sessions", &o.f)) != 0)
        return rc;
    dt_recorder *rec = NULL;
    if ((rc = rh_open_query(o.db, &rec)) != 0)
        return rc;
    if ((rc = rf_check_tree("sessions", rec, &o.f)) != 0 || o.follow) {
        rc = rc ? rc : sf_follow(rec, &o.f, o.json);
        dt_recorder_close(rec);
        return rc;
    }
    dt_error *err = dt_error_new();
    json_t *arr = o.json ? json_array() : NULL;
    size_t n = 0;
    if (!o.json)
        printf("%-8s %-19s %-16s %-12s %-8s %-11s %5s %8s %s\n", "ID", "STARTED", "TREE", "AGENT",
               "MODE", "STATUS", "STEPS", "TIME", "OUTCOME/WHERE");
    list_ctx l = {rec, arr, 0};
    dt_status st = dt_recorder_list(rec, &o.f, o.json ? row_json : row_table, &l, err);
    n = l.n;
    if (st != DT_OK)
        rc = query_failed(err, st);
    else if (o.json)
        rc = print_json(arr), arr = NULL;
    else if (n == 0)
        printf("(no sessions)\n");
    json_decref(arr);
    dt_error_free(err);
    dt_recorder_close(rec);
    return rc;
}

/* ---- one transcript -------------------------------------------------------------------------- */

typedef struct show_ctx {
    dt_recorder *rec;
    int json;
    json_t *events, *session;
    int64_t t0;
    char *why;           /* the why section, built as the path is seen */
    size_t why_len;
    char last_decide[256], last_decide_why[1024];
} show_ctx;

static void why_add(show_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void why_add(show_ctx *c, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    char *clean = rd_sanitize(line, 0);
    size_t len = clean ? strlen(clean) : 0;
    char *grown = clean ? realloc(c->why, c->why_len + len + 2) : NULL;
    if (grown) {
        c->why = grown;
        memcpy(c->why + c->why_len, clean, len);
        c->why_len += len;
        c->why[c->why_len++] = '\n';
        c->why[c->why_len] = '\0';
    }
    free(clean);
}

static void header(show_ctx *c, const dt_rec_session *s)
{
    char a[32], b[32];
    rh_format_time(s->started_ms, a, sizeof a);
    rh_format_time(s->ended_ms, b, sizeof b);
    c->t0 = s->started_ms;
    rd_screen sc;
    rd_screen_init(&sc, stdout, 0);
    rd_printf(&sc, RD_PLAIN, "Session %s\n", s->id);
    rd_printf(&sc, RD_PLAIN, "  tree     %s (version %s, hash %s)\n  file     %s\n", s->tree_id,
              s->tree_version, s->tree_hash, s->tree_path);
    rd_printf(&sc, RD_PLAIN, "  agent    %s (%s on %s)\n  started  %s\n  ended    %s\n", s->agent,
              s->mode, s->host, a, b);
    agents ag;
    if (load_agents(c->rec, s, &ag, 0) == 0 && ag.n > 1) /* a hand-off: who did which part */
        rd_printf(&sc, RD_PLAIN, "  agents   %s", ag.lines);
    char talk[32];
    duration(s->talk_ms, talk, sizeof talk);
    rd_printf(&sc, RD_PLAIN, "  talk     %s%s\n", talk,
              ag.n > 1 ? " (the waits between the parts not counted)" : "");
    rd_printf(&sc, RD_PLAIN, "  status   %s%s%s\n  steps    %zu\n\n", s->status,
              s->outcome[0] ? ", outcome " : "", s->outcome, s->steps);
}

/* One event as a line of the transcript; decisions on the path also feed the why section. */
static void event_line(show_ctx *c, const dt_rec_event *e, char *buf, size_t size)
{
    dt_rec_kind k = dt_rec_kind_from_name(e->kind);
    if (k == DT_RK_STEP)
        snprintf(buf, size, "%s (%s)%s%s", e->step_id, e->step_kind, e->why[0] ? "  because " : "",
                 e->why);
    else if (k == DT_RK_ANSWER && e->choice_id[0])
        snprintf(buf, size, "%s: %s [%s]", e->step_id, e->label, e->choice_id);
    else if (k == DT_RK_ANSWER)
        snprintf(buf, size, "%s: %s", e->step_id, e->var[0] ? e->value : e->label);
    else if (k == DT_RK_SET)
        snprintf(buf, size, "%s = %s%s", e->var, e->value, e->sensitive ? " (sensitive)" : "");
    else if (k == DT_RK_END)
        snprintf(buf, size, "%s: outcome %s", e->step_id, e->outcome);
    else if (k == DT_RK_HANDOFF)
        snprintf(buf, size, "from %s to %s at %s", e->label[0] ? e->label : "?", e->text,
                 e->step_id);
    else if (k == DT_RK_NOTE || k == DT_RK_FEEDBACK)
        snprintf(buf, size, "%s: %s", e->step_id, e->text);
    else
        snprintf(buf, size, "%s", e->step_id);
    (void)c;
}

static void why_from(show_ctx *c, const dt_rec_event *e)
{
    if (!e->on_path)
        return;
    dt_rec_kind k = dt_rec_kind_from_name(e->kind);
    if (c->last_decide[0] && k == DT_RK_STEP) {
        why_add(c, "  %s: %s -> %s", c->last_decide,
                c->last_decide_why[0] ? c->last_decide_why : "(condition: tree file unavailable "
                                                            "or changed)", e->step_id);
        c->last_decide[0] = '\0';
    }
    if (k == DT_RK_STEP && !strcmp(e->step_kind, dt_step_kind_name(DT_STEP_DECIDE))) {
        snprintf(c->last_decide, sizeof c->last_decide, "%s decided", e->step_id);
        snprintf(c->last_decide_why, sizeof c->last_decide_why, "%s", e->why);
    } else if (k == DT_RK_ANSWER && e->choice_id[0]) {
        why_add(c, "  %s: answered \"%s\"", e->step_id, e->label);
    } else if (k == DT_RK_ANSWER && e->var[0]) {
        why_add(c, "  %s: %s = %s", e->step_id, e->var, e->value);
    } else if (k == DT_RK_END) {
        why_add(c, "  => outcome %s at %s", e->outcome, e->step_id);
    }
}

static json_t *event_json(const dt_rec_event *e)
{
    json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b,"
                          " s:s}",
                          "seq", (json_int_t)e->seq, "time_ms", (json_int_t)e->time_ms, "kind",
                          e->kind, "tree", e->tree_id, "step", e->step_id, "step_kind",
                          e->step_kind, "choice", e->choice_id, "label", e->label, "var", e->var,
                          "value", e->value, "text", e->text, "outcome", e->outcome, "sensitive",
                          e->sensitive, "on_path", e->on_path, "why", e->why);
    return o;
}

static int show_event(void *user, const dt_rec_session *s, const dt_rec_event *e)
{
    show_ctx *c = user;
    (void)s;
    if (c->json) {
        json_t *o = event_json(e);
        return !o || json_array_append_new(c->events, o) != 0;
    }
    char line[2048];
    event_line(c, e, line, sizeof line);
    int64_t dt = (e->time_ms - c->t0) / 1000;
    char *kind = rd_sanitize(e->kind, 0); /* read from the file like the rest: untrusted */
    printf("  %c +%02lld:%02lld  %-8s ", e->on_path ? '*' : ' ', (long long)(dt < 0 ? 0 : dt / 60),
           (long long)(dt < 0 ? 0 : dt % 60), kind ? kind : "?");
    free(kind);
    char *clean = rd_sanitize(line, 0);
    printf("%s\n", clean ? clean : "?");
    free(clean);
    why_from(c, e);
    return ferror(stdout) != 0;
}

typedef struct path_probe {
    char path[4096];
} path_probe;

static int probe(void *user, const dt_rec_session *s)
{
    snprintf(((path_probe *)user)->path, sizeof ((path_probe *)user)->path, "%s", s->tree_path);
    return 1;
}

/* The recorded tree file, when it still loads (to name decide conditions); NULL otherwise. */
static dt_tree *recorded_tree(dt_recorder *rec, const char *id)
{
    path_probe p = {""};
    dt_tree *t = NULL;
    if (dt_recorder_get(rec, id, probe, &p, NULL) != DT_OK || !p.path[0])
        return NULL; /* the tree is optional: without it decides show no condition */
    if (dt_tree_load_file(p.path, NULL, &t, NULL) != DT_OK)
        return NULL;
    return t;
}

/* The session's header (text) or object (JSON), before its events: also for a session killed
 * before its first event. */
static int show_session(void *user, const dt_rec_session *s)
{
    show_ctx *c = user;
    if (c->json) {
        agents a;
        c->session = session_json(s);
        load_agents(c->rec, s, &a, 1);
        if (c->session)
            json_object_set_new(c->session, "agents", a.arr ? a.arr : json_array());
        else
            json_decref(a.arr);
    } else {
        header(c, s);
    }
    return 0;
}

static int show_print(show_ctx *c, dt_recorder *rec, const char *id, dt_error *err)
{
    dt_tree *t = recorded_tree(rec, id);
    dt_status st = dt_recorder_get(rec, id, show_session, c, err);
    if (st == DT_OK)
        st = dt_recorder_transcript(rec, id, t, show_event, c, err);
    dt_tree_free(t);
    if (st != DT_OK)
        return query_failed(err, st);
    if (c->json) {
        json_t *o = c->session ? c->session : json_object();
        c->session = NULL;
        json_object_set_new(o, "transcript", c->events);
        c->events = NULL;
        return print_json(o);
    }
    if (c->last_decide[0])
        why_add(c, "  %s: %s", c->last_decide, c->last_decide_why);
    printf("\nWhy (the answers and conditions on the path):\n%s", c->why ? c->why : "  (none)\n");
    return fflush(stdout) == 0 ? EXIT_OK : EXIT_IO;
}

int cmd_show(int argc, char **argv)
{
    list_opts o;
    int rc = parse("show", show_help, argc, argv, &o, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    dt_recorder *rec = NULL;
    if ((rc = rh_open_query(o.db, &rec)) != 0)
        return rc;
    dt_error *err = dt_error_new();
    char id[37];
    show_ctx c;
    memset(&c, 0, sizeof c);
    c.rec = rec;
    c.json = o.json;
    c.events = o.json ? json_array() : NULL;
    dt_status st = dt_recorder_lookup(rec, o.id, id, err);
    if (st == DT_EARG) { /* several sessions share the prefix: the command line must say more */
        rd_eprintf("show: %s", dt_error_count(err) ? dt_error_get(err, 0)->message
                                                   : dt_status_str(st));
        rc = EXIT_USAGE;
    } else {
        rc = st != DT_OK ? query_failed(err, st) : show_print(&c, rec, id, err);
    }
    json_decref(c.events);
    json_decref(c.session);
    free(c.why);
    dt_error_free(err);
    dt_recorder_close(rec);
    return rc;
}
