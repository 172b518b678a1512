/*
 * fuzz_load.c — libFuzzer harness: the whole input is a tree file loaded from memory (64 KiB cap,
 * no calls).  When it loads, a session walks it, driven by the input's bytes read from the end
 * (a trailing XML comment is a natural place for them): choose, continue, input, back, restart,
 * jump, set_var, note, choose by label.  After every action the view, path and variables must be
 * well-formed; a refused or failing action must leave the session where it was and emit nothing;
 * a successful answer undone by back must return to the same step and path length.  An input that
 * names a tree ("tree=") is loaded a second time with calls, as a file that can call itself.
 */
#define _GNU_SOURCE
#include "fuzz_common.h"

#include <stdint.h>
#include <unistd.h>

#define MAX_ACTIONS 96

static const char *const values[] = {
    "", " ", "0", "1", "-1", "3.5", "1e3", "NaN", "yes", "no", "true", "2026-02-29", "2024-02-29",
    "a@b.co", "+44 (20) 7946-0958", "basic", "BASIC", "12345678", "\xe2\x80\xae", "{x}", "x\ny",
    "99999999999999999999999", "-0", ".5", "5.", "0x10", "2026-13-01", "  premium  "};
#define NVALUES (sizeof values / sizeof values[0])

/* A string from the input bytes (at most 31 bytes, may be empty or odd UTF-8). */
static const char *byte_string(fz_bytes *b, char *buf)
{
    unsigned n = fz_byte(b) % 32;
    unsigned i = 0;
    for (; i < n && b->left; i++)
        buf[i] = (char)fz_byte(b);
    buf[i] = 0;
    return buf;
}

static const char *pick_value(fz_bytes *b, char *buf)
{
    unsigned k = fz_byte(b);
    return k < 2 * NVALUES ? values[k % NVALUES] : byte_string(b, buf);
}

/* A step id to jump to: one from the path (by index), the view's, or arbitrary bytes. */
static void pick_target(const dt_session *s, fz_bytes *b, char *buf, const char **tree,
                        const char **step)
{
    unsigned k = fz_byte(b);
    size_t np = dt_session_path_count(s);
    *tree = NULL;
    if (np && k < 200) {
        const dt_path_entry *e = dt_session_path_get(s, (k * 7u) % np);
        *step = e->step_id;
        if (k & 1)
            *tree = e->tree_id;
        return;
    }
    *step = byte_string(b, buf);
}

static dt_status one_action(dt_session *s, unsigned op, fz_bytes *b, int *undoable)
{
    char buf[40];
    const dt_view *v = dt_session_view(s);
    *undoable = 0;
    switch (op) {
    case 0: *undoable = 1; return dt_session_choose(s, fz_byte(b) % ((v ? v->choice_count : 0) + 2), NULL);
    case 1: *undoable = 1; return dt_session_continue(s, NULL);
    case 2: *undoable = 1; return dt_session_input(s, pick_value(b, buf), NULL);
    case 3: return dt_session_back(s, NULL);
    case 4: return dt_session_restart(s, NULL);
    case 5: {
        const char *tree, *step;
        pick_target(s, b, buf, &tree, &step);
        *undoable = 1;
        return dt_session_jump(s, tree, step, NULL);
    }
    case 6: {
        size_t nv = dt_session_var_count(s);
        const char *name = nv ? dt_session_var(s, fz_byte(b) % nv)->name : "x";
        char nbuf[64];
        snprintf(nbuf, sizeof nbuf, "%s", name);
        return dt_session_set_var(s, nbuf, pick_value(b, buf), NULL);
    }
    case 7: return dt_session_note(s, pick_value(b, buf), NULL);
    default: {
        const char *label = pick_value(b, buf);
        char lbuf[64];
        if (v && v->choice_count && (fz_byte(b) & 1)) {
            /* a prefix of an offered label, so prefix matching is reached */
            const char *l = v->choices[fz_byte(b) % v->choice_count].label;
            snprintf(lbuf, sizeof lbuf, "%.*s", (int)(fz_byte(b) % 12 + 1), l);
            label = lbuf;
        }
        *undoable = 1;
        return dt_session_choose_label(s, label, NULL);
    }
    }
}

