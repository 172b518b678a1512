/*
 * srv_seal.c — sensitive answers sealed under the server key (libsodium crypto_secretbox:
 * XSalsa20-Poly1305, a random nonce per box), so that any instance holding the same key can
 * continue a session past them after a cache miss.  The box is "s2." + base64(nonce || MAC ||
 * ciphertext) of "session-id NUL var NUL value": a box copied into another session, or moved to
 * another variable's answer, does not open (nor does an "s1." box, which named no session).  The key
 * lives in guarded memory (sodium_malloc, locked, no core dump) and every clear buffer is wiped.
 */
#include "srv_seal.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PREFIX "s2."

static unsigned char *key; /* crypto_secretbox_KEYBYTES in sodium_malloc'd memory, or NULL */

int srv_seal_enabled(void) { return key != NULL; }

/* The key file's bytes: 32 raw, or 64 hex digits (a trailing newline allowed). */
static int parse_key(const unsigned char *raw, size_t n, unsigned char *out)
{
    size_t bin = 0;
    if (n == crypto_secretbox_KEYBYTES) {
        memcpy(out, raw, n);
        return 0;
    }
    while (n > 0 && (raw[n - 1] == '\n' || raw[n - 1] == '\r')) n--;
    if (n != 2 * crypto_secretbox_KEYBYTES) return -1;
    if (sodium_hex2bin(out, crypto_secretbox_KEYBYTES, (const char *)raw, n, NULL, &bin, NULL) != 0)
        return -1;
    return bin == crypto_secretbox_KEYBYTES ? 0 : -1;
}

int srv_seal_load(const char *path, char *msg, size_t size)
{
    unsigned char raw[130];
    struct stat sb;
    ssize_t n;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), rc = -1;

    if (fd < 0) {
        snprintf(msg, size, "cannot open the seal key %s: %s (make one with: (umask 077; head -c "
                            "32 /dev/urandom > %s))",
                 path, strerror(errno), path);
        return -1;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        snprintf(msg, size, "the seal key %s is not a regular file", path);
    } else if (sb.st_mode & 077) {
        snprintf(msg, size, "the seal key %s may be read by others (mode %04o): it must be "
                            "readable by its owner only; chmod 600 it, and make a new key if others may have "
                            "read it",
                 path, (unsigned)(sb.st_mode & 07777));
    } else if ((n = read(fd, raw, sizeof raw)) < 0 ||
               !(key = sodium_malloc(crypto_secretbox_KEYBYTES))) {
        snprintf(msg, size, "cannot read the seal key %s", path);
    } else if (parse_key(raw, (size_t)n, key) != 0) {
        snprintf(msg, size, "the seal key %s is not 32 bytes (or 64 hex digits)", path);
        srv_seal_free();
    } else {
        sodium_mprotect_readonly(key);
        rc = 0;
    }
    sodium_memzero(raw, sizeof raw);
    close(fd);
    return rc;
}

void srv_seal_new_id(char out[37])
{
    unsigned char b[16];
    size_t i;
    char *p = out;
    randombytes_buf(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    for (i = 0; i < sizeof b; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) *p++ = '-';
        *p++ = "0123456789abcdef"[b[i] >> 4];
        *p++ = "0123456789abcdef"[b[i] & 15];
    }
    *p = '\0';
}

/* "sid NUL var NUL" into plain: its length, or 0 when it does not fit. */
static size_t binding(const char *sid, const char *var, unsigned char *plain, size_t size)
{
    size_t ns = strlen(sid) + 1, nv = strlen(var) + 1;
    if (ns + nv > size) return 0;
    memcpy(plain, sid, ns);
    memcpy(plain + ns, var, nv);
    return ns + nv;
}

int srv_seal(const char *sid, const char *var, const char *value, char box[SRV_SEAL_BOX_MAX])
{
    unsigned char plain[SRV_SEAL_VALUE_MAX + 256], sealed[sizeof plain + 64];
    size_t nv = binding(sid, var, plain, sizeof plain), n = nv + strlen(value);
    size_t total = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n;

    if (!key || !nv || n > sizeof plain || strlen(value) >= SRV_SEAL_VALUE_MAX ||
        sizeof PREFIX - 1 + sodium_base64_ENCODED_LEN(total, sodium_base64_VARIANT_ORIGINAL) >
            SRV_SEAL_BOX_MAX)
        return -1;
    memcpy(plain + nv, value, n - nv);
    randombytes_buf(sealed, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(sealed + crypto_secretbox_NONCEBYTES, plain, n, sealed, key);
    sodium_memzero(plain, sizeof plain);
    memcpy(box, PREFIX, sizeof PREFIX - 1);
    sodium_bin2base64(box + sizeof PREFIX - 1, SRV_SEAL_BOX_MAX - (sizeof PREFIX - 1), sealed,
                      total, sodium_base64_VARIANT_ORIGINAL);
    return 0;
}

int srv_unseal(void *user, const char *var, const char *box, char *buf, size_t size)
{
    unsigned char sealed[SRV_SEAL_BOX_MAX], plain[SRV_SEAL_BOX_MAX], want[SRV_SEAL_BOX_MAX];
    size_t n = 0, nv = user ? binding(user, var, want, sizeof want) : 0, len;
    int rc = -1;

    if (!key || !nv || strncmp(box, PREFIX, sizeof PREFIX - 1) != 0 ||
        sodium_base642bin(sealed, sizeof sealed, box + sizeof PREFIX - 1, strlen(box) - 3, NULL,
                          &n, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        n < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
        return -1;
    len = n - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
    if (crypto_secretbox_open_easy(plain, sealed + crypto_secretbox_NONCEBYTES,
                                   n - crypto_secretbox_NONCEBYTES, sealed, key) == 0 &&
        len >= nv && memcmp(plain, want, nv) == 0 && len - nv < size &&
        !memchr(plain + nv, '\0', len - nv)) {
        memcpy(buf, plain + nv, len - nv);
        buf[len - nv] = '\0';
        rc = 0;
    }
    sodium_memzero(plain, sizeof plain);
    return rc;
}

void srv_seal_free(void)
{
    sodium_free(key); /* wipes it */
    key = NULL;
}
