#!/bin/sh
# run_piped.sh — `dtree` with answers piped in, against golden files in tests/cases/run/.
# A case NAME is NAME.args (the arguments after `dtree`, as shell words; $SUMMARY names a scratch
# file), NAME.in (stdin, optional), and the expected NAME.out, NAME.err, NAME.rc, and NAME.sum (the
# --summary file, optional).  Clock times are normalised.  UPDATE=1 rewrites the golden files
# (review the diff before committing).  Run from the repository root; $DTREE is the CLI.
. tests/lib/e2e.sh
dir=tests/cases/run

norm() {
    sed -e 's/"time_ms":[0-9]*/"time_ms":0/g' \
        -e 's/^\(  Started: *\).*/\1TIME/' -e 's/^\(  Duration: *\).*/\1DURATION/' \
        -e 's/^\(  Session: *\).*/\1ID/' "$1"
}

check() { # $1 = case, $2 = what, $3 = expected file, $4 = actual file
    if [ "${UPDATE:-}" = 1 ]; then
        cp "$4" "$3"
    elif ! cmp -s "$3" "$4"; then
        echo "FAIL $1: $2 differs"
        diff -u "$3" "$4" | head -40
        return 1
    fi
    return 0
}

for a in "$dir"/*.args; do
    name=$(basename "$a" .args)
    in="$dir/$name.in"
    [ -f "$in" ] || in=/dev/null
    SUMMARY="$tmp/summary"
    rm -f "$SUMMARY"
    eval "set -- $(cat "$a")"
    NO_COLOR= TZ=UTC DTREE_TREES= USER=tester INPUTRC=/dev/null DTREE_DB="$tmp/sessions.db" \
        $DTREE_WRAP "$DTREE" "$@" <"$in" >"$tmp/out.raw" 2>"$tmp/err.raw"
    echo $? >"$tmp/rc"
    norm "$tmp/out.raw" >"$tmp/out"
    norm "$tmp/err.raw" >"$tmp/err"
    ok=1
    check "$name" stdout "$dir/$name.out" "$tmp/out" || ok=0
    check "$name" stderr "$dir/$name.err" "$tmp/err" || ok=0
    check "$name" "exit status" "$dir/$name.rc" "$tmp/rc" || ok=0
    if [ -f "$dir/$name.sum" ] || [ -f "$SUMMARY" ]; then
        [ -f "$SUMMARY" ] && norm "$SUMMARY" >"$tmp/sum" || : >"$tmp/sum"
        check "$name" "summary file" "$dir/$name.sum" "$tmp/sum" || ok=0
    fi
    # No escape character may reach stdout in scripted use, whatever the tree holds.
    if grep -q "$(printf '\033')" "$tmp/out.raw" ||
        LC_ALL=C grep -q "$(printf '\302[\200-\237]')" "$tmp/out.raw" ||
        LC_ALL=C grep -q "$(printf '\342\200[\252-\256]')" "$tmp/out.raw"; then
        echo "FAIL $name: an ESC, C1 control or bidi override reached stdout raw"
        ok=0
    fi
    if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
# `dtree --help` lists commands that other parts add: check its shape rather than a golden copy.
"$DTREE" --help >"$tmp/help" 2>&1
if [ $? -eq 0 ] && grep -q '^  run  ' "$tmp/help" && grep -q '^Exit status:' "$tmp/help" &&
    grep -q '^  5  unfinished' "$tmp/help"; then
    pass=$((pass + 1))
else
    echo "FAIL --help: exit status or content"; cat "$tmp/help"; fail=$((fail + 1))
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
