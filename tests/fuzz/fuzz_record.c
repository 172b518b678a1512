/*
 * fuzz_record.c — libFuzzer harness for everything that reads a recording: dt_recorder_open (the
 * schema check), list/get/lookup/transcript/events/report, heat for graphs, resume, and the
 * `sessions`, `show`, `report`, `export` and `graph --heat` commands run in-process.
 * At start-up it records real sessions on the bundled front-door tree (calls, inputs, a sensitive
 * value, back, restart, jump, notes, feedback, a handoff; completed, abandoned and active) into a
 * seed database.  Each input is a list of edits applied to a copy of that file: SQL edits of rows
 * (values of any type and size, deleted or duplicated rows, pragmas, a loosened schema, triggers)
 * and then raw bytes written into the file (header, page headers, anywhere).  Readers must refuse
 * or read the result without crashing; what the commands print must stay well-formed: JSON that
 * parses, a `show` transcript without raw control characters, graphs that pass fz_check_graph.
 */
#define _GNU_SOURCE
#include "fuzz_cli.h"
#include "fuzz_graphcheck.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef DT_FUZZ_TREES
#error "build with -DDT_FUZZ_TREES=\"/abs/path/to/trees\""
#endif

#define ROOT_TREE DT_FUZZ_TREES "/front-door.xml"
#define MAX_IDS 12

static const char *seed_path, *db_path;
static unsigned char *seed;
static size_t seed_len;
static dt_tree *tree;

/* ---- the seed: real sessions recorded through the public API ------------------------------- */

static int64_t seed_now = 1767225600000;
static int64_t seed_clock(void *user)
{
    (void)user;
    return seed_now += 7919;
}

static const char *const typed[] = {"12345678", "1990-04-01", "a@b.co", "+44 20 7946 0958", "3",
                                    "yes", "email", "text", "Hello there", "2026-03-02", "1"};

/* One walk: `pattern` picks the choices; every few answers a back, a note or a jump. */
static void seed_walk(dt_session *s, dt_recorder *rec, unsigned pattern, int answers)
{
    for (int i = 0; i < answers && !dt_session_ended(s); i++) {
        const dt_view *v = dt_session_view(s);
        unsigned k = pattern * 31u + (unsigned)i * 7u;
        if (v->kind == DT_STEP_QUESTION && v->choice_count)
            (void)dt_session_choose(s, k % v->choice_count, NULL);
        else if (v->kind == DT_STEP_INFO)
            (void)dt_session_continue(s, NULL);
        else if (v->kind == DT_STEP_INPUT) {
            for (size_t t = 0; t < sizeof typed / sizeof typed[0]; t++)
                if (dt_session_input(s, typed[(k + t) % (sizeof typed / sizeof typed[0])], NULL) ==
                    DT_OK)
                    break;
            if (v->option_count)
                (void)dt_session_input(s, v->options[0], NULL);
        }
        if (i % 5 == 3)
            (void)dt_session_back(s, NULL);
        if (i % 7 == 2)
            (void)dt_session_note(s, "caller \"unsure\" \x1b[31m; retry", NULL);
        if (i == 9 && pattern % 3 == 0)
            (void)dt_session_restart(s, NULL);
        if (i == 11 && pattern % 4 == 1)
            (void)dt_session_jump(s, NULL, "how-can-i-help", NULL);
        if (i == 6)
            (void)dt_recorder_feedback(rec, "it's fine \xe2\x80\xae reversed", NULL);
    }
}

