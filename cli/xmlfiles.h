/*
 * xmlfiles.h — lists of file paths for the commands that take files and directories (check, test).
 */
#ifndef DTREE_XMLFILES_H
#define DTREE_XMLFILES_H

#include <stddef.h>

typedef struct files {
    char **v;
    size_t n, cap;
} files;

/* Append path (taken: freed on failure); 0, or -1 when out of memory. */
int xf_push(files *f, char *path);
/* Every *.xml below dir, each directory in name order; 0, or -1 when out of memory. */
int xf_collect_dir(const char *root, files *out);
void xf_free(files *f);

#endif
