/*
 * dtree.h — libdtree, the interactive decision-tree engine.  This header is the manual.
 *
 * libdtree loads decision trees written in XML (docs/tree-format.md) and walks one conversation
 * ("session") through them step by step.  It never prints, never exits and never aborts: every
 * function that can fail returns a dt_status and, when the caller passes a dt_error, fills it with
 * the file, line, column and a message ready to print ("file:line:col: error: what is wrong").
 *
 * Ownership, once for all (each function repeats what applies to it):
 *   - every dt_x_new / dt_x_load has a dt_x_free; dt_x_free(NULL) does nothing;
 *   - `const char *` and `const struct *` results are borrowed: valid until the owning object is
 *     freed or changed by a non-const call on it;
 *   - strings passed in are copied; the caller keeps ownership of its arguments;
 *   - a dt_session borrows its dt_tree: free every session before its tree.
 * Threads: distinct objects may be used from distinct threads; one object from one thread at a time.
 * Process-wide state: dt_set_allocator, and the deny-all external-entity loader that the first load
 * installs in libxml2 (see dt_init).  The library never calls xmlCleanupParser().
 */
#ifndef DTREE_H
#define DTREE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define DT_API __attribute__((visibility("default")))
#else
#define DT_API
#endif

#define DT_VERSION "0.1.0"
#define DT_MAX_CALL_DEPTH 16

/* ---------------------------------------------------------------------------------------------
 * Status codes.  0 is success; every other value is an error whose details are in the dt_error.
 */
typedef enum dt_status {
    DT_OK = 0,
    DT_ENOMEM,     /* an allocation failed; every object stays valid and freeable */
    DT_EIO,        /* a file could not be opened or read (not found, not regular, too large) */
    DT_ESYNTAX,    /* the XML is not well-formed, not UTF-8, or uses a forbidden construct */
    DT_EINVALID,   /* well-formed XML that breaks the tree format (bad reference, missing attribute) */
    DT_ELIMIT,     /* a documented limit was exceeded (size, depth, attributes, call depth) */
    DT_EARG,       /* the caller passed a bad argument (NULL, index out of range) */
    DT_ESTATE,     /* the action does not apply now (continue on a question, answer after the end) */
    DT_EANSWER,    /* the answer was refused (no such choice, failed validation): ask again */
    DT_ERUNTIME,   /* a condition or computation failed while walking (also: call depth exceeded) */
    DT_ENOTFOUND   /* a named thing (step, variable, choice) does not exist */
} dt_status;

/* A short English name for a status ("out of memory"); static storage, never NULL. */
DT_API const char *dt_status_str(dt_status st);

/* ---------------------------------------------------------------------------------------------
 * Library set-up.
 */
typedef struct dt_allocator {
    void *(*malloc_fn)(size_t size);
    void *(*realloc_fn)(void *ptr, size_t size);
    void (*free_fn)(void *ptr);
} dt_allocator;

/* Route every allocation of the engine through `a` (NULL restores malloc/realloc/free).  Process-wide:
 * call it before creating any object, never while objects exist.  libxml2 allocates through its own
 * hook (xmlMemSetup), which this does not change. */
DT_API void dt_set_allocator(const dt_allocator *a);

/* Optional: initialise libxml2 and install a deny-all external entity loader for the process (loads do
 * this on first use).  Call it yourself first if other threads use libxml2 at the same time. */
DT_API void dt_init(void);

/* ---------------------------------------------------------------------------------------------
 * Errors and diagnostics.  A dt_error holds a list of diagnostics; the first error is the cause
 * of the failing call.  Loading reports every problem it finds, not only the first.
 */
typedef enum dt_severity { DT_SEV_ERROR = 0, DT_SEV_WARNING, DT_SEV_NOTE } dt_severity;

typedef struct dt_diag {
    dt_severity severity;
    dt_status code;
    const char *file;    /* path as given, or "<memory>"; never NULL */
    unsigned line;       /* 1-based; 0 when the problem has no position (e.g. file not found) */
    unsigned column;     /* 1-based; 0 when unknown */
    const char *check;   /* a check id such as "dangling-target"; "" when none */
    const char *message; /* "what is wrong (context)", no file or position prefix, never NULL */
} dt_diag;

typedef struct dt_error dt_error;

/* A new, empty error object; NULL when out of memory.  Free with dt_error_free. */
DT_API dt_error *dt_error_new(void);
DT_API void dt_error_free(dt_error *err);
/* Forget every diagnostic so the object can be reused. */
DT_API void dt_error_clear(dt_error *err);
/* Number of diagnostics held; entries are borrowed until the error is cleared or freed. */
DT_API size_t dt_error_count(const dt_error *err);
DT_API const dt_diag *dt_error_get(const dt_error *err, size_t i);
/* Number of diagnostics with severity DT_SEV_ERROR. */
DT_API size_t dt_error_errors(const dt_error *err);
/* The first error as one printable line "file:line:col: error: message [check]"; "" when none.
 * Borrowed until the error is cleared or freed. */
