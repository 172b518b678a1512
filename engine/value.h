/*
 * value.h — typed values: validation of typed answers and defaults, and their display (internal).
 * Values are kept as canonical text; numbers and booleans are converted when conditions read them.
 */
#ifndef DT_VALUE_H
#define DT_VALUE_H

#include "dtree.h"
#include <stddef.h>

#define DT_MASK "\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2" /* "••••" */
#define DT_REDACTED "[redacted]"

/* Check `in` against `type` and write its canonical form (trimmed; number without trailing zeros;
 * boolean "true"/"false"; email lower-cased domain kept as typed) into out (size >= strlen(in)+32).
 * Returns 0, or -1 with *why set to a static English reason. */
int dt_value_parse(dt_var_type type, const char *in, char *out, size_t outsz, const char **why);

/* Canonical text of a number: "2", "2.5", "-0.125"; NaN as "NaN", infinities as "Infinity". */
void dt_value_format_number(double d, char *buf, size_t size);

/* Numeric reading of canonical text for conditions: number -> value; date -> yyyymmdd. */
double dt_value_number(dt_var_type type, const char *canon);
/* Boolean reading: "true" -> 1. */
int dt_value_bool(const char *canon);
/* Display form: booleans as "yes"/"no", others as stored. */
const char *dt_value_display(dt_var_type type, const char *canon);

/* Parse a type name ("number"); -1 when unknown. */
int dt_var_type_parse(const char *name);

#endif
