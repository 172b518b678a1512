/*
 * cmd_report.c — `dtree report` (outcome rates, durations, drop-off, paths, time per step, choice
 * frequencies: computed by the engine in SQL) and `dtree export` (every session and event, JSON
 * Lines or CSV, for other tools).  Tables print sanitised; JSON is jansson with ASCII escapes; CSV
 * cells are sanitised only when stdout is a terminal (a file keeps the data exactly).
 */
#include "commands.h"
#include "exitcodes.h"
#include "opts.h"
#include "record_hook.h"
#include "render.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char report_help[] =
    "Usage: dtree report [OPTIONS]\n"
    "What the recorded sessions say: sessions, completion and outcome rates, median and p90\n"
    "duration and steps, drop-off (where abandoned sessions stopped), the most frequent paths,\n"
    "time per step and choice frequencies per question (docs/recording.md defines each).\n\n"
    "Options:\n"
    "  --tree ID          only sessions on this tree\n"
    "  --agent NAME       only this agent's sessions\n"
    "  --mode MODE        agent, kiosk or scripted\n"
    "  --since WHEN       sessions started at or after WHEN: YYYY-MM-DD[ HH:MM[:SS]] or 7d, 12h\n"
    "  --until WHEN       sessions started before WHEN\n"
    "  --top N            rows in the drop-off and paths tables (default 10)\n"
    "  --only TABLE       one table: summary outcomes drop_off paths step_time choices\n"
    "  --format FMT       table (default), csv or json\n"
    "  --sql              print the SQL queries (for sqlite3) instead of running them\n"
    "  --db PATH          the database (default: $DTREE_DB, else "
    "$XDG_DATA_HOME/dtree/sessions.db)\n"
    "  -h, --help         this help\n\n" DT_EXIT_HELP;

static const char export_help[] =
    "Usage: dtree export --format jsonl|csv [OPTIONS]\n"
    "Every recorded session with its events, oldest first, on stdout.\n"
    "jsonl: one JSON object per session with an \"events\" array; csv: one row per event with the\n"
    "session's columns repeated.  Sensitive values are \"[redacted]\" (never stored in clear).\n\n"
    "Options: --tree ID, --agent NAME, --mode MODE, --active, --since WHEN, --until WHEN, --db\n"
    "PATH (as for dtree sessions), -h/--help.\n\n" DT_EXIT_HELP;

typedef struct rep_opts {
    dt_rec_filter f;
    const char *db, *since, *until, *format, *only;
    size_t top;
    int sql;
} rep_opts;

static int parse_one(const char *cmd, int argc, char **argv, int *i, rep_opts *o)
{
    static const char *const names[] = {"--tree",  "--agent", "--mode", "--since", "--until",
                                        "--format", "--only", "--db",   "--top"};
    const char **dst[] = {&o->f.tree, &o->f.agent, &o->f.mode, &o->since, &o->until,
                          &o->format, &o->only,    &o->db,     NULL};
    const char *val = NULL;
    if (strcmp(argv[*i], "--sql") == 0)
        return o->sql = 1, 0;
    if (strcmp(argv[*i], "--active") == 0)
        return o->f.active_only = 1, 0;
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        int r = opt_value(argc, argv, i, names[k], &val);
        if (r == 0)
            continue;
        if (r < 0)
            return rd_eprintf("%s: missing value after '%s'", cmd, names[k]), DT_EXIT_USAGE;
        if (dst[k])
            *dst[k] = val;
        else if (strspn(val, "0123456789") != strlen(val) || !*val ||
                 (o->top = (size_t)strtoul(val, NULL, 10)) == 0)
            return rd_eprintf("%s: --top needs a positive number, not '%s'", cmd, val),
                   DT_EXIT_USAGE;
        return 0;
    }
    rd_eprintf("%s: unknown option '%s'; see 'dtree help %s'", cmd, argv[*i], cmd);
    return DT_EXIT_USAGE;
}

