/*
 * srv_cache.c — the live sessions of one `dtree serve` process.  Only a cache: the recording store
 * is the truth, and a session not found here is resumed from it (srv_sessions.c).  An entry holds
 * the engine session, its recorder and `seq`, the number of events recorded for the session, which
 * clients echo back so that a stale answer is refused.  Recorders share a small pool of store
 * connections (dt_recorder_open_shared): a session is started and loaded on the connection its
 * id hashes to; on PostgreSQL each request then takes the first connection nobody holds or waits
 * for (else waits for its session's last one) and moves the session's recorder onto it
 * (dt_recorder_rebase): a request on a connection used a moment ago finds its server process
 * warm (a profile measured ~120 µs of the server's CPU per answer saved at one client), where
 * hashing spread one client's answers over all of them.  The lock of the connection in use is
 * the entry's `mu`, so a request holds its session and its connection together, and no two
 * requests ever use one connection at once.  Several instances
 * may share one store: an entry is used only while the store's count still equals its seq
 * (srv_sessions.c checks at every request), else it is dropped and loaded again.  Locking: the
 * table lock guards the slots and the use counts and is never held while waiting for a connection
 * lock (an evicted entry is closed after the table lock is let go); a connection lock (taken in
 * turn, recursive) serialises the use of one connection.  A request holds its session's own lock
 * (taken before the connection's) for the whole request, and the connection's lock for all of it
 * too except while its write waits for a group commit (SQLite, dt_recorder_group_commit): then
 * the requests queued behind reach their writes, and one COMMIT holds them all.  Once its writes
 * are committed a request lets the connection go (srv_cache_store_done) and builds its response
 * under the session's lock alone: the response is a copy of memory, not of the store.  Open
 * addressing on the id hash keeps a lookup constant-time.
 */
#include "srv_cache.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define SRV_CACHE_CAP 4096  /* live sessions per process; a power of two */
#define SRV_POOL_MAX 64     /* store connections at most */
#define SRV_GROUP_MAX 64    /* writes in one group commit at most: one per HTTP thread is plenty */

typedef struct srv_conn {
    srv_lock mu;
    dt_recorder *base; /* owns the connection; the sessions' recorders share it */
} srv_conn;

struct srv_cache {
    pthread_mutex_t mu;
    srv_conn conn[SRV_POOL_MAX];
    unsigned nconn;
    /* PostgreSQL: the writes waiting at once, in one statement */
    dt_recorder_batch *batch;
    int pick; /* a request takes any free connection (PostgreSQL; SQLite's keeps its group) */
    srv_entry *slot[SRV_CACHE_CAP];
    size_t live;
    size_t max_live; /* evict past this: SRV_CACHE_CAP / 2, or fewer when descriptors are few */
};

/* Entries share the pool's store connections, so they hold no descriptor of their own; the limit
 * still bounds them (an SQLite write may open the journal and WAL of a busy store, and each HTTP
 * connection takes one): the soft limit is raised to the hard one, and the entries are kept to
 * an eighth of it, as when each held a connection. */
static size_t live_budget(void)
{
    struct rlimit rl;
    size_t n;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 64;
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t cur = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) rl.rlim_cur = cur;
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur / 8 >= SRV_CACHE_CAP / 2)
        return SRV_CACHE_CAP / 2;
    n = (size_t)rl.rlim_cur / 8;
    return n < 8 ? 8 : n;
}

static size_t hash(const char *id)
{
    size_t h = 1469598103934665603u;
    while (*id) h = (h ^ (unsigned char)*id++) * 1099511628211u;
    return h & (SRV_CACHE_CAP - 1);
}

/* A connection's lock is taken in turn (a ticket lock): a plain mutex lets the thread that has
 * just let it go take it again for its next request while others wait, and with every request
 * of the process queueing on one SQLite connection some waited a second and more.  Recursive: a
 * request may close and reopen its session's recorder while it holds the lock. */
static int lock_init(srv_lock *l)
{
    int i;
    memset(l, 0, sizeof *l);
    if (pthread_mutex_init(&l->m, NULL) != 0) return -1;
    for (i = 0; i < SRV_LOCK_SLOTS; i++) {
        if (pthread_cond_init(&l->cv[i], NULL) != 0) {
            while (i-- > 0) pthread_cond_destroy(&l->cv[i]);
            pthread_mutex_destroy(&l->m);
            return -1;
        }
    }
    return 0;
}

