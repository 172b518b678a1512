/*
 * load_steps.c — one handler per element of the tree format (docs/format-spec.md), called in
 * document order by the reader pass.  Handlers append model records at once; references to steps and
 * variables are stored as interned names and resolved when the file ends (load_resolve.c).
 * A step's own <set>s wait in a scratch list so that each step's and each choice's sets stay contiguous.
 */
#include "interp.h"
#include "load.h"
#include "mem.h"
#include "value.h"
#include <stdio.h>
#include <string.h>

static int is_step(int e)
{
    return e < E_COUNT && (E_STEPS & (1u << e));
}

/* ---- small validators ---- */

static int is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Ids: [A-Za-z0-9][A-Za-z0-9_.-]* over s[0..n). */
static int token_ok(const char *s, size_t n)
{
    if (n == 0 || !is_alnum(s[0]))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!is_alnum(s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
            return 0;
    return 1;
}

/* The known outcomes by name (dtree.h's list), then the rule for an author's own word. */
#define OUTCOME_WORD_(e, name) name ", "
#define BAD_OUTCOME_WORDS DT_OUTCOME_LIST(OUTCOME_WORD_)
#define BAD_OUTCOME                                                                          \
    "outcome \"%.60s\" is not valid: use " BAD_OUTCOME_WORDS "or a lower-case word of your " \
    "own such as \"call-back\""

static int outcome_ok(const char *s)
{
    if (!(s[0] >= 'a' && s[0] <= 'z'))
        return 0;
    for (const char *p = s + 1; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return 0;
    return 1;
}

/* BCP 47, loosely: a 2-8 letter language, then subtags of 1-8 letters or digits. */
static int lang_ok(const char *s)
{
    size_t i = 0;
    while ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))
        i++;
    if (i < 2 || i > 8)
        return 0;
    while (s[i] == '-') {
        size_t j = ++i;
        while (is_alnum(s[i]))
            i++;
        if (i == j || i - j > 8)
            return 0;
    }
    return s[i] == '\0';
}

static int tokens_ok(const char *s)
{
    for (;;) {
        while (*s == ' ')
            s++;
        if (!*s)
            return 1;
        size_t n = strcspn(s, " ");
        if (!token_ok(s, n))
            return 0;
        s += n;
    }
}

/* true|false into *out (default when absent); 0, or -1 after reporting. */
static int get_bool(dt_loader *L, const dt_attrs *at, int a, int def, uint8_t *out)
{
    const char *v = at->v[a];
    *out = (uint8_t)def;
    if (!v)
        return 0;
    if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0) {
        *out = v[0] == 't';
        return 0;
    }
    dt_pos p = dt_attr_pos(at, a);
    dt_load_error(L, DT_EINVALID, &p, "bad-value", "%s=\"%.60s\" must be \"true\" or \"false\"",
                  dt_attr_names[a], v);
    return -1;
}

static uint8_t get_audience(dt_loader *L, const dt_attrs *at)
{
    static const char *const names[] = {"all", "agent", "customer"};
    const char *v = at->v[A_AUDIENCE];
    if (!v)
        return DT_AUD_ALL;
    for (uint8_t i = 0; i < 3; i++)
        if (strcmp(v, names[i]) == 0)
            return i;
    dt_pos p = dt_attr_pos(at, A_AUDIENCE);
    dt_load_error(L, DT_EINVALID, &p, "bad-value",
                  "audience=\"%.60s\" must be \"all\", \"agent\" or \"customer\"", v);
    return DT_AUD_ALL;
}

/* Intern an id attribute after checking its syntax; 0 ("") when absent or invalid. */
static dt_str get_id(dt_loader *L, const dt_attrs *at, int a, const char *what)
{
    const char *v = at->v[a];
    dt_str s = 0;
    if (!v)
        return 0;
    size_t n = at->len[a];
    if (!token_ok(v, n)) {
        dt_pos p = dt_attr_pos(at, a);
        dt_load_error(L, DT_EINVALID, &p, "bad-id",
                      "%s \"%.60s\" is not a valid id: use letters, digits, \"_\", \".\" and \"-\", "
                      "starting with a letter or digit", what, v);
        return 0;
    }
    dt_load_intern(L, v, n, &s);
    return s;
}