DT_API const char *dt_error_text(dt_error *err);
/* Format diagnostic `d` as one line (as dt_error_text) into buf (always NUL-terminated when
 * size > 0).  Returns the length it needed, like snprintf. */
DT_API size_t dt_diag_format(const dt_diag *d, char *buf, size_t size);

/* ---------------------------------------------------------------------------------------------
 * Trees.
 */
typedef struct dt_tree dt_tree;

typedef struct dt_load_options {
    size_t max_bytes;        /* per file; 0 means the default 16 MiB */
    const char *library_dir; /* calls may not leave this directory; NULL: the first file's directory */
    unsigned flags;          /* DT_LOAD_* */
} dt_load_options;

#define DT_LOAD_NO_CALLS 1u  /* do not load called trees; calls fail at run time (for single-file tools) */

/* Fill `o` with the defaults.  Always call it before setting fields (fields may be added). */
DT_API void dt_load_options_init(dt_load_options *o);

/* Load the tree in file `path` and, recursively, every tree it calls or jumps to.
 * On success *out owns a new tree (free with dt_tree_free) and err may still hold warnings.
 * On failure *out is NULL and err (when not NULL) holds every error found with its position.
 * opts may be NULL for defaults. */
DT_API dt_status dt_tree_load_file(const char *path, const dt_load_options *opts, dt_tree **out,
                                   dt_error *err);
/* The same from a buffer; `name` is used in messages and as the base for relative calls
 * (NULL: "<memory>", calls resolved against opts->library_dir or the current directory). */
DT_API dt_status dt_tree_load_memory(const char *data, size_t len, const char *name,
                                     const dt_load_options *opts, dt_tree **out, dt_error *err);
DT_API void dt_tree_free(dt_tree *tree);

/* Metadata of the root tree (the file loaded); borrowed from the tree, never NULL ("" if absent). */
DT_API const char *dt_tree_id(const dt_tree *tree);
DT_API const char *dt_tree_title(const dt_tree *tree);
DT_API const char *dt_tree_version(const dt_tree *tree);
DT_API const char *dt_tree_lang(const dt_tree *tree);
DT_API const char *dt_tree_description(const dt_tree *tree);
DT_API const char *dt_tree_tags(const dt_tree *tree);   /* space-separated */
DT_API const char *dt_tree_path(const dt_tree *tree);
/* Hex digest (16 chars, a 64-bit content hash, not cryptographic) of the bytes of every file in the
 * bundle: changes when any file does.  Recordings keep it to notice a changed tree. */
DT_API const char *dt_tree_hash(const dt_tree *tree);
/* 1 when the tree says kiosk="true". */
DT_API int dt_tree_is_kiosk(const dt_tree *tree);
/* Steps over the whole bundle (root file first). */
DT_API size_t dt_tree_step_count(const dt_tree *tree);
/* Number of files in the bundle and the path of file i (0 is the root). */
DT_API size_t dt_tree_file_count(const dt_tree *tree);
DT_API const char *dt_tree_file_path(const dt_tree *tree, size_t i);

/* ---------------------------------------------------------------------------------------------
 * Sessions: one conversation walking a tree.
 */
typedef struct dt_session dt_session;

typedef enum dt_step_kind {
    DT_STEP_QUESTION = 0,
    DT_STEP_INFO,
    DT_STEP_INPUT,
    DT_STEP_DECIDE,
    DT_STEP_CALL,
    DT_STEP_JUMP,
    DT_STEP_END
} dt_step_kind;

typedef enum dt_var_type {
    DT_VAR_TEXT = 0,
    DT_VAR_NUMBER,
    DT_VAR_BOOLEAN,
    DT_VAR_DATE,
    DT_VAR_EMAIL,
    DT_VAR_PHONE,
    DT_VAR_CHOICE
} dt_var_type;

typedef enum dt_audience { DT_AUD_ALL = 0, DT_AUD_AGENT, DT_AUD_CUSTOMER } dt_audience;

/* Names used in files and output: "question", "number", "agent", ... (static, never NULL). */
DT_API const char *dt_step_kind_name(dt_step_kind k);
DT_API const char *dt_var_type_name(dt_var_type t);

typedef struct dt_text_view {
    const char *text;      /* interpolated; sensitive values appear as "••••" */
    dt_audience audience;
} dt_text_view;

typedef struct dt_choice_view {
    const char *id;        /* the choice id ("1", "2", ... when the author gave none) */
    const char *label;     /* interpolated label */
    dt_audience audience;
} dt_choice_view;

/* What the current step shows.  Borrowed from the session until its next non-const call.  Only
 * interactive steps are ever current: question, info, input, and end (once the session is over).
 * An end inside a called tree that has words is shown with kind DT_STEP_INFO (outcome set):
 * dt_session_continue returns to the caller.  One without words returns at once. */
