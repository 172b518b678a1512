/*
 * cmd_run.c — `dtree run`: options, finding and loading the tree, the step loop, the end.
 * The loop only shows the engine's current view, reads a line and hands it to run_handle();
 * the walk itself (conditions, variables, calls) is the engine's.  Exit codes: exitcodes.h.
 */
#define _XOPEN_SOURCE 700
#include "commands.h"
#include "exitcodes.h"
#include "opts.h"
#include "input.h"
#include "library.h"
#include "record_hook.h"
#include "run.h"
#include "summary.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char run_help[] =
    "Usage: dtree run [TREE] [OPTIONS]\n"
    "Walk a decision tree with a caller, step by step: what to say, what to ask, where each\n"
    "answer leads, until the call ends with an outcome and a case summary.\n\n"
    "TREE is a tree file (a path with '/' or ending in .xml) or a tree id looked up in the tree\n"
    "library.  Without TREE, the library's trees are listed to pick from.\n\n"
    "Options:\n"
    "  --agent NAME       your name, for the summary and the record (default: $USER)\n"
    "  --var NAME=VALUE   set a variable before the start (repeatable); refused for a\n"
    "                     sensitive variable: a command line is visible to other users\n"
    "  --var-env NAME=ENV set variable NAME from the environment variable ENV, which dtree\n"
    "                     then wipes and unsets (the way to pass a sensitive value)\n"
    "  --trees DIR        the tree library (default: $DTREE_TREES, else the bundled trees)\n"
    "  --json             print events as JSON Lines on stdout (docs/json-events.md); the\n"
    "                     screen goes to stderr on a terminal and is left out otherwise\n"
    "  --summary FILE     also write the case summary to FILE\n"
    "  --db PATH          record the session in this database (default: $DTREE_DB, else\n"
    "                     $XDG_DATA_HOME/dtree/sessions.db)\n"
    "  --no-record        do not record the session\n"
    "  -h, --help         this help\n\n"
    "At each step: answer with a number or part of a label (Tab completes), or a command:\n"
    "back, restart, note TEXT, history, vars, help, quit.  Ctrl-C clears the line; Ctrl-D\n"
    "offers to quit.  When stdin is not a terminal, each line is one answer and a plain\n"
    "transcript goes to stdout (errors to stderr).  With stdout redirected from a terminal\n"
    "(dtree run TREE > call.log), the screen stays on the terminal and the file gets the\n"
    "plain transcript.\n\n" EXIT_HELP_RUN;

typedef struct run_opts {
    const char *tree, *agent, *trees, *summary, *db;
    int json, no_record;
    char **vars;          /* --var and --var-env in the order given */
    unsigned char *from_env;   /* per vars[i]: 1 for --var-env */
    size_t nvars;
} run_opts;

static int usage_error(const char *what, const char *arg)
{
    rd_eprintf("run: %s '%s'; see 'dtree help run'", what, arg);
    return EXIT_USAGE;
}

static int parse_one(int argc, char **argv, int *i, run_opts *o)
{
    static const char *const names[] = {"--agent", "--var", "--trees", "--summary", "--db",
                                        "--var-env"};
    const char *val = NULL;
    size_t k;
    int r;

    if (strcmp(argv[*i], "--json") == 0) { o->json = 1; return 0; }
    if (strcmp(argv[*i], "--no-record") == 0) { o->no_record = 1; return 0; }
    for (k = 0; k < sizeof names / sizeof names[0]; k++) {
        if ((r = opt_value(argc, argv, i, names[k], &val)) == 0) continue;
        if (r < 0) return usage_error("missing value after", names[k]);
        if (k == 0) o->agent = val;
        else if (k == 2) o->trees = val;
        else if (k == 3) o->summary = val;
        else if (k == 4) o->db = val;
        else if (!strchr(val, '=') || val[0] == '=')
            return usage_error(k == 1 ? "--var needs NAME=VALUE, not" : "--var-env needs NAME=ENV, not",
                               val);
        else {
            o->from_env[o->nvars] = k == 5;
            o->vars[o->nvars++] = (char *)val;
        }
        return 0;
    }
    return usage_error("unknown option", argv[*i]);
}

/* 0: run; -1: help printed; else an exit code. */
static int parse(int argc, char **argv, run_opts *o)
{
    int i, rc, dashdash = 0;

    for (i = 1; i < argc; i++) {
        if (!dashdash && (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)) {
            fputs(run_help, stdout);
            return -1;
        }
        if (!dashdash && strcmp(argv[i], "--") == 0) dashdash = 1;
        else if (!dashdash && argv[i][0] == '-' && argv[i][1] != '\0') {
            if ((rc = parse_one(argc, argv, &i, o)) != 0) return rc;
        } else if (o->tree) return usage_error("more than one tree given:", argv[i]);
        else o->tree = argv[i];
    }
    return 0;
}

