/*
 * fuzz_calls.c — libFuzzer harness for call resolution on real files and symbolic links
 * (engine/load_resolve.c).  Input: NUL-separated segments; the first is a control string, the
 * others are tree files.  Control byte j names file j (root.xml, a.xml, sub/b.xml, ...,
 * ../outside/x.xml); the bytes after those each make one entry of a fixed set of links and odd
 * files (a link to a sibling, up a directory, out of the library, to /etc/passwd or /dev/zero,
 * to itself, dangling, a directory link, a FIFO).  Then LIB/root.xml is loaded with LIB as the
 * library, once by absolute and once by relative path, and must load or fail with a message;
 * every file of a loaded bundle must really lie inside LIB, and a walk over it must stay sound.
 */
#define _GNU_SOURCE
#include "fuzz_common.h"

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

static char lib[96], rlib[PATH_MAX];

static const char *const names[] = {"root.xml", "a.xml", "sub/b.xml", "sub/c.xml",
                                    "../outside/x.xml", "d.xml", "sub/deeper/e.xml", "f.xml"};
#define NNAMES (sizeof names / sizeof names[0])

typedef struct link_def {
    const char *name, *target; /* target NULL: a FIFO */
} link_def;
static const link_def links[] = {
    {"link.xml", "a.xml"},          {"sub/up.xml", "../root.xml"},
    {"out.xml", "../outside/x.xml"}, {"abs.xml", "/etc/passwd"},
    {"dev.xml", "/dev/zero"},       {"loop.xml", "loop.xml"},
    {"dangling.xml", "nothing.xml"}, {"dirlink", "sub"},
    {"outdir", "../outside"},        {"fifo.xml", NULL},
    {"chain.xml", "link.xml"},       {"sub/abs-lib.xml", NULL /* set at start: LIB/a.xml */},
    {"stdin.xml", "/dev/stdin"},     {"root-link.xml", "root.xml"},
    {"sub/deeper/up2.xml", "../../out.xml"}, {"self-dir", "."}};
#define NLINKS (sizeof links / sizeof links[0])

static void rm_rf_known(void)
{
    char p[PATH_MAX];
    for (size_t i = 0; i < NNAMES; i++) {
        snprintf(p, sizeof p, "%s/%s", lib, names[i]);
        unlink(p);
    }
    for (size_t i = 0; i < NLINKS; i++) {
        snprintf(p, sizeof p, "%s/%s", lib, links[i].name);
        unlink(p);
    }
}

/* The directories, then every name a file or link may take (removed at exit, files first). */
static void setup(void)
{
    char p[PATH_MAX];
    fz_scratch_dir("calls");
    snprintf(lib, sizeof lib, "%s", fz_scratch_mkdir("lib"));
    fz_scratch_mkdir("lib/sub");
    fz_scratch_mkdir("lib/sub/deeper");
    fz_scratch_mkdir("outside");
    FZ_CHECK(realpath(lib, rlib) != NULL);
    for (size_t i = 0; i < NNAMES; i++) {
        snprintf(p, sizeof p, "lib/%s", names[i]);
        fz_scratch_path(p);
    }
    for (size_t i = 0; i < NLINKS; i++) {
        snprintf(p, sizeof p, "lib/%s", links[i].name);
        fz_scratch_path(p);
    }
}

