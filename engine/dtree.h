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
 *
 * A walk in a dozen lines (examples/walk.c is the whole program; link with pkg-config libdtree):
 *
 *     dt_error *err = dt_error_new();
 *     dt_tree *tree = NULL;
 *     dt_session *s = NULL;
 *     if (dt_tree_load_file("printer.xml", NULL, &tree, err) != DT_OK ||
 *         dt_session_new(tree, &s, err) != DT_OK || dt_session_start(s, err) != DT_OK) {
 *         fprintf(stderr, "%s\n", dt_error_text(err));     // file:line:col: error: ...
 *     } else {
 *         const dt_view *v = dt_session_view(s);          // the step to show
 *         printf("%s\n", v->say_count ? v->say[0].text : v->step_id);
 *         dt_session_choose(s, 0, err);                   // or _choose_label, _input, _continue
 *     }
 *     dt_session_free(s);                                 // sessions before their tree
 *     dt_tree_free(tree);
 *     dt_error_free(err);
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
/* Every status once: X(NAME, "short English name") generates DT_OK, DT_ENOMEM, ... and the names
 * dt_status_str returns.  New codes go at the end: the values are stable. */
#define DT_STATUS_LIST(X)                                                                        \
    X(OK, "success")                                                                             \
    X(ENOMEM, "out of memory")         /* an allocation failed; every object stays valid */      \
    X(EIO, "input/output error")       /* a file could not be opened or read (not found, not a    \
                                          regular file, too large), or a recording not written */ \
    X(ESYNTAX, "syntax error")         /* not well-formed XML, not UTF-8, a forbidden construct */ \
    X(EINVALID, "invalid tree")        /* well-formed XML that breaks the tree format */          \
    X(ELIMIT, "limit exceeded")        /* a documented limit (size, depth, attributes, calls) */  \
    X(EARG, "invalid argument")        /* the caller passed a bad argument (NULL, range) */       \
    X(ESTATE, "not possible now")      /* the action does not apply now (answer after the end) */ \
    X(EANSWER, "answer refused")       /* no such choice, failed validation: ask again */         \
    X(ERUNTIME, "run-time error")      /* a condition or computation failed while walking */      \
    X(ENOTFOUND, "not found")          /* a named thing (step, variable, choice) does not exist */ \
    X(EFAILED, "test failed")          /* a scenario's expectation did not hold (dt_suite_run) */

#define DT_STATUS_ENUM_(e, name) DT_##e,
typedef enum dt_status { DT_STATUS_LIST(DT_STATUS_ENUM_) } dt_status;
#undef DT_STATUS_ENUM_

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
#define DT_LOAD_PARTIAL 2u   /* on an error other than out of memory, still hand back in *out what could
                                be read, for dt_tree_check only (dtree check: one pass reports all) */

/* Fill `o` with the defaults.  Always call it before setting fields (fields may be added). */
DT_API void dt_load_options_init(dt_load_options *o);

/* Load the tree in file `path` and, recursively, every tree it calls or jumps to.
 * On success *out owns a new tree (free with dt_tree_free) and err may still hold warnings.
 * On failure *out is NULL and err (when not NULL) holds every error found with its position; with
 * DT_LOAD_PARTIAL *out may instead own a partial tree: unresolved references are left out, files
 * that could not be read have no steps checked.  Pass it only to dt_tree_check, the dt_tree_file_*
 * calls and dt_tree_free (never to a session or a graph).
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
/* The file of the bundle whose tree id is `tree_id` (as events and recordings name it): its index,
 * or DT_NPOS when none (or when an argument is NULL). */
#define DT_NPOS ((size_t)-1)
DT_API size_t dt_tree_file_find(const dt_tree *tree, const char *tree_id);

/* ---------------------------------------------------------------------------------------------
 * Sessions: one conversation walking a tree.
 */
typedef struct dt_session dt_session;

/* The kinds of step, each once: X(NAME, "name in files and output", waits for the person).
 * Generates DT_STEP_QUESTION, DT_STEP_INFO, DT_STEP_INPUT, DT_STEP_DECIDE, DT_STEP_CALL,
 * DT_STEP_JUMP, DT_STEP_END, dt_step_kind_name and dt_step_kind_is_interactive.  The loader's
 * element list (engine/load.h) takes its step elements from here; HACKING.md says what else a new
 * kind needs. */
#define DT_STEP_KIND_LIST(X) \
    X(QUESTION, "question", 1) \
    X(INFO, "info", 1)         \
    X(INPUT, "input", 1)       \
    X(DECIDE, "decide", 0)     \
    X(CALL, "call", 0)         \
    X(JUMP, "jump", 0)         \
    X(END, "end", 0)

#define DT_STEP_ENUM_(e, name, interactive) DT_STEP_##e,
typedef enum dt_step_kind { DT_STEP_KIND_LIST(DT_STEP_ENUM_) } dt_step_kind;
#undef DT_STEP_ENUM_
#define DT_PLUS_ONE_(...) +1
#define DT_STEP_KIND_COUNT (0 DT_STEP_KIND_LIST(DT_PLUS_ONE_)) /* 7 */

/* The types of variable, each once: X(NAME, "name in files").  Generates DT_VAR_TEXT,
 * DT_VAR_NUMBER, DT_VAR_BOOLEAN, DT_VAR_DATE, DT_VAR_EMAIL, DT_VAR_PHONE, DT_VAR_CHOICE and
 * dt_var_type_name. */
#define DT_VAR_TYPE_LIST(X) \
    X(TEXT, "text")         \
    X(NUMBER, "number")     \
    X(BOOLEAN, "boolean")   \
    X(DATE, "date")         \
    X(EMAIL, "email")       \
    X(PHONE, "phone")       \
    X(CHOICE, "choice")

#define DT_VAR_ENUM_(e, name) DT_VAR_##e,
typedef enum dt_var_type { DT_VAR_TYPE_LIST(DT_VAR_ENUM_) } dt_var_type;
#undef DT_VAR_ENUM_

