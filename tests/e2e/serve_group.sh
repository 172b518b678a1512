# serve_group.sh — writes that wait at once share a commit in `dtree serve`: on SQLite the group
# commit of a connection (engine/record_group.c), with DT_STORE=pg (serve_pg.sh) the pool's write
# batch, one statement for the sessions of every connection (engine/record_batch.c).  16 agents
# answering at once each get their own session's state back, every answer is in the store, and
# the server's closing line shows that the answers took fewer commits than writes.  Then agents
# answer until the server is killed with SIGKILL mid-group: every answer that was acknowledged
# is in the store (nobody is answered before the commit holding their events).  And agents on
# connections that the HTTP threads took unevenly are served alike (cli/srv_pool.c).  ~12 s.
. "$(dirname "$0")/../lib/e2e.sh"
need curl
need python3
. "$(dirname "$0")/../lib/serve.sh"
# the loop tree the benchmark answers too (bench/serve_bench.sh)
SERVE_TREES=$(cd "$(dirname "$0")/../cases/serve-loop" && pwd)
SERVE_TOKEN=$(run token add alice --role agent --db "$SERVE_DB") && ok || bad "token add"
export SERVE_TOKEN
py="$(dirname "$0")/serve_group.py"

serve_start 1 --threads 8 --rate-token 0
if [ -n "$port" ]; then ok; else bad "server did not start: $(cat "$tmp/log.1")"; fi
python3 "$py" "$port" answers >"$tmp/c1" 2>&1
tally "$tmp/c1"
# enough answers each that chance (the client's threads share one interpreter) stays within
# serve_group.py's bound; fewer under valgrind, where each is slow
GROUP_FAIR=60; [ "${DT_VALGRIND:-}" = 1 ] && GROUP_FAIR=20
export GROUP_FAIR
python3 "$py" "$port" fair >"$tmp/c3" 2>&1
tally "$tmp/c3"
grep '^  answers' "$tmp/c3"
serve_stop; rc=$?
[ "$rc" -eq 0 ] && ok || bad "the server exited $rc: $(tail -n 20 "$tmp/log.1")"
line=$(sed -n 's/.*serve: \([0-9]*\) recorded writes in \([0-9]*\) commits.*/\1 \2/p' "$tmp/log.1")
echo "  writes and commits: $line"
set -- $line
if [ $# -eq 2 ] && [ "$2" -lt "$1" ]; then ok; else bad "no write shared a commit: '$line'"; fi
n=$(dbsql "$SERVE_DB" "SELECT count(*) FROM events e JOIN sessions s ON s.sid = e.sid WHERE s.tree_id = 'loop' AND e.kind = 'answer'")
want=$((16 * 15 + 16 * GROUP_FAIR)); [ "${DT_VALGRIND:-}" = 1 ] && want=$((4 * 4 + 4 * GROUP_FAIR))
[ "$n" = "$want" ] && ok || bad "$n answers stored, $want acknowledged"

# SIGKILL in the middle of the groups: no acknowledged answer is missing from the store.
serve_start 2 --threads 8 --rate-token 0
if [ -n "$port" ]; then ok; else bad "server did not start: $(cat "$tmp/log.2")"; fi
export GROUP_ACKS="$tmp/acks"
: >"$GROUP_ACKS"
python3 "$py" "$port" until-killed >"$tmp/c2" 2>&1 &
cpid=$!
for _ in $(seq 1 100); do [ "$(wc -l <"$GROUP_ACKS")" -ge 200 ] && break; sleep 0.1; done
kill -9 "$pid"
wait "$cpid"
tally "$tmp/c2"
acked=$(wc -l <"$GROUP_ACKS")
echo "  $acked answers acknowledged before the kill"
[ "$acked" -ge 20 ] && ok || bad "only $acked answers before the kill"
missing=0
while read -r id seq; do
    have=$(dbsql "$SERVE_DB" "SELECT count(*) FROM events e JOIN sessions s ON s.sid = e.sid WHERE s.uuid = '$id'")
    [ "$have" -ge "$seq" ] || { missing=$((missing + 1)); echo "  $id: acknowledged seq $seq, stored $have"; }
done <<EOF
$(sort -k1,1 -k2,2nr "$GROUP_ACKS" | sort -u -k1,1)
EOF
[ "$missing" = 0 ] && ok || bad "$missing sessions lost acknowledged answers in the kill"
e2e_done
