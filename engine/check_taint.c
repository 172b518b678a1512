/*
 * check_taint.c — the derived-sensitive warning: a variable computed from a sensitive one is
 * treated as sensitive (taint.c); saying so in the tree keeps the author and every reader in step.
 */
#include "check.h"
#include <string.h>

static void derived_var(dt_chk *c, uint32_t v)
{
    const dt_tree *t = c->t;
    const dt_var_rec *r = M_VAR(t, v);
    uint32_t set, from;
    dt_taint_reason(t, v, &set, &from);
    if (set == M_NONE || !dt_chk_wants(c, r->unit))
        return;
    const char *src = M_S(t, M_COND(t, M_SET(t, set)->expr)->src);
    dt_chk_add(c, DT_SEV_WARNING, r->unit, r->pos, "derived-sensitive",
               "variable \"%s\" is computed from the sensitive variable \"%s\" (value=\"%.60s%s\"), "
               "so it is sensitive too: mark it sensitive=\"true\"",
               M_S(t, r->name),
               M_S(t, M_VAR(t, from)->name), src, strlen(src) > 60 ? "..." : "");
}

void dt_check_taint(dt_chk *c)
{
    for (uint32_t v = 0; v < c->t->vars.len; v++)
        if (M_VAR(c->t, v)->sensitive == M_SENS_DERIVED)
            derived_var(c, v);
}