static int print_load_errors(dt_error *err, dt_status st)
{
    char buf[2048];
    size_t i, n = dt_error_count(err);

    for (i = 0; i < n; i++) {
        const dt_diag *d = dt_error_get(err, i);
        if (d->severity != DT_SEV_ERROR) continue;
        dt_diag_format(d, buf, sizeof buf);
        rd_eprintf("%s", buf);
    }
    if (dt_error_errors(err) == 0) rd_eprintf("the tree could not be loaded: %s", dt_status_str(st));
    return st == DT_ENOMEM ? EXIT_INTERNAL : EXIT_TREE;
}

/* Find the tree file: a path as given, an id in the library, or the picker's choice. */
static int locate(run_ctx *c, const run_opts *o, char **path, char **libdir)
{
    const char *source = NULL;
    rd_screen err_scr;

    *path = NULL;
    *libdir = NULL;
    if (o->tree && lib_is_path(o->tree)) return (*path = strdup(o->tree)) ? 0 : EXIT_INTERNAL;
    if (!(*libdir = lib_dir(o->trees, &source))) {
        if (source)
            rd_eprintf("the tree library %s (from %s) is not a directory",
                       source[0] == '-' ? o->trees : getenv("DTREE_TREES"), source);
        else rd_eprintf("no tree library found: give a tree file, --trees DIR or DTREE_TREES");
        return EXIT_TREE;
    }
    if (!o->tree) {
        rd_screen_init(&err_scr, stderr, 1);
        return run_pick(c->show ? &c->scr : &err_scr, *libdir, path);
    }
    if ((*path = lib_find(*libdir, o->tree)) != NULL) return 0;
    if (access(o->tree, R_OK) == 0) return (*path = strdup(o->tree)) ? 0 : EXIT_INTERNAL;
    rd_eprintf("no tree '%s' in %s (run 'dtree run' without a tree to see the list)", o->tree,
               *libdir);
    return EXIT_TREE;
}

static int load(run_ctx *c, const run_opts *o)
{
    char *path, *libdir;
    dt_load_options lo;
    dt_status st;
    int rc = locate(c, o, &path, &libdir);

    if (rc == 0) {
        dt_load_options_init(&lo);
        lo.library_dir = (libdir && o->tree && !lib_is_path(o->tree)) || (libdir && !o->tree)
                             ? libdir : NULL;
        st = dt_tree_load_file(path, &lo, &c->tree, c->err);
        if (st != DT_OK) rc = print_load_errors(c->err, st);
    }
    free(path);
    free(libdir);
    return rc;
}

/* The value of --var-env's ENV, copied; the original is wiped where it lies (so that it leaves
 * /proc/PID/environ too) and unset.  NULL when ENV is not set (or out of memory: *oom set). */
static char *take_env(const char *env, int *oom)
{
    char *v = getenv(env), *copy;

    *oom = 0;
    if (!v) return NULL;
    if (!(copy = strdup(v))) *oom = 1;
    memset(v, 0, strlen(v));
    unsetenv(env);
    return copy;
}

static void wipe_free(char *s)
{
    if (s) memset(s, 0, strlen(s));
    free(s);
}

/* Why one --var or --var-env was refused; never shows a sensitive value.  `rest` is VALUE or ENV. */
static int var_refused(run_ctx *c, const char *name, const char *rest, int from_env, int secret,
                       dt_status st)
{
    const char *env = from_env ? rest : NULL;
    const char *why = dt_error_count(c->err) ? dt_error_get(c->err, 0)->message : dt_status_str(st);
    if (secret)
        rd_eprintf("run: %s %s: the value%s%s does not fit the variable (its type or pattern)",
                   env ? "--var-env" : "--var", name, env ? " in " : "", env ? env : "");
    else
        rd_eprintf("run: %s %s=%s: %s", env ? "--var-env" : "--var", name, rest, why);
    return EXIT_USAGE;
}

