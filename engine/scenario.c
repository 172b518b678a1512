/*
 * scenario.c — reading scenario test files (docs/scenarios.md) into a dt_suite.  They go through
 * the one reader of tree files (xmlin.c): regular file, 4 MiB cap, the same pre-scan (no DOCTYPE,
 * valid UTF-8, attribute and depth limits) before libxml2 sees a byte, no network, no DTD, no entity
 * substitution.  Every problem is reported at file:line:col; parsing never stops at the first.
 */
#include "error.h"
#include "mem.h"
#include "scenario.h"
#include "xmlin.h"
#include <stdarg.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <string.h>

#define SC_MAX_BYTES ((size_t)4 << 20)

typedef struct pctx {
    dt_suite *su;
    dt_error *err;
    dt_xmlin *in;
    dt_xpos *pos;      /* one per element and attribute, in document order (node->_private) */
    size_t npos;
    int errors, oom;
} pctx;

/* libxml2 hands its handlers ctxt->userData, which SAX2 needs to be the parser context itself:
 * our state rides in ctxt->_private.  The first XML error counts, worded as the loader words it. */
static void on_xml_error(void *ud, xmlErrorPtr e)
{
    pctx *p = ((xmlParserCtxtPtr)ud)->_private;
    if (!e || e->level == XML_ERR_WARNING || p->errors || p->in->failed)
        return;
    if (e->code == XML_ERR_NO_MEMORY)
        p->oom = 1;
    char msg[300];
    snprintf(msg, sizeof msg, "%s", e->message ? e->message : "unknown error");
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = 0;
    dt_err_error(p->err, DT_ESYNTAX, p->su->path, (unsigned)(e->line > 0 ? e->line : 0),
                 (unsigned)(e->int2 > 0 ? e->int2 : 0), "xml-syntax", "malformed XML: %s", msg);
    p->errors++;
}

static void on_generic(void *ud, const char *fmt, ...)
{
    (void)fmt;
    ((pctx *)((xmlParserCtxtPtr)ud)->_private)->errors++;
}

/* The pre-scan's failure (DOCTYPE, bad UTF-8, limits, I/O), as the loader reports it. */
static void prescan_failed(pctx *p)
{
    dt_xmlin *in = p->in;
    if (in->code == DT_ENOMEM)
        p->oom = 1;
    dt_err_error(p->err, in->code, p->su->path, in->fline, in->fline ? in->fcol : 0, in->check, "%s",
                 in->msg);
    p->errors++;
}

/* The one reader of every XML input (xmlin.c): our own read of a regular file under a size cap, the
 * pre-scan before libxml2 sees a byte, no network, no DTD, no entity substitution. */
static xmlDocPtr parse(pctx *p)
{
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        dt_err_error(p->err, DT_ENOMEM, p->su->path, 0, 0, NULL, "out of memory");
        return NULL;
    }
    ctxt->sax->serror = on_xml_error;
    ctxt->sax->error = on_generic;
    ctxt->sax->warning = NULL;
    ctxt->_private = p;
    xmlDocPtr doc = xmlCtxtReadIO(ctxt, dt_xmlin_read, dt_xmlin_noclose, p->in, p->su->path, "UTF-8",
                                  XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES);
    int bad = !doc || !ctxt->wellFormed || !ctxt->nsWellFormed || ctxt->errNo != 0 || p->errors ||
              p->in->failed;
    xmlFreeParserCtxt(ctxt);
    if (bad) {
        if (p->in->failed && !p->errors)
            prescan_failed(p);
        else if (!p->errors)
            dt_err_error(p->err, DT_ESYNTAX, p->su->path, 0, 0, "xml-syntax", "not well-formed XML");
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

static size_t count_nodes(xmlNodePtr n)
{
    size_t c = 0;
    for (; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE) {
            c++;
            for (xmlAttrPtr a = n->properties; a; a = a->next)
                c++;
            c += count_nodes(n->children); /* depth is at most XMLIN_MAX_DEPTH (the pre-scan) */
        }
    return c;
}

/* Give each element and attribute its source position: the pre-scan queued them in document order,
 * which is the order of this walk. */
static void attach(pctx *p, xmlNodePtr n)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        dt_xpos *x = &p->pos[p->npos++];
        if (dt_xmlin_pop_tag(p->in, x) != 0)
            memset(x, 0, sizeof *x);
        n->_private = x;
        for (xmlAttrPtr a = n->properties; a; a = a->next) {
            x = &p->pos[p->npos++];
            if (dt_xmlin_pop_attr(p->in, x) != 0)
                memset(x, 0, sizeof *x);
            a->_private = x;
        }
        attach(p, n->children);
    }
}

