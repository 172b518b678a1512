/*
 * cmd_kiosk.c — `dtree kiosk TREE`: the locked-down self-service mode (docs/kiosk.md).
 * This file parses options, loads the tree, opens the recorder, owns the raw terminal and runs
 * the one event loop: poll(stdin, signal pipe) with the idle machine's timeout.  It never uses
 * readline.  Invariant: once the terminal is raw, nothing ends the process except SIGTERM/SIGHUP
 * or the terminal going away, and every such end restores the terminal (kiosk_term.c).
 */
#define _DEFAULT_SOURCE 1
#include "commands.h"
#include "exitcodes.h"
#include "opts.h"
#include "kiosk_flow.h"
#include "kiosk_notify.h"
#include "kiosk_term.h"
#include "library.h"
#include "record_hook.h"
#include "render.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define GAP_MS 300   /* a partial escape sequence not completed within this is abandoned */
#define SETTLE_MS 100       /* a burst's bytes this close together belong to the same paste */
#define SETTLE_MAX_MS 1000  /* ... but a steady stream is dropped for at most this long */
#define KEYS_MAX 16         /* more bytes in one read than a keystroke sends: a paste */

static int64_t settle_until, settle_cap;   /* input before settle_until is dropped (see on_input) */

static const char usage_text[] =
    "Usage: dtree kiosk TREE [--idle SECONDS] [--welcome TEXT] [--trees DIR]\n"
    "                        [--db PATH | --no-record] [--any-tree] [--notify CMD]\n"
    "\n"
    "Self-service mode for customers at a shared terminal: customer-facing text only, one step\n"
    "per cleared screen, numbered answers, \"Talk to a person\" always and \"Start over\" after\n"
    "the first step.\n"
    "Keyboard signals, history, completion and escape sequences are disabled; only SIGTERM or\n"
    "SIGHUP end it.  See docs/kiosk.md for setting up a real kiosk.\n"
    "\n"
    "  TREE              a tree id in the library, or a tree file (.xml)\n"
    "  --idle SECONDS    seconds without input before the \"are you still there?\" countdown\n"
    "                    (default 120; the countdown lasts min(10, SECONDS) seconds)\n"
    "  --welcome TEXT    the welcome screen's text\n"
    "  --trees DIR       the tree library (default: $DTREE_TREES, then the bundled trees)\n"
    "  --db PATH         record sessions (mode kiosk) here; default $DTREE_DB, then\n"
    "                    ~/.local/share/dtree/sessions.db\n"
    "  --no-record       do not record\n"
    "  --any-tree        also run a tree whose root is not marked kiosk=\"true\"\n"
    "  --notify CMD      run CMD (with /bin/sh) each time a customer asks for a person, with\n"
    "                    DTREE_SESSION, DTREE_TREE, DTREE_STEP, DTREE_HOST set; its output and\n"
    "                    failures go to syslog, never to the screen.  Without it the screen\n"
    "                    never says that staff were told\n"
    "  --no-tty          (tests only) read standard input even when it is not a terminal;\n"
    "                    the kiosk then ends at end of input\n";

typedef struct kiosk_opts {
    const char *tree, *welcome, *trees, *db, *notify;
    unsigned idle;
    int any_tree, no_tty, no_record;
} kiosk_opts;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int parse_idle(const char *s, unsigned *out)
{
    char *end;
    unsigned long v;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v < 1 || v > 86400 || s[0] == '-') return -1;
    *out = (unsigned)v;
    return 0;
}

static int value_opt(int argc, char **argv, int *i, const char *name, const char **out)
{
    int r = opt_value(argc, argv, i, name, out);
    if (r < 0) rd_eprintf("kiosk: %s needs a value", name);
    return r;
}

static int parse(int argc, char **argv, kiosk_opts *o)
{
    const char *idle = NULL;
    int i, r;

    memset(o, 0, sizeof *o);
    o->idle = 120;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return 1;
        if ((r = value_opt(argc, argv, &i, "--idle", &idle)) != 0 ||
            (r = value_opt(argc, argv, &i, "--welcome", &o->welcome)) != 0 ||
            (r = value_opt(argc, argv, &i, "--trees", &o->trees)) != 0 ||
            (r = value_opt(argc, argv, &i, "--db", &o->db)) != 0 ||
            (r = value_opt(argc, argv, &i, "--notify", &o->notify)) != 0) {
            if (r < 0) return -1;
        } else if (strcmp(argv[i], "--any-tree") == 0) {
            o->any_tree = 1;
        } else if (strcmp(argv[i], "--no-record") == 0) {
            o->no_record = 1;
        } else if (strcmp(argv[i], "--no-tty") == 0) {
            o->no_tty = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            rd_eprintf("kiosk: unknown option '%s'; see 'dtree kiosk --help'", argv[i]);
            return -1;
        } else if (!o->tree) {
            o->tree = argv[i];
        } else {
            rd_eprintf("kiosk: one tree only ('%s' is extra)", argv[i]);
            return -1;
        }
    }
    if (idle && parse_idle(idle, &o->idle) != 0) {
        rd_eprintf("kiosk: --idle wants whole seconds from 1 to 86400, not '%s'", idle);
        return -1;
    }
    if (!o->tree) {
        rd_eprintf("kiosk: which tree? see 'dtree kiosk --help'");
        return -1;
    }
    if (o->no_record && o->db) {
        rd_eprintf("kiosk: --db and --no-record contradict each other");
        return -1;
    }
    return 0;
}