static int parse(const char *cmd, const char *help, int argc, char **argv, rep_opts *o)
{
    memset(o, 0, sizeof *o);
    dt_rec_filter_init(&o->f);
    for (int i = 1; i < argc; i++) {
        int rc;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return fputs(help, stdout), -1;
        if (argv[i][0] != '-')
            return rd_eprintf("%s: unexpected argument '%s'", cmd, argv[i]), DT_EXIT_USAGE;
        if ((rc = parse_one(cmd, argc, argv, &i, o)) != 0)
            return rc;
    }
    if (o->since && rh_parse_time(o->since, &o->f.since_ms) != 0)
        return rd_eprintf("%s: --since '%s' is not a date or a duration like 7d", cmd, o->since),
               DT_EXIT_USAGE;
    if (o->until && rh_parse_time(o->until, &o->f.until_ms) != 0)
        return rd_eprintf("%s: --until '%s' is not a date or a duration like 7d", cmd, o->until),
               DT_EXIT_USAGE;
    return 0;
}

static int fail(dt_error *err, dt_status st)
{
    rd_eprintf("%s", dt_error_count(err) ? dt_error_text(err) : dt_status_str(st));
    return st == DT_ENOMEM ? DT_EXIT_INTERNAL : DT_EXIT_IO;
}

/* ---- CSV ------------------------------------------------------------------------------------- */

static void csv_cell(const char *s, int first)
{
    if (!first)
        putchar(',');
    if (!s)
        return;
    char *clean = isatty(STDOUT_FILENO) ? rd_sanitize(s, 1) : NULL;
    const char *v = clean ? clean : s;
    if (strpbrk(v, ",\"\r\n") == NULL) {
        fputs(v, stdout);
    } else {
        putchar('"');
        for (const char *p = v; *p; p++) {
            if (*p == '"')
                putchar('"');
            putchar(*p);
        }
        putchar('"');
    }
    free(clean);
}

/* ---- report ---------------------------------------------------------------------------------- */

static int ends_ms(const char *col)
{
    size_t n = strlen(col);
    return n > 3 && strcmp(col + n - 3, "_ms") == 0;
}

/* A cell as the table shows it: durations in seconds. */
static void show_cell(const dt_rec_table *t, size_t c, const char *v, char *buf, size_t size)
{
    if (!v)
        snprintf(buf, size, "-");
    else if (ends_ms(t->cols[c]) && t->numeric[c])
        snprintf(buf, size, "%.1f", strtod(v, NULL) / 1000.0);
    else {
        char *clean = rd_sanitize(v, 0);
        snprintf(buf, size, "%s", clean ? clean : "?");
        free(clean);
    }
}

static void head_name(const dt_rec_table *t, size_t c, char *buf, size_t size)
{
    size_t n = strlen(t->cols[c]);
    if (ends_ms(t->cols[c]))
        snprintf(buf, size, "%.*s_s", (int)(n - 3), t->cols[c]);
    else
        snprintf(buf, size, "%s", t->cols[c]);
}

static void print_summary(const dt_rec_table *t)
{
    char h[64], v[256];
    printf("summary\n");
    for (size_t c = 0; c < t->ncols && t->nrows; c++) {
        head_name(t, c, h, sizeof h);
        show_cell(t, c, t->cells[c], v, sizeof v);
        printf("  %-20s %s\n", h, v);
    }
}

static void print_table(const dt_rec_table *t)
{
    if (strcmp(t->name, "summary") == 0) {
        print_summary(t);
        return;
    }
    size_t w[16] = {0}, nc = t->ncols < 16 ? t->ncols : 16;
    char buf[512];
    for (size_t c = 0; c < nc; c++) {
        head_name(t, c, buf, sizeof buf);
        w[c] = strlen(buf);
        for (size_t r = 0; r < t->nrows; r++) {
            show_cell(t, c, t->cells[r * t->ncols + c], buf, sizeof buf);
            w[c] = strlen(buf) > w[c] ? strlen(buf) : w[c];
        }
        w[c] = w[c] > 60 ? 60 : w[c];
    }
    printf("\n%s%s\n", t->name, t->nrows ? "" : " (none)");
    for (size_t r = 0; t->nrows && r <= t->nrows; r++) {
        printf(" ");
        for (size_t c = 0; c < nc; c++) {
            if (r == 0)
                head_name(t, c, buf, sizeof buf);
            else
                show_cell(t, c, t->cells[(r - 1) * t->ncols + c], buf, sizeof buf);
            printf(t->numeric[c] && r ? " %*.*s" : " %-*.*s", (int)w[c], (int)w[c], buf);
        }
        printf("\n");
    }
}

