/*
 * pattern_dialect.h — checking a pattern against the dialect and writing its PCRE2 form (internal;
 * see pattern.h and the "Patterns" section of docs/tree-format.md).
 */
#ifndef DTREE_ENGINE_PATTERN_DIALECT_H
#define DTREE_ENGINE_PATTERN_DIALECT_H

#include "pattern.h"

/* 0 and *out = the PCRE2 source, anchored as \A(?:...)\z (free with dt_free); -1 with why (text
 * that follows `pattern "..." `); -2 when out of memory. */
int dt_pattern_translate(const char *src, size_t len, char **out, char *why, size_t wsz);

#endif
