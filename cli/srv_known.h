/*
 * srv_known.h — the tokens this server found live before, by hash: who each is and its role.
 * Neither ever changes for a hash (a token is only ever added or revoked), so only whether it is
 * still live needs the store, and an action's write checks that itself (dt_recorder_require_token):
 * srv_auth.c skips the look-up's round trip for such a request.  Never proof of liveness.
 */
#ifndef DTREE_CLI_SRV_KNOWN_H
#define DTREE_CLI_SRV_KNOWN_H

#include "srv.h"

/* A table of `slots` entries (a power of two; a collision replaces the older); NULL when out of
 * memory.  Thread-safe. */
srv_known *srv_known_new(unsigned slots);
void srv_known_free(srv_known *k);
/* 1 and name (128 bytes) and *role filled when hash (hex) was put; else 0.  NULL table: 0. */
int srv_known_get(srv_known *k, const char *hash, char name[128], dt_token_role *role);
void srv_known_put(srv_known *k, const char *hash, const char *name, dt_token_role role);
/* The token was found revoked or unknown: no longer remembered. */
void srv_known_forget(srv_known *k, const char *hash);

#endif
