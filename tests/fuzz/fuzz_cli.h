/*
 * fuzz_cli.h — run a `dtree` subcommand in-process (cli/commands.h) with its standard output
 * captured in memory and its messages on stderr discarded, so a harness can check what the command
 * printed.  Only the stdio streams are swapped: the sanitizers and libFuzzer keep writing to fd 2,
 * so a crash inside the command is still reported.  Header-only, like fuzz_common.h.
 */
#ifndef DTREE_FUZZ_CLI_H
#define DTREE_FUZZ_CLI_H

#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fz_out {
    char *text; /* what the command wrote on stdout (malloc, NUL-terminated) */
    size_t len;
    int rc;     /* its exit code */
} fz_out;

/* Run fn(argc, argv) (argv NULL-terminated, copied so the command may keep pointers into it). */
static inline void fz_run_cmd(int (*fn)(int, char **), const char *const *args, fz_out *out)
{
    static FILE *quiet;
    char *argv[32];
    int argc = 0;
    for (; args[argc] && argc < 31; argc++)
        argv[argc] = strdup(args[argc]);
    argv[argc] = NULL;
    if (!quiet)
        quiet = fopen("/dev/null", "w");
    FILE *real_out = stdout, *real_err = stderr;
    out->text = NULL;
    out->len = 0;
    FILE *mem = open_memstream(&out->text, &out->len);
    if (!mem || !quiet)
        abort();
    stdout = mem;
    stderr = quiet;
    out->rc = fn(argc, argv);
    stdout = real_out;
    stderr = real_err;
    fclose(mem);
    for (int i = 0; i < argc; i++)
        free(argv[i]);
}

#endif