static void csv_table(const dt_rec_table *t, int first_table)
{
    if (!first_table)
        putchar('\n');
    csv_cell("table", 1);
    for (size_t c = 0; c < t->ncols; c++)
        csv_cell(t->cols[c], 0);
    putchar('\n');
    for (size_t r = 0; r < t->nrows; r++) {
        csv_cell(t->name, 1);
        for (size_t c = 0; c < t->ncols; c++)
            csv_cell(t->cells[r * t->ncols + c], 0);
        putchar('\n');
    }
}

static json_t *json_cell(const dt_rec_table *t, size_t c, const char *v)
{
    if (!v)
        return json_null();
    if (!t->numeric[c])
        return json_string(v);
    if (strpbrk(v, ".eE"))
        return json_real(strtod(v, NULL));
    return json_integer(strtoll(v, NULL, 10));
}

static json_t *json_table(const dt_rec_table *t)
{
    json_t *rows = json_array();
    for (size_t r = 0; rows && r < t->nrows; r++) {
        json_t *o = json_object();
        for (size_t c = 0; o && c < t->ncols; c++)
            json_object_set_new(o, t->cols[c], json_cell(t, c, t->cells[r * t->ncols + c]));
        json_array_append_new(rows, o);
    }
    if (rows && strcmp(t->name, "summary") == 0 && json_array_size(rows) == 1) {
        json_t *one = json_incref(json_array_get(rows, 0));
        json_decref(rows);
        return one;
    }
    return rows;
}

static int print_report(const dt_rec_report *r, const rep_opts *o)
{
    int csv = o->format && strcmp(o->format, "csv") == 0;
    int json = o->format && strcmp(o->format, "json") == 0;
    json_t *all = json ? json_object() : NULL;
    int first = 1;
    for (size_t i = 0; i < dt_rec_report_count(r); i++) {
        const dt_rec_table *t = dt_rec_report_table(r, i);
        if (o->only && strcmp(o->only, t->name) != 0)
            continue;
        if (json)
            json_object_set_new(all, t->name, json_table(t));
        else if (csv)
            csv_table(t, first);
        else
            print_table(t);
        first = 0;
    }
    if (json) {
        int bad = json_dumpf(all, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII) != 0;
        json_decref(all);
        putchar('\n');
        if (bad)
            return DT_EXIT_IO;
    }
    return fflush(stdout) == 0 && !ferror(stdout) ? DT_EXIT_OK : DT_EXIT_IO;
}

static int check_report_opts(const rep_opts *o)
{
    static const char *const tables[] = {"summary", "outcomes", "drop_off", "paths", "step_time",
                                         "choices"};
    if (o->format && strcmp(o->format, "table") && strcmp(o->format, "csv") &&
        strcmp(o->format, "json"))
        return rd_eprintf("report: --format is table, csv or json, not '%s'", o->format),
               DT_EXIT_USAGE;
    for (size_t i = 0; o->only && i < sizeof tables / sizeof tables[0]; i++)
        if (strcmp(o->only, tables[i]) == 0)
            return 0;
    if (o->only)
        return rd_eprintf("report: no table '%s' (summary outcomes drop_off paths step_time "
                          "choices)", o->only), DT_EXIT_USAGE;
    return 0;
}

int cmd_report(int argc, char **argv)
{
    rep_opts o;
    int rc = parse("report", report_help, argc, argv, &o);
    if (rc)
        return rc < 0 ? DT_EXIT_OK : rc;
    if ((rc = check_report_opts(&o)) != 0)
        return rc;
    if (o.sql) { /* exactly what the engine runs, parameters as :names */
        char sql[4096];
        for (size_t i = 0; i < 6 && dt_recorder_report_sql(i, &o.f, o.top, sql, sizeof sql) == DT_OK; i++)
            printf("%s;\n", sql);
        return DT_EXIT_OK;
    }
    dt_recorder *rec = NULL;
    if ((rc = rh_open_query(o.db, &rec)) != 0)
        return rc;
    dt_error *err = dt_error_new();
    dt_rec_report *r = NULL;
    dt_status st = dt_recorder_report(rec, &o.f, o.top, &r, err);
    rc = st != DT_OK ? fail(err, st) : print_report(r, &o);
    dt_rec_report_free(r);
    dt_error_free(err);
    dt_recorder_close(rec);
    return rc;
}

/* ---- export ---------------------------------------------------------------------------------- */

typedef struct exp_ctx {
    int csv;
    char sid[37];
    json_t *cur;      /* jsonl: the session being collected */
    int bad;
} exp_ctx;

