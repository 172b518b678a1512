# serve_group.sh — writes that wait at once share a commit in `dtree serve`: on SQLite the group
# commit of a connection (engine/record_group.c), with DT_STORE=pg (serve_pg.sh) the pool's write
# batch, one statement for the sessions of every connection (engine/record_batch.c).  16 agents
# answering at once each get their own session's state back, every answer is in the store, and
# the server's closing line shows that the answers took fewer commits than writes.  Texts that an
# array literal must quote or escape, typed by 16 agents at once, are stored byte for byte (on
# PostgreSQL also when the statement holding several of them failed whole, then each was written
# alone: a trigger of the test's refuses one answer once).  Two
# instances on one store: when a rival on the second sends the same seq as an agent on the first,
# exactly one of them wins, and every session holds seq 1 to its last acknowledged one; a token
# revoked while its 16 agents answer: nothing sent after the revocation is taken or stored.  Then
# agents answer until the server is killed with SIGKILL mid-group: every answer that was
# acknowledged is in the store (nobody is answered before the commit holding their events), and
# every session's row counts the events it has.  And agents on connections that the HTTP
# threads took unevenly are served alike (cli/srv_pool.c).  ~6 s on two idle cores (~18 s under
# valgrind, with 4 agents).
. "$(dirname "$0")/../lib/e2e.sh"
need curl
need python3
. "$(dirname "$0")/../lib/serve.sh"
# the loop tree the benchmark answers too (bench/serve_bench.sh)
SERVE_TREES=$(cd "$(dirname "$0")/../cases/serve-loop" && pwd)
SERVE_TOKEN=$(run token add alice --role agent --db "$SERVE_DB") && ok || bad "token add"
export SERVE_TOKEN
py="$(dirname "$0")/serve_group.py"
export GROUP_OUT="$tmp/out"

