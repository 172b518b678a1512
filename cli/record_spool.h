/*
 * record_spool.h — the CLI side of the spool (PostgreSQL): where a call is kept on this machine
 * while the shared database cannot be used, and the one calm line that tells the agent so.
 */
#ifndef DTREE_CLI_RECORD_SPOOL_H
#define DTREE_CLI_RECORD_SPOOL_H

#include "dtree.h"

/* The spool file (malloc): $DTREE_SPOOL, else $XDG_DATA_HOME/dtree/spool.db, else
 * ~/.local/share/dtree/spool.db (its directory made); NULL without a home. */
char *rs_path(void);
/* A recorder on PostgreSQL just opened: give it the spool, and upload what an earlier call left
 * there (one line when there was something).  `shown`: the store as messages name it. */
void rs_attach(dt_recorder *rec, const char *shown);
/* The store `shown` could not be opened (why: the message already printed): open the spool
 * instead for this call, telling the agent in one calm line.  0 and *out, or -1. */
int rs_open_offline(const char *shown, dt_recorder **out, char **spool);
/* After each answer: one line when the recorder starts or stops spooling (*state remembers). */
void rs_check(dt_recorder *rec, const char *shown, int *state);
/* A call kept offline has ended: try the store `where` again and upload the spool there. */
void rs_upload_after(const char *where, const char *shown, const char *spool);

#endif
