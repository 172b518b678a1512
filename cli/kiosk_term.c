/*
 * kiosk_term.c — raw terminal mode, its restoration, and signal plumbing for the kiosk.
 * Invariant: once kiosk_term_enter has succeeded, every way out of the process that we can catch
 * (return from main, exit, SIGTERM/SIGHUP, a crash signal) restores the saved termios first.
 * Signal handlers only write one byte to a non-blocking pipe, or restore and re-raise.
 */
#define _DEFAULT_SOURCE 1
#define _GNU_SOURCE 1   /* NSIG */
#include "kiosk_term.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved;
static volatile sig_atomic_t have_saved; /* `saved` holds the settings to go back to */
static volatile sig_atomic_t raw_on;     /* raw mode is applied now */
static int term_fd = -1;
static int sig_pipe[2] = {-1, -1};

static void make_raw(struct termios *t)
{
    t->c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON |
                              IXOFF | IXANY | INPCK);
    t->c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ECHOE | ECHOK | ICANON | ISIG | IEXTEN | TOSTOP);
    t->c_cflag |= CS8;
    t->c_oflag |= OPOST;          /* keep '\n' -> CR LF: the renderer writes plain newlines */
    t->c_cc[VMIN] = 1;            /* the loop waits with poll(); a read then returns what is there */
    t->c_cc[VTIME] = 0;
}

void kiosk_term_leave(void)
{
    if (raw_on && term_fd >= 0) {
        raw_on = 0;
        /* no bold and no bracketed paste left behind for the next login */
        static const char reset[] = "\033[0m\033[?2004l\r\n";
        ssize_t w = write(term_fd, reset, sizeof reset - 1);
        (void)w;
        tcsetattr(term_fd, TCSANOW, &saved);
    }
}

/* Bracketed paste: the terminal wraps a paste in CSI 200~ ... CSI 201~, so the line reader can
 * take it as text only (kiosk_line.h).  A terminal without it ignores the request. */
static void paste_on(void)
{
    static const char on[] = "\033[?2004h";
    ssize_t w = write(term_fd, on, sizeof on - 1);
    (void)w;
}

int kiosk_term_enter(int fd)
{
    struct termios raw;
    static int registered;

    if (!isatty(fd) || tcgetattr(fd, &saved) != 0) return -1;
    term_fd = fd;
    have_saved = 1;
    if (!registered && atexit(kiosk_term_leave) == 0) registered = 1;
    raw = saved;
    make_raw(&raw);
    raw_on = 1;
    if (tcsetattr(fd, TCSAFLUSH, &raw) != 0) return -1;   /* FLUSH: typed before start: dropped */
    paste_on();
    return 0;
}

void kiosk_term_reraw(void)
{
    struct termios raw;
    if (!have_saved) return;
    raw = saved;
    make_raw(&raw);
    raw_on = 1;
    tcsetattr(term_fd, TCSANOW, &raw);
    paste_on();   /* whatever ran while we were stopped may have turned it off */
}

static void on_signal(int sig)
{
    int saved_errno = errno;
    char c = sig == SIGWINCH ? 'w' : sig == SIGCONT ? 'c' : 's';
    ssize_t w = write(sig_pipe[1], &c, 1);   /* full pipe: a byte is already pending, enough */
    (void)w;
    errno = saved_errno;
}

/* A crash signal raised by the kernel (or by abort() in this process) restores the terminal and
 * ends the process as the signal would; the same signal sent by another process with kill() is
 * stray, and ignored like any other. */
static void on_crash(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    if (si && si->si_code <= 0 && si->si_pid != getpid()) return;
    kiosk_term_leave();
    signal(sig, SIG_DFL);
    raise(sig);
}

static int set_handler(int sig, void (*fn)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = fn == on_signal ? SA_RESTART : 0;
    return sigaction(sig, &sa, NULL);
}

static int set_crash_handler(int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_crash;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_SIGINFO;
    return sigaction(sig, &sa, NULL);
}

static int in_list(int sig, const int *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == sig) return 1;
    return 0;
}

static int pipe_init(void)
{
    if (sig_pipe[0] >= 0) return 0;
    if (pipe(sig_pipe) != 0) return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
        fcntl(sig_pipe[i], F_SETFL, fcntl(sig_pipe[i], F_GETFL) | O_NONBLOCK);
    }
    return 0;
}

/* Every signal number the system has (1 .. NSIG-1, real-time ones included): the caught ones go
 * to the pipe, crash signals restore the terminal, and all the others are ignored, so that no
 * stray signal (USR1, ALRM, PROF, VTALRM, XCPU, a real-time one ...) can end the kiosk uncleanly.
 * KILL and STOP cannot be caught; CHLD is left alone (the kiosk starts no child). */
int kiosk_signals_init(void)
{
    static const int caught[] = {SIGTERM, SIGHUP, SIGWINCH, SIGCONT};
    static const int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGSYS, SIGTRAP};
    static const int untouched[] = {SIGKILL, SIGSTOP, SIGCHLD};
    const size_t nc = sizeof caught / sizeof caught[0], nf = sizeof fatal / sizeof fatal[0];

    if (pipe_init() != 0) return -1;
    for (int sig = 1; sig < NSIG; sig++) {
        if (in_list(sig, untouched, sizeof untouched / sizeof untouched[0])) continue;
        if (in_list(sig, caught, nc)) {
            if (set_handler(sig, on_signal) != 0) return -1;
        } else if (in_list(sig, fatal, nf)) {
            set_crash_handler(sig);
        } else {
            set_handler(sig, SIG_IGN);   /* numbers the C library keeps for itself fail: fine */
        }
    }
    return sig_pipe[0];
}

unsigned kiosk_signals_take(void)
{
    char buf[64];
    unsigned bits = 0;
    ssize_t n;

    while ((n = read(sig_pipe[0], buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < n; i++)
            bits |= buf[i] == 'w' ? KSIG_WINCH : buf[i] == 'c' ? KSIG_CONT : KSIG_STOP;
    return bits;
}

void kiosk_term_size(int fd, unsigned *rows, unsigned *cols)
{
    struct winsize ws;
    *rows = 24;
    *cols = 80;
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0) {
        if (ws.ws_row > 0) *rows = ws.ws_row;
        if (ws.ws_col > 0) *cols = ws.ws_col;
    }
}
