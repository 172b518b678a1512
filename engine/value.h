/*
 * value.h — typed values: validation of typed answers and defaults, and their display (internal).
 * Values are kept as canonical text; numbers and booleans are converted when conditions read them.
 */
#ifndef DTREE_ENGINE_VALUE_H
#define DTREE_ENGINE_VALUE_H

#include "dtree.h"
#include <stddef.h>

/* One mask for a sensitive value everywhere: views, interpolated text, events, the path, the
 * record (whose schema accepts only this word).  docs/recording.md, "Words". */
#define VALUE_REDACTED "[redacted]"
#define VALUE_MASK VALUE_REDACTED

/* Check `in` against `type` and write its canonical form (trimmed; number without trailing zeros;
 * boolean "true"/"false"; email lower-cased domain kept as typed) into out (size >= strlen(in)+32).
 * Returns 0, or -1 with *why set to a static English reason. */
int dt_value_parse(dt_var_type type, const char *in, char *out, size_t outsz, const char **why);

/* As dt_value_parse, for what a person typed: dates also in the forms people write (21/07/1984,
 * 21.7.1984, 21 July 1984, July 21, 1984); month_first: numeric dates are month/day/year. */
int dt_value_parse_answer(dt_var_type type, const char *in, char *out, size_t outsz,
                          int month_first, const char **why);
/* 1 when lang is a language whose numeric dates put the month first (en-US). */
int dt_value_month_first(const char *lang);

/* Canonical text of a number: "2", "2.5", "-0.125"; NaN as "NaN", infinities as "Infinity". */
void dt_value_format_number(double d, char *buf, size_t size);

/* Numeric reading of canonical text for conditions: number -> value; date -> yyyymmdd. */
double dt_value_number(dt_var_type type, const char *canon);
/* The local date of epoch milliseconds `ms` as the number yyyymmdd (how date bounds compare). */
double dt_value_today(int64_t ms);
/* Boolean reading: "true" -> 1. */
int dt_value_bool(const char *canon);
/* Display form: booleans as "yes"/"no", others as stored. */
const char *dt_value_display(dt_var_type type, const char *canon);

/* Parse a type name ("number"); -1 when unknown. */
int dt_var_type_parse(const char *name);

#endif
