/*
 * mem.c — the allocation hook.  The allocator is process-wide and set before objects exist, so the
 * pointers are read without locking.
 */
#include "mem.h"
#include "dtree.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static dt_allocator alloc_hook = {malloc, realloc, free};

void dt_set_allocator(const dt_allocator *a)
{
    if (a && a->malloc_fn && a->realloc_fn && a->free_fn)
        alloc_hook = *a;
    else
        alloc_hook = (dt_allocator){malloc, realloc, free};
}

void *dt_malloc(size_t size)
{
    return alloc_hook.malloc_fn(size ? size : 1);
}

void *dt_calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    void *p = dt_malloc(n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void *dt_realloc(void *p, size_t size)
{
    return alloc_hook.realloc_fn(p, size ? size : 1);
}

void dt_free(void *p)
{
    if (p)
        alloc_hook.free_fn(p);
}

char *dt_strndup(const char *s, size_t n)
{
    char *d = dt_malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *dt_strdup(const char *s)
{
    return dt_strndup(s, strlen(s));
}

int dt_grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return -1;
        ncap *= 2;
    }
    if (elem && ncap > SIZE_MAX / elem)
        return -1;
    void *np = dt_realloc(*p, ncap * elem);
    if (!np)
        return -1;
    *p = np;
    *cap = ncap;
    return 0;
}