/* The outcomes dtree knows, each once: X(NAME, "word in files, recordings and output").  An end
 * step names one of them or a lower-case word of the author's own (DT_OUTCOME_OTHER here).
 * Generates DT_OUTCOME_RESOLVED, DT_OUTCOME_ESCALATED, DT_OUTCOME_ABANDONED, dt_outcome_name and
 * dt_outcome_of; the loader's message for a bad outcome lists them. */
#define DT_OUTCOME_LIST(X)    \
    X(RESOLVED, "resolved")   \
    X(ESCALATED, "escalated") \
    X(ABANDONED, "abandoned")

#define DT_OUTCOME_ENUM_(e, name) DT_OUTCOME_##e,
typedef enum dt_outcome { DT_OUTCOME_LIST(DT_OUTCOME_ENUM_) DT_OUTCOME_OTHER } dt_outcome;
#undef DT_OUTCOME_ENUM_

typedef enum dt_audience { DT_AUD_ALL = 0, DT_AUD_AGENT, DT_AUD_CUSTOMER } dt_audience;

/* Names used in files and output: "question", "number", ... (static; "unknown" out of range). */
DT_API const char *dt_step_kind_name(dt_step_kind k);
DT_API const char *dt_var_type_name(dt_var_type t);
/* The kind called `name` ("question", ...) into *out: DT_OK, or DT_ENOTFOUND (then *out is
 * unchanged).  For readers of recordings, which store kinds by name. */
DT_API dt_status dt_step_kind_from_name(const char *name, dt_step_kind *out);
/* 1 for the kinds that wait for the person (question, info, input), 0 for the automatic ones
 * (decide, call, jump) and for end: an end waits only when it ends the session, or has words to
 * show inside a call (then it is shown as an info step). */
DT_API int dt_step_kind_is_interactive(dt_step_kind k);
/* The word of a known outcome ("resolved", ...; static; "unknown" for DT_OUTCOME_OTHER and out of
 * range), and the outcome a word names: DT_OUTCOME_OTHER for an author's own word or NULL. */
DT_API const char *dt_outcome_name(dt_outcome o);
DT_API dt_outcome dt_outcome_of(const char *word);

typedef struct dt_text_view {
    const char *text; /* interpolated; sensitive values appear as "[redacted]" */
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
    /* input steps: the author's constraints, so a front end (a form, a CRM) can check an answer
     * before it sends it; dt_session_input applies the same ones and stays the judge. */
    int has_min, has_max; /* 0: no bound; 1: the author's bound; 2 (dates only): "today" */
    double min, max;      /* number: the value; date: yyyymmdd as a number (19840721), for "today"
                            the session clock's date when the view was built; text, email,
                            phone: the length in characters.  Meaningless without has_min/max. */
    const char *pattern;  /* the author's pattern, "" when none: the whole trimmed answer must match;
                            the dialect (docs/tree-format.md) reads the same as an HTML pattern */
    int month_first;      /* dates typed with numbers only: 1 = month/day/year (the tree's lang
                                is en-US), 0 = day/month/year */
    int sensitive;        /* 1: the variable is sensitive: mask what is typed, never keep it */
} dt_view;

/* The kinds of event, each once: X(NAME, "name in recordings and JSON").  Generates DT_EV_START,
 * DT_EV_STEP, ... and dt_event_kind_name.  The recorder adds kinds of its own ("handoff",
 * "feedback") that the engine never emits. */
#define DT_EVENT_KIND_LIST(X) \
    X(START, "start")     /* session started (also after restart) */                        \
    X(STEP, "step")       /* entered a step (every kind, including decide/call/jump) */     \
    X(ANSWER, "answer")   /* a choice taken, a value typed, or an info step continued */    \
    X(SET, "set")         /* a variable changed (value masked when sensitive) */            \
    X(BACK, "back")       /* the last answer was undone */                                  \
    X(RESTART, "restart") /* back to the start; variables reset */                          \
    X(JUMP, "jump")       /* moved by dt_session_jump */                                    \
    X(NOTE, "note")       /* a free-text note added by the agent */                         \
    X(END, "end")         /* the session reached a top-level end */

#define DT_EV_ENUM_(e, name) DT_EV_##e,
typedef enum dt_event_kind { DT_EVENT_KIND_LIST(DT_EV_ENUM_) } dt_event_kind;
#undef DT_EV_ENUM_

/* "start", "step", ... (static; "unknown" out of range). */
DT_API const char *dt_event_kind_name(dt_event_kind k);

