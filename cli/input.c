/*
 * input.c — line input: readline on a terminal, getline otherwise (see input.h).
 * Ctrl-C: our SIGINT handler only sets a flag (no SA_RESTART, readline's own signal handling off),
 * readline's blocking read returns EINTR and calls rl_signal_event_hook, where the line is
 * cleared and the prompt drawn again.  The handler is installed only in terminal mode.
 */
#define _XOPEN_SOURCE 700
#include "input.h"
#include "dtree.h"

#include "render.h"
#include "utf8.h"

#include <readline/history.h>
#include <readline/readline.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define SECRET_MAX 1024   /* bytes kept of a secret line; the rest is read and dropped */

static int tty_mode;
static char **words;
static size_t nwords;
static int keep_history;
static volatile sig_atomic_t got_sigint;
static struct sigaction old_int;

void in_options_init(in_options *o)
{
    o->app_name = "dtree";
    o->read_inputrc = 1;
    o->history = 1;
    o->prompt_out = stdout;
}

static void on_sigint(int sig)
{
    (void)sig;
    got_sigint = 1;
}

static int on_signal_event(void)
{
    if (!got_sigint) return 0;
    got_sigint = 0;
    rl_replace_line("", 0);
    rl_point = rl_end = 0;
    fputs("^C\n", rl_outstream);
    rl_on_new_line();
    rl_redisplay();
    return 0;
}

static char *generate(const char *text, int state)
{
    static size_t i;
    if (state == 0) i = 0;
    while (i < nwords) {
        const char *w = words[i++];
        if (u8_caseprefix(text, w)) return strdup(w);
    }
    return NULL;
}

/* A word inside one label ("exch" for "An exchange (another size...)") completes to that label,
 * as typing it and Enter would choose it; numbers are answers, never completed. */
static char **complete_word(const char *text)
{
    size_t idx, ncands, *cands;
    char **m = NULL;
    if (!*text || strspn(text, "0123456789") == strlen(text) || !(cands = malloc(nwords * sizeof *cands)))
        return NULL;
    if (dt_match_answer(text, (const char *const *)words, NULL, nwords, &idx, cands, &ncands) == DT_MATCH_ONE &&
        (m = calloc(2, sizeof *m)) != NULL && !(m[0] = strdup(words[idx]))) {
        free(m);
        m = NULL;
    }
    free(cands);
    return m;
}

static char **complete(const char *text, int start, int end)
{
    (void)start;
    (void)end;
    rl_attempted_completion_over = 1;   /* never fall back to file names */
    char **m = rl_completion_matches(text, generate);
    return m ? m : complete_word(text);
}

/* Read the inputrc now (rl_initialize does it once), with INPUTRC pointed at /dev/null when
 * asked, so that neither $INPUTRC, ~/.inputrc nor /etc/inputrc can bind keys or macros. */
static void init_readline(const in_options *o)
{
    char *saved = NULL;
    const char *cur = getenv("INPUTRC");

    if (!o->read_inputrc) {
        if (cur) saved = strdup(cur);
        setenv("INPUTRC", "/dev/null", 1);
    }
    rl_readline_name = o->app_name;
    rl_outstream = o->prompt_out;
    rl_catch_signals = 0;
    rl_attempted_completion_function = complete;
    rl_completer_word_break_characters = "";   /* a label is completed as a whole line */
    rl_signal_event_hook = on_signal_event;
    rl_initialize();
    rl_variable_bind("completion-ignore-case", "on");
    if (!o->read_inputrc) {
        if (saved) setenv("INPUTRC", saved, 1); else unsetenv("INPUTRC");
        free(saved);
    }
}

void in_open(const in_options *opts)
{
    in_options d;
    struct sigaction sa;

    if (!opts) {
        in_options_init(&d);
        opts = &d;
    }
    tty_mode = isatty(STDIN_FILENO);
    keep_history = opts->history;
    if (!tty_mode) return;
    init_readline(opts);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;   /* no SA_RESTART: the blocked read must return EINTR */
    sigaction(SIGINT, &sa, &old_int);
}

static void free_words(void)
{
    size_t i;
    for (i = 0; i < nwords; i++) free(words[i]);
    free(words);
    words = NULL;
    nwords = 0;
}

void in_close(void)
{
    free_words();
    if (!tty_mode) return;
    sigaction(SIGINT, &old_int, NULL);
    clear_history();
    rl_callback_handler_remove();   /* harmless when unused; restores the terminal state */
}

int in_interactive(void)
{
    return tty_mode;
}

void in_set_words(const char *const *w, size_t n)
{
    size_t i;

    free_words();
    if (n == 0 || !(words = calloc(n, sizeof *words))) return;
    for (i = 0; i < n; i++) {
        if (!(words[nwords] = strdup(w[i]))) break;
        nwords++;
    }
}

static in_status read_plain(char **line)
{
    char *buf = NULL;
    size_t cap = 0;
    ssize_t n = getline(&buf, &cap, stdin);

    if (n < 0) {
        free(buf);
        return ferror(stdin) ? IN_ERROR : IN_EOF;
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) buf[--n] = '\0';
    *line = buf;
    return IN_LINE;
}