/* Find and load the tree (a path, or an id in the library); print why not. */
static int load_tree(const kiosk_opts *o, dt_tree **out)
{
    const char *source = NULL;
    char *libdir = NULL, *path = NULL;
    dt_load_options lo;
    dt_error *err = dt_error_new();
    int rc = EXIT_TREE;

    *out = NULL;
    if (!err) return EXIT_INTERNAL;
    if (lib_is_path(o->tree)) {
        path = strdup(o->tree);
    } else if ((libdir = lib_dir(o->trees, &source)) != NULL) {
        path = lib_find(libdir, o->tree);
    }
    dt_load_options_init(&lo);
    lo.library_dir = libdir && !lib_is_path(o->tree) ? libdir : NULL;
    if (!path) {
        rd_eprintf("kiosk: no tree '%s'%s%s", o->tree, libdir ? " in " : " (no tree library found)",
                   libdir ? libdir : "");
    } else if (dt_tree_load_file(path, &lo, out, err) != DT_OK) {
        for (size_t i = 0; i < dt_error_count(err); i++) {
            char line[1024];
            dt_diag_format(dt_error_get(err, i), line, sizeof line);
            rd_eprintf("%s", line);
        }
        *out = NULL;
    } else {
        rc = EXIT_OK;
    }
    free(path);
    free(libdir);
    dt_error_free(err);
    return rc;
}

/* ---- the loop ------------------------------------------------------------------------------- */

/* After an answer, what already arrived was typed (or pasted) before the new page was drawn: it
 * must not answer that page, so it is dropped (by ks_draw, just before the page shows: a key
 * pressed after it is seen is kept; here when no page was drawn).  When the answer came in a burst
 * (a paste: more in the read than keys send), the rest of the burst may still be on its way:
 * everything arriving less than SETTLE_MS after the previous byte is dropped too.  A paste of any
 * length thus answers one page at most, and none with bracketed paste (kiosk_line.h). */
static void settle_start(kiosk *k, int64_t now, int burst)
{
    if (k->keep_typeahead) return;
    if (k->scr.drop_typeahead) tcflush(0, TCIFLUSH);
    k->scr.drop_typeahead = 0;
    if (!burst) return;
    settle_until = now + SETTLE_MS;
    settle_cap = now + SETTLE_MAX_MS;
}

static int settling(const kiosk *k, int64_t now)
{
    if (k->keep_typeahead || now >= settle_until) return 0;
    settle_until = now + SETTLE_MS < settle_cap ? now + SETTLE_MS : settle_cap;
    return 1;
}

/* Bytes typed or pasted (kiosk_flow.c says what they do); after an answer, the settling time. */
static void on_input(kiosk *k, const unsigned char *buf, size_t n, int64_t now)
{
    if (settling(k, now)) return;
    k->scr.drop_typeahead = !k->keep_typeahead;
    size_t used = kf_input(k, buf, n, now);
    if (used) settle_start(k, now_ms(), n > KEYS_MAX || used < n);
    k->scr.drop_typeahead = 0;
}

static void on_clock(kiosk *k, int64_t now)
{
    switch (kiosk_idle_tick(&k->idle, now)) {
    case KT_COUNTDOWN: ks_countdown(&k->scr, kiosk_idle_left(&k->idle, now)); break;
    case KT_RESET: kf_timeout(k, now); break;
    default: break;
    }
}

