/*
 * coverage.c — which steps and choices scenario runs (and random walks) visited, per tree file.
 * Files are keyed by their resolved path, so runs of different scenario files that load the same
 * tree (directly or through calls) add up.  A file's steps are stored in load order, which is the
 * order of the file, so indices agree between loads of the same bytes (checked by hash).
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "mem.h"
#include "scenario.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cov_item {
    char *name;        /* "step" or "step/choice" */
    uint32_t line;
    uint8_t hit;
} cov_item;

typedef struct cov_file {
    char *path, *key;
    uint64_t hash;
    uint32_t nsteps, nchoices;
    cov_item *steps;
    cov_item *choices;
    uint32_t *first_choice;   /* per local step: index of its first choice; nsteps + 1 entries */
} cov_file;

struct dt_coverage {
    cov_file *files;
    size_t n, cap;
};

dt_coverage *dt_coverage_new(void)
{
    return dt_calloc(1, sizeof(dt_coverage));
}

static void free_items(cov_item *it, uint32_t n)
{
    for (uint32_t i = 0; it && i < n; i++)
        dt_free(it[i].name);
    dt_free(it);
}

void dt_coverage_free(dt_coverage *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free_items(c->files[i].steps, c->files[i].nsteps);
        free_items(c->files[i].choices, c->files[i].nchoices);
        dt_free(c->files[i].first_choice);
        dt_free(c->files[i].path);
        dt_free(c->files[i].key);
    }
    dt_free(c->files);
    dt_free(c);
}

static char *choice_name(const dt_tree *t, uint32_t step, uint32_t k)
{
    const dt_step_rec *s = M_STEP(t, step);
    const dt_choice_rec *ch = M_CHOICE(t, s->first_choice + k);
    char buf[300];
    if (s->kind == DT_STEP_QUESTION)
        snprintf(buf, sizeof buf, "%s/%s", M_S(t, s->id), M_S(t, ch->id));
    else if (ch->cond == M_NONE)
        snprintf(buf, sizeof buf, "%s/otherwise", M_S(t, s->id));
    else
        snprintf(buf, sizeof buf, "%s/when %u", M_S(t, s->id), k + 1);
    return dt_strdup(buf);
}

/* Fill file f from unit u of t; 0 or -1 (out of memory; the caller frees what was made). */
static int fill_file(cov_file *f, const dt_tree *t, uint32_t u)
{
    const dt_unit_rec *un = M_UNIT(t, u);
    f->nsteps = un->nsteps;
    for (uint32_t i = 0; i < un->nsteps; i++)
        f->nchoices += M_STEP(t, un->first_step + i)->nchoices;
    f->steps = dt_calloc(f->nsteps + 1, sizeof *f->steps);
    f->choices = dt_calloc(f->nchoices + 1, sizeof *f->choices);
    f->first_choice = dt_calloc(f->nsteps + 1, sizeof *f->first_choice);
    if (!f->steps || !f->choices || !f->first_choice)
        return -1;
    uint32_t c = 0;
    for (uint32_t i = 0; i < un->nsteps; i++) {
        uint32_t g = un->first_step + i;
        const dt_step_rec *s = M_STEP(t, g);
        f->first_choice[i] = c;
        f->steps[i] = (cov_item){dt_strdup(M_S(t, s->id)), s->pos.line, 0};
        if (!f->steps[i].name)
            return -1;
        for (uint32_t k = 0; k < s->nchoices; k++, c++) {
            f->choices[c] = (cov_item){choice_name(t, g, k), M_CHOICE(t, s->first_choice + k)->pos.line, 0};
            if (!f->choices[c].name)
                return -1;
        }
    }
    f->first_choice[un->nsteps] = c;
    return 0;
}

static char *file_key(const char *path)
{
    char buf[PATH_MAX];
    return dt_strdup(realpath(path, buf) ? buf : path);
}

/* Index of the coverage file for unit u of t, adding it when new; M_NONE when out of memory. */
static uint32_t file_for(dt_coverage *c, const dt_tree *t, uint32_t u)
{
    const dt_unit_rec *un = M_UNIT(t, u);
    char *key = file_key(M_S(t, un->path));
    if (!key)
        return M_NONE;
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->files[i].key, key) && c->files[i].hash == un->hash) {
            dt_free(key);
            return (uint32_t)i;
        }
    if (dt_grow((void **)&c->files, &c->cap, c->n + 1, sizeof *c->files) != 0) {
        dt_free(key);
        return M_NONE;
    }
    cov_file *f = &c->files[c->n];
    memset(f, 0, sizeof *f);
    f->key = key;
    f->hash = un->hash;
    f->path = dt_strdup(M_S(t, un->path));
    if (!f->path || fill_file(f, t, u) != 0) {
        c->n++; /* so that dt_coverage_free releases the partial entry */
        return M_NONE;
    }
    return (uint32_t)c->n++;
}

