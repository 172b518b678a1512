/*
 * fuzz_common.h — helpers shared by the libFuzzer harnesses (header-only: each harness is one
 * program).  The checks here are the oracles beyond "no crash": a view, the path and the variables
 * must stay well-formed after any action, and a refused or failing action must change nothing and
 * emit no event.  A broken invariant aborts, which libFuzzer reports as a crash with the input.
 */
#ifndef DTREE_FUZZ_COMMON_H
#define DTREE_FUZZ_COMMON_H

#include "dtree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FZ_CHECK(cond)                                                                        \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "fuzz invariant broken: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
            abort();                                                                          \
        }                                                                                     \
    } while (0)

/* A broken invariant that another change is known to fix: reported once and tolerated, unless
 * FZ_STRICT=1 (run.sh replays tests/fuzz/known/NAME/ that way and says when one starts passing). */
#define FZ_KNOWN(id, cond)                                                                   \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            static int told;                                                                  \
            const char *strict = getenv("FZ_STRICT");                                         \
            if (strict && *strict == '1') {                                                   \
                fprintf(stderr, "fuzz invariant broken (known issue %s): %s (%s:%d)\n", id,   \
                        #cond, __FILE__, __LINE__);                                           \
                abort();                                                                      \
            }                                                                                 \
            if (!told++)                                                                      \
                fprintf(stderr, "fuzz: known issue %s seen (tolerated)\n", id);               \
        }                                                                                     \
    } while (0)

/* Where to put scratch files: $TMPDIR, else /dev/shm when there is one (memory: the recorder's
 * synced writes cost nothing there), else /tmp.  Short, so paths built on it fit. */
static inline const char *fz_tmpdir(void)
{
    const char *tmp = getenv("TMPDIR");
    if (tmp && *tmp && strlen(tmp) < 32)
        return tmp;
    FILE *probe = fopen("/dev/shm/.dtfuzz-probe", "w");
    if (probe) {
        fclose(probe);
        remove("/dev/shm/.dtfuzz-probe");
        return "/dev/shm";
    }
    return "/tmp";
}

/* Scratch files: one directory under fz_tmpdir() per harness, made on first use and removed at
 * exit with every path named through fz_scratch_path (in reverse order, so name a directory before
 * what goes in it).  FZ_KEEP_DB=1 keeps it, to look at what the last input left there. */
typedef struct fz_scratch {
    char dir[64];
    char path[40][128];
    size_t n;
} fz_scratch;

static inline fz_scratch *fz_scratch_state(void)
{
    static fz_scratch sc;
    return &sc;
}

static inline void fz_scratch_cleanup(void)
{
    fz_scratch *sc = fz_scratch_state();
    if (getenv("FZ_KEEP_DB")) {
        fprintf(stderr, "fuzz: kept %s\n", sc->dir);
        return;
    }
    while (sc->n)
        remove(sc->path[--sc->n]);
    rmdir(sc->dir);
}

/* The directory "TMP/dtfuzz-NAME.XXXXXX" (NAME: the harness). */
static inline const char *fz_scratch_dir(const char *name)
{
    fz_scratch *sc = fz_scratch_state();
    if (!sc->dir[0]) {
        snprintf(sc->dir, sizeof sc->dir, "%s/dtfuzz-%s.XXXXXX", fz_tmpdir(), name);
        FZ_CHECK(mkdtemp(sc->dir) != NULL);
        atexit(fz_scratch_cleanup);
    }
    return sc->dir;
}

/* DIR/rel (after fz_scratch_dir), removed at exit; the string lives as long as the program. */
static inline const char *fz_scratch_path(const char *rel)
{
    fz_scratch *sc = fz_scratch_state();
    FZ_CHECK(sc->dir[0] && sc->n < sizeof sc->path / sizeof sc->path[0]);
    int len = snprintf(sc->path[sc->n], sizeof sc->path[0], "%s/%s", sc->dir, rel);
    FZ_CHECK(len > 0 && (size_t)len < sizeof sc->path[0]);
    return sc->path[sc->n++];
}

/* DIR/rel made as a directory. */
static inline const char *fz_scratch_mkdir(const char *rel)
{
    const char *p = fz_scratch_path(rel);
    FZ_CHECK(mkdir(p, 0700) == 0);
    return p;
}

/* DIR/rel for a SQLite database: its -wal, -shm and -journal files are removed with it. */
static inline const char *fz_scratch_db(const char *rel)
{
    static const char *const side[] = {"", "-wal", "-shm", "-journal"};
    const char *db = NULL;
    for (size_t i = 0; i < sizeof side / sizeof side[0]; i++) {
        char p[96];
        snprintf(p, sizeof p, "%s%s", rel, side[i]);
        const char *q = fz_scratch_path(p);
        db = db ? db : q;
    }
    return db;
}

/* Remove a database written at db and its side files (between inputs). */
static inline void fz_remove_db(const char *db)
{
    static const char *const side[] = {"-wal", "-shm", "-journal"};
    remove(db);
    for (size_t i = 0; i < sizeof side / sizeof side[0]; i++) {
        char p[160];
        snprintf(p, sizeof p, "%s%s", db, side[i]);
        remove(p);
    }
}

/* Write n bytes to path (replacing it). */
static inline void fz_write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    FZ_CHECK(f && fwrite(data, 1, n, f) == n && fclose(f) == 0);
}

/* A byte source reading the input from its end backwards (so the actions can live in a trailing
 * XML comment while the front of the input is the tree). */