fewer_commits() { # $1 = a server's log, $2 = what it ran: some writes shared a commit
    line=$(sed -n 's/.*serve: \([0-9]*\) recorded writes in \([0-9]*\) commits.*/\1 \2/p' "$1")
    echo "  writes and commits ($2): $line"
    # shellcheck disable=SC2086 # the two numbers, as $1 and $2
    set -- $line
    if [ $# -eq 2 ] && [ "$2" -lt "$1" ]; then ok; else bad "no write shared a commit: '$line'"; fi
}
# $1 = "id seq" lines, each a session's last acknowledged seq: the store holds exactly that many
# of its events, seq 1 to it, none twice (nothing written for an answer refused)
stored_seqs() {
    dbsql "$SERVE_DB" "SELECT s.uuid || ' ' || count(*) || ' ' || count(DISTINCT e.seq) || ' ' ||
        min(e.seq) || ' ' || max(e.seq) FROM sessions s JOIN events e ON e.sid = s.sid
        GROUP BY s.uuid" >"$tmp/seqs"
    awk 'NR == FNR { want[$1] = $2; n++; next }
        $1 in want { seen++; if ($2 != want[$1] || $3 != $2 || $4 != 1 || $5 != $2) { bad++
            print "  " $1 ": acknowledged seq " want[$1] ", stored " $2 " events, " $3 " seqs, " $4 " to " $5 } }
        END { if (seen != n || n == 0) print "  " n - seen " of " n " sessions not in the store"
              exit bad || seen != n || n == 0 }' "$1" "$tmp/seqs"
}

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
fewer_commits "$tmp/log.1" answers
n=$(dbsql "$SERVE_DB" "SELECT count(*) FROM events e JOIN sessions s ON s.sid = e.sid WHERE s.tree_id = 'loop' AND e.kind = 'answer'")
want=$((16 * 15 + 16 * GROUP_FAIR)); [ "${DT_VALGRIND:-}" = 1 ] && want=$((4 * 4 + 4 * GROUP_FAIR))
[ "$n" = "$want" ] && ok || bad "$n answers stored, $want acknowledged"

one_server() { # $1 = the log's number, $2 = a step of serve_group.py: run on a server of its own
    serve_start "$1" --threads 8 --rate-token 0
    if [ -n "$port" ]; then ok; else bad "server did not start: $(cat "$tmp/log.$1")"; fi
    python3 "$py" "$port" "$2" >"$tmp/c.$2" 2>&1
    tally "$tmp/c.$2"
    serve_stop; rc=$?
    [ "$rc" -eq 0 ] && ok || bad "the server exited $rc: $(tail -n 20 "$tmp/log.$1")"
}
# $1 = the agents that typed: the texts they were told were saved
# (serve_group.py's $GROUP_OUT) are the answers and notes stored for the sessions of tree said
stored_texts() {
    if [ "${DT_STORE:-}" = pg ]; then hex="encode(convert_to(e.t, 'UTF8'), 'hex')"; else hex="lower(hex(e.t))"; fi
    dbsql "$SERVE_DB" "SELECT s.uuid || '|' || e.kind || '|' ||
        row_number() OVER (PARTITION BY e.sid, e.kind ORDER BY e.seq) || '|' || $hex
        FROM (SELECT sid, seq, kind, CASE kind WHEN 'note' THEN text ELSE value END AS t FROM events
        WHERE kind IN ('answer', 'note')) e JOIN sessions s ON s.sid = e.sid WHERE s.tree_id = 'said'" |
        sort >"$tmp/stored"
    sort "$GROUP_OUT" >"$tmp/saved"
    n=$(wc -l <"$tmp/saved")
    # agents x rounds x (VALUES + NOTES of serve_group.py), and $2 more
    want=$(($1 * rounds * (20 + 4) + ${2:-0}))
    [ "$n" -eq "$want" ] && ok || bad "$n texts saved, $want typed"
    if cmp -s "$tmp/saved" "$tmp/stored"; then ok
    else bad "the texts stored are not those saved (id|kind|n|hex, saved <, stored >):"; diff "$tmp/saved" "$tmp/stored" | cut -c 1-160 | head -n 8; fi
}

# Texts with quotes, backslashes, braces, commas, NULL, UTF-8 and none, typed by 16 agents at
# once (so into the statements that hold several sessions' writes: on PostgreSQL array literals
# made by hand, engine/record_batch.c): the answers and notes are stored byte for byte.  And on
# PostgreSQL no statement failed meanwhile (the cluster's log): a failed batch is written again
# alone, which would store the texts right and hide a literal that PostgreSQL could not read.
[ "${DT_STORE:-}" = pg ] && pg_log_at=$(wc -c <"$PG_DIR/server.log")
one_server 3 values
fewer_commits "$tmp/log.3" values
if [ "${DT_STORE:-}" = pg ]; then
    errors=$(tail -c +$((pg_log_at + 1)) "$PG_DIR/server.log" | grep 'ERROR:')
    [ -z "$errors" ] && ok || bad "statements failed: $(echo "$errors" | cut -c 1-200 | head -n 3)"
fi
agents=16 rounds=3; [ "${DT_VALGRIND:-}" = 1 ] && agents=4 rounds=2 # as serve_group.py
stored_texts "$agents"

# A statement that fails whole (PostgreSQL): a trigger added for the test makes the store refuse
# the first answer "boom" that comes in a statement of several sessions (a write alone, as a
# batch of one is, never); the 16 agents type it amid the texts above at about the same moment.
# That statement fails (the cluster's log), each of its sessions is then written alone, and
# every text, "boom" included, is stored byte for byte, none twice.
if [ "${DT_STORE:-}" = pg ]; then
    dbsql "$SERVE_DB" "CREATE SEQUENCE dtree_test_boom; CREATE FUNCTION dtree_test_boom() RETURNS
        trigger LANGUAGE plpgsql AS \$\$ BEGIN IF NEW.value = 'boom' AND
        current_query() LIKE 'WITH dtree_v %' AND nextval('dtree_test_boom') = 1
        THEN RAISE EXCEPTION 'boom, as the test asked'; END IF;
        RETURN NEW; END \$\$; CREATE TRIGGER dtree_test_boom BEFORE INSERT ON events FOR EACH ROW
        EXECUTE FUNCTION dtree_test_boom()" >/dev/null && ok || bad "the test's trigger"
    dbsql "$SERVE_DB" "DELETE FROM sessions WHERE tree_id = 'said'" >/dev/null # the texts' run's
    pg_log_at=$(wc -c <"$PG_DIR/server.log")
    one_server 6 boom
    # the refusal was the batch statement's (not only a write alone)
    tail -c +$((pg_log_at + 1)) "$PG_DIR/server.log" | grep -A 3 'boom, as the test asked' |
        grep -q 'STATEMENT: *WITH dtree_v' && ok || bad "the boom did not fail a batch statement"
    stored_texts "$agents" "$((agents * rounds))" # and each agent's boom of each round
    dbsql "$SERVE_DB" "DROP TRIGGER dtree_test_boom ON events" >/dev/null
fi

# Refusals inside the statements: two instances on one store; on the first 16 agents answer at
# once, and every other session has a rival on the second sending the same seq at the same
# moment: exactly one of each two wins (serve_group.py), and every session holds seq 1 to its
# last acknowledged one, once each.  Then, on the first, a token revoked while its 16 agents
# answer: each answer sent after `dtree token revoke` returned is refused (401), and nothing of
# a refused one is stored (no limit on failed sign-ins: 16 agents are refused at once).
serve_start 4 --threads 8 --rate-token 0 --rate-address 0; pa=$port pida=$pid
serve_start 5 --threads 8 --rate-token 0; pb=$port pidb=$pid
if [ -n "$pa" ] && [ -n "$pb" ]; then ok; else bad "the instances did not start: $(cat "$tmp/log.4" "$tmp/log.5")"; fi
python3 "$py" "$pa" race "$pb" >"$tmp/c5" 2>&1
tally "$tmp/c5"
grep '^  races' "$tmp/c5"
if stored_seqs "$GROUP_OUT" >"$tmp/why"; then ok; else bad "race: the store does not hold what was acknowledged:"; cat "$tmp/why"; fi
bob=$(run token add bob --role agent --db "$SERVE_DB") && ok || bad "token add bob"
SERVE_TOKEN=$bob GROUP_REVOKE="${DTREE_WRAP:-} $DTREE token revoke bob --db $SERVE_DB" \
    python3 "$py" "$pa" revoke >"$tmp/c6" 2>&1
tally "$tmp/c6"
grep '^  answers of' "$tmp/c6"
if stored_seqs "$GROUP_OUT" >"$tmp/why"; then ok; else bad "revoke: the store does not hold what was acknowledged:"; cat "$tmp/why"; fi
serve_stop "$pida"; rc=$?
serve_stop "$pidb"; rc=$((rc + $?))
[ "$rc" -eq 0 ] && ok || bad "the instances exited $rc: $(tail -n 20 "$tmp/log.4" "$tmp/log.5")"

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
# every session's row counts its events (the UPDATE of a statement that held several sessions)
off=$(dbsql "$SERVE_DB" "SELECT s.uuid || ' ' || s.events || ' ' || (SELECT count(*) FROM events e
    WHERE e.sid = s.sid) FROM sessions s WHERE s.events <> (SELECT count(*) FROM events e WHERE e.sid = s.sid)")
[ -z "$off" ] && ok || bad "sessions whose row does not count their events (id, row, events): $(echo "$off" | head -n 3)"
e2e_done
