/*
 * fuzz_scenario.c — libFuzzer harness for scenario files (engine/scenario*.c, coverage.c).  The
 * input is written as DIR/a/b/s.xml, where DIR/trees links to the bundled trees, so the seeds from
 * tests/scenarios ("../../trees/printer.xml") find their tree.  A suite that loads has every
 * scenario run with coverage; results and coverage figures must be consistent.
 */
#define _DEFAULT_SOURCE
#include "fuzz_common.h"

#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef DT_FUZZ_TREES
#error "build with -DDT_FUZZ_TREES=\"/abs/path/to/trees\""
#endif

static const char *file;

static void setup(void)
{
    fz_scratch_dir("scn");
    FZ_CHECK(symlink(DT_FUZZ_TREES, fz_scratch_path("trees")) == 0);
    fz_scratch_mkdir("a");
    fz_scratch_mkdir("a/b");
    file = fz_scratch_path("a/b/s.xml");
}

static void check_coverage(const dt_coverage *cov)
{
    size_t nf = dt_coverage_file_count(cov);
    for (size_t i = 0; i < nf; i++) {
        dt_coverage_file f;
        FZ_CHECK(dt_coverage_file_get(cov, i, &f) == DT_OK);
        FZ_CHECK(f.path && f.steps_hit <= f.steps && f.choices_hit <= f.choices);
        size_t missed = 0;
        unsigned line;
        for (const char *m; (m = dt_coverage_missed(cov, i, missed, &line)) != NULL; missed++)
            FZ_CHECK(missed < f.steps + f.choices);
        FZ_CHECK(missed == (f.steps - f.steps_hit) + (f.choices - f.choices_hit));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!file)
        setup();
    fz_write_file(file, data, size);
    dt_load_options o;
    dt_load_options_init(&o);
    o.max_bytes = 64 * 1024;
    dt_suite *su = NULL;
    dt_error *err = dt_error_new();
    dt_status st = dt_suite_load_file(file, &o, &su, err);
    FZ_CHECK((st == DT_OK) == (su != NULL));
    if (st != DT_OK)
        FZ_CHECK(dt_error_errors(err) > 0 && *dt_error_text(err));
    if (su) {
        dt_coverage *cov = dt_coverage_new();
        size_t n = dt_suite_count(su);
        FZ_CHECK(n > 0 && dt_suite_tree(su) != NULL);
        for (size_t i = 0; i < n && i < 64; i++) {
            FZ_CHECK(dt_suite_name(su, i) != NULL);
            dt_error_clear(err);
            st = dt_suite_run(su, i, cov, err);
            FZ_CHECK(st == DT_OK || dt_error_errors(err) == 1 || st == DT_ENOMEM);
            if (st != DT_OK)
                (void)dt_error_text(err);
        }
        FZ_CHECK(dt_suite_name(su, n) == NULL);
        if (cov)
            check_coverage(cov);
        dt_coverage_free(cov);
        dt_suite_free(su);
    }
    dt_error_free(err);
    return 0;
}
