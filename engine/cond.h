/*
 * cond.h — conditions and computations in XPath 1.0, on libxml2's XPath engine (internal).
 * Expressions are compiled once at load; evaluation runs on a per-session environment whose
 * variables come from a lookup callback.  Every libxml2 error is an error here, never a silent false.
 */
#ifndef DT_COND_H
#define DT_COND_H

#include "dtree.h"
#include <stddef.h>

#define DT_COND_MSG 200

/* Asked at compile time whether `$name` is declared (1) or not (0). */
typedef int (*dt_cond_known_fn)(void *ud, const char *name, size_t len);

/* Compile `src`.  On success returns 0 and *comp (free with dt_cond_free).  On failure returns -1,
 * *off is the 0-based byte offset in src where the problem is, and msg holds the reason. */
int dt_cond_compile(const char *src, dt_cond_known_fn known, void *ud, void **comp, size_t *off,
                    char msg[DT_COND_MSG]);
void dt_cond_free(void *comp);

/* A variable's current value as conditions see it. */
typedef struct dt_cond_value {
    dt_var_type type;   /* number -> XPath number, boolean -> boolean, others -> string */
    const char *text;   /* canonical text */
} dt_cond_value;

/* Look up `$name`: return 0 and fill *out, or -1 when unknown. */
typedef int (*dt_cond_lookup_fn)(void *ud, const char *name, dt_cond_value *out);

typedef struct dt_cond_env dt_cond_env;
dt_cond_env *dt_cond_env_new(dt_cond_lookup_fn lookup, void *ud);
void dt_cond_env_free(dt_cond_env *env);

/* Evaluate; 0 on success, -1 with msg on any error (unknown variable, op limit, type failure). */
int dt_cond_eval_bool(dt_cond_env *env, void *comp, int *out, char msg[DT_COND_MSG]);
/* Evaluate and convert to the variable type; *out is canonical text allocated with dt_malloc. */
int dt_cond_eval_value(dt_cond_env *env, void *comp, dt_var_type type, char **out,
                       char msg[DT_COND_MSG]);

#endif