static void seed_record(void)
{
    static const dt_rec_status ends[] = {DT_REC_COMPLETED, DT_REC_ABANDONED, DT_REC_ACTIVE,
                                         DT_REC_TIMED_OUT, DT_REC_TRANSFERRED, DT_REC_ACTIVE,
                                         DT_REC_COMPLETED, DT_REC_ACTIVE};
    static const char *const modes[] = {"agent", "kiosk", "scripted"};
    dt_recorder *rec = NULL;
    dt_error *err = dt_error_new();
    if (dt_recorder_open(seed_path, 0, &rec, err) != DT_OK) {
        fprintf(stderr, "fuzz_record: %s\n", dt_error_text(err));
        abort();
    }
    dt_recorder_set_clock(rec, seed_clock, NULL);
    char first_active[37] = "";
    for (unsigned n = 0; n < sizeof ends / sizeof ends[0]; n++) {
        dt_session *s = NULL;
        char id[37];
        dt_record_meta meta = {.agent = n & 1 ? "agent \"b\"" : "ann", .mode = modes[n % 3], .host = "host-1", .take_over = 0};
        FZ_CHECK(dt_session_new(tree, &s, NULL) == DT_OK);
        dt_session_set_clock(s, seed_clock, NULL);
        FZ_CHECK(dt_recorder_begin(rec, s, tree, &meta, id, err) == DT_OK);
        FZ_CHECK(dt_session_start(s, NULL) == DT_OK);
        seed_walk(s, rec, n, 6 + (int)n * 3);
        if (n == 4)
            (void)dt_recorder_set_outcome(rec, "escalated", NULL);
        if (ends[n] != DT_REC_ACTIVE)
            FZ_CHECK(dt_recorder_finish(rec, ends[n], err) == DT_OK);
        else if (!first_active[0])
            snprintf(first_active, sizeof first_active, "%s", id);
        dt_recorder_close(rec);
        dt_session_free(s);
        FZ_CHECK(dt_recorder_open(seed_path, 0, &rec, err) == DT_OK);
        dt_recorder_set_clock(rec, seed_clock, NULL);
    }
    /* a hand-off: the first active session resumed by another agent, who goes on a little */
    dt_session *s = NULL;
    dt_record_meta meta = {.agent = "bob", .mode = "agent", .host = "host-2", .take_over = 0};
    if (dt_recorder_resume(rec, first_active, tree, &meta, &s, NULL, err) == DT_OK) {
        seed_walk(s, rec, 5, 3);
        dt_recorder_close(rec);
        rec = NULL;
    }
    dt_recorder_close(rec);
    dt_session_free(s);
    dt_error_free(err);
}

static void setup(void)
{
    fz_scratch_dir("rec"); /* FZ_KEEP_DB=1 keeps it: sqlite3 DIR/fz.db shows the last edit */
    seed_path = fz_scratch_db("seed.db");
    db_path = fz_scratch_db("fz.db");
    dt_error *err = dt_error_new();
    if (dt_tree_load_file(ROOT_TREE, NULL, &tree, err) != DT_OK) {
        fprintf(stderr, "fuzz_record: %s\n", dt_error_text(err));
        abort();
    }
    dt_error_free(err);
    seed_record();
    char wal[128];
    snprintf(wal, sizeof wal, "%s-wal", seed_path);
    FZ_CHECK(access(wal, F_OK) != 0); /* closed cleanly: everything is in the main file */
    FILE *f = fopen(seed_path, "rb");
    FZ_CHECK(f && fseek(f, 0, SEEK_END) == 0);
    seed_len = (size_t)ftell(f);
    rewind(f);
    seed = malloc(seed_len);
    FZ_CHECK(seed && fread(seed, 1, seed_len, f) == seed_len && fclose(f) == 0);
}

/* ---- edits ------------------------------------------------------------------------------------ */

static const char *const session_cols[] = {"uuid",    "tree_id",    "tree_version", "tree_hash",
                                           "tree_path", "agent",    "mode",         "host",
                                           "started_ms", "ended_ms", "last_ms",     "status",
                                           "outcome", "last_tree",  "last_step",    "steps",
                                           "events",  "sid"};
static const char *const event_cols[] = {"seq",     "time_ms",  "kind",      "tree_id", "step_id",
                                         "step_kind", "choice_id", "label",  "var",     "value",
                                         "text",    "outcome",  "extra",     "sensitive",
                                         "path_length", "sid"};
static const char *const words[] = {"", "step", "answer", "set", "back", "restart", "jump", "note",
                                    "end", "handoff", "feedback", "start", "decide", "question",
                                    "input", "end", "active", "completed", "abandoned", "[redacted]",
                                    "how-can-i-help", "front-door", "printer", "/dev/zero",
                                    DT_FUZZ_TREES "/printer.xml", "..", "\x1b]0;x\a", "%s%n"};
#define NWORDS (sizeof words / sizeof words[0])

