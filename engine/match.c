/*
 * match.c — the one rule that turns what a person typed into one of the labels on screen (see
 * dt_match_answer in dtree.h).  The rules apply in order and the first rule that matches anything
 * decides, so a longer, more specific answer never becomes ambiguous because of a looser rule
 * further down.  Surrounding white space never counts (Tab completion adds a trailing space).
 * No allocation: linear in the typed text times the labels' total length, bounded by the caller.
 */
#include "dtree.h"

#include <stdint.h>
#include <string.h>

static int lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* The typed text without surrounding white space: t[0..n). */
typedef struct typed {
    const char *t;
    size_t n;
} typed;

/* 1 when s starts with the n bytes of p, ASCII letters compared case-insensitively. */
static int caseprefix(const typed *p, const char *s)
{
    for (size_t i = 0; i < p->n; i++)
        if (!s[i] || lower((unsigned char)p->t[i]) != lower((unsigned char)s[i]))
            return 0;
    return 1;
}

static int caseequal(const typed *p, const char *s)
{
    return s && caseprefix(p, s) && s[p->n] == '\0';
}

static int number(const typed *p, size_t *out)
{
    size_t v = 0;
    if (p->n == 0)
        return 0;
    for (size_t i = 0; i < p->n; i++) {
        char c = p->t[i];
        if (c < '0' || c > '9')
            return 0;
        /* saturate: a long number is still a number (out of range), never a label to match */
        v = v > SIZE_MAX / 10 - 10 ? SIZE_MAX : v * 10 + (size_t)(c - '0');
    }
    *out = v;
    return 1;
}

static int alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A word starts after a non-alphanumeric ASCII byte (never inside a multi-byte character). */
static int word_start(const char *label, const char *at)
{
    unsigned char prev;
    if (at == label)
        return 1;
    prev = (unsigned char)at[-1];
    return prev < 0x80 && !alnum(prev);
}

typedef int (*rule_fn)(const typed *t, const char *label, const char *id);

static int rule_exact(const typed *t, const char *label, const char *id)
{
    return caseequal(t, label) || (id && caseequal(t, id));
}

static int rule_prefix(const typed *t, const char *label, const char *id)
{
    (void)id;
    return caseprefix(t, label);
}

static int rule_word(const typed *t, const char *label, const char *id)
{
    (void)id;
    for (const char *p = label; *p; p++)
        if (word_start(label, p) && caseprefix(t, p))
            return 1;
    return 0;
}

dt_match_result dt_match_answer(const char *text, const char *const *labels,
                                const char *const *ids, size_t n, size_t *index, size_t *cands,
                                size_t *ncands)
{
    static const rule_fn rules[] = {rule_exact, rule_prefix, rule_word};
    typed t = {text ? text : "", 0};
    size_t got = 0, at = 0;

    if (ncands)
        *ncands = 0;
    while (space((unsigned char)*t.t))
        t.t++;
    t.n = strlen(t.t);
    while (t.n && space((unsigned char)t.t[t.n - 1]))
        t.n--;
    if (number(&t, &at)) {
        if (at < 1 || at > n)
            return DT_MATCH_RANGE;
        if (index)
            *index = at - 1;
        return DT_MATCH_ONE;
    }
    if (t.n == 0 || !labels)
        return DT_MATCH_NONE;
    for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++) {
        got = 0;
        for (size_t i = 0; i < n; i++) {
            if (!labels[i] || !rules[r](&t, labels[i], ids ? ids[i] : NULL))
                continue;
            if (got == 0)
                at = i;
            if (cands)
                cands[got] = i;
            got++;
        }
        if (got == 1 && index)
            *index = at;
        if (got == 1)
            return DT_MATCH_ONE;
        if (got > 1) {
            if (ncands)
                *ncands = got;
            return DT_MATCH_MANY;
        }
    }
    return DT_MATCH_NONE;
}
