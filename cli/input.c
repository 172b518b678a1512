/*
 * input.c — line input: readline on a terminal, getline otherwise (see input.h).
 * Ctrl-C: our SIGINT handler only sets a flag (no SA_RESTART, readline's own signal handling off),
 * readline's blocking read returns EINTR and calls rl_signal_event_hook, where the line is
 * cleared and the prompt drawn again.  The handler is installed only in terminal mode.
 */
#define _XOPEN_SOURCE 700
#include "input.h"
#include "match.h"

#include "render.h"
#include "utf8.h"

#include <readline/history.h>
#include <readline/readline.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    if (mt_match(text, (const char *const *)words, NULL, nwords, &idx, cands, &ncands) == MT_ONE &&
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

int in_confirm(const char *question)
{
    char *l = NULL;
    int yes = 1;
    char **saved = words;
    size_t nsaved = nwords;

    if (!tty_mode) return 1;
    words = NULL;   /* no label completion while asking yes/no */
    nwords = 0;
    for (;;) {
        if (in_read(question, &l) != IN_LINE) break;
        if (u8_casecmp(l, "y") == 0 || u8_casecmp(l, "yes") == 0) break;
        if (u8_casecmp(l, "n") == 0 || u8_casecmp(l, "no") == 0) { yes = 0; break; }
        free(l);
        l = NULL;
    }
    free(l);
    words = saved;
    nwords = nsaved;
    return yes;
}
