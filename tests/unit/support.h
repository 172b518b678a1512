/*
 * support.h — what the unit tests share (tests/unit/support_*.c, linked into every test program):
 * the failing allocator behind every out-of-memory test, and writing test files.
 */
#ifndef DTREE_TESTS_SUPPORT_H
#define DTREE_TESTS_SUPPORT_H

#include "dtree.h"
#include <stddef.h>

/* ---- the failing allocator (support_alloc.c) ----
 * Installed with dt_set_allocator; counts the engine's live blocks.  After sup_alloc_fail_after(k),
 * k more allocations succeed and every later one fails (counted in sup_alloc_failures) until
 * sup_alloc_fail_after(-1). */
void sup_alloc_install(void);   /* also runs dt_init, whose one-time set-up is not counted */
void sup_alloc_remove(void);    /* back to malloc; no failures */
void sup_alloc_fail_after(long k);
long sup_alloc_live(void);
long sup_alloc_failures(void);
void *sup_malloc(size_t n);     /* the hook itself, for tests that build their own dt_allocator */
void *sup_realloc(void *p, size_t n);
void sup_free(void *p);

/* Lua's method: run `fn` with allocation k failing, for k = 0, 1, 2 ... until a run has no failure
 * injected (it must then return DT_OK).  Every run with a failure must return DT_ENOMEM (nothing
 * may swallow one) and leave no block allocated.  `name` goes in failure messages.  Returns the
 * number of allocation points stepped through. */
long sup_oom_step(const char *name, dt_status (*fn)(void *user), void *user);

/* ---- files (support_file.c) ---- */
/* Write n bytes to `path` (asserting every call succeeds). */
void sup_write(const char *path, const void *data, size_t n);
/* Write the string `text` to dir/name. */
void sup_put(const char *dir, const char *name, const char *text);
/* A new directory /tmp/PREFIX.XXXXXX in dir, and dir/NAME in path (each of at least size bytes). */
void sup_tmpdir(char *dir, size_t size, const char *prefix, char *path, const char *name);
/* Remove dir and everything in it: 0, or -1 (a cmocka teardown's result). */
int sup_rmtree(const char *dir);
/* A cmocka fixture for the recorder's tests: a new directory sup_store_dir, and the path of a
 * store s.db in it (not made) in sup_store_db; the teardown removes the directory. */
extern char sup_store_dir[64], sup_store_db[128];
int sup_store_setup(void **state);
int sup_store_teardown(void **state);
/* A tree of two questions answered "1" for ever (q1 -> q2 -> q1 ...): as many answers as a test
 * wants to record.  The caller frees it. */
dt_tree *sup_loop_tree(void);

#endif
