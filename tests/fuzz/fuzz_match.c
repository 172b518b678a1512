/*
 * fuzz_match.c — libFuzzer harness for answer matching (engine/match.c, dt_match_answer) and its
 * use by dt_session_choose_label.  Input: NUL-separated fields — the typed text, then labels (and,
 * when the flags byte says so, each label followed by its id).  dt_match_answer is compared with a
 * reference written here from the rules in dtree.h (digits, whole label or id, label start, word
 * start); then the labels become a question in a tree and choosing by the typed text must take
 * exactly the choice dt_match_answer names, and refuse (changing nothing) otherwise.
 */
#include "fuzz_common.h"

#include <ctype.h>
#include <stdint.h>

#define MAXN 12

/* ---- the reference, from the documented rules --------------------------------------------- */

static int ref_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int ref_eq(char a, char b)
{
    unsigned char x = (unsigned char)a, y = (unsigned char)b;
    if (x < 0x80 && isupper(x))
        x = (unsigned char)tolower(x);
    if (y < 0x80 && isupper(y))
        y = (unsigned char)tolower(y);
    return x == y;
}

static int ref_starts(const char *s, const char *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!s[i] || !ref_eq(s[i], t[i]))
            return 0;
    return 1;
}

static int ref_rule(int r, const char *t, size_t n, const char *label, const char *id)
{
    if (r == 0)
        return (ref_starts(label, t, n) && !label[n]) || (id && ref_starts(id, t, n) && !id[n]);
    if (r == 1)
        return ref_starts(label, t, n);
    for (size_t j = 1; label[0] && label[j]; j++) {
        unsigned char prev = (unsigned char)label[j - 1];
        if (prev < 0x80 && !isalnum(prev) && ref_starts(label + j, t, n))
            return 1;
    }
    return 0;
}

static dt_match_result reference(const char *text, const char *const *labels,
                                 const char *const *ids, size_t n, size_t *index, size_t *ncands)
{
    size_t len = strlen(text), start = 0;
    while (start < len && ref_space((unsigned char)text[start]))
        start++;
    while (len > start && ref_space((unsigned char)text[len - 1]))
        len--;
    const char *t = text + start;
    size_t tn = len - start, digits = 0;
    *ncands = 0;
    while (digits < tn && t[digits] >= '0' && t[digits] <= '9')
        digits++;
    if (tn && digits == tn) {
        size_t skip = 0; /* leading zeros do not count; anything past 6 digits is out of range */
        while (skip + 1 < tn && t[skip] == '0')
            skip++;
        if (tn - skip > 6)
            return DT_MATCH_RANGE;
        size_t v = (size_t)strtoul(t + skip, NULL, 10);
        if (v < 1 || v > n)
            return DT_MATCH_RANGE;
        *index = v - 1;
        return DT_MATCH_ONE;
    }
    if (!tn)
        return DT_MATCH_NONE;
    for (int r = 0; r < 3; r++) {
        size_t got = 0;
        for (size_t i = 0; i < n; i++)
            if (labels[i] && ref_rule(r, t, tn, labels[i], ids ? ids[i] : NULL)) {
                if (!got)
                    *index = i;
                got++;
            }
        if (got == 1)
            return DT_MATCH_ONE;
        if (got > 1)
            return *ncands = got, DT_MATCH_MANY;
    }
    return DT_MATCH_NONE;
}

/* ---- the same labels as a question --------------------------------------------------------- */

static void xml_text(fz_buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char ent[16];
        if (c == '<' || c == '&' || c == '>' || c == '\'' || c == '"' || c == '{' || c == '}' ||
            c < 0x20 || c == 0x7f) {
            snprintf(ent, sizeof ent, c == '{' || c == '}' ? "%c%c" : "&#%u;", c, c);
            if (c < 0x20 && c != '\t' && c != '\n')
                continue; /* not allowed in XML at all */
            fz_buf_write(b, ent, strlen(ent));
        } else {
            fz_buf_write(b, s, 1);
        }
    }
}

