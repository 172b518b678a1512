/*
 * exitcodes.h — the exit status of every `dtree` command, documented in `dtree --help` and
 * dtree(1).  Values are stable: scripts depend on them.  Add new codes at the end.
 */
#ifndef DTREE_CLI_EXITCODES_H
#define DTREE_CLI_EXITCODES_H

enum dt_exit {
    DT_EXIT_OK = 0,          /* done: the session reached an end; check/test found nothing wrong */
    DT_EXIT_FAIL = 1,        /* the work failed: a session could not go on (run-time fault at the
                                start), `check` found errors, `test` scenarios failed */
    DT_EXIT_USAGE = 2,       /* bad command line: unknown command or option, missing argument */
    DT_EXIT_TREE = 3,        /* the tree could not be found or loaded (not found, not well-formed,
                                invalid); also: no library directory / no trees in it */
    DT_EXIT_IO = 4,          /* a file could not be read or written (--summary FILE, output) */
    DT_EXIT_UNFINISHED = 5,  /* the session was left before an end: `quit`, Ctrl-D, or end of
                                input before an end step when answers are piped */
    DT_EXIT_INTERNAL = 6     /* out of memory or an unexpected engine status */
};

/* One line per code, for --help and error messages ("5  session left unfinished ..."). */
#define DT_EXIT_HELP                                                                   \
    "Exit status:\n"                                                                   \
    "  0  ok: the session reached an end (or: nothing wrong found)\n"                  \
    "  1  failure: the session could not go on; check or test found problems\n"        \
    "  2  usage: unknown command or option, bad or missing argument\n"                 \
    "  3  tree: not found, or could not be loaded\n"                                   \
    "  4  I/O: a file could not be read or written\n"                                  \
    "  5  unfinished: quit, Ctrl-D, or end of piped input before an end step\n"        \
    "  6  internal: out of memory or an unexpected error\n"

#endif
