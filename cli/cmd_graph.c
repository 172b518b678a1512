/*
 * cmd_graph.c — `dtree graph TREE [--format dot|mermaid] [--heat DB]`: print the tree as a picture
 * description.  With --heat the counts come from a recording database: steps entered, choices
 * taken, and where abandoned or timed-out sessions stopped (drop-off).
 */
#include "commands.h"
#include "exitcodes.h"
#include "library.h"
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
    "  --heat DB             shade steps and widen edges by the traffic recorded in DB;\n"
    "                        steps where sessions were abandoned are marked \"drop-off N\"\n"
    "  --trees DIR           the tree library (default $DTREE_TREES or the bundled trees)\n"
    "  -o FILE               write to FILE instead of standard output\n"
    "  -h, --help            this help\n\n"
    "Exit status: 0 ok, 2 usage, 3 tree not found or not loadable, 4 I/O error.\n";

typedef struct graph_opts {
    const char *tree, *heat, *trees, *out;
    dt_graph_format fmt;
} graph_opts;

static int write_file(void *ud, const char *s, size_t n)
{
    return fwrite(s, 1, n, ud) == n ? 0 : -1;
}

static int parse_args(int argc, char **argv, graph_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (!strcmp(a, "-h") || !strcmp(a, "--help"))
            return fputs(usage_text, stdout), -1;
        if (!strcmp(a, "--format") && more && !strcmp(argv[i + 1], "dot"))
            o->fmt = DT_GRAPH_DOT, i++;
        else if (!strcmp(a, "--format") && more && !strcmp(argv[i + 1], "mermaid"))
            o->fmt = DT_GRAPH_MERMAID, i++;
        else if (!strcmp(a, "--heat") && more)
            o->heat = argv[++i];
        else if (!strcmp(a, "--trees") && more)
            o->trees = argv[++i];
        else if (!strcmp(a, "-o") && more)
            o->out = argv[++i];
        else if (a[0] == '-' && a[1])
            return rd_eprintf("graph: unknown or incomplete option '%s'; see 'dtree graph --help'", a), -2;
        else if (!o->tree)
            o->tree = a;
        else
            return rd_eprintf("graph: one TREE only"), -2;
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
    if (!strcmp(ev->kind, "step"))
        dt_graph_heat_add(h->heat, ev->tree_id, ev->step_id, NULL, 1);
    else if (!strcmp(ev->kind, "answer") && ev->choice_id[0])
        dt_graph_heat_add(h->heat, ev->tree_id, ev->step_id, ev->choice_id, 1);
    return 0;
}

static int on_session(void *user, const dt_rec_session *s)
{
    heat_ctx *h = user;
    if ((!strcmp(s->status, "abandoned") || !strcmp(s->status, "timed_out")) && s->last_step[0])
        dt_graph_heat_add_dropoff(h->heat, s->last_tree, s->last_step, 1);
    return 0;
}

/* Counts from the recordings of this tree (by tree id) in database `db`. */
static dt_graph_heat *load_heat(const dt_tree *t, const char *db)
{
    dt_recorder *rec = NULL;
    dt_error *err = dt_error_new();
    heat_ctx h = {dt_graph_heat_new(t), dt_tree_id(t)};
    dt_rec_filter f;
    dt_rec_filter_init(&f);
    f.tree = h.tree_id;
    if (!err || !h.heat || dt_recorder_open(db, DT_REC_READONLY, &rec, err) != DT_OK ||
        dt_recorder_events(rec, &f, on_event, &h, err) != DT_OK ||
        dt_recorder_list(rec, &f, on_session, &h, err) != DT_OK) {
        rd_eprintf("graph: --heat %s: %s", db, err ? dt_error_text(err) : "out of memory");
        dt_graph_heat_free(h.heat);
        h.heat = NULL;
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
        return rc == -1 ? DT_EXIT_OK : DT_EXIT_USAGE;
    dt_tree *t = load(&o);
    if (!t)
        return DT_EXIT_TREE;
    dt_graph_heat *heat = o.heat ? load_heat(t, o.heat) : NULL;
    FILE *out = o.out ? fopen(o.out, "w") : stdout;
    rc = DT_EXIT_OK;
    if (o.heat && !heat)
        rc = DT_EXIT_IO;
    else if (!out)
        rd_eprintf("graph: cannot write %s", o.out), rc = DT_EXIT_IO;
    else if (dt_tree_graph(t, o.fmt, heat, write_file, out, NULL) != DT_OK || fflush(out) != 0)
        rd_eprintf("graph: could not write the graph"), rc = DT_EXIT_IO;
    if (out && out != stdout)
        fclose(out);
    dt_graph_heat_free(heat);
    dt_tree_free(t);
    return rc;
}
