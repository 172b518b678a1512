/*
 * record_hook.h — how CLI commands record sessions (run, resume, kiosk) and open the recordings
 * (sessions, show, report, export).  The database is --db PATH, else $DTREE_DB, else
 * $XDG_DATA_HOME/dtree/sessions.db (default ~/.local/share/dtree/sessions.db), created with its
 * directory (0700) and mode 0600.  Every message goes to stderr through the sanitiser.
 */
#ifndef DTREE_CLI_RECORD_HOOK_H
#define DTREE_CLI_RECORD_HOOK_H

#include "dtree.h"

#include <stdint.h>

typedef struct rh_recording rh_recording;

/* The database path to use (malloc), from `opt` (--db, may be NULL), $DTREE_DB or the default;
 * NULL when out of memory or no home directory.  create_dir: make the default's directory. */
char *rh_db_path(const char *opt, int create_dir);
/* The path of dtree's own file `name` (malloc): $XDG_DATA_HOME/dtree/NAME, else
 * ~/.local/share/dtree/NAME; NULL when out of memory or no home directory.  create_dir: make
 * its directories (0700). */
char *rh_data_file(const char *name, int create_dir);

/* Open the database for recording and begin recording `s` (created, not yet started) on `t`.
 * mode: "agent", "kiosk" or "scripted".  On failure prints why (naming the file and the way
 * out: --db PATH or --no-record) and returns an exit code (exitcodes.h); 0 and *out on success. */
int rh_begin(const char *db_opt, dt_session *s, const dt_tree *t, const char *agent,
             const char *mode, rh_recording **out);

/* Like rh_begin for `dtree resume`: replay recorded session `id_prefix` on `t` into a new session
 * (*s, owned by the caller, freed after rh_end), say what the replay did, record the hand-off.
 * Refused while another agent holds the session, unless take_over (--take-over). */
int rh_resume(const char *db_opt, const char *id_prefix, const dt_tree *t, const char *agent,
              int take_over, dt_session **s, rh_recording **out);

/* Events are passed on to fn (the JSON writer) after they are recorded. */
void rh_chain(rh_recording *r, dt_observer_fn fn, void *user);

/* Call after every answer or command, before showing the next step: when recording has just
 * failed, tells the agent at once on stderr (what failed, that the events are kept in memory
 * and retried); when it has recovered, says so.  Returns 1 while recording is failing. */
int rh_check(rh_recording *r);

/* Record a kiosk customer's feedback on the current step; 0, or -1 (then rh_check warns). */
int rh_feedback(rh_recording *r, const char *text);

/* The session id ("" when none). */
const char *rh_id(const rh_recording *r);

/* When the session started as its record says (the case summary must show the same time as
 * `dtree show`, even when opening the database took a while); `fallback` when it cannot be read
 * (NULL r, a call kept offline). */
int64_t rh_started_ms(rh_recording *r, int64_t fallback);

/* Finish: write what is buffered, set the status from the command's exit code (0: completed,
 * any other: abandoned — still resumable), close, free.  Returns `rc`, or EXIT_IO when the
 * record could not be saved (the message says what is missing).  NULL r: returns rc. */
int rh_end(rh_recording *r, int rc);
/* The same with an explicit status (kiosk: timed_out, transferred). */
int rh_end_status(rh_recording *r, dt_rec_status status, int rc);

/* Open the database read-only for queries; prints why and returns an exit code on failure. */
int rh_open_query(const char *db_opt, dt_recorder **out);

/* Parse a time for --since/--until: "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]" (also with 'T'), local
 * time, or a duration back from now: "30m", "12h", "7d".  0 and *ms on success, -1 otherwise. */
int rh_parse_time(const char *s, int64_t *ms);

/* Format epoch ms as local "YYYY-MM-DD HH:MM:SS" into buf (20 bytes at least). */
void rh_format_time(int64_t ms, char *buf, size_t size);

#endif
