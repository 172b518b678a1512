#!/bin/sh
# tests/e2e/scenarios.sh — `dtree test`: the scenario tests of every bundled tree pass, with 100%
# step coverage of every tree in trees/ (the coverage figures are printed); failures and malformed
# scenario files give exactly the messages in tests/cases/scenario/*.out (UPDATE=1 rewrites them);
# TAP output; random exploration finds the faults planted in faulty-tree.xml and none in the bundle.
. tests/lib/e2e.sh

# The bundled trees: every scenario passes, every step of every tree is visited.
run test --coverage --fail-under 100 tests/scenarios/*.xml >"$tmp/cov" 2>&1
rc=$?
cat "$tmp/cov"
if [ "$rc" -eq 0 ]; then ok; else bad "bundled scenarios or coverage (exit $rc)"; fi
for t in trees/*.xml; do
    if grep -Eq "^  $t: steps ([0-9]+)/\\1 \\(100\\.0%\\)" "$tmp/cov"; then ok; else bad "no 100% step coverage for $t"; fi
done

# TAP.
run test --tap tests/scenarios/internet-down.xml >"$tmp/tap" 2>&1
if grep -q '^1\.\.9$' "$tmp/tap" && ! grep -q '^not ok' "$tmp/tap" && [ "$(grep -c '^ok ' "$tmp/tap")" -eq 9 ]; then
    ok
else
    bad "tap"; cat "$tmp/tap"
fi
run test --tap tests/cases/scenario/failing.xml >"$tmp/tap" 2>&1
if [ "$(grep -c '^not ok ' "$tmp/tap")" -eq 9 ] && grep -q '^  # tests/cases/scenario/failing.xml:6:5: error' "$tmp/tap"; then ok; else bad "tap failures"; cat "$tmp/tap"; fi

# Golden output: failures at file:line, malformed files, refused DOCTYPE, missing tree.
for f in failing bad-format doctype not-xml missing-tree invisible; do
    run test "tests/cases/scenario/$f.xml" >"$tmp/out" 2>&1
    echo "[exit $?]" >>"$tmp/out"
    [ "${UPDATE:-}" = 1 ] && cp "$tmp/out" "tests/cases/scenario/$f.out"
    if diff -u "tests/cases/scenario/$f.out" "$tmp/out"; then ok; else bad "golden $f"; fi
done

# A directory stands for every scenario file below it: the same run as naming them.
run test tests/scenarios/*.xml >"$tmp/glob" 2>&1
run test tests/scenarios >"$tmp/dir" 2>&1; rc=$?
if [ "$rc" -eq 0 ] && cmp -s "$tmp/glob" "$tmp/dir"; then ok; else bad "directory (exit $rc)"; diff "$tmp/glob" "$tmp/dir"; fi
mkdir -p "$tmp/empty"
run test "$tmp/empty" >"$tmp/out" 2>&1; rc=$?
if [ "$rc" -eq 3 ] && grep -q 'no .xml files' "$tmp/out"; then ok; else bad "empty directory (exit $rc)"; fi
# Load errors come before the summary, even when stdout is a pipe and stderr is not.
run test tests/cases/scenario/bad-format.xml tests/scenarios/printer.xml 2>&1 | tail -1 >"$tmp/last"
if grep -q '^scenarios: ' "$tmp/last"; then ok; else bad "summary is not the last line"; cat "$tmp/last"; fi

# Coverage credits the branch taken (otherwise), not the first branch that leads to the same step;
# --missed bounds the list of never-visited items and says how to see all of them.
for pair in "branch:--coverage" "branch-missed1:--coverage --missed 1"; do
    gold="tests/cases/scenario/${pair%%:*}.out"
    run test ${pair#*:} tests/cases/scenario/branch.xml >"$tmp/out" 2>&1
    echo "[exit $?]" >>"$tmp/out"
    [ "${UPDATE:-}" = 1 ] && cp "$tmp/out" "$gold"
    if diff -u "$gold" "$tmp/out"; then ok; else bad "golden $gold"; fi
done

# Exploration: the planted faults are found (and the run is repeatable), the bundle has none.
run test --explore tests/cases/scenario/faulty-tree.xml --walks 50 --seed 7 >"$tmp/ex1" 2>&1
rc=$?
run test --explore tests/cases/scenario/faulty-tree.xml --walks 50 --seed 7 >"$tmp/ex2" 2>&1
if [ "$rc" -eq 1 ] && grep -q '\[unset-interpolation\]' "$tmp/ex1" && grep -q '\[dead-end\]' "$tmp/ex1" &&
    cmp -s "$tmp/ex1" "$tmp/ex2"; then ok; else bad "explore faulty-tree (exit $rc)"; cat "$tmp/ex1"; fi
for t in trees/*.xml; do
    if run test --explore "$t" --walks 100 >"$tmp/ex" 2>&1; then ok; else bad "explore $t"; cat "$tmp/ex"; fi
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
