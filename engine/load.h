/*
 * load.h — the loader's internal state, shared by load.c (driver), load_sax.c (the SAX pass),
 * load_steps.c (element handlers) and load_resolve.c (references, variables, calls).  Step references are stored
 * as interned ids while a file is read and turned into step indices when the file ends; variable
 * references are checked against the file's declarations at the same point.
 */
#ifndef DTREE_ENGINE_LOAD_H
#define DTREE_ENGINE_LOAD_H

#include "error.h"
#include "model.h"
#include "xmlin.h"

#define LOAD_MAX_FILES 256
#define LOAD_MAX_TEXT (64u * 1024)
#define LOAD_MAX_EXPR 4096
#define LOAD_MAX_PATTERN 512
#define LOAD_MAX_STEPS 16777215u

/* These lists are laid out by hand, several entries a line (clang-format would staircase them). */
/* clang-format off */
/* The elements of the tree format, each once: X(NAME, "name").  The step elements are the step
 * kinds (S is applied to DT_STEP_KIND_LIST), so a new kind is a new element.  Which children and
 * attributes each element takes is the table in load_sax.c; its handler is in load_steps.c. */
#define ELEM_LIST(X, S)                                                                            \
    X(TREE, "tree") X(DESCRIPTION, "description") X(HANDOFF, "handoff") X(VAR, "var")              \
    DT_STEP_KIND_LIST(S)                                                                           \
    X(SAY, "say") X(NOTE, "note") X(SET, "set") X(CHOICE, "choice") X(RETRY, "retry")              \
    X(OPTION, "option") X(WHEN, "when") X(OTHERWISE, "otherwise")

/* The attributes of the tree format, each once: X(NAME, "name"). */
#define ATTR_LIST(X)                                                                               \
    X(ID, "id") X(TITLE, "title") X(VERSION, "version") X(LANG, "lang") X(START, "start")          \
    X(TAGS, "tags") X(KIOSK, "kiosk") X(TO, "to") X(NAME, "name") X(TYPE, "type")                 \
    X(VALUE, "value") X(SENSITIVE, "sensitive") X(NEXT, "next") X(AUDIENCE, "audience")          \
    X(VAR, "var") X(PATTERN, "pattern") X(REQUIRED, "required") X(MIN, "min") X(MAX, "max")       \
    X(TEST, "test") X(WHEN, "when") X(TREE, "tree") X(RESULT, "result") X(OUTCOME, "outcome")   \
    X(LABEL, "label") X(INTERNAL, "internal")
/* clang-format on */

#define E_ENUM_(e, name) E_##e,
#define E_STEP_ENUM_(e, name, interactive) E_##e,
enum dt_elem { ELEM_LIST(E_ENUM_, E_STEP_ENUM_) E_COUNT, E_UNKNOWN = E_COUNT };
#define A_ENUM_(a, name) A_##a,
enum dt_attr { ATTR_LIST(A_ENUM_) A_COUNT };
/* Sets of elements and of attributes are bit masks. */
_Static_assert(E_COUNT <= 32 && A_COUNT <= 32, "element and attribute sets fit in 32 bits");

/* The step elements as a mask, and the step kind of each element. */
#define E_STEP_BIT_(e, name, interactive) | (1u << E_##e)
#define E_STEPS (0u DT_STEP_KIND_LIST(E_STEP_BIT_))

extern const char *const dt_elem_names[E_COUNT];
extern const char *const dt_attr_names[A_COUNT];

/* Interned id -> index, open addressing; key 0 ("") is never stored and marks empty slots. */
typedef struct dt_idmap {
    uint64_t *slots;   /* key << 32 | value */
    uint32_t cap, count;
} dt_idmap;

/* 1 and *old when the key was present (nothing changed), 0 when inserted, -1 out of memory. */
int dt_idmap_put(dt_idmap *m, dt_str key, uint32_t val, uint32_t *old);
uint32_t dt_idmap_get(const dt_idmap *m, dt_str key); /* M_NONE when absent */
void dt_idmap_free(dt_idmap *m);

/* The attributes of the element being handled. */
typedef struct dt_attrs {
    const char *v[A_COUNT];   /* NULL when absent; NUL-terminated, valid during dt_on_start */
    uint32_t len[A_COUNT];    /* strlen(v[a]) when present */
    dt_xpos pos[A_COUNT];
    dt_pos tag;               /* the '<' of the element */
} dt_attrs;

typedef struct dt_frame {
    uint8_t elem;             /* dt_elem, E_UNKNOWN for a skipped subtree */
    uint8_t text_err;         /* text-not-allowed already reported here */
    uint8_t notes, retries, otherwise, after_otherwise;
    uint32_t index;           /* step, choice, ... record this frame fills */
    uint32_t text_start;      /* offset into the text buffer */
    uint32_t nsets_before;    /* step frames: the step's own sets waiting in the scratch */
    dt_pos pos;
} dt_frame;

typedef struct dt_pending { /* a variable name used before (or without) its declaration */
    dt_str name;
    dt_pos pos;
    uint8_t what;             /* 0 interpolation, 1 expression, 2 attribute */
} dt_pending;

typedef struct dt_inputfix { /* an input step's checks that need the variable's type */
    uint32_t input, step;
    dt_str var, min, max;
    dt_pos pos, minpos, maxpos, patpos;
} dt_inputfix;

typedef struct dt_callfix { /* a call or jump to another file, resolved once every file is read */
    uint32_t step, unit, callee;
    dt_str start, result;
    dt_pos pos;
    uint8_t is_jump;
} dt_callfix;

