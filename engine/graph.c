/*
 * graph.c — dt_tree_graph: the tree as Graphviz dot or Mermaid, with optional traffic ("heat").
 * Node names are "s<index>" so no author text ever lands in an identifier; every author string is
 * escaped for the target language (it cannot leave its quoted string), cut to a short excerpt at a
 * character boundary, and shown through the one allow-list (dt_char_printable): no control, bidi
 * or invisible character is written raw.  One pass over steps, one over edges: linear.
 */
#include "check.h"
#include "error.h"
#include "mem.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define EXCERPT 48 /* bytes of a label or say shown in a node or on an edge */

struct dt_graph_heat {
    const dt_tree *t;
    uint64_t *step, *choice, *drop;
};

dt_graph_heat *dt_graph_heat_new(const dt_tree *t)
{
    if (!t)
        return NULL;
    dt_graph_heat *h = dt_calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->t = t;
    h->step = dt_calloc(t->steps.len + 1, sizeof *h->step);
    h->drop = dt_calloc(t->steps.len + 1, sizeof *h->drop);
    h->choice = dt_calloc(t->choices.len + 1, sizeof *h->choice);
    if (!h->step || !h->drop || !h->choice) {
        dt_graph_heat_free(h);
        return NULL;
    }
    return h;
}

void dt_graph_heat_free(dt_graph_heat *h)
{
    if (!h)
        return;
    dt_free(h->step);
    dt_free(h->drop);
    dt_free(h->choice);
    dt_free(h);
}

static uint32_t find_step(const dt_tree *t, const char *tree_id, const char *step_id)
{
    uint32_t u = tree_id ? dt_tree_unit_find(t, tree_id) : 0;
    return u != M_NONE && u < t->units.len && step_id ? dt_tree_find_step(t, u, step_id) : M_NONE;
}

dt_status dt_graph_heat_add(dt_graph_heat *h, const char *tree_id, const char *step_id,
                            const char *choice_id, uint64_t n)
{
    if (!h)
        return DT_EARG;
    const dt_tree *t = h->t;
    uint32_t i = find_step(t, tree_id, step_id);
    if (i == M_NONE)
        return DT_ENOTFOUND;
    if (!choice_id) {
        h->step[i] += n;
        return DT_OK;
    }
    const dt_step_rec *s = M_STEP(t, i);
    for (uint32_t k = 0; k < s->nchoices; k++)
        if (strcmp(M_S(t, M_CHOICE(t, s->first_choice + k)->id), choice_id) == 0) {
            h->choice[s->first_choice + k] += n;
            return DT_OK;
        }
    return DT_ENOTFOUND;
}

dt_status dt_graph_heat_add_dropoff(dt_graph_heat *h, const char *tree_id, const char *step_id,
                                    uint64_t n)
{
    if (!h)
        return DT_EARG;
    uint32_t i = find_step(h->t, tree_id, step_id);
    if (i == M_NONE)
        return DT_ENOTFOUND;
    h->drop[i] += n;
    return DT_OK;
}

/* ---- output ------------------------------------------------------------------------------------ */

typedef struct gw {
    const dt_tree *t;
    const dt_graph_heat *heat;
    int mermaid;
    int (*write)(void *ud, const char *s, size_t n);
    void *ud;
    int failed;
    uint32_t edges;          /* mermaid: edges written, for linkStyle */
    uint64_t max_step, max_edge;
} gw;

static void emit(gw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void emit(gw *w, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || w->failed)
        return;
    if ((size_t)n >= sizeof buf)
        n = sizeof buf - 1;
    if (w->write(w->ud, buf, (size_t)n) != 0)
        w->failed = 1;
}

/* Decode one UTF-8 character strictly (no overlongs, surrogates or values past U+10FFFF): its
 * length, or 0 for an invalid byte.  Model text is valid UTF-8, but file paths need not be. */
static size_t u8_next(const unsigned char *s, uint32_t *cp)
{
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    size_t len = s[0] < 0x80 ? 1 : s[0] < 0xc2 ? 0 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : s[0] < 0xf5 ? 4 : 0;
    uint32_t c = len == 1 ? s[0] : len == 2 ? s[0] & 0x1fu : len == 3 ? s[0] & 0x0fu : s[0] & 0x07u;
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (s[k] & 0x3fu);
    }
    if (len == 0 || c < min[len] || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
        return 0;
    *cp = c;
    return len;
}