static int positions(pctx *p, xmlDocPtr doc)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    size_t n = count_nodes(root);
    p->pos = dt_calloc(n ? n : 1, sizeof *p->pos);
    if (!p->pos)
        return -1;
    attach(p, root);
    return 0;
}

/* line:col of a node: an element's '<', an attribute's name; a text node: its first non-blank
 * characters, found in the source from the element before it. */
static void node_pos(const pctx *p, xmlNodePtr n, unsigned *line, unsigned *col)
{
    const dt_xpos *x = n ? n->_private : NULL;
    *line = n ? (unsigned)xmlGetLineNo(n) : 0;
    *col = 0;
    if (n && (n->type == XML_ELEMENT_NODE || n->type == XML_ATTRIBUTE_NODE) && x && x->line) {
        *line = x->line;
        *col = x->col;
        return;
    }
    if (!n || n->type != XML_TEXT_NODE || !n->content)
        return;
    xmlNodePtr from = n->prev ? n->prev : n->parent;
    const dt_xpos *fx = from ? from->_private : NULL;
    const char *t = (const char *)n->content;
    t += strspn(t, " \t\r\n");
    char needle[17];
    size_t k = strcspn(t, " \t\r\n<&");
    snprintf(needle, sizeof needle, "%.*s", (int)(k > 16 ? 16 : k), t);
    uint32_t l, c;
    if (fx && fx->line && needle[0] && dt_xmlin_find_text(p->in, fx->line, fx->col, needle, &l, &c) == 0)
        *line = l, *col = c;
}

/* A copy of attribute `name` made with dt_malloc, or NULL when absent.  *oom on failure. */
static char *attr(xmlNodePtr n, const char *name, int *oom)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *c = dt_strdup((const char *)v);
    xmlFree(v);
    if (!c)
        *oom = 1;
    return c;
}

