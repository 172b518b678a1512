/*
 * textsafe.c — dt_char_printable: the one allow-list of characters dtree shows as they are.  The
 * CLI's terminal sanitiser (cli/render.c) and the graph writer (graph.c) both ask it, so that what
 * is safe on a screen and in a picture is decided in one place.
 */
#include "dtree.h"

/* Printable ASCII, and non-ASCII except C1 controls and invisible format characters that can
 * reorder or hide text (bidi controls, zero-width space, BOM, tags, ...).  ZWJ/ZWNJ stay: emoji
 * sequences and several scripts need them. */
int dt_char_printable(uint32_t c)
{
    if (c < 0x80) return c >= 0x20 && c < 0x7F;
    if (c < 0xA0) return 0;
    if (c == 0x061C || c == 0x180E || c == 0x200B || c == 0x200E || c == 0x200F) return 0;
    if (c >= 0x2028 && c <= 0x202E) return 0;
    if (c >= 0x2060 && c <= 0x206F) return 0;
    if (c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFB) || c == 0xFFFE || c == 0xFFFF) return 0;
    if (c >= 0xE0000 && c <= 0xE007F) return 0;
    if (c >= 0xD800 && c <= 0xDFFF) return 0;   /* surrogates are no characters */
    return c <= 0x10FFFF;
}
