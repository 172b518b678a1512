/*
 * session.h — internals of dt_session shared by session*.c (internal).
 * Invariants between public calls: the path tail is the current (interactive) step; every variable
 * change and call-stack change since the restart barrier is in the undo log; the current view and the
 * event queue are built inside a transaction (dt_txn) and only published when the whole action worked.
 */
#ifndef DTREE_ENGINE_SESSION_H
#define DTREE_ENGINE_SESSION_H

#include "cond.h"
#include "model.h"
#include <stddef.h>
#include <stdint.h>

/* Automatic steps allowed in one walk beyond the number of steps in the bundle (counting loops). */
#define SESS_AUTO_SLACK 1000u

typedef struct dt_call_frame {
    uint32_t ret;      /* step to continue at when the callee ends */
    uint32_t var;      /* result variable or M_NONE */
} dt_call_frame;

enum {
    SESS_U_VAR = 0,
    SESS_U_PUSH,
    SESS_U_POP
};

/* One undoable change.  Undo and redo both swap the stored state with the live one, so an undo
 * that must be abandoned (out of memory while rebuilding the view) is reversed exactly. */
typedef struct dt_undo {
    uint8_t kind;
    uint8_t was_set; /* SESS_U_VAR: is_set flag of the other state */
    uint32_t var;
    char *old;           /* SESS_U_VAR: the other value (owned; NULL = unset) */
    dt_call_frame frame; /* SESS_U_PUSH / SESS_U_POP */
} dt_undo;

#define SESS_P_ACTED 1u      /* an answer or jump was taken here; act_mark is valid */
#define SESS_P_OWN_ANSWER 2u /* answer is owned (dt_free) */

typedef struct dt_prec {   /* one path entry, compact; the public dt_path_entry is built on demand */
    uint32_t step;
    uint32_t choice;       /* choice index or M_NONE */
    uint8_t flags;         /* SESS_P_* */
    uint8_t mark;          /* DT_PATH_RESTART / DT_PATH_JUMP */
    uint32_t nnotes;
    size_t act_mark;       /* undo-log length before the action taken here */
    size_t shown;          /* interactive entries up to and including this one */
    int64_t time_ms;
    const char *answer;
    char **notes;
} dt_prec;

typedef struct dt_qev {    /* a queued event: published only when its action commits */
    uint8_t kind;
    uint32_t step, choice, var;
    const char *label, *value, *text; /* borrowed: stay alive until the queue is flushed */
    size_t path_length;
} dt_qev;

typedef struct dt_chunk {
    struct dt_chunk *next;
    size_t cap, used;
    char data[];
} dt_chunk;

typedef struct dt_vbuf {   /* a view and the storage of its strings */
    dt_view view;
    dt_text_view *say;
    size_t say_cap;
    dt_choice_view *ch;
    size_t ch_cap;
    uint32_t *offered;     /* choice record index of each offered choice */
    size_t off_cap;
    const char **opts;
    size_t opt_cap;
    const char *end_text;  /* END: says joined by newlines */
    dt_chunk *chunks;
} dt_vbuf;

typedef struct dt_txn {
    size_t path_len, undo_len, nq;
    dt_prec tail;          /* the tail entry before the action (when path_len > 0) */
    int ended;
} dt_txn;

struct dt_session {
    const dt_tree *t;
    dt_cond_env *env;
    dt_observer_fn obs;
    void *obs_user;
    int64_t (*clock)(void *);
    void *clock_user;
    int started, ended;
    int64_t now;           /* clock reading of the action in progress */
    uint32_t nvars;
    char **vals;           /* canonical text, NULL = unset */
    uint8_t *is_set;
    char **init;           /* defaults and values set before start: what restart returns to */
    uint8_t *init_set;
    dt_var_view *vv;
    dt_call_frame stack[DT_MAX_CALL_DEPTH];
    unsigned depth;
    dt_prec *path;
    size_t npath, path_cap;
    dt_path_entry *pub;
    size_t pub_cap;
    dt_undo *undo;
    size_t nundo, undo_cap;
    dt_qev *q;
    size_t nq, q_cap;
    dt_vbuf vb[2];
    int cur;               /* index of the published view */
    int built;             /* vb[!cur] holds a fresh view for the action in progress */
    int emit_more;         /* the event being emitted is not the last of its action */
    char *sb;              /* scratch string builder */
    size_t sb_len, sb_cap;
};

/* session.c */
dt_status dt_sess_oom(dt_error *err);
dt_status dt_sess_err(dt_session *s, dt_error *err, dt_status code, uint32_t unit, dt_pos pos,
                      const char *fmt, ...) __attribute__((format(printf, 6, 7)));
const char *dt_sess_val(const dt_session *s, uint32_t v);
const char *dt_sess_display(const dt_session *s, uint32_t v);
dt_prec *dt_sess_tail(dt_session *s);
void dt_txn_begin(dt_session *s, dt_txn *x);
void dt_txn_commit(dt_session *s);
dt_status dt_txn_end(dt_session *s, dt_txn *x, dt_status st);
int dt_sess_queue(dt_session *s, dt_event_kind kind, uint32_t step, uint32_t choice, uint32_t var,
                  const char *label, const char *value, const char *text);
void dt_sess_emit(dt_session *s, const dt_qev *q);
void dt_sess_prec_clear(dt_prec *p);
dt_status dt_sess_mark_acted(dt_session *s, uint32_t choice, const char *answer, int own);

/* session_undo.c */
dt_status dt_sess_assign(dt_session *s, uint32_t v, char *val, int is_set, dt_error *err);
dt_status dt_sess_push_frame(dt_session *s, dt_call_frame f, dt_error *err);
dt_status dt_sess_pop_frame(dt_session *s, dt_call_frame *out, dt_error *err);
void dt_sess_undo_to(dt_session *s, size_t mark);
void dt_sess_redo_from(dt_session *s, size_t mark);
void dt_sess_undo_drop(dt_session *s, size_t mark);

/* session_walk.c */
dt_status dt_sess_walk(dt_session *s, uint32_t step, uint8_t mark, dt_error *err);
dt_status dt_sess_apply_sets(dt_session *s, uint32_t first, uint32_t n, dt_error *err);
dt_status dt_sess_cond_fail(dt_session *s, uint32_t cond, const char *msg, dt_error *err);
dt_status dt_sess_check_answerable(dt_session *s, dt_step_kind kind, dt_error *err);
/* The choices (or branches) of r offered now are those whose `when` holds or that have none:
 * *i becomes the first of them at or after *i, or r->first_choice + r->nchoices when none is. */
dt_status dt_sess_next_offered(dt_session *s, const dt_step_rec *r, uint32_t *i, dt_error *err);
/* Pop every call frame (logged, so undoable). */
dt_status dt_sess_unwind(dt_session *s, dt_error *err);
/* 1 when r is an end inside a call whose closing words are shown before returning. */
int dt_sess_called_end_shown(const dt_session *s, const dt_step_rec *r);

/* session_view.c */
dt_status dt_sess_view_build(dt_session *s, uint32_t step, size_t shown, dt_error *err);
void dt_sess_vbuf_free(dt_vbuf *vb);
/* The current view's offered choices (choice record indices). */
const dt_vbuf *dt_sess_cur_view(const dt_session *s);

#endif
