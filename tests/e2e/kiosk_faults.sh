#!/bin/sh
# tests/e2e/kiosk_faults.sh — the kiosk on a full disk (issue 9 finding 3): a customer's session
# whose record cannot be finished is kept whole and written once space returns (at the next
# customer), never dropped in silence.  A small tmpfs, so root only; says so when it skips.
. tests/lib/e2e.sh
CASES=$PWD/tests/cases/kiosk
unset DTREE_DB
trap 'umount "$tmp/full" 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/full"
F="$tmp/full"
if [ "$(id -u)" -ne 0 ] || ! mount -t tmpfs -o size=400k tmpfs "$F" 2>/dev/null; then
    echo "skipped: needs root to mount a small tmpfs"
    ok
    e2e_done
fi
kiosk() { run kiosk --no-tty --db "$F/k.db" "$CASES/kiosk-demo.xml"; }
printf '\n4\n\n' | kiosk >/dev/null 2>&1   # the database exists, as on a kiosk that ran before
# Customer 1 starts, then the disk fills: 30 answers and start-overs wait in memory, then they ask
# for a person.  Space comes back; customer 2 does the same; then the input ends (the operator).
# Each line goes in once the screen before it is shown (one cleared screen per line read), so the
# disk fills and empties at the same point of the story however slow the kiosk is (valgrind).
: >"$tmp/out"
k=1
# await: wait (at most 60 s) until the k-th screen is shown
await() {
    n=0
    while [ "$(grep -ao "$(printf '\033')\[2J" "$tmp/out" | wc -l)" -lt "$k" ] && [ "$n" -lt 1200 ]; do
        sleep 0.05; n=$((n + 1))
    done
}
# send LINE: type LINE once the screen it answers is shown
send() { await; printf '%s\n' "$1"; k=$((k + 1)); }
{
    send ''
    await   # customer 1's session has started (recorded before its first question is shown)
    dd if=/dev/zero of="$F/fill" bs=1k count=10000 2>/dev/null
    for _ in $(seq 1 30); do send 1; send start; done
    send 4; send ''
    await
    rm -f "$F/fill"
    send ''; send 4; send ''
    await
} | kiosk >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 0 ] && ok || bad "kiosk exit $rc: $(cat "$tmp/err")"
n=$(sqlite3 "$F/k.db" "select count(*) from sessions")
[ "$n" -eq 3 ] && ok || bad "sessions recorded: $n, want 3 (the one from the full disk was lost)"
big=$(sqlite3 "$F/k.db" "select count(*) from sessions where events > 100 and status = 'transferred'")
[ "$big" -eq 1 ] && ok || bad "customer 1's whole session (over 100 events, transferred) is not saved"
if grep -q 'recording' "$tmp/out"; then bad "the customer's screen speaks of recording"; else ok; fi
e2e_done
