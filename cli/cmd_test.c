/*
 * cmd_test.c — `dtree test`: run scenario files (docs/scenarios.md) and report each failure at the
 * file:line of the element that failed, plain or TAP; --coverage prints per tree file the steps and
 * choices no scenario visited; --explore walks random paths through one tree looking for faults.
 */
#include "commands.h"
#include "exitcodes.h"
#include "xmlfiles.h"
#include "render.h"

#include "dtree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char usage_text[] =
    "Usage: dtree test [OPTIONS] SCENARIO-FILE|DIRECTORY...\n"
    "       dtree test --explore TREE [--seed N] [--walks N] [--max-steps N]\n"
    "Run scenario tests (docs/scenarios.md; a directory: every *.xml below it); each failure is\n"
    "reported at FILE:LINE:COL of the answer or expectation that did not hold.\n\n"
    "  --tap              TAP version 13 output\n"
    "  --coverage         per tree file: steps and choices visited, and those never visited\n"
    "  --fail-under PCT   with --coverage: fail when a file's step coverage is below PCT\n"
    "  --missed N         with --coverage: list at most N never-visited items per file\n"
    "                     (default 20; 0 lists them all)\n"
    "  --explore TREE     random walks through TREE looking for run-time faults\n"
    "  --seed N           first random seed (default 1); --walks N (default 200);\n"
    "  --max-steps N      answers per walk before it is cut (default 500)\n"
    "  -h, --help         this help\n\n"
    "Exit status: 0 all passed, 1 a scenario failed (or a fault was found, or coverage is under\n"
    "--fail-under), 2 usage, 3 a scenario file or its tree could not be loaded.\n";

typedef struct test_opts {
    int tap, coverage;
    long missed;           /* never-visited items listed per file; 0: all */
    double fail_under;
    const char *explore;
    dt_explore_options ex;
    char **files;
    int nfiles;
} test_opts;

static void print_diags(const dt_error *err, FILE *f, const char *prefix)
{
    for (size_t i = 0; i < dt_error_count(err); i++) {
        char buf[2048];
        dt_diag_format(dt_error_get(err, i), buf, sizeof buf);
        char *clean = rd_sanitize(buf, 0);
        fprintf(f, "%s%s\n", prefix, clean ? clean : buf);
        free(clean);
    }
}

static int parse_args(int argc, char **argv, test_opts *o)
{
    dt_explore_options_init(&o->ex);
    o->files = argv + 1;
    o->missed = 20;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (!strcmp(a, "-h") || !strcmp(a, "--help"))
            return fputs(usage_text, stdout), -1;
        if (!strcmp(a, "--tap"))
            o->tap = 1;
        else if (!strcmp(a, "--coverage"))
            o->coverage = 1;
        else if (!strcmp(a, "--missed") && more && strspn(argv[i + 1], "0123456789") == strlen(argv[i + 1]) &&
                 argv[i + 1][0])
            o->missed = atol(argv[++i]);
        else if (!strcmp(a, "--fail-under") && more)
            o->fail_under = atof(argv[++i]);
        else if (!strcmp(a, "--explore") && more)
            o->explore = argv[++i];
        else if (!strcmp(a, "--seed") && more)
            o->ex.seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(a, "--walks") && more && atoi(argv[i + 1]) > 0)
            o->ex.walks = (unsigned)atoi(argv[++i]);
        else if (!strcmp(a, "--max-steps") && more && atoi(argv[i + 1]) > 0)
            o->ex.max_steps = (unsigned)atoi(argv[++i]);
        else if (a[0] == '-' && a[1])
            return rd_eprintf("test: unknown or incomplete option '%s'; see 'dtree test --help'", a), -2;
        else
            o->files[o->nfiles++] = argv[i]; /* compacts in place: argv is ours to reorder */
    }
    if (!o->explore && !o->nfiles)
        return rd_eprintf("test: no scenario file given; see 'dtree test --help'"), -2;
    if (o->explore && o->nfiles)
        return rd_eprintf("test: --explore takes one TREE and no scenario files"), -2;
    return 0;
}

static int print_coverage(const dt_coverage *cov, double fail_under, long missed)
{
    int under = 0;
    printf("coverage:\n");
    for (size_t i = 0; i < dt_coverage_file_count(cov); i++) {
        dt_coverage_file f;
        dt_coverage_file_get(cov, i, &f);
        double sp = f.steps ? 100.0 * (double)f.steps_hit / (double)f.steps : 100.0;
        double cp = f.choices ? 100.0 * (double)f.choices_hit / (double)f.choices : 100.0;
        char *path = rd_sanitize(f.path, 0);
        printf("  %s: steps %zu/%zu (%.1f%%), choices %zu/%zu (%.1f%%)\n", path ? path : "?",
               f.steps_hit, f.steps, sp, f.choices_hit, f.choices, cp);
        free(path);
        under |= sp < fail_under;
        unsigned line;
        const char *name;
        for (size_t j = 0; (name = dt_coverage_missed(cov, i, j, &line)) != NULL; j++) {
            if (missed && j == (size_t)missed) {
                size_t more = 0;
                while (dt_coverage_missed(cov, i, j + more, NULL))
                    more++;
                printf("    ... and %zu more (--missed 0 lists them all)\n", more);
                break;
            }
            char *clean = rd_sanitize(name, 0);
            printf("    never visited: %s (line %u)\n", clean ? clean : "?", line);
            free(clean);
        }
    }
    return under;
}

