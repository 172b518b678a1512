/*
 * fuzz_bigload.c — libFuzzer harness for the threaded loader (engine/xmlin_pipe.c), which only
 * reads files over 1 MiB.  Input: four bytes of how to grow it, then a tree (or any bytes).  The
 * rest is cut in two at a chosen point and filler goes between (white space, a long comment, a run
 * of one character, or a repeated slice of the input) until the file is just over 1 MiB; it is
 * written to disk and loaded through the path, so a second thread reads, hashes and pre-scans it.
 * The oracle is the single-threaded reader: the same bytes loaded from memory under the same name
 * must give the same status, the same diagnostics (message, line, column) and the same tree.
 */
#include "fuzz_common.h"

#include <stdint.h>
#include <unistd.h>

#define TARGET ((size_t)1 << 20)

static const char *path;

static void put_filler(fz_buf *b, unsigned mode, const uint8_t *rest, size_t n, size_t want)
{
    static const char ws[] = "\n  \t \r\n    ";
    size_t start = b->len;
    if (mode == 1)
        fz_buf_write(b, "<!--", 4);
    while (b->len - start < want) {
        size_t left = want - (b->len - start);
        char chunk[512];
        size_t m = left < sizeof chunk ? left : sizeof chunk;
        for (size_t i = 0; i < m; i++)
            chunk[i] = mode == 0   ? ws[(b->len + i) % (sizeof ws - 1)]
                       : mode == 1 ? (char)('a' + i % 26)
                       : mode == 2 ? (n ? (char)rest[0] : 'x')
                                   : (n ? (char)rest[(b->len + i) % n] : 'y');
        fz_buf_write(b, chunk, m);
    }
    if (mode == 1)
        fz_buf_write(b, "-->", 3);
}

/* The diagnostics of a load as text (positions included), for comparing the two readers. */
static char *diag_text(dt_error *err)
{
    fz_buf b = {0};
    fz_buf_write(&b, "", 0);
    for (size_t i = 0; i < dt_error_count(err); i++) {
        char line[2048];
        dt_diag_format(dt_error_get(err, i), line, sizeof line);
        fz_buf_write(&b, line, strlen(line));
        fz_buf_write(&b, "\n", 1);
    }
    return b.p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4 || size > 65536)
        return 0;
    if (!path) {
        fz_scratch_dir("big");
        path = fz_scratch_path("big.xml");
    }
    const uint8_t *rest = data + 4;
    size_t n = size - 4, cut = n * data[1] / 256;
    unsigned mode = data[0] % 4;
    size_t slice = mode == 3 ? 1 + data[2] % 64 : 0;
    const uint8_t *from = rest + cut; /* mode 3 repeats the slice after the cut */
    size_t fill = TARGET + (size_t)data[3] * 97 + 1;
    fz_buf b = {0};
    fz_buf_write(&b, (const char *)rest, cut);
    put_filler(&b, mode, from, slice < n - cut ? slice : n - cut, fill > n ? fill - n : 1);
    fz_buf_write(&b, (const char *)rest + cut, n - cut);
    fz_write_file(path, b.p, b.len);

    dt_load_options o;
    dt_load_options_init(&o);
    o.flags = DT_LOAD_NO_CALLS;
    dt_tree *tf = NULL, *tm = NULL;
    dt_error *ef = dt_error_new(), *em = dt_error_new();
    dt_status sf = dt_tree_load_file(path, &o, &tf, ef);
    dt_status sm = dt_tree_load_memory(b.p, b.len, path, &o, &tm, em);
    char *df = diag_text(ef), *dm = diag_text(em);
    if (sf != sm || strcmp(df, dm) != 0)
        fprintf(stderr, "threaded load: %d\n%s\nfrom memory: %d\n%s\n", sf, df, sm, dm);
    FZ_CHECK(sf == sm);
    FZ_CHECK(!strcmp(df, dm));
    FZ_CHECK((tf != NULL) == (tm != NULL));
    if (tf) {
        FZ_CHECK(dt_tree_step_count(tf) == dt_tree_step_count(tm));
        FZ_CHECK(!strcmp(dt_tree_hash(tf), dt_tree_hash(tm)));
        FZ_CHECK(!strcmp(dt_tree_id(tf), dt_tree_id(tm)));
    }
    free(df);
    free(dm);
    dt_error_free(ef);
    dt_error_free(em);
    dt_tree_free(tf);
    dt_tree_free(tm);
    free(b.p);
    return 0;
}
