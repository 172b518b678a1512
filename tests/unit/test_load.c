/*
 * test_load.c — the loader: every element and attribute lands in the model as docs/format-spec.md
 * says, every error path gives its exact first message with file:line:col, calls between files on
 * disk (library root, cycles, missing files, symlinks), the bundle hash, and OOM stepping over a
 * two-file bundle.  Bad whole files (DOCTYPE, UTF-8, sizes) are in test_hostile.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "load.h"
#include "support.h"
#include "model.h"
#include "pattern.h"
#include "strtab.h"

static dt_tree *tree;
static dt_error *err;
static char first[1024];

static dt_status load_opts(const char *xml, const dt_load_options *o)
{
    dt_tree_free(tree);
    tree = NULL;
    dt_error_clear(err);
    dt_status st = dt_tree_load_memory(xml, strlen(xml), "t.xml", o, &tree, err);
    snprintf(first, sizeof first, "%s", dt_error_text(err));
    if (st != DT_OK)
        assert_null(tree);
    return st;
}

static dt_status load(const char *xml)
{
    dt_load_options o;
    dt_load_options_init(&o);
    o.flags = DT_LOAD_NO_CALLS;
    return load_opts(xml, &o);
}

static int setup(void **state)
{
    (void)state;
    err = dt_error_new();
    return err ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    dt_tree_free(tree);
    tree = NULL;
    dt_error_free(err);
    return 0;
}

#define S(off) M_S(tree, (off))

static const dt_step_rec *step(const char *id)
{
    uint32_t i = dt_tree_find_step(tree, 0, id);
    assert_int_not_equal(i, M_NONE);
    return M_STEP(tree, i);
}

static uint32_t idx(const char *id)
{
    return dt_tree_find_step(tree, 0, id);
}

/* ---- a tree using every element and attribute ---- */

