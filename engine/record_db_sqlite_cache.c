/*
 * record_db_sqlite_cache.c — prepared statements kept per SQLite connection
 * (record_db_sqlite_cache.h).  A linear search over 32 entries: cheaper than the hashing it
 * would replace, and nothing next to parsing the text again.
 */
#include "record_db_sqlite_cache.h"
#include <string.h>

sqlite3_stmt *scache_lend(scache *c, const char *key)
{
    for (int i = 0; i < SCACHE_SIZE; i++) {
        scache_entry *e = &c->e[i];
        if (e->st && !e->lent && strcmp(e->key, key) == 0) {
            e->lent = 1;
            e->used = ++c->clock;
            return e->st;
        }
    }
    return NULL;
}

/* An empty entry, else the least recently used one not lent (its statement finalized). */
static scache_entry *free_entry(scache *c)
{
    scache_entry *old = NULL;
    for (int i = 0; i < SCACHE_SIZE; i++) {
        scache_entry *e = &c->e[i];
        if (!e->st)
            return e;
        if (!e->lent && (!old || e->used < old->used))
            old = e;
    }
    if (old) {
        sqlite3_finalize(old->st);
        sqlite3_free(old->key);
        memset(old, 0, sizeof *old);
    }
    return old;
}

int scache_keep(scache *c, const char *key, sqlite3_stmt *st)
{
    scache_entry *e = free_entry(c);
    if (!e)
        return 1;
    /* SQLite's allocator, like the statement's own memory: a cache that cannot grow is no
     * failure of the caller's */
    char *copy = sqlite3_mprintf("%s", key);
    if (!copy)
        return 1;
    e->key = copy;
    e->st = st;
    e->lent = 1;
    e->used = ++c->clock;
    return 0;
}

int scache_give_back(scache *c, sqlite3_stmt *st)
{
    for (int i = 0; i < SCACHE_SIZE; i++) {
        scache_entry *e = &c->e[i];
        if (e->st == st && e->lent) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            e->lent = 0;
            return 1;
        }
    }
    return 0;
}

void scache_clear(scache *c)
{
    for (int i = 0; i < SCACHE_SIZE; i++) {
        sqlite3_finalize(c->e[i].st);
        sqlite3_free(c->e[i].key);
    }
    memset(c, 0, sizeof *c);
}
