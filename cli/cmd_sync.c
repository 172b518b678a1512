/*
 * cmd_sync.c — `dtree sync --from STORE --to STORE`: copy recorded sessions from one store into
 * another (a machine's SQLite file into the shared one, a spool after a network failure), through
 * dt_recorder_sync, which makes a repeated or interrupted copy harmless.  Messages go to stderr
 * through the sanitiser; the summary to stdout.
 */
#include "commands.h"
#include "exitcodes.h"
#include "opts.h"
#include "rec_filter.h"
#include "record_hook.h"
#include "render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char sync_help[] =
    "Usage: dtree sync --from STORE --to STORE [OPTIONS]\n"
    "Copy the recorded sessions of one store into another: a SQLite file (path) or a PostgreSQL\n"
    "database (postgresql://...).  Sessions are matched by id and events by their number, so\n"
    "what the destination has already is not copied again: a copy that was interrupted, or run\n"
    "twice, neither duplicates nor loses an event.  A session the destination holds with\n"
    "different events is left as it is there and named (never merged).  The destination is\n"
    "created when it is a new SQLite file.\n\n"
    "Options:\n"
    "  --from STORE       where the sessions are now (read only)\n"
    "  --to STORE         where they go\n"
    "  --agent NAME, --tree ID, --mode MODE, --status STATUS, --since WHEN, --until WHEN\n"
    "                     only the matching sessions (as in 'dtree sessions')\n"
    "  -q, --quiet        no summary line\n"
    "  -h, --help         this help\n\n" EXIT_HELP_SYNC;

typedef struct sync_opts {
    const char *from, *to, *since, *until;
    dt_rec_filter f;
    int quiet;
} sync_opts;

static int parse_one(int argc, char **argv, int *i, sync_opts *o)
{
    static const char *const names[] = {"--from", "--to", "--agent", "--tree",
                                        "--mode", "--status", "--since", "--until"};
    const char **dst[] = {&o->from, &o->to, &o->f.agent, &o->f.tree,
                          &o->f.mode, &o->f.status, &o->since, &o->until};
    const char *val = NULL;
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        int r = opt_value(argc, argv, i, names[k], &val);
        if (r < 0)
            return rd_eprintf("sync: missing value after '%s'", names[k]), EXIT_USAGE;
        if (r > 0)
            return *dst[k] = val, 0;
    }
    rd_eprintf("sync: unknown option '%s'; see 'dtree help sync'", argv[*i]);
    return EXIT_USAGE;
}

/* 0: go on; -1: help printed; else an exit code. */
static int parse(int argc, char **argv, sync_opts *o)
{
    memset(o, 0, sizeof *o);
    dt_rec_filter_init(&o->f);
    for (int i = 1; i < argc; i++) {
        int rc = 0;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return fputs(sync_help, stdout), -1;
        if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0)
            o->quiet = 1;
        else if (argv[i][0] == '-')
            rc = parse_one(argc, argv, &i, o);
        else
            return rd_eprintf("sync: unexpected argument '%s'", argv[i]), EXIT_USAGE;
        if (rc)
            return rc;
    }
    if (!o->from || !o->to || !*o->from || !*o->to)
        return rd_eprintf("sync: say where from and where to: --from STORE --to STORE"),
               EXIT_USAGE;
    if (o->since && rh_parse_time(o->since, &o->f.since_ms) != 0)
        return rd_eprintf("sync: --since '%s' is not YYYY-MM-DD[ HH:MM[:SS]] or a duration like 7d",
                          o->since),
               EXIT_USAGE;
    if (o->until && rh_parse_time(o->until, &o->f.until_ms) != 0)
        return rd_eprintf("sync: --until '%s' is not YYYY-MM-DD[ HH:MM[:SS]] or a duration like 7d",
                          o->until),
               EXIT_USAGE;
    return rf_check_names("sync", &o->f);
}

static void say_progress(void *user, const dt_rec_sync_stats *s)
{
    (void)user;
    fprintf(stderr, "\rsync: %zu sessions read, %zu events written", s->sessions, s->events);
}

static int open_store(const char *what, const char *store, unsigned flags, dt_recorder **out)
{
    dt_error *err = dt_error_new();
    if (!err)
        return rd_eprintf("sync: out of memory"), EXIT_INTERNAL;
    dt_status st = dt_recorder_open(store, flags, out, err);
    if (st != DT_OK)
        rd_eprintf("sync: cannot open the %s: %s", what,
                   dt_error_count(err) ? dt_error_text(err) : dt_status_str(st));
    dt_error_free(err);
    return st == DT_OK ? 0 : st == DT_ENOMEM ? EXIT_INTERNAL
                                             : EXIT_IO;
}

static int report(dt_status st, const dt_rec_sync_stats *s, dt_error *err, int quiet)
{
    for (size_t i = 0; i < dt_error_count(err); i++) /* warnings (conflicts) first, then why */
        rd_eprintf("sync: %s", dt_error_get(err, i)->message);
    if (!quiet && (st == DT_OK || st == DT_ESTATE)) /* it ran to the end */
        printf("sync: %zu session%s read: %zu created, %zu updated, %zu already there, %zu not "
               "merged; %zu event%s written\n",
               s->sessions, s->sessions == 1 ? "" : "s", s->created, s->updated, s->unchanged,
               s->conflicts, s->events, s->events == 1 ? "" : "s");
    if (fflush(stdout) != 0)
        return EXIT_IO;
    return st == DT_OK       ? EXIT_OK
           : st == DT_ESTATE ? EXIT_FAIL
           : st == DT_ENOMEM ? EXIT_INTERNAL
           : st == DT_EARG   ? EXIT_USAGE
                             : EXIT_IO;
}

int cmd_sync(int argc, char **argv)
{
    sync_opts o;
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    dt_recorder *from = NULL, *to = NULL;
    if ((rc = open_store("source", o.from, DT_REC_READONLY, &from)) != 0)
        return rc;
    if ((rc = open_store("destination", o.to, 0, &to)) != 0) {
        dt_recorder_close(from);
        return rc;
    }
    dt_error *err = dt_error_new();
    dt_rec_sync_stats s;
    int tty = isatty(2) && !o.quiet;
    dt_status st = err ? dt_recorder_sync(from, to, &o.f, tty ? say_progress : NULL, NULL, &s, err)
                       : DT_ENOMEM;
    if (tty)
        fputs("\r\033[K", stderr);
    rc = err ? report(st, &s, err, o.quiet) : (rd_eprintf("sync: out of memory"), EXIT_INTERNAL);
    dt_error_free(err);
    dt_recorder_close(to);
    dt_recorder_close(from);
    return rc;
}
