/*
 * value.c — validating typed answers.  Each type has one small checker; every checker is linear in
 * the answer and never allocates, so a hostile answer costs nothing.
 */
#include "value.h"
#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>

#define TYPE_NAME(e, name) name,
static const char *const type_names[] = {DT_VAR_TYPE_LIST(TYPE_NAME)};
#define NTYPES ((int)(sizeof type_names / sizeof type_names[0]))

const char *dt_var_type_name(dt_var_type t)
{
    return (int)t >= 0 && (int)t < NTYPES ? type_names[t] : "unknown";
}

int dt_var_type_parse(const char *name)
{
    for (int i = 0; i < NTYPES; i++)
        if (strcmp(name, type_names[i]) == 0)
            return i;
    return -1;
}

void dt_value_format_number(double d, char *buf, size_t size)
{
    if (isnan(d)) {
        snprintf(buf, size, "NaN");
        return;
    }
    if (isinf(d)) {
        snprintf(buf, size, d > 0 ? "Infinity" : "-Infinity");
        return;
    }
    if (d == 0)
        d = 0; /* no "-0" */
    snprintf(buf, size, "%.15g", d);
}

/* Digits of s (after an optional sign) in *sig, not counting leading zeros; returns the end. */
static const char *scan_decimal(const char *p, size_t *digits, size_t *sig)
{
    int seen = 0;
    for (; isdigit((unsigned char)*p) || (*p == '.' && !seen); p++) {
        if (*p == '.') {
            seen = 1;
            continue;
        }
        (*digits)++;
        if (*sig || *p != '0')
            (*sig)++;
    }
    return p;
}

/* Numbers: what people type (42, -3.5) and every form dt_value_format_number writes (1e+21,
 * Infinity), so that a stored value always reads back.  More than 15 significant digits would be
 * silently rounded by a double: refused instead. */
static int parse_number(const char *s, char *out, size_t outsz, const char **why)
{
    const char *p = s + (*s == '+' || *s == '-');
    if (strcmp(p, "Infinity") == 0) {
        snprintf(out, outsz, "%s", *s == '-' ? "-Infinity" : "Infinity");
        return 0;
    }
    size_t digits = 0, sig = 0;
    p = scan_decimal(p, &digits, &sig);
    if (digits && (*p == 'e' || *p == 'E')) {
        const char *e = p + 1 + (p[1] == '+' || p[1] == '-');
        size_t ed = 0;
        while (isdigit((unsigned char)*e) && ed < 4)
            e++, ed++;
        p = ed ? e : p;
    }
    *why = "expected a number such as 42 or 3.5";
    if (*p || digits == 0)
        return -1;
    if (sig > 15) {
        *why = "a number can have at most 15 significant digits (type codes and long numbers as text)";
        return -1;
    }
    double d = strtod(s, NULL);
    if (isinf(d)) {
        *why = "the number is too large";
        return -1;
    }
    /* Underflow is refused as overflow is: 1e-400 would be stored as 0, and below DBL_MIN a
     * double keeps fewer than 15 significant digits. */
    if (sig && fabs(d) < DBL_MIN) {
        *why = "the number is too close to zero";
        return -1;
    }
    dt_value_format_number(d, out, outsz);
    return 0;
}

static int parse_bool(const char *s, char *out, size_t outsz, const char **why)
{
    static const char *const yes[] = {"yes", "y", "true", "1"};
    static const char *const no[] = {"no", "n", "false", "0"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            snprintf(out, outsz, "true");
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            snprintf(out, outsz, "false");
            return 0;
        }
    }
    *why = "expected yes or no";
    return -1;
}

static int leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int parse_date(const char *s, char *out, size_t outsz, const char **why)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    *why = "expected a date written YYYY-MM-DD, such as 2026-03-31";
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
            return -1;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    if (y < 1 || m < 1 || m > 12 || d < 1)
        return -1;
    if (d > mdays[m - 1] + (m == 2 && leap(y))) {
        *why = "that day does not exist in that month";
        return -1;
    }
    snprintf(out, outsz, "%s", s);
    return 0;
}