static const char full_xml[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<tree id=\"full\" version=\"2026-11\" title=\"Full &amp; complete\" lang=\"pt-BR\" start=\"q\"\n"
    "      tags=\"net home\" kiosk=\"true\">\n"
    "  <description>  All   the\n  elements.  </description>\n"
    "  <handoff to=\"e2\">Please wait.</handoff>\n"
    "  <var name=\"n\" type=\"number\" value=\" 2.50 \"/>\n"
    "  <var name=\"ok\" type=\"boolean\" value=\"true\"/>\n"
    "  <var name=\"acct\" sensitive=\"true\"/>\n"
    "  <var name=\"plan\" type=\"choice\" value=\"basic\"/>\n"
    "  <var name=\"d\" type=\"date\"/>\n"
    "  <var name=\"out\" type=\"text\"/>\n"
    "  <info id=\"first\" next=\"q\" audience=\"agent\"><say>First</say></info>\n"
    "  <question id=\"q\" title=\"Q title\" audience=\"customer\">\n"
    "    <say>Hello   {acct},\n\n  count {n} {{literal}}</say>\n"
    "    <say audience=\"agent\">Agents only</say>\n"
    "    <note>A note</note>\n"
    "    <set var=\"n\" value=\"$n + 1\"/>\n"
    "    <choice to=\"in\" id=\"yes\">Yes <set var=\"ok\" value=\"true()\"/></choice>\n"
    "    <set var=\"ok\" value=\"false()\"/>\n"
    "    <choice to=\"d1\" when=\"$n &gt; 3\" audience=\"agent\">Maybe</choice>\n"
    "    <choice to=\"e1\"><!-- c -->No<![CDATA[ way]]></choice>\n"
    "  </question>\n"
    "  <input id=\"in\" var=\"acct\" next=\"in2\" pattern=\"[0-9]{8}\" required=\"false\" min=\"8\" max=\"8\">\n"
    "    <say>Account?</say><retry>Eight digits.</retry></input>\n"
    "  <input id=\"in2\" var=\"plan\" next=\"in3\"><say>Plan?</say><option>basic</option>\n"
    "    <option> premium </option></input>\n"
    "  <input id=\"in3\" var=\"n\" next=\"in4\" min=\"-1.5\" max=\"10\"><say>N?</say></input>\n"
    "  <input id=\"in4\" var=\"d\" next=\"d1\" min=\"2026-01-01\"><say>When?</say></input>\n"
    "  <decide id=\"d1\">\n"
    "    <set var=\"n\" value=\"0\"/>\n"
    "    <when test=\"$ok\" to=\"c1\"><set var=\"n\" value=\"$n - 1\"/></when>\n"
    "    <otherwise to=\"j1\"/>\n"
    "  </decide>\n"
    "  <call id=\"c1\" tree=\"other.xml\" start=\"s\" next=\"j1\" result=\"out\"/>\n"
    "  <jump id=\"j1\" to=\"e1\"/>\n"
    "  <jump id=\"j2\" tree=\"other.xml\"/>\n"
    "  <end id=\"e1\" outcome=\"resolved\"><say>Bye</say></end>\n"
    "  <end id=\"e2\" outcome=\"call-back\"><say audience=\"customer\">Later</say><note>n</note></end>\n"
    "</tree>\n";

static void test_full_metadata(void **state)
{
    (void)state;
    assert_int_equal(load(full_xml), DT_OK);
    assert_string_equal(dt_tree_id(tree), "full");
    assert_string_equal(dt_tree_title(tree), "Full & complete");
    assert_string_equal(dt_tree_version(tree), "2026-11");
    assert_string_equal(dt_tree_lang(tree), "pt-BR");
    assert_string_equal(dt_tree_tags(tree), "net home");
    assert_string_equal(dt_tree_description(tree), "All the elements.");
    assert_string_equal(dt_tree_path(tree), "t.xml");
    assert_int_equal(dt_tree_is_kiosk(tree), 1);
    assert_int_equal(dt_tree_step_count(tree), 12);
    assert_int_equal(dt_tree_file_count(tree), 1);
    const dt_unit_rec *u = M_UNIT(tree, 0);
    assert_int_equal(u->start, idx("q"));
    assert_int_equal(u->handoff_to, idx("e2"));
    assert_string_equal(S(u->handoff_text), "Please wait.");
    assert_int_equal(u->nsteps, 12);
}

static void test_full_vars(void **state)
{
    (void)state;
    assert_int_equal(load(full_xml), DT_OK);
    assert_int_equal(tree->vars.len, 6);
    const dt_var_rec *n = M_VAR(tree, dt_tree_find_var(tree, "n"));
    assert_int_equal(n->type, DT_VAR_NUMBER);
    assert_int_equal(n->has_default, 1);
    assert_string_equal(S(n->def), "2.5");
    assert_int_equal(n->pos.line, 7);
    assert_int_equal(n->pos.col, 14);
    const dt_var_rec *a = M_VAR(tree, dt_tree_find_var(tree, "acct"));
    assert_int_equal(a->type, DT_VAR_TEXT);
    assert_int_equal(a->sensitive, 1);
    assert_int_equal(a->has_default, 0);
    assert_string_equal(S(M_VAR(tree, dt_tree_find_var(tree, "ok"))->def), "true");
    assert_int_equal(M_VAR(tree, dt_tree_find_var(tree, "d"))->type, DT_VAR_DATE);
}

static void test_full_question(void **state)
{
    (void)state;
    assert_int_equal(load(full_xml), DT_OK);
    const dt_step_rec *q = step("q");
    assert_int_equal(q->kind, DT_STEP_QUESTION);
    assert_string_equal(S(q->title), "Q title");
    assert_int_equal(q->audience, DT_AUD_CUSTOMER);
    assert_int_equal(q->pos.line, 14);
    assert_int_equal(q->pos.col, 3);
    assert_int_equal(q->nsay, 2);
    assert_string_equal(S(M_SAY(tree, q->first_say)->text), "Hello {acct},\ncount {n} {{literal}}");
    assert_int_equal(M_SAY(tree, q->first_say + 1)->audience, DT_AUD_AGENT);
    assert_string_equal(S(q->note), "A note");
    /* the step's own sets stay together although a choice came between them */
    assert_int_equal(q->nsets, 2);
    assert_string_equal(S(M_COND(tree, M_SET(tree, q->first_set)->expr)->src), "$n + 1");
    assert_string_equal(S(M_COND(tree, M_SET(tree, q->first_set + 1)->expr)->src), "false()");
    assert_int_equal(M_SET(tree, q->first_set)->var, dt_tree_find_var(tree, "n"));
    assert_int_equal(q->nchoices, 3);
    const dt_choice_rec *c0 = M_CHOICE(tree, q->first_choice);
    const dt_choice_rec *c1 = M_CHOICE(tree, q->first_choice + 1);
    const dt_choice_rec *c2 = M_CHOICE(tree, q->first_choice + 2);
    assert_string_equal(S(c0->id), "yes");
    assert_string_equal(S(c0->label), "Yes");
    assert_int_equal(c0->to, idx("in"));
    assert_int_equal(c0->cond, M_NONE);
    assert_int_equal(c0->nsets, 1);
    assert_int_equal(M_SET(tree, c0->first_set)->var, dt_tree_find_var(tree, "ok"));
    assert_string_equal(S(c1->id), "2");
    assert_int_equal(c1->audience, DT_AUD_AGENT);
    assert_string_equal(S(M_COND(tree, c1->cond)->src), "$n > 3");
    assert_int_equal(M_COND(tree, c1->cond)->pos.line, 23);
    assert_int_equal(M_COND(tree, c1->cond)->pos.col, 27);
    assert_string_equal(S(c2->id), "3");
    assert_string_equal(S(c2->label), "No way");
    assert_int_equal(c2->to, idx("e1"));
    assert_int_equal(c2->pos.line, 24);
    assert_int_equal(c2->pos.col, 5);
}

static void test_full_inputs(void **state)
{
    (void)state;
    assert_int_equal(load(full_xml), DT_OK);
    const dt_step_rec *s = step("in");
    const dt_input_rec *in = M_INPUT(tree, s->input);
    assert_int_equal(s->kind, DT_STEP_INPUT);
    assert_int_equal(s->var, dt_tree_find_var(tree, "acct"));
    assert_int_equal(s->next, idx("in2"));
    assert_int_equal(in->type, DT_VAR_TEXT);
    assert_int_equal(in->required, 0);
    assert_string_equal(S(in->pattern), "[0-9]{8}");
    assert_non_null(in->re);
    char why[200];
    assert_int_equal(dt_pattern_match(in->re, "12345678", 8, why, sizeof why), 1);
    assert_int_equal(dt_pattern_match(in->re, "123456789", 9, why, sizeof why), 0);
    assert_true(in->has_min && in->has_max && in->min == 8 && in->max == 8);
    assert_string_equal(S(in->retry), "Eight digits.");
    in = M_INPUT(tree, step("in2")->input);
    assert_int_equal(in->type, DT_VAR_CHOICE);
    assert_int_equal(in->required, 1);
    assert_null(in->re);
    assert_int_equal(in->noptions, 2);
    assert_string_equal(S(M_OPTION(tree, in->first_option + 1)), "premium");
    in = M_INPUT(tree, step("in3")->input);
    assert_true(in->min == -1.5 && in->max == 10);
    in = M_INPUT(tree, step("in4")->input);
    assert_true(in->has_min && !in->has_max && in->min == 20260101);
}

static void test_full_other_steps(void **state)
{
    (void)state;
    assert_int_equal(load(full_xml), DT_OK);
    const dt_step_rec *d = step("d1");
    assert_int_equal(d->kind, DT_STEP_DECIDE);
    assert_int_equal(d->nsets, 1);
    assert_int_equal(d->nchoices, 2);
    const dt_choice_rec *w = M_CHOICE(tree, d->first_choice);
    assert_int_equal(w->to, idx("c1"));
    assert_string_equal(S(M_COND(tree, w->cond)->src), "$ok");
    assert_int_equal(w->nsets, 1);
    assert_int_equal(M_CHOICE(tree, d->first_choice + 1)->cond, M_NONE);
    assert_int_equal(M_CHOICE(tree, d->first_choice + 1)->to, idx("j1"));
    const dt_step_rec *c = step("c1");
    assert_int_equal(c->kind, DT_STEP_CALL);
    assert_int_equal(c->next, idx("j1"));
    assert_int_equal(c->target, M_NONE); /* DT_LOAD_NO_CALLS */
    assert_int_equal(c->var, dt_tree_find_var(tree, "out"));
    assert_int_equal(step("j1")->next, idx("e1"));
    assert_int_equal(step("j2")->next, M_NONE);
    assert_string_equal(S(step("e2")->outcome), "call-back");
    assert_string_equal(S(step("e2")->note), "n");
    assert_int_equal(step("first")->audience, DT_AUD_AGENT);
    assert_int_equal(step("first")->next, idx("q"));
}

static void test_defaults(void **state)
{
    (void)state;
    assert_int_equal(load("<tree id='a' version='1' title='A'><end id='x' outcome='resolved'/>"
                          "<end id='y' outcome='abandoned'/></tree>"), DT_OK);
    assert_string_equal(dt_tree_lang(tree), "en");
    assert_string_equal(dt_tree_tags(tree), "");
    assert_string_equal(dt_tree_description(tree), "");
    assert_int_equal(dt_tree_is_kiosk(tree), 0);
    assert_int_equal(M_UNIT(tree, 0)->start, idx("x"));
    assert_int_equal(M_UNIT(tree, 0)->handoff_to, M_NONE);
    assert_int_equal(strlen(dt_tree_hash(tree)), 16);
}

static void test_options_init(void **state)
{
    (void)state;
    dt_load_options o;
    memset(&o, 0x5a, sizeof o);
    dt_load_options_init(&o);
    assert_int_equal(o.max_bytes, 16u << 20);
    assert_null(o.library_dir);
    assert_int_equal(o.flags, 0);
    dt_load_options_init(NULL);
}

static void test_hash_is_hash_of_bytes(void **state)
{
    (void)state;
    const char *x = "<tree id='a' version='1' title='A'><end id='x' outcome='resolved'/></tree>\n";
    assert_int_equal(load(x), DT_OK);
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)dt_hash64_bytes(x, strlen(x)));
    assert_string_equal(dt_tree_hash(tree), hex);
    assert_int_equal(M_UNIT(tree, 0)->hash, dt_hash64_bytes(x, strlen(x)));
}