static dt_str get_str(dt_loader *L, const dt_attrs *at, int a)
{
    dt_str s = 0;
    if (at->v[a])
        dt_load_intern(L, at->v[a], at->len[a], &s);
    return s;
}

/* A variable name attribute: syntax now, declaration when the file ends. */
static dt_str get_var_ref(dt_loader *L, const dt_attrs *at, int a)
{
    const char *v = at->v[a];
    if (!v)
        return 0;
    dt_pos p = dt_attr_pos(at, a);
    if (!dt_name_valid(v, at->len[a])) {
        dt_load_error(L, DT_EINVALID, &p, "bad-name",
                      "\"%.60s\" is not a valid variable name (letters, digits and \"_\")", v);
        return 0;
    }
    dt_str s = get_str(L, at, a);
    if (s)
        dt_load_use_var(L, s, &p, 2);
    return s;
}

/* ---- <tree>, <description>, <handoff>, <var> ---- */

static void on_tree(dt_loader *L, const dt_attrs *at)
{
    dt_unit_rec *u = M_UNIT(L->t, L->unit);
    L->saw_root = 1;
    L->root_pos = at->tag;
    u->id = get_id(L, at, A_ID, "tree id");
    u->title = get_str(L, at, A_TITLE);
    u->version = get_str(L, at, A_VERSION);
    if (at->v[A_LANG] && !lang_ok(at->v[A_LANG])) {
        dt_pos p = dt_attr_pos(at, A_LANG);
        dt_load_error(L, DT_EINVALID, &p, "bad-value",
                      "lang=\"%.60s\" is not a language tag such as \"en\" or \"pt-BR\"", at->v[A_LANG]);
    }
    u->lang = at->v[A_LANG] ? get_str(L, at, A_LANG) : 0;
    if (!u->lang)
        dt_load_intern(L, "en", 2, &u->lang);
    if (at->v[A_TAGS] && !tokens_ok(at->v[A_TAGS])) {
        dt_pos p = dt_attr_pos(at, A_TAGS);
        dt_load_error(L, DT_EINVALID, &p, "bad-value",
                      "tags=\"%.60s\" must be words separated by spaces (letters, digits, \"_\", \".\", \"-\")",
                      at->v[A_TAGS]);
    }
    u->tags = get_str(L, at, A_TAGS);
    get_bool(L, at, A_KIOSK, 0, &u->kiosk);
    L->start_id = get_id(L, at, A_START, "start step");
    L->start_pos = dt_attr_pos(at, A_START);
}

static int once(dt_loader *L, int *seen, const dt_pos *pos, const char *elem)
{
    if (*seen) {
        dt_load_error(L, DT_EINVALID, pos, "duplicate-element", "only one <%s> is allowed", elem);
        return 0;
    }
    *seen = 1;
    return 1;
}

static void on_handoff(dt_loader *L, const dt_attrs *at)
{
    if (!once(L, &L->saw_handoff, &at->tag, "handoff"))
        return;
    dt_unit_rec *u = M_UNIT(L->t, L->unit);
    dt_str to = get_id(L, at, A_TO, "handoff step");
    u->handoff_to = to ? to : M_NONE; /* an id until the file ends */
    L->handoff_pos = at->tag;
}

static char *scratch(dt_loader *L, size_t n)
{
    if (dt_grow((void **)&L->scratch, &L->scap, n, 1) != 0) {
        dt_load_oom(L);
        return NULL;
    }
    return L->scratch;
}