/* One --var NAME=VALUE (env == NULL) or --var-env NAME=ENV; `name` is NUL-terminated. */
static int set_one(run_ctx *c, const char *name, const char *rest, int from_env)
{
    int secret = dt_tree_var_sensitive(c->tree, name), oom = 0, rc = 0;
    char *value;
    dt_status st;

    if (secret && !from_env) {
        rd_eprintf("run: --var %s=...: '%s' is sensitive, and a command line can be read by other "
                   "users (ps, /proc) and stays in the shell history; pass it in the environment "
                   "instead: --var-env %s=ENV (dtree reads ENV, then wipes and unsets it)",
                   name, name, name);
        return EXIT_USAGE;
    }
    value = from_env ? take_env(rest, &oom) : strdup(rest);
    if (!value) {
        if (oom || !from_env) return EXIT_INTERNAL;
        rd_eprintf("run: --var-env %s=%s: the environment variable %s is not set", name, rest, rest);
        return EXIT_USAGE;
    }
    dt_error_clear(c->err);
    st = dt_session_set_var(c->s, name, value, c->err);
    if (st == DT_ENOMEM)
        rc = EXIT_INTERNAL;
    else if (st != DT_OK) rc = var_refused(c, name, rest, from_env, secret, st);
    wipe_free(value);
    return rc;
}

static int set_vars(run_ctx *c, const run_opts *o)
{
    size_t i;
    int rc;

    for (i = 0; i < o->nvars; i++) {
        char *eq = strchr(o->vars[i], '=');
        *eq = '\0';
        rc = set_one(c, o->vars[i], eq + 1, o->from_env[i]);
        *eq = '=';
        if (rc != 0) return rc;
    }
    return 0;
}

/* Recording (on unless --no-record) observes the session first and passes every event on to the
 * JSON writer; without recording the JSON writer observes directly. */
static int observe(run_ctx *c, const run_opts *o, rh_recording **rec)
{
    int rc;
    const char *mode = c->tty ? "agent" : "scripted";

    if (!o->no_record && (rc = rh_begin(o->db, c->s, c->tree, c->agent, mode, rec)) != 0)
        return rc;
    c->session_id = *rec ? rh_id(*rec) : NULL; /* into the case summary */
    if (c->json) {
        if (*rec) rh_chain(*rec, js_observer, c->json);
        else dt_session_set_observer(c->s, js_observer, c->json);
        js_session(c->json, c->tree, c->agent, mode);
    }
    return 0;
}

static int start(run_ctx *c, const run_opts *o, rh_recording **rec)
{
    dt_status st;
    int rc;

    if (dt_session_new(c->tree, &c->s, c->err) != DT_OK) return EXIT_INTERNAL;
    if (sm_baseline_take(&c->base, c->s) != 0) return EXIT_INTERNAL; /* before --var */
    if ((rc = set_vars(c, o)) != 0 || (rc = observe(c, o, rec)) != 0) return rc;
    c->start_ms = rh_started_ms(*rec, run_now_ms());
    dt_error_clear(c->err);
    if ((st = dt_session_start(c->s, c->err)) != DT_OK) {
        rd_eprintf("%s", dt_error_count(c->err) ? dt_error_text(c->err) : dt_status_str(st));
        if (c->json) js_error(c->json, "runtime", dt_error_text(c->err), NULL);
        return st == DT_ENOMEM ? EXIT_INTERNAL : EXIT_FAIL;
    }
    return 0;
}

int cmd_run(int argc, char **argv)
{
    run_opts o;
    run_ctx c;
    rh_recording *rec = NULL;
    int rc;

    memset(&o, 0, sizeof o);
    memset(&c, 0, sizeof c);
    o.vars = calloc((size_t)argc, sizeof *o.vars);
    o.from_env = calloc((size_t)argc, 1);
    if (!o.vars || !o.from_env)
        rc = EXIT_INTERNAL;
    else rc = parse(argc, argv, &o);
    if (rc != 0) {
        free(o.vars);
        free(o.from_env);
        return rc < 0 ? EXIT_OK : rc;
    }
    c.agent = o.agent ? o.agent : run_default_agent();
    c.db_opt = o.db;
    run_setup_io(&c, o.json);
    if (!(c.err = dt_error_new()) || (o.json && !(c.json = js_new(stdout)))) rc = EXIT_INTERNAL;
    if (rc == 0) rc = load(&c, &o);
    if (rc == 0 && (rc = start(&c, &o, &rec)) == 0) {
        rc = run_finish(&c, run_loop(&c, rec), o.summary);
        run_tell_resume(&c, rec, rc);
    } else if (c.json) js_exit(c.json, "failed", NULL, rc);
    rc = rh_end(rec, rc);
    run_free_shown(&c);
    sm_baseline_free(&c.base);
    in_close();
    dt_session_free(c.s);
    dt_tree_free(c.tree);
    dt_error_free(c.err);
    js_free(c.json);
    free(o.vars);
    free(o.from_env);
    return rc;
}
