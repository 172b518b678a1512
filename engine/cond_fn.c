/*
 * cond_fn.c — bounded XPath string functions.  libxml2's translate() is O(|s|·|from|) (2.2 s on
 * 64 KiB strings), contains() and substring-before/after() search naively, and concat() copies
 * its result once per argument; its op counter sees each as one operation.  Here those five are
 * linear (memmem, a sorted table for translate, one copy for concat), the others are libxml2's own,
 * and every one charges the bytes it reads and writes to the action's budget first.  Semantics are
 * XPath 1.0's, character by character (UTF-8 code points), as libxml2 implements them.
 */
#define _GNU_SOURCE /* memmem */
#include "cond_fn.h"
#include "mem.h"
#include <libxml/xpathInternals.h>
#include <stdlib.h>
#include <string.h>

int dt_cond_charge(dt_cond_work *w, size_t n)
{
    w->bytes += n;
    if (w->bytes <= w->bytes_max)
        return 0;
    w->over = 1;
    return -1;
}

static dt_cond_work *work_of(xmlXPathParserContextPtr ctxt)
{
    return ctxt->context->funcLookupData;
}

/* Charge n bytes; on failure raise the op-limit error so that libxml2 unwinds the evaluation. */
static int charge(xmlXPathParserContextPtr ctxt, size_t n)
{
    if (dt_cond_charge(work_of(ctxt), n) == 0)
        return 0;
    xmlXPathErr(ctxt, XPATH_OP_LIMIT_EXCEEDED);
    return -1;
}

/* The text of the top `nargs` arguments still on the stack (numbers and booleans are short). */
static size_t args_size(xmlXPathParserContextPtr ctxt, int nargs)
{
    size_t n = 0;
    for (int i = 1; i <= nargs && i <= ctxt->valueNr; i++) {
        xmlXPathObjectPtr o = ctxt->valueTab[ctxt->valueNr - i];
        n += (o && o->type == XPATH_STRING && o->stringval) ? strlen((const char *)o->stringval) : 8;
    }
    return n;
}

/* Pop n string arguments into a[0..n) (caller frees each with xmlFree); -1 on error. */
static int pop_strings(xmlXPathParserContextPtr ctxt, int n, xmlChar **a)
{
    for (int i = n - 1; i >= 0; i--)
        a[i] = NULL;
    for (int i = n - 1; i >= 0; i--) {
        a[i] = xmlXPathPopString(ctxt);
        if (!a[i] || ctxt->error) {
            for (int k = i; k < n; k++)
                xmlFree(a[k]);
            if (!ctxt->error)
                xmlXPathErr(ctxt, XPATH_MEMORY_ERROR);
            return -1;
        }
    }
    return 0;
}

static void push_string(xmlXPathParserContextPtr ctxt, xmlChar *s)
{
    xmlXPathObjectPtr o = s ? xmlXPathWrapString(s) : NULL;
    if (!o) {
        xmlFree(s);
        xmlXPathErr(ctxt, XPATH_MEMORY_ERROR);
        return;
    }
    valuePush(ctxt, o);
}

static xmlChar *copy_n(const xmlChar *s, size_t n)
{
    xmlChar *r = xmlMalloc(n + 1);
    if (r) {
        memcpy(r, s, n);
        r[n] = 0;
    }
    return r;
}

/* ---- concat: one allocation, one copy ---- */

static void fn_concat(xmlXPathParserContextPtr ctxt, int nargs)
{
    if (nargs < 2 || nargs > ctxt->valueNr)
        XP_ERROR(XPATH_INVALID_ARITY);
    if (charge(ctxt, 2 * args_size(ctxt, nargs)))
        return;
    xmlChar **a = dt_malloc((size_t)nargs * sizeof *a);
    if (!a)
        XP_ERROR(XPATH_MEMORY_ERROR);
    if (pop_strings(ctxt, nargs, a)) {
        dt_free(a);
        return;
    }
    size_t total = 0;
    for (int i = 0; i < nargs; i++)
        total += strlen((const char *)a[i]);
    xmlChar *r = xmlMalloc(total + 1);
    size_t at = 0;
    for (int i = 0; i < nargs; i++) {
        size_t n = strlen((const char *)a[i]);
        if (r)
            memcpy(r + at, a[i], n);
        at += n;
        xmlFree(a[i]);
    }
    if (r)
        r[total] = 0;
    dt_free(a);
    push_string(ctxt, r);
}