typedef struct dt_event {
    dt_event_kind kind;
    int64_t time_ms;         /* from the session clock (Unix epoch milliseconds) */
    const char *tree_id;     /* file of the step concerned */
    const char *step_id;
    dt_step_kind step_kind;
    const char *choice_id;   /* ANSWER on a question; STEP of a decide: the branch taken
                                ("when 1", "when 2", ... in file order, or "otherwise") */
    const char *label;       /* ANSWER: the choice label, the typed value, or "continue" */
    const char *var;         /* SET, and ANSWER on an input step */
    const char *value;       /* SET and ANSWER on input: the value ("[redacted]" when sensitive) */
    int sensitive;
    const char *text;        /* NOTE: the note; END: the closing text */
    const char *outcome;     /* END */
    size_t path_length;      /* entries in the path after this event */
    int more;                /* 1: more events of the same action follow at once (an observer may
                                keep this one and handle them all with the last, which has 0) */
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
/* By what a person typed, with the one rule of dt_match_answer over the offered choices in view
 * order (labels as interpolated, ids as choice ids): a number is a position (1 = the first offered
 * choice), else the whole label or choice id, else a unique label start, else a unique word start
 * inside a label.  Nothing or several fit: DT_EANSWER with a message listing the candidates. */
DT_API dt_status dt_session_choose_label(dt_session *s, const char *label, dt_error *err);

/* -- Matching a typed answer.  The one rule every front end (dtree run, the kiosk, scenario tests,
 * a future web page) applies to turn typed text into one of the n labels it shows, so that a
 * scenario passes exactly on what an agent's answer would do.  In order, the first rule that fits
 * anything decides:
 *   1. digits only: a position, 1..n (outside: DT_MATCH_RANGE);
 *   2. the whole label, or the whole ids[i] (ids may be NULL);
 *   3. the start of a label;
 *   4. the start of a word inside a label (a word starts after a non-alphanumeric ASCII byte:
 *      "exch" fits "An exchange (another size)").
 * White space around `text` never counts (Tab completion adds a trailing space); ASCII letters
 * compare case-insensitively, other characters byte for byte.  Nothing is allocated and nothing
 * is kept: every argument is borrowed for the call only.  NULL entries in labels never match.
 * Results: DT_MATCH_ONE sets *index (index may be NULL); DT_MATCH_MANY sets *ncands and, when cands
 * is not NULL, cands[0..*ncands) to the candidates' indexes (cands must then hold n entries);
 * DT_MATCH_NONE when nothing fits or text is empty or NULL.  *ncands is 0 unless DT_MATCH_MANY. */
typedef enum dt_match_result {
    DT_MATCH_ONE = 0,   /* exactly one label fits: *index */
    DT_MATCH_NONE,      /* nothing fits (or nothing was typed) */
    DT_MATCH_MANY,      /* several fit equally well: cands[0..*ncands) */
    DT_MATCH_RANGE      /* a number outside 1..n */
} dt_match_result;
DT_API dt_match_result dt_match_answer(const char *text, const char *const *labels,
                                       const char *const *ids, size_t n, size_t *index,
                                       size_t *cands, size_t *ncands);
/* The typed value for an input step (validated and converted to the variable's type).  Checks, in
 * order: required (an empty answer to an optional input leaves the variable unchanged and moves on),
 * type, pattern (on the trimmed answer, whole match), min/max; type choice: one of the options,
 * case-insensitively, stored as the option is written.  Dates are taken in the forms people type
 * and stored as YYYY-MM-DD: 1984-07-21, 21/07/1984, 21.7.1984, 21-7-1984 (day first, or month first
 * when the tree's lang is en-US: view->month_first), 21 July 1984, 21 Jul 1984, July 21, 1984
 * (English month names, any case); a year has four digits. */
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

/* Variable `name` of the bundle: 1 when declared sensitive (0 also when there is none). */
DT_API int dt_tree_var_sensitive(const dt_tree *tree, const char *name);
/* Its default as displayed (borrowed from the tree, or static), or NULL when it has none or there
 * is no such variable.  For clients that compare a session's values with the defaults. */
DT_API const char *dt_tree_var_default(const dt_tree *tree, const char *name);

/* Variables of the bundle, in declaration order. */
typedef struct dt_var_view {
    const char *name;
    dt_var_type type;
    int sensitive;
    int is_set;          /* 0 while never assigned and without default */
    const char *value;   /* display form; "[redacted]" when sensitive */
    const char *label;   /* the author's label for people ("Fix attempts"), "" when none */
    int internal;        /* 1: declared internal="true", a helper to leave out of summaries */
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
/* -- Checks.  dt_tree_check looks at a loaded tree (or a partial one, DT_LOAD_PARTIAL) and reports
 * what is legal but probably wrong, each diagnostic with a check id (docs/checks.md lists every id
 * with an example): unreachable-step, dead-end, no-exit-cycle (error), call-cycle, call-depth
 * (error), unused-var, unset-var, cond-type,
 * duplicate-label, similar-label, empty-label, control-char, bidi-override, long-text,
 * kiosk-no-customer-text, kiosk-no-customer-choice, kiosk-agent-voice; and a note not-checked for each file of a
 * partial tree that could not be read.  Hard errors (XML, duplicate ids, dangling
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

/* 1 when code point c may be shown as it is: printable, not a control (C0, DEL, C1), not a
 * surrogate, and not an invisible format character that can reorder or hide text (bidi controls
 * U+061C, U+200E/F, U+202A..E, U+2066..9, zero-width space, word joiner, BOM, tags, ...).  The
 * one allow-list: dt_tree_graph shows every other character escaped ("\u202e"), and so does the
 * dtree program on a terminal. */
DT_API int dt_char_printable(uint32_t c);

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
/* Run scenario i from a fresh session.  DT_OK when every expectation held; DT_EFAILED with one
 * error in `fails` at the file:line of the failing element otherwise; DT_ENOMEM.  `cov`
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
 * Recording sessions (SQLite, or PostgreSQL for many machines).
 */
/* A dt_recorder is one connection to a recording database (docs/recording.md): an SQLite file, or
 * a PostgreSQL database named by a connection string ("postgresql://...", "postgres://...",
 * "service=NAME"); every function below works the same on both, with the same results.  It records
 * one session at a time: dt_recorder_begin creates the session row and installs an observer on the
 * session; every event is then written in its own transaction (BEGIN IMMEDIATE ... COMMIT) before
 * the engine call that caused it returns.  An observer cannot fail, so a write that fails (disk
 * full, database locked for longer than the busy timeout, ...) keeps the event in memory, marks the
 * recorder failed (dt_recorder_failed, dt_recorder_message) and is retried with the next event, by
 * dt_recorder_flush and by dt_recorder_finish / dt_recorder_close.  Sensitive values are stored as
 * "[redacted]", never in clear.  A recorder and the session it records are used from one thread.
 *
 * One agent at a time: dt_recorder_begin and dt_recorder_resume take a claim on the session (a row
 * of the recording: holder, host, process, since, expires), renewed by every write and released by
 * dt_recorder_finish / dt_recorder_close.  dt_recorder_resume refuses (DT_ESTATE, check
 * "record-claimed", naming the holder and since when) a session another recorder holds, unless the
 * claim expired, its holder is confirmed gone (same host, process ended: a crash), or
 * dt_record_meta.take_over is set. */
typedef struct dt_recorder dt_recorder;

#define DT_REC_READONLY 1u   /* open for queries only; the file must exist */
#define DT_REC_NOCREATE 2u   /* open read-write but never create the file */
#define DT_REC_SCHEMA_VERSION 6
#define DT_REC_APPLICATION_ID 0x64547265 /* "dTre": PRAGMA application_id of every dtree database */

/* 1 when `db` names a PostgreSQL database ("postgresql://...", "postgres://...", "service=...");
 * 0 for anything else (an SQLite file name). */
DT_API int dt_rec_store_is_pg(const char *db);
/* `db` with any password (user:PASSWORD@, password=...) replaced by "***", into buf (size bytes,
 * always terminated); a file name is copied as it is.  For every message that names a store. */
DT_API void dt_rec_store_mask(const char *db, char *buf, size_t size);
/* Overwrite any password in `db` with '*' in place, e.g. in argv so that `ps` no longer shows it
 * (copy the string first). */
DT_API void dt_rec_store_scrub(char *db);

/* Open (creating it with mode 0600 unless a flag forbids) the database at `path`, upgrade its
 * schema, and set WAL, synchronous=FULL, a 10 s busy timeout and foreign keys.  A PostgreSQL
 * connection string is connected to instead (5 s connect timeout unless the string or
 * PGCONNECT_TIMEOUT says otherwise), its schema created or upgraded; every message names it with
 * any password replaced by "***".  Refuses, with a
 * message naming the file: a file that is not a dtree database, a corrupt one, a read-only one
 * (unless DT_REC_READONLY), one locked longer than the timeout, a schema newer than this build.
 * On success *out owns the recorder (dt_recorder_close); on failure *out is NULL. */
DT_API dt_status dt_recorder_open(const char *path, unsigned flags, dt_recorder **out,
                                  dt_error *err);
/* A recorder on the same store connection as `base` (from dt_recorder_open, not read-only)
 * instead of a new one, so that a server keeping many live sessions uses a few connections (a
 * pool) rather than one per session.  Recorders sharing a connection must be used one at a time,
 * base included: the caller serialises them (one lock per connection); base must be closed
 * last.  Options set on base (busy timeout, wait function) hold for the connection; the claim
 * lease is the new recorder's own.  *out owns the recorder (dt_recorder_close, which leaves the
 * connection open); DT_EARG for a missing or read-only base. */
DT_API dt_status dt_recorder_open_shared(dt_recorder *base, dt_recorder **out, dt_error *err);
/* Move rec (from dt_recorder_open_shared) onto the connection of base, another base recorder on
 * the same store, between rec's writes (no call on rec under way: the caller serialises them), so
 * that a pool can give a session whichever connection is free; the caller holds base's lock.
 * rec's old connection is not touched (others may be using it).  DT_EARG for a recorder not
 * shared or a base of another store; rec is then unchanged. */
DT_API dt_status dt_recorder_rebase(dt_recorder *rec, dt_recorder *base, dt_error *err);
/* Group commit on base's SQLite connection, for the recorders sharing it (opened after this
 * call): when the writes of several sessions wait for the connection at once, the first of them
 * whose turn comes (the leader) writes them all in one transaction, each under a SAVEPOINT of its
 * own, and one COMMIT; each write then returns its own result, and only after that COMMIT is
 * durable (an answer is still committed before the call that made it returns).  A refused write
 * (out of order, claim lost) is taken back alone; a failed COMMIT fails every write of the group
 * (their events stay queued, as for any failed write); any other store failure has the group
 * written again one write at a time.  At most `max` writes (1 to 1024) go in one transaction.
 * The caller's lock on the connection (one per connection, see dt_recorder_open_shared) must be
 * taken in turn (first come, first served): a write lets go of it with release(user), which
 * returns what retake(user, held) needs to take it back, in turn, so that the sessions queued
 * behind reach their writes meanwhile.  Every recorder call on the connection, the writes
 * included, is made with that lock held.  DT_EARG on PostgreSQL, a read-only or a shared base,
 * or a bad max. */
DT_API dt_status dt_recorder_group_commit(dt_recorder *base, unsigned max,
                                          unsigned (*release)(void *user),
                                          void (*retake)(void *user, unsigned held), void *user,
                                          dt_error *err);
/* What the group commit on base's connection did so far: writes made and COMMITs they took
 * (equal when no two writes ever shared one).  Zeros without group commit. */
DT_API void dt_recorder_group_stats(const dt_recorder *base, uint64_t *writes, uint64_t *commits);
/* Batched writes across PostgreSQL connections, for a server whose requests each hold a
 * connection of a pool (dt_recorder_batch_join on every base of it): when the writes of several
 * sessions wait at once, the first of them (the leader) writes them all in one statement, which
 * the server runs and commits as one transaction, on its own connection; the others wait for
 * it, and each write returns its own result, after that commit (an answer is still durable
 * before the call that made it returns).  A write that the statement did not take (its session
 * moved on elsewhere, its claim or token gone) and every write of a statement that failed are
 * then made alone, as without a batch, so that each gets exactly its own refusal or failure.
 * Only the plain writes go in a batch (a few events that neither end, reopen nor hand off the
 * session, nor carry a sealed value, nor renew a claim); the others are made alone.  At most
 * `max` writes (1 to 1024) go in one statement.  The batch is safe for concurrent use by
 * recorders on different connections; each connection is still used by one thread at a time.
 * *out owns it: dt_recorder_batch_free, after every recorder that joined is closed. */
typedef struct dt_recorder_batch dt_recorder_batch;
DT_API dt_status dt_recorder_batch_new(unsigned max, dt_recorder_batch **out, dt_error *err);
/* The recorders sharing base's connection (opened or moved onto it after this call) write
 * through b.  DT_EARG for SQLite (its group commit is dt_recorder_group_commit), a read-only or
 * shared base, or one that joined already. */
DT_API dt_status dt_recorder_batch_join(dt_recorder *base, dt_recorder_batch *b, dt_error *err);
/* What b did so far: writes made through it, and the statements and alone writes (each one
 * COMMIT) that stored or tried them.  Zeros for NULL. */
DT_API void dt_recorder_batch_stats(dt_recorder_batch *b, uint64_t *writes, uint64_t *commits);
DT_API void dt_recorder_batch_free(dt_recorder_batch *b);
/* Flush what is buffered (see above), detach from the session being recorded (its status stays as
 * it is: a session never finished stays "active" and can be resumed), close.  Call it before
 * freeing that session.  NULL does nothing. */
DT_API void dt_recorder_close(dt_recorder *rec);
/* Milliseconds to wait for another writer (default 10000). */
DT_API void dt_recorder_set_busy_timeout(dt_recorder *rec, int ms);
/* Called once per wait for another process's lock, after 300 ms of it, with the database path,
 * from inside the call that writes (an answer, begin, finish): a front end says that it is waiting,
 * so that the screen does not freeze without a word.  The wait then goes on (the busy timeout).
 * `fn` must not call the recorder or the session.  NULL: no call. */
DT_API void dt_recorder_set_wait_fn(dt_recorder *rec, void (*fn)(void *user, const char *path),
                                    void *user);
/* Replace the clock used for session start and end times (default: real time, epoch ms). */
DT_API void dt_recorder_set_clock(dt_recorder *rec, int64_t (*fn)(void *user), void *user);

/* What the session row says about who records and how.  Strings are copied; NULL means "". */
typedef struct dt_record_meta {
    const char *agent;   /* the person (or program) answering */
    const char *mode;    /* "agent", "kiosk" or "scripted"; NULL: "agent" */
    const char *host;    /* machine name */
    int take_over;       /* dt_recorder_resume: take the session even from a live claim (its
                            holder is gone for good); recorded on the handoff ("take-over") */
    /* dt_recorder_resume: open a box given to dt_recorder_seal_next for variable `var` into buf
     * (size bytes, NUL-terminated): 0, or -1 when it cannot (replay then stops there, as without
     * sealing).  buf is wiped after use.  NULL: sensitive answers are asked again. */
    int (*unseal)(void *user, const char *var, const char *box, char *buf, size_t size);
    void *unseal_user;
    /* dt_recorder_resume: when `agent` is the agent recorded last and the session is active, the
     * same part goes on and no hand-off is recorded (a stateless server rebuilding a session on
     * another instance). */
    int same_part;
    /* dt_recorder_begin: the new session's id, chosen by the caller (36 characters, a UUID in
     * lower-case hex, e.g. random as UUID v4), so that what the caller seals before the row
     * exists can name its session; an id already recorded is refused.  NULL: a random UUID v4. */
    const char *new_id;
} dt_record_meta;

/* Start recording `s` (not yet started: call dt_session_start after this, so the start is
 * recorded) on `tree` (the tree `s` walks).  Creates the session row with a new UUID v4, copied
 * into id_out (37 bytes, NUL-terminated), and installs the recorder as the session's observer.
 * DT_ESTATE when the recorder already records a session.  The session and the tree are borrowed
 * until dt_recorder_finish or dt_recorder_close. */
DT_API dt_status dt_recorder_begin(dt_recorder *rec, dt_session *s, const dt_tree *tree,
                                   const dt_record_meta *meta, char id_out[37], dt_error *err);

/* How a recorded session ended, each once: X(NAME, "name in recordings").  Generates
 * DT_REC_ACTIVE, DT_REC_COMPLETED, DT_REC_ABANDONED, DT_REC_TRANSFERRED, DT_REC_TIMED_OUT. */
#define DT_REC_STATUS_LIST(X)         \
    X(ACTIVE, "active")               \
    X(COMPLETED, "completed")         \
    X(ABANDONED, "abandoned")         \
    X(TRANSFERRED, "transferred")     \
    X(TIMED_OUT, "timed_out")

#define DT_REC_ENUM_(e, name) DT_REC_##e,
typedef enum dt_rec_status { DT_REC_STATUS_LIST(DT_REC_ENUM_) } dt_rec_status;
#undef DT_REC_ENUM_
#define DT_REC_STATUS_COUNT (0 DT_REC_STATUS_LIST(DT_PLUS_ONE_)) /* 5 */
/* "active", "completed", ... (static, never NULL). */
DT_API const char *dt_rec_status_name(dt_rec_status st);
/* The status called `name` (dt_rec_session.status, as recorded) into *out: DT_OK, or
 * DT_ENOTFOUND when no dtree records that name (a damaged or foreign recording, or NULL; *out is
 * then unchanged).  Readers compare kinds, never the words. */
DT_API dt_status dt_rec_status_from_name(const char *name, dt_rec_status *out);

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
/* 1 while events wait in memory because the last write found the SQLite database locked by
 * another writer for the whole busy timeout (dt_recorder_set_busy_timeout): writing again at
 * once would most likely wait as long again, so a caller answering a person (dtree serve) may
 * leave the events queued for its next change instead of flushing now.  0 otherwise, and always
 * on PostgreSQL, where the same failure class also means a deadlock or a serialization failure,
 * after which trying again at once is right. */
DT_API int dt_recorder_busy(const dt_recorder *rec);
/* 1 once another recorder took this session over (dt_record_meta.take_over): the recorder then
 * stops writing, dt_recorder_message says who has the session, and the events since are lost to
 * it (dt_recorder_pending counts them).  A claim is never taken from a live holder otherwise. */
DT_API int dt_recorder_claim_lost(const dt_recorder *rec);
/* 1 once the recorder stopped writing for good: the claim was lost, the required token was
 * revoked (dt_recorder_require_token), or the database file or its -wal / -shm was deleted or
 * replaced while the session was open (what SQLite wrote then would be lost).
 * dt_recorder_message says which; the events since stay counted in dt_recorder_pending. */
DT_API int dt_recorder_stopped(const dt_recorder *rec);
/* The claim's lease in milliseconds (default 600000): how long a session stays claimed after its
 * holder's last write when the holder cannot be checked (another host).  Renewed by every write. */
DT_API void dt_recorder_set_claim_ms(dt_recorder *rec, int64_t ms);
/* Id of the session being recorded, "" when none (borrowed). */
DT_API const char *dt_recorder_session_id(const dt_recorder *rec);
/* Sealed sensitive values, for a front end that continues sessions elsewhere (dtree serve): keep
 * `box` (text the caller made from a sensitive value it was given, e.g. encrypted under its own
 * key; the recorder never sees the value) with the next recorded event that holds a sensitive
 * value of `var`: the answer to its input step, or its initial value written by
 * dt_recorder_begin.  The box is written in that event's transaction, handed to
 * dt_record_meta.unseal by dt_recorder_resume so that the replay goes on past the answer, and
 * deleted with every box of the session when the session ends (an end step, or
 * dt_recorder_finish).  A newer box for the same variable replaces one not yet used; NULL drops
 * it (an answer that was refused).  Strings are copied. */
DT_API dt_status dt_recorder_seal_next(dt_recorder *rec, const char *var, const char *box,
                                       dt_error *err);
/* Record a kiosk customer's feedback (free text) on the current step of the recorded session. */
DT_API dt_status dt_recorder_feedback(dt_recorder *rec, const char *text, dt_error *err);

/* -- Access tokens (dtree serve).  Kept in the recording store so that every server instance sees
 * them and a revocation takes effect at once.  The caller hashes each token (a high-entropy random
 * token needs no slow hash) and passes the hash as text; the store never holds a token.  Roles,
 * each once: X(NAME, "name in the store and on the command line"). */
#define DT_TOKEN_ROLE_LIST(X) \
    X(AGENT, "agent")         \
    X(MANAGER, "manager")
#define DT_ROLE_ENUM_(e, name) DT_ROLE_##e,
typedef enum dt_token_role { DT_TOKEN_ROLE_LIST(DT_ROLE_ENUM_) } dt_token_role;
#undef DT_ROLE_ENUM_
/* "agent", "manager" (static; "unknown" out of range), and back (DT_ENOTFOUND when unknown). */
DT_API const char *dt_token_role_name(dt_token_role r);
DT_API dt_status dt_token_role_from_name(const char *name, dt_token_role *out);
/* Store a token's hash (at least 32 characters) under a unique name.  DT_EARG when the name is
 * taken (revoked names stay taken: the list keeps who had access). */
DT_API dt_status dt_recorder_token_add(dt_recorder *rec, const char *name, dt_token_role role,
                                       const char *hash, dt_error *err);
/* The live token with this hash: DT_OK with its role and name (copied into name_out), or
 * DT_ENOTFOUND (unknown or revoked; err untouched). */
DT_API dt_status dt_recorder_token_find(dt_recorder *rec, const char *hash, dt_token_role *role,
                                        char name_out[128], dt_error *err);
/* Revoke the live token called `name`; DT_ENOTFOUND when there is none. */
DT_API dt_status dt_recorder_token_revoke(dt_recorder *rec, const char *name, dt_error *err);
typedef struct dt_token_info {
    const char *name;     /* borrowed for the callback call */
    dt_token_role role;
    int64_t created_ms;
    int64_t revoked_ms;   /* 0 while live */
} dt_token_info;
typedef int (*dt_token_fn)(void *user, const dt_token_info *t);
/* Every token, oldest first (fn returns nonzero to stop). */
DT_API dt_status dt_recorder_token_list(dt_recorder *rec, dt_token_fn fn, void *user,
                                        dt_error *err);
/* From now on every write of rec's events is made only while the store holds the live token
 * of this hash (NULL or "": no longer), checked inside the write's own transaction, so that a
 * server acting for a token it looked up before need not read it again first: on PostgreSQL the
 * check costs no round trip.  A revocation committed before a write keeps the whole write out;
 * the recorder then stops writing for good (dt_recorder_stopped; the events stay counted in
 * dt_recorder_pending, dt_recorder_message says why).  Rows other than events (the session's
 * end, an outcome) are not checked: write the events first.  Events queued under a token and
 * not yet written (a store failure) keep needing that token until they are: a new hash, or NULL,
 * takes effect once they are written.  hash is copied. */
DT_API void dt_recorder_require_token(dt_recorder *rec, const char *hash);
/* Since dt_recorder_require_token: 1 once a write committed with the token live, -1 once one was
 * refused because it was not, 0 while no write was made (nothing confirms the token then). */
DT_API int dt_recorder_token_state(const dt_recorder *rec);

/* -- Queries.  Strings in the records below are borrowed for the callback call only; a callback
 * returns 0 to go on, nonzero to stop (the query then returns DT_OK). */
typedef struct dt_rec_filter {
    int active_only;       /* only sessions that can be resumed: every status but "completed" */
    const char *agent;     /* exact: the agent now or any agent before a hand-off; NULL: any */
    const char *tree;      /* tree id, exact: sessions on it or that called it; NULL: any */
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
    int64_t talk_ms;               /* time worked on: end (or last event) - start, minus the waits
                                      between a quit and the next resume (0 in
                                      dt_recorder_events); docs/recording.md "Talk time" */
} dt_rec_session;

/* The recorder's own event kinds, beside the engine's (DT_EVENT_KIND_LIST), each once:
 * X(NAME, "name in recordings").  The engine never emits them. */
#define DT_REC_EVENT_KIND_LIST(X) \
    X(HANDOFF, "handoff")         \
    X(FEEDBACK, "feedback")

/* Every kind a recording holds: the engine's, in DT_EVENT_KIND_LIST's order (DT_RK_START ...
 * DT_RK_END), then the recorder's own (DT_RK_HANDOFF, DT_RK_FEEDBACK).  Readers switch on
 * dt_rec_kind_from_name(ev->kind) instead of comparing the words. */
#define DT_RK_ENUM_(e, name) DT_RK_##e,
typedef enum dt_rec_kind {
    DT_EVENT_KIND_LIST(DT_RK_ENUM_) DT_REC_EVENT_KIND_LIST(DT_RK_ENUM_) DT_RK_UNKNOWN
} dt_rec_kind;
#undef DT_RK_ENUM_
/* "start", ..., "handoff", "feedback" (static; "unknown" for DT_RK_UNKNOWN or out of range). */
DT_API const char *dt_rec_kind_name(dt_rec_kind k);
/* The kind called `name` (dt_rec_event.kind); DT_RK_UNKNOWN for NULL or a name no dtree records. */
DT_API dt_rec_kind dt_rec_kind_from_name(const char *name);

typedef struct dt_rec_event {
    int64_t seq;                   /* 1, 2, ... in order within the session */
    int64_t time_ms;
    const char *kind;                          /* a dt_rec_kind's name: start step answer set back restart
                                      jump note end handoff feedback */
    const char *tree_id, *step_id, *step_kind; /* "" when not applicable */
    const char *choice_id, *label, *var, *value, *text, *outcome; /* "" when not applicable */
    const char *extra;             /* "initial" for a SET given before the start; else "" */
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
/* The number of events recorded for session `id` (a dt_rec_session's `events`) into *count: one
 * row read, whatever the session's length, for a client that checks whether its copy of a live
 * session is still the store's.  DT_ENOTFOUND when absent. */
DT_API dt_status dt_recorder_event_count(dt_recorder *rec, const char *id, int64_t *count,
                                         dt_error *err);
/* The full id of the one session whose id starts with `prefix` (at least 4 characters) into id_out.
 * DT_ENOTFOUND when none; DT_EARG when several match (the message says how many). */
DT_API dt_status dt_recorder_lookup(dt_recorder *rec, const char *prefix, char id_out[37],
                                    dt_error *err);
/* Every event of session `id` in order, annotated with on_path and why.  `tree` (may be NULL) is
 * the session's tree, used to name decide conditions when its hash matches the recording. */
DT_API dt_status dt_recorder_transcript(dt_recorder *rec, const char *id, const dt_tree *tree,
                                        dt_rec_event_fn fn, void *user, dt_error *err);
/* One agent's part of a session: who, from when (the start, or the resume) to when (they quit,
 * the process died, the end; while still going: the last event), and the interactive steps shown
 * meanwhile.  A session never handed off has one part. */
typedef struct dt_rec_part {
    const char *agent;
    int64_t from_ms, to_ms;
    size_t steps;
} dt_rec_part;
typedef int (*dt_rec_part_fn)(void *user, const dt_rec_part *p);
/* The parts of session `id` (full id) in order; the sum of their to - from is its talk_ms. */
DT_API dt_status dt_recorder_parts(dt_recorder *rec, const char *id, dt_rec_part_fn fn,
                                   void *user, dt_error *err);
/* Every tree id recorded (the sessions' trees and the trees they called), sorted, each once. */
typedef int (*dt_rec_name_fn)(void *user, const char *name);
DT_API dt_status dt_recorder_trees(dt_recorder *rec, dt_rec_name_fn fn, void *user, dt_error *err);
/* The root file recorded for a session on tree `tree_id` (the newest), else for one that called
 * it (that file's bundle holds the tree), into buf.  DT_ENOTFOUND when no recording names it. */
DT_API dt_status dt_recorder_tree_path(dt_recorder *rec, const char *tree_id, char *buf,
                                       size_t size, dt_error *err);
/* The title of step `step_id` of tree `tree_id` (a file of t's bundle), NULL when it has none or
 * t has no such step; borrowed from t.  For showing recorded step ids as titles. */
DT_API const char *dt_rec_step_title(const dt_tree *t, const char *tree_id, const char *step_id);
/* For readers of recordings, which name steps by (tree id, step id): the step's title ("" when the
 * author gave none), or NULL when the bundle has no such step (borrowed from the tree). */
DT_API const char *dt_tree_step_title(const dt_tree *t, const char *tree_id, const char *step_id);
/* The conditions of decide step (tree_id, step_id) whose branches lead to (to_tree, to_step),
 * joined by " or " ("otherwise" for the default branch), into buf (truncated to size).  The length
 * written, or 0 when either step is unknown or the first is not a decide. */
DT_API size_t dt_tree_decide_why(const dt_tree *t, const char *tree_id, const char *step_id,
                                 const char *to_tree, const char *to_step, char *buf, size_t size);
/* The events of session `id` (full id) numbered after `after`, in order, at most `limit` (0: all),
 * each with the session's row read in the same snapshot (its status says whether more can come):
 * for following a session live from the store, whoever writes it (dtree serve's event streams).
 * fn is not called when there is nothing new.  DT_ENOTFOUND when there is no such session. */
DT_API dt_status dt_recorder_events_after(dt_recorder *rec, const char *id, int64_t after,
                                          size_t limit, dt_rec_event_fn fn, void *user,
                                          dt_error *err);
/* Every event of every session matching `f`, session by session (oldest first), for export. */
DT_API dt_status dt_recorder_events(dt_recorder *rec, const dt_rec_filter *f, dt_rec_event_fn fn,
                                    void *user, dt_error *err);

/* A report: named tables of text cells (NULL cell: no value).  Tables, in order: "summary",
 * "outcomes", "ends", "drop_off", "paths", "step_time", "choices", "feedback"
 * (docs/recording.md defines each). */
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
 * elsewhere (sqlite3, psql, benchmarks), in SQLite's dialect; filter values appear as parameters
 * $1 agent, $2 tree, $3 mode, $4 status, $5 since, $6 until (epoch ms).  DT_EARG for a bad index,
 * DT_ELIMIT when buf is too small.  dt_recorder_report_sql_for: in the dialect of the store `db`
 * names (a PostgreSQL connection string: PostgreSQL's; anything else: SQLite's). */
DT_API dt_status dt_recorder_report_sql_for(const char *db, size_t i, const dt_rec_filter *f,
                                            size_t top, char *buf, size_t size);
DT_API dt_status dt_recorder_report_sql(size_t i, const dt_rec_filter *f, size_t top, char *buf,
                                        size_t size);
DT_API size_t dt_rec_report_count(const dt_rec_report *r);
/* The name of report table i ("summary", ...), NULL past the last: also without a report. */
DT_API const char *dt_rec_report_name(size_t i);
DT_API const dt_rec_table *dt_rec_report_table(const dt_rec_report *r, size_t i);
DT_API void dt_rec_report_free(dt_rec_report *r);

/* -- Copying recordings between stores (dtree sync).  Every session matching `f` (NULL: all;
 * its limit is ignored) is copied from `from` into `to` (opened for writing), matched by session
 * id and event seq: what `to` already has is not written again, so a copy interrupted at any point
 * and run again neither duplicates nor loses an event.  The copy goes in batches of whole
 * sessions, one transaction each; after each batch `progress` (may be NULL) gets the counts so
 * far.  An event that `to` has with different contents is never merged: that session is left as
 * it is, a warning names it in err, and the copy goes on; at the end DT_ESTATE
 * ("sync-conflict") says how many.  Claims and access tokens are not copied. */
typedef struct dt_rec_sync_stats {
    size_t sessions;  /* sessions read from the source */
    size_t created;   /* sessions created in the destination */
    size_t updated;   /* sessions the destination had, given events or a newer state */
    size_t unchanged; /* sessions the destination had in full already */
    size_t events;    /* events written */
    size_t conflicts; /* sessions not merged (an event differs) */
} dt_rec_sync_stats;
typedef void (*dt_rec_sync_fn)(void *user, const dt_rec_sync_stats *so_far);
DT_API dt_status dt_recorder_sync(dt_recorder *from, dt_recorder *to, const dt_rec_filter *f,
                                  dt_rec_sync_fn progress, void *user, dt_rec_sync_stats *stats,
                                  dt_error *err);

/* -- The spool (PostgreSQL): where a recorder writes while the server cannot be reached or
 * refuses it (down, unreachable, wrong password, no right to insert), so that the call goes on and
 * no event is lost.  `path` is a local SQLite recording (created 0600 when missing; the same crash
 * guarantees as any).  While spooling, the recorder tries the server again without waiting for
 * it (a new connection every 5 s at most, advanced at each write for 50 ms at most, given up after
 * the connect timeout); once it is up, the spooled events are written there first, in order, and
 * leave the spool.  A session finished while spooling ends in the spool; the next
 * dt_recorder_upload_spool (or `dtree sync --from SPOOL --to STORE`) uploads it.  Ignored (DT_OK)
 * for an SQLite recorder.  The path is copied. */
DT_API dt_status dt_recorder_set_spool(dt_recorder *rec, const char *path, dt_error *err);
/* 1 while the recorded session's events go to the spool. */
DT_API int dt_recorder_spooling(const dt_recorder *rec);
/* The spool's path ("" when none; borrowed). */
DT_API const char *dt_recorder_spool_path(const dt_recorder *rec);
/* Upload what the spool file at `path` holds into rec's store (dt_recorder_sync), then remove
 * from the file the sessions no process is writing.  stats (may be NULL) as dt_recorder_sync. */
DT_API dt_status dt_recorder_upload_spool(dt_recorder *rec, const char *path,
                                          dt_rec_sync_stats *stats, dt_error *err);

/* A call begun with the spool as its recorder (the server could not be reached at the start)
 * moves to the server when it answers again.  Whether it does is checked without waiting: a probe
 * started on the connection string `db` (NULL when `db` is not PostgreSQL or memory ran out) is
 * advanced by each dt_rec_probe_poll, which waits 50 ms at most: 1 once the server took the
 * login, 0 while it has not answered yet, -1 when it refused or the connect timeout passed (free
 * it and start another later).  dt_rec_probe_free(NULL) does nothing. */
typedef struct dt_rec_probe dt_rec_probe;
DT_API dt_rec_probe *dt_rec_probe_start(const char *db);
DT_API int dt_rec_probe_poll(dt_rec_probe *p);
DT_API void dt_rec_probe_free(dt_rec_probe *p);
/* Move the session `from` records (e.g. the spool) to `to` (open for writing, recording nothing):
 * what `from` holds is written to `to` (dt_recorder_sync of from's store: every session there,
 * every seq once, however often this is tried), the session is claimed on `to` for the agent
 * recorded, and `to` takes the recording over from the next seq on (the chained observer too);
 * `from` releases its claim, forgets the session, and records nothing more (close it).  On
 * failure `from` records on as before and err says why. */
DT_API dt_status dt_recorder_move(dt_recorder *from, dt_recorder *to, dt_error *err);

/* -- Watching sessions change (dtree sessions --follow).  A watch remembers where each session
 * matching its filter stood when it was made; dt_rec_watch_poll then tells every change once, in
 * the order seen: a session started, moved (a step, an answer, a note), ended (any status but
 * active) or resumed (active again after it had ended).  On SQLite the store is polled (a cheap
 * check every 100 ms; the sessions are read only after something was committed); on PostgreSQL it
 * is told (LISTEN/NOTIFY, ids only).  The watch borrows `rec` and the strings of `f` until it is
 * freed; memory grows with the sessions that change while watched, not with the store. */
#define DT_REC_CHANGE_LIST(X) \
    X(STARTED, "started")     \
    X(MOVED, "step")          \
    X(ENDED, "ended")         \
    X(RESUMED, "resumed")
#define DT_REC_CHANGE_ENUM_(e, name) DT_REC_CHANGE_##e,
typedef enum dt_rec_change { DT_REC_CHANGE_LIST(DT_REC_CHANGE_ENUM_) } dt_rec_change;
#undef DT_REC_CHANGE_ENUM_
/* The name of a change ("started", "step", ...); static storage. */
DT_API const char *dt_rec_change_name(dt_rec_change c);
/* Called once per change with the session's new row (borrowed for the call); nonzero stops. */
typedef int (*dt_rec_change_fn)(void *user, dt_rec_change what, const dt_rec_session *s);
typedef struct dt_rec_watch dt_rec_watch;
/* Start watching rec's sessions matching f (NULL: all; its limit is ignored).  *out owns the watch
 * (dt_rec_watch_free); nothing is told about what is there already. */
DT_API dt_status dt_rec_watch_new(dt_recorder *rec, const dt_rec_filter *f, dt_rec_watch **out,
                                  dt_error *err);
/* Wait up to timeout_ms for changes and tell each to fn; returns as soon as some were told, at the
 * timeout, or early when a signal interrupts the wait (so a caller's signal flag is seen). */
DT_API dt_status dt_rec_watch_poll(dt_rec_watch *w, int timeout_ms, dt_rec_change_fn fn,
                                   void *user, dt_error *err);
DT_API void dt_rec_watch_free(dt_rec_watch *w);

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
    int took_over;            /* 1: the session was taken from a live claim (meta->take_over) */
    /* Borrowed from `rec` until its next dt_recorder_resume or dt_recorder_close: */
    const char *previous_agent; /* who recorded the session last; "" when nobody was named */
    const char *note;         /* a line for the person resuming; "" when nothing to say */
} dt_rec_resume;
DT_API dt_status dt_recorder_resume(dt_recorder *rec, const char *id, const dt_tree *tree,
                                    const dt_record_meta *meta, dt_session **out,
                                    dt_rec_resume *info, dt_error *err);

#ifdef __cplusplus
}
#endif
#endif /* DTREE_H */