static void on_var(dt_loader *L, const dt_attrs *at)
{
    const char *name = at->v[A_NAME];
    dt_pos np = dt_attr_pos(at, A_NAME);
    if (!name || !dt_name_valid(name, strlen(name))) {
        if (name)
            dt_load_error(L, DT_EINVALID, &np, "bad-name",
                          "variable name \"%.60s\" is not valid: use letters, digits and \"_\" "
                          "(no \"-\" or \".\"), starting with a letter or \"_\"", name);
        return;
    }
    int type = DT_VAR_TEXT;
    if (at->v[A_TYPE] && (type = dt_var_type_parse(at->v[A_TYPE])) < 0) {
        dt_pos p = dt_attr_pos(at, A_TYPE);
        dt_load_error(L, DT_EINVALID, &p, "bad-value",
                      "unknown type \"%.40s\" (use text, number, boolean, date, email, phone or choice)",
                      at->v[A_TYPE]);
        return;
    }
    dt_var_rec v = {0};
    v.type = (uint8_t)type;
    v.unit = (uint16_t)L->unit;
    v.pos = np;
    if (get_bool(L, at, A_SENSITIVE, 0, &v.sensitive) != 0 ||
        get_bool(L, at, A_INTERNAL, 0, &v.internal) != 0)
        return;
    if (at->v[A_LABEL] && dt_load_intern(L, at->v[A_LABEL], strlen(at->v[A_LABEL]), &v.label) != 0)
        return;
    /* value="" leaves a typed variable unset (an empty default only makes sense as text) */
    if (at->v[A_VALUE] && (at->v[A_VALUE][0] || type == DT_VAR_TEXT || type == DT_VAR_CHOICE)) {
        size_t n = strlen(at->v[A_VALUE]);
        const char *why = NULL;
        char *out = scratch(L, n + 32);
        if (!out)
            return;
        if (dt_value_parse((dt_var_type)type, at->v[A_VALUE], out, n + 32, &why) != 0) {
            dt_pos p = dt_attr_pos(at, A_VALUE);
            dt_load_error(L, DT_EINVALID, &p, "bad-value", "default value \"%.60s\" of variable \"%s\" "
                          "is not a valid %s: %s", at->v[A_VALUE], name, dt_var_type_name(type), why);
            return;
        }
        v.has_default = 1;
        if (dt_load_intern(L, out, strlen(out), &v.def) != 0)
            return;
    }
    if (dt_load_intern(L, name, strlen(name), &v.name) == 0)
        dt_load_declare_var(L, &v);
}

/* ---- steps ---- */

static dt_step_rec *cur_step(dt_loader *L, const dt_frame *f)
{
    return M_STEP(L->t, f->index);
}

/* A step reference attribute: its id now, the index when the file ends. */
static uint32_t step_ref(dt_loader *L, const dt_attrs *at, int a, const char *what)
{
    dt_str s = get_id(L, at, a, what);
    return s ? s : M_NONE;
}

static void on_input(dt_loader *L, dt_step_rec *s, const dt_attrs *at)
{
    dt_input_rec *in = dt_vec_push(&L->t->inputs, sizeof *in);
    dt_inputfix *fx = dt_vec_push(&L->inputfix, sizeof *fx);
    if (!in || !fx) {
        dt_load_oom(L);
        return;
    }
    s->input = L->t->inputs.len - 1;
    s->var = get_var_ref(L, at, A_VAR);
    s->var = s->var ? s->var : M_NONE;
    s->next = step_ref(L, at, A_NEXT, "next step");
    in->first_option = L->t->options.len;
    get_bool(L, at, A_REQUIRED, 1, &in->required);
    *fx = (dt_inputfix){s->input, (uint32_t)(s - M_STEP(L->t, 0)), s->var, get_str(L, at, A_MIN),
                        get_str(L, at, A_MAX), at->tag, dt_attr_pos(at, A_MIN),
                        dt_attr_pos(at, A_MAX), dt_attr_pos(at, A_PATTERN)};
    /* compiled when the file ends, once per distinct input (a compiled pattern can be large) */
    M_INPUT(L->t, s->input)->pattern = get_str(L, at, A_PATTERN);
}