/* Returns when the operator stops the kiosk or the terminal goes away. */
static void loop(kiosk *k, int sig_fd)
{
    unsigned char buf[4096];

    for (;;) {
        int64_t now = now_ms();
        int wait = kiosk_idle_wait(&k->idle, now);
        struct pollfd pf[2] = {{0, POLLIN, 0}, {sig_fd, POLLIN, 0}};
        int pending = kiosk_line_pending(&k->line), r;

        if (pending && (wait < 0 || wait > GAP_MS)) wait = GAP_MS;
        r = poll(pf, 2, wait);
        now = now_ms();
        if (r < 0 && errno != EINTR) return;
        if (r > 0 && (pf[1].revents & POLLIN)) {
            unsigned bits = kiosk_signals_take();
            if (bits & KSIG_STOP) return;
            if (bits & KSIG_CONT) kiosk_term_reraw();
            if (bits & (KSIG_WINCH | KSIG_CONT)) {
                if (k->idle.counting) ks_countdown(&k->scr, kiosk_idle_left(&k->idle, now));
                else kf_draw(k);
            }
        }
        if (r > 0 && (pf[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t n = read(0, buf, sizeof buf);
            if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) return;  /* hung up */
            if (n > 0) on_input(k, buf, (size_t)n, now);
            memset(buf, 0, sizeof buf);
        } else if (r == 0 && pending) {
            kiosk_line_gap(&k->line);
        }
        on_clock(k, now_ms());
        kn_reap(); /* --notify commands that finished: failures go to syslog */
    }
}

static int check_terminal(const kiosk_opts *o)
{
    if (o->no_tty || (isatty(0) && isatty(1))) return 0;
    rd_eprintf("kiosk: standard input and output must be a terminal (the kiosk is for a screen "
               "and a keyboard; --no-tty exists for tests only)");
    return -1;
}

/* Open the recording database now, so a problem is the operator's to see before any customer. */
static int open_recorder(const kiosk_opts *o, char **db, dt_recorder **rec)
{
    dt_error *err;
    int rc = 0;

    *rec = NULL;
    *db = NULL;
    if (o->no_record) return 0;
    if (!(*db = rh_db_path(o->db, 1))) {
        rd_eprintf("kiosk: no place to record sessions (no home directory): give --db PATH or "
                   "--no-record");
        return EXIT_IO;
    }
    if (!(err = dt_error_new())) return EXIT_INTERNAL;
    if (dt_recorder_open(*db, 0, rec, err) != DT_OK) {
        char shown[1024];
        dt_rec_store_mask(*db, shown, sizeof shown);
        rd_eprintf("kiosk: %s", dt_error_count(err) ? dt_error_get(err, 0)->message : shown);
        rc = EXIT_IO;
        *rec = NULL;
    }
    dt_error_free(err);
    return rc;
}

/* Runs until stopped; owns (and closes) rec. */
static int run_kiosk(const kiosk_opts *o, const char *db, dt_tree *tree, dt_recorder *rec)
{
    char host[256] = "";
    kiosk k;
    int sig_fd, tty = !o->no_tty;

    memset(&k, 0, sizeof k);
    k.keep_typeahead = !tty; /* --no-tty: piped lines answer page after page */
    if ((sig_fd = kiosk_signals_init()) < 0 || !(k.err = dt_error_new())) {
        rd_eprintf("kiosk: cannot set up signals");
        dt_recorder_close(rec);
        return EXIT_INTERNAL;
    }
    if (tty && kiosk_term_enter(0) != 0) {
        rd_eprintf("kiosk: cannot put the terminal in raw mode: %s", strerror(errno));
        dt_error_free(k.err);
        dt_recorder_close(rec);
        return EXIT_IO;
    }
    gethostname(host, sizeof host - 1);
    k.tree = tree;
    k.rec = rec;
    k.db = db;
    k.host = host;
    k.welcome = o->welcome;
    k.notify = o->notify && *o->notify ? o->notify : NULL;
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);   /* one write per page: no flicker */
    ks_init(&k.scr, stdout);
    kiosk_idle_init(&k.idle, o->idle, now_ms());
    kf_begin(&k, now_ms());
    loop(&k, sig_fd);
    kf_end(&k);
    kiosk_term_leave();
    free(k.error);
    free(k.notice);
    dt_recorder_close(k.rec);
    dt_error_free(k.err);
    return EXIT_OK;
}

int cmd_kiosk(int argc, char **argv)
{
    kiosk_opts o;
    dt_tree *tree = NULL;
    dt_recorder *rec = NULL;
    char *db = NULL;
    int rc = parse(argc, argv, &o);

    if (rc > 0) {
        fputs(usage_text, stdout);
        fputs("\n" EXIT_HELP_KIOSK, stdout);
        return EXIT_OK;
    }
    if (rc < 0) return EXIT_USAGE;
    if (check_terminal(&o) != 0) return EXIT_USAGE;
    if ((rc = load_tree(&o, &tree)) != 0) return rc;
    if (!dt_tree_is_kiosk(tree) && !o.any_tree) {
        rd_eprintf("kiosk: tree '%s' is not marked kiosk=\"true\" (its text may be meant for agents "
                   "only); mark it, or pass --any-tree", dt_tree_id(tree));
        dt_tree_free(tree);
        return EXIT_TREE;
    }
    if ((rc = open_recorder(&o, &db, &rec)) == 0) rc = run_kiosk(&o, db, tree, rec);
    free(db);
    dt_tree_free(tree);
    return rc;
}
