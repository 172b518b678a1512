/*
 * srv_known.c — the tokens found live before (srv_known.h): a direct-mapped table keyed by the
 * token's hash, whose leading hex digits are already uniform, under one mutex held for a copy.
 */
#include "srv_known.h"
#include "token.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct known_slot {
    char hash[TOKEN_HASH_HEX];
    char name[128];
    dt_token_role role;
} known_slot;

struct srv_known {
    pthread_mutex_t mu;
    unsigned mask;
    known_slot *slot;
};

srv_known *srv_known_new(unsigned slots)
{
    srv_known *k = calloc(1, sizeof *k);
    if (!k || slots == 0 || (slots & (slots - 1)) != 0 ||
        !(k->slot = calloc(slots, sizeof *k->slot))) {
        free(k);
        return NULL;
    }
    k->mask = slots - 1;
    pthread_mutex_init(&k->mu, NULL);
    return k;
}

void srv_known_free(srv_known *k)
{
    if (!k) return;
    pthread_mutex_destroy(&k->mu);
    free(k->slot);
    free(k);
}

/* The slot of hash: its first eight hex digits, as a number. */
static known_slot *slot_of(srv_known *k, const char *hash)
{
    unsigned v = 0;
    for (int i = 0; i < 8 && hash[i]; i++) {
        char ch = hash[i];
        v = v << 4 | (unsigned)(ch >= 'a' ? ch - 'a' + 10 : ch >= 'A' ? ch - 'A' + 10
                                                                      : ch - '0');
    }
    return &k->slot[v & k->mask];
}

int srv_known_get(srv_known *k, const char *hash, char name[128], dt_token_role *role)
{
    known_slot *s;
    int found;
    if (!k || !hash[0]) return 0;
    pthread_mutex_lock(&k->mu);
    s = slot_of(k, hash);
    found = strcmp(s->hash, hash) == 0;
    if (found) {
        memcpy(name, s->name, sizeof s->name);
        *role = s->role;
    }
    pthread_mutex_unlock(&k->mu);
    return found;
}

void srv_known_put(srv_known *k, const char *hash, const char *name, dt_token_role role)
{
    known_slot *s;
    if (!k || !hash[0]) return;
    pthread_mutex_lock(&k->mu);
    s = slot_of(k, hash);
    snprintf(s->hash, sizeof s->hash, "%s", hash);
    snprintf(s->name, sizeof s->name, "%s", name);
    s->role = role;
    pthread_mutex_unlock(&k->mu);
}

void srv_known_forget(srv_known *k, const char *hash)
{
    known_slot *s;
    if (!k || !hash[0]) return;
    pthread_mutex_lock(&k->mu);
    s = slot_of(k, hash);
    if (strcmp(s->hash, hash) == 0) s->hash[0] = '\0';
    pthread_mutex_unlock(&k->mu);
}
