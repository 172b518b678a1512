/*
 * check.h — shared internals of the authors' toolkit (check.c, check_graph.c, graph.c, scenario*.c).
 * Diagnostics are collected in a pending list and sorted by file and position before they reach the
 * caller's dt_error, so output is stable whatever order the passes run in.
 */
#ifndef DTREE_ENGINE_CHECK_H
#define DTREE_ENGINE_CHECK_H

#include "model.h"
#include <stdarg.h>

/* Successor lists of every step in compressed form: succ[off[i] .. off[i+1]). */
typedef struct dt_csr {
    uint32_t n;
    uint32_t *off;   /* n + 1 entries */
    uint32_t *adj;
} dt_csr;

/* The step graph: choices, branches, next, call target and call return, jump target.
 * 0 on success, -1 when out of memory.  Free with dt_csr_free. */
int dt_csr_steps(const dt_tree *t, dt_csr *g);
/* The reverse of g (predecessors). */
int dt_csr_reverse(const dt_csr *g, dt_csr *r);
void dt_csr_free(dt_csr *g);
/* Strongly connected components, iterative Tarjan (no recursion: 10^6-long chains are fine).
 * comp[v] receives the component number; *ncomp the count.  0, or -1 when out of memory. */
int dt_scc(const dt_csr *g, uint32_t *comp, uint32_t *ncomp);

typedef struct dt_pend {
    uint32_t unit, line, col, seq;
    dt_severity sev;
    const char *check;  /* static */
    char *msg;
} dt_pend;

typedef struct dt_chk {
    const dt_tree *t;
    unsigned flags;
    dt_pend *p;
    size_t n, cap;
    int oom;
} dt_chk;

void dt_chk_add(dt_chk *c, dt_severity sev, uint32_t unit, dt_pos pos, const char *check,
                const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* 1 when the checks should look at file `unit` (DT_CHECK_ROOT_ONLY limits them to file 0). */
int dt_chk_wants(const dt_chk *c, uint32_t unit);
/* Graph checks: unreachable steps, dead ends, loops without an end, call cycles. */
void dt_check_graph(dt_chk *c);
/* Variables (unused, never assigned) and condition types (check_vars.c). */
void dt_check_vars(dt_chk *c);
/* Variables computed from sensitive ones and not marked sensitive (check_taint.c). */
void dt_check_taint(dt_chk *c);

/* Short display form of a step for messages: the id. */
#define CHK_SID(t, i) M_S((t), M_STEP((t), (i))->id)

#endif
