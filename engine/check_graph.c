/*
 * check_graph.c — graph algorithms over the step graph: successor lists, reachability, iterative
 * Tarjan SCC, and the checks built on them (unreachable steps, dead ends, loops with no way to an end,
 * calls in a cycle).  Everything is linear and uses explicit stacks: no recursion over the tree.
 */
#include "check.h"
#include "mem.h"
#include <stdio.h>
#include <string.h>

#define UNSEEN UINT32_MAX

void dt_csr_free(dt_csr *g)
{
    dt_free(g->off);
    dt_free(g->adj);
    memset(g, 0, sizeof *g);
}

static uint32_t add_succ(uint32_t *out, uint32_t n, uint32_t to, uint32_t lim)
{
    if (to >= lim)
        return n;
    if (out)
        out[n] = to;
    return n + 1;
}

/* Writes the successors of step i to out (when not NULL); returns how many there are. */
static uint32_t each_succ(const dt_tree *t, uint32_t i, uint32_t *out)
{
    const dt_step_rec *s = M_STEP(t, i);
    uint32_t n = 0, lim = t->steps.len;
    switch (s->kind) {
    case DT_STEP_QUESTION:
    case DT_STEP_DECIDE:
        for (uint32_t k = 0; k < s->nchoices; k++)
            n = add_succ(out, n, M_CHOICE(t, s->first_choice + k)->to, lim);
        return n;
    case DT_STEP_CALL: /* into the callee, and back to next when it ends */
        n = add_succ(out, n, s->target, lim);
        return add_succ(out, n, s->next, lim);
    case DT_STEP_INFO:
    case DT_STEP_INPUT:
    case DT_STEP_JUMP:
        return add_succ(out, n, s->next, lim);
    default:
        return 0;
    }
}

int dt_csr_steps(const dt_tree *t, dt_csr *g)
{
    uint32_t n = t->steps.len;
    memset(g, 0, sizeof *g);
    g->n = n;
    g->off = dt_malloc(((size_t)n + 1) * sizeof *g->off);
    if (!g->off)
        return -1;
    size_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        g->off[i] = (uint32_t)total;
        total += each_succ(t, i, NULL);
        if (total >= UINT32_MAX)
            return dt_csr_free(g), -1;
    }
    g->off[n] = (uint32_t)total;
    g->adj = dt_malloc((total ? total : 1) * sizeof *g->adj);
    if (!g->adj)
        return dt_csr_free(g), -1;
    for (uint32_t i = 0; i < n; i++)
        each_succ(t, i, g->adj + g->off[i]);
    return 0;
}

int dt_csr_reverse(const dt_csr *g, dt_csr *r)
{
    uint32_t n = g->n, m = g->off[n];
    memset(r, 0, sizeof *r);
    r->n = n;
    r->off = dt_calloc((size_t)n + 2, sizeof *r->off);
    r->adj = dt_malloc((m ? m : 1) * sizeof *r->adj);
    if (!r->off || !r->adj)
        return dt_csr_free(r), -1;
    for (uint32_t e = 0; e < m; e++)
        r->off[g->adj[e] + 2]++;
    for (uint32_t v = 0; v < n; v++)
        r->off[v + 2] += r->off[v + 1];
    /* off[v+1] now is the insertion cursor of v; after filling it is the end of v = start of v+1 */
    for (uint32_t v = 0; v < n; v++)
        for (uint32_t e = g->off[v]; e < g->off[v + 1]; e++)
            r->adj[r->off[g->adj[e] + 1]++] = v;
    return 0;
}

typedef struct tarjan {
    const dt_csr *g;
    uint32_t *index, *low, *it, *stack, *calls, *comp;
    uint32_t sp, cp, next_index, ncomp;
} tarjan;

static void tj_visit(tarjan *tj, uint32_t v)
{
    tj->index[v] = tj->low[v] = tj->next_index++;
    tj->it[v] = tj->g->off[v];
    tj->stack[tj->sp++] = v;
    tj->calls[tj->cp++] = v;
}

static void tj_finish(tarjan *tj, uint32_t v)
{
    tj->cp--;
    if (tj->low[v] == tj->index[v]) {
        uint32_t w;
        do {
            w = tj->stack[--tj->sp];
            tj->comp[w] = tj->ncomp;
        } while (w != v);
        tj->ncomp++;
    }
    if (tj->cp) {
        uint32_t u = tj->calls[tj->cp - 1];
        if (tj->low[v] < tj->low[u])
            tj->low[u] = tj->low[v];
    }
}

