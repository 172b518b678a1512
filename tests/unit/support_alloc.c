/*
 * support_alloc.c — the one failing allocator of the unit tests (support.h): a budget of
 * allocations before every later one fails, a count of live blocks to find leaks on the failure
 * paths, and the stepping loop that fails allocation k for every k.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "support.h"

static long budget = -1; /* allocations allowed before failing; -1 = unlimited */
static long live;        /* engine blocks outstanding */
static long failures;    /* failures injected since the last sup_alloc_fail_after */

static int take(void)
{
    if (budget == 0) {
        failures++;
        return 0;
    }
    if (budget > 0)
        budget--;
    return 1;
}

void *sup_malloc(size_t n)
{
    void *p = take() ? malloc(n) : NULL;
    live += p != NULL;
    return p;
}

void *sup_realloc(void *p, size_t n)
{
    if (!p)
        return sup_malloc(n);
    return take() ? realloc(p, n) : NULL;
}

void sup_free(void *p)
{
    live -= p != NULL;
    free(p);
}

void sup_alloc_install(void)
{
    static const dt_allocator a = {sup_malloc, sup_realloc, sup_free};
    dt_init();
    budget = -1;
    dt_set_allocator(&a);
}

void sup_alloc_remove(void)
{
    dt_set_allocator(NULL);
    budget = -1;
}

void sup_alloc_fail_after(long k)
{
    budget = k;
    failures = 0;
}

long sup_alloc_live(void)
{
    return live;
}

long sup_alloc_failures(void)
{
    return failures;
}

long sup_oom_step(const char *name, dt_status (*fn)(void *user), void *user)
{
    for (long k = 0; k < 1000000; k++) {
        long live0 = live;
        sup_alloc_fail_after(k);
        dt_status st = fn(user);
        long injected = failures;
        sup_alloc_fail_after(-1);
        if (live != live0)
            fail_msg("%s: %ld block(s) leaked when allocation %ld failed", name, live - live0, k);
        if (injected == 0) {
            if (st != DT_OK)
                fail_msg("%s: %s without any failure injected", name, dt_status_str(st));
            return k;
        }
        if (st != DT_ENOMEM)
            fail_msg("%s: allocation %ld failed, status %s (want out of memory)", name, k,
                     dt_status_str(st));
    }
    fail_msg("%s: never ran without a failure", name);
    return -1;
}