typedef struct dt_view {
    dt_step_kind kind;
    const char *tree_id;     /* the file the step belongs to */
    const char *tree_title;
    const char *step_id;
    const char *step_title;  /* "" when the author gave none */
    dt_audience audience;    /* of the step */
    size_t say_count;
    const dt_text_view *say;
    const char *note;        /* agent-only note, "" when none */
    size_t choice_count;     /* question: the offered choices (those whose `when` holds) */
    const dt_choice_view *choices;
    /* input steps */
    const char *var;         /* variable collected */
    dt_var_type input_type;
    int required;
    const char *retry;       /* the author's re-ask message, "" when none */
    size_t option_count;     /* type choice: allowed answers */
    const char *const *options;
    /* end steps */
    const char *outcome;     /* "" unless kind == DT_STEP_END */
    size_t step_number;      /* 1-based count of interactive steps shown on the path since the
                                start or the last restart */
    unsigned call_depth;     /* 0 at the root tree */
    /* The root tree's <handoff> (what "talk to a person" does, docs/format-spec.md) */
    const char *handoff_text; /* interpolated like any shown text; "" when the tree gives none */
    const char *handoff_step; /* id of the step in the root tree to go to; "" when none */
} dt_view;

typedef enum dt_event_kind {
    DT_EV_START = 0,   /* session started (also after restart) */
    DT_EV_STEP,        /* entered a step (every kind, including decide/call/jump) */
    DT_EV_ANSWER,      /* a choice taken, a value typed, or an info step continued */
    DT_EV_SET,         /* a variable changed (value masked when sensitive) */
    DT_EV_BACK,        /* the last answer was undone */
    DT_EV_RESTART,     /* back to the start; variables reset */
    DT_EV_JUMP,        /* moved by dt_session_jump */
    DT_EV_NOTE,        /* a free-text note added by the agent */
    DT_EV_END          /* the session reached a top-level end */
} dt_event_kind;

typedef struct dt_event {
    dt_event_kind kind;
    int64_t time_ms;         /* from the session clock (Unix epoch milliseconds) */
    const char *tree_id;     /* file of the step concerned */
    const char *step_id;
    dt_step_kind step_kind;
    const char *choice_id;   /* ANSWER on a question */
    const char *label;       /* ANSWER: the choice label, the typed value, or "continue" */
    const char *var;         /* SET, and ANSWER on an input step */
    const char *value;       /* SET and ANSWER on input: the value ("[redacted]" when sensitive) */
    int sensitive;
    const char *text;        /* NOTE: the note; END: the closing text */
    const char *outcome;     /* END */
    size_t path_length;      /* entries in the path after this event */
} dt_event;

/* Receives every event as it happens.  The event and its strings are borrowed for the call only.
 * The observer must not call back into the session.
 * Events of one action are delivered together, after the action has fully succeeded: a refused
 * (DT_EANSWER), failing (DT_ERUNTIME) or out-of-memory action emits nothing.  All events of one
 * action carry the same time_ms (the clock is read once per action).  Order, for example:
 *   start:    START, STEP s0, SET (entry sets of s0), STEP s1, ...
 *   choose:   ANSWER (choice_id, label), SET (the choice's sets), then for each step entered:
 *             STEP, SET (its entry sets; a decide's branch sets follow), ... and END last when a
 *             top-level end is reached (text: its say texts joined by "\n").
 *   input:    ANSWER (var, value), SET (var) — no SET for an empty optional answer.
 *   continue: ANSWER (label "continue"), STEP ...
 *   call/return: STEP call, STEP callee steps..., STEP end (of the callee), SET result var, STEP next.
 *   back:     BACK (step returned to).  restart: RESTART, START, STEP start, ... (variables go back
 *             to their initial values without SET events).  jump: JUMP (target), STEP target, ...
 *   note:     NOTE.   set_var after start: SET. */
typedef void (*dt_observer_fn)(void *user, const dt_event *ev);

/* A new session on `tree` (borrowed: it must outlive the session).  Not started: set an observer,
 * variables or a clock, then call dt_session_start.  Free with dt_session_free. */
DT_API dt_status dt_session_new(const dt_tree *tree, dt_session **out, dt_error *err);
DT_API void dt_session_free(dt_session *s);

DT_API void dt_session_set_observer(dt_session *s, dt_observer_fn fn, void *user);
/* Replace the clock (default: real time; NULL restores it).  fn returns Unix epoch milliseconds. */
DT_API void dt_session_set_clock(dt_session *s, int64_t (*fn)(void *user), void *user);

