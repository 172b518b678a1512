/*
 * cond_fn.h — the XPath string functions as conditions run them (internal to cond.c): linear
 * implementations of the ones libxml2 makes quadratic (translate, concat, contains,
 * substring-before, substring-after), and every string function charging the text it handles to
 * the work budget of the current action, so that no answer can make the engine work without bound.
 */
#ifndef DTREE_ENGINE_COND_FN_H
#define DTREE_ENGINE_COND_FN_H

#include <libxml/xpath.h>
#include <stddef.h>

typedef struct dt_cond_work {
    size_t bytes;     /* text handled by functions and variable reads in this action */
    size_t bytes_max; /* the budget; an evaluation that goes past it fails */
    int over;         /* set when the budget ran out (the evaluation failed for that reason) */
} dt_cond_work;

/* Charge n bytes; -1 (and w->over) when the budget is exceeded. */
int dt_cond_charge(dt_cond_work *w, size_t n);

/* Make ctx use these functions, charging *w (kept in ctx->funcLookupData). */
void dt_cond_fn_install(xmlXPathContextPtr ctx, dt_cond_work *w);

#endif