static void lock_destroy(srv_lock *l)
{
    int i;
    for (i = 0; i < SRV_LOCK_SLOTS; i++) pthread_cond_destroy(&l->cv[i]);
    pthread_mutex_destroy(&l->m);
}

void srv_lock_take(srv_lock *l)
{
    pthread_mutex_lock(&l->m);
    if (l->depth && pthread_equal(l->owner, pthread_self())) {
        l->depth++;
    } else {
        unsigned long ticket = l->next++;
        while (ticket != l->serving)
            pthread_cond_wait(&l->cv[ticket % SRV_LOCK_SLOTS], &l->m);
        l->owner = pthread_self();
        l->depth = 1;
    }
    pthread_mutex_unlock(&l->m);
}

/* The next ticket's turn (l->m held): the slot to broadcast on (others may share it) once l->m
 * is let go, so that the thread woken does not at once sleep again waiting for l->m.  A waiter
 * checks its turn under l->m before it sleeps, so the late wake-up is never missed; and the lock
 * outlives it (an entry is freed only when its users are 0, counted after the give returns). */
static pthread_cond_t *hand_on(srv_lock *l)
{
    l->serving++;
    return &l->cv[l->serving % SRV_LOCK_SLOTS];
}

/* Take l only when nobody holds it or waits for it (or this thread holds it): 1 when taken. */
static int lock_try(srv_lock *l)
{
    int got;
    pthread_mutex_lock(&l->m);
    got = l->depth == 0 && l->next == l->serving;
    if (got) {
        l->next++; /* the ticket now served */
        l->owner = pthread_self();
        l->depth = 1;
    } else if (l->depth && pthread_equal(l->owner, pthread_self())) {
        l->depth++;
        got = 1;
    }
    pthread_mutex_unlock(&l->m);
    return got;
}

void srv_lock_give(srv_lock *l)
{
    pthread_cond_t *next = NULL;
    pthread_mutex_lock(&l->m);
    if (--l->depth == 0) next = hand_on(l);
    pthread_mutex_unlock(&l->m);
    if (next) pthread_cond_broadcast(next);
}

/* For the group commit: let go of the lock entirely (the owner's depth is returned) while this
 * thread's write waits, then take it again in turn with that depth. */
static unsigned lock_release(void *user)
{
    srv_lock *l = user;
    unsigned depth;
    pthread_cond_t *next;
    pthread_mutex_lock(&l->m);
    depth = l->depth;
    l->depth = 0;
    next = hand_on(l);
    pthread_mutex_unlock(&l->m);
    pthread_cond_broadcast(next);
    return depth;
}

static void lock_retake(void *user, unsigned depth)
{
    srv_lock *l = user;
    srv_lock_take(l);
    pthread_mutex_lock(&l->m);
    l->depth = depth;
    pthread_mutex_unlock(&l->m);
}

static void pool_close(srv_cache *c)
{
    unsigned i;
    for (i = 0; i < c->nconn; i++) {
        dt_recorder_close(c->conn[i].base);
        lock_destroy(&c->conn[i].mu);
    }
    c->nconn = 0;
    dt_recorder_batch_free(c->batch); /* after every recorder that wrote through it */
    c->batch = NULL;
}

/* nconn store connections, each with its lock; 0, or -1 with err filled. */
static int pool_open(srv_cache *c, const char *db_path, unsigned nconn, dt_error *err)
{
    int rc = 0;
    while (rc == 0 && c->nconn < nconn) {
        srv_conn *k = &c->conn[c->nconn];
        if (lock_init(&k->mu) != 0) {
            rc = -1;
        } else if (dt_recorder_open(db_path, 0, &k->base, err) != DT_OK) {
            lock_destroy(&k->mu);
            rc = -1;
        } else if (dt_rec_store_is_pg(db_path)
                       ? dt_recorder_batch_join(k->base, c->batch, err) != DT_OK
                       : dt_recorder_group_commit(k->base, SRV_GROUP_MAX, lock_release,
                                                  lock_retake, &k->mu, err) != DT_OK) {
            dt_recorder_close(k->base);
            lock_destroy(&k->mu);
            rc = -1;
        } else {
            dt_recorder_set_claim_ms(k->base, 0);
            c->nconn++;
        }
    }
    return rc;
}

