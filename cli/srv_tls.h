/*
 * srv_tls.h — the certificate and key files of `dtree serve --tls-cert/--tls-key` (srv_tls.c).
 */
#ifndef DTREE_CLI_SRV_TLS_H
#define DTREE_CLI_SRV_TLS_H

#include <stddef.h>

/* The PEM text of `path` (a regular file of at most 1 MiB), new (free with srv_tls_free); with
 * `secret`, refused unless only its owner may read it.  NULL with the reason in msg. */
char *srv_tls_read(const char *path, int secret, char *msg, size_t size);
/* Wipe and free what srv_tls_read gave (NULL does nothing). */
void srv_tls_free(char *pem);

#endif