static void bad(pctx *p, xmlNodePtr n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void bad(pctx *p, xmlNodePtr n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    unsigned line, col;
    node_pos(p, n, &line, &col);
    dt_err_vadd(p->err, DT_SEV_ERROR, DT_EINVALID, p->su->path, line, col, "scenario", fmt, ap);
    va_end(ap);
    p->errors++;
}

static int known_attrs(pctx *p, xmlNodePtr n, const char *const *allowed)
{
    int ok = 1;
    for (xmlAttrPtr a = n->properties; a; a = a->next) {
        const char *const *k = allowed;
        while (*k && strcmp(*k, (const char *)a->name) != 0)
            k++;
        if (!*k) {
            bad(p, (xmlNodePtr)a, "unknown attribute '%s'", (const char *)a->name);
            ok = 0;
        }
    }
    return ok;
}

static void free_op(sc_op *o)
{
    char *f[] = {o->a, o->b, o->step, o->tree, o->text, o->var, o->equals,
                 o->outcome, o->offered, o->not_offered, o->ended};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        dt_free(f[i]);
}

static int parse_expect(pctx *p, xmlNodePtr n, sc_op *o, int *oom)
{
    static const char *const ok[] = {"step", "tree", "text-contains", "var", "equals", "outcome",
                                     "offered", "not-offered", "ended", NULL};
    if (!known_attrs(p, n, ok))
        return -1;
    o->step = attr(n, "step", oom);
    o->tree = attr(n, "tree", oom);
    o->text = attr(n, "text-contains", oom);
    o->var = attr(n, "var", oom);
    o->equals = attr(n, "equals", oom);
    o->outcome = attr(n, "outcome", oom);
    o->offered = attr(n, "offered", oom);
    o->not_offered = attr(n, "not-offered", oom);
    o->ended = attr(n, "ended", oom);
    if (!n->properties)
        return bad(p, n, "%s needs at least one attribute", "<expect>"), -1;
    if ((o->var != NULL) != (o->equals != NULL))
        return bad(p, n, "%s: 'var' and 'equals' go together", "<expect>"), -1;
    if (o->tree && !o->step)
        return bad(p, n, "%s: 'tree' qualifies 'step'", "<expect>"), -1;
    if (o->ended && strcmp(o->ended, "true") && strcmp(o->ended, "false"))
        return bad(p, n, "%s: 'ended' is true or false", "<expect>"), -1;
    return 0;
}

static int parse_answer(pctx *p, xmlNodePtr n, sc_op *o, int *oom)
{
    static const char *const ok[] = {"choice", "label", "value", "refused", NULL};
    if (!known_attrs(p, n, ok))
        return -1;
    char *c = attr(n, "choice", oom), *l = attr(n, "label", oom), *v = attr(n, "value", oom);
    char *r = attr(n, "refused", oom);
    int count = (c != NULL) + (l != NULL) + (v != NULL);
    o->kind = c ? SC_CHOICE : l ? SC_LABEL : SC_VALUE;
    o->a = c ? c : l ? l : v;
    if (o->a != c)
        dt_free(c);
    if (o->a != l)
        dt_free(l);
    if (o->a != v)
        dt_free(v);
    o->refused = r && !strcmp(r, "true");
    int rbad = r && strcmp(r, "true") && strcmp(r, "false");
    dt_free(r);
    if (count != 1)
        return bad(p, n, "%s needs exactly one of choice, label or value", "<answer>"), -1;
    if (rbad)
        return bad(p, n, "%s: 'refused' is true or false", "<answer>"), -1;
    return 0;
}

static int parse_set(pctx *p, xmlNodePtr n, sc_op *o, int *oom)
{
    static const char *const ok[] = {"var", "value", NULL};
    if (!known_attrs(p, n, ok))
        return -1;
    o->a = attr(n, "var", oom);
    o->b = attr(n, "value", oom);
    if (!o->a || !o->b)
        return bad(p, n, "%s needs 'var' and 'value'", "<set>"), -1;
    return 0;
}

static int parse_op(pctx *p, xmlNodePtr n, sc_op *o, int *oom)
{
    static const char *const none[] = {NULL};
    const char *name = (const char *)n->name;
    unsigned line, col;
    node_pos(p, n, &line, &col);
    o->line = line;
    o->col = col;
    if (!strcmp(name, "answer"))
        return parse_answer(p, n, o, oom);
    if (!strcmp(name, "expect"))
        return o->kind = SC_EXPECT, parse_expect(p, n, o, oom);
    if (!strcmp(name, "set"))
        return o->kind = SC_SET, parse_set(p, n, o, oom);
    o->kind = !strcmp(name, "continue") ? SC_CONTINUE : !strcmp(name, "back") ? SC_BACK
              : !strcmp(name, "restart") ? SC_RESTART : 255;
    if (o->kind == 255)
        return bad(p, n, "unknown element <%s> in a scenario", name), -1;
    return known_attrs(p, n, none) ? 0 : -1;
}

static int has_text(xmlNodePtr n)
{
    for (const xmlChar *c = n->content; c && *c; c++)
        if (*c != ' ' && *c != '\t' && *c != '\n' && *c != '\r')
            return 1;
    return 0;
}

static void parse_case(pctx *p, xmlNodePtr n, int *oom)
{
    dt_suite *su = p->su;
    static const char *const ok[] = {"name", NULL};
    known_attrs(p, n, ok);
    if (dt_grow((void **)&su->cases, &su->capcases, su->ncases + 1, sizeof *su->cases) != 0) {
        *oom = 1;
        return;
    }
    sc_case *c = &su->cases[su->ncases++];
    unsigned line, col;
    node_pos(p, n, &line, &col);
    *c = (sc_case){attr(n, "name", oom), line, col, (uint32_t)su->nops, 0};
    if (!c->name && !*oom)
        bad(p, n, "%s needs a 'name'", "<scenario>");
    for (xmlNodePtr k = n->children; k && !*oom; k = k->next) {
        if (k->type == XML_TEXT_NODE && has_text(k))
            bad(p, k, "text is not allowed %s", "inside <scenario>");
        if (k->type != XML_ELEMENT_NODE)
            continue;
        if (dt_grow((void **)&su->ops, &su->capops, su->nops + 1, sizeof *su->ops) != 0) {
            *oom = 1;
            return;
        }
        sc_op *o = &su->ops[su->nops++];
        memset(o, 0, sizeof *o);
        parse_op(p, k, o, oom);
        c->n++;
    }
}

static void parse_root(pctx *p, xmlNodePtr root, char **tree, int *oom)
{
    static const char *const ok[] = {"tree", NULL};
    if (!root || strcmp((const char *)root->name, "scenarios") != 0 || root->ns) {
        bad(p, root, "the root element must be %s", "<scenarios>");
        return;
    }
    known_attrs(p, root, ok);
    *tree = attr(root, "tree", oom);
    if (!*tree && !*oom)
        bad(p, root, "%s needs a 'tree' attribute (path relative to this file)", "<scenarios>");
    for (xmlNodePtr k = root->children; k && !*oom; k = k->next) {
        if (k->type == XML_ELEMENT_NODE && !strcmp((const char *)k->name, "scenario"))
            parse_case(p, k, oom);
        else if (k->type == XML_ELEMENT_NODE)
            bad(p, k, "unknown element <%s> (expected <scenario>)", (const char *)k->name);
        else if (k->type == XML_TEXT_NODE && has_text(k))
            bad(p, k, "text is not allowed %s", "inside <scenarios>");
    }
    if (!p->su->ncases && !p->errors)
        bad(p, root, "%s holds no <scenario>", "<scenarios>");
}

/* Remove "./" and "dir/../" segments in place (lexically: the path is only shown and loaded). */
static void tidy_path(char *p)
{
    char *out = p, *seg = p;
    int abs = p[0] == '/';
    while (*seg) {
        char *end = strchr(seg, '/');
        size_t n = end ? (size_t)(end - seg) : strlen(seg);
        char *prev = out > p + abs ? out - 1 : NULL; /* the '/' ending the last kept segment */
        while (prev && prev > p && prev[-1] != '/')
            prev--;
        if (n == 1 && seg[0] == '.') {
        } else if (n == 2 && !strncmp(seg, "..", 2) && prev && strncmp(prev, "../", 3) != 0) {
            out = prev;
        } else if (n || (seg == p && abs)) {
            memmove(out, seg, n);
            out += n;
            if (end)
                *out++ = '/';
        }
        seg = end ? end + 1 : seg + n;
        if (seg == p + 1 && abs)
            out = p + 1;
    }
    if (out > p + 1 && out[-1] == '/')
        out--;
    *out = 0;
}

/* Path of `rel` relative to the directory of `base` (absolute paths stay as they are). */
static char *relative_to(const char *base, const char *rel)
{
    const char *slash = strrchr(base, '/');
    size_t d = (rel[0] == '/' || !slash) ? 0 : (size_t)(slash - base) + 1, n = strlen(rel);
    char *out = dt_malloc(d + n + 1);
    if (out) {
        memcpy(out, base, d);
        memcpy(out + d, rel, n + 1);
        tidy_path(out);
    }
    return out;
}

void dt_suite_free(dt_suite *su)
{
    if (!su)
        return;
    for (size_t i = 0; i < su->nops; i++)
        free_op(&su->ops[i]);
    for (size_t i = 0; i < su->ncases; i++)
        dt_free(su->cases[i].name);
    dt_free(su->ops);
    dt_free(su->cases);
    dt_tree_free(su->tree);
    dt_free(su->path);
    dt_free(su);
}

static dt_status load_tree(dt_suite *su, const char *tree, const dt_load_options *opts, dt_error *err)
{
    if (!tree) /* the parser reports a missing tree attribute; never reached without one */
        return dt_err_error(err, DT_EINVALID, su->path, 0, 0, "scenario", "no tree named");
    char *tp = relative_to(su->path, tree);
    if (!tp)
        return dt_err_error(err, DT_ENOMEM, su->path, 0, 0, NULL, "out of memory");
    dt_status st = dt_tree_load_file(tp, opts, &su->tree, err);
    dt_free(tp);
    return st;
}

dt_status dt_suite_load_file(const char *path, const dt_load_options *opts, dt_suite **out,
                             dt_error *err)
{
    if (!out || !path)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, NULL, "dt_suite_load_file: bad argument");
    *out = NULL;
    dt_init();
    dt_suite *su = dt_calloc(1, sizeof *su);
    char *tree = NULL;
    if (!su || !(su->path = dt_strdup(path))) {
        dt_free(su);
        return dt_err_error(err, DT_ENOMEM, path, 0, 0, NULL, "out of memory");
    }
    dt_xmlin in;
    pctx p = {su, err, &in, NULL, 0, 0, 0};
    int oom = 0;
    dt_status st = dt_xmlin_open_file_as(&in, path, SC_MAX_BYTES, "scenario files");
    if (st != DT_OK)
        prescan_failed(&p);
    xmlDocPtr doc = st == DT_OK ? parse(&p) : NULL;
    if (doc && positions(&p, doc) != 0)
        oom = 1;
    oom |= p.oom;
    if (doc && !oom)
        parse_root(&p, xmlDocGetRootElement(doc), &tree, &oom);
    xmlFreeDoc(doc);
    dt_free(p.pos);
    dt_xmlin_close(&in);
    if (st == DT_OK && !oom && in.failed)
        st = in.code; /* the pre-scan's status: a limit is DT_ELIMIT, as for tree files */
    if (st == DT_OK && (oom || !doc || p.errors))
        st = oom ? dt_err_error(err, DT_ENOMEM, path, 0, 0, NULL, "out of memory")
                 : doc ? DT_EINVALID : DT_ESYNTAX;
    if (st == DT_OK)
        st = load_tree(su, tree, opts, err);
    dt_free(tree);
    if (st != DT_OK) {
        dt_suite_free(su);
        return st;
    }
    *out = su;
    return DT_OK;
}

size_t dt_suite_count(const dt_suite *su)
{
    return su ? su->ncases : 0;
}

const char *dt_suite_name(const dt_suite *su, size_t i)
{
    return su && i < su->ncases ? su->cases[i].name : NULL;
}

const dt_tree *dt_suite_tree(const dt_suite *su)
{
    return su ? su->tree : NULL;
}
