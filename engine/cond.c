/*
 * cond.c — conditions and computations: XPath 1.0 compiled and evaluated by libxml2's own engine.
 * A small lexer runs first and refuses what XPath accepts but a tree cannot use (paths, bare names,
 * document functions, undeclared variables, wrong argument counts), so libxml2 only ever sees
 * expressions over variables.  Invariants: libxml2 never prints (every context it sees has a
 * swallowing structured handler) and every libxml2 error, at compile or evaluation, is an error here.
 */
#include "cond.h"
#include "cond_fn.h"
#include "mem.h"
#include "value.h"
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_NEST 64          /* parentheses and calls; libxml2 itself gives up near 500 */
#define ANY_ARGS 255
#define TEXT_RESULT_MAX 65536 /* a computed text longer than this is refused (no doubling loops) */
/* Text handed to libxml2 per evaluation.  The op limit counts a concat() as one operation, but
 * libxml2's concat copies its whole result once per argument: `concat($b, $b, ...)` with a 64 KiB
 * $b took 44 s.  Bounding the text read bounds that work (0.35 s at worst, measured). */
#define TEXT_READ_MAX (1024 * 1024)

/* ------------------------------------------------------------------------------------------- */
/* Messages */

static void set_msg(char msg[COND_MSG], const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_msg(char msg[COND_MSG], const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, COND_MSG, fmt, ap);
    va_end(ap);
}

/* libxml2 leaves its own messages empty; these are ours, by xmlXPathError code. */
static const char *xpath_error_text(int code)
{
    static const char *const texts[] = {
        [XPATH_EXPRESSION_OK] = "no error",
        [XPATH_NUMBER_ERROR] = "malformed number",
        [XPATH_UNFINISHED_LITERAL_ERROR] = "string not closed",
        [XPATH_START_LITERAL_ERROR] = "expected a string",
        [XPATH_VARIABLE_REF_ERROR] = "malformed variable reference",
        [XPATH_UNDEF_VARIABLE_ERROR] = "undefined variable",
        [XPATH_INVALID_PREDICATE_ERROR] = "invalid predicate",
        [XPATH_EXPR_ERROR] = "syntax error: a value or an operator is missing or out of place here",
        [XPATH_UNCLOSED_ERROR] = "syntax error: a ')' is missing",
        [XPATH_UNKNOWN_FUNC_ERROR] = "unknown function",
        [XPATH_INVALID_OPERAND] = "invalid operand",
        [XPATH_INVALID_TYPE] = "wrong type of value for this function or operator",
        [XPATH_INVALID_ARITY] = "wrong number of arguments",
        [XPATH_INVALID_CTXT_SIZE] = "invalid context size",
        [XPATH_INVALID_CTXT_POSITION] = "invalid context position",
        [XPATH_MEMORY_ERROR] = "out of memory",
        [XPTR_SYNTAX_ERROR] = "XPointer syntax error",
        [XPTR_RESOURCE_ERROR] = "XPointer resource error",
        [XPTR_SUB_RESOURCE_ERROR] = "XPointer sub-resource error",
        [XPATH_UNDEF_PREFIX_ERROR] = "undefined namespace prefix",
        [XPATH_ENCODING_ERROR] = "invalid UTF-8 in the expression",
        [XPATH_INVALID_CHAR_ERROR] = "invalid character in the expression",
        [XPATH_INVALID_CTXT] = "invalid context",
        [XPATH_STACK_ERROR] = "internal evaluation stack error",
        [XPATH_FORBID_VARIABLE_ERROR] = "variables are not allowed here",
        [XPATH_OP_LIMIT_EXCEEDED] = "too much work: the operation limit was reached",
        [XPATH_RECURSION_LIMIT_EXCEEDED] = "expression nested too deeply",
    };
    if (code >= 0 && (size_t)code < sizeof texts / sizeof texts[0] && texts[code])
        return texts[code];
    return "XPath error";
}

/* The xmlXPathError held in a context's lastError; 0 when none. */
static int last_xpath_error(const xmlError *e)
{
    if (e->code == 0)
        return 0;
    if (e->domain == XML_FROM_XPATH && e->code >= XML_XPATH_EXPRESSION_OK)
        return e->code - XML_XPATH_EXPRESSION_OK;
    return XPATH_EXPR_ERROR;
}

static void swallow(void *ud, xmlErrorPtr e)
{
    (void)ud;
    (void)e; /* kept in ctxt->lastError, which we read ourselves */
}