/* How one character is written inside a quoted label, or NULL when it goes as it is.  Quotes,
 * backslashes and (Mermaid) brackets, braces, pipes, '<' '>' '#' '&' and backticks are escaped
 * so that no label can end its string or start syntax of its own; characters outside the
 * allow-list (C1 controls, bidi overrides, zero-width ...) are shown as visible "\u202e". */
static const char *esc_char(const gw *w, uint32_t cp, char rep[16])
{
    if (cp == '\n')
        return w->mermaid ? "<br/>" : "\\n";
    if (!dt_char_printable(cp)) {
        if (cp > 0xffff)
            snprintf(rep, 16, w->mermaid ? "\\U%08x" : "\\\\U%08x", (unsigned)cp);
        else
            snprintf(rep, 16, w->mermaid ? "\\u%04x" : "\\\\u%04x", (unsigned)cp);
        return rep;
    }
    if (cp == '"')
        return w->mermaid ? "#quot;" : "\\\"";
    if (!w->mermaid)
        return cp == '\\' ? "\\\\" : NULL;
    if (cp == '<' || cp == '>' || cp == '&')
        return cp == '<' ? "#lt;" : cp == '>' ? "#gt;" : "#amp;";
    if (cp == '#' || cp == '[' || cp == ']' || cp == '{' || cp == '}' || cp == '(' || cp == ')' ||
        cp == '|' || cp == '`') {
        snprintf(rep, 16, "#%u;", (unsigned)cp);
        return rep;
    }
    return NULL;
}

/* Escape an excerpt of `s` into out: at most `max` source bytes, cut at a character boundary,
 * C0 controls other than line breaks dropped, invalid bytes shown as "\xHH". */
static void esc(const gw *w, const char *s, size_t max, char *out, size_t size)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0, i = 0;
    while (p[i] && n + 16 < size) {
        if (i >= max) {
            memcpy(out + n, "...", 3);
            n += 3;
            break;
        }
        uint32_t cp = 0;
        size_t k = u8_next(p + i, &cp);
        char rep[16];
        const char *r;
        if (k == 0) {
            snprintf(rep, sizeof rep, w->mermaid ? "\\x%02x" : "\\\\x%02x", p[i]);
            r = rep;
            k = 1;
        } else if (cp != '\n' && (cp < 0x20 || cp == 0x7f)) {
            i += k;
            continue;
        } else {
            r = esc_char(w, cp, rep);
        }
        size_t l = r ? strlen(r) : k;
        memcpy(out + n, r ? r : (const char *)p + i, l);
        n += l;
        i += k;
    }
    out[n] = 0;
}

static const char *outcome_colour(const char *outcome)
{
    static const char *const colour[] = {
        [DT_OUTCOME_RESOLVED] = "#b7e1a1",
        [DT_OUTCOME_ESCALATED] = "#f7c873",
        [DT_OUTCOME_ABANDONED] = "#d0d0d0",
        [DT_OUTCOME_OTHER] = "#a9cce3", /* an author's own word */
    };
    _Static_assert(sizeof colour / sizeof colour[0] == DT_OUTCOME_OTHER + 1, "a colour per outcome");
    return colour[dt_outcome_of(outcome)];
}

/* White to orange by share of the busiest step. */
static void shade(uint64_t n, uint64_t max, char out[8])
{
    unsigned r = 255, g = 255, b = 255;
    if (max && n) {
        double f = (double)n / (double)max;
        g = (unsigned)(255 - f * (255 - 141));
        b = (unsigned)(255 - f * (255 - 89));
        r = (unsigned)(255 - f * (255 - 252));
    }
    snprintf(out, 8, "#%02x%02x%02x", r & 255, g & 255, b & 255);
}

static void node_text(const gw *w, uint32_t i, char *out, size_t size)
{
    const dt_tree *t = w->t;
    const dt_step_rec *s = M_STEP(t, i);
    char id[160], body[400] = "";
    esc(w, CHK_SID(t, i), 60, id, sizeof id);
    if (s->kind == DT_STEP_END)
        esc(w, M_S(t, s->outcome), 40, body, sizeof body);
    else if (s->title)
        esc(w, M_S(t, s->title), EXCERPT, body, sizeof body);
    else if (s->nsay)
        esc(w, M_S(t, M_SAY(t, s->first_say)->text), EXCERPT, body, sizeof body);
    else if (s->kind == DT_STEP_CALL && s->target < t->steps.len)
        esc(w, M_S(t, M_UNIT(t, M_STEP(t, s->target)->unit)->path), EXCERPT, body, sizeof body);
    snprintf(out, size, "%s%s%s", id, body[0] ? (w->mermaid ? "<br/>" : "\\n") : "", body);
}

