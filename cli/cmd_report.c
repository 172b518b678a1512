/*
 * cmd_report.c — `dtree report` (outcome rates, durations, drop-off, paths, time per step, choice
 * frequencies, kiosk feedback: computed by the engine in SQL) and `dtree export` (every session and
 * event, JSON Lines or CSV, for other tools).  Tables print sanitised, steps as "Title [id]" (the
 * titles from the recorded tree files); JSON is jansson with ASCII escapes; CSV is one table per
 * file, cells as cli/csv.c writes them (formula cells neutralised, sanitised on a terminal only).
 */
#include "commands.h"
#include "exitcodes.h"
#include "csv.h"
#include "isotime.h"
#include "opts.h"
#include "rec_filter.h"
#include "record_hook.h"
#include "render.h"
#include "utf8.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char report_help[] =
    "Usage: dtree report [OPTIONS]\n"
    "What the recorded sessions say: sessions, completion and outcome rates, median and p90\n"
    "duration and steps, drop-off (where abandoned sessions stopped), the most frequent paths,\n"
    "time per step and choice frequencies per question (docs/recording.md defines each).\n\n"
    "Options:\n"
    "  --tree ID          only this tree: its sessions and the sessions that called it, and\n"
    "                     only its own steps (a step of a called tree counts for that tree)\n"
    "  --agent NAME       only sessions this agent worked on (also before a hand-off)\n"
    "  --mode MODE        agent, kiosk or scripted\n"
    "  --since WHEN       sessions started at or after WHEN: YYYY-MM-DD[ HH:MM[:SS]] or 7d, 12h\n"
    "  --until WHEN       sessions started before WHEN\n"
    "  --top N            rows in the drop-off and paths tables (default 10)\n"
    "  --only TABLE       one table: summary outcomes ends drop_off paths step_time choices\n"
    "                     feedback\n"
    "  --format FMT       table (default), csv or json; CSV is one table: give --only TABLE,\n"
    "                     or --out DIR\n"
    "  --out DIR          with --format csv: one file per table, DIR/TABLE.csv\n"
    "  --sql              print the SQL queries (for sqlite3, or psql for a PostgreSQL\n"
    "                     store) instead of running them\n"
    "  --db PATH          the database (default: $DTREE_DB, else "
    "$XDG_DATA_HOME/dtree/sessions.db)\n"
    "  -h, --help         this help\n\n" EXIT_HELP_QUERY;

static const char export_help[] =
    "Usage: dtree export --format jsonl|csv [OPTIONS]\n"
    "Every recorded session with its events, oldest first, on stdout.\n"
    "jsonl: one JSON object per session with an \"events\" array; csv: one row per event with the\n"
    "session's columns repeated.  Sensitive values are \"[redacted]\" (never stored in clear).\n\n"
    "Options: --tree ID, --agent NAME, --mode MODE, --active, --since WHEN, --until WHEN, --db\n"
    "PATH (as for dtree sessions), -h/--help.\n\n" EXIT_HELP_QUERY;

typedef struct rep_opts {
    dt_rec_filter f;
    const char *db, *since, *until, *format, *only, *out;
    size_t top;
    int sql;
} rep_opts;

static int parse_one(const char *cmd, int argc, char **argv, int *i, rep_opts *o)
{
    static const char *const names[] = {"--tree",   "--agent", "--mode", "--since", "--until",
                                        "--format", "--only",  "--db",   "--out",   "--top"};
    const char **dst[] = {&o->f.tree,  &o->f.agent, &o->f.mode, &o->since, &o->until,
                          &o->format,  &o->only,    &o->db,     &o->out,   NULL};
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
            return rd_eprintf("%s: missing value after '%s'", cmd, names[k]), EXIT_USAGE;
        if (dst[k])
            *dst[k] = val;
        else if (strspn(val, "0123456789") != strlen(val) || !*val ||
                 (o->top = (size_t)strtoul(val, NULL, 10)) == 0)
            return rd_eprintf("%s: --top needs a positive number, not '%s'", cmd, val),
                   EXIT_USAGE;
        return 0;
    }
    rd_eprintf("%s: unknown option '%s'; see 'dtree help %s'", cmd, argv[*i], cmd);
    return EXIT_USAGE;
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
            return rd_eprintf("%s: unexpected argument '%s'", cmd, argv[i]), EXIT_USAGE;
        if ((rc = parse_one(cmd, argc, argv, &i, o)) != 0)
            return rc;
    }
    if (o->since && rh_parse_time(o->since, &o->f.since_ms) != 0)
        return rd_eprintf("%s: --since '%s' is not a date or a duration like 7d", cmd, o->since),
               EXIT_USAGE;
    if (o->until && rh_parse_time(o->until, &o->f.until_ms) != 0)
        return rd_eprintf("%s: --until '%s' is not a date or a duration like 7d", cmd, o->until),
               EXIT_USAGE;
    return 0;
}

