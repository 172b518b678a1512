/*
 * library.c — tree library lookup and listing (see library.h).  The library never decides what a
 * tree means: it only asks the engine for ids, titles and tags.
 */
#define _XOPEN_SOURCE 700
#include "library.h"

#include "dtree.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s/%s", a, b);
    return s;
}

/* The bundled trees, relative to the running executable. */
static char *bundled_dir(void)
{
    static const char *const rel[] = {"../share/dtree/trees", "../trees"};
    char exe[PATH_MAX], *slash, *d;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    size_t i;

    if (n <= 0) return NULL;
    exe[n] = '\0';
    if (!(slash = strrchr(exe, '/'))) return NULL;
    *slash = '\0';
    for (i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        if (!(d = join(exe, rel[i]))) return NULL;
        if (is_dir(d)) return d;
        free(d);
    }
    return NULL;
}

char *lib_dir(const char *opt, const char **source)
{
    const char *env = getenv("DTREE_TREES");

    *source = NULL;
    if (opt) {
        *source = "--trees";
        return is_dir(opt) ? strdup(opt) : NULL;
    }
    if (env && *env) {
        *source = "DTREE_TREES";
        return is_dir(env) ? strdup(env) : NULL;
    }
    return bundled_dir();
}

int lib_is_path(const char *tree)
{
    size_t n = strlen(tree);
    return strchr(tree, '/') != NULL || (n > 4 && strcmp(tree + n - 4, ".xml") == 0);
}

static int load_meta(const char *path, dt_tree **t)
{
    dt_load_options o;
    dt_load_options_init(&o);
    o.flags |= DT_LOAD_NO_CALLS;
    *t = NULL;
    return dt_tree_load_file(path, &o, t, NULL) == DT_OK;
}

static int has_id(const char *path, const char *id)
{
    dt_tree *t;
    int ok = load_meta(path, &t) && strcmp(dt_tree_id(t), id) == 0;
    dt_tree_free(t);
    return ok;
}

static int is_xml(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && n > 4 && strcmp(name + n - 4, ".xml") == 0;
}

char *lib_find(const char *dir, const char *id)
{
    char *name = malloc(strlen(id) + 5), *p;
    lib_list l;
    size_t i;

    if (!name) return NULL;
    sprintf(name, "%s.xml", id);
    p = join(dir, name);
    free(name);
    if (p && access(p, R_OK) == 0 && has_id(p, id)) return p;
    free(p);
    p = NULL;
    if (lib_list_load(dir, &l) != 0) return NULL;
    for (i = 0; i < l.count && !p; i++)
        if (strcmp(l.items[i].id, id) == 0) p = strdup(l.items[i].path);
    lib_list_free(&l);
    return p;
}

static int add_entry(lib_list *l, size_t *cap, char *path, const dt_tree *t)
{
    lib_entry *e;

    if (l->count == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        lib_entry *ni = realloc(l->items, nc * sizeof *ni);
        if (!ni) return free(path), -1; /* the caller gave us path: not stored, so freed here */
        l->items = ni;
        *cap = nc;
    }
    e = &l->items[l->count];
    e->path = path;
    e->id = strdup(dt_tree_id(t));
    e->title = strdup(dt_tree_title(t));
    e->tags = strdup(dt_tree_tags(t));
    e->description = strdup(dt_tree_description(t));
    e->kiosk = dt_tree_is_kiosk(t);
    l->count++;
    if (!e->id || !e->title || !e->tags || !e->description) return -1;
    return 0;
}

static int by_title(const void *a, const void *b)
{
    const lib_entry *x = a, *y = b;
    int c = strcmp(x->title, y->title);
    return c ? c : strcmp(x->id, y->id);
}

int lib_list_load(const char *dir, lib_list *out)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t cap = 0;
    dt_tree *t;
    char *path;
    int rc = 0;

    memset(out, 0, sizeof *out);
    if (!d) return -1;
    while (rc == 0 && (de = readdir(d)) != NULL) {
        if (!is_xml(de->d_name) || !(path = join(dir, de->d_name))) continue;
        if (!load_meta(path, &t)) {
            out->failed++;
            free(path);
        } else {
            rc = add_entry(out, &cap, path, t);
        }
        dt_tree_free(t);
    }
    closedir(d);
    if (rc != 0) {
        lib_list_free(out);
        errno = ENOMEM;
        return -1;
    }
    if (out->count)
        qsort(out->items, out->count, sizeof *out->items, by_title);
    return 0;
}

void lib_list_free(lib_list *l)
{
    size_t i;
    for (i = 0; i < l->count; i++) {
        free(l->items[i].id);
        free(l->items[i].title);
        free(l->items[i].tags);
        free(l->items[i].description);
        free(l->items[i].path);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}