static void tj_run(tarjan *tj, uint32_t root)
{
    tj_visit(tj, root);
    while (tj->cp) {
        uint32_t v = tj->calls[tj->cp - 1];
        if (tj->it[v] == tj->g->off[v + 1]) {
            tj_finish(tj, v);
            continue;
        }
        uint32_t w = tj->g->adj[tj->it[v]++];
        if (tj->index[w] == UNSEEN)
            tj_visit(tj, w);
        else if (tj->comp[w] == UNSEEN && tj->index[w] < tj->low[v])
            tj->low[v] = tj->index[w]; /* w is still on the stack */
    }
}

int dt_scc(const dt_csr *g, uint32_t *comp, uint32_t *ncomp)
{
    uint32_t n = g->n;
    size_t sz = (n ? n : 1) * sizeof(uint32_t);
    tarjan tj = {g, dt_malloc(sz), dt_malloc(sz), dt_malloc(sz), dt_malloc(sz), dt_malloc(sz),
                 comp, 0, 0, 0, 0};
    int rc = -1;
    if (tj.index && tj.low && tj.it && tj.stack && tj.calls) {
        memset(tj.index, 0xff, sz);
        memset(comp, 0xff, (size_t)n * sizeof *comp);
        for (uint32_t v = 0; v < n; v++)
            if (tj.index[v] == UNSEEN)
                tj_run(&tj, v);
        *ncomp = tj.ncomp;
        rc = 0;
    }
    dt_free(tj.index);
    dt_free(tj.low);
    dt_free(tj.it);
    dt_free(tj.stack);
    dt_free(tj.calls);
    return rc;
}

/* Breadth-first marking from the steps already marked in `mark` (queue holds them). */
static void bfs(const dt_csr *g, uint8_t *mark, uint32_t *queue, uint32_t head, uint32_t tail)
{
    while (head < tail) {
        uint32_t v = queue[head++];
        for (uint32_t e = g->off[v]; e < g->off[v + 1]; e++)
            if (!mark[g->adj[e]]) {
                mark[g->adj[e]] = 1;
                queue[tail++] = g->adj[e];
            }
    }
}

static uint32_t push_root(uint8_t *mark, uint32_t *queue, uint32_t tail, uint32_t v, uint32_t n)
{
    if (v < n && !mark[v]) {
        mark[v] = 1;
        queue[tail++] = v;
    }
    return tail;
}

/* Entry points: every file's start and handoff step, and steps other files call or jump into. */
static uint32_t entry_roots(const dt_tree *t, uint8_t *mark, uint32_t *queue)
{
    uint32_t n = t->steps.len, tail = 0;
    for (uint32_t u = 0; u < t->units.len; u++) {
        tail = push_root(mark, queue, tail, M_UNIT(t, u)->start, n);
        tail = push_root(mark, queue, tail, M_UNIT(t, u)->handoff_to, n);
    }
    for (uint32_t i = 0; i < n; i++) {
        const dt_step_rec *s = M_STEP(t, i);
        uint32_t to = s->kind == DT_STEP_CALL ? s->target : s->kind == DT_STEP_JUMP ? s->next
                                                                                    : M_NONE;
        if (to < n && M_STEP(t, to)->unit != s->unit)
            tail = push_root(mark, queue, tail, to, n);
    }
    return tail;
}

/* Report each unreachable step that heads a region once, then mark what only it leads to, so a
 * forgotten branch of 40 steps gives one warning, not 40. */
static void report_unreachable(dt_chk *c, const dt_csr *g, uint8_t *reach, uint32_t *queue)
{
    const dt_tree *t = c->t;
    for (uint32_t i = 0; i < g->n; i++) {
        if (reach[i])
            continue;
        reach[i] = 1;
        queue[0] = i;
        bfs(g, reach, queue, 0, 1);
        const dt_step_rec *s = M_STEP(t, i);
        if (dt_chk_wants(c, s->unit))
            dt_chk_add(c, DT_SEV_WARNING, s->unit, s->pos, "unreachable-step",
                       "step '%s' can never be reached: no choice, next, branch or call leads to it",
                       CHK_SID(t, i));
    }
}

