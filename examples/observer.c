/*
 * observer.c — follow a session through its events (the same stream the recorder stores and
 * `dtree run --json` prints).  Walks the tree taking the first offered choice, typing each input's
 * first option (or the value given with -v), until an end.
 *   ./observer ../trees/printer.xml
 */
#include <dtree.h>
#include <stdio.h>
#include <string.h>

static void on_event(void *user, const dt_event *ev)
{
    (void)user; /* strings are borrowed for the call only: copy what you keep */
    printf("%-7s %s/%s", dt_event_kind_name(ev->kind), ev->tree_id ? ev->tree_id : "",
           ev->step_id ? ev->step_id : "");
    if (ev->kind == DT_EV_STEP)
        printf(" (%s)", dt_step_kind_name(ev->step_kind));
    if (ev->label)
        printf(" answer=\"%s\"", ev->label);
    if (ev->var)
        printf(" %s=%s", ev->var, ev->value ? ev->value : "");
    if (ev->outcome)
        printf(" outcome=%s", ev->outcome);
    putchar('\n');
}

int main(int argc, char **argv)
{
    const char *value = argc > 3 && !strcmp(argv[2], "-v") ? argv[3] : "12345678";
    dt_error *err = dt_error_new();
    dt_tree *tree = NULL;
    dt_session *s = NULL;
    if (argc < 2 || dt_tree_load_file(argv[1], NULL, &tree, err) != DT_OK ||
        dt_session_new(tree, &s, err) != DT_OK) {
        fprintf(stderr, "%s\n", argc < 2 ? "usage: observer TREE.xml [-v VALUE]" : dt_error_text(err));
        return 1;
    }
    dt_session_set_observer(s, on_event, NULL);
    dt_status st = dt_session_start(s, err);
    for (int n = 0; st == DT_OK && !dt_session_ended(s) && n < 100; n++) {
        const dt_view *v = dt_session_view(s);
        if (v->kind == DT_STEP_QUESTION)
            st = dt_session_choose(s, 0, err);
        else if (v->kind == DT_STEP_INPUT)
            st = dt_session_input(s, v->option_count ? v->options[0] : value, err);
        else
            st = dt_session_continue(s, err);
    }
    if (st != DT_OK)
        fprintf(stderr, "%s\n", dt_error_text(err));
    dt_session_free(s);
    dt_tree_free(tree);
    dt_error_free(err);
    return st == DT_OK ? 0 : 1;
}