/* ---- contains, substring-before, substring-after: memmem is linear (two-way) ---- */

enum { F_CONTAINS, F_BEFORE, F_AFTER };

static void search(xmlXPathParserContextPtr ctxt, int nargs, int what)
{
    if (nargs != 2)
        XP_ERROR(XPATH_INVALID_ARITY);
    if (charge(ctxt, 2 * args_size(ctxt, nargs)))
        return;
    xmlChar *a[2];
    if (pop_strings(ctxt, 2, a))
        return;
    size_t n = strlen((const char *)a[0]), m = strlen((const char *)a[1]);
    const xmlChar *hit = memmem(a[0], n, a[1], m);
    if (what == F_CONTAINS) {
        xmlXPathObjectPtr o = xmlXPathNewBoolean(hit != NULL);
        if (o)
            valuePush(ctxt, o);
        else
            xmlXPathErr(ctxt, XPATH_MEMORY_ERROR);
    } else if (!hit) {
        push_string(ctxt, copy_n((const xmlChar *)"", 0));
    } else if (what == F_BEFORE) {
        push_string(ctxt, copy_n(a[0], (size_t)(hit - a[0])));
    } else {
        size_t from = (size_t)(hit - a[0]) + m;
        push_string(ctxt, copy_n(a[0] + from, n - from));
    }
    xmlFree(a[0]);
    xmlFree(a[1]);
}

static void fn_contains(xmlXPathParserContextPtr c, int n) { search(c, n, F_CONTAINS); }
static void fn_before(xmlXPathParserContextPtr c, int n) { search(c, n, F_BEFORE); }
static void fn_after(xmlXPathParserContextPtr c, int n) { search(c, n, F_AFTER); }

/* ---- translate: a direct table for ASCII, a sorted one for the other characters ---- */

/* Length of the UTF-8 character at s (1 for a stray byte, so any input makes progress). */
static size_t char_len(const xmlChar *s)
{
    size_t n = s[0] < 0x80 ? 1 : s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 1;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 1;
    return n;
}

static uint32_t char_key(const xmlChar *s, size_t n)
{
    uint32_t k = 0;
    for (size_t i = 0; i < n; i++)
        k = (k << 8) | s[i]; /* the bytes themselves: unique per character, cheap to compare */
    return k;
}

typedef struct tr_entry {
    uint32_t key;
    uint32_t index;        /* position in `from` (the first occurrence wins) */
    const xmlChar *to;     /* replacement, or NULL to delete */
    size_t to_len;
} tr_entry;

typedef struct tr_map {
    tr_entry ascii[128];   /* key 0: not in `from` */
    tr_entry *other;       /* sorted by key, duplicates removed */
    size_t nother;
} tr_map;