/* After a successful answer, back must bring the session to where it was (sometimes checked). */
static void check_back(dt_session *s, const fz_snap *before, fz_events *ev)
{
    if (!before->has_view)
        return;
    dt_error *err = dt_error_new();
    dt_status st = dt_session_back(s, err);
    if (st != DT_OK)
        fprintf(stderr, "back after an answer: %s\n", dt_error_text(err));
    FZ_CHECK(st == DT_OK || st == DT_ENOMEM);
    dt_error_free(err);
    if (st == DT_OK)
        FZ_CHECK(fz_snap_same(s, before));
    fz_check_session(s);
    (void)ev;
}

static void walk(dt_session *s, fz_bytes *b)
{
    fz_events ev = {0};
    dt_session_set_observer(s, fz_observer, &ev);
    dt_session_set_clock(s, fz_clock, NULL);
    if (dt_session_start(s, NULL) != DT_OK) {
        FZ_CHECK(dt_session_view(s) == NULL);
        return;
    }
    fz_check_session(s);
    for (int i = 0; i < MAX_ACTIONS && b->left; i++) {
        unsigned op = fz_byte(b);
        fz_snap before;
        int undoable;
        fz_snap_take(s, &before);
        ev.count = 0;
        dt_status st = one_action(s, op % 9, b, &undoable);
        fz_check_session(s);
        if (st != DT_OK) {
            FZ_CHECK(ev.count == 0);
            FZ_CHECK(fz_snap_same(s, &before));
        } else if (undoable && (op & 0x80)) {
            check_back(s, &before, &ev);
        }
    }
    dt_session_set_observer(s, NULL, NULL);
}

/* Load from memory; on success walk a session over it. */
static void load_and_walk(const uint8_t *data, size_t size, const char *name, unsigned flags,
                          const char *libdir)
{
    dt_load_options o;
    dt_load_options_init(&o);
    o.max_bytes = 64 * 1024;
    o.flags = flags;
    o.library_dir = libdir;
    dt_tree *t = NULL;
    dt_error *err = dt_error_new();
    dt_status st = dt_tree_load_memory((const char *)data, size, name, &o, &t, err);
    FZ_CHECK((st == DT_OK) == (t != NULL));
    if (st != DT_OK) {
        FZ_CHECK(dt_error_errors(err) > 0);
        FZ_CHECK(*dt_error_text(err));
    }
    for (size_t i = 0; i < dt_error_count(err); i++) {
        char line[64];
        dt_diag_format(dt_error_get(err, i), line, sizeof line);
    }
    dt_error_free(err);
    if (!t)
        return;
    FZ_CHECK(dt_tree_step_count(t) > 0);
    (void)strlen(dt_tree_id(t));
    (void)strlen(dt_tree_hash(t));
    dt_session *s = NULL;
    if (dt_session_new(t, &s, NULL) == DT_OK) {
        fz_bytes b = {data, size};
        walk(s, &b);
    }
    dt_session_free(s);
    dt_tree_free(t);
}

/* Calls: the input is also written as DIR/fuzz.xml, so a tree that calls or jumps to "fuzz.xml"
 * calls itself (cycles, the depth limit, returns with results). */
static const char *dir, *self;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    load_and_walk(data, size, "fuzz.xml", DT_LOAD_NO_CALLS, NULL);
    if (size > 6 && memmem(data, size, "tree=", 5)) {
        if (!dir) {
            dir = fz_scratch_dir("load");
            self = fz_scratch_path("fuzz.xml");
        }
        fz_write_file(self, data, size);
        load_and_walk(data, size, self, 0, dir);
    }
    return 0;
}