typedef struct dt_fileinfo {
    char *real;               /* realpath, for loading each file once */
    char *display;            /* as shown in messages */
    uint8_t loaded, ok;
} dt_fileinfo;

#define LOAD_SCACHE 4096
#define LOAD_SCACHE_LEN 27
typedef struct dt_scache { /* one slot of the short-string cache (see dt_load_intern) */
    uint32_t hash;
    dt_str str;
    uint8_t len;
    char s[LOAD_SCACHE_LEN];
} dt_scache;

typedef struct dt_loader {
    dt_tree *t;
    dt_error *err;
    size_t max_bytes;
    unsigned flags;
    const char *library_dir;  /* option, borrowed */
    char *root;               /* realpath of the library root, computed on first call */
    int root_failed;
    int oom;                  /* stop everything, return DT_ENOMEM */
    size_t nerrors;           /* errors added by this load */
    dt_status first;
    dt_fileinfo files[LOAD_MAX_FILES];
    uint32_t nfiles;
    dt_idmap gvars;           /* every declared variable: name -> var index */
    dt_vec callfix;           /* dt_callfix */
    /* the file being read */
    uint32_t unit;
    const char *file;         /* display path for messages */
    dt_xmlin *in;
    int xml_failed;           /* libxml2 reported an error in this file */
    dt_idmap fvars;           /* variables declared in this file */
    dt_vec pending;           /* dt_pending */
    dt_vec inputfix;          /* dt_inputfix */
    dt_idmap exprs;           /* this file's expression sources -> cond index (compiled once) */
    dt_idmap patterns;        /* this file's patterns -> first input step using it */
    dt_str auto_ids[16];      /* "1".."16", interned on first use */
    uint32_t first_set, first_cond, first_callfix, first_choice;
    int saw_root, saw_description, saw_handoff;
    dt_str start_id;
    dt_pos start_pos, root_pos, handoff_pos;
    unsigned suggestions;     /* "did you mean" searches made in this file (bounded) */
    dt_frame stack[XMLIN_MAX_DEPTH + 8];
    int depth;
    char *tbuf;               /* text of the open text elements */
    size_t tlen, tcap;
    char *abuf;               /* the attribute values of the element being handled */
    size_t acap;
    dt_vec stepsets;          /* dt_set_rec of the open step, appended when it ends */
    dt_scache *scache;        /* NULL until first used (or when out of memory: no cache) */
    char *scratch;            /* for values being validated */
    size_t scap;
} dt_loader;

/* Report an error at a position (pos may be NULL: no position).  Returns `code`. */
dt_status dt_load_error(dt_loader *L, dt_status code, const dt_pos *pos, const char *check,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Out of memory: remember it, return DT_ENOMEM. */
dt_status dt_load_oom(dt_loader *L);
/* Intern s[0..n); 0 on success, -1 (and L->oom) when out of memory. */
int dt_load_intern(dt_loader *L, const char *s, size_t n, dt_str *out);
/* Store a text that is never looked up (say, note, label, title), without interning it. */
int dt_load_text(dt_loader *L, const char *s, size_t n, dt_str *out);
/* Position of attribute `a`'s value, or of the element when the attribute is absent. */
dt_pos dt_attr_pos(const dt_attrs *at, int a);

/* load_sax.c: parse the file `in` reads and build its records (errors reported, L->xml_failed set
 * when libxml2 complained). */
void dt_load_parse(dt_loader *L, dt_xmlin *in);

/* load_steps.c: element handlers, called by the SAX pass in document order. */
void dt_on_start(dt_loader *L, dt_frame *f, dt_frame *parent, dt_attrs *at);
void dt_on_end(dt_loader *L, dt_frame *f, dt_frame *parent);

/* load_resolve.c */
/* Compile an expression attribute into a new cond record; M_NONE on error (reported). */
uint32_t dt_load_cond(dt_loader *L, const dt_attrs *at, int a);
/* Check `{name}` syntax in `text` (not in the string table) and queue its names for the file end. */
void dt_load_check_interp(dt_loader *L, const char *text, const dt_pos *pos, const char *where);
/* Record a step (its id is checked for duplicates in the file) or a variable declaration. */
void dt_load_declare_step(dt_loader *L, uint32_t step, const dt_pos *pos);
void dt_load_declare_var(dt_loader *L, const dt_var_rec *v);
/* Register a file of the bundle (takes both strings); its unit index or M_NONE. */
uint32_t dt_load_add_file(dt_loader *L, char *real, char *display);
/* Note a variable name used at pos (checked when the file ends). */
void dt_load_use_var(dt_loader *L, dt_str name, const dt_pos *pos, uint8_t what);
/* Resolve the references of the file just read (steps, variables, inputs). */
void dt_load_file_end(dt_loader *L);
/* The file just read failed (XML, I/O): clear the references it left unresolved and mark it unread,
 * so a partial tree (DT_LOAD_PARTIAL) holds only indices in range or M_NONE. */
void dt_load_file_unread(dt_loader *L);
/* Input steps: options, min and max against the variable's type. */
void dt_load_check_inputs(dt_loader *L);
/* Find or queue the file a call names; the unit index or M_NONE (error reported). */
uint32_t dt_load_callee(dt_loader *L, const char *tree_attr, const dt_pos *pos);
/* After every file: calls into other files, lookup tables, the bundle hash. */
void dt_load_bundle_end(dt_loader *L);
/* The file's step id closest to `id` (for "did you mean"), or 0 ("") when none is close. */
dt_str dt_load_suggest(dt_loader *L, uint32_t unit, const char *id);

#endif
