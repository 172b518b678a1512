/*
 * cmd_graph.c — `dtree graph TREE [--format dot|mermaid] [--heat [--db PATH]]`: print the tree as
 * a picture description.  With --heat the counts come from the recording database (found as by
 * every manager command): steps entered, choices taken, and where abandoned or timed-out sessions
 * stopped (drop-off).
 */
#include "commands.h"
#include "exitcodes.h"
#include "library.h"
#include "opts.h"
#include "record_hook.h"
#include "render.h"

#include "dtree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "Usage: dtree graph [OPTIONS] TREE\n"
    "Print TREE (a file, or an id in the library) as Graphviz dot or Mermaid.\n"
    "Render with e.g.  dtree graph front-door | dot -Tsvg > front-door.svg\n\n"
    "  --format dot|mermaid  output language (default dot)\n"
    "  --heat                shade steps and widen edges by the traffic recorded in the\n"
    "                        database; steps where sessions were abandoned are marked\n"
    "                        \"drop-off N\"\n"
    "  --db PATH             the database for --heat (default: $DTREE_DB, else\n"
    "                        $XDG_DATA_HOME/dtree/sessions.db); --heat=PATH is the same\n"
    "  --trees DIR           the tree library (default $DTREE_TREES or the bundled trees)\n"
    "  -o FILE               write to FILE instead of standard output\n"
    "  -h, --help            this help\n\n" EXIT_HELP_GRAPH;

typedef struct graph_opts {
    const char *tree, *db, *trees, *out;
    int heat;
    dt_graph_format fmt;
} graph_opts;

static int write_file(void *ud, const char *s, size_t n)
{
    return fwrite(s, 1, n, ud) == n ? 0 : -1;
}

/* --format VALUE: the value is what is wrong when it is not a known language. */
static int set_format(graph_opts *o, const char *v)
{
    if (!strcmp(v, "dot"))
        o->fmt = DT_GRAPH_DOT;
    else if (!strcmp(v, "mermaid"))
        o->fmt = DT_GRAPH_MERMAID;
    else
        return rd_eprintf("graph: --format is dot or mermaid, not '%s' (for SVG: dtree graph "
                          "TREE | dot -Tsvg)", v), -2;
    return 0;
}

/* One option at argv[*i]: 0 done, -2 usage error (printed). */
static int parse_opt(int argc, char **argv, int *i, graph_opts *o)
{
    static const char *const names[] = {"--format", "--db", "--trees", "-o"};
    const char *v = NULL;
    if (!strcmp(argv[*i], "--heat"))
        return o->heat = 1, 0;
    if (!strncmp(argv[*i], "--heat=", 7)) /* the database, like --db */
        return o->heat = 1, o->db = argv[*i] + 7, 0;
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        int r = opt_value(argc, argv, i, names[k], &v);
        if (r < 0)
            return rd_eprintf("graph: missing value after '%s'", names[k]), -2;
        if (r == 0)
            continue;
        if (k == 0)
            return set_format(o, v);
        *(k == 1 ? &o->db : k == 2 ? &o->trees : &o->out) = v;
        return 0;
    }
    return rd_eprintf("graph: unknown option '%s'; see 'dtree graph --help'", argv[*i]), -2;
}

static int parse_args(int argc, char **argv, graph_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int rc = 0;
        if (!strcmp(a, "-h") || !strcmp(a, "--help"))
            return fputs(usage_text, stdout), -1;
        if (a[0] == '-' && a[1])
            rc = parse_opt(argc, argv, &i, o);
        else if (!o->tree)
            o->tree = a;
        else
            return rd_eprintf("graph: one TREE only (got '%s' and '%s')", o->tree, a), -2;
        if (rc)
            return rc;
    }
    if (!o->tree)
        return rd_eprintf("graph: no TREE given; see 'dtree graph --help'"), -2;
    return 0;
}

