/*
 * interp.h — the `{name}` interpolation syntax of tree text (internal).  One scanner serves the
 * loader (checking names at load) and the session (rendering), so both agree on the syntax.
 */
#ifndef DTREE_ENGINE_INTERP_H
#define DTREE_ENGINE_INTERP_H

#include <stddef.h>

/* Called for each literal run (is_var 0) and each {name} (is_var 1, s/n = the name).  Return 0 to go
 * on, nonzero to stop (the value is returned by dt_interp_walk). */
typedef int (*dt_interp_fn)(void *ud, const char *s, size_t n, int is_var);

/* Walk `text`: "{{" and "}}" are literal braces.  Returns 0, the callback's nonzero value, or -1 for
 * bad syntax (lone brace, empty or invalid name) with *bad_off set to the byte offset of the brace. */
int dt_interp_walk(const char *text, dt_interp_fn fn, void *ud, size_t *bad_off);

/* 1 when s[0..n) is a valid variable name: [A-Za-z_][A-Za-z0-9_]* */
int dt_name_valid(const char *s, size_t n);

#endif
