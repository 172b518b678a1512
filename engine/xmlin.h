/*
 * xmlin.h — reading one tree file for libxml2 (internal): the file is opened and read by us (regular
 * file, size cap, no decompression), and every byte passes a pre-scan before libxml2 sees it.  The
 * pre-scan refuses what libxml2 would handle dangerously or slowly (DOCTYPE, bad UTF-8, too many
 * attributes, deep nesting) and records the exact line:col of each start tag and attribute value in a
 * FIFO that the reader pass pops in the same document order.
 */
#ifndef DTREE_ENGINE_XMLIN_H
#define DTREE_ENGINE_XMLIN_H

#include "dtree.h"
#include <stddef.h>
#include "strtab.h"
#include <stdint.h>

#define XMLIN_MAX_DEPTH 8
#define XMLIN_MAX_ATTRS 32
#define XMLIN_DEFAULT_MAX_BYTES ((size_t)16 << 20)

/* One queued position: a start tag ('<') or an attribute (name and first character of the value). */
typedef struct dt_xpos {
    uint32_t line, col;     /* tag: of '<'; attribute: of the name */
    uint32_t vline, vcol;   /* attribute: of the value's first character */
    uint64_t voff;          /* attribute: byte offset of the value's first character */
    uint8_t is_attr;
} dt_xpos;

typedef struct dt_xmlin {
    /* source: a file descriptor, or a memory buffer when fd < 0 */
    int fd;
    const unsigned char *mem;
    size_t memlen;
    uint64_t off;            /* bytes delivered so far */
    size_t max_bytes;
    dt_hash64 hash;          /* of the bytes delivered */
    /* pre-scan state */
    int state, quote, dashes, depth, nattrs, in_name, name_len;
    char name[8];            /* first bytes of the current attribute name (xmlns detection) */
    uint32_t line;
    uint64_t line_start;     /* byte offset where the current line starts */
    uint64_t line_cont;      /* UTF-8 continuation bytes on the current line before the cursor */
    int prev_cr;
    unsigned u8_need;        /* continuation bytes still expected */
    uint32_t u8_cp, u8_min;  /* code point so far, smallest legal value for the sequence length */
    uint32_t u8_line, u8_col;
    uint8_t u8_lead;
    char decl[256];          /* the XML declaration, when the file starts with one */
    size_t decl_len;
    int in_decl;
    uint32_t decl_col;       /* column of the declaration's first character after "<?" */
    dt_xpos cur;             /* attribute being scanned */
    /* position queue */
    dt_xpos *q;
    size_t qhead, qlen, qcap;
    /* when the pre-scan runs in the reading thread (xmlin_pipe.c): positions go to this fixed array */
    dt_xpos *sink;
    size_t nsink, sink_cap;
    struct dt_xpipe *pipe;   /* non-NULL while a reading thread feeds this input */
    /* first failure (pre-scan, I/O, size): reported by the caller after the reader stops */
    int failed;
    dt_status code;
    uint32_t fline, fcol;
    const char *check;
    char msg[160];
    const char *kind;        /* "tree files" (default) or "scenario files": what messages call them */
    /* line starts, indexed on the first dt_xmlin_find_* call (xmlin_find.c) */
    uint64_t *lines;
    size_t nlines, lines_cap;
} dt_xmlin;

/* Open `path` for reading: must be a non-empty regular file within max_bytes, not compressed.
 * On failure returns the status and fills in->check/msg (line 0: no position). */
dt_status dt_xmlin_open_file(dt_xmlin *in, const char *path, size_t max_bytes);
/* The same for another kind of file; `kind` (static) names it in messages ("scenario files"). */
dt_status dt_xmlin_open_file_as(dt_xmlin *in, const char *path, size_t max_bytes, const char *kind);
/* Read from memory (borrowed for the life of `in`). */
dt_status dt_xmlin_open_memory(dt_xmlin *in, const char *data, size_t len, size_t max_bytes);
void dt_xmlin_close(dt_xmlin *in);

/* Large files: read, hash and pre-scan in a second thread, ahead of libxml2 (xmlin_pipe.c); the
 * results are the same as without it.  Returns 0 when started; -1 leaves `in` reading by itself. */
int dt_xmlin_pipe_start(dt_xmlin *in);
/* Stop and join the reading thread, free its buffers (dt_xmlin_close calls it). */
void dt_xmlin_pipe_stop(dt_xmlin *in);
/* The pipeline's side of dt_xmlin_read. */
int dt_xmlin_pipe_read(dt_xmlin *in, char *buf, int len);
/* Read, hash and pre-scan the next `len` bytes into buf, as dt_xmlin_read does without a pipeline. */
int dt_xmlin_read_direct(dt_xmlin *in, char *buf, int len);
/* Append a position to the queue (consumer side); -1 when out of memory (in->failed set). */
int dt_xmlin_qpush(dt_xmlin *in, const dt_xpos *p);

/* libxml2 read callback: fills buf with pre-scanned bytes; 0 at the end, -1 on failure (see in->failed). */
int dt_xmlin_read(void *ctx, char *buf, int len);
/* libxml2 close callback: does nothing (dt_xmlin_close releases the source). */
int dt_xmlin_noclose(void *ctx);

/* Pop the next start tag position and then its attributes', in document order.  Return 0, or -1 when
 * the queue does not hold the expected kind (the caller falls back to no position). */
int dt_xmlin_pop_tag(dt_xmlin *in, dt_xpos *out);
int dt_xmlin_pop_attr(dt_xmlin *in, dt_xpos *out);

/* Map byte offset `k` of an attribute's decoded value (entities replaced, line ends normalised) to
 * the line and column of the source character, by re-reading the raw value from voff. */
void dt_xmlin_value_pos(dt_xmlin *in, const dt_xpos *attr, size_t k, uint32_t *line, uint32_t *col);

/* Messages that name an attribute or a piece of text point at it, not at the element (xmlin_find.c;
 * error path only: the first call reads the file once more to index its lines).  From the start tag
 * at line:col: the first character of attribute `name`'s value, or the first `needle` in the source
 * (text, not decoded).  0 and *oline:*ocol, or -1 when not found. */
int dt_xmlin_find_attr(dt_xmlin *in, uint32_t line, uint32_t col, const char *name, uint32_t *oline,
                       uint32_t *ocol);
int dt_xmlin_find_text(dt_xmlin *in, uint32_t line, uint32_t col, const char *needle,
                       uint32_t *oline, uint32_t *ocol);

#endif
