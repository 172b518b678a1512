/*
 * scenario.h — internals shared by scenario.c (parsing and running scenario files), coverage.c and
 * explore.c.  A parsed suite is a flat list of operations; each scenario is a slice of it.
 */
#ifndef DTREE_ENGINE_SCENARIO_H
#define DTREE_ENGINE_SCENARIO_H

#include "model.h"

enum sc_kind {
    SC_SET, SC_CHOICE, SC_LABEL, SC_VALUE, SC_CONTINUE, SC_BACK, SC_RESTART, SC_EXPECT
};

typedef struct sc_op {
    uint8_t kind;
    uint8_t refused;          /* answers: the answer must be refused */
    uint32_t line, col;
    char *a, *b;              /* set: var, value; answers: the choice/label/value */
    /* expect: each NULL when not asked */
    char *step, *tree, *text, *var, *equals, *outcome, *offered, *not_offered, *ended;
} sc_op;

typedef struct sc_case {
    char *name;
    uint32_t line, col, first, n;
} sc_case;

struct dt_suite {
    char *path;
    dt_tree *tree;
    sc_case *cases;
    size_t ncases, capcases;
    sc_op *ops;
    size_t nops, capops;
};

/* Coverage: the run's mapping from the tree's files to coverage files. */
typedef struct dt_cov_map {
    dt_coverage *cov;
    const dt_tree *t;
    uint32_t *file_of; /* unit -> coverage file, M_NONE */
} dt_cov_map;

/* Prepare a map for `t` (registers its files); 0, or -1 when out of memory.  cov may be NULL
 * (then every call is a no-op). */
int dt_cov_map_init(dt_cov_map *m, dt_coverage *cov, const dt_tree *t);
void dt_cov_map_free(dt_cov_map *m);
/* Feed one session event. */
void dt_cov_map_event(dt_cov_map *m, const dt_event *ev);

#endif
