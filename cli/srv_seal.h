/*
 * srv_seal.h — sealing sensitive answers for `dtree serve` (srv_seal.c; docs/serve.md, "Sensitive
 * values", says what it protects against and what it does not).
 */
#ifndef DTREE_CLI_SRV_SEAL_H
#define DTREE_CLI_SRV_SEAL_H

#include <stddef.h>

#define SRV_SEAL_BOX_MAX 8192   /* a box's text, NUL included */
#define SRV_SEAL_VALUE_MAX 4096 /* longest value sealed (the engine's replay buffer) */

/* Read the server key from `path` (32 raw bytes, or 64 hex digits and an optional newline; a
 * regular file readable by its owner only).  0, or -1 with a sentence in msg.  Call once, after
 * sodium_init (token_init), before the server starts. */
int srv_seal_load(const char *path, char *msg, size_t size);
/* 1 once a key is loaded: sensitive answers are sealed and continued everywhere. */
int srv_seal_enabled(void);
/* A new session id (a random UUID v4), for dt_record_meta.new_id: chosen before the session's
 * row exists, so that its initial sensitive values can be sealed to it. */
void srv_seal_new_id(char out[37]);
/* Seal value (the answer to variable var of session sid) into box: 0, or -1 (no key, too long). */
int srv_seal(const char *sid, const char *var, const char *value, char box[SRV_SEAL_BOX_MAX]);
/* dt_record_meta.unseal, with unseal_user the session's id (const char *): open box into buf
 * when it was sealed under this key for this session and var; a box of any other session is
 * refused (the replay then stops there and the answer is asked again). */
int srv_unseal(void *user, const char *var, const char *box, char *buf, size_t size);
/* Wipe and free the key (at exit). */
void srv_seal_free(void);

#endif