static void test_paragraphs_and_white_space(void **state)
{
    (void)state;
    assert_int_equal(load("<tree id='a' version='1' title='A'><end id='x' outcome='resolved'>"
                          "<say>\n\t one\t two \n \n three\r\n\r\n\r\nfour&#32;&#10;five </say></end></tree>"),
                     DT_OK);
    assert_string_equal(S(M_SAY(tree, step("x")->first_say)->text), "one two\nthree\nfour five");
}

static void test_memory_name_and_args(void **state)
{
    (void)state;
    dt_tree *t = NULL;
    dt_error_clear(err);
    assert_int_equal(dt_tree_load_memory("<x/>", 4, NULL, NULL, &t, err), DT_EINVALID);
    assert_null(t);
    assert_string_equal(dt_error_text(err), "<memory>:1:1: error: the document must start with <tree>, "
                                            "not <x> [misplaced-element]");
    assert_int_equal(dt_tree_load_memory("x", 1, NULL, NULL, NULL, NULL), DT_EARG);
    assert_int_equal(dt_tree_load_file(NULL, NULL, &t, NULL), DT_EARG);
    assert_int_equal(dt_tree_load_memory(NULL, 0, NULL, NULL, &t, NULL), DT_ESYNTAX);
}

/* ---- one error each: the exact first line ---- */

#define T1 "<tree id='t' version='1' title='T'>\n"
#define END "<end id='e' outcome='resolved'/>\n</tree>\n"

typedef struct bad_case {
    const char *xml;
    dt_status code;
    const char *line;
} bad_case;