static int check_reach(dt_chk *c, const dt_csr *g, uint32_t *queue)
{
    uint8_t *reach = dt_calloc(g->n ? g->n : 1, 1);
    if (!reach)
        return -1;
    bfs(g, reach, queue, 0, entry_roots(c->t, reach, queue));
    report_unreachable(c, g, reach, queue);
    dt_free(reach);
    return 0;
}

/* 1 when a reference the step must have leads nowhere known: a call or jump whose target was not
 * loaded, or (partial trees) a dangling next or choice the loader already reported.  Such a step
 * counts as one that may end, so a reported typo does not also read as a loop without exit. */
static int unresolved(const dt_tree *t, const dt_step_rec *s, uint32_t n)
{
    switch (s->kind) {
    case DT_STEP_QUESTION:
    case DT_STEP_DECIDE:
        for (uint32_t k = 0; k < s->nchoices; k++)
            if (M_CHOICE(t, s->first_choice + k)->to >= n)
                return 1;
        return 0;
    case DT_STEP_CALL: return s->target >= n || s->next >= n;
    case DT_STEP_END: return 0;
    default: return s->next >= n;
    }
}

/* can[v] = 1 when some end (or a jump/call whose target was not loaded) is reachable from v. */
static int can_end(const dt_tree *t, const dt_csr *g, uint8_t *can, uint32_t *queue)
{
    dt_csr r;
    if (dt_csr_reverse(g, &r) != 0)
        return -1;
    uint32_t tail = 0;
    for (uint32_t i = 0; i < g->n; i++) {
        const dt_step_rec *s = M_STEP(t, i);
        int sink = s->kind == DT_STEP_END || unresolved(t, s, g->n);
        if (sink)
            tail = push_root(can, queue, tail, i, g->n);
    }
    bfs(&r, can, queue, 0, tail);
    dt_csr_free(&r);
    return 0;
}

static int self_loop(const dt_csr *g, uint32_t v)
{
    for (uint32_t e = g->off[v]; e < g->off[v + 1]; e++)
        if (g->adj[e] == v)
            return 1;
    return 0;
}

/* One warning per trapped component, at its first step, naming up to five of its steps. */
static void report_trap(dt_chk *c, const uint32_t *members, uint32_t count)
{
    const dt_tree *t = c->t;
    char list[800] = "";
    size_t len = 0;
    int files = 0; /* a loop over several files names the file of each step: ids repeat across files */
    for (uint32_t k = 1; k < count; k++)
        files |= M_STEP(t, members[k])->unit != M_STEP(t, members[0])->unit;
    for (uint32_t k = 0; k < count && k < 5; k++) {
        const char *id = CHK_SID(t, members[k]);
        int w = files ? snprintf(list + len, sizeof list - len, "%s'%.60s' (%.100s)", k ? ", " : "", id,
                                 M_S(t, M_UNIT(t, M_STEP(t, members[k])->unit)->path))
                      : snprintf(list + len, sizeof list - len, "%s'%.60s'", k ? ", " : "", id);
        if (w > 0 && (size_t)w < sizeof list - len)
            len += (size_t)w;
    }
    const dt_step_rec *s = M_STEP(t, members[0]);
    if (!dt_chk_wants(c, s->unit))
        return;
    if (count > 5)
        dt_chk_add(c, DT_SEV_ERROR, s->unit, s->pos, "no-exit-cycle",
                   "steps %s and %u more form a loop with no way out to an end", list, count - 5);
    else
        dt_chk_add(c, DT_SEV_ERROR, s->unit, s->pos, "no-exit-cycle",
                   count == 1 ? "step %s loops to itself with no way out to an end"
                              : "steps %s form a loop with no way out to an end",
                   list);
}

