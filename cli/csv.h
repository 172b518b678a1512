/*
 * csv.h — CSV cells (RFC 4180) for reports and exports.  Text cells that a spreadsheet would run
 * as a formula (starting with = + - @, tab or CR) get a leading ' as OWASP recommends ("CSV
 * Injection"); numbers written by dtree itself are passed as numbers and left alone.  On a
 * terminal every cell goes through the sanitiser; into a file cells are exact (but for the ').
 */
#ifndef DTREE_CLI_CSV_H
#define DTREE_CLI_CSV_H

#include <stdio.h>

typedef struct csv_out {
    FILE *f;
    int tty;      /* sanitise cells (stdout is a terminal) */
    int first;    /* the next cell starts a row */
} csv_out;

void csv_init(csv_out *c, FILE *f);
void csv_text(csv_out *c, const char *s);    /* NULL: empty cell */
void csv_number(csv_out *c, const char *s);  /* a number dtree formatted; NULL: empty */
void csv_int(csv_out *c, long long v);
void csv_row_end(csv_out *c);

/* The cell as it is written (neutralised and quoted as needed) into a new string (malloc);
 * NULL when out of memory.  For tests and for callers that buffer. */
char *csv_format(const char *s, int is_number);

#endif