static const bad_case bad_cases[] = {
    {T1 "<question id='q'><say>x</say><choice to='rebot'>Go</choice></question>\n"
        "<end id='reboot' outcome='resolved'/></tree>", DT_EINVALID,
     "t.xml:2:42: error: choice \"1\" points to step \"rebot\", which does not exist (did you mean "
     "\"reboot\"?) [dangling-target]"},
    {T1 "<info id='i' next='nowhere'/>\n" END, DT_EINVALID,
     "t.xml:2:20: error: step \"i\" points to step \"nowhere\", which does not exist [dangling-target]"},
    {T1 "<jump id='j' to='x'/>\n" END, DT_EINVALID,
     "t.xml:2:18: error: jump \"j\" points to step \"x\", which does not exist [dangling-target]"},
    {T1 "<decide id='d'><when test='1' to='zz'/><otherwise to='e'/></decide>\n" END, DT_EINVALID,
     "t.xml:2:35: error: <when> points to step \"zz\", which does not exist [dangling-target]"},
    {T1 "<decide id='d'><when test='1' to='e'/><otherwise to='zz'/></decide>\n" END, DT_EINVALID,
     "t.xml:2:54: error: <otherwise> points to step \"zz\", which does not exist [dangling-target]"},
    {"<tree id='t' version='1' title='T' start='ee'>\n" END, DT_EINVALID,
     "t.xml:1:43: error: start points to step \"ee\", which does not exist [dangling-target]"},
    {T1 "<handoff to='zz'/>\n" END, DT_EINVALID,
     "t.xml:2:14: error: <handoff> points to step \"zz\", which does not exist [dangling-target]"},
    {T1 "<end id='e' outcome='resolved'/>\n<end id='e' outcome='resolved'/></tree>", DT_EINVALID,
     "t.xml:3:10: error: duplicate step id \"e\" (first used at line 2) [duplicate-id]"},
    {T1 "<end id='e' outcome='resolved'><say>Hi {who}</say></end></tree>", DT_EINVALID,
     "t.xml:2:40: error: {who} in the text is not declared in this file (add <var name=\"who\" .../>) "
     "[undeclared-var]"},
    {T1 "<decide id='d'><when test='1 = 1 and $nope' to='e'/><otherwise to='e'/></decide>\n" END,
     DT_EINVALID, "t.xml:2:38: error: $nope in the expression is not declared in this file (add <var "
     "name=\"nope\" .../>) [undeclared-var]"},
    {T1 "<input id='i' var='v' next='e'/>\n" END, DT_EINVALID,
     "t.xml:2:20: error: variable \"v\" is not declared in this file (add <var name=\"v\" .../>) "
     "[undeclared-var]"},
    {T1 "<end id='e' outcome='resolved'><say>a { b</say></end></tree>", DT_EINVALID,
     "t.xml:2:32: error: \"{\" in <say> text does not start a {variable}: write \"{{\" for a literal "
     "brace [bad-text]"},
    {T1 "<end id='e' outcome='resolved'><say>a } b</say></end></tree>", DT_EINVALID,
     "t.xml:2:32: error: lone \"}\" in <say> text: write \"}}\" for a literal brace [bad-text]"},
    {T1 "<var name='n' type='number'/>\n<decide id='d'><when test='$n &gt;' to='e'/><otherwise to='e'/>"
        "</decide>\n" END, DT_EINVALID, NULL},
    {T1 "<foo/>\n" END, DT_EINVALID, "t.xml:2:1: error: unknown element <foo> inside <tree> "
     "[unknown-element]"},
    {T1 "<question id='q'><say>x<b>y</b></say><choice to='e'>a</choice></question>\n" END, DT_EINVALID,
     "t.xml:2:24: error: unknown element <b> inside <say>, which holds only text [unknown-element]"},
    {T1 "<info id='i' next='e'><choice to='e'>x</choice></info>\n" END, DT_EINVALID,
     "t.xml:2:23: error: <choice> is not allowed inside <info> [misplaced-element]"},
    {T1 "<end id='e' outcome='resolved' colour='red'/></tree>", DT_EINVALID,
     "t.xml:2:32: error: unknown attribute \"colour\" on <end> [unknown-attribute]"},
    {T1 "<end id='e' xml:lang='en' outcome='resolved'/></tree>", DT_EINVALID,
     "t.xml:2:13: error: unknown attribute \"lang\" on <end> [unknown-attribute]"},
    {T1 "<end id='e'/></tree>", DT_EINVALID,
     "t.xml:2:1: error: <end> needs a \"outcome\" attribute [missing-attribute]"},
    {"<tree version='1' title='T'>\n" END, DT_EINVALID,
     "t.xml:1:1: error: <tree> needs a \"id\" attribute [missing-attribute]"},
    {T1 "<end id='e' outcome='Fixed'/></tree>", DT_EINVALID,
     "t.xml:2:22: error: outcome \"Fixed\" is not valid: use resolved, escalated, abandoned, or a "
     "lower-case word of your own such as \"call-back\" [bad-value]"},
    {T1 "<end id='e e' outcome='resolved'/></tree>", DT_EINVALID,
     "t.xml:2:10: error: step id \"e e\" is not a valid id: use letters, digits, \"_\", \".\" and \"-\", "
     "starting with a letter or digit [bad-id]"},
    {"<tree id='t' version='1' title='T' kiosk='yes'>\n" END, DT_EINVALID,
     "t.xml:1:43: error: kiosk=\"yes\" must be \"true\" or \"false\" [bad-value]"},
    {"<tree id='t' version='1' title='T' lang='english!'>\n" END, DT_EINVALID,
     "t.xml:1:42: error: lang=\"english!\" is not a language tag such as \"en\" or \"pt-BR\" [bad-value]"},
    {"<tree id='t' version='1' title='T' tags='a,b'>\n" END, DT_EINVALID,
     "t.xml:1:42: error: tags=\"a,b\" must be words separated by spaces (letters, digits, \"_\", \".\", "
     "\"-\") [bad-value]"},
    {T1 "<end id='e' outcome='resolved' audience='staff'/></tree>", DT_EINVALID,
     "t.xml:2:42: error: audience=\"staff\" must be \"all\", \"agent\" or \"customer\" [bad-value]"},
    {T1 "<var name='a-1'/>\n" END, DT_EINVALID,
     "t.xml:2:12: error: variable name \"a-1\" is not valid: use letters, digits and \"_\" (no \"-\" or "
     "\".\"), starting with a letter or \"_\" [bad-name]"},
    {T1 "<var name='a' type='integer'/>\n" END, DT_EINVALID,
     "t.xml:2:21: error: unknown type \"integer\" (use text, number, boolean, date, email, phone or "
     "choice) [bad-value]"},
    {T1 "<var name='a' type='number' value='1,5'/>\n" END, DT_EINVALID,
     "t.xml:2:36: error: default value \"1,5\" of variable \"a\" is not a valid number: expected a "
     "number such as 42 or 3.5 [bad-value]"},
    {T1 "<var name='a' type='date' value='2026-02-30'/>\n" END, DT_EINVALID,
     "t.xml:2:34: error: default value \"2026-02-30\" of variable \"a\" is not a valid date: that day "
     "does not exist in that month [bad-value]"},
    {T1 "<var name='a'/><var name='a'/>\n" END, DT_EINVALID,
     "t.xml:2:27: error: variable \"a\" is declared twice in this file (first at line 2) [duplicate-var]"},
    {T1 "<question id='q'><say>x</say></question>\n" END, DT_EINVALID,
     "t.xml:2:1: error: <question> needs at least one <choice> [missing-element]"},
    {T1 "<decide id='d'><when test='1' to='e'/></decide>\n" END, DT_EINVALID,
     "t.xml:2:1: error: <decide> needs an <otherwise> as its last branch [missing-element]"},
    {T1 "<decide id='d'><otherwise to='e'/><when test='1' to='e'/></decide>\n" END, DT_EINVALID,
     "t.xml:2:35: error: <when> after <otherwise>: <otherwise> must be the last branch "
     "[misplaced-element]"},
    {T1 "<question id='q'><choice to='e'> </choice></question>\n" END, DT_EINVALID,
     "t.xml:2:18: error: a <choice> needs a label: the text the person picks [missing-text]"},
    {T1 "<question id='q'>Hello<choice to='e'>x</choice></question>\n" END, DT_EINVALID,
     "t.xml:2:1: error: text is not allowed directly inside <question> (put it in a <say>) "
     "[text-not-allowed]"},
    {T1 "<question id='q'><note>a</note><note>b</note><choice to='e'>x</choice></question>\n" END,
     DT_EINVALID, "t.xml:2:32: error: only one <note> per step [duplicate-element]"},
    {T1 "<description>a</description><description>b</description>\n" END, DT_EINVALID,
     "t.xml:2:29: error: only one <description> is allowed [duplicate-element]"},
    {T1 "<var name='p' type='choice'/><input id='i' var='p' next='e'/>\n" END, DT_EINVALID,
     "t.xml:2:30: error: input \"i\": variable \"p\" is a choice, so list the allowed answers with "
     "<option> [missing-element]"},
    {T1 "<var name='p'/><input id='i' var='p' next='e'><option>a</option></input>\n" END, DT_EINVALID,
     "t.xml:2:16: error: input \"i\": <option> only applies to choice variables (\"p\" is text) "
     "[misplaced-element]"},
    {T1 "<var name='p' type='number'/><input id='i' var='p' next='e' min='x'/>\n" END, DT_EINVALID,
     "t.xml:2:66: error: min=\"x\" is not valid for a number variable: expected a number such as 42 or "
     "3.5 [bad-value]"},
    {T1 "<var name='p' type='boolean'/><input id='i' var='p' next='e' max='1'/>\n" END, DT_EINVALID,
     "t.xml:2:67: error: max does not apply to boolean variables [bad-value]"},
    {T1 "<var name='p' type='number'/><input id='i' var='p' next='e' min='5' max='1'/>\n" END,
     DT_EINVALID, "t.xml:2:66: error: input \"i\": min is greater than max [bad-value]"},
    {T1 "<var name='p'/><input id='i' var='p' next='e' pattern='([a-z'/>\n" END, DT_EINVALID, NULL},
    {T1 "<var name='p'/><input id='i' var='p' next='e' pattern='(a*)*\\1b'/>\n" END, DT_EINVALID,
     "t.xml:2:56: error: pattern \"(a*)*\\1b\" uses a back-reference (\\1), which is not allowed: it "
     "can make checking an answer take minutes [bad-pattern]"},
    {T1 "<var name='r' type='number'/><call id='c' tree='x.xml' next='e' result='r'/>\n" END,
     DT_EINVALID, "t.xml:2:73: error: call \"c\": result variable \"r\" must be of type text (it "
     "receives the outcome) [bad-value]"},
    {T1 "<jump id='j'/>\n" END, DT_EINVALID,
     "t.xml:2:1: error: <jump> needs either a \"to\" step or a \"tree\" file (not both) "
     "[missing-attribute]"},
    {T1 "<jump id='j' to='e' start='x'/>\n" END, DT_EINVALID,
     "t.xml:2:28: error: \"start\" only goes with \"tree\" on <jump> [unknown-attribute]"},
    {T1 "</tree>", DT_EINVALID,
     "t.xml:1:1: error: the tree has no steps (add a <question>, <info>, <end>, ...) [missing-element]"},
    {T1 "<end id='e' outcome='resolved'>\n</tree>", DT_ESYNTAX,
     "t.xml:3:8: error: malformed XML: Opening and ending tag mismatch: end line 2 and tree [xml-syntax]"},
    {T1 "<end id='e' outcome='resolved'/>\n<x:y/></tree>", DT_ESYNTAX, NULL},
    {T1 "<end id='e' outcome='a&b;'/></tree>", DT_ESYNTAX, NULL},
};