dt_status dt_coverage_add_tree(dt_coverage *c, const dt_tree *t)
{
    dt_cov_map m;
    if (!c || !t)
        return DT_EARG;
    if (dt_cov_map_init(&m, c, t) != 0)
        return DT_ENOMEM;
    dt_cov_map_free(&m);
    return DT_OK;
}

int dt_cov_map_init(dt_cov_map *m, dt_coverage *cov, const dt_tree *t)
{
    *m = (dt_cov_map){cov, t, NULL};
    if (!cov)
        return 0;
    m->file_of = dt_malloc((t->units.len + 1) * sizeof *m->file_of);
    if (!m->file_of)
        return -1;
    for (uint32_t u = 0; u < t->units.len; u++)
        if ((m->file_of[u] = file_for(cov, t, u)) == M_NONE)
            return dt_cov_map_free(m), -1;
    return 0;
}

void dt_cov_map_free(dt_cov_map *m)
{
    dt_free(m->file_of);
    m->file_of = NULL;
}

static void hit_choice(dt_cov_map *m, uint32_t step, uint32_t k)
{
    const dt_step_rec *s = M_STEP(m->t, step);
    cov_file *f = &m->cov->files[m->file_of[s->unit]];
    uint32_t local = step - M_UNIT(m->t, s->unit)->first_step;
    if (local < f->nsteps && f->first_choice[local] + k < f->nchoices)
        f->choices[f->first_choice[local] + k].hit = 1;
}

static void on_step(dt_cov_map *m, uint32_t g)
{
    const dt_step_rec *s = M_STEP(m->t, g);
    cov_file *f = &m->cov->files[m->file_of[s->unit]];
    uint32_t local = g - M_UNIT(m->t, s->unit)->first_step;
    if (local < f->nsteps)
        f->steps[local].hit = 1;
}

/* The branch or choice `choice_id` of step g was taken (a decide's STEP event names its branch). */
static void on_choice(dt_cov_map *m, uint32_t g, const char *choice_id)
{
    const dt_step_rec *s = M_STEP(m->t, g);
    for (uint32_t k = 0; choice_id && k < s->nchoices; k++)
        if (!strcmp(M_S(m->t, M_CHOICE(m->t, s->first_choice + k)->id), choice_id)) {
            hit_choice(m, g, k);
            return;
        }
}

void dt_cov_map_event(dt_cov_map *m, const dt_event *ev)
{
    if (!m->cov || (ev->kind != DT_EV_STEP && ev->kind != DT_EV_ANSWER))
        return;
    uint32_t u = dt_tree_unit_find(m->t, ev->tree_id);
    uint32_t g = u == M_NONE || !ev->step_id ? M_NONE : dt_tree_find_step(m->t, u, ev->step_id);
    if (g == M_NONE)
        return;
    if (ev->kind == DT_EV_STEP)
        on_step(m, g);
    if (ev->kind == DT_EV_STEP ? M_STEP(m->t, g)->kind == DT_STEP_DECIDE
                               : M_STEP(m->t, g)->kind == DT_STEP_QUESTION)
        on_choice(m, g, ev->choice_id);
}

size_t dt_coverage_file_count(const dt_coverage *c)
{
    return c ? c->n : 0;
}

dt_status dt_coverage_file_get(const dt_coverage *c, size_t i, dt_coverage_file *out)
{
    if (!c || i >= c->n || !out)
        return DT_EARG;
    const cov_file *f = &c->files[i];
    *out = (dt_coverage_file){f->path, f->nsteps, 0, f->nchoices, 0};
    for (uint32_t k = 0; k < f->nsteps; k++)
        out->steps_hit += f->steps[k].hit;
    for (uint32_t k = 0; k < f->nchoices; k++)
        out->choices_hit += f->choices[k].hit;
    return DT_OK;
}

const char *dt_coverage_missed(const dt_coverage *c, size_t i, size_t j, unsigned *line)
{
    if (!c || i >= c->n)
        return NULL;
    const cov_file *f = &c->files[i];
    for (uint32_t k = 0; k < f->nsteps; k++)
        if (!f->steps[k].hit && j-- == 0)
            return line ? *line = f->steps[k].line : 0, f->steps[k].name;
    for (uint32_t k = 0; k < f->nchoices; k++)
        if (!f->choices[k].hit && j-- == 0)
            return line ? *line = f->choices[k].line : 0, f->choices[k].name;
    return NULL;
}
