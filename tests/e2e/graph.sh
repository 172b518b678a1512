#!/bin/sh
# tests/e2e/graph.sh — `dtree graph`: dot and mermaid for every bundled tree (dot output is rendered
# by Graphviz when it is installed), and --heat from sessions recorded by `dtree run`, with drop-off.
. tests/lib/e2e.sh

for t in trees/*.xml; do
    if run graph "$t" >"$tmp/g.dot" 2>&1 && head -n 1 "$tmp/g.dot" | grep -q '^digraph ' &&
        tail -n 1 "$tmp/g.dot" | grep -q '^}$'; then ok; else bad "dot $t"; fi
    if command -v dot >/dev/null 2>&1; then
        if dot -Tsvg "$tmp/g.dot" >/dev/null 2>&1; then ok; else bad "graphviz rejects $t"; fi
    fi
    if run graph --format mermaid "$t" >"$tmp/g.mmd" 2>&1 && head -n 1 "$tmp/g.mmd" | grep -q '^flowchart TD$'; then
        ok
    else
        bad "mermaid $t"
    fi
done

# Heat: three sessions take "Only me", one "Nobody"; one more stops at the queue question.
for a in "Only me" "Only me" "Nobody" "Only me"; do
    printf '%s\n' "$a" "Yes" "" "Yes, it printed" | run run trees/printer.xml --db "$tmp/h.db" >/dev/null 2>&1
done
printf '%s\n' "Only me" | run run trees/printer.xml --db "$tmp/h.db" >/dev/null 2>&1
run graph trees/printer.xml --heat --db "$tmp/h.db" >"$tmp/heat.dot" 2>&1
if grep -q 'label="Only me, colleagues can print (4)", penwidth=5.8' "$tmp/heat.dot" &&
    grep -q 'xlabel="drop-off 1"' "$tmp/heat.dot"; then ok; else bad "heat"; cat "$tmp/heat.dot"; fi

# Hostile text (tests/cases/graph/inject.xml): no label leaves its quoted string (a title with
# '"]; click q "javascript:..."', pipes, brackets, backslashes, line breaks), and no C1 control,
# bidi override, zero-width character or BOM is written raw.
I=tests/cases/graph/inject.xml
raw_bytes() { od -An -v -tx1 "$1" | tr -s ' \n' '  ' | grep -Eq ' c2 [89][0-9a-f] | e2 80 (8b|ae) | ef bb bf '; }
run graph "$I" >"$tmp/i.dot" 2>&1 || bad "graph $I"
run graph --format mermaid "$I" >"$tmp/i.mmd" 2>&1 || bad "graph mermaid $I"
for f in i.dot i.mmd; do
    if raw_bytes "$tmp/$f"; then bad "$f: raw C1, bidi or zero-width bytes"; else ok; fi
done
# With every quoted string replaced by S, only dtree's own syntax is left: 3 nodes, 3 edges.
sed -E 's/"([^"\\]|\\.)*"/S/g' "$tmp/i.dot" >"$tmp/i.dot.s"
sed -E 's/"[^"]*"/S/g' "$tmp/i.mmd" >"$tmp/i.mmd.s"
if ! grep -q 'click\|javascript\|s9' "$tmp/i.dot.s" "$tmp/i.mmd.s" &&
    [ "$(grep -cE '^    s[0-9]+ \[shape=[a-z]+, label=S, ' "$tmp/i.dot.s")" = 3 ] &&
    [ "$(grep -cE '^  s[0-9]+ -> s[0-9]+ \[label=S\];$' "$tmp/i.dot.s")" = 3 ] &&
    [ "$(grep -cE '^    s[0-9]+(\(S\)|\[S\]|\(\(S\)\))$' "$tmp/i.mmd.s")" = 3 ] &&
    [ "$(grep -cE '^  s[0-9]+ -->(\|S\|)? s[0-9]+$' "$tmp/i.mmd.s")" = 3 ] &&
    [ "$(wc -l <"$tmp/i.mmd.s")" = 10 ]; then ok
else bad "a label escaped its string"; cat "$tmp/i.dot" "$tmp/i.mmd"; fi
# Mermaid's lexer does not honour quotes everywhere (edge text ends at a '|'): no bracket, brace,
# parenthesis or pipe inside a Mermaid string either.
if grep -o '"[^"]*"' "$tmp/i.mmd" | grep -q '[][|(){}]'; then bad "Mermaid string holds raw brackets or pipes"
else ok; fi
if grep -qF 'Reversed \\u202etxet zero\\u200bwidth \\ufeffbom \\u009d0' "$tmp/i.dot" &&
    grep -qF 'Reversed \u202etxet zero\u200bwidth \ufeffbom \u009d0' "$tmp/i.mmd"; then ok
else bad "hidden characters not shown escaped"; fi
if command -v dot >/dev/null 2>&1; then
    if [ "$(dot -Tplain "$tmp/i.dot" 2>/dev/null | grep -c '^node ')" = 4 ]; then ok
    else bad "graphviz does not see exactly 3 nodes and the start point"; fi
fi

# Heat on decide branches: two sessions take "otherwise", one "when 1", both lead to step x.
for a in Many Many One; do
    printf '%s\n' "$a" | run run tests/cases/scenario/branch-heat.xml --db "$tmp/b.db" >/dev/null 2>&1
done
run graph tests/cases/scenario/branch-heat.xml --heat --db "$tmp/b.db" >"$tmp/bheat.dot" 2>&1
if grep -q 'label="if $n = 1 (1)"' "$tmp/bheat.dot" && grep -q 'label="otherwise (2)"' "$tmp/bheat.dot" &&
    grep -q 'label="if $n = 2", penwidth=1.0' "$tmp/bheat.dot"; then ok; else bad "heat on branches"; cat "$tmp/bheat.dot"; fi

# Errors: unknown tree, bad option, unreadable database.
run graph no-such-tree.xml >/dev/null 2>&1; a=$?
run graph --format png trees/printer.xml >/dev/null 2>&1; b=$?
run graph trees/printer.xml --heat --db "$tmp/none/x.db" >/dev/null 2>&1; c=$?
if [ "$a" -eq 3 ] && [ "$b" -eq 2 ] && [ "$c" -eq 4 ]; then ok; else bad "exit codes $a $b $c"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
