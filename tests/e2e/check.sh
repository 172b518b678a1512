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

# A directory: both files of the call cycle, each diagnostic once, each file counted once.
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

# A chain of calls 20 files deep always fails at run time (the limit is 16): check says so.
mkdir -p "$tmp/deep"
i=0
while [ $i -lt 20 ]; do
    if [ $i -lt 19 ]; then body="<call id=\"c$i\" tree=\"f$((i + 1)).xml\" next=\"done\"/>"; else body=""; fi
    printf '<?xml version="1.0" encoding="UTF-8"?>\n<tree id="f%d" version="1" title="F%d">\n  %s\n  <end id="done" outcome="resolved"/>\n</tree>\n' \
        $i $i "$body" >"$tmp/deep/f$i.xml"
    i=$((i + 1))
done
(cd "$tmp/deep" && "$DTREE" check f0.xml) >"$tmp/out" 2>&1; rc=$?
if [ $rc -eq 1 ] && grep -q "^f16.xml:3:3: error: call 'c16' would be call number 17 in a row (f0.xml calls f1.xml calls ... calls f14.xml calls f15.xml calls f16.xml, which calls f17.xml).*\[call-depth\]$" "$tmp/out" &&
   grep -q '^1 error, 0 warnings in 20 files$' "$tmp/out"; then ok; else bad "call depth ($rc)"; cat "$tmp/out"; fi
rm "$tmp/deep/f17.xml" "$tmp/deep/f18.xml" "$tmp/deep/f19.xml"
printf '<?xml version="1.0" encoding="UTF-8"?>\n<tree id="f16" version="1" title="F16">\n  <end id="done" outcome="resolved"/>\n</tree>\n' >"$tmp/deep/f16.xml"
(cd "$tmp/deep" && "$DTREE" check f0.xml) >"$tmp/out" 2>&1; rc=$?
if [ $rc -eq 0 ] && ! grep -q call-depth "$tmp/out"; then ok; else bad "16 calls deep is fine ($rc)"; cat "$tmp/out"; fi

# A called tree that is a symbolic link to /dev/stdin: one message, whatever stdin is, in check and run.
mkdir -p "$tmp/sym"
printf '<?xml version="1.0" encoding="UTF-8"?>\n<tree id="a" version="1" title="A">\n  <call id="c" tree="b.xml" next="done"/>\n  <end id="done" outcome="resolved"/>\n</tree>\n' >"$tmp/sym/a.xml"
ln -s /dev/stdin "$tmp/sym/b.xml"
(cd "$tmp/sym" && "$DTREE" check a.xml </dev/null) 2>&1 | head -1 >"$tmp/m1"
(cd "$tmp/sym" && echo | "$DTREE" check a.xml) 2>&1 | head -1 >"$tmp/m2"
(cd "$tmp/sym" && "$DTREE" run --no-record a.xml </dev/null) 2>&1 | sed 's/^dtree: //' | head -1 >"$tmp/m3"
(cd "$tmp/sym" && echo | "$DTREE" run --no-record a.xml) 2>&1 | sed 's/^dtree: //' | head -1 >"$tmp/m4"
if grep -q 'leads outside the tree library through a symbolic link' "$tmp/m1" && cmp -s "$tmp/m1" "$tmp/m2" &&
   cmp -s "$tmp/m1" "$tmp/m3" && cmp -s "$tmp/m1" "$tmp/m4"; then ok; else bad "symlink to /dev/stdin"; cat "$tmp/m1" "$tmp/m2" "$tmp/m3" "$tmp/m4"; fi

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