static void test_bad_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *c = &bad_cases[i];
        dt_status st = load(c->xml);
        if (st != c->code || (c->line && strcmp(first, c->line) != 0))
            print_error("case %zu: status %s, first error:\n  %s\nexpected:\n  %s\n", i,
                        dt_status_str(st), first, c->line ? c->line : "(any)");
        assert_int_equal(st, c->code);
        if (c->line)
            assert_string_equal(first, c->line);
        assert_true(dt_error_get(err, 0)->line > 0);
    }
}

static void test_expression_column_inside_value(void **state)
{
    (void)state;
    /* the error is at the second "&gt;": column counts source characters, entities included */
    assert_int_equal(load(T1 "<var name='n' type='number'/>\n"
                          "<decide id='d'><when test='$n &gt; 1 and &gt; 2' to='e'/><otherwise to='e'/>"
                          "</decide>\n" END), DT_EINVALID);
    const dt_diag *d = dt_error_get(err, 0);
    assert_string_equal(d->check, "bad-expression");
    assert_int_equal(d->line, 3);
    assert_int_equal(d->column, 42);
    /* a multi-line attribute value: line and column follow the source */
    assert_int_equal(load(T1 "<var name='n' type='number'/>\n"
                          "<decide id='d'><when test='$n = 1 or\n   $zz' to='e'/><otherwise to='e'/>"
                          "</decide>\n" END), DT_EINVALID);
    assert_string_equal(first, "t.xml:4:4: error: $zz in the expression is not declared in this file "
                               "(add <var name=\"zz\" .../>) [undeclared-var]");
}