static in_status read_tty(const char *prompt, char **line)
{
    char *clean = rd_sanitize(prompt ? prompt : "", 0);
    char *l;

    got_sigint = 0;
    l = readline(clean ? clean : "> ");
    free(clean);
    if (!l) return IN_EOF;
    if (keep_history && *l) add_history(l);
    *line = l;
    return IN_LINE;
}

static void wipe(char *s, size_t n)
{
    volatile char *v = s;   /* volatile: the wipe must not be optimised away */
    while (n-- > 0) *v++ = 0;
}

void in_free_secret(char *line)
{
    if (line) wipe(line, strlen(line));
    free(line);
}

static void show_prompt(const char *prompt)
{
    char *clean = rd_sanitize(prompt ? prompt : "", 0);
    fputs(clean ? clean : "> ", rl_outstream);
    fflush(rl_outstream);
    free(clean);
}

/* One line from the terminal in canonical mode with echo off, read byte by byte with read(2) so
 * that no stdio buffer keeps a copy.  Ctrl-C (our handler sets got_sigint; read returns EINTR)
 * drops what was typed, in the kernel's line buffer too, and asks again. */
static in_status read_hidden(const char *prompt, char buf[SECRET_MAX + 1])
{
    size_t n = 0;
    char ch;
    ssize_t r;

    show_prompt(prompt);
    for (;;) {
        r = read(STDIN_FILENO, &ch, 1);
        if (r < 0 && errno == EINTR) {
            if (!got_sigint) continue;
            got_sigint = 0;
            tcflush(STDIN_FILENO, TCIFLUSH);
            wipe(buf, n);
            n = 0;
            fputs("^C\n", rl_outstream);
            show_prompt(prompt);
            continue;
        }
        if (r < 0) return IN_ERROR;
        if (r == 0 && n == 0) return IN_EOF;   /* Ctrl-D on an empty line */
        if (r == 0) continue;                   /* Ctrl-D after some text: the text stays */
        if (ch == '\n' || ch == '\r') break;
        if (n < SECRET_MAX) buf[n++] = ch;
    }
    buf[n] = '\0';
    return IN_LINE;
}

static in_status read_secret_tty(const char *prompt, char **line)
{
    struct termios saved, quiet;
    char buf[SECRET_MAX + 1];
    in_status st;

    if (tcgetattr(STDIN_FILENO, &saved) != 0) return IN_ERROR;
    quiet = saved;
    quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
    quiet.c_lflag |= ICANON | ISIG;
    /* FLUSH: keys typed before this prompt were echoed in clear already; they are not taken */
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0) return IN_ERROR;
    got_sigint = 0;
    st = read_hidden(prompt, buf);
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);   /* NOW: keys typed after Enter are kept */
    fputs("\n", rl_outstream);   /* the Enter was not echoed either */
    fflush(rl_outstream);
    if (st == IN_LINE && !(*line = strdup(buf))) st = IN_ERROR;
    wipe(buf, sizeof buf);
    return st;
}

in_status in_read_secret(const char *prompt, char **line)
{
    in_status st;
    char *raw = NULL;

    *line = NULL;
    if (!tty_mode) return in_read(prompt, line);
    st = read_secret_tty(prompt, &raw);
    if (st != IN_LINE) return st;
    *line = u8_repair(raw, 1);
    in_free_secret(raw);
    return *line ? IN_LINE : IN_ERROR;
}

in_status in_read(const char *prompt, char **line)
{
    in_status st;
    char *raw = NULL;

    *line = NULL;
    st = tty_mode ? read_tty(prompt, &raw) : read_plain(&raw);
    if (st != IN_LINE) return st;
    *line = u8_repair(raw, 1);
    free(raw);
    return *line ? IN_LINE : IN_ERROR;
}

/* While a yes/no question is asked, Ctrl-C means "no": readline's own read loop retries after
 * EINTR, so this getc ends the line itself when the signal came, and in_confirm sees the flag. */
static volatile sig_atomic_t confirm_cancelled;

static int confirm_getc(FILE *f)
{
    unsigned char ch;
    for (;;) {
        ssize_t n = read(fileno(f), &ch, 1);
        if (n == 1) return ch;
        if (n == 0 || errno != EINTR) return EOF;
        if (got_sigint) {
            got_sigint = 0;
            confirm_cancelled = 1;
            fputs("^C", rl_outstream);
            return '\n';
        }
    }
}

int in_confirm(const char *question)
{
    char *l = NULL;
    int yes = 1;
    char **saved = words;
    size_t nsaved = nwords;
    rl_getc_func_t *saved_getc = rl_getc_function;

    if (!tty_mode) return 1;
    words = NULL;   /* no label completion while asking yes/no */
    nwords = 0;
    confirm_cancelled = 0;
    rl_getc_function = confirm_getc;
    for (;;) {
        in_status st = in_read(question, &l);
        if (confirm_cancelled) {
            yes = 0;
            break;
        } /* Ctrl-C: cancel, whatever was typed */
        if (st != IN_LINE) break;
        if (u8_casecmp(l, "y") == 0 || u8_casecmp(l, "yes") == 0) break;
        if (u8_casecmp(l, "n") == 0 || u8_casecmp(l, "no") == 0) { yes = 0; break; }
        free(l);
        l = NULL;
    }
    free(l);
    rl_getc_function = saved_getc;
    words = saved;
    nwords = nsaved;
    return yes;
}
