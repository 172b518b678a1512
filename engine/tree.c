/*
 * tree.c — the tree object: allocation, lookup tables and the public metadata accessors.
 * Lookups are open-addressing tables over interned offsets, built once after loading (linear).
 */
#include "cond.h"
#include "mem.h"
#include "model.h"
#include <string.h>

void *dt_vec_push(dt_vec *v, size_t size)
{
    size_t cap = v->cap;
    if (v->len == UINT32_MAX - 1 || dt_grow(&v->data, &cap, (size_t)v->len + 1, size) != 0)
        return NULL;
    v->cap = (uint32_t)cap;
    void *rec = (char *)v->data + (size_t)v->len * size;
    memset(rec, 0, size);
    v->len++;
    return rec;
}

void dt_vec_free(dt_vec *v)
{
    dt_free(v->data);
    memset(v, 0, sizeof *v);
}

dt_tree *dt_tree_alloc(void)
{
    dt_tree *t = dt_calloc(1, sizeof *t);
    if (t && dt_strtab_init(&t->strs) != 0) {
        dt_free(t);
        return NULL;
    }
    return t;
}

void dt_tree_free(dt_tree *t)
{
    if (!t)
        return;
    for (uint32_t i = 0; i < t->conds.len; i++)
        dt_cond_free(DT_COND(t, i)->comp);
    for (uint32_t i = 0; i < t->regexes.len; i++) {
        regex_t *re = *DT_VEC_AT(t->regexes, regex_t *, i);
        regfree(re);
        dt_free(re);
    }
    dt_vec *vecs[] = {&t->steps, &t->choices, &t->says, &t->sets, &t->inputs,
                      &t->options, &t->vars, &t->conds, &t->units, &t->regexes};
    for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++)
        dt_vec_free(vecs[i]);
    dt_free(t->step_index);
    dt_free(t->var_index);
    dt_strtab_free(&t->strs);
    dt_free(t);
}

static uint32_t mix(uint32_t unit, dt_str id)
{
    uint64_t h = ((uint64_t)unit << 32 | id) * 0x9e3779b97f4a7c15ULL;
    return (uint32_t)(h >> 32);
}

static uint32_t table_cap(uint32_t n)
{
    uint32_t cap = 16;
    while (cap < n * 2 + 1)
        cap *= 2;
    return cap;
}

static dt_status index_steps(dt_tree *t)
{
    uint32_t cap = table_cap(t->steps.len);
    uint32_t *tab = dt_malloc((size_t)cap * sizeof *tab);
    if (!tab)
        return DT_ENOMEM;
    memset(tab, 0xff, (size_t)cap * sizeof *tab);
    for (uint32_t i = 0; i < t->steps.len; i++) {
        const dt_step_rec *s = DT_STEP(t, i);
        uint32_t j = mix(s->unit, s->id) & (cap - 1);
        while (tab[j] != DT_NONE)
            j = (j + 1) & (cap - 1);
        tab[j] = i;
    }
    dt_free(t->step_index);
    t->step_index = tab;
    t->step_index_cap = cap;
    return DT_OK;
}

static dt_status index_vars(dt_tree *t)
{
    uint32_t cap = table_cap(t->vars.len);
    uint32_t *tab = dt_malloc((size_t)cap * sizeof *tab);
    if (!tab)
        return DT_ENOMEM;
    memset(tab, 0xff, (size_t)cap * sizeof *tab);
    for (uint32_t i = 0; i < t->vars.len; i++) {
        uint32_t j = mix(0, DT_VAR(t, i)->name) & (cap - 1);
        while (tab[j] != DT_NONE)
            j = (j + 1) & (cap - 1);
        tab[j] = i;
    }
    dt_free(t->var_index);
    t->var_index = tab;
    t->var_index_cap = cap;
    return DT_OK;
}

dt_status dt_tree_index(dt_tree *t)
{
    dt_status st = index_steps(t);
    return st ? st : index_vars(t);
}

uint32_t dt_tree_find_step(const dt_tree *t, uint32_t unit, const char *id)
{
    dt_str off = dt_strtab_find(&t->strs, id, strlen(id));
    if (off == UINT32_MAX || !t->step_index)
        return DT_NONE;
    uint32_t cap = t->step_index_cap;
    for (uint32_t j = mix(unit, off) & (cap - 1); t->step_index[j] != DT_NONE; j = (j + 1) & (cap - 1)) {
        const dt_step_rec *s = DT_STEP(t, t->step_index[j]);
        if (s->unit == unit && s->id == off)
            return t->step_index[j];
    }
    return DT_NONE;
}

uint32_t dt_tree_find_var(const dt_tree *t, const char *name)
{
    dt_str off = dt_strtab_find(&t->strs, name, strlen(name));
    if (off == UINT32_MAX || !t->var_index)
        return DT_NONE;
    uint32_t cap = t->var_index_cap;
    for (uint32_t j = mix(0, off) & (cap - 1); t->var_index[j] != DT_NONE; j = (j + 1) & (cap - 1))
        if (DT_VAR(t, t->var_index[j])->name == off)
            return t->var_index[j];
    return DT_NONE;
}

static const dt_unit_rec *root(const dt_tree *t)
{
    return (t && t->units.len) ? DT_UNIT(t, 0) : NULL;
}

#define ROOT_STR(field) \
    const dt_unit_rec *u = root(t); \
    return u ? DT_S(t, u->field) : ""

const char *dt_tree_id(const dt_tree *t) { ROOT_STR(id); }
const char *dt_tree_title(const dt_tree *t) { ROOT_STR(title); }
const char *dt_tree_version(const dt_tree *t) { ROOT_STR(version); }
const char *dt_tree_lang(const dt_tree *t) { ROOT_STR(lang); }
const char *dt_tree_description(const dt_tree *t) { ROOT_STR(description); }
const char *dt_tree_tags(const dt_tree *t) { ROOT_STR(tags); }
const char *dt_tree_path(const dt_tree *t) { ROOT_STR(path); }

const char *dt_tree_hash(const dt_tree *t)
{
    return t ? t->hash_hex : "";
}

int dt_tree_is_kiosk(const dt_tree *t)
{
    const dt_unit_rec *u = root(t);
    return u ? u->kiosk : 0;
}

size_t dt_tree_step_count(const dt_tree *t)
{
    return t ? t->steps.len : 0;
}

size_t dt_tree_file_count(const dt_tree *t)
{
    return t ? t->units.len : 0;
}

const char *dt_tree_file_path(const dt_tree *t, size_t i)
{
    return (t && i < t->units.len) ? DT_S(t, DT_UNIT(t, i)->path) : NULL;
}

static const char *const kind_names[] = {"question", "info", "input", "decide", "call", "jump", "end"};

const char *dt_step_kind_name(dt_step_kind k)
{
    return (unsigned)k < 7 ? kind_names[k] : "unknown";
}
