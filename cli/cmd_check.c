/*
 * cmd_check.c — `dtree check PATH...`: load each tree (the loader's errors) and run dt_tree_check
 * (the authors' warnings), printing every diagnostic gcc-style or as JSON.  Directories are searched
 * recursively for *.xml in name order, so output is stable.  A file met twice (named, and called
 * by another file) reports each diagnostic once.
 */
#include "commands.h"
#include "exitcodes.h"
#include "xmlfiles.h"
#include "render.h"

#include "dtree.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char usage_text[] =
    "Usage: dtree check [OPTIONS] PATH...\n"
    "Check tree files (directories: every *.xml below them) and report every problem found,\n"
    "one per line: FILE:LINE:COL: error|warning: MESSAGE [CHECK-ID]  (docs/checks.md).\n\n"
    "  --format text|json  output format (default text)\n"
    "  -Werror             treat warnings as errors\n"
    "  --max-bytes N       largest tree file accepted (default 16 MiB)\n"
    "  -h, --help          this help\n\n"
    "Exit status: 0 no errors (warnings allowed unless -Werror), 1 problems found,\n"
    "2 usage, 3 a PATH does not exist or holds no tree, 6 internal error.\n";

typedef struct seen {
    uint64_t *slots;    /* open addressing of line hashes, 0 = empty */
    size_t cap, count;
} seen;

typedef struct checker {
    int json, werror;
    size_t errors, warnings, nfiles, unchecked;
    seen lines;
    json_t *diags;
} checker;

static uint64_t fnv(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h ? h : 1;
}

/* 1 when the line was printed before; otherwise remembers it. */
static int seen_before(seen *s, const char *line)
{
    if (s->count * 2 >= s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        uint64_t *slots = calloc(cap, sizeof *slots);
        if (!slots)
            return 0;
        for (size_t i = 0; i < s->cap; i++)
            for (size_t j = s->slots[i] & (cap - 1); s->slots[i]; j = (j + 1) & (cap - 1))
                if (!slots[j]) {
                    slots[j] = s->slots[i];
                    break;
                }
        free(s->slots);
        s->slots = slots;
        s->cap = cap;
    }
    uint64_t h = fnv(line);
    size_t j = h & (s->cap - 1);
    for (; s->slots[j]; j = (j + 1) & (s->cap - 1))
        if (s->slots[j] == h)
            return 1;
    s->slots[j] = h;
    s->count++;
    return 0;
}

static void report(checker *c, const dt_diag *d)
{
    char buf[2048];
    dt_diag_format(d, buf, sizeof buf);
    if (seen_before(&c->lines, buf))
        return;
    c->errors += d->severity == DT_SEV_ERROR;
    c->warnings += d->severity == DT_SEV_WARNING;
    c->unchecked += d->severity == DT_SEV_NOTE && strcmp(d->check, "not-checked") == 0;
    if (c->json) {
        static const char *const sev[] = {"error", "warning", "note"};
        json_array_append_new(
            c->diags, json_pack("{s:s, s:i, s:i, s:s, s:s, s:s}", "file", d->file, "line",
                                (json_int_t)d->line, "column", (json_int_t)d->column, "severity",
                                sev[d->severity % 3], "check", d->check, "message", d->message));
        return;
    }
    char *clean = rd_sanitize(buf, 0);
    puts(clean ? clean : buf);
    free(clean);
}

/* Every file of the bundle counts once over the whole run, however often it is named or called. */
static void count_files(checker *c, const dt_tree *t, const char *path)
{
    size_t n = t ? dt_tree_file_count(t) : 1;
    for (size_t i = 0; i < n; i++) {
        const char *f = t ? dt_tree_file_path(t, i) : path;
        size_t len = strlen(f) + 2;
        char *key = malloc(len);
        if (!key)
            continue;
        snprintf(key, len, "\x01%s", f); /* never equal to a diagnostic line */
        c->nfiles += !seen_before(&c->lines, key);
        free(key);
    }
}

typedef struct sorted {
    const dt_diag *d;
    size_t file, seq;
} sorted;

static int by_position(const void *a, const void *b)
{
    const sorted *x = a, *y = b;
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    if (x->d->line != y->d->line)
        return x->d->line < y->d->line ? -1 : 1;
    if (x->d->column != y->d->column)
        return x->d->column < y->d->column ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static size_t file_rank(const dt_tree *t, const char *file)
{
    size_t n = t ? dt_tree_file_count(t) : 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(dt_tree_file_path(t, i), file) == 0)
            return i;
    return n;
}