static int parse_email(const char *s, char *out, size_t outsz, const char **why)
{
    const char *at = strchr(s, '@');
    *why = "expected an e-mail address such as name@example.com";
    if (!at || at == s || strchr(at + 1, '@'))
        return -1;
    const char *dot = strrchr(at + 1, '.');
    if (!dot || dot == at + 1 || dot[1] == '\0')
        return -1;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' || *p == ',')
            return -1;
    snprintf(out, outsz, "%s", s);
    return 0;
}

static int parse_phone(const char *s, char *out, size_t outsz, const char **why)
{
    size_t digits = 0;
    *why = "expected a phone number: digits, with + - ( ) and spaces allowed";
    for (const char *p = s; *p; p++) {
        if (isdigit((unsigned char)*p))
            digits++;
        else if (!(*p == '+' && p == s) && !strchr(" -()", *p))
            return -1;
    }
    if (digits < 5 || digits > 20)
        return -1;
    snprintf(out, outsz, "%s", s);
    return 0;
}

/* Copy `in` without leading/trailing white space into out. */
static void trim(const char *in, char *out, size_t outsz)
{
    while (isspace((unsigned char)*in))
        in++;
    size_t n = strlen(in);
    while (n && isspace((unsigned char)in[n - 1]))
        n--;
    if (n >= outsz)
        n = outsz - 1;
    memcpy(out, in, n);
    out[n] = '\0';
}

int dt_value_parse(dt_var_type type, const char *in, char *out, size_t outsz, const char **why)
{
    char tmp[1024] = ""; /* zeroed: the analyzer cannot tell that trim always terminates it */
    if (strlen(in) >= sizeof tmp && type != DT_VAR_TEXT && type != DT_VAR_CHOICE) {
        *why = "the answer is too long";
        return -1;
    }
    if (type == DT_VAR_TEXT || type == DT_VAR_CHOICE) {
        trim(in, out, outsz);
        return 0;
    }
    trim(in, tmp, sizeof tmp);
    switch (type) {
    case DT_VAR_NUMBER: return parse_number(tmp, out, outsz, why);
    case DT_VAR_BOOLEAN: return parse_bool(tmp, out, outsz, why);
    case DT_VAR_DATE: return parse_date(tmp, out, outsz, why);
    case DT_VAR_EMAIL: return parse_email(tmp, out, outsz, why);
    case DT_VAR_PHONE: return parse_phone(tmp, out, outsz, why);
    default: *why = "unknown type"; return -1;
    }
}

double dt_value_today(int64_t ms)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    if (!localtime_r(&secs, &tm))
        return 0;
    return (double)((tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday);
}

/* ---- dates as people type them --------------------------------------------------------------- */

static const char *const month_names[] = {"january", "february", "march", "april",
                                          "may", "june", "july", "august",
                                          "september", "october", "november", "december"};

static int put_date(int y, int m, int d, char *out, size_t outsz, const char **why)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || m < 1 || m > 12 || d < 1)
        return -1;
    if (d > mdays[m - 1] + (m == 2 && leap(y))) {
        *why = "that day does not exist in that month";
        return -1;
    }
    snprintf(out, outsz, "%04d-%02d-%02d", y, m, d);
    return 0;
}

