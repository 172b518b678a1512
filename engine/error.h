/*
 * error.h — building dt_error values inside the engine (internal).
 */
#ifndef DT_ERROR_H
#define DT_ERROR_H

#include "dtree.h"
#include <stdarg.h>

#define DT_MAX_DIAGS 1000 /* after this many, one note says the rest were dropped */

/* Add a diagnostic to err (which may be NULL) and return `code`, so failure paths read
 * `return dt_err_add(err, ...)`.  `file` may be NULL ("<memory>"); `check` may be NULL ("").
 * When the error object itself cannot grow, the diagnostic is replaced by a fixed out-of-memory entry. */
dt_status dt_err_add(dt_error *err, dt_severity sev, dt_status code, const char *file, unsigned line,
                     unsigned col, const char *check, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));
dt_status dt_err_vadd(dt_error *err, dt_severity sev, dt_status code, const char *file,
                      unsigned line, unsigned col, const char *check, const char *fmt, va_list ap)
    __attribute__((format(printf, 8, 0)));

/* Shorthands for the common severities. */
#define dt_err_error(err, code, file, line, col, check, ...) \
    dt_err_add((err), DT_SEV_ERROR, (code), (file), (line), (col), (check), __VA_ARGS__)
#define dt_err_warn(err, file, line, col, check, ...) \
    dt_err_add((err), DT_SEV_WARNING, DT_OK, (file), (line), (col), (check), __VA_ARGS__)

/* The status of the first error held, DT_OK when none (warnings do not count). */
dt_status dt_err_first_code(const dt_error *err);

#endif
