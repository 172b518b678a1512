/*
 * pattern_dialect.c — the pattern dialect: what both PCRE2 and an HTML `pattern` (ECMAScript, `v`
 * flag) accept and read the same way.  One left-to-right pass checks the source and writes the
 * PCRE2 form: every literal is escaped or written \x{...}, and the constructs whose meaning differs
 * (`.`, `\s`, `\v`, `\u`) are spelt out, so the two engines cannot disagree.  The pass also counts
 * how large the pattern grows once counted repeats are written out (PCRE2 copies a repeated
 * group), so that `((a{255}){255}){255}` is refused here instead of costing gigabytes.
 */
#include "mem.h"
#include "pattern_dialect.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* What ECMAScript calls white space and line terminators: \s must mean exactly this set. */
#define WS_SET "\\t\\n\\x{0B}\\f\\r\\x{20}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}" \
               "\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}"
/* ECMAScript's `.`: anything but a line terminator. */
#define DOT "[^\\n\\r\\x{2028}\\x{2029}]"

enum { G_CAPTURE, G_PLAIN, G_LOOKAHEAD };

typedef struct group {
    int kind;
    unsigned long weight; /* atoms so far, repeats written out */
} group;

typedef struct dialect {
    const char *src;
    size_t len, pos;
    char *out;
    size_t n, cap;
    int oom;
    char *why;
    size_t wsz;
    int depth;
    group g[PATTERN_MAX_GROUPS + 1];
    unsigned long last; /* weight of the item a quantifier would repeat */
    int can_repeat;     /* the previous item is an atom (not an assertion, '(' or '|') */
    int failed;         /* why holds the reason */
} dialect;

static int refuse(dialect *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int refuse(dialect *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->why, d->wsz, fmt, ap);
    va_end(ap);
    d->failed = 1;
    return -1;
}

static void emit(dialect *d, const char *s, size_t n)
{
    if (d->oom || dt_grow((void **)&d->out, &d->cap, d->n + n + 1, 1) != 0) {
        d->oom = 1;
        return;
    }
    memcpy(d->out + d->n, s, n);
    d->n += n;
    d->out[d->n] = '\0';
}

static void emits(dialect *d, const char *s)
{
    emit(d, s, strlen(s));
}

