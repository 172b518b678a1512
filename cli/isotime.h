/*
 * isotime.h — epoch milliseconds as ISO 8601 in UTC ("2026-12-01T19:34:02.123Z"), written beside
 * the epoch values in exports and JSON so that other tools need no conversion.
 */
#ifndef DTREE_CLI_ISOTIME_H
#define DTREE_CLI_ISOTIME_H

#include <stddef.h>
#include <stdint.h>

#define ISO_TIME_SIZE 32
/* "" for ms <= 0 (no time). */
void iso_time(int64_t ms, char buf[ISO_TIME_SIZE]);

#endif
