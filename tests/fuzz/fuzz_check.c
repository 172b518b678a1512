/*
 * fuzz_check.c — libFuzzer harness for the authors' checks (engine/check*.c) and `dtree check`.
 * The input is a tree file, written as DIR/fuzz.xml (so a tree can call itself) and loaded from
 * there with calls.  When it loads, dt_tree_check runs over the whole bundle and over the root
 * only: every diagnostic must carry a check id, a message and a position, be sorted by file, line
 * and column, and agree with the status; a second run must say exactly the same.  Then `dtree
 * check --format json` runs on the file: its output must be one JSON document.
 */
#define _GNU_SOURCE
#include "fuzz_cli.h"
#include "fuzz_common.h"

#include <jansson.h>
#include <stdint.h>
#include <unistd.h>

static const char *dir, *self;

/* The diagnostics as one text (to compare two runs) after checking each one. */
static char *diags_text(dt_error *err, size_t from)
{
    fz_buf all = {0};
    const dt_diag *prev = NULL;
    for (size_t i = from; i < dt_error_count(err); i++) {
        const dt_diag *d = dt_error_get(err, i);
        FZ_CHECK(d && d->file && d->message && d->check && *d->message);
        FZ_CHECK(d->severity <= DT_SEV_NOTE);
        FZ_CHECK(d->severity == DT_SEV_NOTE || *d->check);
        if (prev && d->severity != DT_SEV_NOTE && prev->severity != DT_SEV_NOTE &&
            !strcmp(prev->file, d->file))
            FZ_CHECK(prev->line < d->line || (prev->line == d->line && prev->column <= d->column));
        if (d->severity != DT_SEV_NOTE)
            prev = d;
        char line[4096];
        size_t need = dt_diag_format(d, line, sizeof line);
        FZ_CHECK(need > 0);
        fz_buf_write(&all, line, strlen(line));
        fz_buf_write(&all, "\n", 1);
    }
    return all.p;
}

static void check_once(const dt_tree *t, unsigned flags)
{
    char *text[2];
    for (int run = 0; run < 2; run++) {
        dt_error *err = dt_error_new();
        dt_status st = dt_tree_check(t, flags, err);
        FZ_CHECK(st == DT_OK || st == DT_EINVALID || st == DT_ENOMEM);
        if (st != DT_ENOMEM)
            FZ_CHECK((st == DT_EINVALID) == (dt_error_errors(err) > 0));
        text[run] = diags_text(err, 0);
        dt_error_free(err);
    }
    FZ_CHECK((!text[0] && !text[1]) || (text[0] && text[1] && !strcmp(text[0], text[1])));
    free(text[0]);
    free(text[1]);
}

static void cli_check(void)
{
    const char *args[] = {"check", "--format", "json", self, NULL};
    fz_out out;
    fz_run_cmd(cmd_check, args, &out);
    FZ_CHECK(out.rc == 0 || out.rc == 1 || out.rc == 3);
    json_error_t je;
    json_t *j = json_loadb(out.text, out.len, 0, &je);
    if (!j)
        fprintf(stderr, "dtree check --format json printed no JSON: %s\n%s\n", je.text, out.text);
    FZ_CHECK(j != NULL);
    json_decref(j);
    free(out.text);
    const char *text_args[] = {"check", self, NULL};
    fz_run_cmd(cmd_check, text_args, &out);
    FZ_CHECK(out.rc == 0 || out.rc == 1 || out.rc == 3);
    free(out.text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir) {
        dir = fz_scratch_dir("check");
        self = fz_scratch_path("fuzz.xml");
    }
    if (size > 256 * 1024)
        return 0;
    fz_write_file(self, data, size);
    dt_load_options o;
    dt_load_options_init(&o);
    o.library_dir = dir;
    dt_tree *t = NULL;
    dt_error *err = dt_error_new();
    dt_status st = dt_tree_load_file(self, &o, &t, err);
    FZ_CHECK((st == DT_OK) == (t != NULL));
    dt_error_free(err);
    if (t) {
        check_once(t, 0);
        check_once(t, DT_CHECK_ROOT_ONLY);
    }
    dt_tree_free(t);
    cli_check();
    return 0;
}