static void test_every_error_reported(void **state)
{
    (void)state;
    assert_int_equal(load(T1 "<info id='a' next='x1'/>\n<info id='b' next='x2' bad='1'/>\n"
                          "<end id='a' outcome='resolved'><say>{q}</say></end>\n</tree>"), DT_EINVALID);
    assert_int_equal(dt_error_errors(err), 5);
    const char *checks[] = {"unknown-attribute", "duplicate-id", "undeclared-var", "dangling-target",
                            "dangling-target"};
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(dt_error_get(err, i)->check, checks[i]);
}

static void test_vars_declared_after_use(void **state)
{
    (void)state;
    assert_int_equal(load(T1 "<end id='e' outcome='resolved'><say>{late}</say>"
                          "<set var='late' value='concat($late, \"x\")'/></end>\n"
                          "<var name='late' value='v'/></tree>"), DT_OK);
    assert_int_equal(M_SET(tree, step("e")->first_set)->var, dt_tree_find_var(tree, "late"));
}

static void test_limits(void **state)
{
    (void)state;
    size_t n = 70 * 1024;
    char *x = malloc(n + 200);
    assert_non_null(x);
    int k = snprintf(x, 200, T1 "<end id='e' outcome='resolved'><say>");
    memset(x + k, 'a', n);
    strcpy(x + k + n, "</say></end></tree>");
    assert_int_equal(load(x), DT_ELIMIT);
    assert_string_equal(first, "t.xml:2:32: error: the text of <say> is longer than 65536 bytes "
                               "[text-too-long]");
    k = snprintf(x, 200, T1 "<var name='a'/><input id='i' var='a' next='e' pattern='");
    memset(x + k, 'a', 600);
    strcpy(x + k + 600, "'/>" END);
    assert_int_equal(load(x), DT_ELIMIT);
    assert_string_equal(first, "t.xml:2:56: error: pattern is 600 bytes long; the limit is 512 [too-long]");
    k = snprintf(x, 200, T1 "<var name='a'/><decide id='d'><when test='");
    memset(x + k, '1', 5000);
    strcpy(x + k + 5000, "' to='e'/><otherwise to='e'/></decide>" END);
    assert_int_equal(load(x), DT_ELIMIT);
    assert_string_equal(first, "t.xml:2:43: error: expression is 5000 bytes long; the limit is 4096 "
                               "[too-long]");
    free(x);
}

/* ---- calls between files ---- */

static char dir[PATH_MAX];

static void put(const char *name, const char *text)
{
    sup_put(dir, name, text);
}

static dt_status load_path(const char *name, const dt_load_options *o)
{
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    dt_tree_free(tree);
    tree = NULL;
    dt_error_clear(err);
    dt_status st = dt_tree_load_file(p, o, &tree, err);
    snprintf(first, sizeof first, "%s", dt_error_text(err));
    return st;
}

/* first with the temporary directory's name replaced by "D" */
static const char *rel(void)
{
    static char out[1024];
    size_t o = 0;
    for (const char *s = first; *s && o + 2 < sizeof out;) {
        if (strncmp(s, dir, strlen(dir)) == 0) {
            out[o++] = 'D';
            s += strlen(dir);
        } else {
            out[o++] = *s++;
        }
    }
    out[o] = '\0';
    return out;
}

static int calls_setup(void **state)
{
    setup(state);
    char tmpl[] = "/tmp/dt_load_XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    snprintf(dir, sizeof dir, "%s", tmpl);
    char p[PATH_MAX + 16];
    snprintf(p, sizeof p, "%s/lib", dir);
    mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/lib/sub", dir);
    mkdir(p, 0700);
    put("secret.xml", "<tree id='s' version='1' title='S'><end id='e' outcome='resolved'/></tree>");
    put("lib/main.xml",
        "<tree id='main' version='1' title='M'>\n"
        "<var name='r'/>\n"
        "<call id='c' tree='sub/b.xml' start='b2' next='j' result='r'/>\n"
        "<jump id='j' tree='sub/b.xml'/>\n"
        "<end id='e' outcome='resolved'/></tree>\n");
    put("lib/sub/b.xml",
        "<tree id='b' version='1' title='B'>\n"
        "<var name='r'/>\n"
        "<call id='back' tree='../main.xml' next='b2'/>\n"
        "<end id='b2' outcome='done'/></tree>\n");
    put("lib/bad-start.xml", "<tree id='x' version='1' title='X'>\n"
                             "<call id='c' tree='sub/b.xml' start='b3' next='e'/>\n" END);
    put("lib/missing.xml", "<tree id='x' version='1' title='X'>\n"
                           "<call id='c' tree='nothere.xml' next='e'/>\n" END);
    put("lib/outside.xml", "<tree id='x' version='1' title='X'>\n"
                           "<jump id='c' tree='../../etc/passwd'/>\n"
                           "<jump id='d' tree='../secret.xml'/>\n" END);
    put("lib/broken-callee.xml", "<tree id='x' version='1' title='X'>\n"
                                 "<call id='c' tree='sub/broken.xml' next='e'/>\n" END);
    put("lib/sub/broken.xml", "<tree id='b' version='1' title='B'>\n<end id='e'/></tree>\n");
    put("lib/typeclash.xml", "<tree id='x' version='1' title='X'>\n<var name='r' type='number'/>\n"
                             "<call id='c' tree='sub/b.xml' next='e'/>\n" END);
    snprintf(p, sizeof p, "%s/lib/link.xml", dir);
    assert_int_equal(symlink("../secret.xml", p), 0);
    put("lib/via-link.xml", "<tree id='x' version='1' title='X'>\n"
                            "<call id='c' tree='link.xml' next='e'/>\n" END);
    return 0;
}