/* Bind a value chosen by the input: a word, text, an integer, NULL, a blob, a real, a long text. */
static void bind_value(sqlite3_stmt *st, fz_bytes *b)
{
    unsigned kind = fz_byte(b) % 8, n;
    static const sqlite3_int64 ints[] = {0, 1, -1, 2, 1000000, INT64_MAX, INT64_MIN, 37};
    char text[256];
    switch (kind) {
    case 0: sqlite3_bind_text(st, 1, words[fz_byte(b) % NWORDS], -1, SQLITE_STATIC); break;
    case 1:
        n = fz_byte(b) % 64;
        for (unsigned i = 0; i < n; i++)
            text[i] = (char)fz_byte(b);
        sqlite3_bind_text(st, 1, text, (int)n, SQLITE_TRANSIENT);
        break;
    case 2: sqlite3_bind_int64(st, 1, ints[fz_byte(b) % 8]); break;
    case 3: sqlite3_bind_null(st, 1); break;
    case 4:
        n = fz_byte(b) % 16;
        for (unsigned i = 0; i < n; i++)
            text[i] = (char)fz_byte(b);
        sqlite3_bind_blob(st, 1, text, (int)n, SQLITE_TRANSIENT);
        break;
    case 5: sqlite3_bind_double(st, 1, fz_byte(b) & 1 ? 1e300 : -0.5); break;
    case 6: sqlite3_bind_zeroblob(st, 1, 70000); break;
    default: {
        size_t len = 1000u << (fz_byte(b) % 8); /* up to 128 KB of one repeated character */
        char *big = malloc(len);
        memset(big, 'a' + fz_byte(b) % 26, len);
        sqlite3_bind_text(st, 1, big, (int)len, free);
    }
    }
}

static void sql_edit(sqlite3 *db, fz_bytes *b)
{
    static const char *const fixed[] = {
        "DELETE FROM events WHERE (sid, seq) = (SELECT sid, seq FROM events LIMIT 1 OFFSET ?1)",
        "INSERT OR IGNORE INTO events SELECT sid, seq + ?1, time_ms, kind, tree_id, step_id,"
        " step_kind, choice_id, label, var, value, text, outcome, extra, sensitive, path_length"
        " FROM events WHERE seq % 5 = 1",
        "DELETE FROM sessions WHERE sid = (SELECT sid FROM sessions LIMIT 1 OFFSET ?1)",
        "INSERT INTO sessions(uuid, tree_id, tree_version, tree_hash, tree_path, agent, mode, host,"
        " started_ms, last_ms, status) SELECT substr(uuid, 1, 8) || ?1, tree_id, tree_version,"
        " tree_hash, tree_path, agent, mode, host, started_ms, last_ms, status FROM sessions LIMIT 1",
        "UPDATE events SET sid = sid + ?1", "PRAGMA user_version = 1", "PRAGMA user_version = 3",
        "PRAGMA application_id = 7", "DROP INDEX events_step",
        "CREATE TRIGGER fz AFTER INSERT ON events BEGIN DELETE FROM sessions; END",
        "CREATE TABLE extra(x)", "CREATE VIEW v AS SELECT * FROM events",
        "UPDATE events SET seq = 1 - seq WHERE seq % 3 = ?1 % 3",
        "UPDATE sessions SET uuid = upper(uuid)", "DELETE FROM events WHERE kind = 'start'"};
    unsigned op = fz_byte(b);
    char sql[256];
    sqlite3_stmt *st = NULL;
    if (op < 96)
        snprintf(sql, sizeof sql,
                 "UPDATE events SET %s = ?1 WHERE (sid, seq) = (SELECT sid, seq FROM events"
                 " ORDER BY sid, seq LIMIT 1 OFFSET %u)",
                 event_cols[op % (sizeof event_cols / sizeof event_cols[0])], fz_byte(b));
    else if (op < 160)
        snprintf(sql, sizeof sql,
                 "UPDATE sessions SET %s = ?1 WHERE sid = (SELECT sid FROM sessions ORDER BY sid"
                 " LIMIT 1 OFFSET %u)",
                 session_cols[op % (sizeof session_cols / sizeof session_cols[0])], fz_byte(b) % 10);
    else
        snprintf(sql, sizeof sql, "%s", fixed[op % (sizeof fixed / sizeof fixed[0])]);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        if (op < 160)
            bind_value(st, b);
        else if (sqlite3_bind_parameter_count(st) > 0)
            sqlite3_bind_int(st, 1, (int)fz_byte(b) % 40);
        (void)sqlite3_step(st);
    }
    sqlite3_finalize(st);
}

