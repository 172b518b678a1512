/*
 * rec_filter.c — filter values of the query commands checked against what can be recorded:
 * statuses from the engine (dt_rec_status_name), modes as the recorder accepts them, tree ids as
 * recorded (dt_recorder_trees).  Messages list the valid values.
 */
#include "rec_filter.h"
#include "exitcodes.h"
#include "render.h"

#include <stdlib.h>
#include <string.h>

/* The modes dt_recorder_begin accepts (the sessions table's CHECK constraint). */
static const char *const modes[] = {"agent", "kiosk", "scripted"};

int rf_check_names(const char *cmd, const dt_rec_filter *f)
{
    if (f->status && dt_rec_status_from_name(f->status, NULL) != DT_OK) {
        char list[128] = "";
        for (int i = 0; i < DT_REC_STATUS_COUNT; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                     dt_rec_status_name((dt_rec_status)i));
        rd_eprintf("%s: --status is one of %s, not '%s'", cmd, list, f->status);
        return EXIT_USAGE;
    }
    for (size_t i = 0; f->mode && i < sizeof modes / sizeof modes[0]; i++)
        if (strcmp(f->mode, modes[i]) == 0)
            return 0;
    if (f->mode) {
        rd_eprintf("%s: --mode is one of agent, kiosk, scripted, not '%s'", cmd, f->mode);
        return EXIT_USAGE;
    }
    return 0;
}

typedef struct tree_list {
    const char *want;
    int found;
    char *names;   /* "a, b, c" (malloc) */
    size_t len;
} tree_list;

static int add_tree(void *user, const char *name)
{
    tree_list *l = user;
    if (strcmp(name, l->want) == 0)
        return l->found = 1;   /* stop: the value is known */
    size_t n = strlen(name);
    char *grown = realloc(l->names, l->len + n + 3);
    if (!grown)
        return 1;
    l->names = grown;
    snprintf(l->names + l->len, n + 3, "%s%s", l->len ? ", " : "", name);
    l->len += n + (l->len ? 2 : 0);
    return 0;
}

int rf_check_tree(const char *cmd, dt_recorder *rec, const dt_rec_filter *f)
{
    if (!f->tree)
        return 0;
    tree_list l = {f->tree, 0, NULL, 0};
    dt_error *err = dt_error_new();
    dt_status st = dt_recorder_trees(rec, add_tree, &l, err);
    int rc = 0;
    if (st != DT_OK) {
        rd_eprintf("%s: %s", cmd, dt_error_count(err) ? dt_error_text(err) : dt_status_str(st));
        rc = st == DT_ENOMEM ? EXIT_INTERNAL : EXIT_IO;
    } else if (!l.found) {
        rd_eprintf("%s: no recorded session is on tree '%s' or went through it; recorded trees: "
                   "%s", cmd, f->tree, l.names ? l.names : "(none)");
        rc = EXIT_USAGE;
    }
    free(l.names);
    dt_error_free(err);
    return rc;
}
