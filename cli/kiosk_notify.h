/*
 * kiosk_notify.h — `dtree kiosk --notify CMD`: tell a member of staff that a customer asked for a
 * person.  CMD runs through /bin/sh in its own session, detached from the kiosk's terminal (stdin,
 * stdout and stderr on /dev/null), with ids only in its environment:
 *   DTREE_SESSION  the recorded session id ("" when not recording)
 *   DTREE_TREE     the root tree id        DTREE_STEP  the step the customer was on
 *   DTREE_HOST     the kiosk's host name
 * never an answer or a variable, so no sensitive value can leak.  The kiosk never waits for it: a
 * finished command is reaped by kn_reap(), and a failure (cannot start, non-zero exit, killed) is
 * logged to syslog (facility user, ident "dtree-kiosk"), never shown to the customer.
 */
#ifndef DTREE_CLI_KIOSK_NOTIFY_H
#define DTREE_CLI_KIOSK_NOTIFY_H

/* 0 when the command was started, -1 when it could not be (logged). */
int kn_notify(const char *cmd, const char *session, const char *tree, const char *step,
              const char *host);
/* Collect finished commands (never blocks); log each failure.  Call from the event loop. */
void kn_reap(void);

#endif