/* Some libxml2 paths (out-of-memory in object constructors, mostly) report only through the global
 * channels and then carry on with a wrong value.  Those channels are per thread in libxml2, so for
 * the duration of one call we point them at a counter on our stack, count anything raised as an
 * error, and give the caller's handlers back afterwards. */
typedef struct quiet {
    xmlGenericErrorFunc generic;
    void *generic_ctx;
    xmlStructuredErrorFunc structured;
    void *structured_ctx;
    int raised;
} quiet;

static void count_generic(void *ud, const char *fmt, ...)
{
    (void)fmt;
    ((quiet *)ud)->raised++;
}

static void count_structured(void *ud, xmlErrorPtr e)
{
    (void)e;
    ((quiet *)ud)->raised++;
}

static void quiet_begin(quiet *q)
{
    q->generic = xmlGenericError;
    q->generic_ctx = xmlGenericErrorContext;
    q->structured = xmlStructuredError;
    q->structured_ctx = xmlStructuredErrorContext;
    q->raised = 0;
    xmlSetGenericErrorFunc(q, count_generic);
    xmlSetStructuredErrorFunc(q, count_structured);
}

/* Returns the number of errors libxml2 raised outside our contexts during the call. */
static int quiet_end(const quiet *q)
{
    xmlSetGenericErrorFunc(q->generic_ctx, q->generic);
    xmlSetStructuredErrorFunc(q->structured_ctx, q->structured);
    return q->raised;
}

/* ------------------------------------------------------------------------------------------- */
/* The lexer: one pass, linear, refuses constructs before libxml2 sees them. */

typedef struct fn_spec {
    const char *name;
    unsigned char min, max;
} fn_spec;

/* The XPath 1.0 core library minus what needs a document or a node-set. */
static const fn_spec allowed_fns[] = {
    {"string", 0, 1},           {"concat", 2, ANY_ARGS},  {"starts-with", 2, 2},
    {"contains", 2, 2},         {"substring-before", 2, 2}, {"substring-after", 2, 2},
    {"substring", 2, 3},        {"string-length", 0, 1},  {"normalize-space", 0, 1},
    {"translate", 3, 3},        {"boolean", 1, 1},        {"not", 1, 1},
    {"true", 0, 0},             {"false", 0, 0},          {"number", 0, 1},
    {"floor", 1, 1},            {"ceiling", 1, 1},        {"round", 1, 1},
};
static const char *const document_fns[] = {"id", "lang", "last", "position", "count",
                                           "local-name", "namespace-uri", "name"};
static const char *const node_tests[] = {"node", "text", "comment", "processing-instruction"};

typedef struct frame {
    int fn;          /* index in allowed_fns, -1 for a grouping parenthesis */
    size_t at;       /* offset of the function name or '(' */
    unsigned commas;
} frame;

typedef struct lexer {
    const char *src;
    size_t len, pos;
    dt_cond_known_fn known;
    void *ud;
    size_t *off;
    char *msg;
    int operand;     /* 1 when a value is expected next, 0 when an operator is */
    int just_opened; /* the previous token was '(' */
    int depth;
    frame st[MAX_NEST];
} lexer;