/* Enter the start step and run automatic steps until an interactive one.  DT_ESTATE when already
 * started; DT_ERUNTIME when a condition fails or automatic steps loop (the session then stays not
 * started).  Automatic steps (decide, call, jump, an end inside a call) are bounded per action by
 * the number of steps in the bundle + 1000, and calls by DT_MAX_CALL_DEPTH. */
DT_API dt_status dt_session_start(dt_session *s, dt_error *err);

/* The current step; NULL before start.  Borrowed until the next non-const call on the session. */
DT_API const dt_view *dt_session_view(const dt_session *s);
/* 1 once a top-level end is reached. */
DT_API int dt_session_ended(const dt_session *s);
/* The outcome of the end reached, or NULL while the session runs. */
DT_API const char *dt_session_outcome(const dt_session *s);

/* Answers.  Each applies the answer, runs automatic steps and stops at the next interactive step.
 * DT_EANSWER means the answer was refused and nothing changed: the message in err says why (the
 * author's retry text for inputs).  DT_ERUNTIME means a condition failed: the session stays on the
 * step it was on before the answer (everything the answer did is rolled back) and the error points
 * at the expression's file:line:col.  DT_ESTATE: not started, ended, or the wrong kind of step.
 * DT_ENOMEM leaves the session unchanged.
 * dt_session_choose: `index` among the offered choices, in view order; out of range: DT_EANSWER. */
DT_API dt_status dt_session_choose(dt_session *s, size_t index, dt_error *err);
/* By label: case-insensitive exact label, else exact choice id, else a unique case-insensitive
 * label prefix (several: DT_EANSWER listing them).  Surrounding spaces are ignored.  Labels are
 * compared as interpolated in the view; case folding is ASCII only. */
DT_API dt_status dt_session_choose_label(dt_session *s, const char *label, dt_error *err);
/* The typed value for an input step (validated and converted to the variable's type).  Checks, in
 * order: required (an empty answer to an optional input leaves the variable unchanged and moves on),
 * type, pattern (on the trimmed answer, whole match), min/max; type choice: one of the options,
 * case-insensitively, stored as the option is written. */
DT_API dt_status dt_session_input(dt_session *s, const char *value, dt_error *err);
/* Go on from an info step. */
DT_API dt_status dt_session_continue(dt_session *s, dt_error *err);

/* Undo the last answer (or jump), variable and call-stack changes included, with every automatic
 * step it ran.  Also works after the end.  DT_ESTATE at the first step and on the first step after a
 * restart (back never crosses a restart). */
DT_API dt_status dt_session_back(dt_session *s, dt_error *err);
/* Back to the start step with default variables (defaults, or the values given with
 * dt_session_set_var before start), no calls open.  The path keeps going: its next entry carries
 * DT_PATH_RESTART.  Works after the end.  DT_ESTATE before start. */
DT_API dt_status dt_session_restart(dt_session *s, dt_error *err);
/* Go to step `step_id` of the tree file `tree_id` (NULL: the current file); recorded as JUMP and
 * undone by dt_session_back.  A jump to another file leaves every open call; within the same file
 * the calls stay open.  Works after the end (the session goes on).  DT_ENOTFOUND for an unknown
 * tree or step. */
DT_API dt_status dt_session_jump(dt_session *s, const char *tree_id, const char *step_id,
                                 dt_error *err);
/* Attach a free-text note to the current step. */
DT_API dt_status dt_session_note(dt_session *s, const char *text, dt_error *err);

/* Set a variable from text (converted and validated by type), as a --var option does.  Works
 * before or after start; before start the value replaces the default (and restart returns to it).
 * After start it is an undoable change (the next back undoes it with the answer before it) and the
 * view is rebuilt.  DT_ENOTFOUND for an unknown name, DT_EARG for a value of the wrong type. */
DT_API dt_status dt_session_set_var(dt_session *s, const char *name, const char *value,
                                    dt_error *err);

/* Variables of the bundle, in declaration order. */
typedef struct dt_var_view {
    const char *name;
    dt_var_type type;
    int sensitive;
    int is_set;          /* 0 while never assigned and without default */
    const char *value;   /* display form; "••••" when sensitive */
} dt_var_view;
DT_API size_t dt_session_var_count(const dt_session *s);
/* Borrowed until the next non-const call on the session; NULL when i is out of range. */
DT_API const dt_var_view *dt_session_var(const dt_session *s, size_t i);
/* Display value of the variable called `name`, or NULL when there is none. */
DT_API const char *dt_session_var_get(const dt_session *s, const char *name);

