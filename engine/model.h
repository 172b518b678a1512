/*
 * model.h — the compact in-memory model the loader builds and the session walks (internal).
 * Everything is stored in flat arrays indexed by uint32_t; strings live once in a string table and
 * are referenced by offset (dt_str); step references are resolved to step indices at load time.
 * Invariant after a successful load: every index stored in the model is in range.
 */
#ifndef DT_MODEL_H
#define DT_MODEL_H

#include "dtree.h"
#include "strtab.h"
#include <regex.h>
#include <stdint.h>

#define DT_NONE UINT32_MAX

typedef struct dt_pos {
    uint32_t line, col;
} dt_pos;

typedef struct dt_text_rec { /* a <say> */
    dt_str text;
    uint8_t audience;        /* dt_audience */
} dt_text_rec;

typedef struct dt_set_rec {  /* <set var value> */
    uint32_t var;            /* index into vars */
    uint32_t expr;           /* index into conds */
} dt_set_rec;

typedef struct dt_choice_rec { /* a question's <choice>, or a decide's <when>/<otherwise> */
    dt_str id;               /* choice id; "" for decide branches */
    dt_str label;            /* "" for decide branches */
    uint32_t to;             /* step index */
    uint32_t cond;           /* index into conds, DT_NONE: always (otherwise / unconditional) */
    uint32_t first_set, nsets;
    uint8_t audience;
    dt_pos pos;
} dt_choice_rec;

typedef struct dt_input_rec {
    uint8_t type;            /* dt_var_type, copied from the variable */
    uint8_t required;
    uint8_t has_min, has_max;
    double min, max;         /* number: value; date: yyyymmdd as a number; text: length */
    dt_str pattern;          /* source, "" when none */
    regex_t *re;             /* compiled pattern or NULL; owned by tree->regexes, shared by inputs
                                with the same pattern */
    dt_str retry;
    uint32_t first_option, noptions; /* into options[] */
} dt_input_rec;

typedef struct dt_step_rec {
    dt_str id, title;
    uint8_t kind;            /* dt_step_kind */
    uint8_t audience;
    uint16_t unit;           /* file index */
    dt_pos pos;
    uint32_t first_say, nsay;
    dt_str note;
    uint32_t first_choice, nchoices;
    uint32_t first_set, nsets; /* computations on entry */
    uint32_t next;           /* info/input/call: next step; jump: target step */
    uint32_t target;         /* call: first step in the callee */
    uint32_t var;            /* input: variable collected; call: result variable (DT_NONE) */
    uint32_t input;          /* input: index into inputs */
    dt_str outcome;          /* end */
} dt_step_rec;

typedef struct dt_var_rec {
    dt_str name;
    uint8_t type;            /* dt_var_type */
    uint8_t sensitive;
    uint8_t has_default;
    dt_str def;              /* default as text */
    uint16_t unit;
    dt_pos pos;
} dt_var_rec;

typedef struct dt_cond_rec {
    dt_str src;              /* the expression text */
    void *comp;              /* xmlXPathCompExprPtr, owned by the tree */
    uint16_t unit;
    dt_pos pos;              /* of the attribute value's first character when known */
} dt_cond_rec;

typedef struct dt_unit_rec { /* one file of the bundle */
    dt_str path, id, title, version, lang, description, tags;
    dt_str handoff_text;
    uint32_t handoff_to;     /* step or DT_NONE */
    uint32_t start;          /* step index */
    uint32_t first_step, nsteps;
    uint8_t kiosk;
    uint64_t hash;           /* dt_hash64 of the file bytes */
} dt_unit_rec;

/* Growable array of fixed-size records; all allocation goes through dt_mem. */
typedef struct dt_vec {
    void *data;
    uint32_t len, cap;
} dt_vec;

struct dt_tree {
    dt_strtab strs;
    dt_vec steps;    /* dt_step_rec */
    dt_vec choices;  /* dt_choice_rec */
    dt_vec says;     /* dt_text_rec */
    dt_vec sets;     /* dt_set_rec */
    dt_vec inputs;   /* dt_input_rec */
    dt_vec options;  /* dt_str */
    dt_vec vars;     /* dt_var_rec */
    dt_vec conds;    /* dt_cond_rec */
    dt_vec units;    /* dt_unit_rec */
    dt_vec regexes;  /* regex_t *, one per distinct pattern of a file */
    char hash_hex[17];
    /* step lookup: open addressing over (unit, id offset) -> step index */
    uint32_t *step_index;
    uint32_t step_index_cap;
    /* variable lookup by name offset */
    uint32_t *var_index;
    uint32_t var_index_cap;
};

/* Typed accessors: the model is read through these so that indices are checked in debug builds. */
#define DT_VEC_AT(v, T, i) (&((T *)(v).data)[(i)])
#define DT_STEP(t, i) DT_VEC_AT((t)->steps, dt_step_rec, i)
#define DT_CHOICE(t, i) DT_VEC_AT((t)->choices, dt_choice_rec, i)
#define DT_SAY(t, i) DT_VEC_AT((t)->says, dt_text_rec, i)
#define DT_SET(t, i) DT_VEC_AT((t)->sets, dt_set_rec, i)
#define DT_INPUT(t, i) DT_VEC_AT((t)->inputs, dt_input_rec, i)
#define DT_OPTION(t, i) (*DT_VEC_AT((t)->options, dt_str, i))
#define DT_VAR(t, i) DT_VEC_AT((t)->vars, dt_var_rec, i)
#define DT_COND(t, i) DT_VEC_AT((t)->conds, dt_cond_rec, i)
#define DT_UNIT(t, i) DT_VEC_AT((t)->units, dt_unit_rec, i)

/* Append one zeroed record of `size` bytes; returns it, or NULL when out of memory. */
void *dt_vec_push(dt_vec *v, size_t size);
void dt_vec_free(dt_vec *v);

/* The string behind an offset (never NULL). */
#define DT_S(t, off) dt_strtab_get(&(t)->strs, (off))

/* Lookups (DT_NONE when absent); the tables are built by dt_tree_index. */
uint32_t dt_tree_find_step(const dt_tree *t, uint32_t unit, const char *id);
uint32_t dt_tree_find_var(const dt_tree *t, const char *name);
/* Build both lookup tables (linear); DT_ENOMEM on failure. */
dt_status dt_tree_index(dt_tree *t);

/* An empty tree (all zero), or NULL when out of memory; dt_tree_free frees it and all it owns. */
dt_tree *dt_tree_alloc(void);

#endif