/* How each step kind is drawn: Graphviz shape, Mermaid brackets.  The assertion stops the build
 * when a kind is added to DT_STEP_KIND_LIST without a row here. */
static const struct look {
    const char *dot, *open, *close;
} looks[] = {
    [DT_STEP_QUESTION] = {"box", "(\"", "\")"},    [DT_STEP_INFO] = {"note", "[\"", "\"]"},
    [DT_STEP_INPUT] = {"parallelogram", "[/\"", "\"/]"}, [DT_STEP_DECIDE] = {"diamond", "{\"", "\"}"},
    [DT_STEP_CALL] = {"box", "[[\"", "\"]]"},       [DT_STEP_JUMP] = {"cds", ">\"", "\"]"},
    [DT_STEP_END] = {"ellipse", "((\"", "\"))"},
};
_Static_assert(sizeof looks / sizeof looks[0] == DT_STEP_KIND_COUNT, "a look for every step kind");

static const struct look *look_of(const dt_step_rec *s)
{
    return &looks[s->kind < DT_STEP_KIND_COUNT ? s->kind : DT_STEP_QUESTION];
}

static void dot_node(gw *w, uint32_t i)
{
    const dt_step_rec *s = M_STEP(w->t, i);
    char text[700], fill[8] = "#ffffff";
    node_text(w, i, text, sizeof text);
    int heat = w->heat && s->kind != DT_STEP_END;
    if (heat)
        shade(w->heat->step[i], w->max_step, fill);
    emit(w, "    s%u [shape=%s, label=\"%s\"%s%s", i, look_of(s)->dot, text,
         s->kind == DT_STEP_QUESTION ? ", style=\"rounded,filled\"" : ", style=filled",
         s->kind == DT_STEP_CALL ? ", peripheries=2" : "");
    emit(w, ", fillcolor=\"%s\"",
         s->kind == DT_STEP_END ? outcome_colour(M_S(w->t, s->outcome)) : fill);
    if (w->heat && w->heat->drop[i])
        emit(w, ", color=red, penwidth=3, xlabel=\"drop-off %llu\"",
             (unsigned long long)w->heat->drop[i]);
    emit(w, "];\n");
}

static void mermaid_node(gw *w, uint32_t i)
{
    const dt_step_rec *s = M_STEP(w->t, i);
    char text[900], fill[8];
    node_text(w, i, text, sizeof text);
    emit(w, "    s%u%s%s%s\n", i, look_of(s)->open, text, look_of(s)->close);
    if (s->kind == DT_STEP_END)
        emit(w, "    style s%u fill:%s\n", i, outcome_colour(M_S(w->t, s->outcome)));
    else if (w->heat && w->heat->step[i]) {
        shade(w->heat->step[i], w->max_step, fill);
        emit(w, "    style s%u fill:%s\n", i, fill);
    }
    if (w->heat && w->heat->drop[i])
        emit(w, "    style s%u stroke:#d00,stroke-width:3px\n", i);
}

static void clusters(gw *w)
{
    const dt_tree *t = w->t;
    for (uint32_t u = 0; u < t->units.len; u++) {
        const dt_unit_rec *un = M_UNIT(t, u);
        char title[200];
        esc(w, M_S(t, un->title), 80, title, sizeof title);
        if (w->mermaid)
            emit(w, "  subgraph u%u[\"%s\"]\n", u, title);
        else
            emit(w, "  subgraph cluster_%u {\n    label=\"%s\";\n", u, title);
        for (uint32_t i = un->first_step; i < un->first_step + un->nsteps && i < t->steps.len; i++)
            (w->mermaid ? mermaid_node : dot_node)(w, i);
        emit(w, w->mermaid ? "  end\n" : "  }\n");
    }
}

