/*
 * tree.c — the tree object: allocation, lookup tables and the public metadata accessors.
 * Lookups are open-addressing tables over interned offsets, built once after loading (linear).
 */
#include "cond.h"
#include "mem.h"
#include "model.h"
#include "pattern.h"
#include "value.h"
#include <stdio.h>
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
        dt_cond_free(M_COND(t, i)->comp);
    for (uint32_t i = 0; i < t->regexes.len; i++)
        dt_pattern_free(*M_VEC_AT(t->regexes, dt_pattern *, i));
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

/* The hash key of record i: a step by (unit, id), a variable by its name. */
static uint32_t step_key(const dt_tree *t, uint32_t i)
{
    const dt_step_rec *s = M_STEP(t, i);
    return mix(s->unit, s->id);
}

static uint32_t var_key(const dt_tree *t, uint32_t i)
{
    return mix(0, M_VAR(t, i)->name);
}

/* One open-addressing table of n record indices (M_NONE = empty), replacing *tab and *cap. */
static dt_status build_index(const dt_tree *t, uint32_t n, uint32_t (*key)(const dt_tree *, uint32_t),
                             uint32_t **tab_out, uint32_t *cap_out)
{
    uint32_t cap = table_cap(n);
    uint32_t *tab = dt_malloc((size_t)cap * sizeof *tab);
    if (!tab)
        return DT_ENOMEM;
    memset(tab, 0xff, (size_t)cap * sizeof *tab);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t j = key(t, i) & (cap - 1);
        while (tab[j] != M_NONE)
            j = (j + 1) & (cap - 1);
        tab[j] = i;
    }
    dt_free(*tab_out);
    *tab_out = tab;
    *cap_out = cap;
    return DT_OK;
}

dt_status dt_tree_index(dt_tree *t)
{
    dt_status st = build_index(t, t->steps.len, step_key, &t->step_index, &t->step_index_cap);
    return st ? st : build_index(t, t->vars.len, var_key, &t->var_index, &t->var_index_cap);
}

uint32_t dt_tree_find_step(const dt_tree *t, uint32_t unit, const char *id)
{
    dt_str off = dt_strtab_find(&t->strs, id, strlen(id));
    if (off == UINT32_MAX || !t->step_index)
        return M_NONE;
    uint32_t cap = t->step_index_cap;
    for (uint32_t j = mix(unit, off) & (cap - 1); t->step_index[j] != M_NONE; j = (j + 1) & (cap - 1)) {
        const dt_step_rec *s = M_STEP(t, t->step_index[j]);
        if (s->unit == unit && s->id == off)
            return t->step_index[j];
    }
    return M_NONE;
}

uint32_t dt_tree_find_var(const dt_tree *t, const char *name)
{
    return dt_tree_find_var_n(t, name, strlen(name));
}

uint32_t dt_tree_find_var_n(const dt_tree *t, const char *name, size_t len)
{
    dt_str off = dt_strtab_find(&t->strs, name, len);
    if (off == UINT32_MAX || !t->var_index)
        return M_NONE;
    uint32_t cap = t->var_index_cap;
    for (uint32_t j = mix(0, off) & (cap - 1); t->var_index[j] != M_NONE; j = (j + 1) & (cap - 1))
        if (M_VAR(t, t->var_index[j])->name == off)
            return t->var_index[j];
    return M_NONE;
}

static const dt_unit_rec *root(const dt_tree *t)
{
    return (t && t->units.len) ? M_UNIT(t, 0) : NULL;
}

#define ROOT_STR(field)             \
    const dt_unit_rec *u = root(t); \
    return u ? M_S(t, u->field) : ""

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
    return (t && i < t->units.len) ? M_S(t, M_UNIT(t, i)->path) : NULL;
}

/* ---- names of kinds, generated from the lists in dtree.h ---- */

#define STEP_NAME(e, name, interactive) name,
#define STEP_INTERACTIVE(e, name, interactive) interactive,
#define EVENT_NAME(e, name) name,
#define COUNT(a) (sizeof(a) / sizeof(a)[0])
static const char *const step_names[] = {DT_STEP_KIND_LIST(STEP_NAME)};
static const unsigned char step_interactive[] = {DT_STEP_KIND_LIST(STEP_INTERACTIVE)};
static const char *const event_names[] = {DT_EVENT_KIND_LIST(EVENT_NAME)};
static const char *const outcome_names[] = {DT_OUTCOME_LIST(EVENT_NAME)};