/* Counting sort of steps by component, then report components that are real loops and cannot end. */
static int check_traps(dt_chk *c, const dt_csr *g, const uint8_t *can, uint32_t *queue)
{
    uint32_t n = g->n, ncomp = 0;
    uint32_t *comp = dt_malloc((n ? n : 1) * sizeof *comp);
    uint32_t *start = NULL;
    if (!comp || dt_scc(g, comp, &ncomp) != 0 ||
        !(start = dt_calloc((size_t)ncomp + 1, sizeof *start))) {
        dt_free(comp);
        return -1;
    }
    for (uint32_t v = 0; v < n; v++)
        start[comp[v] + 1]++;
    for (uint32_t k = 0; k < ncomp; k++)
        start[k + 1] += start[k];
    for (uint32_t v = 0; v < n; v++)
        queue[start[comp[v]]++] = v; /* start[k] becomes the end of k */
    for (uint32_t k = 0, b = 0; k < ncomp; b = start[k], k++) {
        uint32_t count = start[k] - b, first = queue[b];
        if (!can[first] && (count > 1 || self_loop(g, first)))
            report_trap(c, queue + b, count);
    }
    dt_free(start);
    dt_free(comp);
    return 0;
}

static void check_dead_ends(dt_chk *c)
{
    const dt_tree *t = c->t;
    for (uint32_t i = 0; i < t->steps.len; i++) {
        const dt_step_rec *s = M_STEP(t, i);
        if (s->kind != DT_STEP_QUESTION || !dt_chk_wants(c, s->unit))
            continue;
        uint32_t guarded = 0;
        for (uint32_t k = 0; k < s->nchoices; k++)
            guarded += M_CHOICE(t, s->first_choice + k)->cond != M_NONE;
        if (s->nchoices && guarded == s->nchoices)
            dt_chk_add(c, DT_SEV_WARNING, s->unit, s->pos, "dead-end",
                       "every choice of step '%s' has a 'when': if none holds the session is stuck "
                       "(give one choice no condition)",
                       CHK_SID(t, i));
    }
}

/* The files of the call chain that enters unit u at depth[u], root side first, into buf. */
static void chain_text(const dt_tree *t, const uint32_t *parent, uint32_t u, char *buf, size_t size)
{
    uint32_t path[DT_MAX_CALL_DEPTH + 2] = {0}, n = 0;
    for (uint32_t v = u; v != M_NONE && n < DT_MAX_CALL_DEPTH + 2; v = parent[v])
        path[n++] = v;
    size_t len = 0;
    buf[0] = 0;
    for (uint32_t k = n; k-- > 0;) {
        if (n > 6 && k < n - 2 && k > 2) { /* the first two and the last three */
            if (k == 3)
                len += (size_t)snprintf(buf + len, size - len, " calls ...");
            continue;
        }
        int w = snprintf(buf + len, size - len, "%s%.80s", k == n - 1 ? "" : " calls ",
                         M_S(t, M_UNIT(t, path[k])->path));
        if (w < 0 || (size_t)w >= size - len)
            return;
        len += (size_t)w;
    }
}

/* Calls that nest deeper than DT_MAX_CALL_DEPTH along a chain of files without a cycle (cycles are
 * call-cycle's): such a call always fails at run time.  Longest path by relaxation, bounded by the
 * depth that matters, so the work is (DT_MAX_CALL_DEPTH + 1) passes over the call steps. */
static int check_call_depth(dt_chk *c, const uint32_t *ucomp)
{
    const dt_tree *t = c->t;
    uint32_t nu = t->units.len, ns = t->steps.len;
    uint32_t *depth = dt_calloc(nu ? nu : 1, sizeof *depth);
    uint32_t *parent = dt_malloc((nu ? nu : 1) * sizeof *parent);
    if (!depth || !parent)
        return dt_free(depth), dt_free(parent), -1;
    memset(parent, 0xff, (size_t)nu * sizeof *parent);
    for (int round = 0, changed = 1; changed && round <= DT_MAX_CALL_DEPTH; round++) {
        changed = 0;
        for (uint32_t i = 0; i < ns; i++) {
            const dt_step_rec *s = M_STEP(t, i);
            if (s->kind != DT_STEP_CALL || s->target >= ns)
                continue;
            uint32_t to = M_STEP(t, s->target)->unit;
            if (ucomp[to] != ucomp[s->unit] && depth[s->unit] + 1 > depth[to] &&
                depth[s->unit] < DT_MAX_CALL_DEPTH) {
                depth[to] = depth[s->unit] + 1;
                parent[to] = s->unit;
                changed = 1;
            }
        }
    }
    for (uint32_t i = 0; i < ns; i++) {
        const dt_step_rec *s = M_STEP(t, i);
        if (s->kind != DT_STEP_CALL || s->target >= ns || depth[s->unit] < DT_MAX_CALL_DEPTH ||
            ucomp[M_STEP(t, s->target)->unit] == ucomp[s->unit] || !dt_chk_wants(c, s->unit))
            continue;
        char chain[700];
        chain_text(t, parent, s->unit, chain, sizeof chain);
        dt_chk_add(c, DT_SEV_ERROR, s->unit, s->pos, "call-depth",
                   "call '%s' would be call number %d in a row (%s, which calls %s): calls nest at "
                   "most %d deep, so the session always stops here with a run-time error",
                   CHK_SID(t, i), DT_MAX_CALL_DEPTH + 1, chain,
                   M_S(t, M_UNIT(t, M_STEP(t, s->target)->unit)->path), DT_MAX_CALL_DEPTH);
    }
    dt_free(depth);
    dt_free(parent);
    return 0;
}

