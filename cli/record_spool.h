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
/* The store `shown` could not be used for this call (`why`: its error message): open the spool
 * instead, telling the agent in one calm line that also says why.  0 and *out, or -1 (one line
 * saying that the spool cannot be used either). */
int rs_open_offline(const char *shown, const char *why, dt_recorder **out, char **spool);
/* A call kept offline from the start, recorded by *rec (the spool): the store `where` answers
 * again, so open it and move the call there (dt_recorder_move), saying so in one line.  0 and
 * *rec is the store's recorder now; -1 and *rec records on (nothing said: tried again later). */
int rs_move(dt_recorder **rec, const char *where, const char *shown);
/* The one line when a recorder starts spooling mid-call, and the one when the store is back. */
void rs_say_spooling(dt_recorder *rec, const char *shown);
void rs_say_back(const char *shown);
/* A call kept offline has ended: try the store `where` again and upload the spool there. */
void rs_upload_after(const char *where, const char *shown, const char *spool);

#endif