static void on_call_or_jump(dt_loader *L, dt_step_rec *s, const dt_attrs *at, int is_jump)
{
    if (is_jump) {
        if (!at->v[A_TO] == !at->v[A_TREE]) {
            dt_load_error(L, DT_EINVALID, &at->tag, "missing-attribute",
                          "<jump> needs either a \"to\" step or a \"tree\" file (not both)");
            return;
        }
        if (at->v[A_TO]) {
            if (at->v[A_START]) {
                dt_pos p = dt_attr_pos(at, A_START);
                dt_load_error(L, DT_EINVALID, &p, "unknown-attribute",
                              "\"start\" only goes with \"tree\" on <jump>");
            }
            s->next = step_ref(L, at, A_TO, "jump target");
            return;
        }
    } else {
        s->next = step_ref(L, at, A_NEXT, "next step");
        if (at->v[A_RESULT])
            s->var = get_var_ref(L, at, A_RESULT);
        s->var = (s->var && s->var != M_NONE) ? s->var : M_NONE;
    }
    if (!at->v[A_TREE])
        return;
    dt_pos tp = dt_attr_pos(at, A_TREE);
    dt_callfix fx = {(uint32_t)(s - M_STEP(L->t, 0)), L->unit, M_NONE,
                     get_id(L, at, A_START, "start step"), s->var == M_NONE ? 0 : s->var,
                     dt_attr_pos(at, at->v[A_START] ? A_START : A_TREE), (uint8_t)is_jump};
    if (!(L->flags & DT_LOAD_NO_CALLS))
        fx.callee = dt_load_callee(L, at->v[A_TREE], &tp);
    dt_callfix *p = dt_vec_push(&L->callfix, sizeof *p);
    if (!p) {
        dt_load_oom(L);
        return;
    }
    *p = fx;
}

static void on_step(dt_loader *L, dt_frame *f, const dt_attrs *at)
{
    dt_tree *t = L->t;
    if (t->steps.len - M_UNIT(t, L->unit)->first_step >= LOAD_MAX_STEPS) {
        dt_load_error(L, DT_ELIMIT, &at->tag, "too-many-steps", "more than %u steps in one file",
                      LOAD_MAX_STEPS);
        f->elem = E_UNKNOWN;
        return;
    }
    dt_step_rec *s = dt_vec_push(&t->steps, sizeof *s);
    if (!s) {
        dt_load_oom(L);
        return;
    }
    f->index = t->steps.len - 1;
#define NOT_A_STEP_(e, name)
#define KIND_OF_(e, name, interactive) [E_##e] = DT_STEP_##e,
    static const uint8_t kinds[E_COUNT] = {ELEM_LIST(NOT_A_STEP_, KIND_OF_)};
    s->kind = kinds[f->elem];
    s->unit = (uint16_t)L->unit;
    s->pos = at->tag;
    s->next = s->target = s->var = s->input = M_NONE;
    s->first_say = t->says.len;
    s->first_choice = t->choices.len;
    s->audience = get_audience(L, at);
    if (at->v[A_TITLE])
        dt_load_text(L, at->v[A_TITLE], at->len[A_TITLE], &s->title);
    s->id = get_id(L, at, A_ID, "step id");
    dt_pos idpos = dt_attr_pos(at, A_ID); /* a duplicate is reported at its id */
    dt_load_declare_step(L, f->index, &idpos);
    s = cur_step(L, f);
    switch (f->elem) {
    case E_INFO: s->next = step_ref(L, at, A_NEXT, "next step"); break;
    case E_INPUT: on_input(L, s, at); break;
    case E_CALL: on_call_or_jump(L, s, at, 0); break;
    case E_JUMP: on_call_or_jump(L, s, at, 1); break;
    case E_END:
        if (at->v[A_OUTCOME] && !outcome_ok(at->v[A_OUTCOME])) {
            dt_pos p = dt_attr_pos(at, A_OUTCOME);
            dt_load_error(L, DT_EINVALID, &p, "bad-value", BAD_OUTCOME, at->v[A_OUTCOME]);
        } else {
            s->outcome = get_str(L, at, A_OUTCOME);
        }
        break;
    default: break;
    }
}