typedef struct fz_bytes {
    const unsigned char *data;
    size_t left;
} fz_bytes;

static inline unsigned fz_byte(fz_bytes *b)
{
    if (!b->left)
        return 0;
    return b->data[--b->left];
}

static inline int64_t fz_clock(void *user)
{
    (void)user;
    return 1767225600000; /* fixed: walks are reproducible */
}

/* Events: every string an observer may read must be there; count them per action. */
typedef struct fz_events {
    size_t count;
} fz_events;

static inline void fz_observer(void *user, const dt_event *ev)
{
    fz_events *e = user;
    FZ_CHECK(ev && ev->kind <= DT_EV_END);
    FZ_CHECK(ev->step_kind <= DT_STEP_END);
    const char *strs[] = {ev->tree_id, ev->step_id, ev->choice_id, ev->label, ev->var, ev->value,
                          ev->text, ev->outcome};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (strs[i])
            (void)strlen(strs[i]);
    if (ev->kind == DT_EV_SET)
        FZ_CHECK(ev->var != NULL);
    e->count++;
}

static inline void fz_check_view(const dt_session *s)
{
    const dt_view *v = dt_session_view(s);
    if (!v)
        return;
    FZ_CHECK(v->kind == DT_STEP_QUESTION || v->kind == DT_STEP_INFO || v->kind == DT_STEP_INPUT ||
             v->kind == DT_STEP_END);
    FZ_CHECK(v->tree_id && v->tree_title && v->step_id && v->step_title && v->note && v->retry &&
             v->outcome && v->handoff_text && v->handoff_step);
    (void)strlen(v->step_title);
    (void)strlen(v->handoff_text);
    FZ_CHECK(v->say_count == 0 || v->say);
    for (size_t i = 0; i < v->say_count; i++)
        FZ_CHECK(v->say[i].text && strlen(v->say[i].text) < ((size_t)1 << 24) &&
                 v->say[i].audience <= DT_AUD_CUSTOMER);
    FZ_CHECK(v->choice_count == 0 || v->choices);
    for (size_t i = 0; i < v->choice_count; i++)
        FZ_CHECK(v->choices[i].id && v->choices[i].label && v->choices[i].audience <= DT_AUD_CUSTOMER);
    if (v->kind != DT_STEP_QUESTION)
        FZ_CHECK(v->choice_count == 0);
    if (v->kind == DT_STEP_INPUT) {
        FZ_CHECK(v->var && *v->var && v->input_type <= DT_VAR_CHOICE);
        FZ_CHECK(dt_session_var_get(s, v->var) != NULL);
        FZ_CHECK(v->option_count == 0 || v->options);
        for (size_t i = 0; i < v->option_count; i++)
            FZ_CHECK(v->options[i]);
    }
    FZ_CHECK((v->kind == DT_STEP_END) == (dt_session_ended(s) != 0));
    FZ_CHECK(!dt_session_ended(s) || dt_session_outcome(s));
    FZ_CHECK(v->step_number >= 1);
    FZ_CHECK(v->call_depth <= DT_MAX_CALL_DEPTH);
}

static inline void fz_check_session(const dt_session *s)
{
    fz_check_view(s);
    size_t np = dt_session_path_count(s);
    for (size_t i = 0; i < np; i++) {
        const dt_path_entry *e = dt_session_path_get(s, i);
        FZ_CHECK(e && e->tree_id && e->step_id && e->step_title && e->kind <= DT_STEP_END);
        FZ_CHECK(e->note_count == 0 || e->notes);
        for (size_t j = 0; j < e->note_count; j++)
            FZ_CHECK(e->notes[j]);
        if (e->answer)
            (void)strlen(e->answer);
    }
    FZ_CHECK(dt_session_path_get(s, np) == NULL);
    size_t nv = dt_session_var_count(s);
    for (size_t i = 0; i < nv; i++) {
        const dt_var_view *v = dt_session_var(s, i);
        FZ_CHECK(v && v->name && v->value && v->type <= DT_VAR_CHOICE);
        const char *again = dt_session_var_get(s, v->name);
        FZ_CHECK(again != NULL);
    }
    FZ_CHECK(dt_session_var(s, nv) == NULL);
}

/* What must not change when an action is refused or fails. */
typedef struct fz_snap {
    int has_view, ended;
    char tree[256], step[256];
    size_t path;
} fz_snap;

static inline void fz_snap_take(const dt_session *s, fz_snap *sn)
{
    const dt_view *v = dt_session_view(s);
    memset(sn, 0, sizeof *sn);
    sn->has_view = v != NULL;
    sn->ended = dt_session_ended(s);
    sn->path = dt_session_path_count(s);
    if (v) {
        snprintf(sn->tree, sizeof sn->tree, "%s", v->tree_id);
        snprintf(sn->step, sizeof sn->step, "%s", v->step_id);
    }
}

static inline int fz_snap_same(const dt_session *s, const fz_snap *a)
{
    fz_snap b;
    fz_snap_take(s, &b);
    return a->has_view == b.has_view && a->ended == b.ended && a->path == b.path &&
           !strcmp(a->tree, b.tree) && !strcmp(a->step, b.step);
}

/* Output collected in memory (a dt_tree_graph writer; b->p is NUL-terminated, free it). */
typedef struct fz_buf {
    char *p;
    size_t len, cap;
} fz_buf;

static inline int fz_buf_write(void *ud, const char *s, size_t n)
{
    fz_buf *b = ud;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return 1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
    return 0;
}

#endif
