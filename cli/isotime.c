/*
 * isotime.c — ISO 8601 UTC times with milliseconds (gmtime_r: no time zone involved).
 */
#include "isotime.h"

#include <stdio.h>
#include <time.h>

void iso_time(int64_t ms, char buf[ISO_TIME_SIZE])
{
    buf[0] = '\0';
    if (ms <= 0)
        return;
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return;
    size_t n = strftime(buf, ISO_TIME_SIZE, "%Y-%m-%dT%H:%M:%S", &tm);
    if (n == 0 || n + 6 > ISO_TIME_SIZE)
        buf[0] = '\0';
    else
        snprintf(buf + n, ISO_TIME_SIZE - n, ".%03uZ", (unsigned)(ms % 1000));
}
