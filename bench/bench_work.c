/*
 * bench_work.c — the CPU time of each action on trees built to make one answer work as hard as a
 * tree can (bench/gen_work_trees.py), for bench/work_bench.sh.  Issue 9 (findings 14, 15): no
 * single answer may take more than ~100 ms of CPU on a tree that loads.  One line per tree:
 * "TREE actions=N max_action_ms=M last=ok|refused: MESSAGE".
 */
#include "dtree.h"
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

static double cpu_ms(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* One action: the next step's natural answer (continue, or the hostile typed answer). */
static dt_status act(dt_session *s, int first, const char *answer, dt_error *err)
{
    if (first)
        return dt_session_start(s, err);
    const dt_view *v = dt_session_view(s);
    if (v->kind == DT_STEP_INPUT)
        return dt_session_input(s, answer, err);
    if (v->kind == DT_STEP_QUESTION)
        return dt_session_choose(s, 0, err);
    return dt_session_continue(s, err);
}

static int run(const char *path, const char *answer)
{
    dt_error *err = dt_error_new();
    dt_tree *t = NULL;
    dt_load_options o;
    dt_load_options_init(&o);
    o.max_bytes = 64u << 20;
    if (dt_tree_load_file(path, &o, &t, err) != DT_OK) {
        printf("%s load failed: %s\n", path, dt_error_text(err));
        dt_error_free(err);
        return 1;
    }
    dt_session *s = NULL;
    dt_session_new(t, &s, err);
    double worst = 0;
    int n = 0;
    dt_status st = DT_OK;
    for (; n < 100 && st == DT_OK && (n == 0 || !dt_session_ended(s)); n++) {
        double c0 = cpu_ms();
        st = act(s, n == 0, answer, err);
        double ms = cpu_ms() - c0;
        worst = ms > worst ? ms : worst;
    }
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    printf("%-22s actions=%d max_action_ms=%.1f last=%s%.110s\n", base, n, worst,
           st == DT_OK ? "ok" : "refused: ", st == DT_OK ? "" : dt_error_text(err));
    dt_session_free(s);
    dt_tree_free(t);
    dt_error_free(err);
    return 0;
}

int main(int argc, char **argv)
{
    char answer[200];
    memset(answer, 'a', 64);
    memset(answer + 64, 'b', 64);
    strcpy(answer + 128, "c");
    for (int i = 1; i < argc; i++)
        run(argv[i], answer);
    return 0;
}