/* The schema without its NOT NULL and CHECK constraints, so edits can store any value at all. */
static void loosen(sqlite3 *db)
{
    sqlite3_exec(db,
                 "PRAGMA writable_schema = ON;"
                 "UPDATE sqlite_master SET sql = replace(replace(sql, 'NOT NULL', ''), 'CHECK', "
                 "'/*x*/ CHECK') WHERE name IN ('events', 'sessions');"
                 "PRAGMA writable_schema = OFF;",
                 NULL, NULL, NULL);
}

/* Write the edited copy to db_path: SQL edits first (on a file), then raw bytes. */
static void make_db(const uint8_t *data, size_t size)
{
    fz_remove_db(db_path);
    fz_write_file(db_path, seed, seed_len);
    fz_bytes b = {data, size};
    unsigned flags = fz_byte(&b);
    unsigned nsql = flags & 0x80 ? 0 : (flags & 7) + (flags & 8 ? 8 : 0);
    if (nsql) {
        sqlite3 *db = NULL;
        if (sqlite3_open(db_path, &db) == SQLITE_OK) {
            sqlite3_exec(db, "PRAGMA ignore_check_constraints = ON; PRAGMA foreign_keys = OFF",
                         NULL, NULL, NULL);
            if (flags & 0x10) {
                loosen(db);
                sqlite3_close(db);
                db = NULL;
                FZ_CHECK(sqlite3_open(db_path, &db) == SQLITE_OK);
                sqlite3_exec(db, "PRAGMA ignore_check_constraints = ON", NULL, NULL, NULL);
            }
            for (unsigned i = 0; i < nsql && b.left; i++)
                sql_edit(db, &b);
        }
        sqlite3_close(db); /* the last connection: the WAL is checkpointed into the file */
    }
    if (!(flags & 0x60) || !b.left)
        return;
    FILE *g = fopen(db_path, "r+b");
    if (!g)
        return;
    fseek(g, 0, SEEK_END);
    long len = ftell(g);
    for (int i = 0; i < 16 && b.left >= 2 && len > 0; i++) {
        unsigned sel = fz_byte(&b), lo = fz_byte(&b), hi = fz_byte(&b);
        long off = sel < 64    ? (long)(lo % 100)                                 /* header */
                   : sel < 128 ? (long)(hi % (unsigned)(len / 4096 + 1)) * 4096 + lo % 16 /* page */
                               : (long)((hi << 8 | lo) * 7u % (unsigned long)len);
        unsigned n = sel % 8 + 1;
        fseek(g, off, SEEK_SET);
        for (unsigned k = 0; k < n && b.left; k++)
            fputc((int)fz_byte(&b), g);
    }
    fclose(g);
}

/* ---- readers ---------------------------------------------------------------------------------- */

typedef struct ids {
    char id[MAX_IDS][37];
    int active[MAX_IDS];
    size_t n;
} ids;

static void check_session_row(const dt_rec_session *s)
{
    const char *strs[] = {s->id,     s->tree_id, s->tree_version, s->tree_hash, s->tree_path,
                          s->agent,  s->mode,    s->host,         s->status,    s->outcome,
                          s->last_tree, s->last_step};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        FZ_CHECK(strs[i] != NULL);
}

static int on_row(void *user, const dt_rec_session *s)
{
    ids *l = user;
    check_session_row(s);
    if (l && l->n < MAX_IDS && strlen(s->id) < 37) {
        snprintf(l->id[l->n], 37, "%s", s->id);
        l->active[l->n++] = !strcmp(s->status, "active");
    }
    return 0;
}

static int on_event(void *user, const dt_rec_session *s, const dt_rec_event *e)
{
    size_t *count = user;
    check_session_row(s);
    const char *strs[] = {e->kind,  e->tree_id, e->step_id, e->step_kind, e->choice_id, e->label,
                          e->var,   e->value,   e->text,    e->outcome,   e->why};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        FZ_CHECK(strs[i] != NULL);
    return ++*count > 100000; /* bounded: stop a runaway listing */
}

typedef struct heat_ctx {
    dt_graph_heat *heat;
} heat_ctx;

static int heat_event(void *user, const dt_rec_session *s, const dt_rec_event *e)
{
    heat_ctx *h = user;
    (void)s;
    if (!strcmp(e->kind, "step"))
        (void)dt_graph_heat_add(h->heat, e->tree_id, e->step_id, NULL, 1);
    else if (!strcmp(e->kind, "answer") && e->choice_id[0])
        (void)dt_graph_heat_add(h->heat, e->tree_id, e->step_id, e->choice_id, 1);
    return 0;
}

