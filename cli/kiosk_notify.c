/*
 * kiosk_notify.c — run the --notify command for "talk to a person" (see kiosk_notify.h).  The
 * child is started with fork + exec of /bin/sh -c CMD; the kiosk goes on drawing at once and reaps
 * the child later, so a slow or hanging command never freezes the customer's screen.
 */
#define _DEFAULT_SOURCE 1
#include "kiosk_notify.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

/* Commands not yet reaped, so that a late failure names its session (more: logged without it). */
static struct {
    pid_t pid;
    char session[40];
} running[16];

static void remember(pid_t pid, const char *session)
{
    for (size_t i = 0; i < sizeof running / sizeof running[0]; i++)
        if (running[i].pid == 0) {
            running[i].pid = pid;
            snprintf(running[i].session, sizeof running[i].session, "%s", session ? session : "");
            return;
        }
}

/* The session of a finished command (static until the next call), "" when unknown. */
static const char *forget(pid_t pid)
{
    static char id[40];
    id[0] = '\0';
    for (size_t i = 0; i < sizeof running / sizeof running[0]; i++)
        if (running[i].pid == pid) {
            memcpy(id, running[i].session, sizeof id);
            running[i].pid = 0;
        }
    return id;
}

/* One line to syslog: what failed, for which session (ids only, never an answer). */
static void say(int prio, const char *what, const char *session, long code)
{
    openlog("dtree-kiosk", LOG_PID | LOG_NDELAY, LOG_USER);
    syslog(prio, "--notify: %s %ld (session %s)", what, code,
           session && *session ? session : "not recorded");
    closelog();
}

/* In the child: no terminal, ids in the environment, then the shell.  Only async-signal-safe
 * calls would be strictly required after fork in a threaded program; the kiosk has one thread. */
static void child(const char *cmd, const char *session, const char *tree, const char *step,
                  const char *host)
{
    int fd = open("/dev/null", O_RDWR);
    if (fd < 0) _exit(126);
    dup2(fd, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    if (fd > 2) close(fd);
    setsid();                            /* no controlling terminal: it cannot draw on the customer's screen */
    for (int sig = 1; sig < NSIG; sig++) /* the kiosk ignores stray signals: the command must not */
        signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (setenv("DTREE_SESSION", session ? session : "", 1) != 0 ||
        setenv("DTREE_TREE", tree ? tree : "", 1) != 0 ||
        setenv("DTREE_STEP", step ? step : "", 1) != 0 ||
        setenv("DTREE_HOST", host ? host : "", 1) != 0)
        _exit(126);
    execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
    _exit(127);
}

int kn_notify(const char *cmd, const char *session, const char *tree, const char *step,
              const char *host)
{
    pid_t pid;

    if (!cmd || !*cmd) return -1;
    pid = fork();
    if (pid == 0) child(cmd, session, tree, step, host);
    if (pid < 0) {
        say(LOG_ERR, "cannot start the command: errno", session, (long)errno);
        return -1;
    }
    remember(pid, session);
    return 0;
}

void kn_reap(void)
{
    int status;
    pid_t pid;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        const char *session = forget(pid);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) continue;
        if (WIFEXITED(status))
            say(LOG_WARNING, "the command failed with exit status", session,
                (long)WEXITSTATUS(status));
        else
            say(LOG_WARNING, "the command was killed by signal", session,
                (long)(WIFSIGNALED(status) ? WTERMSIG(status) : 0));
    }
}
