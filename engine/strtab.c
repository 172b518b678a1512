/*
 * strtab.c — string interning.  Linear probing over a power-of-two table kept at most half full, so
 * interning n strings costs O(total length) expected.
 */
#include "strtab.h"
#include "mem.h"
#include <string.h>

uint64_t dt_fnv1a(const void *p, size_t n, uint64_t h)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

int dt_strtab_init(dt_strtab *t)
{
    memset(t, 0, sizeof *t);
    t->cap = 4096;
    t->buf = dt_malloc(t->cap);
    t->nslots = 1024;
    t->slots = dt_calloc(t->nslots, sizeof *t->slots);
    if (!t->buf || !t->slots) {
        dt_strtab_free(t);
        return -1;
    }
    t->buf[0] = '\0';
    t->len = 1;
    return 0;
}

void dt_strtab_free(dt_strtab *t)
{
    dt_free(t->buf);
    dt_free(t->slots);
    memset(t, 0, sizeof *t);
}

static size_t slot_of(const dt_strtab *t, const char *s, size_t n)
{
    return (size_t)dt_fnv1a(s, n, DT_FNV_SEED) & (t->nslots - 1);
}

static int same(const dt_strtab *t, uint32_t off, const char *s, size_t n)
{
    const char *c = t->buf + off;
    return strncmp(c, s, n) == 0 && c[n] == '\0';
}

dt_str dt_strtab_find(const dt_strtab *t, const char *s, size_t n)
{
    if (n == 0)
        return 0;
    if (!t->slots)
        return UINT32_MAX;
    for (size_t i = slot_of(t, s, n);; i = (i + 1) & (t->nslots - 1)) {
        uint32_t v = t->slots[i];
        if (v == 0)
            return UINT32_MAX;
        if (same(t, v - 1, s, n))
            return v - 1;
    }
}

static int rehash(dt_strtab *t)
{
    size_t nn = t->nslots * 2;
    uint32_t *ns = dt_calloc(nn, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; i < t->nslots; i++) {
        uint32_t v = t->slots[i];
        if (!v)
            continue;
        const char *s = t->buf + v - 1;
        size_t j = (size_t)dt_fnv1a(s, strlen(s), DT_FNV_SEED) & (nn - 1);
        while (ns[j])
            j = (j + 1) & (nn - 1);
        ns[j] = v;
    }
    dt_free(t->slots);
    t->slots = ns;
    t->nslots = nn;
    return 0;
}

int dt_strtab_add(dt_strtab *t, const char *s, size_t n, dt_str *out)
{
    if (n == 0) {
        *out = 0;
        return 0;
    }
    dt_str f = dt_strtab_find(t, s, n);
    if (f != UINT32_MAX) {
        *out = f;
        return 0;
    }
    if ((t->count + 1) * 2 > t->nslots && rehash(t) != 0)
        return -1;
    if (t->len + n + 1 >= UINT32_MAX - 1)
        return -1;
    if (dt_grow((void **)&t->buf, &t->cap, t->len + n + 1, 1) != 0)
        return -1;
    uint32_t off = (uint32_t)t->len;
    memcpy(t->buf + off, s, n);
    t->buf[off + n] = '\0';
    t->len += n + 1;
    size_t i = slot_of(t, s, n);
    while (t->slots[i])
        i = (i + 1) & (t->nslots - 1);
    t->slots[i] = off + 1;
    t->count++;
    *out = off;
    return 0;
}

const char *dt_strtab_get(const dt_strtab *t, dt_str off)
{
    return (t->buf && off < t->len) ? t->buf + off : "";
}
