/*
 * error.h — building dt_error values inside the engine (internal).
 */
#ifndef DTREE_ENGINE_ERROR_H
#define DTREE_ENGINE_ERROR_H

#include "dtree.h"
#include <stdarg.h>

#define ERR_MAX_DIAGS 1000 /* after this many, one note says the rest were dropped */

/* Add a diagnostic to err (which may be NULL) and return `code`, so failure paths read
 * `return dt_err_add(err, ...)`.  `file` may be NULL ("<memory>"); `check` may be NULL ("").
 * When the error object itself cannot grow, the diagnostic is replaced by a fixed out-of-memory entry. */
dt_status dt_err_add(dt_error *err, dt_severity sev, dt_status code, const char *file, unsigned line,
                     unsigned col, const char *check, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));
dt_status dt_err_vadd(dt_error *err, dt_severity sev, dt_status code, const char *file,
                      unsigned line, unsigned col, const char *check, const char *fmt, va_list ap)
    __attribute__((format(printf, 8, 0)));

/* The same, but no secret appears in the stored message: `secret(ud, i)` gives secret i (NULL after
 * the last); each one of at least ERR_SECRET_MIN bytes is replaced by ERR_REDACTED wherever
 * the formatted message holds it.  The session passes its sensitive values: whatever a message
 * quotes, a PIN never reaches stderr, a JSON error event or a recorded note. */
#define ERR_REDACTED "[redacted]"
#define ERR_SECRET_MIN 3
typedef const char *(*dt_err_secret_fn)(void *ud, size_t i);
dt_status dt_err_vadd_secret(dt_error *err, dt_severity sev, dt_status code, const char *file,
                             unsigned line, unsigned col, const char *check, dt_err_secret_fn secret,
                             void *ud, const char *fmt, va_list ap) __attribute__((format(printf, 10, 0)));

/* Shorthands for the common severities. */
#define dt_err_error(err, code, file, line, col, check, ...) \
    dt_err_add((err), DT_SEV_ERROR, (code), (file), (line), (col), (check), __VA_ARGS__)
#define dt_err_warn(err, file, line, col, check, ...) \
    dt_err_add((err), DT_SEV_WARNING, DT_OK, (file), (line), (col), (check), __VA_ARGS__)

/* The status of the first error held, DT_OK when none (warnings do not count). */
dt_status dt_err_first_code(const dt_error *err);

#endif
