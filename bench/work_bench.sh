#!/bin/sh
# bench/work_bench.sh — the CPU time of one answer on trees built to make it as costly as a tree
# can (issue 9, findings 14 and 15: no answer may cost more than ~100 ms of CPU on a tree that
# loads), and how fast `dtree run` ends on SIGTERM in the middle of such a tree.  The old engine
# took over a minute for translate-2000 and 26 s per answer for (.{0,100}){0,100}x.
# $B is the build directory holding libdtree.a and dtree.
set -eu
B=${B:-build}
OUT=bench/out/work
mkdir -p "$OUT"
CC=${CC:-cc}
$CC -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Iengine bench/bench_work.c "$B/libdtree.a" \
    $(pkg-config --libs libxml-2.0 libpcre2-8 sqlite3) -lm -pthread -o "$OUT/bench_work"
python3 bench/gen_work_trees.py "$OUT/trees"
echo "work per answer (CPU ms of the costliest action; target <= 100):"
"$OUT/bench_work" "$OUT"/trees/*.xml | sed 's/^/  /' | cut -c1-150

# SIGTERM while `dtree run` walks the heaviest tree: answers arrive faster than they are worked.
now() { date +%s.%N; }
fifo="$OUT/fifo"
rm -f "$fifo" && mkfifo "$fifo"
( i=0; while [ $i -lt 200 ]; do echo; i=$((i + 1)); done; sleep 5 ) >"$fifo" &
feeder=$!
"$B/dtree" run --no-record "$OUT/trees/translate-2000.xml" <"$fifo" >/dev/null 2>&1 &
pid=$!
sleep 0.3
t0=$(now)
kill -TERM "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
t1=$(now)
kill "$feeder" 2>/dev/null || true
wait "$feeder" 2>/dev/null || true
rm -f "$fifo"
printf '  dtree run ends %.3f s after SIGTERM (target < 1 s)\n' "$(echo "$t1 - $t0" | bc -l)"

# dtree check on the patterns that kept glibc busy (150 s, ~2 GB): refused at once now.
t0=$(now)
"$B/dtree" check tests/hostile/pattern-*.xml >/dev/null 2>&1 || true
t1=$(now)
printf '  dtree check on tests/hostile/pattern-*.xml: %.3f s (was 150 s for one of them)\n' \
    "$(echo "$t1 - $t0" | bc -l)"