/* Calls between files: a cycle nests at run time until DT_MAX_CALL_DEPTH stops it. */
static int check_call_cycles(dt_chk *c)
{
    const dt_tree *t = c->t;
    uint32_t nu = t->units.len, ns = t->steps.len;
    dt_csr ug = {nu, dt_calloc((size_t)nu + 1, sizeof(uint32_t)), NULL};
    uint32_t *comp = dt_malloc((nu ? nu : 1) * sizeof *comp), ncomp = 0;
    uint32_t ncalls = 0;
    for (uint32_t i = 0; i < ns; i++)
        ncalls += M_STEP(t, i)->kind == DT_STEP_CALL && M_STEP(t, i)->target < ns;
    ug.adj = dt_malloc((ncalls ? ncalls : 1) * sizeof(uint32_t));
    if (!ug.off || !ug.adj || !comp) {
        dt_csr_free(&ug);
        dt_free(comp);
        return -1;
    }
    for (uint32_t i = 0; i < ns; i++)
        if (M_STEP(t, i)->kind == DT_STEP_CALL && M_STEP(t, i)->target < ns)
            ug.off[M_STEP(t, i)->unit + 1]++;
    for (uint32_t u = 0; u < nu; u++)
        ug.off[u + 1] += ug.off[u];
    uint32_t *cur = dt_malloc((nu ? nu : 1) * sizeof *cur);
    if (!cur) {
        dt_csr_free(&ug);
        dt_free(comp);
        return -1;
    }
    memcpy(cur, ug.off, (size_t)nu * sizeof *cur);
    for (uint32_t i = 0; i < ns; i++) {
        const dt_step_rec *s = M_STEP(t, i);
        if (s->kind == DT_STEP_CALL && s->target < ns)
            ug.adj[cur[s->unit]++] = M_STEP(t, s->target)->unit;
    }
    dt_free(cur);
    int rc = dt_scc(&ug, comp, &ncomp);
    if (rc == 0)
        rc = check_call_depth(c, comp);
    for (uint32_t i = 0; rc == 0 && i < ns; i++) {
        const dt_step_rec *s = M_STEP(t, i);
        if (s->kind != DT_STEP_CALL || s->target >= ns || !dt_chk_wants(c, s->unit))
            continue;
        uint32_t cu = M_STEP(t, s->target)->unit;
        if (comp[cu] == comp[s->unit])
            dt_chk_add(c, DT_SEV_WARNING, s->unit, s->pos, "call-cycle",
                       "call '%s' to %s can lead back to this file: calls nest, and more than %d "
                       "levels stop the session with a run-time error",
                       CHK_SID(t, i), M_S(t, M_UNIT(t, cu)->path), DT_MAX_CALL_DEPTH);
    }
    dt_csr_free(&ug);
    dt_free(comp);
    return rc;
}

void dt_check_graph(dt_chk *c)
{
    const dt_tree *t = c->t;
    dt_csr g;
    if (dt_csr_steps(t, &g) != 0) {
        c->oom = 1;
        return;
    }
    uint32_t n = g.n;
    uint32_t *queue = dt_malloc((n ? n : 1) * sizeof *queue);
    uint8_t *can = dt_calloc(n ? n : 1, 1);
    if (!queue || !can || check_reach(c, &g, queue) != 0 || can_end(t, &g, can, queue) != 0 ||
        check_traps(c, &g, can, queue) != 0 || check_call_cycles(c) != 0)
        c->oom = 1;
    check_dead_ends(c);
    dt_free(queue);
    dt_free(can);
    dt_csr_free(&g);
}