static void edge(gw *w, uint32_t from, uint32_t to, const char *label, int dashed, uint64_t count)
{
    char text[300] = "";
    if (to >= w->t->steps.len)
        return;
    esc(w, label, EXCERPT, text, sizeof text);
    if (w->heat && count) {
        size_t n = strlen(text);
        snprintf(text + n, sizeof text - n, "%s(%llu)", n ? " " : "", (unsigned long long)count);
    }
    double width = w->heat && w->max_edge ? 1.0 + 6.0 * (double)count / (double)w->max_edge : 1.0;
    if (w->mermaid) {
        emit(w, "  s%u %s%s%s%s s%u\n", from, dashed ? "-.->" : "-->", text[0] ? "|\"" : "", text,
             text[0] ? "\"|" : "", to);
        if (w->heat)
            emit(w, "  linkStyle %u stroke-width:%.1fpx\n", w->edges, width);
        w->edges++;
        return;
    }
    emit(w, "  s%u -> s%u [label=\"%s\"%s", from, to, text, dashed ? ", style=dashed" : "");
    if (w->heat)
        emit(w, ", penwidth=%.1f", width);
    emit(w, "];\n");
}

static void edges_of(gw *w, uint32_t i)
{
    const dt_tree *t = w->t;
    const dt_step_rec *s = M_STEP(t, i);
    uint64_t visits = w->heat ? w->heat->step[i] : 0;
    char label[200];
    for (uint32_t k = 0; (s->kind == DT_STEP_QUESTION || s->kind == DT_STEP_DECIDE) && k < s->nchoices; k++) {
        const dt_choice_rec *ch = M_CHOICE(t, s->first_choice + k);
        uint64_t n = w->heat ? w->heat->choice[s->first_choice + k] : 0;
        if (s->kind == DT_STEP_QUESTION)
            edge(w, i, ch->to, M_S(t, ch->label), ch->cond != M_NONE, n);
        else {
            snprintf(label, sizeof label, "%s%.150s", ch->cond == M_NONE ? "otherwise" : "if ",
                     ch->cond == M_NONE ? "" : M_S(t, M_COND(t, ch->cond)->src));
            edge(w, i, ch->to, label, 0, n);
        }
    }
    if (s->kind == DT_STEP_CALL) {
        edge(w, i, s->target, "call", 1, visits);
        edge(w, i, s->next, "after the call", 0, 0);
    } else if (s->kind == DT_STEP_INFO || s->kind == DT_STEP_INPUT || s->kind == DT_STEP_JUMP) {
        edge(w, i, s->next, s->kind == DT_STEP_JUMP ? "jump" : "", 0, visits);
    }
}

static void heat_max(gw *w)
{
    const dt_graph_heat *h = w->heat;
    if (!h)
        return;
    for (uint32_t i = 0; i < w->t->steps.len; i++) {
        if (h->step[i] > w->max_step)
            w->max_step = h->step[i];
        if (h->step[i] > w->max_edge)
            w->max_edge = h->step[i];
    }
    for (uint32_t k = 0; k < w->t->choices.len; k++)
        if (h->choice[k] > w->max_edge)
            w->max_edge = h->choice[k];
}

dt_status dt_tree_graph(const dt_tree *t, dt_graph_format fmt, const dt_graph_heat *heat,
                        int (*write)(void *ud, const char *s, size_t n), void *ud, dt_error *err)
{
    if (!t || !t->units.len || !write || (heat && heat->t != t) ||
        (fmt != DT_GRAPH_DOT && fmt != DT_GRAPH_MERMAID))
        return dt_err_error(err, DT_EARG, NULL, 0, 0, NULL, "dt_tree_graph: bad argument");
    gw w = {t, heat, fmt == DT_GRAPH_MERMAID, write, ud, 0, 0, 0, 0};
    heat_max(&w);
    char id[200];
    esc(&w, dt_tree_id(t), 80, id, sizeof id);
    if (w.mermaid)
        emit(&w, "flowchart TD\n");
    else
        emit(&w, "digraph \"%s\" {\n  graph [fontname=\"Helvetica\", fontsize=11];\n"
                 "  node [fontname=\"Helvetica\", fontsize=10];\n"
                 "  edge [fontname=\"Helvetica\", fontsize=9];\n", id);
    clusters(&w);
    if (!w.mermaid && M_UNIT(t, 0)->start < t->steps.len)
        emit(&w, "  start [shape=point, width=0.15];\n  start -> s%u;\n", M_UNIT(t, 0)->start);
    for (uint32_t i = 0; i < t->steps.len && !w.failed; i++)
        edges_of(&w, i);
    if (!w.mermaid)
        emit(&w, "}\n");
    if (w.failed)
        return dt_err_error(err, DT_EIO, NULL, 0, 0, NULL, "could not write the graph");
    return DT_OK;
}
