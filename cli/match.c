/*
 * match.c — answer matching (see match.h).  The rules apply in order and the first rule that
 * matches anything decides, so a longer, more specific answer never becomes ambiguous because of
 * a looser rule further down.
 */
#include "match.h"

#include "utf8.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int number(const char *s, size_t *out)
{
    size_t v = 0;
    if (!*s) return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > 100000) return 0;
        v = v * 10 + (size_t)(*s - '0');
    }
    *out = v;
    return 1;
}

static int word_start(const char *label, const char *p)
{
    unsigned char prev;
    if (p == label) return 1;
    prev = (unsigned char)p[-1];
    return prev < 0x80 && !isalnum(prev);
}

/* typed is a prefix of a word of label (a word starts after a non-alphanumeric ASCII char). */
static int word_match(const char *typed, const char *label)
{
    const char *p;
    for (p = label; *p; p++)
        if (word_start(label, p) && u8_caseprefix(typed, p)) return 1;
    return 0;
}

typedef int (*rule_fn)(const char *typed, const char *label, const char *id);

static int rule_exact(const char *t, const char *l, const char *id)
{
    return u8_casecmp(t, l) == 0 || (id && u8_casecmp(t, id) == 0);
}
static int rule_prefix(const char *t, const char *l, const char *id)
{
    (void)id;
    return u8_caseprefix(t, l);
}
static int rule_word(const char *t, const char *l, const char *id)
{
    (void)id;
    return word_match(t, l);
}

mt_result mt_match(const char *typed, const char *const *labels, const char *const *ids, size_t n,
                   size_t *index, size_t *cands, size_t *ncands)
{
    static const rule_fn rules[] = {rule_exact, rule_prefix, rule_word};
    size_t r, i, k;

    *ncands = 0;
    if (number(typed, index)) {
        if (*index < 1 || *index > n) return MT_RANGE;
        (*index)--;
        return MT_ONE;
    }
    if (!*typed) return MT_NONE;
    for (r = 0; r < sizeof rules / sizeof rules[0]; r++) {
        for (i = k = 0; i < n; i++)
            if (rules[r](typed, labels[i], ids ? ids[i] : NULL)) cands[k++] = i;
        if (k == 1) {
            *index = cands[0];
            return MT_ONE;
        }
        if (k > 1) {
            *ncands = k;
            return MT_MANY;
        }
    }
    return MT_NONE;
}