static int fail(dt_error *err, dt_status st)
{
    rd_eprintf("%s", dt_error_count(err) ? dt_error_text(err) : dt_status_str(st));
    return st == DT_ENOMEM ? EXIT_INTERNAL : EXIT_IO;
}

/* ---- step titles ----------------------------------------------------------------------------- */

/* Trees loaded from the recorded files, to show "Title [id]" for recorded step ids.  A tree id is
 * looked up once; a file that no longer loads leaves its steps as bare ids. */
typedef struct titles {
    dt_recorder *rec;
    dt_tree **trees;
    char **tried;     /* tree ids already looked up */
    size_t ntrees, ntried;
} titles;

static void titles_free(titles *tc)
{
    for (size_t i = 0; i < tc->ntrees; i++)
        dt_tree_free(tc->trees[i]);
    for (size_t i = 0; i < tc->ntried; i++)
        free(tc->tried[i]);
    free(tc->trees);
    free(tc->tried);
}

static void titles_load(titles *tc, const char *tree_id)
{
    char path[4096];
    dt_tree *t = NULL;
    char **tried = realloc(tc->tried, (tc->ntried + 1) * sizeof *tried);
    if (!tried)
        return;
    tc->tried = tried;
    if (!(tried[tc->ntried] = strdup(tree_id)))
        return;
    tc->ntried++;
    if (dt_recorder_tree_path(tc->rec, tree_id, path, sizeof path, NULL) != DT_OK ||
        dt_tree_load_file(path, NULL, &t, NULL) != DT_OK)
        return; /* titles are a help: without the file the id is shown */
    dt_tree **trees = realloc(tc->trees, (tc->ntrees + 1) * sizeof *trees);
    if (!trees) {
        dt_tree_free(t);
        return;
    }
    tc->trees = trees;
    trees[tc->ntrees++] = t;
}

static const char *title_of(titles *tc, const char *tree_id, const char *step_id)
{
    if (!tc || !tree_id || !step_id)
        return NULL;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < tc->ntrees; i++) {
            const char *t = dt_rec_step_title(tc->trees[i], tree_id, step_id);
            if (t)
                return t;
        }
        for (size_t i = 0; i < tc->ntried; i++)
            if (strcmp(tc->tried[i], tree_id) == 0)
                return NULL;
        titles_load(tc, tree_id);
    }
    return NULL;
}

/* Column of `name` in t, or -1. */
static int col_of(const dt_rec_table *t, const char *name)
{
    for (size_t c = 0; c < t->ncols; c++)
        if (strcmp(t->cols[c], name) == 0)
            return (int)c;
    return -1;
}

/* The title for row r of a table with tree and step columns; NULL when none. */
static const char *row_title(titles *tc, const dt_rec_table *t, size_t r)
{
    int ct = col_of(t, "tree"), cs = col_of(t, "step");
    if (ct < 0 || cs < 0)
        return NULL;
    return title_of(tc, t->cells[r * t->ncols + (size_t)ct], t->cells[r * t->ncols + (size_t)cs]);
}

/* ---- table view ------------------------------------------------------------------------------ */

#define MAX_CELL 60 /* characters; longer cells end in "…" */

static int ends_ms(const char *col)
{
    size_t n = strlen(col);
    return n > 3 && strcmp(col + n - 3, "_ms") == 0;
}

/* Cut a sanitised cell to MAX_CELL characters, the last one "…". */
static void cut(char *buf, size_t size)
{
    size_t n = strlen(buf);
    if (u8_length(buf) <= MAX_CELL)
        return;
    size_t at = u8_offset(buf, n, MAX_CELL - 1);
    if (at + 4 <= size)
        memcpy(buf + at, "\xe2\x80\xa6", 4); /* U+2026 and the NUL */
}