/* ---- children of steps ---- */

static void on_set(dt_loader *L, dt_frame *parent, const dt_attrs *at)
{
    dt_set_rec r = {0, M_NONE};
    dt_str v = get_var_ref(L, at, A_VAR);
    r.var = v ? v : M_NONE;
    if (at->v[A_VALUE])
        r.expr = dt_load_cond(L, at, A_VALUE);
    dt_vec *to = is_step(parent->elem) ? &L->stepsets : &L->t->sets;
    dt_set_rec *p = dt_vec_push(to, sizeof *p);
    if (!p) {
        dt_load_oom(L);
        return;
    }
    *p = r;
}

static void on_branch(dt_loader *L, dt_frame *f, dt_frame *parent, const dt_attrs *at)
{
    if (f->elem != E_CHOICE && parent->otherwise) {
        parent->after_otherwise = 1;
        dt_load_error(L, DT_EINVALID, &at->tag, "misplaced-element",
                      "<%s> after <otherwise>: <otherwise> must be the last branch",
                      f->elem == E_WHEN ? "when" : "otherwise");
    }
    dt_choice_rec *c = dt_vec_push(&L->t->choices, sizeof *c);
    if (!c) {
        dt_load_oom(L);
        return;
    }
    f->index = L->t->choices.len - 1;
    c->pos = at->tag;
    c->to = step_ref(L, at, A_TO, "target step");
    c->cond = M_NONE;
    c->first_set = L->t->sets.len;
    if (f->elem != E_CHOICE) { /* branch ids name the branch in events: "when 2", "otherwise" */
        char name[24];
        snprintf(name, sizeof name, f->elem == E_OTHERWISE ? "otherwise" : "when %u",
                 f->index - cur_step(L, parent)->first_choice + 1);
        dt_load_intern(L, name, strlen(name), &M_CHOICE(L->t, f->index)->id);
    }
    if (f->elem == E_OTHERWISE) {
        parent->otherwise = 1;
        return;
    }
    uint32_t cond = at->v[f->elem == E_WHEN ? A_TEST : A_WHEN] ? dt_load_cond(L, at, f->elem == E_WHEN ? A_TEST : A_WHEN) : M_NONE;
    c = M_CHOICE(L->t, f->index);
    c->cond = cond;
    if (f->elem == E_CHOICE) {
        c->audience = get_audience(L, at);
        c->id = get_id(L, at, A_ID, "choice id");
        if (!c->id) {
            uint32_t k = f->index - cur_step(L, parent)->first_choice + 1;
            dt_str *cache = k <= 16 ? &L->auto_ids[k - 1] : NULL;
            if (cache && *cache) {
                c->id = *cache;
            } else {
                char num[16];
                snprintf(num, sizeof num, "%u", k);
                dt_load_intern(L, num, strlen(num), &M_CHOICE(L->t, f->index)->id);
                if (cache)
                    *cache = M_CHOICE(L->t, f->index)->id;
            }
        }
    }
}

void dt_on_start(dt_loader *L, dt_frame *f, dt_frame *parent, dt_attrs *at)
{
    switch (f->elem) {
    case E_TREE: on_tree(L, at); break;
    case E_DESCRIPTION: once(L, &L->saw_description, &at->tag, "description"); break;
    case E_HANDOFF: on_handoff(L, at); break;
    case E_VAR: on_var(L, at); break;
    case E_SAY: f->index = get_audience(L, at); break;
    case E_NOTE:
        if (parent->notes++)
            dt_load_error(L, DT_EINVALID, &at->tag, "duplicate-element", "only one <note> per step");
        break;
    case E_RETRY:
        if (parent->retries++)
            dt_load_error(L, DT_EINVALID, &at->tag, "duplicate-element", "only one <retry> per step");
        break;
    case E_SET: on_set(L, parent, at); break;
    case E_CHOICE:
    case E_WHEN:
    case E_OTHERWISE: on_branch(L, f, parent, at); break;
    case E_OPTION: break;
    default:
        if (is_step(f->elem))
            on_step(L, f, at);
        break;
    }
}