static void via_session(const char *text, const char *const *labels, const char *const *ids,
                        size_t n)
{
    fz_buf x = {0};
    fz_buf_write(&x, "<tree id='m' version='1' title='M' start='q'><question id='q'>", 62);
    for (size_t i = 0; i < n; i++) {
        char head[64];
        snprintf(head, sizeof head, "<choice id='c%zu' to='e'>", i);
        fz_buf_write(&x, head, strlen(head));
        xml_text(&x, labels[i]);
        fz_buf_write(&x, "</choice>", 9);
    }
    fz_buf_write(&x, "</question><end id='e' outcome='resolved'/></tree>", 50);
    dt_tree *t = NULL;
    (void)ids;
    if (dt_tree_load_memory(x.p, x.len, "match.xml", NULL, &t, NULL) == DT_OK) {
        dt_session *s = NULL;
        FZ_CHECK(dt_session_new(t, &s, NULL) == DT_OK && dt_session_start(s, NULL) == DT_OK);
        const dt_view *v = dt_session_view(s);
        const char *vl[MAXN], *vi[MAXN];
        for (size_t i = 0; i < v->choice_count && i < MAXN; i++)
            vl[i] = v->choices[i].label, vi[i] = v->choices[i].id;
        size_t idx = 0, nc = 0;
        dt_match_result m = dt_match_answer(text, vl, vi, v->choice_count, &idx, NULL, &nc);
        char want[16];
        snprintf(want, sizeof want, "%s", m == DT_MATCH_ONE ? vi[idx] : "");
        dt_status st = dt_session_choose_label(s, text, NULL);
        FZ_CHECK((st == DT_OK) == (m == DT_MATCH_ONE));
        if (st == DT_OK) {
            const dt_path_entry *e = dt_session_path_get(s, 0);
            FZ_CHECK(e && e->choice_id && !strcmp(e->choice_id, want));
        } else {
            FZ_CHECK(st == DT_EANSWER && dt_session_path_count(s) == 1 && !dt_session_ended(s));
        }
        dt_session_free(s);
    }
    dt_tree_free(t);
    free(x.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 4096)
        return 0;
    char *copy = malloc(size + 1);
    memcpy(copy, data + 1, size - 1);
    copy[size - 1] = 0;
    int with_ids = data[0] & 1;
    const char *text = copy, *labels[MAXN], *ids[MAXN];
    size_t n = 0;
    const char *p = copy + strlen(copy) + 1, *end = copy + size - 1;
    while (p < end && n < MAXN) {
        labels[n] = p;
        p += strlen(p) + 1;
        ids[n] = p < end ? p : "";
        if (with_ids)
            p += strlen(ids[n]) + 1;
        n++;
    }
    if (data[0] & 2 && n)
        labels[data[0] % n] = NULL; /* NULL labels never match */
    size_t idx = SIZE_MAX, ridx = SIZE_MAX, nc = 0, rnc = 0, cands[MAXN];
    dt_match_result got = dt_match_answer(text, labels, with_ids ? ids : NULL, n, &idx, cands, &nc);
    dt_match_result want = reference(text, labels, with_ids ? ids : NULL, n, &ridx, &rnc);
    if (got != want || (got == DT_MATCH_ONE && idx != ridx) || nc != rnc)
        fprintf(stderr, "dt_match_answer: %d (index %zu, %zu candidates), reference %d (%zu, %zu)\n",
                got, idx, nc, want, ridx, rnc);
    FZ_CHECK(got == want && nc == rnc);
    FZ_CHECK(got != DT_MATCH_ONE || idx == ridx);
    for (size_t i = 0; got == DT_MATCH_MANY && i < nc; i++)
        FZ_CHECK(cands[i] < n && (i == 0 || cands[i] > cands[i - 1]));
    if (!(data[0] & 2) && n)
        via_session(text, labels, NULL, n);
    free(copy);
    return 0;
}