static int calls_teardown(void **state)
{
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return teardown(state);
}

static void test_call_bundle(void **state)
{
    (void)state;
    assert_int_equal(load_path("lib/main.xml", NULL), DT_OK);
    assert_int_equal(dt_tree_file_count(tree), 2);
    assert_string_equal(dt_tree_file_path(tree, 1) + strlen(dir), "/lib/sub/b.xml");
    assert_null(dt_tree_file_path(tree, 2));
    assert_int_equal(dt_tree_step_count(tree), 5);
    assert_int_equal(dt_tree_file_find(tree, "main"), 0);
    assert_int_equal(dt_tree_file_find(tree, "b"), 1);
    assert_int_equal(dt_tree_file_find(tree, "nosuch"), DT_NPOS);
    assert_int_equal(dt_tree_file_find(tree, NULL), DT_NPOS);
    assert_int_equal(dt_tree_file_find(NULL, "main"), DT_NPOS);
    assert_int_equal(tree->vars.len, 1); /* "r" shared by both files */
    const dt_step_rec *c = M_STEP(tree, dt_tree_find_step(tree, 0, "c"));
    assert_int_equal(c->target, dt_tree_find_step(tree, 1, "b2"));
    assert_int_equal(c->var, dt_tree_find_var(tree, "r"));
    const dt_step_rec *j = M_STEP(tree, dt_tree_find_step(tree, 0, "j"));
    assert_int_equal(j->next, M_UNIT(tree, 1)->start);
    const dt_step_rec *back = M_STEP(tree, dt_tree_find_step(tree, 1, "back"));
    assert_int_equal(back->target, M_UNIT(tree, 0)->start); /* a cycle loads: sessions bound it */
    /* the bundle hash changes with the callee's bytes */
    char h1[17];
    snprintf(h1, sizeof h1, "%s", dt_tree_hash(tree));
    put("lib/sub/b.xml", "<tree id='b' version='1' title='B'>\n<var name='r'/>\n"
                         "<call id='back' tree='../main.xml' next='b2'/>\n"
                         "<end id='b2' outcome='done'/></tree>\n\n");
    assert_int_equal(load_path("lib/main.xml", NULL), DT_OK);
    assert_string_not_equal(dt_tree_hash(tree), h1);
}

static void test_call_errors(void **state)
{
    (void)state;
    assert_int_equal(load_path("lib/bad-start.xml", NULL), DT_EINVALID);
    assert_string_equal(rel(), "D/lib/bad-start.xml:2:38: error: call starts at step \"b3\", which does "
                               "not exist in D/lib/sub/b.xml (did you mean \"b2\"?) [dangling-target]");
    assert_int_equal(load_path("lib/missing.xml", NULL), DT_EINVALID);
    assert_string_equal(rel(), "D/lib/missing.xml:2:20: error: called tree \"nothere.xml\" not found "
                               "(looked for D/lib/nothere.xml) [call-missing-file]");
    assert_int_equal(load_path("lib/outside.xml", NULL), DT_EINVALID);
    assert_string_equal(rel(), "D/lib/outside.xml:2:20: error: called tree \"../../etc/passwd\" is "
                               "outside the tree library: calls must stay inside the directory of the "
                               "first tree [call-outside-library]");
    assert_int_equal(dt_error_errors(err), 2);
    assert_int_equal(load_path("lib/via-link.xml", NULL), DT_EINVALID);
    assert_string_equal(rel(), "D/lib/via-link.xml:2:20: error: called tree \"link.xml\" leads outside "
                               "the tree library through a symbolic link: calls must stay inside it "
                               "[call-outside-library]");
    assert_int_equal(load_path("lib/broken-callee.xml", NULL), DT_EINVALID);
    assert_string_equal(rel(), "D/lib/sub/broken.xml:2:1: error: <end> needs a \"outcome\" attribute "
                               "[missing-attribute]");
    assert_int_equal(load_path("lib/typeclash.xml", NULL), DT_EINVALID);
    assert_string_equal(rel(), "D/lib/sub/b.xml:2:12: error: variable \"r\" is declared as text here "
                               "but as number in D/lib/typeclash.xml:2 (variables are shared by every "
                               "tree of a session) [var-type-conflict]");
}

