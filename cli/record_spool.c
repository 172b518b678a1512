/*
 * record_spool.c — the CLI side of the spool (engine: record_spool.c).  A call never stops because
 * the shared database cannot be used: its events go to a local SQLite spool, the agent reads one
 * calm line saying so (stderr, through the sanitiser), and the spool is uploaded when the database
 * answers again: during the call, at its end, at the next start, or by `dtree sync`.  A call kept
 * offline from the start moves to the database once it answers, and is recorded there on.
 */
#define _XOPEN_SOURCE 700
#include "record_spool.h"
#include "record_hook.h"
#include "render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *rs_path(void)
{
    const char *env = getenv("DTREE_SPOOL");
    if (env && *env)
        return strdup(env);
    return rh_data_file("spool.db", 1);
}

void rs_attach(dt_recorder *rec, const char *shown)
{
    char *spool = rs_path();
    dt_error *err = dt_error_new();
    if (spool && err && dt_recorder_set_spool(rec, spool, err) == DT_OK && access(spool, F_OK) == 0) {
        dt_rec_sync_stats st;
        if (dt_recorder_upload_spool(rec, spool, &st, err) == DT_OK && st.created + st.updated > 0)
            rd_eprintf("recording: %zu call%s kept on this machine while %s could not be used "
                       "%s now saved there",
                       st.created + st.updated, st.created + st.updated == 1 ? "" : "s", shown,
                       st.created + st.updated == 1 ? "is" : "are");
    }
    dt_error_free(err);
    free(spool);
}

int rs_open_offline(const char *shown, const char *why, dt_recorder **out, char **spool)
{
    *out = NULL;
    *spool = rs_path();
    dt_error *err = dt_error_new();
    int ok = *spool && err && dt_recorder_open(*spool, 0, out, err) == DT_OK;
    if (ok) /* the reason and the way on in one line: the agent has a customer to talk to */
        rd_eprintf("recording: cannot record into %s: %s; the call goes on and is kept on this "
                   "machine (%s), saved there once it can be used again (or by 'dtree sync "
                   "--from %s --to ...')",
                   shown, why, *spool, *spool);
    else
        rd_eprintf("cannot record into %s: %s; the spool %s cannot be used either: %s", shown, why,
                   *spool ? *spool : "(none)",
                   err && dt_error_count(err) ? dt_error_text(err) : "no home directory");
    dt_error_free(err);
    if (!ok) {
        free(*spool);
        *spool = NULL;
    }
    return ok ? 0 : -1;
}

int rs_move(dt_recorder **rec, const char *where, const char *shown)
{
    dt_recorder *to = NULL;
    dt_error *err = dt_error_new();
    char *spool = rs_path();
    int ok = err && spool && dt_recorder_open(where, 0, &to, err) == DT_OK &&
             dt_recorder_set_spool(to, spool, err) == DT_OK &&
             dt_recorder_move(*rec, to, err) == DT_OK;
    if (ok) {
        dt_recorder_close(*rec);
        *rec = to;
        rd_eprintf("recording: %s can be used again; the answers kept on this machine are saved "
                   "there and the call goes on there",
                   shown);
    } else {
        dt_recorder_close(to);
    }
    dt_error_free(err);
    free(spool);
    return ok ? 0 : -1;
}

void rs_say_spooling(dt_recorder *rec, const char *shown)
{
    rd_eprintf("recording: %s cannot be reached; the call goes on and every answer is kept on this "
               "machine (%s) until it is back",
               shown, dt_recorder_spool_path(rec));
}

void rs_say_back(const char *shown)
{
    rd_eprintf("recording: %s is back; the answers kept on this machine are saved there", shown);
}

void rs_upload_after(const char *where, const char *shown, const char *spool)
{
    dt_recorder *rec = NULL;
    dt_error *err = dt_error_new();
    dt_rec_sync_stats st;
    if (err && dt_recorder_open(where, 0, &rec, err) == DT_OK &&
        dt_recorder_upload_spool(rec, spool, &st, err) == DT_OK)
        rd_eprintf("recording: %s can be used again; the call is saved there", shown);
    dt_recorder_close(rec);
    dt_error_free(err);
}
