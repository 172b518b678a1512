/*
 * test_hostile.c — bad inputs as data: every tests/hostile/NAME.err holds the exact first error line
 * expected when loading NAME.xml (or NAME.xml.gz); an empty .err means the file must load.  A few
 * inputs are made at test time (a FIFO, a directory, a file over the cap, 100,000 attributes) in a
 * temporary directory.  Each load runs under alarm(): a hang kills the test.  Then a truncation sweep:
 * a valid tree cut at every byte offset must give an error with a position, never success or a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dtree.h"
#include "support.h"

#define TIME_LIMIT 20 /* seconds per load, generous for valgrind */

static const char *hostile_dir(void)
{
    const char *d = getenv("DT_HOSTILE_DIR");
    return d ? d : "tests/hostile";
}

typedef struct hcase {
    char name[128];
    char expected[1024];
} hcase;

/* ---- inputs made at test time ---- */


static void make_too_large(const char *path)
{
    size_t n = (16u << 20) + 1;
    char *b = malloc(n);
    assert_non_null(b);
    memset(b, ' ', n);
    const char *head = "<tree id='big' version='1' title='Big'><end id='e' outcome='resolved'/>";
    memcpy(b, head, strlen(head));
    memcpy(b + n - 8, "</tree>\n", 8);
    sup_write(path, b, n);
    free(b);
}

/* 100,000 attributes, one per line, so the 33rd (a29) is at line 31, column 2. */
static void make_attrs(const char *path)
{
    size_t cap = 100000 * 16 + 256, n = 0;
    char *b = malloc(cap);
    assert_non_null(b);
    n += (size_t)sprintf(b, "<tree id='t' version='1' title='T'\n");
    for (int i = 0; i < 100000; i++)
        n += (size_t)sprintf(b + n, " a%d='x'\n", i);
    n += (size_t)sprintf(b + n, "><end id='e' outcome='resolved'/></tree>\n");
    sup_write(path, b, n);
    free(b);
}

/* Make the input for a generated case in the current directory; 0 when `name` is not one. */
static int generate(const char *name, char *file, size_t size)
{
    snprintf(file, size, "%s.xml", name);
    if (strcmp(name, "directory") == 0)
        assert_int_equal(mkdir(file, 0700), 0);
    else if (strcmp(name, "fifo") == 0)
        assert_int_equal(mkfifo(file, 0600), 0);
    else if (strcmp(name, "too-large") == 0)
        make_too_large(file);
    else if (strcmp(name, "attrs-100000") == 0)
        make_attrs(file);
    else
        return 0;
    return 1;
}

/* ---- running one case ---- */

static dt_status load_timed(const char *path, dt_error *err, char *first, size_t size)
{
    dt_tree *t = NULL;
    alarm(TIME_LIMIT);
    dt_status st = dt_tree_load_file(path, NULL, &t, err);
    alarm(0);
    snprintf(first, size, "%s", dt_error_text(err));
    if (st == DT_OK)
        assert_non_null(t);
    else
        assert_null(t);
    dt_tree_free(t);
    return st;
}

static void run_case(void **state)
{
    const hcase *c = *state;
    char path[PATH_MAX + 16], first[1024];
    dt_error *err = dt_error_new();
    assert_non_null(err);
    char tmpl[] = "/tmp/dt_hostile_XXXXXX";
    int here = open(".", O_RDONLY | O_DIRECTORY);
    assert_true(here >= 0);
    assert_non_null(mkdtemp(tmpl));
    assert_int_equal(chdir(tmpl), 0);
    int generated = generate(c->name, path, sizeof path);
    if (!generated) {
        assert_int_equal(fchdir(here), 0);
        snprintf(path, sizeof path, "%s/%s.xml", hostile_dir(), c->name);
        struct stat st;
        char gz[PATH_MAX + 16];
        snprintf(gz, sizeof gz, "%.*s.gz", PATH_MAX, path);
        if (stat(path, &st) != 0 && stat(gz, &st) == 0)
            memcpy(path, gz, sizeof path);
    }
    dt_status st = load_timed(path, err, first, sizeof first);
    assert_int_equal(fchdir(here), 0);
    close(here);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpl);
    assert_int_equal(system(cmd), 0);
    if (strcmp(first, c->expected) != 0)
        print_error("%s: status %s\n  got:      %s\n  expected: %s\n", c->name, dt_status_str(st),
                    first, c->expected);
    assert_string_equal(first, c->expected);
    if (c->expected[0]) {
        assert_int_not_equal(st, DT_OK);
        assert_int_not_equal(st, DT_ENOMEM);
    } else {
        assert_int_equal(st, DT_OK);
    }
    dt_error_free(err);
}