/* The path so far: every step entered, oldest first, with the answer given there. */
typedef struct dt_path_entry {
    const char *tree_id;
    const char *step_id;
    const char *step_title;
    dt_step_kind kind;
    const char *choice_id;   /* NULL when the step was not answered by a choice */
    const char *answer;      /* label, typed value ("[redacted]" when sensitive), "continue", or NULL
                                for automatic steps and the step still open */
    int64_t time_ms;         /* when the step was entered */
    size_t note_count;       /* notes attached while on this step */
    const char *const *notes;
    unsigned flags;          /* DT_PATH_RESTART: first step after dt_session_restart;
                                DT_PATH_JUMP: reached by dt_session_jump */
} dt_path_entry;
#define DT_PATH_RESTART 1u
#define DT_PATH_JUMP 2u
DT_API size_t dt_session_path_count(const dt_session *s);
DT_API const dt_path_entry *dt_session_path_get(const dt_session *s, size_t i);

/* ---------------------------------------------------------------------------------------------
 * Checks and graphs for authors (dtree check, dtree graph, dtree test).
 */
/* (section owned by the authors' toolkit; declarations follow)
 *
 * -- Checks.  dt_tree_check looks at a tree the loader accepted and reports what is legal but
 * probably wrong, each diagnostic with a check id (docs/checks.md lists every id with an example):
 * unreachable-step, dead-end, no-exit-cycle (error), call-cycle, unused-var, unset-var, cond-type,
 * duplicate-label, similar-label, empty-label, control-char, bidi-override, long-text,
 * kiosk-no-customer-text, kiosk-no-customer-choice.  Hard errors (XML, duplicate ids, dangling
 * targets, undeclared variables, expression syntax, missing or outside calls) are the loader's:
 * dt_tree_load_file reports them with their own ids.  Diagnostics are appended to `diags` sorted by
 * file, line and column.  Linear in the size of the tree (choice labels: pairwise within a step, up
 * to 256 choices); no recursion, so any chain length is fine.
 * Returns DT_OK (warnings may have been added), DT_EINVALID when an error-severity problem was
 * found, DT_ENOMEM, or DT_EARG when tree is NULL. */
#define DT_CHECK_ROOT_ONLY 1u  /* check only the root file, not the files it calls */
DT_API dt_status dt_tree_check(const dt_tree *tree, unsigned flags, dt_error *diags);

/* -- Graphs.  A picture of the tree for Graphviz (dot) or Mermaid: one node per step, shaped by
 * kind (question: rounded box, info: note, input: parallelogram, decide: diamond, call: subroutine,
 * jump: arrow, end: filled ellipse coloured by outcome), choice labels and conditions on edges, one
 * cluster per file.  Output goes through `write` (returns 0 to go on, nonzero to stop: then
 * DT_EIO).  `heat` (may be NULL) adds traffic: edge widths and node shades by count, and a red
 * "drop-off N" mark on steps where sessions were abandoned. */
typedef enum dt_graph_format { DT_GRAPH_DOT = 0, DT_GRAPH_MERMAID } dt_graph_format;
typedef struct dt_graph_heat dt_graph_heat;
/* Counts keyed by names as recordings store them (tree id, step id, choice id).  Names that the
 * tree does not have are ignored.  Free with dt_graph_heat_free. */
DT_API dt_graph_heat *dt_graph_heat_new(const dt_tree *tree);
DT_API void dt_graph_heat_free(dt_graph_heat *heat);
/* Add n visits of a step; choice_id NULL: the step itself, else that choice taken there.  tree_id
 * NULL: the root file.  DT_ENOTFOUND when the tree has no such step or choice. */
DT_API dt_status dt_graph_heat_add(dt_graph_heat *heat, const char *tree_id, const char *step_id,
                                   const char *choice_id, uint64_t n);
/* Add n sessions that stopped (abandoned or timed out) at this step. */
DT_API dt_status dt_graph_heat_add_dropoff(dt_graph_heat *heat, const char *tree_id,
                                           const char *step_id, uint64_t n);
DT_API dt_status dt_tree_graph(const dt_tree *tree, dt_graph_format fmt, const dt_graph_heat *heat,
                               int (*write)(void *ud, const char *s, size_t n), void *ud,
                               dt_error *err);

/* -- Scenario tests (docs/scenarios.md).  A dt_suite is one scenario file and the tree it names
 * (loaded relative to the scenario file).  Coverage is gathered across suites by file path. */
typedef struct dt_suite dt_suite;
typedef struct dt_coverage dt_coverage;
/* Parse scenario file `path` (same safety rules as tree files: no DOCTYPE, size cap, no network)
 * and load its tree with `opts` (may be NULL).  On failure *out is NULL and err holds every problem
 * found.  Free with dt_suite_free. */
DT_API dt_status dt_suite_load_file(const char *path, const dt_load_options *opts, dt_suite **out,
                                    dt_error *err);
DT_API void dt_suite_free(dt_suite *suite);
DT_API size_t dt_suite_count(const dt_suite *suite);            /* scenarios in the file */
DT_API const char *dt_suite_name(const dt_suite *suite, size_t i);  /* borrowed; NULL if out of range */
DT_API const dt_tree *dt_suite_tree(const dt_suite *suite);     /* borrowed */
/* Run scenario i from a fresh session.  DT_OK when every expectation held; DT_ERUNTIME (sic: a
 * failed test) with one error in `fails` at the file:line of the failing element otherwise.  `cov`
 * (may be NULL) collects the steps and choices visited. */
