/*
 * load.c — loading a bundle of tree files: the public entry points, the per-file driver and the
 * streaming reader pass.  No DOM: each node libxml2's reader hands over is turned into model records
 * at once, and the reader frees it.  Files are read one after another from a queue (no recursion);
 * libxml2's error channels are captured for the duration so nothing reaches stderr.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "load.h"
#include "mem.h"
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const dt_elem_names[E_COUNT] = {
    "tree", "description", "handoff", "var", "question", "info", "input", "decide", "call", "jump",
    "end", "say", "note", "set", "choice", "retry", "option", "when", "otherwise"};
const char *const dt_attr_names[A_COUNT] = {
    "id", "title", "version", "lang", "start", "tags", "kiosk", "to", "name", "type", "value",
    "sensitive", "next", "audience", "var", "pattern", "required", "min", "max", "test", "when",
    "tree", "result", "outcome"};

#define EB(e) (1u << E_##e)
#define AB(a) (1u << A_##a)
#define STEPS (EB(QUESTION) | EB(INFO) | EB(INPUT) | EB(DECIDE) | EB(CALL) | EB(JUMP) | EB(END))
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
    [E_VAR] = AB(NAME) | AB(TYPE) | AB(VALUE) | AB(SENSITIVE),
    [E_QUESTION] = STEP_ATTRS, [E_INFO] = STEP_ATTRS | AB(NEXT),
    [E_INPUT] = STEP_ATTRS | AB(VAR) | AB(NEXT) | AB(PATTERN) | AB(REQUIRED) | AB(MIN) | AB(MAX),
    [E_DECIDE] = STEP_ATTRS, [E_CALL] = STEP_ATTRS | AB(TREE) | AB(START) | AB(NEXT) | AB(RESULT),
    [E_JUMP] = STEP_ATTRS | AB(TO) | AB(TREE) | AB(START), [E_END] = STEP_ATTRS | AB(OUTCOME),
    [E_SAY] = AB(AUDIENCE), [E_SET] = AB(VAR) | AB(VALUE),
    [E_CHOICE] = AB(TO) | AB(ID) | AB(WHEN) | AB(AUDIENCE),
    [E_WHEN] = AB(TEST) | AB(TO), [E_OTHERWISE] = AB(TO),
};

static const uint32_t required_of[E_COUNT] = {
    [E_TREE] = AB(ID) | AB(TITLE) | AB(VERSION), [E_VAR] = AB(NAME),
    [E_QUESTION] = AB(ID), [E_INFO] = AB(ID) | AB(NEXT), [E_INPUT] = AB(ID) | AB(VAR) | AB(NEXT),
    [E_DECIDE] = AB(ID), [E_CALL] = AB(ID) | AB(TREE) | AB(NEXT), [E_JUMP] = AB(ID),
    [E_END] = AB(ID) | AB(OUTCOME), [E_SET] = AB(VAR) | AB(VALUE), [E_CHOICE] = AB(TO),
    [E_WHEN] = AB(TEST) | AB(TO), [E_OTHERWISE] = AB(TO),
};

/* ---- set-up ---- */

static xmlParserInputPtr deny_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    (void)url, (void)id, (void)ctxt;
    return NULL; /* no external entity, DTD or XInclude is ever read */
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_libxml(void)
{
    xmlInitParser();
    xmlSetExternalEntityLoader(deny_loader);
}

void dt_init(void)
{
    pthread_once(&init_once, init_libxml);
}

void dt_load_options_init(dt_load_options *o)
{
    if (o) {
        memset(o, 0, sizeof *o);
        o->max_bytes = DT_DEFAULT_MAX_BYTES;
    }
}

/* ---- reporting ---- */

dt_status dt_load_error(dt_loader *L, dt_status code, const dt_pos *pos, const char *check,
                        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dt_err_vadd(L->err, DT_SEV_ERROR, code, L->file, pos ? pos->line : 0, pos ? pos->col : 0, check,
                fmt, ap);
    va_end(ap);
    if (!L->nerrors++)
        L->first = code;
    return code;
}