static int read_expected(const char *dir, const char *file, hcase *c)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", dir, file);
    FILE *f = fopen(p, "r");
    if (!f)
        return -1;
    if (!fgets(c->expected, sizeof c->expected, f))
        c->expected[0] = '\0';
    fclose(f);
    c->expected[strcspn(c->expected, "\n")] = '\0';
    return 0;
}

/* ---- truncation sweep ---- */

static const char valid_tree[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!-- cut me anywhere -->\n"
    "<tree id=\"cut\" version=\"1\" title=\"Caf\xc3\xa9 &amp; co\" start=\"q\">\n"
    "  <description>Trunc\xe2\x82\xac ation</description>\n"
    "  <var name=\"n\" type=\"number\" value=\"0\"/>\n"
    "  <question id=\"q\"><say>Hi {n} <![CDATA[<b>]]> &#x1F600;</say>\n"
    "    <choice to=\"e\" when=\"$n &lt; 3\">Yes<set var=\"n\" value=\"$n + 1\"/></choice>\n"
    "    <choice to=\"e\">No</choice></question>\n"
    "  <?pi data?>\n"
    "  <end id=\"e\" outcome=\"resolved\"><say>Bye</say></end>\n"
    "</tree>\n";

static void test_truncation_sweep(void **state)
{
    (void)state;
    dt_error *err = dt_error_new();
    dt_tree *t = NULL;
    assert_int_equal(dt_tree_load_memory(valid_tree, sizeof valid_tree - 1, "cut.xml", NULL, &t, err),
                     DT_OK);
    dt_tree_free(t);
    size_t end = (size_t)(strstr(valid_tree, "</tree>") - valid_tree) + strlen("</tree>");
    for (size_t n = 0; n < end; n++) {
        dt_error_clear(err);
        t = NULL;
        alarm(TIME_LIMIT);
        dt_status st = dt_tree_load_memory(valid_tree, n, "cut.xml", NULL, &t, err);
        alarm(0);
        if (st == DT_OK || dt_error_errors(err) == 0 || (n > 0 && dt_error_get(err, 0)->line == 0))
            print_error("cut at %zu: %s: %s\n", n, dt_status_str(st), dt_error_text(err));
        assert_int_not_equal(st, DT_OK);
        assert_null(t);
        assert_true(dt_error_errors(err) > 0);
        if (n > 0)
            assert_true(dt_error_get(err, 0)->line > 0);
    }
    dt_error_free(err);
}

/* The same cuts through real files: the byte source differs from memory. */
static void test_truncated_files(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/dt_cut_XXXXXX";
    assert_true(mkstemp(tmpl) >= 0);
    size_t end = (size_t)(strstr(valid_tree, "</tree>") - valid_tree) + strlen("</tree>");
    dt_error *err = dt_error_new();
    char first[1024];
    for (size_t n = 1; n < end; n += 7) {
        sup_write(tmpl, valid_tree, n);
        dt_error_clear(err);
        assert_int_not_equal(load_timed(tmpl, err, first, sizeof first), DT_OK);
        assert_true(dt_error_get(err, 0)->line > 0);
    }
    unlink(tmpl);
    dt_error_free(err);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int only_err(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return n > 4 && strcmp(d->d_name + n - 4, ".err") == 0;
}

int main(void)
{
    struct dirent **list;
    int n = scandir(hostile_dir(), &list, only_err, by_name);
    if (n <= 0) {
        fprintf(stderr, "no .err files in %s (run from the repository root)\n", hostile_dir());
        return 1;
    }
    hcase *cases = calloc((size_t)n, sizeof *cases);
    struct CMUnitTest *tests = calloc((size_t)n + 2, sizeof *tests);
    if (!cases || !tests)
        return 1;
    int k = 0;
    for (int i = 0; i < n; i++) {
        snprintf(cases[k].name, sizeof cases[k].name, "%.*s", (int)(strlen(list[i]->d_name) - 4),
                 list[i]->d_name);
        if (read_expected(hostile_dir(), list[i]->d_name, &cases[k]) == 0) {
            tests[k] = (struct CMUnitTest){cases[k].name, run_case, NULL, NULL, &cases[k]};
            k++;
        }
        free(list[i]);
    }
    free(list);
    tests[k++] = (struct CMUnitTest){"truncation_sweep", test_truncation_sweep, NULL, NULL, NULL};
    tests[k++] = (struct CMUnitTest){"truncated_files", test_truncated_files, NULL, NULL, NULL};
    int rc = _cmocka_run_group_tests("hostile", tests, (size_t)k, NULL, NULL);
    free(tests);
    free(cases);
    return rc;
}
