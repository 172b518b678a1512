/*
 * scenario.c — reading scenario test files (docs/scenarios.md) into a dt_suite.  The file is read
 * by us (regular file, 4 MiB cap), pre-scanned (no DOCTYPE or entity declarations, at most 32
 * attributes per tag) and only then parsed by libxml2 from memory with no network, no DTD and no
 * entity substitution.  Every problem is reported with its line; parsing never stops at the first.
 */
#include "error.h"
#include "mem.h"
#include "scenario.h"
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SC_MAX_BYTES ((size_t)4 << 20)
#define SC_MAX_ATTRS 32

static dt_status read_file(const char *path, char **out, size_t *len, dt_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > SC_MAX_BYTES) {
        const char *why = fd < 0 ? strerror(errno)
                          : (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) ? "not a regular file"
                                                                          : "larger than 4 MiB";
        if (fd >= 0)
            close(fd);
        return dt_err_error(err, DT_EIO, path, 0, 0, "io", "cannot read the scenario file: %s", why);
    }
    char *buf = dt_malloc((size_t)st.st_size + 1);
    ssize_t got = buf ? read(fd, buf, (size_t)st.st_size) : -1;
    close(fd);
    if (!buf || got != st.st_size) {
        dt_free(buf);
        return dt_err_error(err, buf ? DT_EIO : DT_ENOMEM, path, 0, 0, "io",
                            "cannot read the scenario file");
    }
    buf[got] = 0;
    *out = buf;
    *len = (size_t)got;
    return DT_OK;
}

/* Index of the last byte of the first `end` at or after i (len when there is none), counting the
 * newlines passed over. */
static size_t skip_past(const char *buf, size_t len, size_t i, const char *end, unsigned *line)
{
    size_t n = strlen(end);
    for (; i + n <= len; i++) {
        if (!memcmp(buf + i, end, n))
            return i + n - 1;
        *line += buf[i] == '\n';
    }
    return len;
}

/* What markup starting at buf[i] ('<') is read without looking inside: comments, processing
 * instructions, CDATA.  A quote in one of them must not make the scan miss what follows. */
static const char *opaque_end(const char *buf, size_t i)
{
    if (!strncmp(buf + i, "<!--", 4))
        return "-->";
    if (!strncmp(buf + i, "<?", 2))
        return "?>";
    if (!strncmp(buf + i, "<![CDATA[", 9))
        return "]]>";
    return NULL;
}

/* Refuse what libxml2 would handle dangerously or slowly before it sees a byte.  Quotes are
 * tracked only inside tags, and comments, PIs and CDATA are skipped whole. */
static dt_status prescan(const char *path, const char *buf, size_t len, dt_error *err)
{
    unsigned line = 1, attrs = 0;
    int in_tag = 0;
    char quote = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = buf[i];
        if (ch == '\n')
            line++;
        if (quote) {
            quote = ch == quote ? 0 : quote;
        } else if (ch == '<' && !in_tag && opaque_end(buf, i)) {
            i = skip_past(buf, len, i + 2, opaque_end(buf, i), &line);
        } else if (ch == '<') {
            if (!strncmp(buf + i, "<!DOCTYPE", 9) || !strncmp(buf + i, "<!ENTITY", 8))
                return dt_err_error(err, DT_ESYNTAX, path, line, 0, "doctype",
                                    "DOCTYPE and entity declarations are not allowed");
            in_tag = buf[i + 1] != '!';
            attrs = 0;
        } else if (in_tag && (ch == '"' || ch == '\'')) {
            quote = ch;
        } else if (in_tag && ch == '=' && ++attrs > SC_MAX_ATTRS) {
            return dt_err_error(err, DT_ELIMIT, path, line, 0, "limit",
                                "more than %d attributes in one element", SC_MAX_ATTRS);
        } else if (ch == '>') {
            in_tag = 0;
        }
    }
    return DT_OK;
}

typedef struct pctx {
    dt_suite *su;
    dt_error *err;
    int errors;
} pctx;

/* libxml2 hands its handlers ctxt->userData, which SAX2 needs to be the parser context itself:
 * our state rides in ctxt->_private. */
static void on_xml_error(void *ud, xmlErrorPtr e)
{
    pctx *p = ((xmlParserCtxtPtr)ud)->_private;
    if (!e || e->level == XML_ERR_WARNING)
        return;
    char msg[300];
    snprintf(msg, sizeof msg, "%s", e->message ? e->message : "XML error");
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = 0;
    dt_err_error(p->err, DT_ESYNTAX, p->su->path, (unsigned)e->line, (unsigned)e->int2, "xml", "%s",
                 msg);
    p->errors++;
}

static void on_generic(void *ud, const char *fmt, ...)
{
    (void)fmt;
    ((pctx *)((xmlParserCtxtPtr)ud)->_private)->errors++;
}

static xmlDocPtr parse(pctx *p, const char *buf, size_t len)
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
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, buf, (int)len, p->su->path, "UTF-8",
                                      XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES);
    int bad = !doc || !ctxt->wellFormed || !ctxt->nsWellFormed || ctxt->errNo != 0 || p->errors;
    xmlFreeParserCtxt(ctxt);
    if (bad) {
        if (!p->errors)
            dt_err_error(p->err, DT_ESYNTAX, p->su->path, 0, 0, "xml", "not well-formed XML");
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
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
    dt_err_vadd(p->err, DT_SEV_ERROR, DT_EINVALID, p->su->path, n ? (unsigned)xmlGetLineNo(n) : 0,
                0, "scenario", fmt, ap);
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
            bad(p, n, "unknown attribute '%s'", (const char *)a->name);
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
    o->line = (uint32_t)xmlGetLineNo(n);
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
    *c = (sc_case){attr(n, "name", oom), (uint32_t)xmlGetLineNo(n), (uint32_t)su->nops, 0};
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
    char *buf = NULL, *tree = NULL;
    size_t len = 0;
    if (!su || !(su->path = dt_strdup(path))) {
        dt_free(su);
        return dt_err_error(err, DT_ENOMEM, path, 0, 0, NULL, "out of memory");
    }
    pctx p = {su, err, 0};
    int oom = 0;
    dt_status st = read_file(path, &buf, &len, err);
    if (st == DT_OK)
        st = prescan(path, buf, len, err);
    xmlDocPtr doc = st == DT_OK ? parse(&p, buf, len) : NULL;
    dt_free(buf);
    if (doc)
        parse_root(&p, xmlDocGetRootElement(doc), &tree, &oom);
    xmlFreeDoc(doc);
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
