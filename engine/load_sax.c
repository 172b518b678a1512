/*
 * load_sax.c — the streaming pass over one file: libxml2's push parser (the one its reader uses, so
 * its messages are the same) with a SAX2 handler that turns each event into model records at once.
 * No DOM, no node is ever built.  Bytes reach libxml2 only through dt_xmlin_read's pre-scan, whose
 * queue gives each start tag and attribute its line:col in document order.  Text is grouped into the
 * nodes a DOM would hold (split by elements, comments and PIs) so that limits apply per node.
 */
#include "load.h"
#include "mem.h"
#include <libxml/SAX2.h>
#include <libxml/encoding.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define EB(e) (1u << E_##e)
#define AB(a) (1u << A_##a)
#define STEPS E_STEPS
#define STEP_ATTRS (AB(ID) | AB(TITLE) | AB(AUDIENCE))
#define TEXT_ELEMS (EB(DESCRIPTION) | EB(HANDOFF) | EB(SAY) | EB(NOTE) | EB(RETRY) | EB(OPTION) | EB(CHOICE))

static const uint32_t children_of[E_COUNT] = {
    [E_TREE] = EB(DESCRIPTION) | EB(HANDOFF) | EB(VAR) | STEPS,
    [E_QUESTION] = EB(SAY) | EB(NOTE) | EB(SET) | EB(CHOICE),
    [E_INFO] = EB(SAY) | EB(NOTE) | EB(SET),
    [E_INPUT] = EB(SAY) | EB(NOTE) | EB(RETRY) | EB(SET) | EB(OPTION),
    [E_DECIDE] = EB(WHEN) | EB(OTHERWISE) | EB(SET),
    [E_CALL] = EB(SET), [E_JUMP] = EB(SET), [E_END] = EB(SAY) | EB(NOTE) | EB(SET),
    [E_CHOICE] = EB(SET), [E_WHEN] = EB(SET), [E_OTHERWISE] = EB(SET),
};

static const uint32_t attrs_of[E_COUNT] = {
    [E_TREE] = AB(ID) | AB(TITLE) | AB(VERSION) | AB(LANG) | AB(START) | AB(TAGS) | AB(KIOSK),
    [E_HANDOFF] = AB(TO),
    [E_VAR] = AB(NAME) | AB(TYPE) | AB(VALUE) | AB(SENSITIVE) | AB(LABEL) | AB(INTERNAL),
    [E_QUESTION] = STEP_ATTRS,
    [E_INFO] = STEP_ATTRS | AB(NEXT),
    [E_INPUT] = STEP_ATTRS | AB(VAR) | AB(NEXT) | AB(PATTERN) | AB(REQUIRED) | AB(MIN) | AB(MAX),
    [E_DECIDE] = STEP_ATTRS,
    [E_CALL] = STEP_ATTRS | AB(TREE) | AB(START) | AB(NEXT) | AB(RESULT),
    [E_JUMP] = STEP_ATTRS | AB(TO) | AB(TREE) | AB(START),
    [E_END] = STEP_ATTRS | AB(OUTCOME),
    [E_SAY] = AB(AUDIENCE),
    [E_SET] = AB(VAR) | AB(VALUE),
    [E_CHOICE] = AB(TO) | AB(ID) | AB(WHEN) | AB(AUDIENCE),
    [E_WHEN] = AB(TEST) | AB(TO),
    [E_OTHERWISE] = AB(TO),
};

static const uint32_t required_of[E_COUNT] = {
    [E_TREE] = AB(ID) | AB(TITLE) | AB(VERSION), [E_VAR] = AB(NAME),
    [E_QUESTION] = AB(ID), [E_INFO] = AB(ID) | AB(NEXT), [E_INPUT] = AB(ID) | AB(VAR) | AB(NEXT),
    [E_DECIDE] = AB(ID), [E_CALL] = AB(ID) | AB(TREE) | AB(NEXT), [E_JUMP] = AB(ID),
    [E_END] = AB(ID) | AB(OUTCOME), [E_SET] = AB(VAR) | AB(VALUE), [E_CHOICE] = AB(TO),
    [E_WHEN] = AB(TEST) | AB(TO), [E_OTHERWISE] = AB(TO),
};

