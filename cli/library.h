/*
 * library.h — the tree library: where trees are found by id, and the list shown by the picker.
 * The library directory is, in order: an explicit directory (--trees), $DTREE_TREES, or the
 * bundled trees found next to the executable (/proc/self/exe): ../share/dtree/trees when installed,
 * ../trees when run from a build directory of the source tree.
 */
#ifndef DTREE_CLI_LIBRARY_H
#define DTREE_CLI_LIBRARY_H

#include <stddef.h>

typedef struct lib_entry {
    char *id, *title, *tags, *path;   /* malloc'd; tags space-separated */
    char *description;                /* malloc'd; "" when the tree has none */
    int kiosk;                        /* the tree says kiosk="true" */
} lib_entry;

typedef struct lib_list {
    lib_entry *items;                 /* sorted by title */
    size_t count;
    size_t failed;                    /* .xml files that did not load (not listed) */
} lib_list;

/* The library directory (malloc), or NULL when none exists; `opt` is --trees (may be NULL).
 * When opt or $DTREE_TREES names a directory that does not exist, NULL with *source set. */
char *lib_dir(const char *opt, const char **source);

/* 1 when `tree` is meant as a file path rather than an id (it contains '/' or ends in ".xml"). */
int lib_is_path(const char *tree);

/* Find tree id `id` in `dir`: DIR/ID.xml when it holds that id, else any .xml file there whose
 * tree id is `id`.  Returns the path (malloc) or NULL. */
char *lib_find(const char *dir, const char *id);

/* Load the metadata of every .xml file in dir (the trees are loaded without their calls).
 * Returns 0, or -1 when the directory cannot be read (errno set).  Free with lib_list_free. */
int lib_list_load(const char *dir, lib_list *out);
void lib_list_free(lib_list *l);

#endif
