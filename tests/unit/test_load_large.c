/*
 * test_load_large.c — files large enough that the loader reads and pre-scans them in a second
 * thread (engine/xmlin_pipe.c) must give exactly what the single-threaded path gives: the same model
 * and hash when valid, the same diagnostics when broken, and no hang or leak when the parse stops
 * early while the reading thread is ahead.  The memory loader never uses the thread: it is the
 * reference.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dtree.h"
#include "support.h"

#define STEPS 12000 /* about 2.5 MB: over the 1 MiB threshold of the reading thread */

static char path[64];

/* A chain of questions; `fault` is spliced in after step `at` (NULL: none). */
static char *make_tree(size_t *len, int at, const char *fault)
{
    size_t cap = (size_t)STEPS * 256 + 4096, n = 0;
    char *b = malloc(cap);
    assert_non_null(b);
    n += (size_t)snprintf(b + n, cap - n, "<?xml version='1.0' encoding='UTF-8'?>\n"
                                          "<tree id='big' version='1' title='Big'>\n"
                                          " <var name='n' type='number' value='0'/>\n");
    for (int i = 0; i < STEPS; i++) {
        n += (size_t)snprintf(b + n, cap - n,
                              " <question id='s%d' title='Step %d'><say>Is light %d on? caf\xc3\xa9</say>"
                              "<choice to='s%d' when='$n &lt; %d'>Yes<set var='n' value='$n + 1'/>"
                              "</choice><choice to='end'>No</choice></question>\n",
                              i, i, i, i + 1 < STEPS ? i + 1 : 0, i % 7);
        if (i == at && fault)
            n += (size_t)snprintf(b + n, cap - n, "%s", fault);
    }
    n += (size_t)snprintf(b + n, cap - n, " <end id='end' outcome='resolved'/>\n</tree>\n");
    *len = n;
    return b;
}


/* All diagnostics as text, one per line (caller frees). */
static char *diags(dt_error *err)
{
    size_t cap = 1, n = 0;
    for (size_t i = 0; i < dt_error_count(err); i++)
        cap += dt_diag_format(dt_error_get(err, i), NULL, 0) + 1;
    char *s = calloc(1, cap);
    assert_non_null(s);
    for (size_t i = 0; i < dt_error_count(err); i++) {
        n += dt_diag_format(dt_error_get(err, i), s + n, cap - n);
        s[n++] = '\n';
    }
    return s;
}

/* Load `data` from a file and from memory under the same name; both must agree exactly. */
static void same_both_ways(const char *data, size_t len, dt_status want)
{
    dt_tree *tf = NULL, *tm = NULL;
    dt_error *ef = dt_error_new(), *em = dt_error_new();
    sup_write(path, data, len);
    dt_status sf = dt_tree_load_file(path, NULL, &tf, ef);
    dt_status sm = dt_tree_load_memory(data, len, path, NULL, &tm, em);
    assert_int_equal(sf, want);
    assert_int_equal(sm, want);
    char *df = diags(ef), *dm = diags(em);
    assert_string_equal(df, dm);
    if (want == DT_OK) {
        assert_int_equal(dt_tree_step_count(tf), dt_tree_step_count(tm));
        assert_string_equal(dt_tree_hash(tf), dt_tree_hash(tm));
    }
    free(df);
    free(dm);
    dt_tree_free(tf);
    dt_tree_free(tm);
    dt_error_free(ef);
    dt_error_free(em);
}

static void test_valid_large_tree(void **state)
{
    (void)state;
    size_t len;
    char *b = make_tree(&len, -1, NULL);
    assert_true(len > (1u << 20));
    same_both_ways(b, len, DT_OK);
    free(b);
}

static void test_errors_deep_in_a_large_tree(void **state)
{
    (void)state;
    static const char *const faults[] = {
        " <info id='bad' next='s1'><say>Count {nope}</say></info>\n",  /* undeclared variable */
        " <info id='s5' next='s1'><say>dup</say></info>\n",            /* duplicate id */
        " <info id='bad2' next='s1'><say>bad \xff byte</say></info>\n", /* invalid UTF-8 */
        " <info id='bad3' next='s1'><say>unclosed</info>\n",           /* malformed XML */
    };
    static const dt_status want[] = {DT_EINVALID, DT_EINVALID, DT_ESYNTAX, DT_ESYNTAX};
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
        size_t len;
        char *b = make_tree(&len, STEPS * 3 / 4, faults[i]);
        same_both_ways(b, len, want[i]);
        free(b);
    }
}

/* The parse stops at once while the reading thread is far ahead: close must stop it cleanly. */
static void test_early_stop(void **state)
{
    (void)state;
    size_t len;
    char *b = make_tree(&len, -1, NULL);
    memcpy(b + 40, "<<", 2); /* inside the tree element's attributes */
    same_both_ways(b, len, DT_ESYNTAX);
    free(b);
}

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "/tmp/dt-large-%ld.xml", (long)getpid());
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_large_tree),
        cmocka_unit_test(test_errors_deep_in_a_large_tree),
        cmocka_unit_test(test_early_stop),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
