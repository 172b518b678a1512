/*
 * fuzz_pattern.c — libFuzzer harness for engine/pattern*.c (the dialect checker and translator, and
 * PCRE2 matching with limits).  Input: a pattern, a NUL, then an answer.  Oracles beyond "no
 * crash": a refusal has a reason and no compiled pattern; a compiled pattern answers 1, 0, or -1
 * with a reason, never anything else; matching twice gives the same answer (the compiled pattern
 * is only read); patterns over the size cap are always refused.
 */
#include "fuzz_common.h"
#include "mem.h"
#include "pattern.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    const uint8_t *nul = memchr(data, 0, size);
    size_t plen = nul ? (size_t)(nul - data) : size;
    const char *pat = (const char *)data;
    const char *ans = nul ? (const char *)nul + 1 : "";
    size_t alen = nul ? size - plen - 1 : 0;
    char why[200] = "";
    dt_pattern *p = (dt_pattern *)1;
    int rc = dt_pattern_compile(pat, plen, &p, why, sizeof why);
    if (rc != 0) {
        FZ_CHECK(p == NULL);
        FZ_CHECK(rc == -1 ? why[0] != '\0' : rc == -2);
        return 0;
    }
    FZ_CHECK(p != NULL);
    int m1 = dt_pattern_match(p, ans, alen, why, sizeof why);
    FZ_CHECK(m1 == 1 || m1 == 0 || m1 == -1 || m1 == -2);
    if (m1 == -1)
        FZ_CHECK(why[0] != '\0');
    int m2 = dt_pattern_match(p, ans, alen, why, sizeof why);
    FZ_CHECK(m1 == m2);
    dt_pattern_free(p);
    return 0;
}