dt_status dt_load_oom(dt_loader *L)
{
    if (!L->oom) {
        L->oom = 1;
        dt_load_error(L, DT_ENOMEM, NULL, "out-of-memory", "out of memory while loading");
    }
    return DT_ENOMEM;
}

/* Short strings (ids, references, variable names, expressions) recur within a few steps of each
 * other; a small direct-mapped cache in front of the string table answers most of them from L1
 * instead of probing a table of millions of entries. */
static uint32_t short_hash(const char *s, size_t n)
{
    uint32_t h = (uint32_t)n * 0x9E3779B1u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x01000193u;
    return h;
}

int dt_load_intern(dt_loader *L, const char *s, size_t n, dt_str *out)
{
    dt_scache *e = NULL;
    uint32_t h = 0;
    if (n <= DT_SCACHE_LEN && (L->scache || (L->scache = dt_calloc(DT_SCACHE, sizeof *L->scache)))) {
        h = short_hash(s, n);
        e = &L->scache[h & (DT_SCACHE - 1)];
        if (e->len == n && e->hash == h && memcmp(e->s, s, n) == 0 && (e->str || !n)) {
            *out = e->str;
            return 0;
        }
    }
    if (dt_strtab_add(&L->t->strs, s, n, out) != 0) {
        *out = 0;
        dt_load_oom(L);
        return -1;
    }
    if (e) {
        e->hash = h;
        e->len = (uint8_t)n;
        e->str = *out;
        memcpy(e->s, s, n);
    }
    return 0;
}

int dt_load_text(dt_loader *L, const char *s, size_t n, dt_str *out)
{
    if (dt_strtab_append(&L->t->strs, s, n, out) != 0) {
        *out = 0;
        dt_load_oom(L);
        return -1;
    }
    return 0;
}

dt_pos dt_attr_pos(const dt_attrs *at, int a)
{
    if (at->v[a] && at->pos[a].vline)
        return (dt_pos){at->pos[a].vline, at->pos[a].vcol};
    return at->tag;
}

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

/* ---- the reader pass ---- */

typedef struct names {
    const xmlChar *e[E_COUNT];
    const xmlChar *a[A_COUNT];
} names;

