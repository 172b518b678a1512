/*
 * interp.c — scanning `{name}` placeholders.  Linear in the text; literal runs are passed as slices
 * of the input, so rendering needs no intermediate copies.
 */
#include "interp.h"

static int is_alpha_(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

int dt_name_valid(const char *s, size_t n)
{
    if (n == 0 || !is_alpha_(s[0]))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!is_alpha_(s[i]) && !(s[i] >= '0' && s[i] <= '9'))
            return 0;
    return 1;
}

static int flush(dt_interp_fn fn, void *ud, const char *s, size_t n)
{
    return n ? fn(ud, s, n, 0) : 0;
}

int dt_interp_walk(const char *text, dt_interp_fn fn, void *ud, size_t *bad_off)
{
    const char *run = text;
    const char *p = text;
    int rc;
    while (*p) {
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            if ((rc = flush(fn, ud, run, (size_t)(p - run) + 1)) != 0)
                return rc;
            p += 2;
            run = p;
        } else if (*p == '{') {
            const char *name = p + 1, *end = name;
            while (*end && *end != '}' && *end != '{')
                end++;
            if (*end != '}' || !dt_name_valid(name, (size_t)(end - name))) {
                *bad_off = (size_t)(p - text);
                return -1;
            }
            if ((rc = flush(fn, ud, run, (size_t)(p - run))) != 0 ||
                (rc = fn(ud, name, (size_t)(end - name), 1)) != 0)
                return rc;
            p = end + 1;
            run = p;
        } else if (*p == '}') {
            *bad_off = (size_t)(p - text);
            return -1;
        } else {
            p++;
        }
    }
    return flush(fn, ud, run, (size_t)(p - run));
}