/* The loader's errors and the checks' warnings in one list, by file (bundle order), line and
 * column, as docs/checks.md promises: fix from the top. */
static void report_sorted(checker *c, const dt_tree *t, const dt_error *err)
{
    size_t n = dt_error_count(err);
    sorted *v = malloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; v && i < n; i++) {
        const dt_diag *d = dt_error_get(err, i);
        v[i] = (sorted){d, file_rank(t, d->file), i};
    }
    if (v)
        qsort(v, n, sizeof *v, by_position);
    for (size_t i = 0; i < n; i++)
        report(c, v ? v[i].d : dt_error_get(err, i));
    free(v);
}

static void check_file(checker *c, const char *path, const dt_load_options *opts)
{
    dt_error *err = dt_error_new();
    dt_tree *t = NULL;
    if (!err)
        return;
    /* A partial tree still gets every author check the loader's errors leave possible. */
    dt_tree_load_file(path, opts, &t, err);
    if (t)
        dt_tree_check(t, 0, err);
    count_files(c, t, path);
    report_sorted(c, t, err);
    dt_tree_free(t);
    dt_error_free(err);
}

static int parse_args(int argc, char **argv, checker *c, dt_load_options *o, files *paths)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help"))
            return fputs(usage_text, stdout), -1;
        if (!strcmp(a, "-Werror"))
            c->werror = 1;
        else if (!strcmp(a, "--format") && i + 1 < argc && (!strcmp(argv[i + 1], "json") ||
                                                            !strcmp(argv[i + 1], "text")))
            c->json = !strcmp(argv[++i], "json");
        else if (!strcmp(a, "--max-bytes") && i + 1 < argc && atol(argv[i + 1]) > 0)
            o->max_bytes = (size_t)atol(argv[++i]);
        else if (a[0] == '-' && a[1])
            return rd_eprintf("check: unknown or incomplete option '%s'; see 'dtree check --help'", a), -2;
        else if (xf_push(paths, strdup(a)) != 0)
            return -2;
    }
    if (!paths->n)
        return rd_eprintf("check: no PATH given; see 'dtree check --help'"), -2;
    return 0;
}

static int expand(files *paths, files *out)
{
    int missing = 0;
    for (size_t i = 0; i < paths->n; i++) {
        struct stat st;
        size_t before = out->n;
        if (stat(paths->v[i], &st) != 0) {
            rd_eprintf("check: %s: %s", paths->v[i], strerror(errno));
            missing = 1;
        } else if (S_ISDIR(st.st_mode)) {
            xf_collect_dir(paths->v[i], out);
            if (out->n == before)
                rd_eprintf("check: %s: no .xml files", paths->v[i]), missing = 1;
        } else {
            xf_push(out, strdup(paths->v[i]));
        }
    }
    return missing;
}

static void finish(checker *c)
{
    if (c->json) {
        json_t *root = json_pack("{s:i, s:i, s:i, s:i, s:o}", "files", (json_int_t)c->nfiles,
                                 "errors", (json_int_t)c->errors, "warnings",
                                 (json_int_t)c->warnings, "unchecked", (json_int_t)c->unchecked,
                                 "diagnostics", c->diags);
        json_dumpf(root, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
        putchar('\n');
        json_decref(root);
    } else {
        json_decref(c->diags);
        printf("%zu error%s, %zu warning%s in %zu file%s", c->errors, c->errors == 1 ? "" : "s",
               c->warnings, c->warnings == 1 ? "" : "s", c->nfiles, c->nfiles == 1 ? "" : "s");
        if (c->unchecked)
            printf(" (%zu could not be read, so the author checks skipped %s)", c->unchecked,
                   c->unchecked == 1 ? "it" : "them");
        putchar('\n');
    }
}

int cmd_check(int argc, char **argv)
{
    checker c = {0};
    dt_load_options o;
    files paths = {0}, list = {0};
    dt_load_options_init(&o);
    o.flags |= DT_LOAD_PARTIAL;
    int rc = parse_args(argc, argv, &c, &o, &paths);
    if (rc != 0)
        return xf_free(&paths), rc == -1 ? EXIT_OK : EXIT_USAGE;
    int missing = expand(&paths, &list);
    c.diags = json_array();
    for (size_t i = 0; i < list.n; i++)
        check_file(&c, list.v[i], &o);
    finish(&c);
    free(c.lines.slots);
    xf_free(&paths);
    xf_free(&list);
    if (c.errors || (c.werror && c.warnings))
        return EXIT_FAIL;
    return missing ? EXIT_TREE : EXIT_OK;
}
