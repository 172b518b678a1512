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
run graph trees/printer.xml --heat "$tmp/h.db" >"$tmp/heat.dot" 2>&1
if grep -q 'label="Only me, colleagues can print (4)", penwidth=5.8' "$tmp/heat.dot" &&
    grep -q 'xlabel="drop-off 1"' "$tmp/heat.dot"; then ok; else bad "heat"; cat "$tmp/heat.dot"; fi

# Errors: unknown tree, bad option, unreadable database.
run graph no-such-tree.xml >/dev/null 2>&1; a=$?
run graph --format png trees/printer.xml >/dev/null 2>&1; b=$?
run graph trees/printer.xml --heat "$tmp/none/x.db" >/dev/null 2>&1; c=$?
if [ "$a" -eq 3 ] && [ "$b" -eq 2 ] && [ "$c" -eq 4 ]; then ok; else bad "exit codes $a $b $c"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
