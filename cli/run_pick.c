/*
 * run_pick.c — `dtree run` without TREE: list the library's trees (title and description) and let
 * the agent pick one by number or by typing part of a title (or its id, for those who know it).
 */
#define _XOPEN_SOURCE 700
#include "exitcodes.h"
#include "input.h"
#include "library.h"
#include "run.h"
#include "utf8.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* What an agent picks by: the title, and the author's description under it (dim).  Ids, tags and
 * the library's directory are for authors (dtree check, --trees): they stay off this screen. */
static void list(const rd_screen *sc, const lib_list *l)
{
    char num[32];
    size_t i;

    rd_text(sc, RD_BOLD, "Which call is this?\n");
    for (i = 0; i < l->count; i++) {
        const lib_entry *e = &l->items[i];
        snprintf(num, sizeof num, "  %zu) ", i + 1);
        rd_wrap(sc, RD_PLAIN, num, (unsigned)strlen(num), e->title);
        if (*e->description) {
            char *pad = malloc(strlen(num) + 1);
            if (!pad) continue;
            memset(pad, ' ', strlen(num));
            pad[strlen(num)] = '\0';
            rd_wrap(sc, RD_DIM, pad, (unsigned)strlen(num), e->description);
            free(pad);
        }
    }
    if (l->failed)
        rd_printf(sc, RD_DIM, "  (%zu file%s could not be loaded: see dtree check)\n", l->failed,
                  l->failed == 1 ? "" : "s");
}

/* 1 when the line is a picker command: help (*rc = EXIT_OK, go on) or quit (*rc set). */
static int picker_command(const rd_screen *sc, const char *line, int *rc)
{
    const char *t = line + strspn(line, " ");
    if (u8_casecmp(t, "help") == 0 || strcmp(t, "?") == 0) {
        rd_text(sc, RD_PLAIN, "  Type the number of a tree, or a word of its title (or its id);\n"
                              "  Tab completes titles.  quit leaves.\n");
        *rc = EXIT_OK;
        return 1;
    }
    if (u8_casecmp(t, "quit") == 0) {
        *rc = EXIT_UNFINISHED;
        return 1;
    }
    return 0;
}

#define PICK_LIST_MAX 8   /* trees listed when several fit; the rest are counted */

static int choose(const rd_screen *sc, const lib_list *l, size_t *idx)
{
    const char **titles = calloc(l->count, sizeof *titles), **ids = calloc(l->count, sizeof *ids);
    size_t *cands = calloc(l->count, sizeof *cands), i, nc;
    char *line = NULL;
    int rc = EXIT_UNFINISHED;
    dt_match_result r;

    if (!titles || !ids || !cands) goto out;
    for (i = 0; i < l->count; i++) {
        /* as shown (sanitised): Tab then inserts no raw bidi or zero-width character, and what
         * a person sees is what they type */
        if (!(titles[i] = rd_sanitize(l->items[i].title, 0))) goto out;
        ids[i] = l->items[i].id;
    }
    in_set_words(titles, l->count);
    while (in_read("Tree (number or part of a title) > ", &line) == IN_LINE) {
        if (picker_command(sc, line, &rc)) {   /* help or quit, before any title match */
            if (rc != EXIT_OK) break;
            rc = EXIT_UNFINISHED;
            free(line);
            line = NULL;
            continue;
        }
        r = dt_match_answer(line + strspn(line, " "), titles, ids, l->count, idx, cands, &nc);
        if (r == DT_MATCH_ONE) {
            rc = EXIT_OK;
            break;
        }
        if (!in_interactive()) {   /* piped: a wrong pick must not swallow the answers after it */
            rd_eprintf("no single tree fits '%s' (%s)", line, r == DT_MATCH_MANY ? "several do" : "none does");
            rc = EXIT_TREE;
            break;
        }
        free(line);
        line = NULL;
        if (r == DT_MATCH_MANY) {
            rd_text(sc, RD_ERROR, "  ! Several trees fit:\n");
            for (i = 0; i < nc && i < PICK_LIST_MAX; i++)
                rd_printf(sc, RD_PLAIN, "    %zu) %s\n", cands[i] + 1, titles[cands[i]]);
            if (nc > PICK_LIST_MAX)
                rd_printf(sc, RD_PLAIN, "    ... and %zu more: type more of the title\n", nc - PICK_LIST_MAX);
        } else {
            rd_printf(sc, RD_ERROR, "  ! Type a number 1-%zu or part of a title.\n", l->count);
        }
    }
out:
    free(line);
    for (i = 0; titles && i < l->count; i++) free((char *)titles[i]);
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
        return errno == ENOMEM ? EXIT_INTERNAL : EXIT_IO;
    }
    if (l.count == 0) {
        rd_eprintf("no trees in %s (give a tree file, or --trees DIR)", dir);
        lib_list_free(&l);
        return EXIT_TREE;
    }
    list(sc, &l);
    rc = choose(sc, &l, &idx);
    if (rc == EXIT_OK && !(*path = strdup(l.items[idx].path))) rc = EXIT_INTERNAL;
    lib_list_free(&l);
    return rc;
}
