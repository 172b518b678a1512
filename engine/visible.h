/*
 * visible.h — showing invisible characters in messages that compare texts (internal).  A mismatch
 * caused by a no-break space or a zero-width character must not print as two equal strings.
 */
#ifndef DTREE_ENGINE_VISIBLE_H
#define DTREE_ENGINE_VISIBLE_H

#include <stddef.h>

/* Copy UTF-8 `s` into out (always NUL-terminated when size > 0), writing each invisible or
 * look-alike space character (controls, U+00A0, U+00AD, U+2000-U+200F, U+2028-U+202F,
 * U+205F-U+206F, U+3000, U+FEFF, ...) as "<U+XXXX>".  Plain spaces and newlines stay as they are. */
void dt_text_visible(const char *s, char *out, size_t size);

#endif