static int fail(lexer *lx, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(lexer *lx, size_t at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(lx->msg, COND_MSG, fmt, ap);
    va_end(ap);
    *lx->off = at;
    return -1;
}

static int is_name_start(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c >= 0x80;
}

static int is_name_char(unsigned char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static unsigned char at_(const lexer *lx, size_t i)
{
    return i < lx->len ? (unsigned char)lx->src[i] : 0;
}

static void skip_ws(lexer *lx)
{
    while (lx->pos < lx->len && strchr(" \t\r\n", lx->src[lx->pos]) && lx->src[lx->pos])
        lx->pos++;
}

/* Scan an XPath NCName (letters, digits, '_', '-', '.', non-ASCII) from lx->pos. */
static size_t scan_ncname(lexer *lx)
{
    size_t start = lx->pos;
    while (lx->pos < lx->len && is_name_char(at_(lx, lx->pos)))
        lx->pos++;
    return lx->pos - start;
}

static void token_done(lexer *lx, int operand_next)
{
    lx->operand = operand_next;
    lx->just_opened = 0;
}

static int lex_literal(lexer *lx)
{
    size_t at = lx->pos;
    char q = lx->src[at];
    const char *end = memchr(lx->src + at + 1, q, lx->len - at - 1);
    if (!end)
        return fail(lx, at, "string not closed: add the missing %c", q);
    lx->pos = (size_t)(end - lx->src) + 1;
    token_done(lx, 0);
    return 0;
}

/* Numbers as libxml2 reads them: digits, an optional fraction, an optional exponent. */
static int lex_number(lexer *lx)
{
    while (is_digit(at_(lx, lx->pos)))
        lx->pos++;
    if (at_(lx, lx->pos) == '.')
        lx->pos++;
    while (is_digit(at_(lx, lx->pos)))
        lx->pos++;
    unsigned char e = at_(lx, lx->pos), s = at_(lx, lx->pos + 1);
    if ((e == 'e' || e == 'E') &&
        (is_digit(s) || ((s == '+' || s == '-') && is_digit(at_(lx, lx->pos + 2))))) {
        lx->pos += 2;
        while (is_digit(at_(lx, lx->pos)))
            lx->pos++;
    }
    token_done(lx, 0);
    return 0;
}

/* "$a-1" -> "$a - 1": the suggestion shown when a name holds a '-'. */
static void spaced_minus(const char *name, size_t n, char *out, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 4 < size; i++) {
        if (name[i] == '-') {
            memcpy(out + o, " - ", 3);
            o += 3;
        } else {
            out[o++] = name[i];
        }
    }
    out[o] = '\0';
}

static int check_var_name(lexer *lx, size_t at, size_t n)
{
    const char *name = lx->src + at + 1;
    if (memchr(name, '-', n)) {
        char fix[64];
        spaced_minus(name, n < 40 ? n : 40, fix, sizeof fix);
        return fail(lx, at, "\"$%.*s\" is not a variable name (names cannot contain '-'): "
                    "put spaces around '-', as in \"$%s\"", (int)(n < 40 ? n : 40), name, fix);
    }
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] >= 0x80 || name[i] == '.')
            return fail(lx, at, "\"$%.*s\" is not a variable name (names use only A-Z, a-z, "
                        "0-9 and _)", (int)(n < 40 ? n : 40), name);
    return 0;
}

static int lex_variable(lexer *lx)
{
    size_t at = lx->pos++;
    if (!is_name_start(at_(lx, lx->pos)))
        return fail(lx, at, "'$' must be followed by a variable name");
    size_t n = scan_ncname(lx);
    if (at_(lx, lx->pos) == ':' && is_name_start(at_(lx, lx->pos + 1)))
        return fail(lx, at, "variable names have no prefix (\"$%.*s:\")", (int)(n < 40 ? n : 40),
                    lx->src + at + 1);
    if (check_var_name(lx, at, n))
        return -1;
    if (lx->known && !lx->known(lx->ud, lx->src + at + 1, n))
        return fail(lx, at, "undeclared variable $%.*s", (int)n, lx->src + at + 1);
    token_done(lx, 0);
    return 0;
}

static int name_is(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && memcmp(s, word, n) == 0;
}

static int in_list(const char *s, size_t n, const char *const *list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (name_is(s, n, list[i]))
            return 1;
    return 0;
}

static int push(lexer *lx, int fn, size_t at)
{
    if (lx->depth >= MAX_NEST)
        return fail(lx, at, "nested more than %d levels deep", MAX_NEST);
    lx->st[lx->depth++] = (frame){fn, at, 0};
    lx->operand = 1;
    lx->just_opened = 1;
    return 0;
}

/* A name followed by '(' : an allowed function, or a clear refusal. lx->pos is at the '('. */
static int lex_call(lexer *lx, size_t at, size_t n)
{
    const char *s = lx->src + at;
    int w = n < 40 ? (int)n : 40;
    for (size_t i = 0; i < sizeof allowed_fns / sizeof allowed_fns[0]; i++) {
        if (name_is(s, n, allowed_fns[i].name)) {
            lx->pos++;
            return push(lx, (int)i, at);
        }
    }
    if (in_list(s, n, document_fns, sizeof document_fns / sizeof document_fns[0]))
        return fail(lx, at, "function \"%.*s()\" needs a document; conditions have none", w, s);
    if (name_is(s, n, "sum"))
        return fail(lx, at, "function \"sum()\" needs a node-set; add numbers with +");
    if (in_list(s, n, node_tests, sizeof node_tests / sizeof node_tests[0]))
        return fail(lx, at, "node test \"%.*s()\" is not allowed: conditions have no document",
                    w, s);
    return fail(lx, at, "unknown function \"%.*s()\"", w, s);
}

