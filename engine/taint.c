/*
 * taint.c — derived secrets.  A value computed from a sensitive variable is as secret as its source
 * (`<set var="last" value="substring($pin, 2)"/>` holds most of the PIN), so after loading, every
 * variable that a <set> fills from an expression reading a sensitive variable is marked sensitive
 * too, transitively; values, events, recordings and views then treat it like a declared secret.
 * The rule is static (one breadth-first pass over "read -> assigned" edges, linear in the sets'
 * expressions) and covers data flow only: a branch taken because of a secret taints nothing.
 */
#include "mem.h"
#include "model.h"
#include <string.h>

typedef struct edge {
    uint32_t from, to; /* variable read -> variable assigned */
} edge;

static int name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Call fn for each variable `$name` of an XPath expression (string literals skipped). */
typedef int (*each_var_fn)(void *ud, uint32_t var);

static int each_var(const dt_tree *t, const char *src, each_var_fn fn, void *ud)
{
    for (const char *p = src; *p; p++) {
        if (*p == '\'' || *p == '"') {
            const char *end = strchr(p + 1, *p);
            if (!end)
                return 0;
            p = end;
        } else if (*p == '$') {
            const char *name = p + 1, *e = name;
            while (name_char(*e))
                e++;
            uint32_t v = dt_tree_find_var_n(t, name, (size_t)(e - name));
            if (v != M_NONE && fn(ud, v) != 0)
                return -1;
            p = e - 1;
        }
    }
    return 0;
}

typedef struct edges {
    edge *e;
    size_t n, cap;
    uint32_t to;
} edges;

static int add_edge(void *ud, uint32_t var)
{
    edges *E = ud;
    if (var == E->to)
        return 0;
    if (dt_grow((void **)&E->e, &E->cap, E->n + 1, sizeof *E->e) != 0)
        return -1;
    E->e[E->n++] = (edge){var, E->to};
    return 0;
}

/* Edges grouped by source in compressed form: targets of v are adj[off[v] .. off[v+1]). */
static int group(const edges *E, uint32_t nvars, uint32_t **off, uint32_t **adj)
{
    *off = dt_calloc((size_t)nvars + 1, sizeof **off);
    *adj = dt_malloc((E->n ? E->n : 1) * sizeof **adj);
    if (!*off || !*adj)
        return -1;
    for (size_t i = 0; i < E->n; i++)
        (*off)[E->e[i].from + 1]++;
    for (uint32_t v = 0; v < nvars; v++)
        (*off)[v + 1] += (*off)[v];
    uint32_t *fill = dt_malloc(((size_t)nvars + 1) * sizeof *fill);
    if (!fill)
        return -1;
    memcpy(fill, *off, ((size_t)nvars + 1) * sizeof *fill);
    for (size_t i = 0; i < E->n; i++)
        (*adj)[fill[E->e[i].from]++] = E->e[i].to;
    dt_free(fill);
    return 0;
}

static void spread(dt_tree *t, const uint32_t *off, const uint32_t *adj, uint32_t *queue)
{
    uint32_t head = 0, tail = 0;
    for (uint32_t v = 0; v < t->vars.len; v++)
        if (M_VAR(t, v)->sensitive)
            queue[tail++] = v;
    while (head < tail) {
        uint32_t v = queue[head++];
        for (uint32_t k = off[v]; k < off[v + 1]; k++) {
            dt_var_rec *w = M_VAR(t, adj[k]);
            if (!w->sensitive) {
                w->sensitive = M_SENS_DERIVED;
                queue[tail++] = adj[k];
            }
        }
    }
}

int dt_tree_taint(dt_tree *t)
{
    uint32_t nvars = t->vars.len;
    edges E = {NULL, 0, 0, 0};
    uint32_t *off = NULL, *adj = NULL, *queue = NULL;
    int rc = -1;
    for (uint32_t i = 0; i < t->sets.len; i++) {
        const dt_set_rec *s = M_SET(t, i);
        E.to = s->var;
        if (s->var != M_NONE && s->expr != M_NONE &&
            each_var(t, M_S(t, M_COND(t, s->expr)->src), add_edge, &E) != 0)
            goto out;
    }
    if (E.n == 0) {
        rc = 0;
        goto out;
    }
    if (group(&E, nvars, &off, &adj) != 0 || !(queue = dt_malloc((size_t)nvars * sizeof *queue)))
        goto out;
    spread(t, off, adj, queue);
    rc = 0;
out:
    dt_free(E.e);
    dt_free(off);
    dt_free(adj);
    dt_free(queue);
    return rc;
}

typedef struct reason {
    const dt_tree *t;
    uint32_t self, from;
} reason;

static int first_secret(void *ud, uint32_t var)
{
    reason *r = ud;
    if (var != r->self && M_VAR(r->t, var)->sensitive) {
        r->from = var;
        return 1;
    }
    return 0;
}

void dt_taint_reason(const dt_tree *t, uint32_t v, uint32_t *set, uint32_t *from)
{
    *set = *from = M_NONE;
    if (v >= t->vars.len || M_VAR(t, v)->sensitive != M_SENS_DERIVED)
        return;
    for (uint32_t i = 0; i < t->sets.len; i++) {
        const dt_set_rec *s = M_SET(t, i);
        reason r = {t, v, M_NONE};
        if (s->var != v || s->expr == M_NONE)
            continue;
        if (each_var(t, M_S(t, M_COND(t, s->expr)->src), first_secret, &r) != 0) {
            *set = i;
            *from = r.from;
            return;
        }
    }
}
