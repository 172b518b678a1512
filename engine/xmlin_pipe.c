/*
 * xmlin_pipe.c — reading a large tree file in a second thread.  The reading thread reads, hashes and
 * pre-scans the file in the same 4096-byte blocks that dt_xmlin_read hands libxml2, into a ring of
 * slots; libxml2's thread takes the slots in order.  Each slot carries the positions its bytes
 * produced and, for the block where the pre-scan failed, that failure, so the loader sees exactly
 * what the single-threaded path gives.  The reading thread never allocates (the allocator hook is
 * not thread-safe) and owns a private copy of the pre-scan state; only slots cross threads, under
 * one mutex.
 */
#include "mem.h"
#include "xmlin.h"

#include <pthread.h>
#include <string.h>
#include <sys/stat.h>

#define SLOT_BYTES 4096                     /* as dt_load_parse reads: same failure spans */
#define SLOTS 64                            /* how far the reading thread may run ahead */
#define SLOT_POS (SLOT_BYTES / 2 + 4)       /* a position needs a '<' or an opening quote and more */
#define PIPE_MIN_BYTES ((off_t)1 << 20)     /* below this a thread costs more than it saves */

typedef struct dt_xslot {
    char buf[SLOT_BYTES];
    int len;                 /* bytes; 0 at the end; -1 when this block failed */
    size_t npos;
    uint32_t line;           /* the pre-scan's line after this block, for messages */
} dt_xslot;

struct dt_xpipe {
    pthread_mutex_t mu;
    pthread_cond_t cv;       /* the reading thread waits here for free slots */
    pthread_cond_t cv_data;  /* libxml2's thread waits here for filled slots */
    int prod_waiting, cons_waiting;
    pthread_t thread;
    dt_xslot *slots;
    dt_xpos *pos;            /* SLOTS * SLOT_POS, slot i's at pos + i * SLOT_POS */
    size_t head, count;      /* ring: the consumer takes slots[head], the producer fills after */
    size_t taken;            /* bytes of slots[head] already handed to libxml2 */
    int stop, done;
    dt_xmlin scan;           /* the reading thread's own pre-scan state */
};

/* ---- the reading thread ---- */

static dt_xslot *wait_free(struct dt_xpipe *p, size_t *idx)
{
    pthread_mutex_lock(&p->mu);
    while (p->count == SLOTS && !p->stop) {
        p->prod_waiting = 1;
        pthread_cond_wait(&p->cv, &p->mu);
        p->prod_waiting = 0;
    }
    int stop = p->stop;
    *idx = (p->head + p->count) % SLOTS;
    pthread_mutex_unlock(&p->mu);
    return stop ? NULL : &p->slots[*idx];
}

static void publish(struct dt_xpipe *p)
{
    pthread_mutex_lock(&p->mu);
    p->count++;
    if (p->cons_waiting)
        pthread_cond_signal(&p->cv_data);
    pthread_mutex_unlock(&p->mu);
}

static void *reader(void *arg)
{
    struct dt_xpipe *p = arg;
    size_t idx;
    dt_xslot *sl;
    while ((sl = wait_free(p, &idx)) != NULL) {
        p->scan.sink = p->pos + idx * SLOT_POS;
        p->scan.nsink = 0;
        p->scan.sink_cap = SLOT_POS;
        sl->len = dt_xmlin_read_direct(&p->scan, sl->buf, SLOT_BYTES);
        sl->npos = p->scan.nsink;
        sl->line = p->scan.line;
        publish(p);
        if (sl->len <= 0)
            break;
    }
    pthread_mutex_lock(&p->mu);
    p->done = 1;
    pthread_cond_signal(&p->cv_data);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* ---- libxml2's side ---- */

static void pipe_free(struct dt_xpipe *p, int synced)
{
    if (synced) {
        pthread_cond_destroy(&p->cv_data);
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->mu);
    }
    dt_free(p->slots);
    dt_free(p->pos);
    dt_free(p);
}