/* A cell as the table shows it: durations in seconds, steps as "Title [id]". */
static void show_cell(const dt_rec_table *t, size_t c, const char *v, const char *title,
                      char *buf, size_t size)
{
    if (!v) {
        snprintf(buf, size, "-");
    } else if (ends_ms(t->cols[c]) && t->numeric[c]) {
        snprintf(buf, size, "%.1f", strtod(v, NULL) / 1000.0);
    } else {
        char *clean = rd_sanitize(v, 0);
        char *ct = title && strcmp(t->cols[c], "step") == 0 ? rd_sanitize(title, 0) : NULL;
        if (ct)
            snprintf(buf, size, "%s [%s]", ct, clean ? clean : "?");
        else
            snprintf(buf, size, "%s", clean ? clean : "?");
        free(clean);
        free(ct);
        cut(buf, size);
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
        show_cell(t, c, t->cells[c], NULL, v, sizeof v);
        printf("  %-20s %s\n", h, v);
    }
}

/* Print s in w characters (UTF-8 aware), right-aligned for numbers. */
static void pad(const char *s, size_t w, int right)
{
    size_t n = u8_length(s);
    printf(" ");
    for (size_t i = n; right && i < w; i++)
        putchar(' ');
    fputs(s, stdout);
    for (size_t i = n; !right && i < w; i++)
        putchar(' ');
}

static void table_cell(const dt_rec_table *t, size_t r, size_t c, titles *tc, char *buf,
                       size_t size)
{
    if (r == 0)
        head_name(t, c, buf, size);
    else
        show_cell(t, c, t->cells[(r - 1) * t->ncols + c], row_title(tc, t, r - 1), buf, size);
}

static void print_table(const dt_rec_table *t, titles *tc)
{
    if (strcmp(t->name, "summary") == 0) {
        print_summary(t);
        return;
    }
    size_t w[16] = {0}, nc = t->ncols < 16 ? t->ncols : 16;
    char buf[1024];
    for (size_t c = 0; c < nc; c++)
        for (size_t r = 0; r <= t->nrows; r++) {
            table_cell(t, r, c, tc, buf, sizeof buf);
            w[c] = u8_length(buf) > w[c] ? u8_length(buf) : w[c];
        }
    printf("\n%s%s\n", t->name, t->nrows ? "" : " (none)");
    for (size_t r = 0; t->nrows && r <= t->nrows; r++) {
        for (size_t c = 0; c < nc; c++) {
            table_cell(t, r, c, tc, buf, sizeof buf);
            pad(buf, w[c], t->numeric[c] && r);
        }
        printf("\n");
    }
}

/* ---- CSV and JSON ---------------------------------------------------------------------------- */

/* One table as CSV, a "title" column after "step" when the table has steps. */
static void csv_table(FILE *f, const dt_rec_table *t, titles *tc)
{
    csv_out c;
    csv_init(&c, f);
    int cs = col_of(t, "tree") >= 0 ? col_of(t, "step") : -1;
    for (size_t k = 0; k < t->ncols; k++) {
        csv_text(&c, t->cols[k]);
        if ((int)k == cs)
            csv_text(&c, "title");
    }
    csv_row_end(&c);
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t k = 0; k < t->ncols; k++) {
            const char *v = t->cells[r * t->ncols + k];
            if (t->numeric[k])
                csv_number(&c, v);
            else
                csv_text(&c, v);
            if ((int)k == cs)
                csv_text(&c, row_title(tc, t, r));
        }
        csv_row_end(&c);
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

static json_t *json_table(const dt_rec_table *t, titles *tc)
{
    json_t *rows = json_array();
    int cs = col_of(t, "tree") >= 0 ? col_of(t, "step") : -1;
    for (size_t r = 0; rows && r < t->nrows; r++) {
        json_t *o = json_object();
        for (size_t c = 0; o && c < t->ncols; c++)
            json_object_set_new(o, t->cols[c], json_cell(t, c, t->cells[r * t->ncols + c]));
        if (o && cs >= 0) {
            const char *title = row_title(tc, t, r);
            json_object_set_new(o, "title", title ? json_string(title) : json_null());
        }
        json_array_append_new(rows, o);
    }
    if (rows && strcmp(t->name, "summary") == 0 && json_array_size(rows) == 1) {
        json_t *one = json_incref(json_array_get(rows, 0));
        json_decref(rows);
        return one;
    }
    return rows;
}

/* 15 significant digits: what SQLite's round() meant (57.1, not 57.100000000000001). */
#define JSON_FLAGS (JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(15))

