/*
 * kiosk_backlog.c — sessions the kiosk could not save yet (kiosk_backlog.h).  A kept session costs
 * its recorder (one SQLite connection) and its events; KB_MAX bounds that.
 */
#define _DEFAULT_SOURCE /* vsyslog */
#include "kiosk_backlog.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

void kb_log(int prio, const char *fmt, ...)
{
    va_list ap;
    openlog("dtree-kiosk", LOG_PID, LOG_USER);
    va_start(ap, fmt);
    vsyslog(prio, fmt, ap);
    va_end(ap);
}

static void drop(kiosk_backlog *b, size_t i)
{
    dt_recorder_close(b->item[i].rec);
    dt_session_free(b->item[i].s);
    memmove(&b->item[i], &b->item[i + 1], (b->n - i - 1) * sizeof b->item[0]);
    b->n--;
}

void kb_keep(kiosk_backlog *b, dt_recorder *rec, dt_session *s, dt_rec_status status)
{
    kb_item *it;
    if (b->n == KB_MAX) {
        kb_log(LOG_ERR, "recording: session %s could not be saved and is dropped (%d sessions "
                        "already wait for the disk)",
               b->item[0].id, KB_MAX);
        drop(b, 0);
    }
    it = &b->item[b->n++];
    it->rec = rec;
    it->s = s;
    it->status = status;
    snprintf(it->id, sizeof it->id, "%s", dt_recorder_session_id(rec));
    kb_log(LOG_ERR, "recording: session %s is not saved yet (%zu events wait in memory): %s; "
                    "it is retried with every new customer",
           it->id, dt_recorder_pending(rec),
           dt_recorder_message(rec));
}

void kb_retry(kiosk_backlog *b)
{
    size_t i = 0;
    while (i < b->n) {
        kb_item *it = &b->item[i];
        if (dt_recorder_finish(it->rec, it->status, NULL) != DT_OK) {
            i++;
            continue;
        }
        kb_log(LOG_NOTICE, "recording: session %s is saved now", it->id);
        drop(b, i);
    }
}

void kb_close(kiosk_backlog *b)
{
    kb_retry(b);
    while (b->n) {
        kb_log(LOG_ERR, "recording: session %s could not be saved before the kiosk stopped "
                        "(%zu events lost): %s",
               b->item[0].id, dt_recorder_pending(b->item[0].rec),
               dt_recorder_message(b->item[0].rec));
        drop(b, 0);
    }
}
