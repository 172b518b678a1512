/*
 * token.h — access tokens for `dtree serve` (libsodium): 32 random bytes shown once as text, and
 * the BLAKE2b hash that the store keeps.  A token this random needs no slow password hash.
 */
#ifndef DTREE_CLI_TOKEN_H
#define DTREE_CLI_TOKEN_H

#include <stddef.h>

#define TOKEN_TEXT_MAX 64   /* "dtr_" + 43 base64url characters + NUL, with room */
#define TOKEN_HASH_HEX 65   /* 32 bytes as hex + NUL */

/* libsodium ready; -1 when it cannot start (no randomness). */
int token_init(void);
/* A new random token into text; 0, or -1. */
int token_new(char text[TOKEN_TEXT_MAX]);
/* The hash of token text (len bytes) as hex. */
void token_hash(const char *text, size_t len, char hex[TOKEN_HASH_HEX]);
/* Wipe a buffer that held a token. */
void token_wipe(void *p, size_t n);

#endif