/* A literal code point, in a form PCRE2 reads literally inside or outside a class. */
static void emit_cp(dialect *d, unsigned long cp)
{
    char buf[16];
    int alnum = (cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z');
    if (alnum)
        snprintf(buf, sizeof buf, "%c", (char)cp);
    else if (cp > 0x20 && cp < 0x7f)
        snprintf(buf, sizeof buf, "\\%c", (char)cp);
    else
        snprintf(buf, sizeof buf, "\\x{%lX}", cp);
    emits(d, buf);
}

static unsigned char peek(const dialect *d, size_t k)
{
    return d->pos + k < d->len ? (unsigned char)d->src[d->pos + k] : 0;
}

/* Decode the UTF-8 character at pos (the loader guarantees valid UTF-8) and move past it. */
static unsigned long next_cp(dialect *d)
{
    unsigned char c = peek(d, 0);
    size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    unsigned long cp = n == 1 ? c : n == 2 ? (c & 0x1Fu) : n == 3 ? (c & 0x0Fu) : (c & 0x07u);
    for (size_t i = 1; i < n; i++)
        cp = (cp << 6) | (peek(d, i) & 0x3Fu);
    d->pos += n;
    return cp;
}

static int hexval(unsigned char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* \xHH, \uHHHH or \u{H...}, with pos just after the 'x' or 'u'; -1 when malformed. */
static long hex_escape(dialect *d, char kind)
{
    long v = 0;
    if (kind == 'u' && peek(d, 0) == '{') {
        size_t k = 1;
        for (; hexval(peek(d, k)) >= 0 && k < 8; k++)
            v = v * 16 + hexval(peek(d, k));
        if (k == 1 || peek(d, k) != '}' || v > 0x10FFFF)
            return -1;
        d->pos += k + 1;
    } else {
        size_t want = kind == 'x' ? 2 : 4;
        for (size_t k = 0; k < want; k++) {
            if (hexval(peek(d, k)) < 0)
                return -1;
            v = v * 16 + hexval(peek(d, k));
        }
        d->pos += want;
    }
    return (v >= 0xD800 && v <= 0xDFFF) ? -1 : v;
}

/* The character an escape stands for (\t, \n, \xHH, \u..., an escaped punctuator), or -1 with why.
 * pos is on the letter after the backslash. `in_class` allows the punctuators only a class may
 * escape in `v` mode. */
static long char_escape(dialect *d, int in_class)
{
    unsigned char c = peek(d, 0);
    static const char syntax[] = "^$\\.*+?()[]{}|/";
    static const char class_punct[] = "&-!#%,:;<=>@`~";
    d->pos++;
    switch (c) {
    case 't': return '\t';
    case 'n': return '\n';
    case 'r': return '\r';
    case 'f': return '\f';
    case 'v': return 0x0B;
    case 'x':
    case 'u': {
        long v = hex_escape(d, (char)c);
        if (v < 0)
            refuse(d, "is not allowed: \\%c must be followed by %s (and not a surrogate)", c,
                   c == 'x' ? "two hex digits" : "four hex digits or {hex}");
        return v;
    }
    default: break;
    }
    if (c && (strchr(syntax, c) || (in_class && strchr(class_punct, c))))
        return c;
    if (c >= '1' && c <= '9')
        return refuse(d, "uses a back-reference (\\%c), which is not allowed: it can make checking "
                      "an answer take minutes", c);
    if (c == 'p' || c == 'P')
        return refuse(d, "is not allowed: Unicode property classes (\\%c{...}) do not match the same "
                      "characters everywhere: list the characters in [...]", c);
    if (c == '0')
        return refuse(d, "is not allowed: \\0 (a NUL character) never occurs in an answer");
    if (c == 'k')
        return refuse(d, "uses a back-reference (\\k), which is not allowed: it can make checking "
                      "an answer take minutes");
    if (c >= 0x20 && c < 0x7f)
        return refuse(d, "is not allowed: \\%c is not an escape that browsers accept%s", c,
                      c == '-' ? " outside [...]: write - on its own" : "");
    return refuse(d, "is not allowed: a backslash must be followed by a letter or a punctuation mark");
}

static int add_weight(dialect *d, unsigned long w)
{
    d->last = w;
    d->g[d->depth].weight += w;
    if (d->g[d->depth].weight > PATTERN_MAX_WEIGHT)
        return refuse(d, "is too complex: with its repeats written out it has more than %d parts",
                      PATTERN_MAX_WEIGHT);
    return 0;
}

static int atom(dialect *d, unsigned long w)
{
    d->can_repeat = 1;
    return add_weight(d, w);
}

static int assertion(dialect *d, const char *pcre)
{
    emits(d, pcre);
    d->can_repeat = 0;
    return 0;
}

/* \d \D \w \W \s \S \b \B outside a class, or a character escape. pos is on the backslash. */
static int escape_outside(dialect *d)
{
    unsigned char c = peek(d, 1);
    switch (c) {
    case 'd': case 'D': case 'w': case 'W': {
        char e[3] = {'\\', (char)c, 0}; /* ASCII in PCRE2 without UCP, as in ECMAScript */
        d->pos += 2;
        emits(d, e);
        return atom(d, 1);
    }
    case 's': case 'S':
        d->pos += 2;
        emits(d, c == 's' ? "[" WS_SET "]" : "[^" WS_SET "]");
        return atom(d, 1);
    case 'b': case 'B':
        d->pos += 2;
        return assertion(d, c == 'b' ? "\\b" : "\\B");
    default: break;
    }
    d->pos++;
    long cp = char_escape(d, 0);
    if (cp < 0)
        return -1;
    emit_cp(d, (unsigned long)cp);
    return atom(d, 1);
}

/* One class member: a character (possibly escaped), or -2 after emitting a shorthand (\d, \w...). */
static long class_char(dialect *d)
{
    static const char syntax[] = "()[]{}/-|";
    static const char doubles[] = "&!#$%*+,.:;<=>?@^`~";
    unsigned char c = peek(d, 0);
    if (c == '\\') {
        unsigned char e = peek(d, 1);
        if (e && strchr("dDwW", e)) {
            char s[3] = {'\\', (char)e, 0};
            d->pos += 2;
            emits(d, s);
            return -2;
        }
        if (e == 's') {
            d->pos += 2;
            emits(d, WS_SET);
            return -2;
        }
        if (e == 'S' || e == 'b' || e == 'B' || e == 'q')
            return refuse(d, "is not allowed: \\%c inside [...] does not mean the same everywhere", e);
        d->pos++;
        return char_escape(d, 1);
    }
    if (strchr(syntax, c))
        return refuse(d, "is not allowed: '%c' inside [...] must be written \\%c (browsers refuse "
                      "the pattern otherwise)", c, c);
    if (strchr(doubles, c) && peek(d, 1) == c)
        return refuse(d, "is not allowed: \"%c%c\" inside [...] is reserved in browsers: write "
                      "\\%c\\%c", c, c, c, c);
    return (long)next_cp(d);
}

/* [...] with pos on '['. */
static int char_class(dialect *d)
{
    d->pos++;
    emits(d, "[");
    if (peek(d, 0) == '^') {
        d->pos++;
        emits(d, "^");
    }
    if (peek(d, 0) == ']')
        return refuse(d, "is not allowed: an empty [] or [^] means different things in different "
                      "engines");
    while (peek(d, 0) != ']') {
        if (d->pos >= d->len)
            return refuse(d, "is not a valid pattern: a '[' is never closed");
        long lo = class_char(d);
        if (lo == -1)
            return -1;
        if (lo == -2)
            continue;
        emit_cp(d, (unsigned long)lo);
        if (peek(d, 0) != '-' || peek(d, 1) == ']')
            continue;
        d->pos++;
        long hi = class_char(d);
        if (hi == -1)
            return -1;
        if (hi == -2 || hi < lo)
            return refuse(d, "is not allowed: a range in [...] must go from a character to a later one");
        emits(d, "-");
        emit_cp(d, (unsigned long)hi);
    }
    d->pos++;
    emits(d, "]");
    return atom(d, 1);
}

static int open_group(dialect *d)
{
    int kind = G_CAPTURE;
    const char *rest = d->src + d->pos + 1;
    size_t left = d->len - d->pos - 1;
    size_t skip = 1;
    if (left >= 2 && rest[0] == '?') {
        if (rest[1] == ':')
            kind = G_PLAIN, skip = 3;
        else if (rest[1] == '=' || rest[1] == '!')
            kind = G_LOOKAHEAD, skip = 3;
        else if (rest[1] == '<' && left >= 3 && (rest[2] == '=' || rest[2] == '!'))
            return refuse(d, "is not allowed: lookbehind (?<%c...) is not available everywhere",
                          rest[2]);
        else if (rest[1] == '<')
            return refuse(d, "is not allowed: named groups (?<name>...): use (...) or (?:...)");
        else if (rest[1] == '>')
            return refuse(d, "is not allowed: atomic groups (?>...) are not available in browsers");
        else
            return refuse(d, "is not allowed: (?%c...) is not a group browsers accept (use (...), "
                          "(?:...), (?=...) or (?!...))", rest[1]);
    } else if (left >= 1 && rest[0] == '?') {
        return refuse(d, "is not a valid pattern: '(?' at the end");
    }
    if (d->depth >= PATTERN_MAX_GROUPS)
        return refuse(d, "is not allowed: groups nested more than %d deep", PATTERN_MAX_GROUPS);
    emit(d, d->src + d->pos, skip);
    d->pos += skip;
    d->g[++d->depth] = (group){kind, 0};
    d->can_repeat = 0;
    return 0;
}

static int close_group(dialect *d)
{
    if (d->depth == 0)
        return refuse(d, "is not a valid pattern: ')' without a matching '('");
    group g = d->g[d->depth--];
    d->pos++;
    emits(d, ")");
    if (add_weight(d, g.weight ? g.weight : 1))
        return -1;
    d->can_repeat = g.kind != G_LOOKAHEAD; /* browsers refuse (?=a)* with the v flag */
    return 0;
}

/* digits at pos, at most PATTERN_MAX_REPEAT + 1; -1 when there are none. */
static long bound(dialect *d)
{
    long v = -1;
    while (peek(d, 0) >= '0' && peek(d, 0) <= '9') {
        v = (v < 0 ? 0 : v) * 10 + (peek(d, 0) - '0');
        if (v > PATTERN_MAX_REPEAT)
            v = PATTERN_MAX_REPEAT + 1;
        d->pos++;
    }
    return v;
}

/* {n}, {n,} or {n,m} with pos on '{'; *times receives the largest finite bound (at least 1). */
static int counted(dialect *d, unsigned long *times)
{
    size_t start = d->pos++;
    long lo = bound(d), hi = lo;
    if (lo >= 0 && peek(d, 0) == ',') {
        d->pos++;
        hi = peek(d, 0) == '}' ? -2 : bound(d);
    }
    if (lo < 0 || hi == -1 || peek(d, 0) != '}')
        return refuse(d, "is not allowed: '{' must start a repeat such as {3} or {2,5}; a literal "
                      "brace is written \\{");
    d->pos++;
    if (lo > PATTERN_MAX_REPEAT || hi > PATTERN_MAX_REPEAT)
        return refuse(d, "is not allowed: a repeat count is at most %d", PATTERN_MAX_REPEAT);
    if (hi >= 0 && hi < lo)
        return refuse(d, "is not a valid pattern: in {%ld,%ld} the first number is larger", lo, hi);
    emit(d, d->src + start, d->pos - start);
    *times = (unsigned long)(hi > lo ? hi : lo > 0 ? lo : 1);
    return 0;
}

/* * + ? or {...}, then an optional lazy '?'; never a possessive '+' or a second quantifier. */
static int quantifier(dialect *d)
{
    if (!d->can_repeat)
        return refuse(d, "is not allowed: '%c' has nothing to repeat", peek(d, 0));
    unsigned long times = 1;
    if (peek(d, 0) == '{') {
        if (counted(d, &times))
            return -1;
    } else {
        emit(d, d->src + d->pos++, 1);
    }
    if (peek(d, 0) == '?')
        emit(d, d->src + d->pos++, 1);
    if (peek(d, 0) == '+')
        return refuse(d, "is not allowed: possessive repeats (such as a++) are not available in "
                      "browsers");
    if (peek(d, 0) && strchr("*?{", peek(d, 0)))
        return refuse(d, "is not allowed: '%c' has nothing to repeat", peek(d, 0));
    d->can_repeat = 0;
    unsigned long w = d->last;
    d->g[d->depth].weight -= w;
    return add_weight(d, w * times);
}

static int item(dialect *d)
{
    unsigned char c = peek(d, 0);
    switch (c) {
    case '\\': return escape_outside(d);
    case '[': return char_class(d);
    case '(': return open_group(d);
    case ')': return close_group(d);
    case '|': d->pos++; emits(d, "|"); d->can_repeat = 0; return 0;
    case '^': d->pos++; return assertion(d, "^");
    case '$': d->pos++; return assertion(d, "$");
    case '.': d->pos++; emits(d, DOT); return atom(d, 1);
    case '*': case '+': case '?': case '{': return quantifier(d);
    case ']': case '}':
        return refuse(d, "is not allowed: a lone '%c' must be written \\%c", c, c);
    default: emit_cp(d, next_cp(d)); return atom(d, 1);
    }
}

int dt_pattern_translate(const char *src, size_t len, char **out, char *why, size_t wsz)
{
    dialect d = {.src = src, .len = len, .why = why, .wsz = wsz};
    *out = NULL;
    emits(&d, "\\A(?:");
    while (d.pos < len && !d.oom && !d.failed)
        item(&d);
    if (!d.failed && d.depth > 0)
        refuse(&d, "is not a valid pattern: a '(' is never closed");
    int rc = d.oom ? -2 : d.failed ? -1 : 0;
    emits(&d, ")\\z");
    if (d.oom)
        rc = -2;
    if (rc == 0)
        *out = d.out;
    else
        dt_free(d.out);
    return rc;
}
