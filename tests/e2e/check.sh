#!/bin/sh
# tests/e2e/check.sh — `dtree check`: exact output on every broken tree in tests/cases/check (golden
# files FILE.out hold stdout+stderr and the exit status; UPDATE=1 rewrites them), directory mode
# reports each diagnostic once, --format json, -Werror, the bundled trees check clean with no
# warnings, and a 1,000,000-step chain (and a 1,000,000-step loop) without stack overflow.
. tests/lib/e2e.sh

for f in $(find tests/cases/check -name '*.xml' | sort); do
    exp="${f%.xml}.out"
    run check "$f" >"$tmp/out" 2>&1
    echo "[exit $?]" >>"$tmp/out"
    [ "${UPDATE:-}" = 1 ] && cp "$tmp/out" "$exp"
    if diff -u "$exp" "$tmp/out"; then ok; else bad "golden $f"; fi
done

# A directory: both files of the call cycle, each diagnostic once.
run check tests/cases/check/calls >"$tmp/out" 2>&1
n=$(grep -c '\[call-cycle\]' "$tmp/out")
if [ "$n" -eq 2 ] && grep -q '^0 errors, 2 warnings in 2 files$' "$tmp/out"; then ok; else bad "directory dedupe ($n)"; cat "$tmp/out"; fi

# JSON.
run check --format json tests/cases/check/labels.xml >"$tmp/out" 2>&1
if grep -q '"check": "duplicate-label"' "$tmp/out" && grep -q '"warnings": 4' "$tmp/out"; then ok; else bad "json"; cat "$tmp/out"; fi

# -Werror turns warnings into failure; exit codes.
run check tests/cases/check/labels.xml >/dev/null 2>&1; a=$?
run check -Werror tests/cases/check/labels.xml >/dev/null 2>&1; b=$?
run check tests/cases/check/no-such-file.xml >/dev/null 2>&1; c=$?
run check --bogus >/dev/null 2>&1; d=$?
if [ "$a" -eq 0 ] && [ "$b" -eq 1 ] && [ "$c" -eq 3 ] && [ "$d" -eq 2 ]; then ok; else bad "exit codes $a $b $c $d"; fi
run check tests/cases/check/no-such-dir/ >/dev/null 2>&1; e=$?
if [ "$e" -eq 3 ]; then ok; else bad "missing directory exit $e"; fi

# The bundled trees: clean, not even a warning.
if run check -Werror trees >"$tmp/out" 2>&1; then ok; else bad "bundled trees not clean"; cat "$tmp/out"; fi

# 1,000,000 steps in a chain, then in a loop with no end: linear, iterative, no stack overflow.
N=1000000
[ "${DT_VALGRIND:-}" = 1 ] && N=20000
awk -v n=$N -v loop=0 -f - >"$tmp/chain.xml" <<'AWK'
BEGIN { print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"; print "<tree id=\"chain\" version=\"1\" title=\"chain\">"
        for (i = 1; i < n; i++) printf "<jump id=\"s%d\" to=\"s%d\"/>\n", i, i + 1
        if (loop) printf "<jump id=\"s%d\" to=\"s1\"/>\n</tree>\n", n
        else printf "<end id=\"s%d\" outcome=\"resolved\"/>\n</tree>\n", n }
AWK
sed -e "s|<end id=\"s$N\" outcome=\"resolved\"/>|<jump id=\"s$N\" to=\"s1\"/>|" "$tmp/chain.xml" >"$tmp/loop.xml"
timeout 120 "$DTREE" check --max-bytes 100000000 "$tmp/chain.xml" >"$tmp/out" 2>&1
if grep -q '^0 errors, 0 warnings in 1 file$' "$tmp/out"; then ok; else bad "1M chain"; head -5 "$tmp/out"; fi
timeout 120 "$DTREE" check --max-bytes 100000000 "$tmp/loop.xml" >"$tmp/out" 2>&1
if grep -q "steps 's1', 's2', 's3', 's4', 's5' and $((N - 5)) more form a loop with no way out to an end \[no-exit-cycle\]" "$tmp/out"; then ok; else bad "1M loop"; head -5 "$tmp/out"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
