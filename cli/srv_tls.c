/*
 * srv_tls.c — reading the certificate and the private key for `dtree serve --tls-cert/--tls-key`
 * (libmicrohttpd takes them as PEM text and does TLS with GnuTLS).  The key is refused when group
 * or others may read it, as the seal key is, and wiped from memory when the server stops.
 */
#include "srv_tls.h"

#include "token.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PEM_MAX (1 << 20)

char *srv_tls_read(const char *path, int secret, char *msg, size_t size)
{
    struct stat sb;
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    size_t n = 0;
    if (!f) {
        snprintf(msg, size, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > PEM_MAX)
        snprintf(msg, size, "%s is not a regular file of at most 1 MiB", path);
    else if (secret && (sb.st_mode & 077))
        snprintf(msg, size, "%s may be read by others (mode %03o): chmod 600 %s", path,
                 (unsigned)(sb.st_mode & 0777), path);
    else if (!(text = malloc((size_t)sb.st_size + 1)))
        snprintf(msg, size, "out of memory");
    else if ((n = fread(text, 1, (size_t)sb.st_size, f)) != (size_t)sb.st_size || n == 0) {
        snprintf(msg, size, "cannot read %s: %s", path, n ? strerror(errno) : "empty file");
        srv_tls_free(text);
        text = NULL;
    }
    if (text) text[n] = '\0';
    fclose(f);
    return text;
}

void srv_tls_free(char *pem)
{
    if (!pem) return;
    token_wipe(pem, strlen(pem));
    free(pem);
}
