/*
 * strtab.h — interned strings stored once in one growing buffer (internal).  A string is named by
 * its byte offset (dt_str); offset 0 is always the empty string.  Equal strings get equal offsets,
 * so ids compare as integers.
 */
#ifndef DT_STRTAB_H
#define DT_STRTAB_H

#include <stddef.h>
#include <stdint.h>

typedef uint32_t dt_str;

typedef struct dt_strtab {
    char *buf;
    size_t len, cap;
    uint32_t *slots;   /* open addressing: offset+1, 0 = empty */
    size_t nslots, count;
} dt_strtab;

/* 0 on success, -1 when out of memory. */
int dt_strtab_init(dt_strtab *t);
void dt_strtab_free(dt_strtab *t);
/* Intern s[0..n) (no NUL inside); returns 0 and sets *out, or -1 on OOM / table over 4 GiB. */
int dt_strtab_add(dt_strtab *t, const char *s, size_t n, dt_str *out);
/* Offset of an already interned string, or UINT32_MAX when absent. */
dt_str dt_strtab_find(const dt_strtab *t, const char *s, size_t n);
const char *dt_strtab_get(const dt_strtab *t, dt_str off);
/* FNV-1a 64 over bytes; also used for file hashes. */
uint64_t dt_fnv1a(const void *p, size_t n, uint64_t h);
#define DT_FNV_SEED 0xcbf29ce484222325ULL

#endif
