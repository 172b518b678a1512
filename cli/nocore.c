/*
 * nocore.c — see nocore.h.  Called by main() before any command runs, so that no command (run,
 * resume, kiosk, test, show, ...) can dump core with a secret in memory.
 */
#include "nocore.h"

#include <sys/resource.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

int no_core_dumps(void)
{
    struct rlimit rl = {0, 0};
    int rc = setrlimit(RLIMIT_CORE, &rl);
#ifdef __linux__
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) rc = -1;
#endif
    return rc;
}
