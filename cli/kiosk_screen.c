/*
 * kiosk_screen.c — page layout for the kiosk (see kiosk_screen.h).
 * Invariant: text from a tree or a customer reaches the terminal only through render.h (rd_wrap,
 * rd_text); this file itself writes only the fixed sequences CLEAR and ERASE_LINE.  The prompt
 * line never wraps (only the tail of the answer that fits is shown), so redrawing it with
 * "carriage return + erase line" is exact at any width, even on a tiny terminal.
 */
#include "kiosk_screen.h"

#include "kiosk_term.h"
#include "utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define CLEAR "\033[H\033[2J\033[3J"   /* home, erase screen, erase scrollback */
#define ERASE_LINE "\r\033[K"
#define MARGIN "  "
#define PROMPT "  > "

void ks_init(kiosk_screen *ks, FILE *out)
{
    rd_screen_init(&ks->rd, out, 1);
    ks->rd.cap = 72;                    /* calm: short lines even on a wide screen */
    ks->fd = fileno(out);
    ks->prompt_shown = 0;
    ks->mask = 0;
    ks->drop_typeahead = 0;
}

void ks_flush(kiosk_screen *ks)
{
    fflush(ks->rd.out);
}

void ks_clear(kiosk_screen *ks)
{
    fputs(CLEAR, ks->rd.out);
    ks->prompt_shown = 0;
}

/* Columns a character takes: 2 for the common East Asian wide and emoji blocks, else 1.  An
 * estimate on purpose (no locale): erring wide only shortens the visible tail of the prompt. */
static unsigned cell_width(uint32_t c)
{
    if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) ||
        (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
        (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
        (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1FAFF) ||
        (c >= 0x20000 && c <= 0x3FFFD))
        return 2;
    return 1;
}

/* Byte offset in s where the longest tail that fits in `cols` cells starts. */
static size_t tail_start(const char *s, unsigned cols)
{
    size_t n = strlen(s), start = n, used = 0;
    uint32_t cp;

    while (start > 0) {
        size_t p = start - 1;
        while (p > 0 && ((unsigned char)s[p] & 0xC0u) == 0x80u) p--;
        size_t k = u8_decode((const unsigned char *)s + p, n - p, &cp);
        unsigned w = k ? cell_width(cp) : 1;
        if (used + w > cols) break;
        used += w;
        start = p;
    }
    return start;
}

/* A sensitive answer is shown as one dot per character: the customer sees that keys arrive,
 * a passer-by sees nothing of the answer (malloc; NULL when out of memory). */
static char *dots(const char *typed)
{
    size_t n = u8_length(typed);
    char *d = malloc(n * 3 + 1);
    if (!d) return NULL;
    for (size_t i = 0; i < n; i++) memcpy(d + 3 * i, "\xe2\x80\xa2", 3);
    d[3 * n] = '\0';
    return d;
}

void ks_prompt(kiosk_screen *ks, const char *typed)
{
    unsigned rows, cols, room;
    char *masked = ks->mask ? dots(typed) : NULL;

    if (ks->mask) typed = masked ? masked : "";
    kiosk_term_size(ks->fd, &rows, &cols);
    (void)rows;
    fputs(ERASE_LINE, ks->rd.out);
    if (cols <= sizeof PROMPT) {          /* a tiny terminal: just the answer's last cells */
        room = cols > 1 ? cols - 1 : 1;
    } else {
        rd_text(&ks->rd, RD_BOLD, PROMPT);
        room = cols - (unsigned)(sizeof PROMPT - 1) - 1;   /* keep the last column free */
    }
    rd_text(&ks->rd, RD_PLAIN, typed + tail_start(typed, room));
    ks->prompt_shown = 1;
    free(masked);
}

static void draw_items(kiosk_screen *ks, const ks_page *p)
{
    char prefix[40];
    int w = 3;   /* keys line up: numbers, or the words of a typed-answer step */

    for (size_t i = 0; i < p->nitems; i++)
        if ((int)strlen(p->items[i].key) > w) w = (int)strlen(p->items[i].key);
    if (w > 12) w = 12;
    for (size_t i = 0; i < p->nitems; i++) {
        snprintf(prefix, sizeof prefix, MARGIN "%*.12s   ", w, p->items[i].key);
        rd_wrap(&ks->rd, RD_PLAIN, prefix, (unsigned)strlen(prefix), p->items[i].label);
        if (p->nitems <= 6) fputc('\n', ks->rd.out);   /* airy when it fits a small screen */
    }
}

void ks_draw(kiosk_screen *ks, const ks_page *p, const char *typed)
{
    ks_clear(ks);
    fputc('\n', ks->rd.out);
    if (p->heading && *p->heading) {
        rd_wrap(&ks->rd, RD_BOLD, MARGIN, 2, p->heading);
        fputc('\n', ks->rd.out);
    }
    for (size_t i = 0; i < p->ntexts; i++) {
        rd_wrap(&ks->rd, i == 0 ? RD_BOLD : RD_PLAIN, MARGIN, 2, p->texts[i]);
        fputc('\n', ks->rd.out);
    }
    draw_items(ks, p);
    if (p->nitems > 6) fputc('\n', ks->rd.out);
    if (p->error && *p->error) {
        rd_wrap(&ks->rd, RD_ERROR, MARGIN, 2, p->error);
        fputc('\n', ks->rd.out);
    }
    if (p->hint && *p->hint) rd_wrap(&ks->rd, RD_DIM, MARGIN, 2, p->hint);
    if (p->prompt) {
        fputc('\n', ks->rd.out);
        ks_prompt(ks, typed ? typed : "");
    }
    /* Just before the page becomes visible, not after: a key pressed once it is seen is kept. */
    if (ks->drop_typeahead)
        tcflush(STDIN_FILENO, TCIFLUSH);
    ks->drop_typeahead = 0;
    ks_flush(ks);
}

void ks_countdown(kiosk_screen *ks, unsigned left)
{
    char line[96];
    ks_clear(ks);
    fputs("\n\n", ks->rd.out);
    rd_wrap(&ks->rd, RD_BOLD, MARGIN, 2, "Are you still there?");
    fputc('\n', ks->rd.out);
    rd_wrap(&ks->rd, RD_PLAIN, MARGIN, 2, "Press any key to carry on.");
    fputc('\n', ks->rd.out);
    snprintf(line, sizeof line, "Starting again for the next person in %u second%s.", left,
             left == 1 ? "" : "s");
    rd_wrap(&ks->rd, RD_DIM, MARGIN, 2, line);
    ks_flush(ks);
}
