/*
 * kiosk_screen.h — the kiosk's screen layout: every page is drawn on a cleared screen (scrollback
 * cleared too), in a large, calm layout: texts, a numbered list, a hint and a prompt at the
 * bottom.  All text goes through the CLI's one sanitiser (render.h); the only raw bytes written
 * are a few fixed ANSI sequences (clear, erase line, bold via render).
 */
#ifndef DTREE_CLI_KIOSK_SCREEN_H
#define DTREE_CLI_KIOSK_SCREEN_H

#include "render.h"

#include <stddef.h>
#include <stdio.h>

typedef struct ks_item {
    const char *key;     /* what the customer types: "1", "2", ... */
    const char *label;
} ks_item;

typedef struct ks_page {
    const char *heading;          /* bold first line, or NULL */
    const char *const *texts;     /* paragraphs (customer-facing only: the caller filters) */
    size_t ntexts;
    const ks_item *items;         /* the numbered list */
    size_t nitems;
    const char *error;            /* shown just above the prompt ("please try again"), or NULL */
    const char *hint;             /* how to answer, or NULL */
    int prompt;                   /* 1: end with the input prompt */
} ks_page;

typedef struct kiosk_screen {
    rd_screen rd;
    int fd;                       /* the terminal, for its size */
    int prompt_shown;             /* the last page ended with a prompt (ks_prompt may redraw it) */
    int mask;                     /* the answer is sensitive: the prompt shows one dot per character */
    int drop_typeahead;           /* the next ks_draw first drops what was typed on stdin (and
                                     clears this): an answer must not answer the page after it */
} kiosk_screen;

void ks_init(kiosk_screen *ks, FILE *out);
/* Clear screen and scrollback: nothing of what was shown before can be scrolled back to. */
void ks_clear(kiosk_screen *ks);
/* Draw a whole page, with `typed` (the half-typed answer) on the prompt line. */
void ks_draw(kiosk_screen *ks, const ks_page *p, const char *typed);
/* Redraw only the prompt line after an edit (the tail of `typed` that fits the width; with
 * ks->mask set, one "•" per character of it instead). */
void ks_prompt(kiosk_screen *ks, const char *typed);
/* The "are you still there?" page with `left` seconds to go. */
void ks_countdown(kiosk_screen *ks, unsigned left);
/* Make everything written so far appear (one flush per page keeps drawing flicker-free). */
void ks_flush(kiosk_screen *ks);

#endif