int srv_cache_new(const char *db_path, unsigned nconn, srv_cache **out, dt_error *err)
{
    srv_cache *c = calloc(1, sizeof *c);
    if (!c || pthread_mutex_init(&c->mu, NULL) != 0) {
        free(c);
        return -1;
    }
    nconn = nconn < 1 ? 1 : nconn > SRV_POOL_MAX ? SRV_POOL_MAX
                                                 : nconn;
    if ((dt_rec_store_is_pg(db_path) &&
         dt_recorder_batch_new(SRV_GROUP_MAX, &c->batch, err) != DT_OK) ||
        pool_open(c, db_path, nconn, err) != 0) {
        pool_close(c);
        pthread_mutex_destroy(&c->mu);
        free(c);
        return -1;
    }
    c->max_live = live_budget();
    c->pick = c->nconn > 1 && dt_rec_store_is_pg(db_path);
    *out = c;
    return 0;
}

void srv_cache_stats(srv_cache *c, unsigned long long *writes, unsigned long long *commits)
{
    unsigned i;
    uint64_t bw, bk;
    dt_recorder_batch_stats(c->batch, &bw, &bk);
    *writes = bw;
    *commits = bk;
    for (i = 0; i < c->nconn; i++) {
        uint64_t w, k;
        srv_lock_take(&c->conn[i].mu);
        dt_recorder_group_stats(c->conn[i].base, &w, &k);
        srv_lock_give(&c->conn[i].mu);
        *writes += w;
        *commits += k;
    }
}

srv_lock *srv_cache_lock_of(srv_cache *c, const char *id)
{
    return &c->conn[hash(id) % c->nconn].mu;
}

dt_status srv_cache_recorder(srv_cache *c, const srv_lock *mu, dt_recorder **rec, dt_error *err)
{
    unsigned i = 0;
    while (i < c->nconn && &c->conn[i].mu != mu) i++;
    /* not a pool's lock (never so): DT_EARG, the base missing */
    dt_status st = dt_recorder_open_shared(i < c->nconn ? c->conn[i].base : NULL, rec, err);
    if (st == DT_OK) dt_recorder_set_claim_ms(*rec, 0);
    return st;
}

/* Closing the recorder writes (it flushes and lets the claim go): under its connection's lock. */
static void entry_free(srv_entry *e)
{
    if (!e) return;
    srv_lock_take(e->mu);
    dt_recorder_close(e->rec);   /* flushes; an unfinished session stays active and resumable */
    srv_lock_give(e->mu);
    dt_session_free(e->s);
    lock_destroy(&e->own);
    free(e);
}

void srv_cache_free(srv_cache *c)
{
    size_t i;
    if (!c) return;
    for (i = 0; i < SRV_CACHE_CAP; i++) entry_free(c->slot[i]);
    pool_close(c); /* the shared connections, after every recorder on them */
    pthread_mutex_destroy(&c->mu);
    free(c);
}

srv_entry *srv_entry_new(srv_cache *c, const char *id)
{
    srv_entry *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    if (lock_init(&e->own) != 0) {
        free(e);
        return NULL;
    }
    snprintf(e->id, sizeof e->id, "%s", id);
    e->mu = srv_cache_lock_of(c, id);
    return e;
}

void srv_entry_discard(srv_entry *e) { entry_free(e); }

static size_t find_slot(srv_cache *c, const char *id)
{
    size_t i = hash(id), n;
    for (n = 0; n < SRV_CACHE_CAP; n++, i = (i + 1) & (SRV_CACHE_CAP - 1))
        if (!c->slot[i] || strcmp(c->slot[i]->id, id) == 0) return i;
    return SRV_CACHE_CAP;
}

/* Remove slot i and re-seat the run after it, so later probes still find their entries. */
static void remove_slot(srv_cache *c, size_t i)
{
    size_t j = (i + 1) & (SRV_CACHE_CAP - 1);
    c->slot[i] = NULL;
    c->live--;
    while (c->slot[j]) {
        srv_entry *e = c->slot[j];
        c->slot[j] = NULL;
        c->slot[find_slot(c, e->id)] = e;
        j = (j + 1) & (SRV_CACHE_CAP - 1);
    }
}

