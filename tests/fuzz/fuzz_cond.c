/*
 * fuzz_cond.c — libFuzzer harness for engine/cond.h.  Input: one flags byte, then the expression
 * (up to the first NUL).  Compiled with or without a declared-variable callback; when it compiles,
 * evaluated as a condition twice (the results must agree: libxml2 keeps state between evaluations
 * that cond.c must reset) and converted to every variable type, with checks on the canonical text
 * each conversion promises.
 */
#include "cond.h"
#include "fuzz_common.h"
#include "mem.h"
#include "value.h"

#include <stdint.h>

typedef struct fvar {
    const char *name;
    dt_var_type type;
    const char *text;
} fvar;

static char big[70000];

static const fvar vars_a[] = {
    {"n", DT_VAR_NUMBER, "3"},      {"b", DT_VAR_BOOLEAN, "true"}, {"s", DT_VAR_TEXT, "hello"},
    {"d", DT_VAR_DATE, "2026-11-05"}, {"e", DT_VAR_EMAIL, "a@b.co"}, {"c", DT_VAR_CHOICE, "basic"},
    {"u", DT_VAR_TEXT, ""},         {"m", DT_VAR_NUMBER, ""},      {"big", DT_VAR_TEXT, big},
};
static const fvar vars_b[] = {
    {"n", DT_VAR_NUMBER, "-0.5"},   {"b", DT_VAR_BOOLEAN, "false"}, {"s", DT_VAR_TEXT, "\xe2\x80\xae 1e3 "},
    {"d", DT_VAR_DATE, ""},          {"e", DT_VAR_EMAIL, ""},       {"c", DT_VAR_CHOICE, "\xc3\x84rger"},
    {"u", DT_VAR_TEXT, "NaN"},       {"m", DT_VAR_NUMBER, "1e308"}, {"big", DT_VAR_TEXT, big},
};
#define NVARS (sizeof vars_a / sizeof vars_a[0])

static const fvar *vars = vars_a;

static int known(void *ud, const char *name, size_t len)
{
    (void)ud;
    for (size_t i = 0; i < NVARS; i++)
        if (strlen(vars[i].name) == len && !memcmp(vars[i].name, name, len))
            return 1;
    return 0;
}

static int lookup(void *ud, const char *name, dt_cond_value *out)
{
    (void)ud;
    for (size_t i = 0; i < NVARS; i++)
        if (!strcmp(vars[i].name, name)) {
            out->type = vars[i].type;
            out->text = vars[i].text;
            return 0;
        }
    return -1;
}

static void check_value(dt_var_type t, const char *v)
{
    char canon[128];
    const char *why = NULL;
    switch (t) {
    case DT_VAR_NUMBER: FZ_CHECK(strcmp(v, "NaN") != 0 && *v); break;
    case DT_VAR_BOOLEAN: FZ_CHECK(!strcmp(v, "true") || !strcmp(v, "false")); break;
    case DT_VAR_DATE:
        FZ_CHECK(strlen(v) == 10 && dt_value_parse(DT_VAR_DATE, v, canon, sizeof canon, &why) == 0);
        FZ_CHECK(!strcmp(canon, v));
        break;
    default: FZ_CHECK(strlen(v) <= 65536); break;
    }
}

static void evaluate(void *comp, unsigned flags)
{
    dt_cond_env *env = dt_cond_env_new(lookup, NULL);
    if (!env)
        return;
    if (flags & 2)
        dt_cond_env_set_op_limit(env, 50);
    char msg[COND_MSG];
    int r1 = 0, r2 = 0;
    int rc1 = dt_cond_eval_bool(env, comp, &r1, msg);
    FZ_CHECK(rc1 == 0 || *msg);
    for (int t = DT_VAR_TEXT; t <= DT_VAR_CHOICE; t++) {
        char *out = NULL;
        int rc = dt_cond_eval_value(env, comp, (dt_var_type)t, &out, msg);
        FZ_CHECK((rc == 0) == (out != NULL));
        FZ_CHECK(rc == 0 || *msg);
        if (out) {
            check_value((dt_var_type)t, out);
            dt_free(out);
        }
    }
    dt_cond_env_begin_action(env); /* the same budget as the first evaluation had */
    int rc2 = dt_cond_eval_bool(env, comp, &r2, msg);
    FZ_CHECK(rc1 == rc2 && r1 == r2);
    dt_cond_env_free(env);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > COND_MAX_LEN + 64)
        return 0;
    if (!big[0])
        memset(big, 'x', sizeof big - 1);
    unsigned flags = data[0];
    vars = (flags & 4) ? vars_b : vars_a;
    char *src = malloc(size);
    memcpy(src, data + 1, size - 1);
    src[size - 1] = 0;
    void *comp = NULL;
    size_t off = 0;
    char msg[COND_MSG];
    int rc = dt_cond_compile(src, (flags & 1) ? NULL : known, NULL, &comp, &off, msg);
    if (rc != 0) {
        FZ_CHECK(comp == NULL && *msg);
        FZ_CHECK(off <= strlen(src));
    } else {
        FZ_CHECK(comp != NULL);
        evaluate(comp, flags);
        dt_cond_free(comp);
    }
    free(src);
    return 0;
}