/* ---- element ends: text and counts ---- */

/* Byte classes for the loop below, which runs on every byte of every text: 1 the white space XML
 * text may hold, 2 the bytes that need a second look afterwards (NUL, braces), else 0. */
static const unsigned char text_cls[256] = {[' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1,
                                            ['\0'] = 2, ['{'] = 2, ['}'] = 2};

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* High bit set in each byte of w equal to c (exact, no borrow between bytes). */
static uint64_t bytes_eq(uint64_t w, unsigned char c)
{
    uint64_t t = w ^ (ONES * c), low7 = ~HIGHS;
    return ~(((t & low7) + low7) | t | low7);
}

/* Most texts are already normal: one line, single spaces, no brace.  Checking that eight bytes at
 * a time avoids the byte loop below, whose branches mispredict at every word.  1 when s[0..n) is
 * non-empty, starts and ends with no white space, and holds no byte below ' ', no '{' or '}' and no
 * two spaces in a row. */
static int already_normal(const char *s, size_t n)
{
    if (n == 0 || text_cls[(unsigned char)s[0]] || text_cls[(unsigned char)s[n - 1]])
        return 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w, sp;
        memcpy(&w, s + i, 8);
        sp = bytes_eq(w, ' ');
        if (((w - ONES * 0x20) & ~w & HIGHS) || bytes_eq(w, '{') || bytes_eq(w, '}') || (sp & (sp << 8)) ||
            (sp & (sp >> 8)) || (i && s[i - 1] == ' ' && s[i] == ' '))
            return 0;
    }
    for (; i < n; i++)
        if (text_cls[(unsigned char)s[i]] >= (s[i] == ' ' && s[i - 1] != ' ' ? 2 : 1))
            return 0;
    return 1;
}

/* Normalise the frame's text in place: trim, collapse white space runs to one space, and keep a
 * blank line (two or more newlines) as one paragraph break "\n".  *special: a NUL or brace seen. */
static size_t normalise(char *s, size_t n, int *special)
{
    *special = 0;
    if (already_normal(s, n))
        return n;
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0, i = 0;
    unsigned seen = 0, c;
    while (i < n && text_cls[u[i]] == 1)
        i++;
    while (i < n) {
        while (i < n && (c = text_cls[u[i]]) != 1) {
            seen |= c;
            s[o++] = s[i++];
        }
        int nl = 0;
        while (i < n && text_cls[u[i]] == 1)
            nl += s[i++] == '\n';
        if (i < n)
            s[o++] = nl >= 2 ? '\n' : ' ';
    }
    *special = seen != 0;
    return o;
}

/* The frame's text, normalised, interned in *out; *text points at it in the text buffer (valid
 * until the next text node), *special says whether it holds a brace (or a NUL).  -1 when out of memory. */
static int frame_text(dt_loader *L, const dt_frame *f, dt_str *out, const char **text, int *special)
{
    if (dt_grow((void **)&L->tbuf, &L->tcap, L->tlen + 1, 1) != 0) {
        dt_load_oom(L);
        return -1;
    }
    char *s = L->tbuf + f->text_start;
    size_t n = normalise(s, L->tlen - f->text_start, special);
    s[n] = '\0';
    *text = s;
    if (*special && memchr(s, '\0', n)) /* cannot come from XML, but never let it cut a string short */
        n = strlen(s);
    /* Options are interned: input specs are shared by comparing their offsets (load_resolve.c). */
    if (f->elem == E_OPTION)
        return dt_load_intern(L, s, n, out);
    return dt_load_text(L, s, n, out);
}