/* --out DIR: DIR/NAME.csv for each table. */
static int csv_files(const dt_rec_report *r, const rep_opts *o, titles *tc)
{
    if (mkdir(o->out, 0777) != 0 && access(o->out, W_OK) != 0)
        return rd_eprintf("report: cannot write into directory %s", o->out), EXIT_IO;
    for (size_t i = 0; i < dt_rec_report_count(r); i++) {
        const dt_rec_table *t = dt_rec_report_table(r, i);
        if (o->only && strcmp(o->only, t->name) != 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.csv", o->out, t->name);
        FILE *f = fopen(path, "w");
        if (!f)
            return rd_eprintf("report: cannot write %s", path), EXIT_IO;
        csv_table(f, t, tc);
        int bad = ferror(f) != 0;
        if (fclose(f) != 0 || bad)
            return rd_eprintf("report: could not write %s", path), EXIT_IO;
    }
    return EXIT_OK;
}

static int print_report(const dt_rec_report *r, const rep_opts *o, titles *tc)
{
    int csv = o->format && strcmp(o->format, "csv") == 0;
    int json = o->format && strcmp(o->format, "json") == 0;
    if (csv && o->out)
        return csv_files(r, o, tc);
    json_t *all = json ? json_object() : NULL;
    for (size_t i = 0; i < dt_rec_report_count(r); i++) {
        const dt_rec_table *t = dt_rec_report_table(r, i);
        if (o->only && strcmp(o->only, t->name) != 0)
            continue;
        if (json)
            json_object_set_new(all, t->name, json_table(t, tc));
        else if (csv)
            csv_table(stdout, t, tc);
        else
            print_table(t, tc);
    }
    if (json) {
        int bad = json_dumpf(all, stdout, JSON_FLAGS) != 0;
        json_decref(all);
        putchar('\n');
        if (bad)
            return EXIT_IO;
    }
    return fflush(stdout) == 0 && !ferror(stdout) ? EXIT_OK : EXIT_IO;
}

static int check_report_opts(const rep_opts *o)
{
    int csv = o->format && strcmp(o->format, "csv") == 0;
    if (o->format && strcmp(o->format, "table") && !csv && strcmp(o->format, "json"))
        return rd_eprintf("report: --format is table, csv or json, not '%s'", o->format),
               EXIT_USAGE;
    if (o->only) {
        char list[256] = "";
        for (size_t i = 0; dt_rec_report_name(i); i++) {
            if (strcmp(o->only, dt_rec_report_name(i)) == 0)
                goto only_ok;
            snprintf(list + strlen(list), sizeof list - strlen(list), " %s", dt_rec_report_name(i));
        }
        return rd_eprintf("report: no table '%s' (tables:%s)", o->only, list), EXIT_USAGE;
    }
only_ok:
    if (csv && !o->only && !o->out)
        return rd_eprintf("report: CSV holds one table: give --only TABLE, or --out DIR for one "
                          "file per table"),
               EXIT_USAGE;
    if (o->out && !csv)
        return rd_eprintf("report: --out DIR is for --format csv"), EXIT_USAGE;
    return rf_check_names("report", &o->f);
}

/* --sql: exactly what the engine runs, in the store's dialect, filters as $1 .. $6. */
static int print_sql(const rep_opts *o)
{
    char sql[4096];
    char *db = rh_db_path(o->db, 0); /* only its kind matters: nothing is opened */
    for (size_t i = 0; dt_rec_report_name(i); i++) {
        if (o->only && strcmp(o->only, dt_rec_report_name(i)) != 0)
            continue;
        if (dt_recorder_report_sql_for(db, i, &o->f, o->top, sql, sizeof sql) != DT_OK) {
            free(db);
            return rd_eprintf("report: the SQL of '%s' does not fit", dt_rec_report_name(i)),
                   EXIT_INTERNAL;
        }
        printf("%s;\n", sql);
    }
    free(db);
    return fflush(stdout) == 0 ? EXIT_OK : EXIT_IO;
}

int cmd_report(int argc, char **argv)
{
    rep_opts o;
    int rc = parse("report", report_help, argc, argv, &o);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if ((rc = check_report_opts(&o)) != 0)
        return rc;
    if (o.sql)
        return print_sql(&o);
    dt_recorder *rec = NULL;
    if ((rc = rh_open_query(o.db, &rec)) != 0)
        return rc;
    if ((rc = rf_check_tree("report", rec, &o.f)) != 0) {
        dt_recorder_close(rec);
        return rc;
    }
    dt_error *err = dt_error_new();
    dt_rec_report *r = NULL;
    titles tc = {rec, NULL, NULL, 0, 0};
    dt_status st = dt_recorder_report(rec, &o.f, o.top, &r, err);
    rc = st != DT_OK ? fail(err, st) : print_report(r, &o, &tc);
    titles_free(&tc);
    dt_rec_report_free(r);
    dt_error_free(err);
    dt_recorder_close(rec);
    return rc;
}

/* ---- export ---------------------------------------------------------------------------------- */

typedef struct exp_ctx {
    int csv;
    csv_out out;
    char sid[37];
    json_t *cur;      /* jsonl: the session being collected */
    int bad;
} exp_ctx;

/* Times as epoch ms and, beside them, ISO 8601 UTC (started, ended, time). */
static const char *const csv_cols[] = {
    "session_id", "tree", "tree_version", "tree_hash", "agent", "mode", "host", "status",
    "session_outcome", "started_ms", "started", "ended_ms", "ended", "seq", "time_ms", "time",
    "kind", "event_tree", "step", "step_kind", "choice", "label", "var", "value", "text", "outcome",
    "sensitive"};

/* A time as two cells: epoch ms and ISO 8601 (both empty when there is none). */
static void csv_time(csv_out *c, int64_t ms)
{
    char iso[ISO_TIME_SIZE];
    iso_time(ms, iso);
    if (ms > 0)
        csv_int(c, ms);
    else
        csv_number(c, NULL);
    csv_number(c, iso[0] ? iso : NULL);
}

static void csv_event(csv_out *c, const dt_rec_session *s, const dt_rec_event *e)
{
    const char *a[] = {s->id,     s->tree_id, s->tree_version, s->tree_hash, s->agent,
                       s->mode,   s->host,    s->status,       s->outcome};
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++)
        csv_text(c, a[i]);
    csv_time(c, s->started_ms);
    csv_time(c, s->ended_ms);
    csv_int(c, e->seq);
    csv_time(c, e->time_ms);
    const char *b[] = {e->kind,  e->tree_id, e->step_id, e->step_kind, e->choice_id,
                       e->label, e->var,     e->value,   e->text,      e->outcome};
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
        csv_text(c, b[i]);
    csv_int(c, e->sensitive);
    csv_row_end(c);
}

