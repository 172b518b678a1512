/*
 * input.h — the CLI's line-input adapter (as lua.c does it): GNU readline when stdin is a
 * terminal, plain getline otherwise (no prompt, no echo, so piped answers give a clean transcript).
 * Only the CLI links readline; the engine never does.
 *
 * On a terminal: Tab completes over the caller's word list only (never file names); Ctrl-C clears
 * the typed line and prompts again (it never ends the program); Ctrl-D on an empty line returns
 * IN_EOF so that the caller can ask before quitting (in_confirm).  Every line returned is valid
 * UTF-8 without control characters (invalid bytes become U+FFFD, tab/CR/LF a space, others dropped).
 */
#ifndef DTREE_CLI_INPUT_H
#define DTREE_CLI_INPUT_H

#include <stddef.h>
#include <stdio.h>

typedef struct in_options {
    const char *app_name; /* rl_readline_name (for "$if dtree" in an inputrc); default "dtree" */
    int read_inputrc;     /* 0: read no inputrc at all, whatever INPUTRC says (kiosk); default 1 */
    int history;          /* 1: Up recalls earlier lines of this process; default 1 */
    FILE *prompt_out;     /* where prompts and the edited line are drawn; default stdout */
} in_options;

typedef enum in_status {
    IN_LINE = 0,   /* *line holds a line (malloc; free it) */
    IN_EOF,        /* end of input, or Ctrl-D on an empty line */
    IN_ERROR       /* out of memory or a read error */
} in_status;

void in_options_init(in_options *o);
/* Decide the mode (terminal or plain) and set readline up.  opts may be NULL for defaults. */
void in_open(const in_options *opts);
void in_close(void);
/* 1 when lines come from readline on a terminal. */
int in_interactive(void);

/* Completion candidates for the next reads; copied.  n == 0: Tab completes nothing. */
void in_set_words(const char *const *words, size_t n);

/* Read one line.  `prompt` is shown only on a terminal. */
in_status in_read(const char *prompt, char **line);

/* Read one line that holds a secret (a sensitive input).  On a terminal: not with readline but
 * with echo off (nothing of it is shown while typed), never added to the history, and no
 * completion, kill ring or undo list keeps a copy; Ctrl-C clears the line and asks again, Ctrl-D
 * on an empty line returns IN_EOF.  Not a terminal: as in_read.  Free *line with in_free_secret. */
in_status in_read_secret(const char *prompt, char **line);
/* Wipe and free a line from in_read_secret (NULL: nothing). */
void in_free_secret(char *line);

/* Ask a yes/no question on the terminal ("Quit this call? (y/n) "): 1 for yes (and for end of
 * input), 0 for no and for Ctrl-C (which cancels).  Not a terminal: returns 1 without reading. */
int in_confirm(const char *question);

#endif
