/*
 * rec_filter.h — checking the filter values of the query commands (sessions, report, export):
 * a status, mode or tree that no recording can have is a usage error listing the valid values,
 * instead of an empty answer that looks like "nothing happened".
 */
#ifndef DTREE_CLI_REC_FILTER_H
#define DTREE_CLI_REC_FILTER_H

#include "dtree.h"

/* --status and --mode against the fixed lists; 0, or EXIT_USAGE after saying why. */
int rf_check_names(const char *cmd, const dt_rec_filter *f);
/* --tree against the trees recorded in rec; 0, or an exit code after saying why. */
int rf_check_tree(const char *cmd, dt_recorder *rec, const dt_rec_filter *f);

#endif