static void test_call_options(void **state)
{
    (void)state;
    dt_load_options o;
    dt_load_options_init(&o);
    o.flags = DT_LOAD_NO_CALLS;
    assert_int_equal(load_path("lib/missing.xml", &o), DT_OK);
    assert_int_equal(dt_tree_file_count(tree), 1);
    /* a wider library lets ../secret.xml in */
    dt_load_options_init(&o);
    o.library_dir = dir;
    assert_int_equal(load_path("lib/via-link.xml", &o), DT_OK);
    assert_int_equal(dt_tree_file_count(tree), 2);
    /* memory loads resolve calls against library_dir */
    char lib[PATH_MAX + 8];
    snprintf(lib, sizeof lib, "%s/lib", dir);
    o.library_dir = lib;
    const char *x = "<tree id='m' version='1' title='M'><call id='c' tree='sub/b.xml' next='e'/>"
                    "<end id='e' outcome='resolved'/></tree>";
    dt_tree_free(tree);
    tree = NULL;
    dt_error_clear(err);
    assert_int_equal(dt_tree_load_memory(x, strlen(x), NULL, &o, &tree, err), DT_OK);
    assert_int_equal(dt_tree_file_count(tree), 3); /* memory, b.xml, main.xml (b calls main) */
    o.library_dir = "/nonexistent/dir";
    dt_tree_free(tree);
    tree = NULL;
    assert_int_equal(dt_tree_load_memory(x, strlen(x), NULL, &o, &tree, err), DT_EIO);
}

/* ---- out of memory at every allocation ---- */

/* The names of kinds come from the lists in dtree.h, and back again. */
static void test_kind_names(void **state)
{
    (void)state;
    static const char *const steps[] = {"question", "info", "input", "decide", "call", "jump", "end"};
    assert_int_equal(DT_STEP_KIND_COUNT, 7);
    for (int k = 0; k < DT_STEP_KIND_COUNT; k++) {
        dt_step_kind back = DT_STEP_END;
        assert_string_equal(dt_step_kind_name((dt_step_kind)k), steps[k]);
        assert_int_equal(dt_step_kind_from_name(steps[k], &back), DT_OK);
        assert_int_equal(back, k);
        assert_int_equal(dt_step_kind_is_interactive((dt_step_kind)k), k <= DT_STEP_INPUT);
    }
    dt_step_kind unchanged = DT_STEP_JUMP;
    assert_int_equal(dt_step_kind_from_name("Question", &unchanged), DT_ENOTFOUND);
    assert_int_equal(dt_step_kind_from_name(NULL, &unchanged), DT_ENOTFOUND);
    assert_int_equal(unchanged, DT_STEP_JUMP);
    assert_string_equal(dt_step_kind_name((dt_step_kind)7), "unknown");
    assert_false(dt_step_kind_is_interactive((dt_step_kind)-1));
    static const char *const events[] = {"start", "step", "answer", "set", "back",
                                         "restart", "jump", "note", "end"};
    for (int k = 0; k < 9; k++)
        assert_string_equal(dt_event_kind_name((dt_event_kind)k), events[k]);
    assert_string_equal(dt_event_kind_name((dt_event_kind)9), "unknown");
    assert_string_equal(dt_var_type_name(DT_VAR_CHOICE), "choice");
    assert_string_equal(dt_var_type_name((dt_var_type)7), "unknown");
    /* outcomes: the known words round-trip; an author's own word (or none) is "other" */
    static const char *const outcomes[] = {"resolved", "escalated", "abandoned"};
    for (int o = 0; o < 3; o++) {
        assert_string_equal(dt_outcome_name((dt_outcome)o), outcomes[o]);
        assert_int_equal(dt_outcome_of(outcomes[o]), o);
    }
    assert_int_equal(DT_OUTCOME_OTHER, 3);
    assert_int_equal(dt_outcome_of("call-back"), DT_OUTCOME_OTHER);
    assert_int_equal(dt_outcome_of("Resolved"), DT_OUTCOME_OTHER);
    assert_int_equal(dt_outcome_of(NULL), DT_OUTCOME_OTHER);
    assert_string_equal(dt_outcome_name(DT_OUTCOME_OTHER), "unknown");
    /* the loader's element table follows the step kinds */
    for (int k = 0; k < DT_STEP_KIND_COUNT; k++)
        assert_string_equal(dt_elem_names[E_QUESTION + k], steps[k]);
    assert_string_equal(dt_elem_names[E_OTHERWISE], "otherwise");
    assert_string_equal(dt_attr_names[A_OUTCOME], "outcome");
}

static dt_status load_main(void *path)
{
    dt_tree *t = NULL;
    dt_error *e = dt_error_new();
    dt_status st = e ? dt_tree_load_file(path, NULL, &t, e) : DT_ENOMEM;
    assert_true(st == DT_OK || (st == DT_ENOMEM && t == NULL));
    dt_tree_free(t);
    dt_error_free(e);
    return st;
}

static void test_oom_stepping(void **state)
{
    (void)state;
    char p[PATH_MAX + 32];
    snprintf(p, sizeof p, "%s/lib/main.xml", dir);
    dt_tree_free(tree);
    tree = NULL;
    dt_error_free(err);
    err = NULL;
    sup_alloc_install();
    long k = sup_oom_step("load a bundle", load_main, p);
    sup_alloc_remove();
    err = dt_error_new();
    assert_true(k > 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_metadata),
        cmocka_unit_test(test_full_vars),
        cmocka_unit_test(test_full_question),
        cmocka_unit_test(test_full_inputs),
        cmocka_unit_test(test_full_other_steps),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_options_init),
        cmocka_unit_test(test_hash_is_hash_of_bytes),
        cmocka_unit_test(test_paragraphs_and_white_space),
        cmocka_unit_test(test_memory_name_and_args),
        cmocka_unit_test(test_bad_cases),
        cmocka_unit_test(test_expression_column_inside_value),
        cmocka_unit_test(test_every_error_reported),
        cmocka_unit_test(test_vars_declared_after_use),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_call_bundle),
        cmocka_unit_test(test_call_errors),
        cmocka_unit_test(test_call_options),
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_oom_stepping),
    };
    return cmocka_run_group_tests(tests, calls_setup, calls_teardown);
}