typedef struct sax_pass {
    dt_loader *L;
    xmlParserCtxtPtr ctxt;
    const xmlChar *e[E_COUNT];   /* element and attribute names in the parser's dictionary */
    const xmlChar *a[A_COUNT];
    size_t node_start;           /* where the current text node starts in L->tbuf */
    int dropping;                /* the current text node went over the limit: skip the rest */
    dt_attrs at;                 /* the element being handled; kept so that only the values set */
    uint32_t at_set;             /* for the previous one (this mask) need clearing */
} sax_pass;

static int stopped(const dt_loader *L)
{
    return L->in->failed || L->xml_failed || L->oom;
}

static int is_text_elem(int e)
{
    return e < E_COUNT && (TEXT_ELEMS & (1u << e));
}

/* ---- libxml2's errors ---- */

/* libxml2's messages end with a newline; the first error of a file is the one that counts. */
static void xml_error(dt_loader *L, int code, unsigned line, unsigned col, const char *msg)
{
    if (!L->in || L->in->failed || L->xml_failed || L->oom)
        return;
    L->xml_failed = 1;
    if (code == XML_ERR_NO_MEMORY) {
        dt_load_oom(L);
        return;
    }
    size_t n = msg ? strlen(msg) : 0;
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        n--;
    dt_pos p = {line, col};
    dt_load_error(L, DT_ESYNTAX, line ? &p : NULL, "xml-syntax", "malformed XML: %.*s",
                  (int)(n > 200 ? 200 : n), n ? msg : "unknown error");
}

static void on_structured(void *ud, xmlErrorPtr e)
{
    xml_error(ud, e->code, (unsigned)(e->line > 0 ? e->line : 0),
              (unsigned)(e->int2 > 0 ? e->int2 : 0), e->message);
}

/* The parser's own channel (warnings included: any message fails the file). */
static void on_sax_error(void *ud, xmlErrorPtr e)
{
    on_structured(((sax_pass *)ud)->L, e);
}