DT_API dt_status dt_suite_run(dt_suite *suite, size_t i, dt_coverage *cov, dt_error *fails);

DT_API dt_coverage *dt_coverage_new(void);
DT_API void dt_coverage_free(dt_coverage *cov);
/* Register every step and choice of every file of `tree` (as unvisited); runs do this themselves. */
DT_API dt_status dt_coverage_add_tree(dt_coverage *cov, const dt_tree *tree);
typedef struct dt_coverage_file {
    const char *path;             /* as first loaded; borrowed */
    size_t steps, steps_hit;      /* every step kind counts */
    size_t choices, choices_hit;  /* question choices and decide branches */
} dt_coverage_file;
/* Files seen, in the order first seen. */
DT_API size_t dt_coverage_file_count(const dt_coverage *cov);
DT_API dt_status dt_coverage_file_get(const dt_coverage *cov, size_t i, dt_coverage_file *out);
/* The j-th thing file i never visited: "step-id" or "step-id/choice-id" (decide branches are
 * "step-id/when N" and "step-id/otherwise"), with its line.  NULL when j is out of range. */
DT_API const char *dt_coverage_missed(const dt_coverage *cov, size_t i, size_t j, unsigned *line);

/* -- Random exploration: walk `walks` random paths (random offered choice, a generated valid value
 * for each input) and report run-time faults as errors in `faults`, each once, at the step where
 * it happened, with the walk that found it: a condition or computation that fails, an unset
 * variable interpolated into shown text, a question with no choice offered (dead end), a call
 * nesting too deep.  Walks longer than max_steps answers are cut (a warning).  The same seed gives
 * the same walks.  Returns DT_OK when no fault was found, DT_ERUNTIME when some were. */
typedef struct dt_explore_options {
    uint64_t seed;        /* default 1 */
    unsigned walks;       /* default 200 */
    unsigned max_steps;   /* default 500 */
} dt_explore_options;
DT_API void dt_explore_options_init(dt_explore_options *o);
DT_API dt_status dt_tree_explore(const dt_tree *tree, const dt_explore_options *opts,
                                 dt_coverage *cov, dt_error *faults);

/* ---------------------------------------------------------------------------------------------
 * Recording sessions (SQLite).
 */
/* (section owned by the recorder; declarations follow)
 *
 * A dt_recorder is one connection to a recording database (SQLite, docs/recording.md).  It records
 * one session at a time: dt_recorder_begin creates the session row and installs an observer on the
 * session; every event is then written in its own transaction (BEGIN IMMEDIATE ... COMMIT) before
 * the engine call that caused it returns.  An observer cannot fail, so a write that fails (disk
 * full, database locked for longer than the busy timeout, ...) keeps the event in memory, marks the
 * recorder failed (dt_recorder_failed, dt_recorder_message) and is retried with the next event, by
 * dt_recorder_flush and by dt_recorder_finish / dt_recorder_close.  Sensitive values are stored as
 * "[redacted]", never in clear.  A recorder and the session it records are used from one thread. */
typedef struct dt_recorder dt_recorder;

#define DT_REC_READONLY 1u   /* open for queries only; the file must exist */
#define DT_REC_NOCREATE 2u   /* open read-write but never create the file */
#define DT_REC_SCHEMA_VERSION 2
#define DT_REC_APPLICATION_ID 0x64547265 /* "dTre": PRAGMA application_id of every dtree database */

/* Open (creating it with mode 0600 unless a flag forbids) the database at `path`, upgrade its
 * schema, and set WAL, synchronous=FULL, a 10 s busy timeout and foreign keys.  Refuses, with a
 * message naming the file: a file that is not a dtree database, a corrupt one, a read-only one
 * (unless DT_REC_READONLY), one locked longer than the timeout, a schema newer than this build.
 * On success *out owns the recorder (dt_recorder_close); on failure *out is NULL. */
DT_API dt_status dt_recorder_open(const char *path, unsigned flags, dt_recorder **out,
                                  dt_error *err);
/* Flush what is buffered (see above), detach from the session being recorded (its status stays as
 * it is: a session never finished stays "active" and can be resumed), close.  Call it before
 * freeing that session.  NULL does nothing. */
DT_API void dt_recorder_close(dt_recorder *rec);
/* Milliseconds to wait for another writer (default 10000). */
DT_API void dt_recorder_set_busy_timeout(dt_recorder *rec, int ms);
/* Replace the clock used for session start and end times (default: real time, epoch ms). */
DT_API void dt_recorder_set_clock(dt_recorder *rec, int64_t (*fn)(void *user), void *user);

