/*
 * record_db_sqlite_cache.h — prepared statements kept per SQLite connection (internal).
 * SQLite has no statement cache of its own, and the recorder prepares the same few texts again
 * and again (the session row at every request of `dtree serve`, the SAVEPOINTs of a group commit,
 * a token's lookup): parsing and planning them was a third of the server's CPU per answer.
 * An entry is lent to one user at a time; a text already lent is prepared afresh and not kept.
 * Like the connection it belongs to, the cache is used by one thread at a time.
 */
#ifndef DTREE_ENGINE_RECORD_DB_SQLITE_CACHE_H
#define DTREE_ENGINE_RECORD_DB_SQLITE_CACHE_H

#include <sqlite3.h>

#define SCACHE_SIZE 32 /* more distinct texts than one session's writes and a request's reads */

typedef struct scache_entry {
    char *key; /* the text as the caller wrote it (before the dialect's rewriting) */
    sqlite3_stmt *st;
    unsigned long used; /* when it was last lent: the least recently used is replaced */
    int lent;
} scache_entry;

typedef struct scache {
    scache_entry e[SCACHE_SIZE];
    unsigned long clock;
} scache;

/* The statement kept for `key`, lent until scache_give_back (NULL when there is none free). */
sqlite3_stmt *scache_lend(scache *c, const char *key);
/* Keep st, prepared from `key`, lent from now on (the least recently used entry not lent makes
 * room); 0.  1 when every entry is lent or there is no memory for the key: then st is not
 * kept, and the caller still owns it (a statement not kept only costs its parsing again). */
int scache_keep(scache *c, const char *key, sqlite3_stmt *st);
/* 1 when st was lent by the cache: it is reset, its bindings cleared and kept for the next
 * user; 0 when st is not the cache's. */
int scache_give_back(scache *c, sqlite3_stmt *st);
/* Finalize every statement kept (before the connection closes). */
void scache_clear(scache *c);

#endif