static int heat_session(void *user, const dt_rec_session *s)
{
    heat_ctx *h = user;
    if (s->last_step[0])
        (void)dt_graph_heat_add_dropoff(h->heat, s->last_tree, s->last_step, 1);
    return 0;
}

static void read_report(dt_recorder *rec)
{
    dt_rec_report *r = NULL;
    if (dt_recorder_report(rec, NULL, 3, &r, NULL) != DT_OK) {
        FZ_CHECK(r == NULL);
        return;
    }
    for (size_t i = 0; i < dt_rec_report_count(r); i++) {
        const dt_rec_table *t = dt_rec_report_table(r, i);
        FZ_CHECK(t && t->name && (t->ncols == 0 || t->cols));
        for (size_t k = 0; k < t->nrows * t->ncols; k++)
            if (t->cells[k])
                (void)strlen(t->cells[k]);
    }
    dt_rec_report_free(r);
}

/* Everything the query API offers, on a database open read-only. */
static void read_api(ids *l)
{
    dt_recorder *rec = NULL;
    dt_error *err = dt_error_new();
    dt_status st = dt_recorder_open(db_path, DT_REC_READONLY, &rec, err);
    if (st != DT_OK) {
        FZ_CHECK(rec == NULL && *dt_error_text(err));
        if (st != DT_ENOMEM && !strstr(dt_error_text(err), "fz.db"))
            fprintf(stderr, "open refused without naming the file: %s\n", dt_error_text(err));
        FZ_CHECK(st == DT_ENOMEM || strstr(dt_error_text(err), "fz.db"));
        dt_error_free(err);
        return;
    }
    (void)dt_recorder_list(rec, NULL, on_row, l, NULL);
    dt_rec_filter f;
    dt_rec_filter_init(&f);
    f.active_only = 1;
    f.tree = "front-door";
    f.since_ms = 1767225600000;
    (void)dt_recorder_list(rec, &f, on_row, NULL, NULL);
    size_t count = 0;
    for (size_t i = 0; i < l->n; i++) {
        char full[37], prefix[9];
        (void)dt_recorder_get(rec, l->id[i], on_row, NULL, NULL);
        snprintf(prefix, sizeof prefix, "%s", l->id[i]);
        (void)dt_recorder_lookup(rec, prefix, full, NULL);
        (void)dt_recorder_transcript(rec, l->id[i], i & 1 ? NULL : tree, on_event, &count, NULL);
    }
    (void)dt_recorder_events(rec, NULL, on_event, &count, NULL);
    read_report(rec);
    heat_ctx h = {dt_graph_heat_new(tree)};
    if (h.heat && dt_recorder_events(rec, NULL, heat_event, &h, NULL) == DT_OK &&
        dt_recorder_list(rec, NULL, heat_session, &h, NULL) == DT_OK) {
        for (int m = 0; m < 2; m++) {
            fz_buf b = {0};
            FZ_CHECK(dt_tree_graph(tree, m ? DT_GRAPH_MERMAID : DT_GRAPH_DOT, h.heat, fz_buf_write,
                                   &b, NULL) == DT_OK);
            fz_check_graph(b.p, b.len, m);
            free(b.p);
        }
    }
    dt_graph_heat_free(h.heat);
    dt_recorder_close(rec);
    dt_error_free(err);
}

static void must_be_json(const char *what, const char *text, size_t len)
{
    json_error_t je;
    json_t *j = json_loadb(text, len, 0, &je);
    if (!j)
        fprintf(stderr, "%s printed no JSON (%s): %.300s\n", what, je.text, text);
    FZ_CHECK(j != NULL);
    json_decref(j);
}

/* Terminal text from the recording went through the sanitiser: no control byte but '\n'. */
static void must_be_clean(const char *what, const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        int c1 = c == 0xc2 && i + 1 < len && (unsigned char)text[i + 1] >= 0x80 &&
                 (unsigned char)text[i + 1] < 0xa0;
        if ((c < 0x20 && c != '\n') || c == 0x7f || c1) {
            fprintf(stderr, "%s printed a raw control byte 0x%02x at %zu: %.*s\n", what, c, i,
                    (int)(len - i < 80 ? len - i : 80), text + i);
            FZ_CHECK(0);
        }
    }
}