static int lex_bare_name(lexer *lx, size_t at, size_t n)
{
    const char *s = lx->src + at;
    size_t word = 0;
    while (word < n && (is_name_start((unsigned char)s[word]) || is_digit((unsigned char)s[word])) &&
           (unsigned char)s[word] < 0x80)
        word++;
    if (word == 0)
        word = n;
    int w = word < 40 ? (int)word : 40;
    if (name_is(s, n, "true") || name_is(s, n, "false"))
        return fail(lx, at, "bare name \"%.*s\": booleans are written true() and false()", w, s);
    if (name_is(s, n, "and") || name_is(s, n, "or") || name_is(s, n, "div") || name_is(s, n, "mod"))
        return fail(lx, at, "operator \"%.*s\" needs a value before it", w, s);
    return fail(lx, at, "bare name \"%.*s\": variables are written $%.*s", w, s, w, s);
}

static int lex_name(lexer *lx)
{
    size_t at = lx->pos;
    size_t n = scan_ncname(lx);
    if (at_(lx, lx->pos) == ':' && is_name_start(at_(lx, lx->pos + 1))) {
        lx->pos++;
        n += 1 + scan_ncname(lx);
    }
    const char *s = lx->src + at;
    if (!lx->operand) {
        if (name_is(s, n, "and") || name_is(s, n, "or") || name_is(s, n, "div") ||
            name_is(s, n, "mod")) {
            token_done(lx, 1);
            return 0;
        }
        return fail(lx, at, "\"%.*s\" is not an operator: expected and, or, div, mod, =, !=, <, "
                    "<=, >, >=, +, - or *", n < 40 ? (int)n : 40, s);
    }
    skip_ws(lx);
    if (at_(lx, lx->pos) == '(')
        return lex_call(lx, at, n);
    if (at_(lx, lx->pos) == ':' && at_(lx, lx->pos + 1) == ':')
        return fail(lx, at, "axis \"%.*s::\" is not allowed: conditions have no document",
                    n < 40 ? (int)n : 40, s);
    return lex_bare_name(lx, at, n);
}

static const char *arg_count_text(const fn_spec *f, char *buf, size_t size)
{
    if (f->max == ANY_ARGS)
        snprintf(buf, size, "at least %u arguments", f->min);
    else if (f->min == f->max)
        snprintf(buf, size, f->min == 0 ? "no arguments" : f->min == 1 ? "1 argument"
                                                                         : "%u arguments",
                 f->min);
    else
        snprintf(buf, size, "%u or %u argument%s", f->min, f->max, f->max == 1 ? "" : "s");
    return buf;
}

static int close_paren(lexer *lx)
{
    size_t at = lx->pos++;
    if (lx->depth == 0)
        return fail(lx, at, "')' without a matching '('");
    frame *f = &lx->st[--lx->depth];
    if (f->fn >= 0) {
        const fn_spec *spec = &allowed_fns[f->fn];
        unsigned args = lx->just_opened ? 0 : f->commas + 1;
        if (args < spec->min || (spec->max != ANY_ARGS && args > spec->max)) {
            char want[40];
            return fail(lx, f->at, "function \"%s()\" takes %s, not %u", spec->name,
                        arg_count_text(spec, want, sizeof want), args);
        }
    }
    token_done(lx, 0);
    return 0;
}

static int comma(lexer *lx)
{
    if (lx->depth == 0 || lx->st[lx->depth - 1].fn < 0)
        return fail(lx, lx->pos, "',' outside a function call");
    lx->st[lx->depth - 1].commas++;
    lx->pos++;
    token_done(lx, 1);
    return 0;
}

/* Comparison operators; refuses the spellings of other languages. */
static int lex_compare(lexer *lx)
{
    size_t at = lx->pos;
    char c = lx->src[at], d = (char)at_(lx, at + 1);
    if (c == '=' && d == '=')
        return fail(lx, at, "'==' is not an XPath operator: write '=' to compare");
    if (c == '!' && d != '=')
        return fail(lx, at, "'!' is not an operator: write not(...), or '!=' for 'not equal'");
    if (c == '<' && d == '>')
        return fail(lx, at, "'<>' is not an XPath operator: write '!='");
    lx->pos += (d == '=' && c != '=') ? 2 : 1;
    token_done(lx, 1);
    return 0;
}

