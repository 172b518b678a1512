/*
 * load.c — loading a bundle of tree files: the public entry points, the per-file driver and the
 * helpers every handler shares (errors, interning).  The streaming pass itself is in load_sax.c.
 * Files are read one after another from a queue (no recursion).
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "load.h"
#include "mem.h"
#include <libxml/parser.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_(e, name) name,
#define STEP_NAME_(e, name, interactive) name,
const char *const dt_elem_names[E_COUNT] = {ELEM_LIST(NAME_, STEP_NAME_)};
const char *const dt_attr_names[A_COUNT] = {ATTR_LIST(NAME_)};

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
        o->max_bytes = XMLIN_DEFAULT_MAX_BYTES;
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
 * instead of probing a table of millions of entries.  Its slot comes from the string table's own
 * hash, so a miss does not hash the bytes a second time. */
/* a[0..n) == b[0..n) for n <= LOAD_SCACHE_LEN, inline: a call to memcmp cost more than the compare. */
static int short_eq(const char *a, const char *b, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x, y;
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y)
            return 0;
    }
    for (; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

int dt_load_intern(dt_loader *L, const char *s, size_t n, dt_str *out)
{
    dt_scache *e = NULL;
    if (n == 0) {
        *out = 0;
        return 0;
    }
    uint32_t h = dt_strhash(s, n);
    if (n <= LOAD_SCACHE_LEN && (L->scache || (L->scache = dt_calloc(LOAD_SCACHE, sizeof *L->scache)))) {
        e = &L->scache[h & (LOAD_SCACHE - 1)];
        if (e->hash == h && e->len == n && short_eq(e->s, s, n)) {
            *out = e->str;
            return 0;
        }
    }
    if (dt_strtab_add_hashed(&L->t->strs, s, n, h, out) != 0) {
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

/* ---- one file ---- */

static void reset_file_state(dt_loader *L)
{
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
    M_UNIT(L->t, u)->first_step = L->t->steps.len;
    dt_status st = mem ? dt_xmlin_open_memory(&in, mem, memlen, L->max_bytes)
                       : dt_xmlin_open_file(&in, fi->real ? fi->real : fi->display, L->max_bytes);
    L->in = &in;
    if (st == DT_OK) {
        dt_xmlin_pipe_start(&in); /* large files: read and pre-scan in a second thread */
        dt_load_parse(L, &in);
        dt_xmlin_pipe_stop(&in);  /* the whole file's hash is final once the thread has ended */
    }
    if (in.failed) {
        dt_pos p = {in.fline, in.fcol};
        if (in.code == DT_ENOMEM)
            dt_load_oom(L);
        else
            dt_load_error(L, in.code, in.fline ? &p : NULL, in.check, "%s", in.msg);
    }
    M_UNIT(L->t, u)->hash = dt_hash64_final(&in.hash);
    fi->loaded = 1;
    fi->ok = !in.failed && !L->xml_failed && !L->oom;
    if (fi->ok && !L->saw_root)
        fi->ok = 0;
    if (fi->ok)
        dt_load_file_end(L);
    else
        dt_load_file_unread(L);
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
    dt_free(L->abuf);
    dt_free(L->scratch);
    dt_free(L->scache);
}

static dt_status start_load(dt_loader *L, const dt_load_options *opts, dt_tree **out, dt_error *err)
{
    dt_init();
    memset(L, 0, sizeof *L);
    L->err = err;
    L->file = "<engine>";
    L->max_bytes = opts && opts->max_bytes ? opts->max_bytes : XMLIN_DEFAULT_MAX_BYTES;
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
    if (L->nfiles >= LOAD_MAX_FILES || dt_load_intern(L, display, strlen(display), &path) != 0 ||
        !(u = dt_vec_push(&L->t->units, sizeof *u))) {
        dt_free(real);
        dt_free(display);
        if (!L->oom)
            dt_load_oom(L);
        return M_NONE;
    }
    u->path = path;
    u->handoff_to = M_NONE;
    u->start = M_NONE;
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
        if (st != DT_ENOMEM && (L->flags & DT_LOAD_PARTIAL))
            *out = L->t; /* for dt_tree_check: every reference left is resolved or M_NONE */
        else
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
