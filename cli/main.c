/*
 * main.c — `dtree` command dispatch: a table of subcommands, --help, --version, `help COMMAND`.
 * Each command parses its own arguments (commands.h) and answers `--help` itself, so that
 * `dtree help run` and `dtree run --help` print the same text.
 */
#include "commands.h"
#include "exitcodes.h"
#include "nocore.h"
#include "render.h"

#include "dtree.h"

#include <stdio.h>
#include <string.h>

typedef struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;   /* one line for `dtree --help` */
} command;

/* Add a line here when a cli/cmd_NAME.c lands. */
static const command commands[] = {
    {"run", cmd_run, "walk a decision tree step by step with a caller (the agent's guide)"},
    {"kiosk", cmd_kiosk, "locked-down self-service mode for customers at a shared terminal"},
    {"check", cmd_check, "check tree files and report every problem (gcc-style or JSON)"},
    {"graph", cmd_graph, "draw a tree as Graphviz dot or Mermaid, optionally with recorded traffic"},
    {"test", cmd_test, "run scenario tests on trees, with coverage; or explore random paths"},
    {"sessions", cmd_sessions, "list recorded sessions (filters: --active, --agent, --tree, --since)"},
    {"show", cmd_show, "one recorded session's transcript, and why it ended where it did"},
    {"resume", cmd_resume, "continue a recorded session as another agent (hand-off)"},
    {"report", cmd_report, "outcomes, durations, drop-off, paths and choices from the recordings"},
    {"serve", cmd_serve, "serve trees and sessions over HTTP/JSON for CRMs and web pages"},
    {"token", cmd_token, "add, list or revoke the access tokens of dtree serve"},
    {"export", cmd_export, "every recorded session and event as JSON Lines or CSV"},
    {"sync", cmd_sync, "copy recordings from one store into another (SQLite, PostgreSQL), idempotently"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const command *find(const char *name)
{
    size_t i;
    for (i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0) return &commands[i];
    return NULL;
}

/* The command a typo most likely meant ("runn", "chek", "sesions"): the one sharing the longest
 * prefix, when that is at least two letters; NULL when nothing is close. */
static const char *closest(const char *name)
{
    const char *best = NULL;
    size_t best_len = 1, i, n;
    for (i = 0; i < NCOMMANDS; i++) {
        for (n = 0; name[n] && name[n] == commands[i].name[n]; n++)
            ;
        if (n > best_len) {
            best_len = n;
            best = commands[i].name;
        }
    }
    return best;
}

static int usage(FILE *f)
{
    size_t i;
    fputs("Usage: dtree COMMAND [ARGS...]\n"
          "       dtree --help | --version | help COMMAND\n\n"
          "Interactive decision trees for customer conversations.\n\n"
          "Commands:\n", f);
    for (i = 0; i < NCOMMANDS; i++) fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
    fputs("\nRun `dtree help COMMAND` for a command's options.  Manual: man dtree.\n\n", f);
    fputs(EXIT_HELP, f);
    return EXIT_OK;
}

static int help_cmd(int argc, char **argv)
{
    const command *c;
    char help_opt[] = "--help";
    char *args[3];

    if (argc < 2) return usage(stdout);
    if (!(c = find(argv[1]))) {
        rd_eprintf("no command '%s'; see 'dtree --help'", argv[1]);
        return EXIT_USAGE;
    }
    args[0] = argv[1];
    args[1] = help_opt;
    args[2] = NULL;
    return c->fn(2, args);
}

int main(int argc, char **argv)
{
    const command *c;

    no_core_dumps();   /* before anything can hold a secret (nocore.h) */
    if (argc < 2) {
        rd_eprintf("no command given; see 'dtree --help' (to walk a tree: dtree run)");
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) return usage(stdout);
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("dtree %s\n", DT_VERSION);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "help") == 0) return help_cmd(argc - 1, argv + 1);
    if (argv[1][0] == '-') {
        rd_eprintf("unknown option '%s'; see 'dtree --help'", argv[1]);
        return EXIT_USAGE;
    }
    if (!(c = find(argv[1]))) {
        const char *near = closest(argv[1]);
        if (near)
            rd_eprintf("unknown command '%s' (did you mean '%s'?); see 'dtree --help'", argv[1], near);
        else
            rd_eprintf("unknown command '%s'; see 'dtree --help'", argv[1]);
        return EXIT_USAGE;
    }
    return c->fn(argc - 1, argv + 1);
}
