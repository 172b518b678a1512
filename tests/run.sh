#!/bin/sh
# Run every test program and add up the results into one closing line "N passed, N failed".
# Unit tests are cmocka programs in $B/tests (their summary goes to stderr); end-to-end suites are
# tests/e2e/*.sh, each ending with its own "N passed, N failed" line.
# DT_VALGRIND=1 runs the unit tests and the CLI under valgrind memcheck.
B=${B:-build}
export B
export DTREE="$PWD/$B/dtree"
pass=0
fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
VG=""
if [ "${DT_VALGRIND:-}" = 1 ]; then
    VG="valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99"
    export DTREE_WRAP="$VG"
fi

add() { # $1 = passed, $2 = failed, $3 = name
    pass=$((pass + $1)); fail=$((fail + $2))
    [ "$2" -eq 0 ] || echo "FAILED: $3 ($2 failed)"
}

for t in "$B"/tests/test_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    $VG "$t" >"$log" 2>&1
    rc=$?
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    p=${p:-0}; f=${f:-0}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # crashed or valgrind found errors
    if [ "$f" -ne 0 ]; then cat "$log"; fi
    echo "unit $name: $p passed, $f failed"
    add "$p" "$f" "$name"
done

for s in tests/e2e/*.sh; do
    [ "${DT_E2E:-yes}" != no ] || break   # make RECORD=no: no CLI to drive
    [ -f "$s" ] || continue
    name=$(basename "$s" .sh)
    t0=$(date +%s)
    sh "$s" >"$log" 2>&1
    rc=$?
    secs=$(($(date +%s) - t0))
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p'); p=${p:-0}
    f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p'); f=${f:-0}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    if [ "$f" -ne 0 ]; then cat "$log"; fi
    # suites may report figures worth seeing on a green run: lines between "coverage:" and the end
    sed -n '/^coverage:$/,/^[0-9]* passed, [0-9]* failed$/p' "$log" | grep -v ' passed, .* failed$'
    echo "e2e $name: $p passed, $f failed ($secs s)"   # the time: CI has a 45-minute budget
    add "$p" "$f" "$name"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
