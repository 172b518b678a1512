/*
 * mem.h — the engine's one allocation hook (internal).  Every engine allocation goes through these
 * so that tests can fail allocation k for every k (see tests/unit/test_oom.c).
 */
#ifndef DTREE_ENGINE_MEM_H
#define DTREE_ENGINE_MEM_H

#include <stddef.h>

void *dt_malloc(size_t size);
void *dt_calloc(size_t n, size_t size);   /* overflow-checked, zeroed */
void *dt_realloc(void *p, size_t size);
void dt_free(void *p);
char *dt_strdup(const char *s);
char *dt_strndup(const char *s, size_t n);
/* Grow *cap (doubling, at least `need`) and realloc *p to hold it; 0 on success, -1 on overflow/OOM
 * (then *p and *cap are unchanged). */
int dt_grow(void **p, size_t *cap, size_t need, size_t elem);

#endif
