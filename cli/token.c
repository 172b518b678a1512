/*
 * token.c — access tokens: libsodium's random bytes, base64url text, BLAKE2b hash (token.h).
 */
#include "token.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

int token_init(void) { return sodium_init() < 0 ? -1 : 0; }

int token_new(char text[TOKEN_TEXT_MAX])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    memcpy(text, "dtr_", 4);
    sodium_bin2base64(text + 4, TOKEN_TEXT_MAX - 4, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    return 0;
}

void token_hash(const char *text, size_t len, char hex[TOKEN_HASH_HEX])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)text, len, NULL, 0);
    sodium_bin2hex(hex, TOKEN_HASH_HEX, h, sizeof h);
}

void token_wipe(void *p, size_t n) { sodium_memzero(p, n); }
