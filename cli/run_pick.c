/*
 * run_pick.c — `dtree run` without TREE: list the library's trees (title, tags, id) and let the
 * agent pick one by number or by typing part of a title (or the id, shown in brackets).
 */
#define _XOPEN_SOURCE 700
#include "exitcodes.h"
#include "input.h"
#include "library.h"
#include "match.h"
#include "run.h"
#include "utf8.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void list(const rd_screen *sc, const char *dir, const lib_list *l)
{
    char num[32];
    size_t i;

    rd_printf(sc, RD_BOLD, "Trees in %s\n", dir);
    for (i = 0; i < l->count; i++) {
        const lib_entry *e = &l->items[i];
        size_t n = strlen(e->title) + strlen(e->tags) + strlen(e->id) + 16;
        char *line = malloc(n);
        snprintf(num, sizeof num, "  %zu) ", i + 1);
        if (!line) continue;
        /* Wrapped as one line: at 80 columns the terminal used to cut ids mid-word. */
        snprintf(line, n, "%s (%s)%s%s%s", e->title, e->id, *e->tags ? " [" : "", e->tags,
                 *e->tags ? "]" : "");
        rd_wrap(sc, RD_PLAIN, num, (unsigned)strlen(num), line);
        free(line);
    }
    if (l->failed)
        rd_printf(sc, RD_DIM, "  (%zu file%s could not be loaded: see dtree check)\n", l->failed,
                  l->failed == 1 ? "" : "s");
}

/* 1 when the line is a picker command: help (*rc = DT_EXIT_OK, go on) or quit (*rc set). */
static int picker_command(const rd_screen *sc, const char *line, int *rc)
{
    const char *t = line + strspn(line, " ");
    if (u8_casecmp(t, "help") == 0 || strcmp(t, "?") == 0) {
        rd_text(sc, RD_PLAIN, "  Type the number of a tree, or a word of its title (or its id);\n"
                              "  Tab completes titles.  quit leaves.\n");
        *rc = DT_EXIT_OK;
        return 1;
    }
    if (u8_casecmp(t, "quit") == 0) {
        *rc = DT_EXIT_UNFINISHED;
        return 1;
    }
    return 0;
}

static int choose(const rd_screen *sc, const lib_list *l, size_t *idx)
{
    const char **titles = calloc(l->count, sizeof *titles), **ids = calloc(l->count, sizeof *ids);
    size_t *cands = calloc(l->count, sizeof *cands), i, nc;
    char *line = NULL;
    int rc = DT_EXIT_UNFINISHED;
    mt_result r;

    if (!titles || !ids || !cands) goto out;
    for (i = 0; i < l->count; i++) {
        titles[i] = l->items[i].title;
        ids[i] = l->items[i].id;
    }
    in_set_words(titles, l->count);
    while (in_read("Tree (number or part of a title) > ", &line) == IN_LINE) {
        if (picker_command(sc, line, &rc)) {   /* help or quit, before any title match */
            if (rc != DT_EXIT_OK) break;
            rc = DT_EXIT_UNFINISHED;
            free(line);
            line = NULL;
            continue;
        }
        r = mt_match(line + strspn(line, " "), titles, ids, l->count, idx, cands, &nc);
        if (r == MT_ONE) { rc = DT_EXIT_OK; break; }
        if (!in_interactive()) {   /* piped: a wrong pick must not swallow the answers after it */
            rd_eprintf("no single tree fits '%s' (%s)", line, r == MT_MANY ? "several do" : "none does");
            rc = DT_EXIT_TREE;
            break;
        }
        free(line);
        line = NULL;
        if (r == MT_MANY) {
            rd_text(sc, RD_ERROR, "  ! Several trees fit:\n");
            for (i = 0; i < nc; i++) rd_printf(sc, RD_PLAIN, "    %zu) %s\n", cands[i] + 1, titles[cands[i]]);
        } else {
            rd_printf(sc, RD_ERROR, "  ! Type a number 1-%zu or part of a title.\n", l->count);
        }
    }
out:
    free(line);
    free(titles);
    free(ids);
    free(cands);
    return rc;
}

int run_pick(const rd_screen *sc, const char *dir, char **path)
{
    lib_list l;
    size_t idx = 0;
    int rc;

    *path = NULL;
    if (lib_list_load(dir, &l) != 0) {
        rd_eprintf("cannot read the tree library %s: %s", dir, strerror(errno));
        return errno == ENOMEM ? DT_EXIT_INTERNAL : DT_EXIT_IO;
    }
    if (l.count == 0) {
        rd_eprintf("no trees in %s (give a tree file, or --trees DIR)", dir);
        lib_list_free(&l);
        return DT_EXIT_TREE;
    }
    list(sc, dir, &l);
    rc = choose(sc, &l, &idx);
    if (rc == DT_EXIT_OK && !(*path = strdup(l.items[idx].path))) rc = DT_EXIT_INTERNAL;
    lib_list_free(&l);
    return rc;
}