static void step_end(dt_loader *L, dt_frame *f)
{
    dt_tree *t = L->t;
    dt_step_rec *s = cur_step(L, f);
    s->nsay = t->says.len - s->first_say;
    s->nchoices = t->choices.len - s->first_choice;
    s->first_set = t->sets.len;
    for (uint32_t i = 0; i < L->stepsets.len; i++) {
        dt_set_rec *r = dt_vec_push(&t->sets, sizeof *r);
        if (!r) {
            dt_load_oom(L);
            return;
        }
        *r = *M_VEC_AT(L->stepsets, dt_set_rec, i);
    }
    s = cur_step(L, f);
    s->nsets = L->stepsets.len;
    L->stepsets.len = 0;
    if (f->elem == E_QUESTION && s->nchoices == 0)
        dt_load_error(L, DT_EINVALID, &f->pos, "missing-element",
                      "<question> needs at least one <choice>");
    if (f->elem == E_DECIDE && !f->otherwise)
        dt_load_error(L, DT_EINVALID, &f->pos, "missing-element",
                      "<decide> needs an <otherwise> as its last branch");
    if (f->elem == E_INPUT && s->input != M_NONE) {
        dt_input_rec *in = M_INPUT(t, s->input);
        in->noptions = t->options.len - in->first_option;
    }
}

static void text_end(dt_loader *L, dt_frame *f, dt_frame *parent)
{
    dt_str s;
    const char *text;
    int special;
    if (frame_text(L, f, &s, &text, &special) != 0)
        return;
    if (special) /* no brace: nothing to check */
        dt_load_check_interp(L, text, &f->pos, dt_elem_names[f->elem]);
    dt_tree *t = L->t;
    switch (f->elem) {
    case E_SAY: {
        dt_text_rec *r = dt_vec_push(&t->says, sizeof *r);
        if (!r) {
            dt_load_oom(L);
            return;
        }
        r->text = s;
        r->audience = (uint8_t)f->index;
        break;
    }
    case E_NOTE: cur_step(L, parent)->note = s; break;
    case E_RETRY:
        if (cur_step(L, parent)->input != M_NONE)
            M_INPUT(t, cur_step(L, parent)->input)->retry = s;
        break;
    case E_OPTION: {
        dt_str *o = s ? dt_vec_push(&t->options, sizeof *o) : NULL;
        if (!s)
            dt_load_error(L, DT_EINVALID, &f->pos, "missing-text", "an <option> needs its text");
        else if (!o)
            dt_load_oom(L);
        else
            *o = s;
        break;
    }
    case E_DESCRIPTION: M_UNIT(t, L->unit)->description = s; break;
    case E_HANDOFF: M_UNIT(t, L->unit)->handoff_text = s; break;
    case E_CHOICE:
        if (!s)
            dt_load_error(L, DT_EINVALID, &f->pos, "missing-text",
                          "a <choice> needs a label: the text the person picks");
        M_CHOICE(t, f->index)->label = s;
        break;
    default: break;
    }
}

void dt_on_end(dt_loader *L, dt_frame *f, dt_frame *parent)
{
    if (L->oom)
        return;
    switch (f->elem) {
    case E_SAY:
    case E_NOTE:
    case E_RETRY:
    case E_OPTION:
    case E_DESCRIPTION:
    case E_HANDOFF: text_end(L, f, parent); break;
    case E_CHOICE:
        text_end(L, f, parent);
        /* fall through */
    case E_WHEN:
    case E_OTHERWISE:
        M_CHOICE(L->t, f->index)->nsets = L->t->sets.len - M_CHOICE(L->t, f->index)->first_set;
        break;
    default:
        if (is_step(f->elem))
            step_end(L, f);
        break;
    }
}