/* 1 when the mutex and both condition variables exist (on failure none is left behind). */
static int sync_init(struct dt_xpipe *p)
{
    if (pthread_mutex_init(&p->mu, NULL) != 0)
        return 0;
    if (pthread_cond_init(&p->cv, NULL) != 0) {
        pthread_mutex_destroy(&p->mu);
        return 0;
    }
    if (pthread_cond_init(&p->cv_data, NULL) != 0) {
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->mu);
        return 0;
    }
    return 1;
}

int dt_xmlin_pipe_start(dt_xmlin *in)
{
    struct stat st;
    if (in->fd < 0 || fstat(in->fd, &st) != 0 || st.st_size < PIPE_MIN_BYTES)
        return -1;
    struct dt_xpipe *p = dt_calloc(1, sizeof *p);
    if (!p)
        return -1;
    p->slots = dt_malloc(SLOTS * sizeof *p->slots);
    p->pos = dt_malloc(SLOTS * SLOT_POS * sizeof *p->pos);
    p->scan = *in;
    if (!p->slots || !p->pos || !sync_init(p)) {
        pipe_free(p, 0);
        return -1;
    }
    if (pthread_create(&p->thread, NULL, reader, p) != 0) {
        pipe_free(p, 1);
        return -1;
    }
    in->pipe = p;
    return 0;
}

void dt_xmlin_pipe_stop(dt_xmlin *in)
{
    struct dt_xpipe *p = in->pipe;
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    in->hash = p->scan.hash; /* the bytes the reading thread hashed: the whole file once it ended */
    pipe_free(p, 1);
    in->pipe = NULL;
}

static dt_xslot *wait_filled(struct dt_xpipe *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->count == 0 && !p->done) {
        p->cons_waiting = 1;
        pthread_cond_wait(&p->cv_data, &p->mu);
        p->cons_waiting = 0;
    }
    dt_xslot *sl = p->count ? &p->slots[p->head] : NULL;
    pthread_mutex_unlock(&p->mu);
    return sl;
}

static void release(struct dt_xpipe *p)
{
    pthread_mutex_lock(&p->mu);
    p->head = (p->head + 1) % SLOTS;
    p->count--;
    p->taken = 0;
    /* wake the reader only when half the ring is free: one wake-up per 32 blocks, not per block */
    if (p->prod_waiting && p->count <= SLOTS / 2)
        pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* The block failed in the reading thread: its failure becomes this input's. */
static void take_failure(dt_xmlin *in, const dt_xmlin *scan)
{
    in->failed = scan->failed ? scan->failed : 1;
    in->code = scan->code;
    in->fline = scan->fline;
    in->fcol = scan->fcol;
    in->check = scan->check;
    memcpy(in->msg, scan->msg, sizeof in->msg);
}

/* A block's positions join the queue when libxml2 first sees its bytes, as they would have. */
static int take_positions(dt_xmlin *in, struct dt_xpipe *p, const dt_xslot *sl)
{
    const dt_xpos *pos = p->pos + (size_t)(sl - p->slots) * SLOT_POS;
    for (size_t i = 0; i < sl->npos; i++)
        if (dt_xmlin_qpush(in, &pos[i]) != 0)
            return -1;
    in->line = sl->line;
    return 0;
}

int dt_xmlin_pipe_read(dt_xmlin *in, char *buf, int len)
{
    struct dt_xpipe *p = in->pipe;
    dt_xslot *sl = wait_filled(p);
    if (!sl || sl->len < 0) { /* the reading thread failed and ended: its state is final */
        take_failure(in, &p->scan);
        dt_xmlin_pipe_stop(in);
        return -1;
    }
    if (sl->len == 0)
        return 0;
    if (p->taken == 0 && take_positions(in, p, sl) != 0)
        return -1;
    int n = sl->len - (int)p->taken < len ? sl->len - (int)p->taken : len;
    memcpy(buf, sl->buf + p->taken, (size_t)n);
    p->taken += (size_t)n;
    in->off += (uint64_t)n;
    if (p->taken == (size_t)sl->len)
        release(p);
    return n;
}