/* What the session row says about who records and how.  Strings are copied; NULL means "". */
typedef struct dt_record_meta {
    const char *agent;   /* the person (or program) answering */
    const char *mode;    /* "agent", "kiosk" or "scripted"; NULL: "agent" */
    const char *host;    /* machine name */
} dt_record_meta;

/* Start recording `s` (not yet started: call dt_session_start after this, so the start is
 * recorded) on `tree` (the tree `s` walks).  Creates the session row with a new UUID v4, copied
 * into id_out (37 bytes, NUL-terminated), and installs the recorder as the session's observer.
 * DT_ESTATE when the recorder already records a session.  The session and the tree are borrowed
 * until dt_recorder_finish or dt_recorder_close. */
DT_API dt_status dt_recorder_begin(dt_recorder *rec, dt_session *s, const dt_tree *tree,
                                   const dt_record_meta *meta, char id_out[37], dt_error *err);

typedef enum dt_rec_status {
    DT_REC_ACTIVE = 0,
    DT_REC_COMPLETED,
    DT_REC_ABANDONED,
    DT_REC_TRANSFERRED,
    DT_REC_TIMED_OUT
} dt_rec_status;
/* "active", "completed", ... (static, never NULL). */
DT_API const char *dt_rec_status_name(dt_rec_status st);

/* Pass every event on to `fn` (e.g. a JSON writer) after it has been written (or queued when the
 * write failed): the session has one observer, and the recorder takes that place.  NULL: none. */
DT_API void dt_recorder_chain(dt_recorder *rec, dt_observer_fn fn, void *user);

/* Write what is buffered, set the session's status, end time and outcome, and detach the observer
 * (the session must still exist).  On failure the recorder stays attached and keeps its buffer, so
 * the caller may retry; dt_recorder_close retries once more. */
DT_API dt_status dt_recorder_finish(dt_recorder *rec, dt_rec_status status, dt_error *err);
/* Set the recorded session's outcome when it leaves the tree without reaching an end step (a kiosk
 * customer asking for a person is recorded as "escalated"); an end step sets it by itself. */
DT_API dt_status dt_recorder_set_outcome(dt_recorder *rec, const char *outcome, dt_error *err);
/* Retry writing buffered events now.  DT_OK when nothing is left. */
DT_API dt_status dt_recorder_flush(dt_recorder *rec, dt_error *err);
/* 1 while the last write failed and events wait in memory; dt_recorder_message says why
 * (borrowed, "" when all is written).  dt_recorder_pending: events waiting. */
DT_API int dt_recorder_failed(const dt_recorder *rec);
DT_API const char *dt_recorder_message(const dt_recorder *rec);
DT_API size_t dt_recorder_pending(const dt_recorder *rec);
/* Id of the session being recorded, "" when none (borrowed). */
DT_API const char *dt_recorder_session_id(const dt_recorder *rec);
/* Record a kiosk customer's feedback (free text) on the current step of the recorded session. */
DT_API dt_status dt_recorder_feedback(dt_recorder *rec, const char *text, dt_error *err);

/* -- Queries.  Strings in the records below are borrowed for the callback call only; a callback
 * returns 0 to go on, nonzero to stop (the query then returns DT_OK). */
typedef struct dt_rec_filter {
    int active_only;       /* status "active" only */
    const char *agent;     /* exact; NULL: any */
    const char *tree;      /* tree id, exact; NULL: any */
    const char *mode;      /* NULL: any */
    const char *status;    /* NULL: any */
    int64_t since_ms;      /* sessions started at or after; 0: no bound */
    int64_t until_ms;      /* sessions started before; 0: no bound */
    size_t limit;          /* 0: no limit (lists newest first) */
} dt_rec_filter;
/* Fill `f` with "everything" (call before setting fields). */
DT_API void dt_rec_filter_init(dt_rec_filter *f);

typedef struct dt_rec_session {
    const char *id, *tree_id, *tree_version, *tree_hash, *tree_path;
    const char *agent, *mode, *host, *status;
    const char *outcome;           /* "" while none */
    const char *last_tree, *last_step; /* last interactive step shown, "" when none */
    int64_t started_ms, ended_ms;  /* ended_ms 0 while not ended */
    int64_t last_ms;               /* time of the last event recorded */
    size_t steps;                  /* interactive steps shown (question, info, input, end) */
    size_t events;
} dt_rec_session;

typedef struct dt_rec_event {
    int64_t seq;                   /* 1, 2, ... in order within the session */
    int64_t time_ms;
    const char *kind;              /* start step answer set back restart jump note end handoff
                                      feedback */
    const char *tree_id, *step_id, *step_kind; /* "" when not applicable */
    const char *choice_id, *label, *var, *value, *text, *outcome; /* "" when not applicable */
    int sensitive;
    size_t path_length;
    /* Filled by dt_recorder_transcript only (0 / "" elsewhere): */
    int on_path;       /* 1: this step or answer is on the final path, i.e. led to where it is */
    const char *why;   /* decide steps on the path: the condition(s) that chose the branch taken,
                          "otherwise", or "" when unknown (no tree given, or the tree changed) */
} dt_rec_event;

