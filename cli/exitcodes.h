/*
 * exitcodes.h — the exit status of every `dtree` command, documented in `dtree --help` and
 * dtree(1).  Values are stable: scripts depend on them.  Add new codes at the end.
 * Each command's help lists only the codes that command can return (EXIT_HELP_<CMD>), built
 * from the one line per code below; `dtree --help` lists them all (EXIT_HELP).
 */
#ifndef DTREE_CLI_EXITCODES_H
#define DTREE_CLI_EXITCODES_H

enum dt_exit {
    EXIT_OK = 0,         /* done: the session reached an end; check/test found nothing wrong */
    EXIT_FAIL = 1,       /* the work failed: a session could not go on (run-time fault at the
                            start), `check` found errors, `test` scenarios failed */
    EXIT_USAGE = 2,      /* bad command line: unknown command or option, missing argument */
    EXIT_TREE = 3,       /* the tree could not be found or loaded (not found, not well-formed,
                            invalid); also: no library directory / no trees in it */
    EXIT_IO = 4,         /* a file could not be read or written (--summary FILE, output) */
    EXIT_UNFINISHED = 5, /* the session was left before an end: `quit`, Ctrl-D, or end of
                            input before an end step when answers are piped */
    EXIT_INTERNAL = 6    /* out of memory or an unexpected engine status */
};

/* One line per code and meaning ("5  unfinished: ..."), for the help texts below. */
#define EXIT_L_HEAD "Exit status:\n"
#define EXIT_L_OK_END "  0  ok: the session reached an end\n"
#define EXIT_L_OK "  0  ok\n"
#define EXIT_L_FAIL_RUN "  1  failure: the session could not go on\n"
#define EXIT_L_FAIL_RESUME "  1  failure: no such session, or it cannot be resumed (completed,\n" \
                           "     or the tree changed under it)\n"
#define EXIT_L_FAIL_SHOW "  1  no recorded session has that id\n"
#define EXIT_L_FAIL_SYNC "  1  sessions the destination holds with different events were not merged\n"
#define EXIT_L_USAGE "  2  usage: unknown option, bad or missing argument\n"
#define EXIT_L_TREE "  3  tree: not found, or could not be loaded\n"
#define EXIT_L_IO "  4  I/O: a file could not be read or written\n"
#define EXIT_L_IO_DB "  4  I/O: the database could not be opened or read, or output failed\n"
#define EXIT_L_UNFINISHED "  5  unfinished: quit, Ctrl-D, or end of piped input before an end step\n"
#define EXIT_L_INTERNAL "  6  internal: out of memory or an unexpected error\n"

/* Every code, for `dtree --help` and dtree(1). */
#define EXIT_HELP                                                               \
    "Exit status:\n"                                                            \
    "  0  ok: the session reached an end (or: nothing wrong found)\n"           \
    "  1  failure: the session could not go on; check or test found problems\n" \
    "  2  usage: unknown command or option, bad or missing argument\n"          \
    "  3  tree: not found, or could not be loaded\n"                            \
    "  4  I/O: a file could not be read or written\n"                           \
    "  5  unfinished: quit, Ctrl-D, or end of piped input before an end step\n" \
    "  6  internal: out of memory or an unexpected error\n"

/* Per command. */
#define EXIT_HELP_RUN                                                  \
    EXIT_L_HEAD EXIT_L_OK_END EXIT_L_FAIL_RUN EXIT_L_USAGE EXIT_L_TREE \
        EXIT_L_IO EXIT_L_UNFINISHED EXIT_L_INTERNAL
#define EXIT_HELP_RESUME                                      \
    EXIT_L_HEAD EXIT_L_OK_END EXIT_L_FAIL_RESUME EXIT_L_USAGE \
        EXIT_L_TREE EXIT_L_IO EXIT_L_UNFINISHED EXIT_L_INTERNAL
#define EXIT_HELP_KIOSK                                      \
    EXIT_L_HEAD EXIT_L_OK EXIT_L_USAGE EXIT_L_TREE EXIT_L_IO \
        EXIT_L_INTERNAL
#define EXIT_HELP_SHOW                                               \
    EXIT_L_HEAD EXIT_L_OK EXIT_L_FAIL_SHOW EXIT_L_USAGE EXIT_L_IO_DB \
        EXIT_L_INTERNAL
/* sessions, report, export */
#define EXIT_HELP_QUERY \
    EXIT_L_HEAD EXIT_L_OK EXIT_L_USAGE EXIT_L_IO_DB EXIT_L_INTERNAL
#define EXIT_HELP_SYNC                                               \
    EXIT_L_HEAD EXIT_L_OK EXIT_L_FAIL_SYNC EXIT_L_USAGE EXIT_L_IO_DB \
        EXIT_L_INTERNAL
#define EXIT_HELP_GRAPH                                         \
    EXIT_L_HEAD EXIT_L_OK EXIT_L_USAGE EXIT_L_TREE EXIT_L_IO_DB \
        EXIT_L_INTERNAL

#endif