static void make_link(const link_def *l, size_t i)
{
    char p[PATH_MAX], t[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", lib, l->name);
    if (i == 9) {
        (void)mkfifo(p, 0600);
        return;
    }
    if (i == 11)
        snprintf(t, sizeof t, "%s/a.xml", lib);
    else
        snprintf(t, sizeof t, "%s", l->target);
    (void)symlink(t, p);
}

static int inside_lib(const char *path)
{
    char rp[PATH_MAX];
    size_t n = strlen(rlib);
    return realpath(path, rp) && strncmp(rp, rlib, n) == 0 && rp[n] == '/';
}

static void walk(const dt_tree *t, const uint8_t *data, size_t size)
{
    dt_session *s = NULL;
    FZ_CHECK(dt_session_new(t, &s, NULL) == DT_OK);
    fz_events ev = {0};
    dt_session_set_observer(s, fz_observer, &ev);
    dt_session_set_clock(s, fz_clock, NULL);
    fz_bytes b = {data, size};
    if (dt_session_start(s, NULL) == DT_OK) {
        for (int i = 0; i < 32 && b.left; i++) {
            const dt_view *v = dt_session_view(s);
            unsigned k = fz_byte(&b);
            if (k % 5 == 4)
                (void)dt_session_back(s, NULL);
            else if (v->kind == DT_STEP_QUESTION)
                (void)dt_session_choose(s, k % (v->choice_count + 1), NULL);
            else if (v->kind == DT_STEP_INFO)
                (void)dt_session_continue(s, NULL);
            else if (v->kind == DT_STEP_INPUT)
                (void)dt_session_input(s, "1", NULL);
            fz_check_session(s);
        }
    }
    dt_session_free(s);
}

static void load(const char *path, const char *libdir, const uint8_t *data, size_t size)
{
    dt_load_options o;
    dt_load_options_init(&o);
    o.library_dir = libdir;
    o.max_bytes = 64 * 1024;
    dt_tree *t = NULL;
    dt_error *err = dt_error_new();
    dt_status st = dt_tree_load_file(path, &o, &t, err);
    FZ_CHECK((st == DT_OK) == (t != NULL));
    if (getenv("FZ_VERBOSE")) /* what a reproducer did */
        fprintf(stderr, "load %s: %s, %zu files\n", path, st ? dt_error_text(err) : "ok",
                t ? dt_tree_file_count(t) : 0);
    if (st != DT_OK)
        FZ_CHECK(dt_error_errors(err) > 0 && *dt_error_text(err));
    dt_error_free(err);
    if (!t)
        return;
    for (size_t i = 0; i < dt_tree_file_count(t); i++) {
        const char *fp = dt_tree_file_path(t, i);
        if (!inside_lib(fp))
            fprintf(stderr, "bundle file %zu is outside the library %s: %s\n", i, rlib, fp);
        FZ_CHECK(inside_lib(fp));
    }
    dt_error *diags = dt_error_new();
    (void)dt_tree_check(t, 0, diags);
    dt_error_free(diags);
    walk(t, data, size);
    dt_tree_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!lib[0])
        setup();
    if (size > 65536)
        return 0;
    rm_rf_known();
    const uint8_t *ctl = data, *end = data + size;
    const uint8_t *nul = memchr(data, 0, size);
    size_t nctl = nul ? (size_t)(nul - data) : size;
    const uint8_t *seg = nul ? nul + 1 : end;
    size_t file = 0;
    while (seg < end && file < NNAMES) {
        const uint8_t *next = memchr(seg, 0, (size_t)(end - seg));
        size_t len = next ? (size_t)(next - seg) : (size_t)(end - seg);
        const char *name = names[(file < nctl ? ctl[file] : file) % NNAMES];
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/%s", lib, name);
        FILE *f = fopen(p, "wb");
        if (f) {
            fwrite(seg, 1, len, f);
            fclose(f);
        }
        file++;
        seg = next ? next + 1 : end;
    }
    for (size_t i = file; i < nctl; i++)
        make_link(&links[ctl[i] % NLINKS], ctl[i] % NLINKS);
    char root[PATH_MAX];
    snprintf(root, sizeof root, "%s/root.xml", lib);
    load(root, lib, data, size);
    if (size & 1) { /* relative path, library from the root file's directory */
        char cwd[PATH_MAX];
        FZ_CHECK(getcwd(cwd, sizeof cwd) != NULL);
        FZ_CHECK(chdir(lib) == 0);
        load("sub/../root.xml", NULL, data, size);
        FZ_CHECK(chdir(cwd) == 0);
    }
    return 0;
}
