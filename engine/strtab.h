/*
 * strtab.h — interned strings stored once in one growing buffer (internal).  A string is named by
 * its byte offset (dt_str); offset 0 is always the empty string.  Equal strings get equal offsets,
 * so ids compare as integers.  An interned string is stored as [4-byte tag][bytes][NUL].
 */
#ifndef DTREE_ENGINE_STRTAB_H
#define DTREE_ENGINE_STRTAB_H

#include <stddef.h>
#include <stdint.h>

typedef uint32_t dt_str;

typedef struct dt_strslot {
    uint32_t off1;     /* offset + 1; 0 = empty */
    uint32_t hash;     /* compared before the bytes, and reused when the table grows */
} dt_strslot;

typedef struct dt_strtab {
    char *buf;
    size_t len, cap;
    dt_strslot *slots; /* open addressing, at most half full */
    size_t nslots, count;
} dt_strtab;

/* 0 on success, -1 when out of memory. */
int dt_strtab_init(dt_strtab *t);
void dt_strtab_free(dt_strtab *t);
/* Intern s[0..n) (no NUL inside); returns 0 and sets *out, or -1 on OOM / table over 4 GiB.
 * Each interned string carries a 32-bit tag, 0 when added, for its owner's use (see dt_strtab_tag). */
int dt_strtab_add(dt_strtab *t, const char *s, size_t n, dt_str *out);
/* The same, with h == dt_strhash(s, n) already computed by the caller. */
int dt_strtab_add_hashed(dt_strtab *t, const char *s, size_t n, uint32_t h, dt_str *out);
/* The tag of a non-empty string returned by dt_strtab_add (not by dt_strtab_append): a map from
 * interned strings to numbers that costs no lookup, stored next to the bytes. */
uint32_t dt_strtab_get_tag(const dt_strtab *t, dt_str s);
void dt_strtab_set_tag(dt_strtab *t, dt_str s, uint32_t tag);
/* Store s[0..n) without looking for an equal string: for texts that are never looked up (what to
 * say, labels), where the lookup would cost more than the bytes it could save. */
int dt_strtab_append(dt_strtab *t, const char *s, size_t n, dt_str *out);
/* Offset of an already interned string, or UINT32_MAX when absent. */
dt_str dt_strtab_find(const dt_strtab *t, const char *s, size_t n);
const char *dt_strtab_get(const dt_strtab *t, dt_str off);
/* A fast 32-bit hash of s[0..n) for tables (not stable across versions: never store it). */
uint32_t dt_strhash(const char *s, size_t n);
/* A streaming 64-bit content hash for files (stored in recordings, so it must stay stable): eight
 * bytes at a time, the same result however the input is split into chunks. */
typedef struct dt_hash64 {
    uint64_t h, carry, len;
    unsigned ncarry;
} dt_hash64;
void dt_hash64_init(dt_hash64 *st);
void dt_hash64_update(dt_hash64 *st, const void *p, size_t n);
uint64_t dt_hash64_final(const dt_hash64 *st);
/* One-shot: the hash of p[0..n). */
uint64_t dt_hash64_bytes(const void *p, size_t n);

#endif