typedef int (*dt_rec_session_fn)(void *user, const dt_rec_session *s);
typedef int (*dt_rec_event_fn)(void *user, const dt_rec_session *s, const dt_rec_event *ev);

/* Sessions matching `f` (NULL: all), newest first. */
DT_API dt_status dt_recorder_list(dt_recorder *rec, const dt_rec_filter *f, dt_rec_session_fn fn,
                                  void *user, dt_error *err);
/* Session `id` (full id): fn is called once with its row.  DT_ENOTFOUND when absent. */
DT_API dt_status dt_recorder_get(dt_recorder *rec, const char *id, dt_rec_session_fn fn,
                                 void *user, dt_error *err);
/* The full id of the one session whose id starts with `prefix` (at least 4 characters) into id_out.
 * DT_ENOTFOUND when none; DT_EARG when several match (the message says how many). */
DT_API dt_status dt_recorder_lookup(dt_recorder *rec, const char *prefix, char id_out[37],
                                    dt_error *err);
/* Every event of session `id` in order, annotated with on_path and why.  `tree` (may be NULL) is
 * the session's tree, used to name decide conditions when its hash matches the recording. */
DT_API dt_status dt_recorder_transcript(dt_recorder *rec, const char *id, const dt_tree *tree,
                                        dt_rec_event_fn fn, void *user, dt_error *err);
/* Every event of every session matching `f`, session by session (oldest first), for export. */
DT_API dt_status dt_recorder_events(dt_recorder *rec, const dt_rec_filter *f, dt_rec_event_fn fn,
                                    void *user, dt_error *err);

/* A report: named tables of text cells (NULL cell: no value).  Tables, in order: "summary",
 * "outcomes", "drop_off", "paths", "step_time", "choices" (docs/recording.md defines each). */
typedef struct dt_rec_table {
    const char *name;
    size_t ncols;
    const char *const *cols;
    const unsigned char *numeric;  /* per column: 1 when cells are numbers */
    size_t nrows;
    const char *const *cells;      /* row-major: cells[r * ncols + c] */
} dt_rec_table;
typedef struct dt_rec_report dt_rec_report;
/* Compute the report over the sessions matching `f` (active_only and limit are ignored; `top`
 * rows at most in paths, drop_off; 0: 10).  Free with dt_rec_report_free. */
DT_API dt_status dt_recorder_report(dt_recorder *rec, const dt_rec_filter *f, size_t top,
                                    dt_rec_report **out, dt_error *err);
/* The SQL of report table i (0 .. dt_rec_report_count-1) into buf, for running the very same query
 * elsewhere (sqlite3, benchmarks); filter values appear as :agent, :tree, :mode, :status, :since,
 * :until parameters.  DT_EARG for a bad index, DT_ELIMIT when buf is too small. */
DT_API dt_status dt_recorder_report_sql(size_t i, const dt_rec_filter *f, size_t top, char *buf,
                                        size_t size);
DT_API size_t dt_rec_report_count(const dt_rec_report *r);
DT_API const dt_rec_table *dt_rec_report_table(const dt_rec_report *r, size_t i);
DT_API void dt_rec_report_free(dt_rec_report *r);

/* -- Resume.  Rebuild session `id` on `tree` by replaying its recorded answers (no observer
 * attached meanwhile), then attach `rec` to the same session id and record a handoff event to
 * `agent`.  If the tree's hash differs from the recording, the replay goes on only while every
 * recorded step still exists and each answer lands on the recorded next step; otherwise
 * DT_EINVALID with the reason.  Sensitive inputs were never stored: replay stops at the first one
 * and the session continues there (later recorded answers are dropped and counted).
 * DT_ESTATE for a completed session or when rec already records one.  On success *out owns the
 * new session (free it after dt_recorder_finish/close) and *info (may be NULL) says what happened. */
typedef struct dt_rec_resume {
    int tree_changed;         /* 1: the hash differs; the recorded path was checked and holds */
    size_t replayed;          /* answers replayed */
    size_t dropped;           /* recorded answers not replayed (after a sensitive input) */
    int stopped_sensitive;    /* 1: replay stopped at an input of a sensitive variable */
    char previous_agent[128];
    char note[512];           /* a line for the person resuming; "" when nothing to say */
} dt_rec_resume;
DT_API dt_status dt_recorder_resume(dt_recorder *rec, const char *id, const dt_tree *tree,
                                    const dt_record_meta *meta, dt_session **out,
                                    dt_rec_resume *info, dt_error *err);

#ifdef __cplusplus
}
#endif
#endif /* DTREE_H */
