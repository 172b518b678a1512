/*
 * walk.c — the smallest useful embedding of libdtree: load a tree, start a session, show each step,
 * and answer from the command line (choice ids, labels or typed values, one per argument).  Prints
 * the outcome, or where the walk stopped.  Build: make (see Makefile).
 *   ./walk ../trees/internet-down.xml all on green continue works
 */
#include <dtree.h>
#include <stdio.h>
#include <string.h>

static void show(const dt_view *v)
{
    printf("[%s/%s] %s\n", v->tree_id, v->step_id, dt_step_kind_name(v->kind));
    for (size_t i = 0; i < v->say_count; i++)
        if (v->say[i].audience != DT_AUD_CUSTOMER) /* an agent's screen: all + agent */
            printf("  %s\n", v->say[i].text);
    for (size_t i = 0; i < v->choice_count; i++)
        printf("  %zu. %s  (%s)\n", i + 1, v->choices[i].label, v->choices[i].id);
}

/* One answer: "continue" on info steps (and closing words), a value on inputs, else a choice. */
static dt_status answer(dt_session *s, const dt_view *v, const char *a, dt_error *err)
{
    if (!strcmp(a, "continue"))
        return dt_session_continue(s, err);
    if (v->kind == DT_STEP_INPUT)
        return dt_session_input(s, a, err);
    return dt_session_choose_label(s, a, err); /* label, then id, then unique prefix */
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s TREE.xml [ANSWER...]\n", argv[0]);
        return 2;
    }
    dt_error *err = dt_error_new();
    dt_tree *tree = NULL;
    dt_session *s = NULL;
    int rc = 1;
    if (dt_tree_load_file(argv[1], NULL, &tree, err) != DT_OK ||
        dt_session_new(tree, &s, err) != DT_OK || dt_session_start(s, err) != DT_OK)
        goto out;
    for (int i = 2; i <= argc && !dt_session_ended(s); i++) {
        const dt_view *v = dt_session_view(s);
        show(v);
        if (i == argc)
            break;
        printf("> %s\n", argv[i]);
        dt_error_clear(err);
        if (answer(s, v, argv[i], err) != DT_OK)
            printf("  (refused: %s)\n", dt_error_text(err));
    }
    if (dt_session_ended(s)) {
        show(dt_session_view(s));
        printf("outcome: %s\n", dt_session_outcome(s));
    }
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "%s\n", dt_error_text(err));
    dt_session_free(s); /* sessions before their tree */
    dt_tree_free(tree);
    dt_error_free(err);
    return rc;
}