/* "started": ISO 8601 beside "started_ms" (null when there is no time). */
static void json_time(json_t *o, const char *key, int64_t ms)
{
    char iso[ISO_TIME_SIZE];
    iso_time(ms, iso);
    json_object_set_new(o, key, iso[0] ? json_string(iso) : json_null());
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
        json_time(o, "started", s->started_ms);
        json_time(o, "ended", s->ended_ms);
        json_object_set_new(o, "events", json_array());
    }
    return o;
}

static int export_event(void *user, const dt_rec_session *s, const dt_rec_event *e)
{
    exp_ctx *c = user;
    if (c->csv) {
        csv_event(&c->out, s, e);
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
    if (ev)
        json_time(ev, "time", e->time_ms);
    return !ev || json_array_append_new(json_object_get(c->cur, "events"), ev) != 0 ||
           ferror(stdout);
}

int cmd_export(int argc, char **argv)
{
    rep_opts o;
    int rc = parse("export", export_help, argc, argv, &o);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if (!o.format || (strcmp(o.format, "jsonl") && strcmp(o.format, "csv")))
        return rd_eprintf("export: --format jsonl or --format csv is needed"), EXIT_USAGE;
    if ((rc = rf_check_names("export", &o.f)) != 0)
        return rc;
    dt_recorder *rec = NULL;
    if ((rc = rh_open_query(o.db, &rec)) != 0)
        return rc;
    if ((rc = rf_check_tree("export", rec, &o.f)) != 0) {
        dt_recorder_close(rec);
        return rc;
    }
    exp_ctx c;
    memset(&c, 0, sizeof c);
    c.csv = strcmp(o.format, "csv") == 0;
    if (c.csv) {
        csv_init(&c.out, stdout);
        for (size_t i = 0; i < sizeof csv_cols / sizeof csv_cols[0]; i++)
            csv_text(&c.out, csv_cols[i]);
        csv_row_end(&c.out);
    }
    dt_error *err = dt_error_new();
    dt_status st = dt_recorder_events(rec, &o.f, export_event, &c, err);
    flush_session(&c);
    rc = st != DT_OK                                      ? fail(err, st)
         : c.bad || fflush(stdout) != 0 || ferror(stdout) ? EXIT_IO
                                                          : EXIT_OK;
    dt_error_free(err);
    dt_recorder_close(rec);
    return rc;
}
