/*
 * fuzz_graph.c — libFuzzer harness for graph output (engine/graph.c): dot and Mermaid, with and
 * without heat.  The input is a tree file loaded from memory (and, when it names a tree, a second
 * time from DIR/fuzz.xml with calls, so there are several clusters).  Heat comes from a session
 * walked with the input's trailing bytes, counted from its events the way `graph --heat` counts
 * recorded ones, plus a drop-off where the walk stopped.  Every output must pass
 * fz_graph_problem (fuzz_graphcheck.h): author text stays inside its quotes, no control character.
 */
#define _GNU_SOURCE
#include "fuzz_graphcheck.h"

#include <stdint.h>
#include <unistd.h>

static const char *dir, *self;

static void count_event(void *user, const dt_event *ev)
{
    dt_graph_heat *h = user;
    if (ev->kind == DT_EV_STEP)
        (void)dt_graph_heat_add(h, ev->tree_id, ev->step_id, NULL, 1);
    else if (ev->kind == DT_EV_ANSWER && ev->choice_id)
        (void)dt_graph_heat_add(h, ev->tree_id, ev->step_id, ev->choice_id, 1);
}

/* A short walk: choose by the input's bytes, continue, type a value. */
static void walk_heat(const dt_tree *t, dt_graph_heat *h, const uint8_t *data, size_t size)
{
    dt_session *s = NULL;
    if (dt_session_new(t, &s, NULL) != DT_OK)
        return;
    dt_session_set_observer(s, count_event, h);
    dt_session_set_clock(s, fz_clock, NULL);
    fz_bytes b = {data, size};
    if (dt_session_start(s, NULL) == DT_OK) {
        for (int i = 0; i < 24 && b.left; i++) {
            const dt_view *v = dt_session_view(s);
            unsigned k = fz_byte(&b);
            if (v->kind == DT_STEP_QUESTION)
                (void)dt_session_choose(s, k % (v->choice_count + 1), NULL);
            else if (v->kind == DT_STEP_INFO)
                (void)dt_session_continue(s, NULL);
            else if (v->kind == DT_STEP_INPUT)
                (void)dt_session_input(s, k & 1 ? "1" : "yes", NULL);
            else if (k & 1)
                (void)dt_session_back(s, NULL);
        }
        const dt_view *v = dt_session_view(s);
        (void)dt_graph_heat_add_dropoff(h, v->tree_id, v->step_id, 1 + (size & 7));
        (void)dt_graph_heat_add(h, NULL, v->step_id, NULL, (uint64_t)1 << 40);
    }
    dt_session_set_observer(s, NULL, NULL);
    dt_session_free(s);
}

static void graph_all(const dt_tree *t, const uint8_t *data, size_t size)
{
    dt_graph_heat *h = dt_graph_heat_new(t);
    FZ_CHECK(h != NULL);
    walk_heat(t, h, data, size);
    for (int k = 0; k < 4; k++) {
        fz_buf b = {0};
        int mermaid = k & 1;
        dt_status st = dt_tree_graph(t, mermaid ? DT_GRAPH_MERMAID : DT_GRAPH_DOT, k & 2 ? h : NULL,
                                     fz_buf_write, &b, NULL);
        FZ_CHECK(st == DT_OK && b.p);
        fz_check_graph(b.p, b.len, mermaid);
        free(b.p);
    }
    dt_graph_heat_free(h);
}

static void load_and_graph(const uint8_t *data, size_t size, const char *name, unsigned flags)
{
    dt_load_options o;
    dt_load_options_init(&o);
    o.max_bytes = 64 * 1024;
    o.flags = flags;
    o.library_dir = flags ? NULL : dir;
    dt_tree *t = NULL;
    dt_status st = dt_tree_load_memory((const char *)data, size, name, &o, &t, NULL);
    FZ_CHECK((st == DT_OK) == (t != NULL));
    if (t)
        graph_all(t, data, size);
    dt_tree_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    load_and_graph(data, size, "fuzz.xml", DT_LOAD_NO_CALLS);
    if (size > 6 && memmem(data, size, "tree=", 5)) {
        if (!dir) {
            dir = fz_scratch_dir("graph");
            self = fz_scratch_path("fuzz.xml");
        }
        fz_write_file(self, data, size);
        load_and_graph(data, size, self, 0);
    }
    return 0;
}