/* 1 to `max` digits at *p into *v; returns how many were read (0: none). */
static int digits(const char **p, int max, int *v)
{
    int n = 0;
    *v = 0;
    while (n < max && isdigit((unsigned char)**p)) {
        *v = *v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    return isdigit((unsigned char)**p) ? 0 : n; /* more digits than max: not this form */
}

/* An English month name, whole or its first three letters (any case, an optional '.'). */
static int month_word(const char **p, int *m)
{
    char w[12];
    size_t n = 0;
    while (isalpha((unsigned char)(*p)[n]) && n < sizeof w - 1) {
        w[n] = (char)tolower((unsigned char)(*p)[n]);
        n++;
    }
    w[n] = '\0';
    if (n < 3 || isalpha((unsigned char)(*p)[n]))
        return 0;
    for (int i = 0; i < 12; i++) {
        if (strcmp(w, month_names[i]) == 0 || (n == 3 && strncmp(w, month_names[i], 3) == 0) ||
            (i == 8 && strcmp(w, "sept") == 0)) {
            *p += n + ((*p)[n] == '.');
            *m = i + 1;
            return 1;
        }
    }
    return 0;
}

static void spaces_commas(const char **p)
{
    while (**p == ' ' || **p == ',')
        (*p)++;
}

/* "1984" at the end of the text: exactly four digits, then nothing. */
static int year_at_end(const char **p, int *y)
{
    spaces_commas(p);
    return digits(p, 4, y) == 4 && **p == '\0';
}

/* 21/07/1984, 21.7.1984, 21-7-1984 (day first unless month_first), 21 July 1984, July 21, 1984. */
static int parse_date_forms(const char *s, int month_first, char *out, size_t outsz,
                            const char **why)
{
    const char *p = s;
    int a = 0, b = 0, y = 0, m = 0;
    const char *hint = month_first ? "expected a date such as 07/21/1984, July 21, 1984 or 1984-07-21"
                                   : "expected a date such as 21/07/1984, 21 July 1984 or 1984-07-21";
    if (strlen(s) == 10 && s[4] == '-' && s[7] == '-')
        return parse_date(s, out, outsz, why);
    *why = hint;
    if (digits(&p, 2, &a)) {
        char sep = *p;
        if (sep == '/' || sep == '.' || sep == '-') {
            p++;
            if (!digits(&p, 2, &b) || *p != sep)
                return -1;
            p++;
            if (!year_at_end(&p, &y))
                return -1;
            return month_first ? put_date(y, a, b, out, outsz, why) : put_date(y, b, a, out, outsz, why);
        }
        spaces_commas(&p);
        if (month_word(&p, &m) && year_at_end(&p, &y))
            return put_date(y, m, a, out, outsz, why);
        return -1;
    }
    if (month_word(&p, &m)) {
        spaces_commas(&p);
        if (digits(&p, 2, &a) && year_at_end(&p, &y))
            return put_date(y, m, a, out, outsz, why);
    }
    return -1;
}

int dt_value_month_first(const char *lang)
{
    return lang && (strcasecmp(lang, "en-US") == 0 || strcasecmp(lang, "en_US") == 0);
}

int dt_value_parse_answer(dt_var_type type, const char *in, char *out, size_t outsz,
                          int month_first, const char **why)
{
    char tmp[64] = ""; /* zeroed: the analyzer cannot tell that trim always terminates it */
    if (type != DT_VAR_DATE)
        return dt_value_parse(type, in, out, outsz, why);
    if (strlen(in) >= sizeof tmp) {
        *why = "the answer is too long";
        return -1;
    }
    trim(in, tmp, sizeof tmp);
    return parse_date_forms(tmp, month_first, out, outsz, why);
}

double dt_value_number(dt_var_type type, const char *canon)
{
    if (type == DT_VAR_DATE && strlen(canon) == 10) {
        char d[9] = {canon[0], canon[1], canon[2], canon[3], canon[5], canon[6], canon[8], canon[9], 0};
        return strtod(d, NULL);
    }
    if (type == DT_VAR_BOOLEAN)
        return dt_value_bool(canon);
    char *end;
    double v = strtod(canon, &end);
    return (*canon && !*end) ? v : NAN;
}

int dt_value_bool(const char *canon)
{
    return strcmp(canon, "true") == 0;
}

const char *dt_value_display(dt_var_type type, const char *canon)
{
    if (type == DT_VAR_BOOLEAN)
        return dt_value_bool(canon) ? "yes" : "no";
    return canon;
}
