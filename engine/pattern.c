/*
 * pattern.c — input patterns on PCRE2: compiled once at load from the dialect's translation
 * (pattern_dialect.c), matched with match, depth and heap limits so that no answer costs more
 * than a bounded amount of work.  Every PCRE2 allocation goes through the engine's allocator hook.
 * A limit hit is reported as such: the caller refuses the answer, never accepts it.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "pattern.h"
#include "mem.h"
#include "pattern_dialect.h"
#include <pcre2.h>
#include <stdio.h>
#include <string.h>

/* The translated form is at most this long: \s written out is the largest expansion. */
#define MAX_TRANSLATED (64 * 1024)

struct dt_pattern {
    pcre2_general_context *gen;
    pcre2_match_context *mctx;
    pcre2_code *code;
};

static void *p_malloc(size_t n, void *ud)
{
    (void)ud;
    return dt_malloc(n);
}

static void p_free(void *p, void *ud)
{
    (void)ud;
    dt_free(p);
}

void dt_pattern_free(dt_pattern *p)
{
    if (!p)
        return;
    pcre2_code_free(p->code);
    pcre2_match_context_free(p->mctx);
    pcre2_general_context_free(p->gen);
    dt_free(p);
}

/* Compile the translated source; 0, -1 with why, -2 when out of memory. */
static int compile(dt_pattern *p, const char *pcre, char *why, size_t wsz)
{
    pcre2_compile_context *cc = pcre2_compile_context_create(p->gen);
    if (!cc)
        return -2;
    pcre2_set_max_pattern_length(cc, MAX_TRANSLATED);
    pcre2_set_parens_nest_limit(cc, 2 * PATTERN_MAX_GROUPS + 8);
    int code = 0;
    PCRE2_SIZE at = 0;
    p->code = pcre2_compile((PCRE2_SPTR)pcre, PCRE2_ZERO_TERMINATED,
                            PCRE2_UTF | PCRE2_NO_UTF_CHECK | PCRE2_DOLLAR_ENDONLY |
                                PCRE2_NO_AUTO_CAPTURE | PCRE2_NEVER_BACKSLASH_C | PCRE2_NEVER_UCP,
                            &code, &at, cc);
    pcre2_compile_context_free(cc);
    if (p->code)
        return 0;
    if (code == PCRE2_ERROR_HEAP_FAILED || code == PCRE2_ERROR_NOMEMORY)
        return -2;
    char msg[120];
    if (pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, sizeof msg) < 0)
        snprintf(msg, sizeof msg, "error %d", code);
    snprintf(why, wsz, "is not a valid regular expression: %s", msg);
    return -1;
}

static int limits(dt_pattern *p)
{
    if (!(p->mctx = pcre2_match_context_create(p->gen)))
        return -2;
    pcre2_set_match_limit(p->mctx, PATTERN_MATCH_LIMIT);
    pcre2_set_depth_limit(p->mctx, PATTERN_DEPTH_LIMIT);
    pcre2_set_heap_limit(p->mctx, PATTERN_HEAP_KIB);
    return 0;
}

int dt_pattern_compile(const char *src, size_t len, dt_pattern **out, char *why, size_t wsz)
{
    *out = NULL;
    char *pcre = NULL;
    int rc = dt_pattern_translate(src, len, &pcre, why, wsz);
    if (rc != 0)
        return rc;
    dt_pattern *p = dt_calloc(1, sizeof *p);
    if (!p || !(p->gen = pcre2_general_context_create(p_malloc, p_free, NULL)))
        rc = -2;
    else if ((rc = limits(p)) == 0)
        rc = compile(p, pcre, why, wsz);
    dt_free(pcre);
    if (rc != 0) {
        dt_pattern_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

int dt_pattern_match(const dt_pattern *p, const char *subject, size_t len, char *why, size_t wsz)
{
    pcre2_match_data *md = pcre2_match_data_create(1, p->gen);
    if (!md)
        return -2;
    int rc = pcre2_match(p->code, (PCRE2_SPTR)subject, len, 0, 0, md, p->mctx);
    pcre2_match_data_free(md);
    if (rc >= 0)
        return 1;
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    if (rc == PCRE2_ERROR_NOMEMORY)
        return -2;
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT)
        snprintf(why, wsz, "the answer cannot be checked: matching it against the expected form "
                 "takes too much work (the tree's pattern is too complex for it)");
    else if (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21)
        snprintf(why, wsz, "the answer is not valid UTF-8 text");
    else
        snprintf(why, wsz, "the answer cannot be checked against the expected form (PCRE2 error %d)",
                 rc);
    return -1;
}