static dt_tree *load(const graph_opts *o)
{
    char *path = NULL, *dir = NULL;
    const char *source = NULL;
    if (lib_is_path(o->tree) || access(o->tree, R_OK) == 0)
        path = strdup(o->tree);
    else if ((dir = lib_dir(o->trees, &source)) != NULL)
        path = lib_find(dir, o->tree);
    dt_tree *t = NULL;
    dt_error *err = dt_error_new();
    if (!path) {
        rd_eprintf("graph: no tree '%s'%s%s", o->tree, dir ? " in " : "", dir ? dir : "");
    } else if (dt_tree_load_file(path, NULL, &t, err) != DT_OK) {
        for (size_t i = 0; i < dt_error_count(err); i++) {
            char buf[1024];
            dt_diag_format(dt_error_get(err, i), buf, sizeof buf);
            rd_eprintf("%s", buf);
        }
    }
    dt_error_free(err);
    free(path);
    free(dir);
    return t;
}

typedef struct heat_ctx {
    dt_graph_heat *heat;
    const char *tree_id;
} heat_ctx;

static int on_event(void *user, const dt_rec_session *s, const dt_rec_event *ev)
{
    heat_ctx *h = user;
    (void)s;
    dt_rec_kind k = dt_rec_kind_from_name(ev->kind);
    if (k == DT_RK_STEP)
        dt_graph_heat_add(h->heat, ev->tree_id, ev->step_id, NULL, 1);
    if (k == DT_RK_STEP && ev->choice_id[0]) /* a decide's step names its branch */
        dt_graph_heat_add(h->heat, ev->tree_id, ev->step_id, ev->choice_id, 1);
    else if (k == DT_RK_ANSWER && ev->choice_id[0])
        dt_graph_heat_add(h->heat, ev->tree_id, ev->step_id, ev->choice_id, 1);
    return 0;
}

static int on_session(void *user, const dt_rec_session *s)
{
    heat_ctx *h = user;
    dt_rec_status st = DT_REC_ACTIVE; /* a status no dtree records: no drop-off */
    if (dt_rec_status_from_name(s->status, &st) != DT_OK) return 0;
    if ((st == DT_REC_ABANDONED || st == DT_REC_TIMED_OUT) && s->last_step[0])
        dt_graph_heat_add_dropoff(h->heat, s->last_tree, s->last_step, 1);
    return 0;
}

/* Counts from the recordings of this tree (by tree id) in the database (--db, $DTREE_DB or the
 * default, as for every manager command).  NULL and *rc set on failure (printed). */
static dt_graph_heat *load_heat(const dt_tree *t, const char *db, int *rc)
{
    dt_recorder *rec = NULL;
    if ((*rc = rh_open_query(db, &rec)) != 0)
        return NULL;
    dt_error *err = dt_error_new();
    heat_ctx h = {dt_graph_heat_new(t), dt_tree_id(t)};
    dt_rec_filter f;
    dt_rec_filter_init(&f);
    f.tree = h.tree_id;
    if (!err || !h.heat || dt_recorder_events(rec, &f, on_event, &h, err) != DT_OK ||
        dt_recorder_list(rec, &f, on_session, &h, err) != DT_OK) {
        rd_eprintf("graph: --heat: %s", err ? dt_error_text(err) : "out of memory");
        dt_graph_heat_free(h.heat);
        h.heat = NULL;
        *rc = err ? EXIT_IO : EXIT_INTERNAL;
    }
    dt_recorder_close(rec);
    dt_error_free(err);
    return h.heat;
}

int cmd_graph(int argc, char **argv)
{
    graph_opts o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc == -1 ? EXIT_OK : EXIT_USAGE;
    dt_tree *t = load(&o);
    if (!t)
        return EXIT_TREE;
    dt_graph_heat *heat = o.heat ? load_heat(t, o.db, &rc) : NULL;
    FILE *out = !rc && o.out ? fopen(o.out, "w") : stdout;
    if (rc)
        ; /* --heat failed: said why */
    else if (!out)
        rd_eprintf("graph: cannot write %s", o.out), rc = EXIT_IO;
    else if (dt_tree_graph(t, o.fmt, heat, write_file, out, NULL) != DT_OK || fflush(out) != 0)
        rd_eprintf("graph: could not write the graph"), rc = EXIT_IO;
    if (out && out != stdout)
        fclose(out);
    dt_graph_heat_free(heat);
    dt_tree_free(t);
    return rc;
}
