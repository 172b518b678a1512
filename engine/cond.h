/*
 * cond.h — conditions and computations in XPath 1.0, on libxml2's XPath engine (internal).
 * Expressions are compiled once at load; evaluation runs on a per-session environment whose
 * variables come from a lookup callback.  Every libxml2 error is an error here, never a silent false.
 */
#ifndef DTREE_ENGINE_COND_H
#define DTREE_ENGINE_COND_H

#include "dtree.h"
#include <stddef.h>

#define COND_MSG 200
#define COND_MAX_LEN 4096       /* bytes in one expression */
#define COND_OP_LIMIT 1000000UL /* libxml2 operations per evaluation */
/* The work of one action (an answer and the automatic steps it leads to), whatever the tree:
 * evaluations, libxml2 operations, and bytes of text read by variables and string functions. */
#define COND_ACTION_EVALS 10000
#define COND_ACTION_OPS 1000000UL
#define COND_ACTION_BYTES (16 * 1024 * 1024)

/* Asked at compile time whether `$name` is declared (1) or not (0). */
typedef int (*dt_cond_known_fn)(void *ud, const char *name, size_t len);

/* Compile `src`.  On success returns 0 and *comp (free with dt_cond_free).  On failure returns -1,
 * *off is the 0-based byte offset in src where the problem is, and msg holds the reason
 * (exactly "out of memory" when an allocation failed).  `known` may be NULL: every variable is then
 * accepted and an unknown one fails at evaluation.  Refused before libxml2 sees the expression:
 * empty or longer than COND_MAX_LEN, undeclared variables, names with '-' or '.', unknown
 * functions, functions that need a document (id, lang, last, position, count, local-name,
 * namespace-uri, name, and sum which needs a node-set), node tests, paths, axes, predicates, '|',
 * bare names, a wrong number of arguments, nesting deeper than 64.  Never prints. */
int dt_cond_compile(const char *src, dt_cond_known_fn known, void *ud, void **comp, size_t *off,
                    char msg[COND_MSG]);
void dt_cond_free(void *comp);

/* A variable's current value as conditions see it. */
typedef struct dt_cond_value {
    dt_var_type type;   /* number -> XPath number, boolean -> boolean, others -> string */
    const char *text;   /* canonical text */
    int sensitive;      /* 1: the value is secret; no message about this evaluation quotes it */
} dt_cond_value;

/* Look up `$name`: return 0 and fill *out, or -1 when unknown. */
typedef int (*dt_cond_lookup_fn)(void *ud, const char *name, dt_cond_value *out);

typedef struct dt_cond_env dt_cond_env;
dt_cond_env *dt_cond_env_new(dt_cond_lookup_fn lookup, void *ud);
void dt_cond_env_free(dt_cond_env *env);
/* Change the operation limit of one environment (0 restores COND_OP_LIMIT); for tests. */
void dt_cond_env_set_op_limit(dt_cond_env *env, unsigned long limit);

/* Start the budget of a new action: every evaluation until the next call counts against
 * COND_ACTION_EVALS, COND_ACTION_OPS and COND_ACTION_BYTES; past any of them an
 * evaluation fails with "too much work in one answer: ...". */
void dt_cond_env_begin_action(dt_cond_env *env);
/* The work done since dt_cond_env_begin_action (for tests and benchmarks). */
typedef struct dt_cond_work_done {
    unsigned long evals, ops;
    size_t bytes;
} dt_cond_work_done;
void dt_cond_env_work(const dt_cond_env *env, dt_cond_work_done *out);

/* 1 when the last evaluation on env read a sensitive variable (its result is then sensitive too). */
int dt_cond_env_read_sensitive(const dt_cond_env *env);

/* Evaluate; 0 on success, -1 with msg on any error (unknown variable, op limit, type failure).
 * An environment may be reused for any number of evaluations; one thread at a time. */
int dt_cond_eval_bool(dt_cond_env *env, void *comp, int *out, char msg[COND_MSG]);
/* Evaluate and convert to the variable type; *out is canonical text allocated with dt_malloc
 * (caller frees with dt_free; NULL on error).  number: number() of the result, NaN is an error
 * "not a number: ..."; boolean: "true"/"false"; date: must be a real YYYY-MM-DD; others: string(),
 * at most 65536 bytes.  A message never quotes a result computed from a sensitive variable. */
int dt_cond_eval_value(dt_cond_env *env, void *comp, dt_var_type type, char **out,
                       char msg[COND_MSG]);

#endif