/* The idle entry used longest ago, taken out to make room (its session stays resumable): the
 * caller closes it once the table lock is let go.  NULL when every entry is busy. */
static srv_entry *evict_one(srv_cache *c)
{
    size_t i, best = SRV_CACHE_CAP;
    for (i = 0; i < SRV_CACHE_CAP; i++)
        if (c->slot[i] && c->slot[i]->users == 0 &&
            (best == SRV_CACHE_CAP || c->slot[i]->last_used < c->slot[best]->last_used))
            best = i;
    if (best == SRV_CACHE_CAP) return NULL;
    srv_entry *e = c->slot[best];
    remove_slot(c, best);
    return e;
}

/* A free connection for e (its lock taken), its recorder moved onto it; else e's own, waited
 * for. */
static void take_conn(srv_cache *c, srv_entry *e)
{
    unsigned i;
    for (i = 0; c->pick && i < c->nconn; i++) {
        srv_conn *k = &c->conn[i];
        if (&k->mu == e->mu) {
            if (lock_try(&k->mu)) return;
        } else if (lock_try(&k->mu)) {
            if (!e->rec || dt_recorder_rebase(e->rec, k->base, NULL) == DT_OK) {
                e->mu = &k->mu;
                return;
            }
            srv_lock_give(&k->mu);
        }
    }
    srv_lock_take(e->mu);
}

/* The session's lock first, then a connection's: a request waiting for its group commit holds
 * the one and not the other. */
static void take_both(srv_cache *c, srv_entry *e)
{
    srv_lock_take(&e->own);
    take_conn(c, e);
}

srv_entry *srv_cache_acquire(srv_cache *c, const char *id)
{
    srv_entry *e = NULL;
    size_t i;
    pthread_mutex_lock(&c->mu);
    i = find_slot(c, id);
    if (i < SRV_CACHE_CAP && c->slot[i]) {
        e = c->slot[i];
        e->users++;
    }
    pthread_mutex_unlock(&c->mu);
    if (e) take_both(c, e);
    return e;
}

int srv_cache_insert(srv_cache *c, srv_entry *e)
{
    size_t i;
    int rc = 0;
    srv_entry *victim = NULL;
    pthread_mutex_lock(&c->mu);
    if (c->live >= c->max_live && !(victim = evict_one(c))) {
        rc = -1;
    } else if ((i = find_slot(c, e->id)) >= SRV_CACHE_CAP || c->slot[i]) {
        rc = 1;   /* another request loaded the same session meanwhile */
    } else {
        c->slot[i] = e;
        c->live++;
        e->users = 1;
    }
    pthread_mutex_unlock(&c->mu);
    entry_free(victim);
    if (rc == 0) take_both(c, e);
    return rc;
}

/* Under the table lock: take e out of the table if it is there; 1 when it was (or was already). */
static int unlink_entry(srv_cache *c, srv_entry *e)
{
    size_t i;
    if (e->unlinked) return 1;
    if ((i = find_slot(c, e->id)) >= SRV_CACHE_CAP || c->slot[i] != e) return 0;
    remove_slot(c, i);
    e->unlinked = 1;
    return 1;
}

void srv_cache_release(srv_cache *c, srv_entry *e)
{
    int drop;
    e->last_used = time(NULL);
    drop = e->dead;
    if (!e->store_done) srv_lock_give(e->mu);
    e->store_done = 0;
    srv_lock_give(&e->own);
    pthread_mutex_lock(&c->mu);
    e->users--;
    if (drop && e->users == 0 && unlink_entry(c, e)) {
        pthread_mutex_unlock(&c->mu);
        entry_free(e);
        return;
    }
    pthread_mutex_unlock(&c->mu);
}

void srv_cache_store_done(srv_entry *e)
{
    if (!e->store_done) srv_lock_give(e->mu);
    e->store_done = 1;
}

void srv_cache_drop(srv_cache *c, srv_entry *e)
{
    e->dead = 1;
    pthread_mutex_lock(&c->mu);
    unlink_entry(c, e);
    pthread_mutex_unlock(&c->mu);
}
