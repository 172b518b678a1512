/*
 * xmlfiles.c — the list of files a command works on: paths as given, and directories searched for
 * *.xml (iteratively, each directory in name order, so output is stable).  Used by check and test.
 */
#include "xmlfiles.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int xf_push(files *f, char *path)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16;
        char **v = realloc(f->v, cap * sizeof *v);
        if (!v)
            return free(path), -1;
        f->v = v;
        f->cap = cap;
    }
    f->v[f->n++] = path;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Collect *.xml under dir, iteratively (a work list of directories), each directory sorted. */
int xf_collect_dir(const char *root, files *out)
{
    files work = {0};
    char *first = strdup(root);
    if (!first || xf_push(&work, first) != 0)
        return -1;
    while (work.n) {
        char *dir = work.v[--work.n];
        DIR *d = opendir(dir);
        files here = {0};
        for (struct dirent *e; d && (e = readdir(d));) {
            if (e->d_name[0] == '.')
                continue;
            size_t len = strlen(dir) + strlen(e->d_name) + 2;
            char *p = malloc(len);
            if (!p)
                break;
            snprintf(p, len, "%s/%s", dir, e->d_name);
            xf_push(&here, p);
        }
        if (d)
            closedir(d);
        if (here.n) /* qsort may not be given NULL, even for nothing */
            qsort(here.v, here.n, sizeof *here.v, by_name);
        for (size_t i = here.n; i-- > 0;) { /* reversed onto the stack: visited in name order */
            struct stat st;
            if (stat(here.v[i], &st) == 0 && S_ISDIR(st.st_mode))
                xf_push(&work, here.v[i]);
            else if (ends_with(here.v[i], ".xml"))
                xf_push(out, here.v[i]);
            else
                free(here.v[i]);
        }
        free(here.v);
        free(dir);
    }
    free(work.v);
    return 0;
}

void xf_free(files *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->v[i]);
    free(f->v);
}