static int lex_ampersand(lexer *lx)
{
    size_t at = lx->pos;
    const char *s = lx->src + at;
    if (at_(lx, at + 1) == '&')
        return fail(lx, at, "'&&' is not an XPath operator: write \"and\"");
    if (strncmp(s, "&lt;", 4) == 0 || strncmp(s, "&gt;", 4) == 0 || strncmp(s, "&amp;", 5) == 0 ||
        strncmp(s, "&quot;", 6) == 0 || strncmp(s, "&apos;", 6) == 0 || strncmp(s, "&#", 2) == 0)
        return fail(lx, at, "XML escape found inside the expression: in a tree file write &lt; "
                    "once (not &amp;lt;), elsewhere write < itself");
    return fail(lx, at, "unexpected character '&'");
}

static int unexpected(lexer *lx)
{
    size_t at = lx->pos;
    unsigned char c = at_(lx, at);
    if (c >= 0x21 && c < 0x7f)
        return fail(lx, at, "unexpected character '%c'", c);
    if (c >= 0xc2 && c <= 0xf4) {
        size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        size_t i = 1;
        while (i < n && (at_(lx, at + i) & 0xc0) == 0x80)
            i++;
        if (i == n)
            return fail(lx, at, "unexpected character \"%.*s\"", (int)n, lx->src + at);
    }
    return fail(lx, at, "unexpected byte 0x%02X", c);
}

static int lex_punct(lexer *lx)
{
    size_t at = lx->pos;
    unsigned char c = at_(lx, at), d = at_(lx, at + 1);
    switch (c) {
    case '(': lx->pos++; return push(lx, -1, at);
    case ')': return close_paren(lx);
    case ',': return comma(lx);
    case '=': case '!': case '<': case '>': return lex_compare(lx);
    case '+': case '-': lx->pos++; token_done(lx, 1); return 0;
    case '*':
        if (lx->operand)
            return fail(lx, at, "'*' here is a node test, not a multiplication: conditions have "
                        "no document");
        lx->pos++;
        token_done(lx, 1);
        return 0;
    case '/':
        return fail(lx, at, "paths ('/') are not allowed: conditions have no document; to "
                    "divide, write \"div\"");
    case '|':
        if (d == '|')
            return fail(lx, at, "'||' is not an XPath operator: write \"or\"");
        return fail(lx, at, "'|' joins node-sets, which conditions do not have: write \"or\"");
    case '[': case ']': return fail(lx, at, "predicates '[...]' are not allowed");
    case '@': return fail(lx, at, "'@' (attribute) is not allowed: conditions have no document");
    case '.':
        return fail(lx, at, "'%s' (the context node) is not allowed: conditions have no document",
                    d == '.' ? ".." : ".");
    case ':':
        if (d == ':')
            return fail(lx, at, "'::' (an axis) is not allowed: conditions have no document");
        return unexpected(lx);
    case '&': return lex_ampersand(lx);
    default: return unexpected(lx);
    }
}

static int lex_token(lexer *lx)
{
    unsigned char c = at_(lx, lx->pos);
    if (c == '\'' || c == '"')
        return lex_literal(lx);
    if (is_digit(c) || (c == '.' && is_digit(at_(lx, lx->pos + 1))))
        return lex_number(lx);
    if (c == '$')
        return lex_variable(lx);
    if (is_name_start(c) && c < 0x80)
        return lex_name(lx);
    return lex_punct(lx);
}

static int lex_all(lexer *lx)
{
    for (;;) {
        skip_ws(lx);
        if (lx->pos >= lx->len)
            break;
        if (lex_token(lx))
            return -1;
    }
    if (lx->depth > 0)
        return fail(lx, lx->st[lx->depth - 1].at, "'(' is never closed");
    return 0;
}

/* ------------------------------------------------------------------------------------------- */
/* Compilation */

/* Compile with libxml2 on a stack context: compiling needs no function table, so this costs no
 * allocation beyond the expression itself (a million conditions load fast). */
static int xml_compile(const char *src, size_t len, void **comp, size_t *off,
                       char msg[COND_MSG])
{
    xmlXPathContext cx;
    memset(&cx, 0, sizeof cx);
    cx.contextSize = -1;
    cx.proximityPosition = -1;
    cx.error = swallow;
    xmlXPathCompExprPtr c = xmlXPathCtxtCompile(&cx, (const xmlChar *)src);
    int code = last_xpath_error(&cx.lastError);
    if (c && code == 0) {
        *comp = c;
        return 0;
    }
    size_t where = cx.lastError.int1 > 0 ? (size_t)cx.lastError.int1 : 0;
    *off = where <= len ? where : 0;
    set_msg(msg, "%s", code ? xpath_error_text(code) : "out of memory");
    xmlResetError(&cx.lastError);
    xmlXPathFreeCompExpr(c);
    return -1;
}

