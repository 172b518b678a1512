/*
 * nocore.h — no core dumps for any dtree command: answers typed by an agent or a customer
 * (sensitive ones included), --var values and decrypted recordings live in this process's memory,
 * and a core file (Ctrl-\, a crash, gcore by another user) would put them on disk in clear.
 */
#ifndef DTREE_CLI_NOCORE_H
#define DTREE_CLI_NOCORE_H

/* RLIMIT_CORE 0 (soft and hard: it cannot be raised again) and, on Linux, not dumpable
 * (PR_SET_DUMPABLE 0: no core even if the limit were raised, no ptrace or /proc/PID/mem by the
 * same user).  0, or -1 when either call failed. */
int no_core_dumps(void);

#endif
