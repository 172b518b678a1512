/*
 * fuzz_kiosk.c — libFuzzer harness for the kiosk: its line reader (cli/kiosk_line.c) and its flow
 * (cli/kiosk_flow.c, kiosk_idle.c, kiosk_screen.c) driven with raw terminal bytes, as
 * cmd_kiosk.c's loop does.  Input: a flags byte (tree, chunk size, recording on/off), then the
 * bytes typed.  They arrive in chunks; between chunks the clock moves on (sometimes past the idle
 * countdown and the reset) and the clock hook runs.  Line reader: the text is always NUL-terminated,
 * at most KL_MAX bytes, valid UTF-8 without control characters, and a clear forgets every partial
 * escape or character.  Flow: the screen never receives a control character other than the few
 * fixed ANSI sequences, the welcome screen holds no session, and the engine never faults.
 */
#define _GNU_SOURCE
#include "fuzz_common.h"
#include "kiosk_flow.h"

#include <stdint.h>
#include <unistd.h>

#ifndef DT_FUZZ_TREES
#error "build with -DDT_FUZZ_TREES=\"/abs/path/to/trees\""
#endif

static dt_tree *trees[2];
static const char *db;

static void setup(void)
{
    static const char *const paths[] = {DT_FUZZ_TREES "/front-door.xml",
                                        DT_FUZZ_TREES "/../tests/cases/kiosk/kiosk-handoff.xml"};
    for (int i = 0; i < 2; i++) {
        dt_error *err = dt_error_new();
        if (dt_tree_load_file(paths[i], NULL, &trees[i], err) != DT_OK) {
            fprintf(stderr, "fuzz_kiosk: %s\n", dt_error_text(err));
            abort();
        }
        dt_error_free(err);
    }
    fz_scratch_dir("kiosk");
    db = fz_scratch_db("kiosk.db");
}

/* Valid UTF-8 of printable characters (no C0, DEL, C1). */
static int clean_utf8(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i], len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
                                             : (c & 0xf8) == 0xf0 ? 4 : 0;
        if (!len || i + len > n || c < 0x20 || c == 0x7f || c == 0xc0 || c == 0xc1 || c > 0xf4)
            return 0;
        for (unsigned k = 1; k < len; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
        if (c == 0xc2 && s[i + 1] < 0xa0)
            return 0;
        i += len;
    }
    return 1;
}

static void check_line(const kiosk_line *kl)
{
    const char *t = kiosk_line_text(kl);
    FZ_CHECK(t == kl->buf && kl->len <= KL_MAX && strlen(t) == kl->len);
    FZ_CHECK(clean_utf8((const unsigned char *)t, kl->len));
    FZ_CHECK(kl->esc_len <= KL_ESC_MAX + 4);
}

/* The line reader alone, fed every byte, with gaps where the flags say. */
static void line_alone(const uint8_t *data, size_t size, unsigned gap_every)
{
    kiosk_line kl;
    kiosk_line_clear(&kl);
    for (size_t i = 0; i < size; i++) {
        kl_result r = kiosk_line_feed(&kl, data[i]);
        FZ_CHECK(r <= KL_SUBMIT);
        check_line(&kl);
        if (r == KL_SUBMIT)
            kiosk_line_clear(&kl);
        if (gap_every && i % gap_every == gap_every - 1)
            kiosk_line_gap(&kl);
    }
    /* a clear forgets any partial escape or character: plain text after it arrives as typed */
    kiosk_line_clear(&kl);
    FZ_CHECK(!kiosk_line_pending(&kl) && kl.len == 0);
    static const char after[] = "ok \xc3\xa9!";
    for (const char *p = after; *p; p++)
        (void)kiosk_line_feed(&kl, (unsigned char)*p);
    FZ_CHECK(!strcmp(kiosk_line_text(&kl), after));
    FZ_CHECK(kiosk_line_feed(&kl, '\r') == KL_SUBMIT || kiosk_line_feed(&kl, '\n') == KL_SUBMIT);
}

/* What reached the screen: only CSI sequences of our own, '\n' and '\r'; no C1 control. */
static void check_screen(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0x1b) {
            FZ_CHECK(i + 1 < n && s[i + 1] == '[');
            size_t k = i + 2;
            while (k < n && ((s[k] >= '0' && s[k] <= '9') || s[k] == ';'))
                k++;
            FZ_CHECK(k < n && strchr("HJKm", s[k]) != NULL);
            i = k;
        } else {
            FZ_CHECK(c >= 0x20 || c == '\n' || c == '\r');
            FZ_CHECK(c != 0x7f);
            FZ_CHECK(!(c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] < 0xa0 &&
                       (unsigned char)s[i + 1] >= 0x80));
        }
    }
}

static void on_clock(kiosk *k, int64_t now)
{
    switch (kiosk_idle_tick(&k->idle, now)) {
    case KT_COUNTDOWN: ks_countdown(&k->scr, kiosk_idle_left(&k->idle, now)); break;
    case KT_RESET: kf_timeout(k, now); break;
    default: break;
    }
}

static void flow(const uint8_t *data, size_t size, unsigned flags)
{
    char *screen = NULL;
    size_t screen_len = 0;
    FILE *out = open_memstream(&screen, &screen_len);
    FZ_CHECK(out != NULL);
    kiosk k;
    memset(&k, 0, sizeof k);
    k.tree = trees[flags & 1];
    k.host = "fuzz";
    k.db = db;
    k.err = dt_error_new();
    if (flags & 2) {
        unlink(db);
        FZ_CHECK(dt_recorder_open(db, 0, &k.rec, NULL) == DT_OK);
    }
    int64_t now = 1767225600000;
    ks_init(&k.scr, out);
    kiosk_idle_init(&k.idle, 30, now);
    kf_begin(&k, now);
    size_t chunk = 1 + (flags >> 2) % 16;
    for (size_t i = 0; i < size; i += chunk) {
        size_t n = size - i < chunk ? size - i : chunk;
        kf_input(&k, data + i, n, now); /* what cmd_kiosk.c's loop does with a read */
        check_line(&k.line);
        /* the clock: mostly a moment, sometimes past the countdown or the reset */
        now += data[i] < 0xf0 ? 200 : data[i] < 0xf8 ? 31000 : 45000;
        on_clock(&k, now);
        if (k.idle.phase == KP_WELCOME)
            FZ_CHECK(k.s == NULL && !k.recording);
        FZ_CHECK(k.faults == 0);
    }
    kf_end(&k);
    FZ_CHECK(k.s == NULL);
    free(k.error);
    free(k.notice);
    dt_recorder_close(k.rec);
    dt_error_free(k.err);
    fclose(out);
    check_screen(screen, screen_len);
    free(screen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!trees[0])
        setup();
    if (size < 1 || size > 8192)
        return 0;
    unsigned flags = data[0];
    line_alone(data + 1, size - 1, flags % 7 ? 0 : (flags >> 3) + 1);
    flow(data + 1, size - 1, flags);
    return 0;
}
