/*
 * cmd_resume.c — `dtree resume ID`: a colleague continues a recorded session where it stopped.
 * The engine replays the recorded answers on the tree file (checking the path if the file
 * changed) and records the hand-off; from there the step loop is `dtree run`'s (run.h pieces:
 * run_show_step, run_handle, the summary), with the recording checked after every answer.
 */
#define _XOPEN_SOURCE 700
#include "commands.h"
#include "exitcodes.h"
#include "handover.h"
#include "input.h"
#include "library.h"
#include "record_hook.h"
#include "run.h"
#include "summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char resume_help[] =
    "Usage: dtree resume ID [OPTIONS]\n"
    "Continue a recorded session (ID or a unique prefix; see 'dtree sessions --active') with its\n"
    "whole history and variables, as another agent.  The hand-off is recorded.  If the tree file\n"
    "changed since, the session goes on only when every recorded step still exists and each\n"
    "answer still leads to the same step.  Sensitive answers were never recorded: the replay\n"
    "stops at the first one, which you ask again (later recorded answers are dropped).\n\n"
    "Options:\n"
    "  --agent NAME       who continues (default: $USER)\n"
    "  --tree FILE        the tree file to use (default: the recorded path, else the library)\n"
    "  --trees DIR        the tree library (default: $DTREE_TREES, else the bundled trees)\n"
    "  --db PATH          the database (default: $DTREE_DB, else "
    "$XDG_DATA_HOME/dtree/sessions.db)\n"
    "  --json             print events as JSON Lines on stdout, as 'dtree run --json'\n"
    "  --take-over        take the session although another agent still holds it (that agent\n"
    "                     is gone for good: another machine that crashed); recorded\n"
    "  -h, --help         this help\n\n" EXIT_HELP_RESUME;

typedef struct res_opts {
    const char *id, *agent, *tree, *trees, *db;
    int json, take_over;
} res_opts;

static int parse(int argc, char **argv, res_opts *o)
{
    static const char *const names[] = {"--agent", "--tree", "--trees", "--db"};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help"))
            return fputs(resume_help, stdout), -1;
        if (!strcmp(a, "--json") || !strcmp(a, "--take-over")) {
            *(a[2] == 'j' ? &o->json : &o->take_over) = 1;
            continue;
        }
        if (a[0] != '-') {
            if (o->id)
                return rd_eprintf("resume: one session id only, not also '%s'", a), EXIT_USAGE;
            o->id = a;
            continue;
        }
        const char **dst[] = {&o->agent, &o->tree, &o->trees, &o->db};
        size_t k = 0;
        for (; k < 4 && strcmp(a, names[k]) != 0; k++)
            ;
        if (k == 4)
            return rd_eprintf("resume: unknown option '%s'; see 'dtree help resume'", a),
                   EXIT_USAGE;
        if (i + 1 >= argc)
            return rd_eprintf("resume: missing value after '%s'", a), EXIT_USAGE;
        *dst[k] = argv[++i];
    }
    if (!o->id)
        return rd_eprintf("resume: which session? give its id (see 'dtree sessions --active')"),
               EXIT_USAGE;
    return 0;
}

typedef struct found {
    char id[37], tree_id[256], path[4096];
    sm_history hist; /* the call before this hand-off, for the screens and the summary */
} found;

static int probe(void *user, const dt_rec_session *s)
{
    found *f = user;
    snprintf(f->tree_id, sizeof f->tree_id, "%s", s->tree_id);
    snprintf(f->path, sizeof f->path, "%s", s->tree_path);
    return 1;
}

/* The full id, tree id and recorded tree path of the session. */
static int find_session(const res_opts *o, found *f)
{
    dt_recorder *rec = NULL;
    int rc = rh_open_query(o->db, &rec);
    if (rc)
        return rc;
    dt_error *err = dt_error_new();
    dt_status st = dt_recorder_lookup(rec, o->id, f->id, err);
    if (st == DT_OK)
        st = dt_recorder_get(rec, f->id, probe, f, err);
    if (st == DT_OK)
        ho_load(rec, f->id, &f->hist); /* best effort: without it the summary is shorter */
    if (st != DT_OK)
        rd_eprintf("resume: %s", dt_error_count(err) ? dt_error_get(err, 0)->message
                                                     : dt_status_str(st));
    dt_error_free(err);
    dt_recorder_close(rec);
    return st == DT_OK ? 0 : st == DT_ENOMEM ? EXIT_INTERNAL
                                             : EXIT_FAIL;
}

static int load_tree(const res_opts *o, const found *f, dt_tree **t, dt_error *err)
{
    char *libdir = NULL, *path = NULL;
    const char *source = NULL;
    if (o->tree)
        path = strdup(o->tree);
    else if (f->path[0] && access(f->path, R_OK) == 0)
        path = strdup(f->path);
    else if ((libdir = lib_dir(o->trees, &source)) != NULL)
        path = lib_find(libdir, f->tree_id);
    if (!path) {
        rd_eprintf("resume: the tree '%s' is not at %s any more and not in the library; give "
                   "--tree FILE", f->tree_id, f->path);
        free(libdir);
        return EXIT_TREE;
    }
    dt_load_options lo;
    dt_load_options_init(&lo);
    dt_status st = dt_tree_load_file(path, &lo, t, err);
    if (st != DT_OK)
        rd_eprintf("resume: %s", dt_error_count(err) ? dt_error_text(err) : dt_status_str(st));
    free(path);
    free(libdir);
    return st == DT_OK ? 0 : st == DT_ENOMEM ? EXIT_INTERNAL
                                             : EXIT_TREE;
}

static int run_resumed(run_ctx *c, const res_opts *o, found *f)
{
    rh_recording *r = NULL;
    int rc = rh_resume(o->db, f->id, c->tree, c->agent, o->take_over, &c->s, &r);
    if (rc)
        return rc;
    if (o->json && !(c->json = js_new(stdout)))
        return rh_end(r, EXIT_INTERNAL);
    if (c->json) {
        js_session(c->json, c->tree, c->agent, c->tty ? "agent" : "scripted");
        rh_chain(r, js_observer, c->json);
    }
    c->start_ms = run_now_ms();
    c->session_id = f->id;
    c->history = &f->hist;
    if (sm_baseline_defaults(&c->base, c->tree) != 0)
        return rh_end(r, EXIT_INTERNAL);
    if (c->tty && c->show) {   /* the colleague taking over has not seen the call so far */
        rd_text(&c->scr, RD_BOLD, "Path so far\n");
        sm_path_with(&c->scr, c->s, &f->hist);
    }
    rc = run_finish(c, run_loop(c, r), NULL);
    run_tell_resume(c, r, rc);
    return rh_end(r, rc);
}

int cmd_resume(int argc, char **argv)
{
    res_opts o;
    run_ctx c;
    found f;
    memset(&o, 0, sizeof o);
    memset(&c, 0, sizeof c);
    memset(&f, 0, sizeof f);
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    c.agent = o.agent ? o.agent : run_default_agent();
    c.db_opt = o.db;
    if (!(c.err = dt_error_new()))
        return EXIT_INTERNAL;
    if ((rc = find_session(&o, &f)) == 0 && (rc = load_tree(&o, &f, &c.tree, c.err)) == 0) {
        run_setup_io(&c, o.json);
        rc = run_resumed(&c, &o, &f);
        run_free_shown(&c);
        in_close();
    }
    sm_baseline_free(&c.base);
    sm_history_free(&f.hist);
    dt_session_free(c.s);
    dt_tree_free(c.tree);
    dt_error_free(c.err);
    js_free(c.json);
    return rc;
}