int dt_cond_compile(const char *src, dt_cond_known_fn known, void *ud, void **comp, size_t *off,
                    char msg[COND_MSG])
{
    *comp = NULL;
    *off = 0;
    msg[0] = '\0';
    size_t len = src ? strnlen(src, COND_MAX_LEN + 1) : 0;
    if (len > COND_MAX_LEN) {
        set_msg(msg, "expression longer than %d bytes", COND_MAX_LEN);
        return -1;
    }
    if (len == 0) {
        set_msg(msg, "empty expression");
        return -1;
    }
    lexer lx = {.src = src, .len = len, .known = known, .ud = ud, .off = off, .msg = msg,
                .operand = 1};
    skip_ws(&lx);
    if (lx.pos == len) {
        set_msg(msg, "empty expression");
        return -1;
    }
    if (lex_all(&lx))
        return -1;
    quiet q;
    quiet_begin(&q);
    int rc = xml_compile(src, len, comp, off, msg);
    if (quiet_end(&q) && rc == 0) { /* libxml2 hit a failure it did not report to us */
        xmlXPathFreeCompExpr(*comp);
        *comp = NULL;
        *off = 0;
        set_msg(msg, "out of memory");
        rc = -1;
    }
    return rc;
}

void dt_cond_free(void *comp)
{
    if (comp)
        xmlXPathFreeCompExpr(comp);
}

/* ------------------------------------------------------------------------------------------- */
/* Evaluation */

enum { LOOKUP_OK = 0, LOOKUP_UNKNOWN, LOOKUP_NOMEM, LOOKUP_TOO_MUCH, LOOKUP_ACTION };

struct dt_cond_env {
    xmlXPathContextPtr ctx;
    xmlDocPtr doc;  /* a one-element document so that string() and friends never see NULL */
    xmlNodePtr root;
    dt_cond_lookup_fn lookup;
    void *ud;
    int lookup_error;
    int read_sensitive; /* this evaluation read a sensitive variable */
    size_t text_read; /* bytes of text variables read in this evaluation */
    unsigned long op_limit;  /* per evaluation */
    /* The budget of one action (dt_cond_env_begin_action): evaluations, operations, text. */
    unsigned long evals, ops;
    int action_ops_hit;
    dt_cond_work work;
    char missing[48]; /* the variable the lookup did not know */
};

static xmlXPathObjectPtr var_lookup(void *data, const xmlChar *name, const xmlChar *ns)
{
    dt_cond_env *env = data;
    dt_cond_value v = {DT_VAR_TEXT, "", 0};
    if (ns || !env->lookup || env->lookup(env->ud, (const char *)name, &v) != 0) {
        env->lookup_error = LOOKUP_UNKNOWN;
        snprintf(env->missing, sizeof env->missing, "%s", (const char *)name);
        return NULL;
    }
    env->read_sensitive |= v.sensitive != 0;
    const char *text = v.text ? v.text : "";
    if (v.type != DT_VAR_NUMBER && v.type != DT_VAR_BOOLEAN) {
        size_t n = strlen(text);
        env->text_read += n;
        if (env->text_read > TEXT_READ_MAX) {
            env->lookup_error = LOOKUP_TOO_MUCH;
            return NULL;
        }
        if (dt_cond_charge(&env->work, n) != 0) {
            env->lookup_error = LOOKUP_ACTION;
            return NULL;
        }
    }
    xmlXPathObjectPtr o;
    if (v.type == DT_VAR_NUMBER) /* an unset number reads as 0 */
        o = xmlXPathNewFloat(*text ? dt_value_number(DT_VAR_NUMBER, text) : 0.0);
    else if (v.type == DT_VAR_BOOLEAN)
        o = xmlXPathNewBoolean(dt_value_bool(text));
    else
        o = xmlXPathNewCString(text);
    if (!o)
        env->lookup_error = LOOKUP_NOMEM;
    return o;
}

static int env_init(dt_cond_env *env)
{
    env->doc = xmlNewDoc((const xmlChar *)"1.0");
    env->root = env->doc ? xmlNewDocNode(env->doc, NULL, (const xmlChar *)"dtree", NULL) : NULL;
    if (env->root)
        xmlDocSetRootElement(env->doc, env->root);
    env->ctx = env->root ? xmlXPathNewContext(env->doc) : NULL;
    if (!env->ctx)
        return -1;
    env->ctx->node = env->root;
    env->ctx->error = swallow;
    env->op_limit = COND_OP_LIMIT;
    env->work.bytes_max = COND_ACTION_BYTES;
    xmlXPathRegisterVariableLookup(env->ctx, var_lookup, env);
    dt_cond_fn_install(env->ctx, &env->work);
    return 0;
}

