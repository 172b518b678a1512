/*
 * commands.h — one entry point per `dtree` subcommand (the CLI).  Each takes the arguments after the
 * command name (argv[0] is the command name) and returns a documented exit code (cli/exitcodes.h).
 * A command is added by writing cli/cmd_NAME.c and one line in the table in cli/main.c.
 */
#ifndef DTREE_CLI_COMMANDS_H
#define DTREE_CLI_COMMANDS_H

int cmd_run(int argc, char **argv);      /* cli/cmd_run.c:      walk a tree with an agent */
int cmd_check(int argc, char **argv);    /* cli/cmd_check.c:    author diagnostics */
int cmd_graph(int argc, char **argv);    /* cli/cmd_graph.c:    dot / mermaid */
int cmd_test(int argc, char **argv);     /* cli/cmd_test.c:     scenario tests, coverage, explore */
int cmd_sessions(int argc, char **argv); /* cli/cmd_sessions.c: list recorded sessions */
int cmd_show(int argc, char **argv);     /* cli/cmd_sessions.c: one session's transcript */
int cmd_resume(int argc, char **argv);   /* cli/cmd_resume.c:   continue a recorded session */
int cmd_report(int argc, char **argv);   /* cli/cmd_report.c:   outcome and drop-off reports */
int cmd_export(int argc, char **argv);   /* cli/cmd_report.c:   jsonl / csv export */
int cmd_serve(int argc, char **argv);    /* cli/cmd_serve.c:    HTTP/JSON API */
int cmd_token(int argc, char **argv);    /* cli/cmd_token.c:    serve's access tokens */
int cmd_kiosk(int argc, char **argv);    /* cli/cmd_kiosk.c:    locked-down self-service */
int cmd_sync(int argc, char **argv);     /* cli/cmd_sync.c:     copy recordings between stores */

#endif
