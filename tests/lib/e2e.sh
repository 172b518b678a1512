# tests/lib/e2e.sh — sourced by every end-to-end suite (not a suite itself: tests/run.sh runs only
# tests/e2e/*.sh).  Gives $B and $DTREE, a scratch directory $tmp removed on exit (a suite that
# starts more, such as a tmux server, defines e2e_on_exit to stop it), ok/bad counters, need()
# for a tool the suite cannot run without, run(), which runs the CLI under $DTREE_WRAP (valgrind),
# and e2e_done, which prints the closing "N passed, N failed" that tests/run.sh adds up.
# Suites may redefine ok/bad to print more; they must keep counting in $pass and $fail.
B=${B:-build}
DTREE=${DTREE:-$PWD/$B/dtree}
pass=0
fail=0
tmp=$(mktemp -d)
e2e_exit() {
    if command -v e2e_on_exit >/dev/null 2>&1; then e2e_on_exit; fi
    rm -rf "$tmp"
}
trap e2e_exit EXIT
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
run() { $DTREE_WRAP "$DTREE" "$@"; }
need() { # $1 = command; the suite counts as one failure without it
    command -v "$1" >/dev/null 2>&1 && return 0
    echo "$1 is missing (make deps installs it)"; echo "0 passed, 1 failed"; exit 1
}
e2e_done() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}
