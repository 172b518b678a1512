#!/bin/sh
# tests/fuzz/run.sh [SECONDS [HARNESS...]] — run each libFuzzer harness built by `make fuzz` for
# SECONDS (default 60) at the lowest priority, one after the other, and say what each found.
# Seeds: the small corpora in tests/fuzz/corpus/NAME plus the repository's own inputs (trees,
# hostile files, scenario files); new inputs go to $B/corpus/NAME, crashes to $B/artifacts/.
# Reproduce a crash with: $B/fuzz_NAME $B/artifacts/fuzz_NAME-crash-...  Inputs that once failed are
# kept in tests/fuzz/regress/fuzz_NAME/ and replayed first (FZ_STRICT=1: no known-issue exemptions);
# inputs of issues still open elsewhere are in tests/fuzz/known/fuzz_NAME/ (reported, not failed).
# Ends with `N passed, N failed` (a harness fails when it leaves a crash, leak or timeout: an input
# running over FUZZ_TIMEOUT seconds, default 25, wall clock).
cd "$(dirname "$0")/../.." || exit 2
B=${B:-build-fuzz}
SECONDS_EACH=${1:-60}
[ $# -gt 0 ] && shift
ALL=$(for f in tests/fuzz/fuzz_*.c; do basename "$f" .c; done)
HARNESSES=${*:-$ALL}

seeds() {
    case $1 in
    fuzz_load) echo "tests/fuzz/corpus/load trees tests/hostile tests/cases" ;;
    fuzz_scenario) echo "tests/scenarios tests/cases/scenario" ;;
    fuzz_check) echo "tests/fuzz/corpus/check trees" ;;
    fuzz_graph) echo "tests/fuzz/corpus/graph trees" ;;
    *) echo "tests/fuzz/corpus/${1#fuzz_}" ;;
    esac
}
max_len() {
    case $1 in
    fuzz_load | fuzz_scenario | fuzz_check | fuzz_graph | fuzz_bigload | fuzz_calls) echo 65536 ;;
    fuzz_record | fuzz_match) echo 1024 ;;
    fuzz_kiosk) echo 8192 ;;
    *) echo 4096 ;;
    esac
}

# All in one function, read whole before it runs: editing this file during a long run is safe.
main() {
    passed=0 failed=0
    mkdir -p "$B/artifacts"
    for h in $HARNESSES; do
        bin=$B/$h
        if [ ! -x "$bin" ]; then
            echo "$h: not built (make fuzz FUZZ_SECONDS=0)"
            failed=$((failed + 1))
            continue
        fi
        # inputs that once failed (tests/fuzz/regress/NAME/*) first, with every check strict
        if [ -d "tests/fuzz/regress/$h" ]; then
            for r in tests/fuzz/regress/"$h"/*; do
                if FZ_STRICT=1 "$bin" "$r" >"$B/$h.regress.log" 2>&1; then :; else
                    echo "$h: regression input $r fails (log $B/$h.regress.log)"
                    grep -E '^(SUMMARY|fuzz invariant)' "$B/$h.regress.log" | head -2 | sed 's/^/    /'
                    failed=$((failed + 1))
                fi
            done
        fi
        # inputs of known issues that another change is to fix (fuzz_common.h FZ_KNOWN): say when fixed
        if [ -d "tests/fuzz/known/$h" ]; then
            for r in tests/fuzz/known/"$h"/*; do
                if FZ_STRICT=1 "$bin" "$r" >"$B/$h.known.log" 2>&1; then
                    echo "$h: known issue $r no longer reproduces: move it to tests/fuzz/regress/$h/"
                else
                    echo "$h: known issue still open: $r"
                fi
            done
        fi
        corpus=$B/corpus/${h#fuzz_}
        mkdir -p "$corpus"
        log=$B/$h.log
        # findings: crash-, leak-, timeout-, oom- files (slow-unit- files are libFuzzer's note
        # that an input took over 10 s, which a busy machine causes: reported, not failed)
        found="^$h-(crash|leak|timeout|oom|deadly)-"
        before=$(ls "$B/artifacts" | grep -cE "$found")
        # shellcheck disable=SC2046
        ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
            nice -n 19 "$bin" -max_total_time="$SECONDS_EACH" -timeout="${FUZZ_TIMEOUT:-25}" -rss_limit_mb=2048 \
            -max_len="$(max_len "$h")" -print_final_stats=1 -artifact_prefix="$B/artifacts/$h-" \
            "$corpus" $(seeds "$h") >"$log" 2>&1
        rc=$?
        after=$(ls "$B/artifacts" | grep -cE "$found")
        slow=$(grep -c '^Slowest unit:' "$log")
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
        if [ "$rc" -eq 0 ] && [ "$after" -eq "$before" ]; then
            echo "$h: ${SECONDS_EACH}s, ${execs:-?} executions, ${cov:-cov: ?}, nothing found$([ "$slow" -eq 0 ] || echo " ($slow slow inputs noted)")"
            passed=$((passed + 1))
        else
            echo "$h: FOUND something (exit $rc) after ${execs:-?} executions; log $log"
            grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz invariant|.*runtime error)' "$log" | head -5 | sed 's/^/    /'
            ls -t "$B/artifacts" | grep -E "$found" | head -3 | sed "s|^|    $B/artifacts/|"
            failed=$((failed + 1))
        fi
    done
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
main
