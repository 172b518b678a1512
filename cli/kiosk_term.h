/*
 * kiosk_term.h — the kiosk's terminal and signals: raw mode set up and restored on every exit
 * path, keyboard signals ignored, SIGTERM/SIGHUP turned into an orderly stop, SIGWINCH into a
 * redraw.  Signals are reported through a self-pipe that the main loop polls next to stdin, so
 * a signal can never be lost between a check and a wait.
 */
#ifndef DTREE_CLI_KIOSK_TERM_H
#define DTREE_CLI_KIOSK_TERM_H

/* Bits returned by kiosk_signals_take. */
#define KSIG_STOP  1u   /* SIGTERM or SIGHUP: restore the terminal and end */
#define KSIG_WINCH 2u   /* the window changed size: redraw */
#define KSIG_CONT  4u   /* continued after a stop from outside: raw mode again, redraw */

/* Put terminal `fd` in raw mode (no ICANON, ECHO, ISIG, IEXTEN, IXON/IXOFF, ICRNL; output
 * processing kept so '\n' still moves to the next line) and turn bracketed paste on (off again in
 * kiosk_term_leave).  Saves the previous settings first and
 * registers kiosk_term_leave with atexit.  0 on success, -1 (errno set) when fd is no terminal. */
int kiosk_term_enter(int fd);
/* Apply raw mode again (after SIGCONT); does nothing unless kiosk_term_enter succeeded. */
void kiosk_term_reraw(void);
/* Restore the saved settings.  Idempotent and async-signal-safe (also run from fatal signals). */
void kiosk_term_leave(void);

/* Catch SIGTERM, SIGHUP, SIGWINCH, SIGCONT into the self-pipe; on SIGSEGV, SIGBUS, SIGFPE, SIGILL,
 * SIGABRT, SIGSYS, SIGTRAP raised by a real fault restore the terminal and re-raise (the same
 * signals sent with kill() by another process are ignored); ignore every other signal (keyboard
 * ones, SIGPIPE, SIGUSR1/2, SIGALRM, SIGPROF, real-time ...).  Only SIGTERM and SIGHUP end the
 * kiosk.  Returns the read end to poll (POLLIN means: call kiosk_signals_take), or -1. */
int kiosk_signals_init(void);
/* The KSIG_* bits raised since the last call (drains the pipe). */
unsigned kiosk_signals_take(void);

/* Rows and columns of terminal fd (24 x 80 when unknown; never 0). */
void kiosk_term_size(int fd, unsigned *rows, unsigned *cols);

#endif
