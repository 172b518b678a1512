/*
 * kiosk_backlog.h — customers' sessions whose record could not be finished (a full disk, a store
 * that went away).  Each is kept whole, recorder and events in memory, retried whenever a new
 * customer starts and when the kiosk stops, so it is written once space returns.  Every failure,
 * every save and every loss is one line in syslog (ident "dtree-kiosk") for the operator; nothing
 * is ever shown to a customer.
 */
#ifndef DTREE_CLI_KIOSK_BACKLOG_H
#define DTREE_CLI_KIOSK_BACKLOG_H

#include "dtree.h"

#include <stddef.h>

#define KB_MAX 64 /* sessions kept at most; past that the oldest is dropped, and logged */

typedef struct kb_item {
    dt_recorder *rec;     /* owned; still attached to s, holding the unwritten events */
    dt_session *s;        /* owned */
    dt_rec_status status; /* how the session ended */
    char id[37];
} kb_item;

typedef struct kiosk_backlog {
    kb_item item[KB_MAX];
    size_t n;
} kiosk_backlog;

/* Keep rec and s (both taken) after dt_recorder_finish failed; why: the recorder's message. */
void kb_keep(kiosk_backlog *b, dt_recorder *rec, dt_session *s, dt_rec_status status);
/* Try to finish every kept session; those written are closed, freed and logged as saved. */
void kb_retry(kiosk_backlog *b);
/* At the end: retry, then close what is left (dt_recorder_close retries once more) and log each
 * session that could still not be saved. */
void kb_close(kiosk_backlog *b);
/* A line to syslog (printf-style). */
void kb_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
