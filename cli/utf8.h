/*
 * utf8.h — small UTF-8 helpers shared by the CLI's renderer, input adapter and JSON writer.
 * Decoding is strict (no overlongs, no surrogates, nothing above U+10FFFF), so that every byte the
 * CLI prints or stores is either part of a valid character or reported as invalid.
 */
#ifndef DTREE_CLI_UTF8_H
#define DTREE_CLI_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decode the character at s (n bytes available).  Returns its length (1-4) and sets *cp; returns 0
 * for an invalid or truncated sequence (then *cp is the first byte, and one byte should be skipped). */
size_t u8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* Encode cp (a valid scalar value) into out (at least 4 bytes); returns the length. */
size_t u8_encode(uint32_t cp, char *out);

/* Number of characters (code points) in s; an invalid byte counts as one. */
size_t u8_length(const char *s);
size_t u8_length_n(const char *s, size_t n);      /* the same over n bytes */
/* Byte offset just after the first `chars` characters of s (n bytes), or n if it is shorter. */
size_t u8_offset(const char *s, size_t n, size_t chars);

/* A new string (malloc) equal to s with each invalid byte replaced by U+FFFD and, when
 * drop_controls, the C0 controls and DEL removed (tab, CR and LF become a space).  NULL when out of memory. */
char *u8_repair(const char *s, int drop_controls);

/* ASCII-only case-insensitive comparisons (labels are matched this way; see docs/dtree.1). */
int u8_casecmp(const char *a, const char *b);
int u8_caseprefix(const char *prefix, const char *s);   /* 1 when s starts with prefix */

#endif