static void names_init(names *nm, xmlTextReaderPtr rd)
{
    for (int i = 0; i < E_COUNT; i++)
        nm->e[i] = xmlTextReaderConstString(rd, BAD_CAST dt_elem_names[i]);
    for (int i = 0; i < A_COUNT; i++)
        nm->a[i] = xmlTextReaderConstString(rd, BAD_CAST dt_attr_names[i]);
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

static int is_text_elem(int e)
{
    return e < E_COUNT && (TEXT_ELEMS & (1u << e));
}

static void collect_attrs(dt_loader *L, const names *nm, xmlNodePtr node, int e, dt_attrs *at,
                          uint32_t *present)
{
    for (xmlAttrPtr a = node->properties; a; a = a->next) {
        dt_xpos p;
        if (dt_xmlin_pop_attr(L->in, &p) != 0)
            memset(&p, 0, sizeof p);
        int k = a->ns ? -1 : lookup(nm->a, dt_attr_names, A_COUNT, a->name);
        dt_pos np = {p.line ? p.line : at->tag.line, p.line ? p.col : at->tag.col};
        if (k < 0 || !(attrs_of[e] & (1u << k))) {
            dt_load_error(L, DT_EINVALID, &np, "unknown-attribute", "unknown attribute \"%s\" on <%s>",
                          (const char *)a->name, dt_elem_names[e]);
            continue;
        }
        const xmlChar *v;
        xmlNodePtr c = a->children;
        if (!c)
            v = BAD_CAST "";
        else if (!c->next && c->type == XML_TEXT_NODE && c->content)
            v = c->content;
        else {
            xmlChar *s = xmlNodeListGetString(node->doc, c, 1);
            if (!s) {
                dt_load_oom(L);
                return;
            }
            at->owned[at->nowned++] = (char *)s;
            v = s;
        }
        at->v[k] = (const char *)v;
        at->pos[k] = p;
        *present |= 1u << k;
    }
}

static void free_attrs(dt_attrs *at)
{
    for (int i = 0; i < at->nowned; i++)
        xmlFree(at->owned[i]);
    at->nowned = 0;
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

static void start_element(dt_loader *L, xmlTextReaderPtr rd, const names *nm)
{
    xmlNodePtr node = xmlTextReaderCurrentNode(rd);
    dt_xpos tp;
    dt_attrs at;
    at.nowned = 0;
    at.tag = dt_xmlin_pop_tag(L->in, &tp) == 0 ? (dt_pos){tp.line, tp.col}
                                                : (dt_pos){(uint32_t)xmlTextReaderGetParserLineNumber(rd), 0};
    if (L->depth >= (int)(sizeof L->stack / sizeof L->stack[0])) {
        dt_load_error(L, DT_ELIMIT, &at.tag, "too-deep", "elements are nested too deeply");
        L->xml_failed = 1;
        return;
    }
    dt_frame *parent = L->depth ? &L->stack[L->depth - 1] : NULL;
    dt_frame *f = &L->stack[L->depth++];
    memset(f, 0, sizeof *f);
    f->pos = at.tag;
    f->text_start = (uint32_t)L->tlen;
    int e = (!node || node->ns) ? -1 : lookup(nm->e, dt_elem_names, E_COUNT, node->name);
    if (!node || !placement_ok(L, parent, e, node ? node->name : BAD_CAST "?", &at.tag)) {
        f->elem = E_UNKNOWN;
    } else {
        f->elem = (uint8_t)e;
        uint32_t present = 0;
        for (int i = 0; i < A_COUNT; i++)
            at.v[i] = NULL;
        collect_attrs(L, nm, node, e, &at, &present);
        uint32_t missing = required_of[e] & ~present;
        for (int i = 0; missing && i < A_COUNT; i++)
            if (missing & (1u << i))
                dt_load_error(L, DT_EINVALID, &at.tag, "missing-attribute",
                              "<%s> needs a \"%s\" attribute", dt_elem_names[e], dt_attr_names[i]);
        if (!L->oom)
            dt_on_start(L, f, parent, &at);
        free_attrs(&at);
    }
    if (xmlTextReaderIsEmptyElement(rd))
        end_element(L);
}

static int all_blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return 0;
    return 1;
}

static void text_node(dt_loader *L, xmlTextReaderPtr rd)
{
    if (L->depth == 0)
        return;
    dt_frame *f = &L->stack[L->depth - 1];
    const char *v = (const char *)xmlTextReaderConstValue(rd);
    if (f->elem == E_UNKNOWN || !v)
        return;
    if (!is_text_elem(f->elem)) {
        if (!f->text_err && !all_blank(v)) {
            f->text_err = 1;
            dt_load_error(L, DT_EINVALID, &f->pos, "text-not-allowed",
                          "text is not allowed directly inside <%s>%s", dt_elem_names[f->elem],
                          (STEPS & (1u << f->elem)) ? " (put it in a <say>)" : "");
        }
        return;
    }
    size_t n = strlen(v);
    if (L->tlen - f->text_start + n > DT_MAX_TEXT) {
        if (!f->text_err) {
            f->text_err = 1;
            dt_load_error(L, DT_ELIMIT, &f->pos, "text-too-long",
                          "the text of <%s> is longer than %u bytes", dt_elem_names[f->elem], DT_MAX_TEXT);
        }
        return;
    }
    if (dt_grow((void **)&L->tbuf, &L->tcap, L->tlen + n + 1, 1) != 0) {
        dt_load_oom(L);
        return;
    }
    memcpy(L->tbuf + L->tlen, v, n);
    L->tlen += n;
}

static void reader_pass(dt_loader *L, xmlTextReaderPtr rd)
{
    names nm;
    names_init(&nm, rd);
    for (;;) {
        int r = xmlTextReaderRead(rd);
        if (r != 1 || L->in->failed || L->xml_failed || L->oom) {
            if (r < 0 && !L->in->failed && !L->xml_failed && !L->oom)
                xml_error(L, 0, L->in->line, 0, "the XML parser stopped");
            return;
        }
        switch (xmlTextReaderNodeType(rd)) {
        case XML_READER_TYPE_ELEMENT: start_element(L, rd, &nm); break;
        case XML_READER_TYPE_END_ELEMENT: end_element(L); break;
        case XML_READER_TYPE_TEXT:
        case XML_READER_TYPE_CDATA:
        case XML_READER_TYPE_WHITESPACE:
        case XML_READER_TYPE_SIGNIFICANT_WHITESPACE: text_node(L, rd); break;
        default: break; /* comments and processing instructions */
        }
    }
}

/* ---- one file ---- */

static void reset_file_state(dt_loader *L)
{
    dt_idmap_free(&L->steps);
    dt_idmap_free(&L->fvars);
    dt_idmap_free(&L->exprs);
    dt_idmap_free(&L->patterns);
    dt_vec_free(&L->pending);
    dt_vec_free(&L->inputfix);
    dt_vec_free(&L->stepsets);
    L->depth = 0;
    L->tlen = 0;
    L->xml_failed = 0;
    L->saw_root = L->saw_description = L->saw_handoff = 0;
    L->start_id = 0;
}

#define READ_OPTIONS (XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOCDATA | XML_PARSE_COMPACT)

static void parse_with_libxml(dt_loader *L, dt_xmlin *in)
{
    xmlTextReaderPtr rd = xmlReaderForIO(dt_xmlin_read, dt_xmlin_noclose, in, NULL, "UTF-8",
                                         READ_OPTIONS);
    if (!rd) {
        dt_load_oom(L);
        return;
    }
    xmlGenericErrorFunc old_generic = xmlGenericError;
    void *old_generic_ctx = xmlGenericErrorContext;
    xmlStructuredErrorFunc old_structured = xmlStructuredError;
    void *old_structured_ctx = xmlStructuredErrorContext;
    xmlSetGenericErrorFunc(L, on_generic);
    xmlSetStructuredErrorFunc(L, on_structured);
    xmlTextReaderSetStructuredErrorHandler(rd, on_structured, L);
    reader_pass(L, rd);
    xmlFreeTextReader(rd);
    xmlSetStructuredErrorFunc(old_structured_ctx, old_structured);
    xmlSetGenericErrorFunc(old_generic_ctx, old_generic);
}

static void load_unit(dt_loader *L, uint32_t u, const char *mem, size_t memlen)
{
    dt_fileinfo *fi = &L->files[u];
    dt_xmlin in;
    L->unit = u;
    L->file = fi->display;
    reset_file_state(L);
    L->first_set = L->t->sets.len;
    L->first_cond = L->t->conds.len;
    L->first_callfix = L->callfix.len;
    L->first_choice = L->t->choices.len;
    DT_UNIT(L->t, u)->first_step = L->t->steps.len;
    dt_status st = mem ? dt_xmlin_open_memory(&in, mem, memlen, L->max_bytes)
                       : dt_xmlin_open_file(&in, fi->real ? fi->real : fi->display, L->max_bytes);
    L->in = &in;
    if (st == DT_OK)
        parse_with_libxml(L, &in);
    if (in.failed) {
        dt_pos p = {in.fline, in.fcol};
        if (in.code == DT_ENOMEM)
            dt_load_oom(L);
        else
            dt_load_error(L, in.code, in.fline ? &p : NULL, in.check, "%s", in.msg);
    }
    DT_UNIT(L->t, u)->hash = dt_hash64_final(&in.hash);
    fi->loaded = 1;
    fi->ok = !in.failed && !L->xml_failed && !L->oom;
    if (fi->ok && !L->saw_root)
        fi->ok = 0;
    if (fi->ok)
        dt_load_file_end(L);
    dt_xmlin_close(&in);
    L->in = NULL;
}

/* ---- the bundle ---- */

static void loader_free(dt_loader *L)
{
    reset_file_state(L);
    for (uint32_t i = 0; i < L->nfiles; i++) {
        dt_free(L->files[i].real);
        dt_free(L->files[i].display);
    }
    dt_idmap_free(&L->gvars);
    dt_vec_free(&L->callfix);
    dt_free(L->root);
    dt_free(L->tbuf);
    dt_free(L->scratch);
    dt_free(L->scache);
}

static dt_status start_load(dt_loader *L, const dt_load_options *opts, dt_tree **out, dt_error *err)
{
    dt_init();
    memset(L, 0, sizeof *L);
    L->err = err;
    L->file = "<engine>";
    L->max_bytes = opts && opts->max_bytes ? opts->max_bytes : DT_DEFAULT_MAX_BYTES;
    L->flags = opts ? opts->flags : 0;
    L->library_dir = opts ? opts->library_dir : NULL;
    if (!out)
        return dt_err_add(err, DT_SEV_ERROR, DT_EARG, NULL, 0, 0, "", "no place for the result");
    *out = NULL;
    if (!(L->t = dt_tree_alloc()))
        return dt_load_oom(L);
    return DT_OK;
}

/* Register a file of the bundle; its unit record is created now and filled when it is read. */
uint32_t dt_load_add_file(dt_loader *L, char *real, char *display)
{
    dt_unit_rec *u;
    dt_str path;
    if (L->nfiles >= DT_MAX_FILES || dt_load_intern(L, display, strlen(display), &path) != 0 ||
        !(u = dt_vec_push(&L->t->units, sizeof *u))) {
        dt_free(real);
        dt_free(display);
        if (!L->oom)
            dt_load_oom(L);
        return DT_NONE;
    }
    u->path = path;
    u->handoff_to = DT_NONE;
    u->start = DT_NONE;
    L->files[L->nfiles] = (dt_fileinfo){real, display, 0, 0};
    return L->nfiles++;
}

static dt_status finish(dt_loader *L, const char *mem, size_t memlen, dt_tree **out)
{
    for (uint32_t u = 0; u < L->nfiles && !L->oom; u++)
        load_unit(L, u, u == 0 ? mem : NULL, memlen);
    if (!L->oom)
        dt_load_bundle_end(L);
    dt_status st = L->oom ? DT_ENOMEM : L->nerrors ? L->first : DT_OK;
    loader_free(L);
    if (st != DT_OK) {
        dt_tree_free(L->t);
        return st;
    }
    *out = L->t;
    return DT_OK;
}

dt_status dt_tree_load_file(const char *path, const dt_load_options *opts, dt_tree **out,
                            dt_error *err)
{
    dt_loader L;
    dt_status st = start_load(&L, opts, out, err);
    if (st != DT_OK || !path) {
        dt_tree_free(L.t);
        loader_free(&L);
        return st ? st : dt_err_add(err, DT_SEV_ERROR, DT_EARG, NULL, 0, 0, "", "no file name given");
    }
    char *display = dt_strdup(path);
    char rp[PATH_MAX];
    int have_real = realpath(path, rp) != NULL;
    char *real = have_real ? dt_strdup(rp) : NULL;
    if (!display || (have_real && !real)) {
        dt_free(display);
        dt_free(real);
        dt_load_oom(&L);
    } else {
        dt_load_add_file(&L, real, display);
    }
    return finish(&L, NULL, 0, out);
}

dt_status dt_tree_load_memory(const char *data, size_t len, const char *name,
                              const dt_load_options *opts, dt_tree **out, dt_error *err)
{
    dt_loader L;
    dt_status st = start_load(&L, opts, out, err);
    if (st != DT_OK || (!data && len)) {
        dt_tree_free(L.t);
        loader_free(&L);
        return st ? st : dt_err_add(err, DT_SEV_ERROR, DT_EARG, NULL, 0, 0, "", "no data given");
    }
    char *display = dt_strdup(name ? name : "<memory>");
    if (!display)
        dt_load_oom(&L);
    else
        dt_load_add_file(&L, NULL, display);
    return finish(&L, data ? data : "", len, out);
}