static int tr_cmp(const void *a, const void *b)
{
    const tr_entry *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Fill m from `from` and `to`; m->other must hold one entry per character of `from`. */
static void tr_build(const xmlChar *from, const xmlChar *to, tr_map *m)
{
    size_t n = 0, k = 0;
    const xmlChar *q = to;
    memset(m->ascii, 0, sizeof m->ascii);
    for (const xmlChar *p = from; *p; n++) {
        size_t len = char_len(p), qlen = *q ? char_len(q) : 0;
        tr_entry e = {char_key(p, len), (uint32_t)n, qlen ? q : NULL, qlen};
        if (*p < 0x80 && !m->ascii[*p].key)
            m->ascii[*p] = e;
        else if (*p >= 0x80)
            m->other[k++] = e;
        p += len;
        q += qlen;
    }
    qsort(m->other, k, sizeof *m->other, tr_cmp);
    m->nother = 0;
    for (size_t i = 0; i < k; i++)
        if (m->nother == 0 || m->other[m->nother - 1].key != m->other[i].key)
            m->other[m->nother++] = m->other[i];
}

static const tr_entry *tr_find(const tr_map *m, const xmlChar *p, size_t len)
{
    if (*p < 0x80)
        return m->ascii[*p].key ? &m->ascii[*p] : NULL;
    uint32_t key = char_key(p, len);
    size_t lo = 0, hi = m->nother;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->other[mid].key == key)
            return &m->other[mid];
        if (m->other[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static xmlChar *tr_apply(const xmlChar *s, const tr_map *m)
{
    size_t n = strlen((const char *)s);
    xmlChar *r = xmlMalloc(4 * n + 1); /* a 1-byte character may become a 4-byte one */
    if (!r)
        return NULL;
    size_t o = 0;
    for (const xmlChar *p = s; *p;) {
        size_t len = char_len(p);
        const tr_entry *e = tr_find(m, p, len);
        if (!e) {
            memcpy(r + o, p, len);
            o += len;
        } else if (e->to) {
            memcpy(r + o, e->to, e->to_len);
            o += e->to_len;
        }
        p += len;
    }
    r[o] = 0;
    return r;
}

static void fn_translate(xmlXPathParserContextPtr ctxt, int nargs)
{
    if (nargs != 3)
        XP_ERROR(XPATH_INVALID_ARITY);
    if (charge(ctxt, 4 * args_size(ctxt, nargs)))
        return;
    xmlChar *a[3];
    if (pop_strings(ctxt, 3, a))
        return;
    tr_map *m = dt_malloc(sizeof *m);
    tr_entry *other = m ? dt_malloc((strlen((const char *)a[1]) + 1) * sizeof *other) : NULL;
    xmlChar *r = NULL;
    if (other) {
        m->other = other;
        tr_build(a[1], a[2], m);
        r = tr_apply(a[0], m);
    }
    dt_free(other);
    dt_free(m);
    for (int i = 0; i < 3; i++)
        xmlFree(a[i]);
    push_string(ctxt, r);
}

/* ---- libxml2's own (linear) functions, charged ---- */

#define CHARGED(name, impl)                                           \
    static void name(xmlXPathParserContextPtr ctxt, int nargs)        \
    {                                                                 \
        if (charge(ctxt, args_size(ctxt, nargs)) == 0)                \
            impl(ctxt, nargs);                                        \
    }

CHARGED(fn_string, xmlXPathStringFunction)
CHARGED(fn_starts_with, xmlXPathStartsWithFunction)
CHARGED(fn_substring, xmlXPathSubstringFunction)
CHARGED(fn_string_length, xmlXPathStringLengthFunction)
CHARGED(fn_normalize, xmlXPathNormalizeFunction)
CHARGED(fn_number, xmlXPathNumberFunction)
CHARGED(fn_boolean, xmlXPathBooleanFunction)

static const struct {
    const char *name;
    xmlXPathFunction fn;
} bounded[] = {
    {"concat", fn_concat},           {"contains", fn_contains},
    {"substring-before", fn_before}, {"substring-after", fn_after},
    {"translate", fn_translate},     {"string", fn_string},
    {"starts-with", fn_starts_with}, {"substring", fn_substring},
    {"string-length", fn_string_length}, {"normalize-space", fn_normalize},
    {"number", fn_number},           {"boolean", fn_boolean},
};

static xmlXPathFunction lookup(void *ud, const xmlChar *name, const xmlChar *ns)
{
    (void)ud;
    if (ns)
        return NULL;
    for (size_t i = 0; i < sizeof bounded / sizeof bounded[0]; i++)
        if (strcmp((const char *)name, bounded[i].name) == 0)
            return bounded[i].fn;
    return NULL; /* not, true, false, floor, ceiling, round: libxml2's, constant work */
}

void dt_cond_fn_install(xmlXPathContextPtr ctx, dt_cond_work *w)
{
    xmlXPathRegisterFuncLookup(ctx, lookup, w);
}