const char *dt_step_kind_name(dt_step_kind k)
{
    return (unsigned)k < COUNT(step_names) ? step_names[k] : "unknown";
}

int dt_step_kind_is_interactive(dt_step_kind k)
{
    return (unsigned)k < COUNT(step_interactive) && step_interactive[k];
}

dt_status dt_step_kind_from_name(const char *name, dt_step_kind *out)
{
    for (size_t i = 0; name && i < COUNT(step_names); i++)
        if (strcmp(name, step_names[i]) == 0) {
            if (out)
                *out = (dt_step_kind)i;
            return DT_OK;
        }
    return DT_ENOTFOUND;
}

const char *dt_event_kind_name(dt_event_kind k)
{
    return (unsigned)k < COUNT(event_names) ? event_names[k] : "unknown";
}

const char *dt_outcome_name(dt_outcome o)
{
    return (unsigned)o < COUNT(outcome_names) ? outcome_names[o] : "unknown";
}

dt_outcome dt_outcome_of(const char *word)
{
    for (size_t i = 0; word && i < COUNT(outcome_names); i++)
        if (strcmp(word, outcome_names[i]) == 0)
            return (dt_outcome)i;
    return DT_OUTCOME_OTHER;
}

uint32_t dt_tree_unit_find(const dt_tree *t, const char *tree_id)
{
    for (uint32_t u = 0; t && tree_id && u < t->units.len; u++)
        if (strcmp(M_S(t, M_UNIT(t, u)->id), tree_id) == 0)
            return u;
    return M_NONE;
}

size_t dt_tree_file_find(const dt_tree *t, const char *tree_id)
{
    uint32_t u = dt_tree_unit_find(t, tree_id);
    return u == M_NONE ? DT_NPOS : u;
}

/* Public lookups for clients of the API (the recorder): by name, through the variable index. */
int dt_tree_var_sensitive(const dt_tree *t, const char *name)
{
    uint32_t v = t && name ? dt_tree_find_var(t, name) : M_NONE;
    return v != M_NONE && M_VAR(t, v)->sensitive;
}

const char *dt_tree_var_default(const dt_tree *t, const char *name)
{
    uint32_t v = t && name ? dt_tree_find_var(t, name) : M_NONE;
    if (v == M_NONE || !M_VAR(t, v)->has_default)
        return NULL;
    const dt_var_rec *r = M_VAR(t, v);
    return dt_value_display((dt_var_type)r->type, M_S(t, r->def));
}

/* ---- lookups for readers of recordings (which name steps by tree id and step id) ---------- */

static uint32_t step_by_ids(const dt_tree *t, const char *tree_id, const char *step_id)
{
    uint32_t u;
    if (!t || !tree_id || !step_id || (u = dt_tree_unit_find(t, tree_id)) == M_NONE)
        return M_NONE;
    return dt_tree_find_step(t, u, step_id);
}

const char *dt_tree_step_title(const dt_tree *t, const char *tree_id, const char *step_id)
{
    uint32_t i = step_by_ids(t, tree_id, step_id);
    return i == M_NONE ? NULL : M_S(t, M_STEP(t, i)->title);
}

size_t dt_tree_decide_why(const dt_tree *t, const char *tree_id, const char *step_id,
                          const char *to_tree, const char *to_step, char *buf, size_t size)
{
    uint32_t a = step_by_ids(t, tree_id, step_id), b = step_by_ids(t, to_tree, to_step);
    size_t n = 0;
    if (!buf || size == 0 || a == M_NONE || b == M_NONE || M_STEP(t, a)->kind != DT_STEP_DECIDE)
        return 0;
    buf[0] = '\0';
    const dt_step_rec *s = M_STEP(t, a);
    for (uint32_t c = s->first_choice; c < s->first_choice + s->nchoices && n < size; c++) {
        const dt_choice_rec *ch = M_CHOICE(t, c);
        if (ch->to != b)
            continue;
        const char *test = ch->cond == M_NONE ? "otherwise" : M_S(t, M_COND(t, ch->cond)->src);
        int w = snprintf(buf + n, size - n, "%s%s", n ? " or " : "", test);
        n = w < 0 ? n : n + (size_t)w;
    }
    return n < size ? n : size - 1;
}