/* The commands, each on one of the ways it prints (`sel`, from the input, picks which: every
 * command loading the tree for every input would make the harness slow). */
static void read_cli(const ids *l, unsigned sel)
{
    fz_out o;
    const char *sessions[] = {"sessions", "--db", db_path, sel & 1 ? "--json" : "--active", NULL};
    fz_run_cmd(cmd_sessions, sessions, &o);
    if (o.rc == 0 && (sel & 1))
        must_be_json("sessions --json", o.text, o.len);
    free(o.text);
    if (l->n) {
        const char *show[] = {"show", "--db", db_path, l->id[sel % l->n], NULL};
        const char *show_json[] = {"show", "--db", db_path, "--json", l->id[sel % l->n], NULL};
        fz_run_cmd(cmd_show, sel & 2 ? show_json : show, &o);
        if (sel & 2 && o.rc == 0)
            must_be_json("show --json", o.text, o.len);
        else if (!(sel & 2))
            must_be_clean("show", o.text, o.len);
        free(o.text);
    }
    static const char *const formats[] = {"table", "json", "csv"};
    const char *report[] = {"report", "--db", db_path, "--format", formats[(sel >> 2) % 3], NULL};
    fz_run_cmd(cmd_report, report, &o);
    if (o.rc == 0 && (sel >> 2) % 3 == 1)
        must_be_json("report --format json", o.text, o.len);
    free(o.text);
    int csv = (sel >> 4) & 1;
    const char *export[] = {"export", "--db", db_path, "--format", csv ? "csv" : "jsonl", NULL};
    fz_run_cmd(cmd_export, export, &o);
    for (char *line = o.text, *nl; !csv && line && *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (!nl)
            break; /* a cut last line: the command failed part-way (it said so) */
        must_be_json("export --format jsonl", line, (size_t)(nl - line));
    }
    free(o.text);
    if (sel & 0x20) {
        int m = (sel >> 6) & 1;
        const char *graph[] = {"graph", "--heat", db_path, "--format", m ? "mermaid" : "dot",
                               ROOT_TREE, NULL};
        fz_run_cmd(cmd_graph, graph, &o);
        if (o.rc == 0)
            fz_check_graph(o.text, o.len, m);
        free(o.text);
    }
}

/* Resume every active session (read-write: the schema check and migrations run), go on one
 * step, close.  Last, since it writes to the file. */
static void resume_all(const ids *l)
{
    for (size_t i = 0; i < l->n; i++) {
        if (!l->active[i] && (i & 1))
            continue; /* a few finished ones too: they must be refused cleanly */
        dt_recorder *rec = NULL;
        dt_error *err = dt_error_new();
        if (dt_recorder_open(db_path, DT_REC_NOCREATE, &rec, err) != DT_OK) {
            FZ_CHECK(rec == NULL && *dt_error_text(err));
            dt_error_free(err);
            return;
        }
        dt_recorder_set_busy_timeout(rec, 100);
        dt_session *s = NULL;
        dt_rec_resume info;
        dt_record_meta meta = {.agent = "fuzz", .mode = "agent", .host = "fuzz-host", .take_over = 0};
        dt_status st = dt_recorder_resume(rec, l->id[i], tree, &meta, &s, &info, err);
        FZ_CHECK((st == DT_OK) == (s != NULL));
        if (st != DT_OK)
            FZ_CHECK(*dt_error_text(err));
        if (s) {
            fz_check_session(s);
            const dt_view *v = dt_session_view(s);
            if (v && v->kind == DT_STEP_QUESTION)
                (void)dt_session_choose(s, 0, NULL);
            else if (v && v->kind == DT_STEP_INFO)
                (void)dt_session_continue(s, NULL);
            fz_check_session(s);
            (void)dt_recorder_finish(rec, i & 2 ? DT_REC_ABANDONED : DT_REC_ACTIVE, NULL);
        }
        dt_recorder_close(rec);
        dt_session_free(s);
        dt_error_free(err);
    }
}

/* The seed is recorded here, before libFuzzer's per-input timeout applies: with every write
 * synced it takes seconds on a busy disk. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setup();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    make_db(data, size);
    ids l = {0};
    read_api(&l);
    read_cli(&l, size ? data[size - 1] ^ data[0] : 0);
    resume_all(&l);
    return 0;
}
