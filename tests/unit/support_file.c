/*
 * support_file.c — writing the files a unit test needs (support.h); every step is asserted, so a
 * full disk fails the test where it happens instead of later as a puzzling load error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

void sup_write(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

void sup_put(const char *dir, const char *name, const char *text)
{
    char path[4096];
    assert_true((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) < sizeof path);
    sup_write(path, text, strlen(text));
}

void sup_tmpdir(char *dir, size_t size, const char *prefix, char *path, const char *name)
{
    assert_true((size_t)snprintf(dir, size, "/tmp/%s.XXXXXX", prefix) < size);
    assert_non_null(mkdtemp(dir));
    assert_true((size_t)snprintf(path, size, "%s/%s", dir, name) < size);
}

int sup_rmtree(const char *dir)
{
    char cmd[4200];
    if (strchr(dir, '\'') || (size_t)snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir) >= sizeof cmd)
        return -1;
    return system(cmd) == 0 ? 0 : -1;
}

char sup_store_dir[64], sup_store_db[128];

int sup_store_setup(void **state)
{
    (void)state;
    sup_tmpdir(sup_store_dir, sizeof sup_store_dir, "dtstore", sup_store_db, "s.db");
    return 0;
}

int sup_store_teardown(void **state)
{
    (void)state;
    return sup_rmtree(sup_store_dir);
}

dt_tree *sup_loop_tree(void)
{
    static const char xml[] = "<tree id=\"loop\" version=\"1\" title=\"L\" start=\"q1\">"
                              "<question id=\"q1\"><say>First?</say>"
                              "<choice id=\"a\" to=\"q2\">On</choice></question>"
                              "<question id=\"q2\"><say>Second?</say>"
                              "<choice id=\"b\" to=\"q1\">Back</choice></question></tree>";
    dt_tree *t = NULL;
    assert_int_equal(dt_tree_load_memory(xml, strlen(xml), "loop.xml", NULL, &t, NULL), DT_OK);
    return t;
}