static void on_generic(void *ud, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void on_generic(void *ud, const char *fmt, ...)
{
    dt_loader *L = ud;
    char buf[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    xml_error(L, 0, L->in ? L->in->line : 0, 0, buf);
}

/* ---- names ---- */

static void names_init(sax_pass *S, xmlDictPtr dict)
{
    for (int i = 0; i < E_COUNT; i++)
        S->e[i] = xmlDictLookup(dict, BAD_CAST dt_elem_names[i], -1);
    for (int i = 0; i < A_COUNT; i++)
        S->a[i] = xmlDictLookup(dict, BAD_CAST dt_attr_names[i], -1);
}

/* Names come from the parser's dictionary, so a pointer comparison nearly always decides. */
static int lookup(const xmlChar *const *tab, const char *const *str, int n, const xmlChar *name)
{
    for (int i = 0; i < n; i++)
        if (tab[i] == name)
            return i;
    for (int i = 0; i < n; i++)
        if (strcmp((const char *)name, str[i]) == 0)
            return i;
    return -1;
}

/* ---- elements ---- */

/* Copy an attribute value, NUL-terminated.  Without entity substitution libxml2 hands a literal '&'
 * (from &amp;, &#38; or &#x26;) over as the five characters "&#38;" and every other reference
 * already decoded, so each '&' in the value starts one. */
static size_t copy_value(char *dst, const xmlChar *v, const xmlChar *end)
{
    size_t n = 0;
    while (v < end) {
        const xmlChar *amp = memchr(v, '&', (size_t)(end - v));
        size_t run = (size_t)((amp ? amp : end) - v);
        memcpy(dst + n, v, run);
        n += run;
        v += run;
        if (!amp)
            break;
        dst[n++] = '&';
        v += (end - v >= 5 && memcmp(v, "&#38;", 5) == 0) ? 5 : 1;
    }
    dst[n] = '\0';
    return n;
}

/* attrs: nattrs groups of (localname, prefix, URI, value, end). */
static void collect_attrs(sax_pass *S, int e, int nattrs, const xmlChar **attrs, dt_attrs *at,
                          uint32_t *present)
{
    dt_loader *L = S->L;
    size_t need = 0, used = 0;
    /* absent attributes: clearing all 24 pointers (rep stos) cost more than the few set last time */
    for (uint32_t m = S->at_set; m; m &= m - 1)
        at->v[__builtin_ctz(m)] = NULL;
    S->at_set = 0;
    for (int i = 0; i < nattrs; i++)
        need += (size_t)(attrs[5 * i + 4] - attrs[5 * i + 3]) + 1;
    if (need > L->acap && dt_grow((void **)&L->abuf, &L->acap, need, 1) != 0) {
        dt_load_oom(L);
        return;
    }
    for (int i = 0; i < nattrs; i++, attrs += 5) {
        dt_xpos p;
        if (dt_xmlin_pop_attr(L->in, &p) != 0)
            memset(&p, 0, sizeof p);
        int k = (attrs[1] || attrs[2]) ? -1 : lookup(S->a, dt_attr_names, A_COUNT, attrs[0]);
        dt_pos np = {p.line ? p.line : at->tag.line, p.line ? p.col : at->tag.col};
        if (k < 0 || !(attrs_of[e] & (1u << k))) {
            dt_load_error(L, DT_EINVALID, &np, "unknown-attribute", "unknown attribute \"%s\" on <%s>",
                          (const char *)attrs[0], dt_elem_names[e]);
            continue;
        }
        at->v[k] = L->abuf + used;
        at->len[k] = (uint32_t)copy_value(L->abuf + used, attrs[3], attrs[4]);
        used += at->len[k] + 1;
        at->pos[k] = p;
        *present |= 1u << k;
    }
    S->at_set = *present;
}

static void end_element(dt_loader *L)
{
    if (L->depth == 0)
        return;
    dt_frame *f = &L->stack[--L->depth];
    if (f->elem != E_UNKNOWN)
        dt_on_end(L, f, L->depth ? &L->stack[L->depth - 1] : NULL);
    if (is_text_elem(f->elem))
        L->tlen = f->text_start;
}

/* Decide whether element `e` may appear here; report why not. */
static int placement_ok(dt_loader *L, const dt_frame *parent, int e, const xmlChar *name,
                        const dt_pos *pos)
{
    if (parent && parent->elem == E_UNKNOWN)
        return 0; /* inside a subtree already reported */
    if (!parent) {
        if (e == E_TREE)
            return 1;
        dt_load_error(L, DT_EINVALID, pos, "misplaced-element",
                      "the document must start with <tree>, not <%.40s>", (const char *)name);
        return 0;
    }
    if (e < 0) {
        dt_load_error(L, DT_EINVALID, pos, "unknown-element", "unknown element <%.40s> inside <%s>%s",
                      (const char *)name, dt_elem_names[parent->elem],
                      is_text_elem(parent->elem) ? ", which holds only text" : "");
        return 0;
    }
    if (children_of[parent->elem] & (1u << e))
        return 1;
    dt_load_error(L, DT_EINVALID, pos, "misplaced-element", "<%s> is not allowed inside <%s>%s",
                  dt_elem_names[e], dt_elem_names[parent->elem],
                  is_text_elem(parent->elem) ? ", which holds only text" : "");
    return 0;
}

static void check_required(dt_loader *L, int e, uint32_t present, const dt_attrs *at)
{
    uint32_t missing = required_of[e] & ~present;
    for (int i = 0; missing && i < A_COUNT; i++)
        if (missing & (1u << i))
            dt_load_error(L, DT_EINVALID, &at->tag, "missing-attribute",
                          "<%s> needs a \"%s\" attribute", dt_elem_names[e], dt_attr_names[i]);
}

static void start_element(sax_pass *S, const xmlChar *name, int namespaced, int nattrs,
                          const xmlChar **attrs, int line)
{
    dt_loader *L = S->L;
    dt_xpos tp;
    dt_attrs *at = &S->at;
    at->tag = dt_xmlin_pop_tag(L->in, &tp) == 0 ? (dt_pos){tp.line, tp.col} : (dt_pos){(uint32_t)line, 0};
    if (L->depth >= (int)(sizeof L->stack / sizeof L->stack[0])) {
        dt_load_error(L, DT_ELIMIT, &at->tag, "too-deep", "elements are nested too deeply");
        L->xml_failed = 1;
        return;
    }
    dt_frame *parent = L->depth ? &L->stack[L->depth - 1] : NULL;
    dt_frame *f = &L->stack[L->depth++];
    memset(f, 0, sizeof *f);
    f->pos = at->tag;
    f->text_start = (uint32_t)L->tlen;
    int e = namespaced ? -1 : lookup(S->e, dt_elem_names, E_COUNT, name);
    if (!placement_ok(L, parent, e, name, &at->tag)) {
        f->elem = E_UNKNOWN;
        return;
    }
    f->elem = (uint8_t)e;
    uint32_t present = 0;
    collect_attrs(S, e, nattrs, attrs, at, &present);
    if (L->oom)
        return;
    check_required(L, e, present, at);
    if (!L->oom)
        dt_on_start(L, f, parent, at);
}

/* ---- SAX callbacks ---- */

/* Any event but text ends the current text node. */
static void text_boundary(sax_pass *S)
{
    S->node_start = S->L->tlen;
    S->dropping = 0;
}

static void on_start(void *ud, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri,
                     int nns, const xmlChar **ns, int nattrs, int ndefaulted, const xmlChar **attrs)
{
    sax_pass *S = ud;
    (void)nns, (void)ns, (void)ndefaulted; /* namespace declarations are refused by the pre-scan */
    if (!stopped(S->L))
        start_element(S, name, prefix || uri, nattrs, attrs, xmlSAX2GetLineNumber(S->ctxt));
    text_boundary(S);
}

static void on_end(void *ud, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri)
{
    sax_pass *S = ud;
    (void)name, (void)prefix, (void)uri;
    if (!stopped(S->L))
        end_element(S->L);
    text_boundary(S);
}

static void on_comment(void *ud, const xmlChar *text)
{
    (void)text;
    text_boundary(ud);
}

static void on_pi(void *ud, const xmlChar *target, const xmlChar *data)
{
    (void)target, (void)data;
    text_boundary(ud);
}

static int all_blank(const xmlChar *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            return 0;
    return 1;
}

static void text_not_allowed(dt_loader *L, dt_frame *f, const xmlChar *s, size_t n)
{
    if (f->text_err || all_blank(s, n))
        return;
    f->text_err = 1;
    dt_load_error(L, DT_EINVALID, &f->pos, "text-not-allowed",
                  "text is not allowed directly inside <%s>%s", dt_elem_names[f->elem],
                  (STEPS & (1u << f->elem)) ? " (put it in a <say>)" : "");
}

/* Text arrives in pieces; a node that goes over the limit is dropped whole (and reported once). */
static void on_text(void *ud, const xmlChar *s, int len)
{
    sax_pass *S = ud;
    dt_loader *L = S->L;
    if (stopped(L) || L->depth == 0 || S->dropping || len <= 0)
        return;
    dt_frame *f = &L->stack[L->depth - 1];
    size_t n = (size_t)len;
    if (f->elem == E_UNKNOWN)
        return;
    if (!is_text_elem(f->elem)) {
        text_not_allowed(L, f, s, n);
        return;
    }
    if (L->tlen - f->text_start + n > LOAD_MAX_TEXT) {
        if (!f->text_err) {
            f->text_err = 1;
            dt_load_error(L, DT_ELIMIT, &f->pos, "text-too-long",
                          "the text of <%s> is longer than %u bytes", dt_elem_names[f->elem], LOAD_MAX_TEXT);
        }
        L->tlen = S->node_start;
        S->dropping = 1;
        return;
    }
    if (L->tlen + n + 1 > L->tcap && dt_grow((void **)&L->tbuf, &L->tcap, L->tlen + n + 1, 1) != 0) {
        dt_load_oom(L);
        return;
    }
    memcpy(L->tbuf + L->tlen, s, n);
    L->tlen += n;
}

/* ---- the pass ---- */

/* Safe options only: never NOENT, DTDLOAD, DTDVALID, HUGE, RECOVER or XINCLUDE. */
#define PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOCDATA)
#define CHUNK 4096 /* as libxml2's reader read: a pre-scan failure preempts the same span as before */

static void init_handler(xmlSAXHandler *h)
{
    memset(h, 0, sizeof *h); /* no DTD, entity or DOM callback: nothing is built */
    h->initialized = XML_SAX2_MAGIC;
    h->startElementNs = on_start;
    h->endElementNs = on_end;
    h->characters = on_text;
    h->ignorableWhitespace = on_text;
    h->comment = on_comment;
    h->processingInstruction = on_pi;
    h->serror = on_sax_error;
}

/* Feed the pre-scanned bytes to the parser until the end or the first failure. */
static void push_rest(dt_loader *L, xmlParserCtxtPtr ctxt, dt_xmlin *in, char *buf)
{
    for (;;) {
        int n = dt_xmlin_read(in, buf, CHUNK);
        if (n < 0 || stopped(L))
            return; /* the pre-scan's or the source's failure is reported by the caller */
        xmlParseChunk(ctxt, buf, n, n == 0);
        if (n == 0 || stopped(L))
            return;
    }
}

/* The parser starts as libxml2's reader started it: with the first 4 bytes (to see a byte order
 * mark; none when the file is shorter), then given the UTF-8 decoder (the pre-scan has checked the bytes and the declaration), so
 * that its messages stay the same down to malformed declarations. */
static xmlParserCtxtPtr start_parser(sax_pass *S, dt_xmlin *in, char *buf, int *n)
{
    xmlSAXHandler h;
    init_handler(&h);
    *n = dt_xmlin_read(in, buf, CHUNK);
    if (*n < 0)
        return NULL;
    xmlParserCtxtPtr ctxt = xmlCreatePushParserCtxt(&h, S, *n >= 4 ? buf : NULL, *n >= 4 ? 4 : 0, NULL);
    if (!ctxt) {
        dt_load_oom(S->L);
        return NULL;
    }
    S->ctxt = ctxt;
    xmlCharEncodingHandlerPtr utf8 = xmlFindCharEncodingHandler("UTF-8");
    if (utf8)
        xmlSwitchToEncoding(ctxt, utf8);
    xmlCtxtUseOptions(ctxt, PARSE_OPTIONS); /* returns the options it did not know: none in 2.9 */
    names_init(S, ctxt->dict);
    return ctxt;
}

void dt_load_parse(dt_loader *L, dt_xmlin *in)
{
    sax_pass S = {.L = L, .at_set = (1u << A_COUNT) - 1}; /* every pointer cleared at first */
    char *buf = dt_malloc(CHUNK);
    if (!buf) {
        dt_load_oom(L);
        return;
    }
    xmlGenericErrorFunc old_generic = xmlGenericError;
    void *old_generic_ctx = xmlGenericErrorContext;
    xmlStructuredErrorFunc old_structured = xmlStructuredError;
    void *old_structured_ctx = xmlStructuredErrorContext;
    xmlSetGenericErrorFunc(L, on_generic);
    xmlSetStructuredErrorFunc(L, on_structured);
    int n;
    xmlParserCtxtPtr ctxt = start_parser(&S, in, buf, &n);
    if (ctxt) {
        int lead = n >= 4 ? 4 : 0;
        xmlParseChunk(ctxt, buf + lead, n - lead, n == 0);
        if (n > 0 && !stopped(L))
            push_rest(L, ctxt, in, buf);
        if (!stopped(L) && (!ctxt->wellFormed || !ctxt->nsWellFormed || ctxt->errNo))
            xml_error(L, 0, in->line, 0, "the XML parser stopped");
        if (ctxt->myDoc) /* never built without DOM callbacks; freed in case */
            xmlFreeDoc(ctxt->myDoc);
        xmlFreeParserCtxt(ctxt);
    }
    xmlSetStructuredErrorFunc(old_structured_ctx, old_structured);
    xmlSetGenericErrorFunc(old_generic_ctx, old_generic);
    dt_free(buf);
}