static void env_release(dt_cond_env *env)
{
    if (env->ctx)
        xmlXPathFreeContext(env->ctx);
    if (env->doc)
        xmlFreeDoc(env->doc); /* frees root as well */
    dt_free(env);
}

dt_cond_env *dt_cond_env_new(dt_cond_lookup_fn lookup, void *ud)
{
    dt_cond_env *env = dt_calloc(1, sizeof *env);
    if (!env)
        return NULL;
    env->lookup = lookup;
    env->ud = ud;
    quiet q;
    quiet_begin(&q);
    int rc = env_init(env);
    if (quiet_end(&q) || rc != 0) {
        env_release(env);
        env = NULL;
    }
    return env;
}

void dt_cond_env_free(dt_cond_env *env)
{
    if (env)
        env_release(env);
}

int dt_cond_env_read_sensitive(const dt_cond_env *env)
{
    return env ? env->read_sensitive : 0;
}

void dt_cond_env_set_op_limit(dt_cond_env *env, unsigned long limit)
{
    if (env)
        env->op_limit = limit ? limit : COND_OP_LIMIT;
}

void dt_cond_env_begin_action(dt_cond_env *env)
{
    if (!env)
        return;
    env->evals = env->ops = 0;
    env->action_ops_hit = 0;
    env->work.bytes = 0;
    env->work.over = 0;
}

void dt_cond_env_work(const dt_cond_env *env, dt_cond_work_done *out)
{
    *out = (dt_cond_work_done){0, 0, 0};
    if (env)
        *out = (dt_cond_work_done){env->evals, env->ops, env->work.bytes};
}

/* Count one evaluation against the action's budget and give it what is left of the operations. */
static int action_budget(dt_cond_env *env, char msg[COND_MSG])
{
    if (++env->evals > COND_ACTION_EVALS) {
        set_msg(msg, "too much work in one answer: more than %d evaluations", COND_ACTION_EVALS);
        return -1;
    }
    if (env->work.over || env->ops >= COND_ACTION_OPS) {
        set_msg(msg, "too much work in one answer: %s", env->work.over
                ? "the formulas handle more text than allowed" : "too many operations");
        return -1;
    }
    unsigned long left = COND_ACTION_OPS - env->ops;
    env->action_ops_hit = left < env->op_limit;
    env->ctx->opLimit = env->action_ops_hit ? left : env->op_limit;
    return 0;
}

/* Run one evaluation from a clean state: libxml2 never resets its op counter, depth or last error,
 * and a stale one would make this evaluation fail (or look as if it succeeded). */
static xmlXPathObjectPtr run(dt_cond_env *env, void *comp, char msg[COND_MSG])
{
    msg[0] = '\0';
    if (!env || !comp) {
        set_msg(msg, "no expression or environment");
        return NULL;
    }
    xmlXPathContextPtr ctx = env->ctx;
    xmlResetError(&ctx->lastError);
    ctx->opCount = 0;
    ctx->depth = 0;
    ctx->node = env->root;
    ctx->contextSize = -1;
    ctx->proximityPosition = -1;
    env->lookup_error = LOOKUP_OK;
    env->read_sensitive = 0;
    env->text_read = 0;
    if (action_budget(env, msg) != 0)
        return NULL;
    xmlXPathObjectPtr res = xmlXPathCompiledEval(comp, ctx);
    env->ops += ctx->opCount;
    int code = last_xpath_error(&ctx->lastError);
    if (res && code == 0 && env->lookup_error == LOOKUP_OK)
        return res;
    xmlXPathFreeObject(res);
    if (env->lookup_error == LOOKUP_UNKNOWN)
        set_msg(msg, "undefined variable $%s", env->missing);
    else if (env->lookup_error == LOOKUP_NOMEM)
        set_msg(msg, "out of memory");
    else if (env->lookup_error == LOOKUP_TOO_MUCH)
        set_msg(msg, "too much work: variables read add up to more than %d bytes of text",
                TEXT_READ_MAX);
    else if (env->lookup_error == LOOKUP_ACTION || env->work.over)
        set_msg(msg, "too much work in one answer: the formulas handle more than %d bytes of text",
                COND_ACTION_BYTES);
    else if (code == XPATH_OP_LIMIT_EXCEEDED && env->action_ops_hit)
        set_msg(msg, "too much work in one answer: more than %lu operations", COND_ACTION_OPS);
    else if (code == XPATH_OP_LIMIT_EXCEEDED)
        set_msg(msg, "too much work: more than %lu operations", ctx->opLimit);
    else if (code)
        set_msg(msg, "%s", xpath_error_text(code));
    else
        set_msg(msg, "evaluation failed (out of memory?)");
    xmlResetError(&ctx->lastError);
    return NULL;
}

