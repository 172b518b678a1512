/*
 * opts.h — the one option-value parser every command uses, so that `--name VALUE` and
 * `--name=VALUE` work alike everywhere.
 */
#ifndef DTREE_CLI_OPTS_H
#define DTREE_CLI_OPTS_H

/* argv[*i] is option `name` (as "--name VALUE" or "--name=VALUE"): 1 and *val set (and *i moved past
 * the value), -1 when the value is missing, 0 when argv[*i] is another option. */
int opt_value(int argc, char **argv, int *i, const char *name, const char **val);

#endif
