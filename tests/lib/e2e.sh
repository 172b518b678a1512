# tests/lib/e2e.sh — sourced by the end-to-end suites (not a suite itself: tests/run.sh runs only
# tests/e2e/*.sh).  Gives $DTREE, a scratch directory $tmp removed on exit, ok/bad counters that the
# suite reports as "N passed, N failed", and run(), which runs the CLI under $DTREE_WRAP (valgrind).
DTREE=${DTREE:-build/dtree}
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
run() { $DTREE_WRAP "$DTREE" "$@"; }
