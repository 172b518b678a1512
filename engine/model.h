/*
 * model.h — the compact in-memory model the loader builds and the session walks (internal).
 * Everything is stored in flat arrays indexed by uint32_t; strings live once in a string table and
 * are referenced by offset (dt_str); step references are resolved to step indices at load time.
 * Invariant after a successful load: every index stored in the model is in range.
 */
#ifndef DTREE_ENGINE_MODEL_H
#define DTREE_ENGINE_MODEL_H

#include "dtree.h"
#include "strtab.h"
#include <stdint.h>

#define M_NONE UINT32_MAX

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
    uint32_t cond;           /* index into conds, M_NONE: always (otherwise / unconditional) */
    uint32_t first_set, nsets;
    uint8_t audience;
    dt_pos pos;
} dt_choice_rec;

typedef struct dt_input_rec {
    uint8_t type;            /* dt_var_type, copied from the variable */
    uint8_t required;
    uint8_t has_min, has_max; /* 1: min/max hold the bound; 2 (dates): "today", read from the
                                 session clock when an answer is checked */
    double min, max;         /* number: value; date: yyyymmdd as a number; text: length */
    dt_str pattern;          /* source, "" when none */
    struct dt_pattern *re;   /* compiled pattern or NULL; owned by tree->regexes, shared by inputs
                                with the same pattern (pattern.h) */
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
    uint32_t var;            /* input: variable collected; call: result variable (M_NONE) */
    uint32_t input;          /* input: index into inputs */
    dt_str outcome;          /* end */
} dt_step_rec;

enum {
    M_SENS_DECLARED = 1,
    M_SENS_DERIVED = 2
};

typedef struct dt_var_rec {
    dt_str name;
    uint8_t type;            /* dt_var_type */
    uint8_t sensitive;       /* 0, M_SENS_DECLARED, or M_SENS_DERIVED (taint.c) */
    uint8_t has_default;
    uint8_t internal;        /* internal="true": a helper, left out of case summaries */
    dt_str def;              /* default as text */
    dt_str label;            /* label="..." for people ("Fix attempts"); 0 ("") when none */
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
    uint32_t handoff_to;     /* step or M_NONE */
    uint32_t start;          /* step index */
    uint32_t first_step, nsteps;
    uint8_t kiosk;
    uint8_t unread;          /* partial loads: the file could not be read, its steps are not checked */
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
    dt_vec regexes;  /* dt_pattern *, one per distinct pattern of a file */
    char hash_hex[17];
    /* step lookup: open addressing over (unit, id offset) -> step index */
    uint32_t *step_index;
    uint32_t step_index_cap;
    /* variable lookup by name offset */
    uint32_t *var_index;
    uint32_t var_index_cap;
};

/* Typed accessors: the model is read through these so that indices are checked in debug builds. */
#define M_VEC_AT(v, T, i) (&((T *)(v).data)[(i)])
#define M_STEP(t, i) M_VEC_AT((t)->steps, dt_step_rec, i)
#define M_CHOICE(t, i) M_VEC_AT((t)->choices, dt_choice_rec, i)
#define M_SAY(t, i) M_VEC_AT((t)->says, dt_text_rec, i)
#define M_SET(t, i) M_VEC_AT((t)->sets, dt_set_rec, i)
#define M_INPUT(t, i) M_VEC_AT((t)->inputs, dt_input_rec, i)
#define M_OPTION(t, i) (*M_VEC_AT((t)->options, dt_str, i))
#define M_VAR(t, i) M_VEC_AT((t)->vars, dt_var_rec, i)
#define M_COND(t, i) M_VEC_AT((t)->conds, dt_cond_rec, i)
#define M_UNIT(t, i) M_VEC_AT((t)->units, dt_unit_rec, i)

/* Append one zeroed record of `size` bytes; returns it, or NULL when out of memory. */
void *dt_vec_push(dt_vec *v, size_t size);
void dt_vec_free(dt_vec *v);

/* The string behind an offset (never NULL). */
#define M_S(t, off) dt_strtab_get(&(t)->strs, (off))

/* Lookups (M_NONE when absent); the tables are built by dt_tree_index. */
uint32_t dt_tree_find_step(const dt_tree *t, uint32_t unit, const char *id);
uint32_t dt_tree_find_var(const dt_tree *t, const char *name);
/* The file (unit) whose tree id is `tree_id`; M_NONE when none or tree_id is NULL (linear in the
 * number of files, at most LOAD_MAX_FILES).  dt_tree_file_find is its public form. */
uint32_t dt_tree_unit_find(const dt_tree *t, const char *tree_id);
uint32_t dt_tree_find_var_n(const dt_tree *t, const char *name, size_t len);
/* Derived secrets (taint.c): a variable given a value by a <set> whose expression reads a
 * sensitive variable becomes sensitive too (M_SENS_DERIVED), transitively.  0, or -1 when out of
 * memory.  dt_taint_reason names one set that made var v derived and the sensitive variable it read
 * (M_NONE when v is not derived). */
int dt_tree_taint(dt_tree *t);
void dt_taint_reason(const dt_tree *t, uint32_t v, uint32_t *set, uint32_t *from);
/* Build both lookup tables (linear); DT_ENOMEM on failure. */
dt_status dt_tree_index(dt_tree *t);

/* An empty tree (all zero), or NULL when out of memory; dt_tree_free frees it and all it owns. */
dt_tree *dt_tree_alloc(void);

#endif