typedef struct tally {
    size_t pass, fail, broken, n;
} tally;

static void run_suite(const test_opts *o, dt_suite *su, const char *file, dt_coverage *cov, tally *t)
{
    dt_error *fails = dt_error_new();
    for (size_t i = 0; fails && i < dt_suite_count(su); i++) {
        dt_error_clear(fails);
        dt_status st = dt_suite_run(su, i, cov, fails);
        char *name = rd_sanitize(dt_suite_name(su, i) ? dt_suite_name(su, i) : "?", 0);
        char *where = rd_sanitize(file, 0); /* a file name may hold a newline: one TAP line */
        t->n++;
        if (st == DT_OK) {
            t->pass++;
            if (o->tap)
                printf("ok %zu - %s: %s\n", t->n, where ? where : "?", name ? name : "?");
        } else {
            t->fail++;
            if (o->tap)
                printf("not ok %zu - %s: %s\n", t->n, where ? where : "?", name ? name : "?");
            print_diags(fails, stdout, o->tap ? "  # " : "");
        }
        free(where);
        free(name);
    }
    dt_error_free(fails);
}

/* The scenario files named, a directory standing for every *.xml below it (name order). */
static int expand(const test_opts *o, files *out)
{
    int missing = 0;
    for (int i = 0; i < o->nfiles; i++) {
        struct stat st;
        size_t before = out->n;
        if (stat(o->files[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            xf_collect_dir(o->files[i], out);
            if (out->n == before)
                rd_eprintf("test: %s: no .xml files", o->files[i]), missing = 1;
        } else {
            xf_push(out, strdup(o->files[i])); /* a missing file is reported by the loader */
        }
    }
    return missing;
}

static void load_suites(const test_opts *o, const files *list, dt_suite **suites, dt_error *err,
                        tally *t, size_t *total)
{
    for (size_t i = 0; i < list->n; i++) { /* load all first: TAP needs the plan up front */
        dt_error_clear(err);
        if (dt_suite_load_file(list->v[i], NULL, &suites[i], err) != DT_OK) {
            fflush(stdout); /* the problems come before anything that follows them */
            print_diags(err, o->tap ? stdout : stderr, o->tap ? "# " : "");
            fflush(stderr);
            t->broken++;
        }
        *total += dt_suite_count(suites[i]);
    }
}

static int run_files(const test_opts *o)
{
    files list = {0};
    tally t = {0};
    t.broken = (size_t)expand(o, &list);
    dt_coverage *cov = o->coverage ? dt_coverage_new() : NULL;
    dt_suite **suites = calloc(list.n + 1, sizeof *suites);
    dt_error *err = dt_error_new();
    size_t total = 0;
    if (!suites || !err || (o->coverage && !cov)) {
        free(suites);
        xf_free(&list);
        dt_error_free(err);
        dt_coverage_free(cov);
        return rd_eprintf("test: out of memory"), EXIT_INTERNAL;
    }
    load_suites(o, &list, suites, err, &t, &total);
    if (o->tap)
        printf("TAP version 13\n1..%zu\n", total);
    for (size_t i = 0; i < list.n; i++)
        if (suites[i])
            run_suite(o, suites[i], list.v[i], cov, &t);
    printf("%sscenarios: %zu passed, %zu failed%s\n", o->tap ? "# " : "", t.pass, t.fail,
           t.broken ? " (some files could not be loaded)" : "");
    int under = cov ? print_coverage(cov, o->fail_under, o->missed) : 0;
    for (size_t i = 0; i < list.n; i++)
        dt_suite_free(suites[i]);
    free(suites);
    xf_free(&list);
    dt_coverage_free(cov);
    dt_error_free(err);
    if (t.fail || under)
        return EXIT_FAIL;
    return t.broken ? EXIT_TREE : EXIT_OK;
}

static int run_explore(const test_opts *o)
{
    dt_error *err = dt_error_new();
    dt_tree *t = NULL;
    dt_coverage *cov = o->coverage ? dt_coverage_new() : NULL;
    if (!err)
        return EXIT_INTERNAL;
    if (dt_tree_load_file(o->explore, NULL, &t, err) != DT_OK) {
        print_diags(err, stderr, "");
        dt_error_free(err);
        return EXIT_TREE;
    }
    dt_status st = dt_tree_explore(t, &o->ex, cov, err);
    print_diags(err, stdout, "");
    printf("explore: %u walks from seed %llu: %zu fault%s\n", o->ex.walks,
           (unsigned long long)o->ex.seed, dt_error_errors(err), dt_error_errors(err) == 1 ? "" : "s");
    int under = cov ? print_coverage(cov, o->fail_under, o->missed) : 0;
    dt_coverage_free(cov);
    dt_tree_free(t);
    dt_error_free(err);
    if (st == DT_ENOMEM)
        return EXIT_INTERNAL;
    return st != DT_OK || under ? EXIT_FAIL : EXIT_OK;
}

int cmd_test(int argc, char **argv)
{
    test_opts o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc == -1 ? EXIT_OK : EXIT_USAGE;
    return o.explore ? run_explore(&o) : run_files(&o);
}
