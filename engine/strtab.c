/*
 * strtab.c — string interning.  Linear probing over a power-of-two table kept at most half full;
 * each slot keeps the string's hash, so a probe touches the bytes only on a hash match and growing
 * the table never rereads the strings.  Interning n strings costs O(total length) expected.
 */
#include "strtab.h"
#include "mem.h"
#include <string.h>

static uint64_t mix64(uint64_t h)
{
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ULL;
    h ^= h >> 32;
    return h;
}

/* Eight bytes at a time: the tables hash every text of a tree once, so this is on the load path. */
uint32_t dt_strhash(const char *s, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t k;
        memcpy(&k, s + i, 8);
        h = (h ^ mix64(k)) * 0x9fb21c651e98df25ULL;
    }
    uint64_t tail = 0;
    memcpy(&tail, s + i, n - i);
    h = (h ^ mix64(tail)) * 0x9fb21c651e98df25ULL;
    return (uint32_t)(mix64(h));
}

#define H64_MUL 0x9fb21c651e98df25ULL

void dt_hash64_init(dt_hash64 *st)
{
    memset(st, 0, sizeof *st);
    st->h = 0x243f6a8885a308d3ULL;
}

static void h64_word(dt_hash64 *st, uint64_t k)
{
    st->h = (st->h ^ mix64(k)) * H64_MUL;
}

void dt_hash64_update(dt_hash64 *st, const void *p, size_t n)
{
    const unsigned char *s = p;
    st->len += n;
    while (n && st->ncarry) { /* finish the word a previous chunk started */
        st->carry |= (uint64_t)*s++ << (8 * st->ncarry);
        n--;
        if (++st->ncarry == 8) {
            h64_word(st, st->carry);
            st->carry = 0;
            st->ncarry = 0;
        }
    }
    for (; n >= 8; s += 8, n -= 8) {
        uint64_t k = 0;
        for (int i = 0; i < 8; i++) /* little-endian by definition, whatever the machine */
            k |= (uint64_t)s[i] << (8 * i);
        h64_word(st, k);
    }
    for (; n; n--)
        st->carry |= (uint64_t)*s++ << (8 * st->ncarry++);
}

uint64_t dt_hash64_final(const dt_hash64 *st)
{
    uint64_t h = (st->h ^ mix64(st->carry ^ ((uint64_t)st->ncarry << 59))) * H64_MUL;
    return mix64(h ^ st->len);
}

uint64_t dt_hash64_bytes(const void *p, size_t n)
{
    dt_hash64 st;
    dt_hash64_init(&st);
    dt_hash64_update(&st, p, n);
    return dt_hash64_final(&st);
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

static int same(const dt_strtab *t, uint32_t off, const char *s, size_t n)
{
    const char *c = t->buf + off;
    return memcmp(c, s, n) == 0 && c[n] == '\0';
}

/* The slot holding s, or the empty slot where it would go. */
static size_t probe(const dt_strtab *t, const char *s, size_t n, uint32_t h)
{
    size_t mask = t->nslots - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const dt_strslot *sl = &t->slots[i];
        if (sl->off1 == 0 || (sl->hash == h && same(t, sl->off1 - 1, s, n)))
            return i;
    }
}

dt_str dt_strtab_find(const dt_strtab *t, const char *s, size_t n)
{
    if (n == 0)
        return 0;
    if (!t->slots)
        return UINT32_MAX;
    const dt_strslot *sl = &t->slots[probe(t, s, n, dt_strhash(s, n))];
    return sl->off1 ? sl->off1 - 1 : UINT32_MAX;
}

static int rehash(dt_strtab *t)
{
    size_t nn = t->nslots * 2;
    dt_strslot *ns = dt_calloc(nn, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; i < t->nslots; i++) {
        dt_strslot sl = t->slots[i];
        if (!sl.off1)
            continue;
        size_t j = sl.hash & (nn - 1);
        while (ns[j].off1)
            j = (j + 1) & (nn - 1);
        ns[j] = sl;
    }
    dt_free(t->slots);
    t->slots = ns;
    t->nslots = nn;
    return 0;
}

/* Store s[0..n) after `tag` zero bytes (the tag space of interned strings). */
static int put(dt_strtab *t, const char *s, size_t n, size_t tag, dt_str *out)
{
    if (t->len + tag + n + 1 >= UINT32_MAX - 1)
        return -1;
    if (t->len + tag + n + 1 > t->cap && dt_grow((void **)&t->buf, &t->cap, t->len + tag + n + 1, 1) != 0)
        return -1;
    memset(t->buf + t->len, 0, tag);
    uint32_t off = (uint32_t)(t->len + tag);
    memcpy(t->buf + off, s, n);
    t->buf[off + n] = '\0';
    t->len = off + n + 1;
    *out = off;
    return 0;
}

int dt_strtab_append(dt_strtab *t, const char *s, size_t n, dt_str *out)
{
    if (n == 0) {
        *out = 0;
        return 0;
    }
    return put(t, s, n, 0, out);
}

int dt_strtab_add(dt_strtab *t, const char *s, size_t n, dt_str *out)
{
    return dt_strtab_add_hashed(t, s, n, n ? dt_strhash(s, n) : 0, out);
}

int dt_strtab_add_hashed(dt_strtab *t, const char *s, size_t n, uint32_t h, dt_str *out)
{
    if (n == 0) {
        *out = 0;
        return 0;
    }
    size_t i = probe(t, s, n, h);
    if (t->slots[i].off1) {
        *out = t->slots[i].off1 - 1;
        return 0;
    }
    if ((t->count + 1) * 2 > t->nslots) {
        if (rehash(t) != 0)
            return -1;
        i = probe(t, s, n, h);
    }
    if (put(t, s, n, sizeof(uint32_t), out) != 0)
        return -1;
    t->slots[i].off1 = *out + 1;
    t->slots[i].hash = h;
    t->count++;
    return 0;
}

uint32_t dt_strtab_get_tag(const dt_strtab *t, dt_str s)
{
    uint32_t tag;
    memcpy(&tag, t->buf + s - sizeof tag, sizeof tag);
    return tag;
}

void dt_strtab_set_tag(dt_strtab *t, dt_str s, uint32_t tag)
{
    memcpy(t->buf + s - sizeof tag, &tag, sizeof tag);
}

const char *dt_strtab_get(const dt_strtab *t, dt_str off)
{
    return (t->buf && off < t->len) ? t->buf + off : "";
}