int dt_cond_eval_bool(dt_cond_env *env, void *comp, int *out, char msg[COND_MSG])
{
    *out = 0;
    quiet q;
    quiet_begin(&q);
    xmlXPathObjectPtr res = run(env, comp, msg);
    int value = res ? xmlXPathCastToBoolean(res) : 0;
    xmlXPathFreeObject(res);
    if (quiet_end(&q) && res) { /* a result computed past a swallowed failure is not trusted */
        set_msg(msg, "out of memory");
        res = NULL;
    }
    *out = res && value ? 1 : 0;
    return res ? 0 : -1;
}

/* The result as a string (libxml2's conversion), copied into dt_malloc memory. */
static char *result_string(xmlXPathObjectPtr res, char msg[COND_MSG])
{
    xmlChar *s = xmlXPathCastToString(res);
    if (!s) {
        set_msg(msg, "out of memory");
        return NULL;
    }
    size_t n = strlen((const char *)s);
    char *copy = NULL;
    if (n > TEXT_RESULT_MAX)
        set_msg(msg, "result longer than %d bytes", TEXT_RESULT_MAX);
    else if (!(copy = dt_strndup((const char *)s, n)))
        set_msg(msg, "out of memory");
    xmlFree(s);
    return copy;
}

/* What a message says in place of a value that must not be quoted. */
#define NOT_SHOWN "(not shown: it is computed from a sensitive variable)"

static char *convert_number(xmlXPathObjectPtr res, int secret, char msg[COND_MSG])
{
    double d = xmlXPathCastToNumber(res);
    if (isnan(d) && secret) {
        set_msg(msg, "not a number " NOT_SHOWN);
        return NULL;
    }
    if (isnan(d)) {
        xmlChar *s = xmlXPathCastToString(res);
        set_msg(msg, "not a number: \"%.60s\"", s ? (const char *)s : "NaN");
        xmlFree(s);
        return NULL;
    }
    char buf[64];
    dt_value_format_number(d, buf, sizeof buf);
    char *copy = dt_strdup(buf);
    if (!copy)
        set_msg(msg, "out of memory");
    return copy;
}

static char *convert_date(xmlXPathObjectPtr res, int secret, char msg[COND_MSG])
{
    char *s = result_string(res, msg);
    if (!s)
        return NULL;
    char canon[64];
    const char *why = NULL;
    char *copy = NULL;
    if (strlen(s) > 32 || dt_value_parse(DT_VAR_DATE, s, canon, sizeof canon, &why) != 0) {
        if (secret)
            set_msg(msg, "not a date (YYYY-MM-DD) " NOT_SHOWN);
        else
            set_msg(msg, "not a date (YYYY-MM-DD): \"%.60s\"", s);
    }
    else if (!(copy = dt_strdup(canon)))
        set_msg(msg, "out of memory");
    dt_free(s);
    return copy;
}

static char *convert(xmlXPathObjectPtr res, dt_var_type type, int secret, char msg[COND_MSG])
{
    char *out = NULL;
    switch (type) {
    case DT_VAR_NUMBER: out = convert_number(res, secret, msg); break;
    case DT_VAR_BOOLEAN:
        if (!(out = dt_strdup(xmlXPathCastToBoolean(res) ? "true" : "false")))
            set_msg(msg, "out of memory");
        break;
    case DT_VAR_DATE: out = convert_date(res, secret, msg); break;
    default: out = result_string(res, msg); break;
    }
    return out;
}

int dt_cond_eval_value(dt_cond_env *env, void *comp, dt_var_type type, char **out,
                       char msg[COND_MSG])
{
    *out = NULL;
    quiet q;
    quiet_begin(&q);
    xmlXPathObjectPtr res = run(env, comp, msg);
    if (res)
        *out = convert(res, type, env->read_sensitive, msg);
    xmlXPathFreeObject(res);
    if (quiet_end(&q) && *out) { /* a result computed past a swallowed failure is not trusted */
        dt_free(*out);
        *out = NULL;
        set_msg(msg, "out of memory");
    }
    return *out ? 0 : -1;
}
