/*
 * error.c — the dt_error list of diagnostics.  Entries own copies of their strings; when memory runs
 * out while reporting, a static out-of-memory entry stands in so the caller still learns the cause.
 */
#include "error.h"
#include "mem.h"
#include <stdio.h>
#include <string.h>

struct dt_error {
    dt_diag *items;
    size_t n, cap;
    size_t dropped;
    int oom;      /* an entry could not be stored */
    char *text;   /* cache for dt_error_text */
};

static const dt_diag oom_diag = {DT_SEV_ERROR, DT_ENOMEM, "<engine>", 0, 0, "",
                                 "out of memory while reporting an error"};

#define STATUS_NAME(e, name) name,
static const char *const status_names[] = {DT_STATUS_LIST(STATUS_NAME)};

const char *dt_status_str(dt_status st)
{
    if ((unsigned)st < sizeof status_names / sizeof status_names[0])
        return status_names[st];
    return "unknown status";
}

dt_error *dt_error_new(void)
{
    return dt_calloc(1, sizeof(dt_error));
}

void dt_error_clear(dt_error *err)
{
    if (!err)
        return;
    for (size_t i = 0; i < err->n; i++) {
        dt_free((char *)err->items[i].file);
        dt_free((char *)err->items[i].check);
        dt_free((char *)err->items[i].message);
    }
    err->n = 0;
    err->dropped = 0;
    err->oom = 0;
    dt_free(err->text);
    err->text = NULL;
}

void dt_error_free(dt_error *err)
{
    if (!err)
        return;
    dt_error_clear(err);
    dt_free(err->items);
    dt_free(err);
}

size_t dt_error_count(const dt_error *err)
{
    if (!err)
        return 0;
    return err->n + (err->oom ? 1 : 0);
}

const dt_diag *dt_error_get(const dt_error *err, size_t i)
{
    if (!err)
        return NULL;
    if (err->oom && i == 0)
        return &oom_diag;
    if (err->oom)
        i--;
    return i < err->n ? &err->items[i] : NULL;
}

size_t dt_error_errors(const dt_error *err)
{
    size_t c = 0;
    for (size_t i = 0; i < dt_error_count(err); i++)
        if (dt_error_get(err, i)->severity == DT_SEV_ERROR)
            c++;
    return c;
}

dt_status dt_err_first_code(const dt_error *err)
{
    for (size_t i = 0; i < dt_error_count(err); i++) {
        const dt_diag *d = dt_error_get(err, i);
        if (d->severity == DT_SEV_ERROR)
            return d->code;
    }
    return DT_OK;
}

static const char *sev_name(dt_severity s)
{
    return s == DT_SEV_ERROR ? "error" : s == DT_SEV_WARNING ? "warning" : "note";
}

size_t dt_diag_format(const dt_diag *d, char *buf, size_t size)
{
    char pos[48] = "";
    if (d->line && d->column)
        snprintf(pos, sizeof pos, ":%u:%u", d->line, d->column);
    else if (d->line)
        snprintf(pos, sizeof pos, ":%u", d->line);
    /* buf may be NULL with size 0: snprintf then only measures (C11 7.21.6.5p2) */
    // cppcheck-suppress [nullPointer, ctunullpointer]
    int n = snprintf(buf, size, "%s%s: %s: %s%s%s%s", d->file, pos, sev_name(d->severity),
                     d->message, d->check[0] ? " [" : "", d->check, d->check[0] ? "]" : "");
    return n < 0 ? 0 : (size_t)n;
}

const char *dt_error_text(dt_error *err)
{
    const dt_diag *first = NULL;
    for (size_t i = 0; i < dt_error_count(err) && !first; i++)
        if (dt_error_get(err, i)->severity == DT_SEV_ERROR)
            first = dt_error_get(err, i);
    if (!first)
        return "";
    size_t need = dt_diag_format(first, NULL, 0) + 1;
    dt_free(err->text);
    err->text = dt_malloc(need);
    if (!err->text)
        return "out of memory while reporting an error";
    dt_diag_format(first, err->text, need);
    return err->text;
}

static int store(dt_error *err, dt_severity sev, dt_status code, const char *file, unsigned line,
                 unsigned col, const char *check, char *msg)
{
    if (dt_grow((void **)&err->items, &err->cap, err->n + 1, sizeof *err->items) != 0)
        return -1;
    dt_diag *d = &err->items[err->n];
    d->file = dt_strdup(file ? file : "<memory>");
    d->check = dt_strdup(check ? check : "");
    if (!d->file || !d->check) {
        dt_free((char *)d->file);
        dt_free((char *)d->check);
        return -1;
    }
    d->severity = sev;
    d->code = code;
    d->line = line;
    d->column = col;
    d->message = msg;
    err->n++;
    return 0;
}

/* msg with every occurrence of `secret` replaced by ERR_REDACTED (a new string; msg is freed),
 * or NULL when out of memory. */
static char *redact(char *msg, const char *secret)
{
    size_t n = strlen(secret), hits = 0;
    for (const char *p = strstr(msg, secret); p; p = strstr(p + n, secret))
        hits++;
    if (!hits)
        return msg;
    size_t r = strlen(ERR_REDACTED);
    char *out = dt_malloc(strlen(msg) + hits * r + 1), *o = out;
    for (const char *p = msg, *q; out && (q = strstr(p, secret)); p = q + n) {
        memcpy(o, p, (size_t)(q - p));
        o += q - p;
        memcpy(o, ERR_REDACTED, r);
        o += r;
        if (!strstr(q + n, secret))
            memcpy(o, q + n, strlen(q + n) + 1); /* the rest, with its NUL: sized above */
    }
    dt_free(msg);
    return out;
}

static char *format(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static char *format(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int len = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    char *msg = len < 0 ? NULL : dt_malloc((size_t)len + 1);
    if (msg)
        vsnprintf(msg, (size_t)len + 1, fmt, ap);
    return msg;
}

dt_status dt_err_vadd(dt_error *err, dt_severity sev, dt_status code, const char *file,
                      unsigned line, unsigned col, const char *check, const char *fmt, va_list ap)
{
    return dt_err_vadd_secret(err, sev, code, file, line, col, check, NULL, NULL, fmt, ap);
}

dt_status dt_err_vadd_secret(dt_error *err, dt_severity sev, dt_status code, const char *file,
                             unsigned line, unsigned col, const char *check, dt_err_secret_fn secret,
                             void *ud, const char *fmt, va_list ap)
{
    if (!err)
        return code;
    if (err->n >= ERR_MAX_DIAGS) {
        err->dropped++;
        return code;
    }
    char *msg = format(fmt, ap);
    const char *sv;
    for (size_t i = 0; msg && secret && (sv = secret(ud, i)) != NULL; i++)
        if (strlen(sv) >= ERR_SECRET_MIN)
            msg = redact(msg, sv);
    if (!msg || store(err, sev, code, file, line, col, check, msg) != 0) {
        dt_free(msg);
        if (sev == DT_SEV_ERROR)
            err->oom = 1;
    }
    return code;
}

dt_status dt_err_add(dt_error *err, dt_severity sev, dt_status code, const char *file, unsigned line,
                     unsigned col, const char *check, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dt_status st = dt_err_vadd(err, sev, code, file, line, col, check, fmt, ap);
    va_end(ap);
    return st;
}