static const char *const csv_cols[] = {
    "session_id", "tree", "tree_version", "tree_hash", "agent", "mode", "host", "status",
    "session_outcome", "started_ms", "ended_ms", "seq", "time_ms", "kind", "event_tree", "step",
    "step_kind", "choice", "label", "var", "value", "text", "outcome", "sensitive"};

static void csv_num(long long v, int present)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", v);
    csv_cell(present ? buf : NULL, 0);
}

static void csv_event(const dt_rec_session *s, const dt_rec_event *e)
{
    const char *a[] = {s->tree_id, s->tree_version, s->tree_hash, s->agent, s->mode, s->host,
                       s->status,  s->outcome};
    csv_cell(s->id, 1);
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++)
        csv_cell(a[i], 0);
    csv_num(s->started_ms, 1);
    csv_num(s->ended_ms, s->ended_ms != 0);
    csv_num(e->seq, 1);
    csv_num(e->time_ms, 1);
    const char *b[] = {e->kind,  e->tree_id, e->step_id, e->step_kind, e->choice_id,
                       e->label, e->var,     e->value,   e->text,      e->outcome};
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
        csv_cell(b[i], 0);
    csv_num(e->sensitive, 1);
    putchar('\n');
}

static void flush_session(exp_ctx *c)
{
    if (!c->cur)
        return;
    c->bad |= json_dumpf(c->cur, stdout, JSON_COMPACT | JSON_ENSURE_ASCII) != 0;
    putchar('\n');
    json_decref(c->cur);
    c->cur = NULL;
}

static json_t *session_obj(const dt_rec_session *s)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I}",
                          "id", s->id, "tree", s->tree_id, "tree_version", s->tree_version,
                          "tree_hash", s->tree_hash, "tree_path", s->tree_path, "agent", s->agent,
                          "mode", s->mode, "host", s->host, "status", s->status, "outcome",
                          s->outcome, "started_ms", (json_int_t)s->started_ms, "steps",
                          (json_int_t)s->steps);
    if (o) {
        json_object_set_new(o, "ended_ms", s->ended_ms ? json_integer(s->ended_ms) : json_null());
        json_object_set_new(o, "events", json_array());
    }
    return o;
}

static int export_event(void *user, const dt_rec_session *s, const dt_rec_event *e)
{
    exp_ctx *c = user;
    if (c->csv) {
        csv_event(s, e);
        return ferror(stdout) != 0;
    }
    if (strcmp(c->sid, s->id) != 0) {
        flush_session(c);
        snprintf(c->sid, sizeof c->sid, "%s", s->id);
        if (!(c->cur = session_obj(s)))
            return 1;
    }
    json_t *ev = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}",
                           "seq", (json_int_t)e->seq, "time_ms", (json_int_t)e->time_ms, "kind",
                           e->kind, "tree", e->tree_id, "step", e->step_id, "step_kind",
                           e->step_kind, "choice", e->choice_id, "label", e->label, "var", e->var,
                           "value", e->value, "text", e->text, "outcome", e->outcome, "sensitive",
                           e->sensitive);
    return !ev || json_array_append_new(json_object_get(c->cur, "events"), ev) != 0 ||
           ferror(stdout);
}

int cmd_export(int argc, char **argv)
{
    rep_opts o;
    int rc = parse("export", export_help, argc, argv, &o);
    if (rc)
        return rc < 0 ? DT_EXIT_OK : rc;
    if (!o.format || (strcmp(o.format, "jsonl") && strcmp(o.format, "csv")))
        return rd_eprintf("export: --format jsonl or --format csv is needed"), DT_EXIT_USAGE;
    dt_recorder *rec = NULL;
    if ((rc = rh_open_query(o.db, &rec)) != 0)
        return rc;
    exp_ctx c;
    memset(&c, 0, sizeof c);
    c.csv = strcmp(o.format, "csv") == 0;
    if (c.csv) {
        for (size_t i = 0; i < sizeof csv_cols / sizeof csv_cols[0]; i++)
            csv_cell(csv_cols[i], i == 0);
        putchar('\n');
    }
    dt_error *err = dt_error_new();
    dt_status st = dt_recorder_events(rec, &o.f, export_event, &c, err);
    flush_session(&c);
    rc = st != DT_OK ? fail(err, st)
         : c.bad || fflush(stdout) != 0 || ferror(stdout) ? DT_EXIT_IO : DT_EXIT_OK;
    dt_error_free(err);
    dt_recorder_close(rec);
    return rc;
}
