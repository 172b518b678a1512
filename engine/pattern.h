/*
 * pattern.h — input patterns (internal): one dialect that the engine (PCRE2) and a web page (an
 * HTML `pattern`, ECMAScript with the `v` flag) read the same way, checked and translated at load,
 * and matched against whole answers with PCRE2's match, depth and heap limits.
 */
#ifndef DTREE_ENGINE_PATTERN_H
#define DTREE_ENGINE_PATTERN_H

#include <stddef.h>

#define PATTERN_MAX_REPEAT 1000     /* largest bound in {n}, {n,} or {n,m} */
#define PATTERN_MAX_WEIGHT 10000    /* atoms once repeats are written out: (a{100}){100} is 10,000 */
#define PATTERN_MAX_GROUPS 32       /* groups nested in one another */
#define PATTERN_MATCH_LIMIT 1000000 /* PCRE2 match() calls per answer */
#define PATTERN_DEPTH_LIMIT 10000   /* PCRE2 backtracking depth per answer */
#define PATTERN_HEAP_KIB 4096       /* PCRE2 backtracking memory per answer */

typedef struct dt_pattern dt_pattern;

/* Check `src` (len bytes, valid UTF-8) against the dialect and compile it.  0 and *out (free with
 * dt_pattern_free); -1 with why = the reason, written to follow `pattern "..." ` (for example
 * "uses a back-reference (\1), which is not allowed: ..."); -2 when out of memory. */
int dt_pattern_compile(const char *src, size_t len, dt_pattern **out, char *why, size_t wsz);

/* Whether the whole of `subject` matches: 1 yes, 0 no, -1 the answer cannot be checked (a limit
 * was hit, or it is not valid UTF-8; why says which), -2 out of memory.  A limit hit is never a
 * match.  Thread-safe: p is only read. */
int dt_pattern_match(const dt_pattern *p, const char *subject, size_t len, char *why, size_t wsz);

void dt_pattern_free(dt_pattern *p);

#endif
