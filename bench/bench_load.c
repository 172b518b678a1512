/*
 * bench_load.c — load one tree file and print the wall time and the peak resident set size, for
 * bench/run.sh.  The size cap is lifted (the benchmark trees are far over 16 MiB on purpose).
 * Output: one line "load_seconds=S peak_rss_kb=K file_bytes=B steps=N".
 */
#include "dtree.h"
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bench_load FILE\n");
        return 2;
    }
    struct stat st;
    if (stat(argv[1], &st) != 0) {
        perror(argv[1]);
        return 2;
    }
    dt_load_options o;
    dt_load_options_init(&o);
    o.max_bytes = SIZE_MAX;
    dt_error *err = dt_error_new();
    dt_tree *t = NULL;
    double t0 = now();
    dt_status s = dt_tree_load_file(argv[1], &o, &t, err);
    double t1 = now();
    if (s != DT_OK) {
        fprintf(stderr, "bench_load: %s\n", dt_error_text(err));
        return 1;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("load_seconds=%.3f peak_rss_kb=%ld file_bytes=%lld steps=%zu\n", t1 - t0, ru.ru_maxrss,
           (long long)st.st_size, dt_tree_step_count(t));
    dt_tree_free(t);
    dt_error_free(err);
    return 0;
}
