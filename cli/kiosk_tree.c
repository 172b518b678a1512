/*
 * kiosk_tree.c — the root file's <handoff>, read from the engine's internal model (model.h) until
 * dtree.h has an accessor.  Interpolation uses the engine's own {name} scanner (interp.h) and the
 * session's public display values, so masking of sensitive variables is the engine's.
 */
#include "kiosk_tree.h"

#include "interp.h"
#include "model.h"

#include <stdlib.h>
#include <string.h>

static const dt_unit_rec *root_unit(const dt_tree *t)
{
    return t && t->units.len > 0 ? DT_UNIT(t, 0) : NULL;
}

const char *kt_handoff_step(const dt_tree *t)
{
    const dt_unit_rec *u = root_unit(t);
    if (!u || u->handoff_to == DT_NONE || u->handoff_to >= t->steps.len) return NULL;
    return DT_S(t, DT_STEP(t, u->handoff_to)->id);
}

typedef struct kt_buf {
    char *p;
    size_t len, cap;
    const dt_session *s;
} kt_buf;

static int kt_put(kt_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *p = realloc(b->p, cap);
        if (!p) return 1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

static int kt_piece(void *ud, const char *s, size_t n, int is_var)
{
    kt_buf *b = ud;
    char name[128];
    const char *v;

    if (!is_var) return kt_put(b, s, n);
    if (n >= sizeof name) return 0;
    memcpy(name, s, n);
    name[n] = '\0';
    v = b->s ? dt_session_var_get(b->s, name) : NULL;
    return v ? kt_put(b, v, strlen(v)) : 0;
}

char *kt_handoff_text(const dt_tree *t, const dt_session *s)
{
    const dt_unit_rec *u = root_unit(t);
    kt_buf b = {NULL, 0, 0, s};
    size_t bad;

    if (!u) return NULL;
    const char *text = DT_S(t, u->handoff_text);
    if (!*text) return NULL;
    if (dt_interp_walk(text, kt_piece, &b, &bad) != 0 || !b.p) {
        free(b.p);
        return NULL;
    }
    return b.p;
}
