/*
 * xmlin.c — the byte source under libxml2 and the pre-scan that runs ahead of it.  The pre-scan is a
 * state machine over each chunk before it is handed on: constant memory per element, linear time,
 * and it stops the input (the read callback fails) at the first thing libxml2 must never see.
 * Columns count characters (as libxml2 does): bytes since the line start minus UTF-8 continuation bytes.
 */
#include "xmlin.h"
#include "mem.h"
#include "strtab.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    ST_TEXT, ST_LT, ST_BANG, ST_BANG_DASH, ST_COMMENT, ST_CDATA_OPEN, ST_CDATA, ST_PI, ST_ENDTAG,
    ST_TAGNAME, ST_INTAG, ST_ATTNAME, ST_ATTVAL, ST_SLASH
};

/* Bytes the text fast path may skip: ASCII other than '<', line ends and NUL. */
static unsigned char plain_text[256];
/* Bytes the attribute-value fast path may skip: also not quotes. */
static unsigned char plain_val[256];

static void init_tables(void)
{
    if (plain_text['a'])
        return;
    for (int c = 1; c < 0x80; c++) {
        plain_text[c] = c != '<' && c != '\n' && c != '\r';
        plain_val[c] = plain_text[c] && c != '"' && c != '\'';
    }
}

static void fail(dt_xmlin *in, dt_status code, uint32_t line, uint32_t col, const char *check,
                 const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void fail(dt_xmlin *in, dt_status code, uint32_t line, uint32_t col, const char *check,
                 const char *fmt, ...)
{
    if (in->failed)
        return;
    in->failed = 1;
    in->code = code;
    in->fline = line;
    in->fcol = col;
    in->check = check;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(in->msg, sizeof in->msg, fmt, ap);
    va_end(ap);
}

static void reset(dt_xmlin *in, size_t max_bytes)
{
    memset(in, 0, sizeof *in);
    init_tables();
    in->fd = -1;
    in->line = 1;
    in->kind = "tree files";
    in->max_bytes = max_bytes ? max_bytes : XMLIN_DEFAULT_MAX_BYTES;
    dt_hash64_init(&in->hash);
}

/* Refuse compressed data and UTF-16/32 by their first bytes. */
static dt_status check_magic(dt_xmlin *in, const unsigned char *h, size_t n)
{
    static const struct { const char *magic; size_t len; const char *what; } mg[] = {
        {"\x1f\x8b", 2, "gzip-compressed"},     {"\xfd" "7zXZ\0", 6, "xz-compressed"},
        {"BZh", 3, "bzip2-compressed"},         {"\x28\xb5\x2f\xfd", 4, "zstd-compressed"},
        {"\0\0\xfe\xff", 4, "UTF-32 (byte order mark)"}, {"\xff\xfe", 2, "UTF-16 or UTF-32 (byte order mark)"},
        {"\xfe\xff", 2, "UTF-16 (byte order mark)"},
    };
    for (size_t i = 0; i < sizeof mg / sizeof mg[0]; i++) {
        if (n >= mg[i].len && memcmp(h, mg[i].magic, mg[i].len) == 0) {
            int comp = i < 4;
            fail(in, DT_ESYNTAX, 1, 1, comp ? "compressed" : "not-utf8",
                 "the file is %s; %s are plain UTF-8 XML%s", mg[i].what, in->kind,
                 comp ? " (decompress it first)" : " (save it as UTF-8)");
            return DT_ESYNTAX;
        }
    }
    return DT_OK;
}

dt_status dt_xmlin_open_file(dt_xmlin *in, const char *path, size_t max_bytes)
{
    return dt_xmlin_open_file_as(in, path, max_bytes, "tree files");
}

dt_status dt_xmlin_open_file_as(dt_xmlin *in, const char *path, size_t max_bytes, const char *kind)
{
    reset(in, max_bytes);
    in->kind = kind;
    in->fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (in->fd < 0) {
        int e = errno;
        fail(in, DT_EIO, 0, 0, "cannot-open", "cannot open the file: %s", strerror(e));
        return DT_EIO;
    }
    struct stat st;
    if (fstat(in->fd, &st) != 0) {
        fail(in, DT_EIO, 0, 0, "cannot-open", "cannot read the file: %s", strerror(errno));
        return DT_EIO;
    }
    if (!S_ISREG(st.st_mode)) {
        const char *what = S_ISDIR(st.st_mode) ? "a directory" : S_ISFIFO(st.st_mode) ? "a FIFO"
                           : S_ISSOCK(st.st_mode) ? "a socket" : "a device or special file";
        fail(in, DT_EIO, 0, 0, "not-regular", "not a regular file (it is %s)", what);
        return DT_EIO;
    }
    if (st.st_size == 0) {
        fail(in, DT_ESYNTAX, 0, 0, "empty", "the file is empty");
        return DT_ESYNTAX;
    }
    if ((uint64_t)st.st_size > in->max_bytes) {
        fail(in, DT_ELIMIT, 0, 0, "too-large", "the file is %llu bytes; the limit is %zu bytes",
             (unsigned long long)st.st_size, in->max_bytes);
        return DT_ELIMIT;
    }
    unsigned char h[8];
    ssize_t n = pread(in->fd, h, sizeof h, 0);
    return check_magic(in, h, n > 0 ? (size_t)n : 0);
}

dt_status dt_xmlin_open_memory(dt_xmlin *in, const char *data, size_t len, size_t max_bytes)
{
    reset(in, max_bytes);
    in->mem = (const unsigned char *)data;
    in->memlen = data ? len : 0;
    if (in->memlen == 0) {
        fail(in, DT_ESYNTAX, 0, 0, "empty", "the document is empty");
        return DT_ESYNTAX;
    }
    if (len > in->max_bytes) {
        fail(in, DT_ELIMIT, 0, 0, "too-large", "the document is %zu bytes; the limit is %zu bytes",
             len, in->max_bytes);
        return DT_ELIMIT;
    }
    return check_magic(in, in->mem, len);
}

void dt_xmlin_close(dt_xmlin *in)
{
    dt_xmlin_pipe_stop(in);
    if (in->fd >= 0)
        close(in->fd);
    in->fd = -1;
    dt_free(in->q);
    in->q = NULL;
    in->qcap = in->qlen = in->qhead = 0;
    dt_free(in->lines);
    in->lines = NULL;
    in->nlines = in->lines_cap = 0;
}

int dt_xmlin_noclose(void *ctx)
{
    (void)ctx;
    return 0;
}

/* ---- position queue ---- */

static int qpush(dt_xmlin *in, const dt_xpos *p)
{
    if (!in->sink)
        return dt_xmlin_qpush(in, p);
    if (in->nsink == in->sink_cap) { /* cannot happen: a slot's bytes bound its positions */
        fail(in, DT_ELIMIT, in->line, 0, "too-many-attributes", "too many tags in one block");
        return -1;
    }
    in->sink[in->nsink++] = *p;
    return 0;
}

int dt_xmlin_qpush(dt_xmlin *in, const dt_xpos *p)
{
    if (in->qhead + in->qlen == in->qcap) {
        if (in->qhead > 0) {
            memmove(in->q, in->q + in->qhead, in->qlen * sizeof *in->q);
            in->qhead = 0;
        } else if (dt_grow((void **)&in->q, &in->qcap, in->qlen + 1, sizeof *in->q) != 0) {
            fail(in, DT_ENOMEM, 0, 0, "", "out of memory");
            return -1;
        }
    }
    in->q[in->qhead + in->qlen++] = *p;
    return 0;
}

int dt_xmlin_pop_tag(dt_xmlin *in, dt_xpos *out)
{
    while (in->qlen && in->q[in->qhead].is_attr) { /* attributes the reader did not ask for */
        in->qhead++;
        in->qlen--;
    }
    if (!in->qlen)
        return -1;
    *out = in->q[in->qhead++];
    in->qlen--;
    return 0;
}

int dt_xmlin_pop_attr(dt_xmlin *in, dt_xpos *out)
{
    if (!in->qlen || !in->q[in->qhead].is_attr)
        return -1;
    *out = in->q[in->qhead++];
    in->qlen--;
    return 0;
}

/* ---- the pre-scan ---- */

static uint32_t col_at(const dt_xmlin *in, uint64_t abs)
{
    return (uint32_t)(abs - in->line_start - in->line_cont + 1);
}

static int is_name_start(unsigned c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c >= 0x80;
}

static int is_name_char(unsigned c)
{
    return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static int is_ws(unsigned c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* One byte of a multi-byte UTF-8 sequence (or a stray byte >= 0x80).  Returns -1 on failure. */
static int utf8_byte(dt_xmlin *in, unsigned c, uint64_t abs)
{
    if (in->u8_need == 0) {
        in->u8_line = in->line;
        in->u8_col = col_at(in, abs);
        in->u8_lead = (uint8_t)c;
        if (c < 0xC0 || c > 0xF4) {
            fail(in, DT_ESYNTAX, in->u8_line, in->u8_col, "not-utf8",
                 "invalid UTF-8: byte 0x%02X cannot start a character", c);
            return -1;
        }
        in->u8_need = c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
        in->u8_cp = c & (c < 0xE0 ? 0x1F : c < 0xF0 ? 0x0F : 0x07);
        in->u8_min = c < 0xE0 ? 0x80 : c < 0xF0 ? 0x800 : 0x10000;
        return 0;
    }
    if ((c & 0xC0) != 0x80) {
        fail(in, DT_ESYNTAX, in->u8_line, in->u8_col, "not-utf8",
             "invalid UTF-8: byte 0x%02X starts a sequence that is cut short", in->u8_lead);
        return -1;
    }
    in->line_cont++;
    in->u8_cp = in->u8_cp << 6 | (c & 0x3F);
    if (--in->u8_need)
        return 0;
    const char *why = in->u8_cp < in->u8_min ? "an overlong encoding"
                      : (in->u8_cp >= 0xD800 && in->u8_cp <= 0xDFFF) ? "a UTF-16 surrogate"
                      : in->u8_cp > 0x10FFFF ? "beyond U+10FFFF" : NULL;
    if (why) {
        fail(in, DT_ESYNTAX, in->u8_line, in->u8_col, "not-utf8",
             "invalid UTF-8: %s (sequence starting with byte 0x%02X)", why, in->u8_lead);
        return -1;
    }
    return 0;
}

/* The XML declaration's encoding must be UTF-8.  `in->decl` holds the text between "<?" and "?>". */
static void check_decl(dt_xmlin *in)
{
    in->decl[in->decl_len] = '\0';
    const char *e = strstr(in->decl, "encoding");
    if (!e)
        return;
    const char *p = e + 8;
    while (is_ws((unsigned char)*p))
        p++;
    if (*p++ != '=')
        return;
    while (is_ws((unsigned char)*p))
        p++;
    char q = *p;
    if (q != '"' && q != '\'')
        return;
    const char *v = ++p, *end = strchr(v, q);
    if (!end)
        return;
    size_t n = (size_t)(end - v);
    if ((n == 5 && strncasecmp(v, "UTF-8", 5) == 0) || (n == 4 && strncasecmp(v, "UTF8", 4) == 0))
        return;
    uint32_t line = 1, col = in->decl_col;
    for (const char *s = in->decl; s < v; s++) {
        if (*s == '\n') {
            line++;
            col = 1;
        } else if (((unsigned char)*s & 0xC0) != 0x80) {
            col++;
        }
    }
    fail(in, DT_ESYNTAX, line, col, "not-utf8",
         "encoding \"%.*s\" is not supported: %s must be UTF-8", (int)(n > 40 ? 40 : n), v,
         in->kind);
}

static int start_tag(dt_xmlin *in, uint32_t lt_col)
{
    if (++in->depth > XMLIN_MAX_DEPTH) {
        fail(in, DT_ELIMIT, in->line, lt_col, "too-deep",
             "elements are nested more than %d deep", XMLIN_MAX_DEPTH);
        return -1;
    }
    in->nattrs = 0;
    dt_xpos p = {in->line, lt_col, 0, 0, 0, 0};
    return qpush(in, &p);
}

static int attr_name_start(dt_xmlin *in, unsigned c, uint64_t abs)
{
    if (++in->nattrs > XMLIN_MAX_ATTRS) {
        fail(in, DT_ELIMIT, in->line, col_at(in, abs), "too-many-attributes",
             "more than %d attributes on one element", XMLIN_MAX_ATTRS);
        return -1;
    }
    in->cur.line = in->line;
    in->cur.col = col_at(in, abs);
    in->name[0] = (char)c;
    in->name_len = 1;
    return 0;
}

static int attr_name_end(dt_xmlin *in)
{
    if ((in->name_len == 5 && memcmp(in->name, "xmlns", 5) == 0) ||
        (in->name_len > 5 && memcmp(in->name, "xmlns:", 6) == 0)) {
        fail(in, DT_ESYNTAX, in->cur.line, in->cur.col, "namespace",
             "namespace declarations are not allowed: %s use plain element names", in->kind);
        return -1;
    }
    return 0;
}

/* Track line ends: "\r\n", "\r" and "\n" each end one line, as libxml2 normalises them. */
static void newline(dt_xmlin *in, unsigned c, uint64_t abs)
{
    if (c == '\n' && in->prev_cr) {
        in->line_start = abs + 1;
        in->prev_cr = 0;
        return;
    }
    in->line++;
    in->line_start = abs + 1;
    in->line_cont = 0;
    in->prev_cr = c == '\r';
}

static int tag_byte(dt_xmlin *in, unsigned c, uint64_t abs);

/* One byte in a state other than the fast paths. */
static int step(dt_xmlin *in, unsigned c, uint64_t abs)
{
    switch (in->state) {
    case ST_TEXT:
        if (c == '<') {
            in->cur.line = in->line;
            in->cur.col = col_at(in, abs);
            in->cur.voff = abs;
            in->state = ST_LT;
        }
        return 0;
    case ST_LT:
        if (c == '/') {
            in->state = ST_ENDTAG;
        } else if (c == '?') {
            in->state = ST_PI;
            in->dashes = 0;
            in->in_decl = in->cur.voff == 0 || in->cur.voff == 3; /* 3: after a UTF-8 BOM */
            in->decl_col = in->cur.col + 2;
            in->decl_len = 0;
        } else if (c == '!') {
            in->state = ST_BANG;
        } else if (is_name_start(c)) {
            in->state = ST_TAGNAME;
            return start_tag(in, in->cur.col);
        } else {
            in->state = ST_TEXT; /* not markup: libxml2 reports it */
        }
        return 0;
    case ST_BANG:
        if (c == '-') {
            in->state = ST_BANG_DASH;
        } else if (c == '[') {
            in->state = ST_CDATA_OPEN;
            in->dashes = 0;
        } else {
            fail(in, DT_ESYNTAX, in->cur.line, in->cur.col, "doctype",
                 "<!DOCTYPE> and other declarations are not allowed in %s (no DTD, no entities)",
                 in->kind);
            return -1;
        }
        return 0;
    case ST_BANG_DASH:
        in->state = c == '-' ? ST_COMMENT : ST_TEXT;
        in->dashes = 0;
        return 0;
    case ST_COMMENT:
    case ST_CDATA:
        if (c == '>' && in->dashes >= 2)
            in->state = ST_TEXT;
        else
            in->dashes = (c == (in->state == ST_COMMENT ? '-' : ']')) ? in->dashes + 1 : 0;
        return 0;
    case ST_CDATA_OPEN:
        if ((char)c != "CDATA["[in->dashes])
            in->state = ST_TEXT;
        else if (++in->dashes == 6) {
            in->state = ST_CDATA;
            in->dashes = 0;
        }
        return 0;
    case ST_PI:
        if (c == '>' && in->dashes) {
            in->state = ST_TEXT;
            if (in->in_decl) {
                in->decl_len--; /* drop the '?' */
                check_decl(in);
            }
            return in->failed ? -1 : 0;
        }
        in->dashes = c == '?';
        if (in->in_decl) {
            if (in->decl_len + 1 >= sizeof in->decl) {
                fail(in, DT_ESYNTAX, 1, 1, "xml-syntax", "the XML declaration is too long");
                return -1;
            }
            in->decl[in->decl_len++] = (char)c;
        }
        return 0;
    case ST_ENDTAG:
        if (c == '>') {
            in->depth--;
            in->state = ST_TEXT;
        }
        return 0;
    default:
        return tag_byte(in, c, abs);
    }
}

/* Bytes inside a start tag. */
static int tag_byte(dt_xmlin *in, unsigned c, uint64_t abs)
{
    switch (in->state) {
    case ST_TAGNAME:
        if (is_name_char(c))
            return 0;
        in->state = ST_INTAG;
        return tag_byte(in, c, abs);
    case ST_ATTNAME:
        if (is_name_char(c)) {
            if (in->name_len < (int)sizeof in->name)
                in->name[in->name_len] = (char)c;
            in->name_len++;
            return 0;
        }
        in->state = ST_INTAG;
        return attr_name_end(in) ? -1 : tag_byte(in, c, abs);
    case ST_INTAG:
        if (c == '>') {
            in->state = ST_TEXT;
        } else if (c == '/') {
            in->state = ST_SLASH;
        } else if (c == '"' || c == '\'') {
            in->quote = (int)c;
            in->state = ST_ATTVAL;
            in->cur.vline = in->line;
            in->cur.vcol = col_at(in, abs) + 1;
            in->cur.voff = abs + 1;
            in->cur.is_attr = 1;
            return qpush(in, &in->cur);
        } else if (is_name_start(c)) {
            in->state = ST_ATTNAME;
            return attr_name_start(in, c, abs);
        }
        return 0;
    case ST_ATTVAL:
        if ((int)c == in->quote)
            in->state = ST_INTAG;
        return 0;
    case ST_SLASH:
        if (c == '>') {
            in->depth--;
            in->state = ST_TEXT;
        } else {
            in->state = ST_INTAG;
        }
        return 0;
    default:
        return 0;
    }
}

static int prescan(dt_xmlin *in, const unsigned char *b, size_t n)
{
    uint64_t base = in->off;
    for (size_t i = 0; i < n; i++) {
        if (in->state == ST_TEXT || in->state == ST_ATTVAL) { /* fast path over plain ASCII */
            const unsigned char *tab = in->state == ST_TEXT ? plain_text : plain_val;
            size_t from = i;
            while (i < n && tab[b[i]] && !in->u8_need)
                i++;
            if (i > from)
                in->prev_cr = 0; /* skipped bytes hold no line end */
            if (i == n)
                break;
        }
        unsigned c = b[i];
        uint64_t abs = base + i;
        if (c >= 0x80 || in->u8_need) {
            in->prev_cr = 0;
            if (utf8_byte(in, c, abs))
                return -1;
            if (c >= 0x80 && in->state != ST_PI)
                c = 'a'; /* a name character for the state machine */
            else if (in->state == ST_PI && in->in_decl && in->decl_len + 1 < sizeof in->decl) {
                in->decl[in->decl_len++] = (char)c;
                continue;
            }
            if (in->state == ST_TEXT || in->state == ST_ATTVAL || in->state == ST_COMMENT ||
                in->state == ST_CDATA || in->state == ST_PI)
                continue;
        } else if (c == '\n' || c == '\r') {
            newline(in, c, abs);
        } else if (c == 0) {
            fail(in, DT_ESYNTAX, in->line, col_at(in, abs), "not-utf8",
                 "the file contains a NUL byte (is it UTF-16? %s are UTF-8)", in->kind);
            return -1;
        } else {
            in->prev_cr = 0;
        }
        if (step(in, c, abs))
            return -1;
    }
    return 0;
}

static ssize_t source_read(dt_xmlin *in, char *buf, size_t len)
{
    if (in->fd < 0) {
        size_t left = in->memlen - (size_t)in->off;
        size_t n = left < len ? left : len;
        memcpy(buf, in->mem + in->off, n);
        return (ssize_t)n;
    }
    for (;;) {
        ssize_t n = read(in->fd, buf, len);
        if (n >= 0 || errno != EINTR)
            return n;
    }
}

int dt_xmlin_read(void *ctx, char *buf, int len)
{
    dt_xmlin *in = ctx;
    if (in->pipe && !in->failed)
        return dt_xmlin_pipe_read(in, buf, len);
    return dt_xmlin_read_direct(in, buf, len);
}

int dt_xmlin_read_direct(dt_xmlin *in, char *buf, int len)
{
    if (in->failed || len <= 0)
        return in->failed ? -1 : 0;
    ssize_t n = source_read(in, buf, (size_t)len);
    if (n < 0) {
        fail(in, DT_EIO, in->line, 0, "cannot-open", "read error: %s", strerror(errno));
        return -1;
    }
    if (n == 0) {
        if (in->u8_need)
            fail(in, DT_ESYNTAX, in->u8_line, in->u8_col, "not-utf8",
                 "invalid UTF-8: the file ends inside a character");
        return in->failed ? -1 : 0;
    }
    if (in->off + (uint64_t)n > in->max_bytes) {
        fail(in, DT_ELIMIT, in->line, 0, "too-large", "the file grew over the limit of %zu bytes",
             in->max_bytes);
        return -1;
    }
    dt_hash64_update(&in->hash, buf, (size_t)n);
    if (prescan(in, (const unsigned char *)buf, (size_t)n))
        return -1;
    in->off += (uint64_t)n;
    return (int)n;
}

/* ---- mapping an offset inside a decoded attribute value back to the source ---- */

static size_t utf8_len(unsigned long cp)
{
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/* Raw bytes and decoded bytes of the entity or character reference at r[0] == '&'. */
static size_t entity(const unsigned char *r, size_t avail, size_t *decoded)
{
    size_t i = 1;
    while (i < avail && i < 40 && r[i] != ';')
        i++;
    *decoded = 1;
    if (i >= avail || r[i] != ';')
        return 1;
    if (r[1] == '#') {
        unsigned long cp = r[2] == 'x' ? strtoul((const char *)r + 3, NULL, 16)
                                       : strtoul((const char *)r + 2, NULL, 10);
        *decoded = utf8_len(cp);
    }
    return i + 1;
}

void dt_xmlin_value_pos(dt_xmlin *in, const dt_xpos *a, size_t k, uint32_t *line, uint32_t *col)
{
    *line = a->vline;
    *col = a->vcol + (uint32_t)k; /* fallback when the raw text cannot be read again */
    size_t want = k * 12 + 64, have;
    if (want > 65536)
        want = 65536;
    unsigned char *raw = NULL;
    if (in->fd < 0) {
        if (a->voff >= in->memlen)
            return;
        raw = (unsigned char *)in->mem + a->voff;
        have = in->memlen - (size_t)a->voff < want ? in->memlen - (size_t)a->voff : want;
    } else {
        if (!(raw = dt_malloc(want)))
            return;
        ssize_t n = pread(in->fd, raw, want, (off_t)a->voff);
        have = n > 0 ? (size_t)n : 0;
    }
    uint32_t l = a->vline, c = a->vcol;
    size_t d = 0, r = 0;
    while (d < k && r < have) {
        size_t dec = 1, adv = 1;
        if (raw[r] == '&') {
            adv = entity(raw + r, have - r, &dec);
            c += (uint32_t)adv;
        } else if (raw[r] == '\r' || raw[r] == '\n') {
            adv = (raw[r] == '\r' && r + 1 < have && raw[r + 1] == '\n') ? 2 : 1;
            l++;
            c = 1;
        } else if ((raw[r] & 0xC0) != 0x80) {
            c++;
        }
        d += dec;
        r += adv;
    }
    *line = l;
    *col = c;
    if (in->fd >= 0)
        dt_free(raw);
}
