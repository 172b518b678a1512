#!/bin/sh
# tests/e2e/secrets.sh — secrets stay out of places other people can read (issue 9): no core dumps
# (RLIMIT_CORE 0, not dumpable) in `run`, `kiosk` and `check`; `--var` refused for a sensitive
# variable, `--var-env` takes it from the environment and wipes it (/proc/PID/environ); messages
# on stderr are one line each, whatever a file name holds.  Terminal behaviour: tmux_run.sh and
# kiosk_tmux.sh.
. tests/lib/e2e.sh
T=tests/cases/run/trees
K=tests/cases/kiosk

# A world-readable corner of $tmp, for a dtree started as an unprivileged user.
pub="$tmp/pub"
mkdir "$pub" && chmod 0777 "$pub"
# As root, run as nobody so that the /proc owner test means something (a prefix, not a function:
# the background job's $! must be the command itself).
AS_USER=""
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
    AS_USER="setpriv --reuid=65534 --regid=65534 --clear-groups"
fi
# wait_file FILE TEXT: until FILE holds TEXT (bounded: 10 s).
wait_file() {
    n=0
    while [ $n -lt 100 ]; do
        grep -qF -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1; n=$((n + 1))
    done
    return 1
}
# A process that is not dumpable has its /proc/PID files owned by root, whoever runs it.
not_dumpable() { [ "$(stat -c %u "/proc/$1/status" 2>/dev/null)" = 0 ] && [ "$(id -u)" != 0 -o "$2" != 0 ]; }
core_limit_zero() { grep -Eq '^Max core file size +0 +0 ' "/proc/$1/limits"; }

# live NAME TEXT CMD...: start CMD reading from a fifo (so it waits for input), wait until its
# output holds TEXT, then check its core-dump state; the fifo is closed after (end of input).
live() {
    name=$1 text=$2; shift 2
    rm -f "$pub/in"; mkfifo -m 0666 "$pub/in"
    $AS_USER "$@" <"$pub/in" >"$pub/$name.out" 2>&1 &
    lpid=$!
    exec 3>"$pub/in"
    if wait_file "$pub/$name.out" "$text"; then
        uid=$(sed -n 's/^Uid:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$lpid/status")
        if not_dumpable "$lpid" "$uid"; then ok; else bad "$name: dumpable (uid $uid, /proc owner $(stat -c %u /proc/$lpid/status))"; fi
        if core_limit_zero "$lpid"; then ok; else bad "$name: core limit not 0: $(grep core "/proc/$lpid/limits")"; fi
        if [ -n "${LIVE_ENV_SECRET:-}" ]; then
            if tr '\0' '\n' <"/proc/$lpid/environ" | grep -qF -- "$LIVE_ENV_SECRET"; then
                bad "$name: the secret is still in /proc/PID/environ"
            else ok; fi
        fi
    else
        bad "$name: never showed '$text'"; cat "$pub/$name.out"
    fi
    exec 3>&-
    wait "$lpid"
}

# ---- 1. no core dumps ----------------------------------------------------------------------
live run "Greeting" "$DTREE" run "$T/tiny.xml" --no-record
live kiosk "Press Enter to start." "$DTREE" kiosk --no-tty --no-record "$K/kiosk-demo.xml"

# ---- 2. --var for a sensitive variable is refused; --var-env is the way ---------------------
out=$(printf 'quit\n' | run run "$T/tiny.xml" --no-record --var account=4321 2>&1); rc=$?
if [ "$rc" = 2 ] && printf '%s' "$out" | grep -qF -- "--var-env account=" &&
    ! printf '%s' "$out" | grep -qF 4321; then ok; else bad "--var on a sensitive variable: rc $rc: $out"; fi
out=$(printf 'quit\n' | run run "$T/tiny.xml" --no-record --var name=Ann 2>&1); rc=$?
[ "$rc" = 5 ] && ok || bad "--var on a plain variable: rc $rc: $out"
# the value arrives (the walk's summary counts it), is never printed, and leaves the environment
LIVE_ENV_SECRET=7531
export DT_ACCT=7531
live var-env "Greeting" env DT_ACCT=7531 "$DTREE" run "$T/tiny.xml" --no-record --var-env account=DT_ACCT
unset LIVE_ENV_SECRET
if grep -qF 7531 "$pub/var-env.out"; then bad "--var-env value printed"; else ok; fi
out=$(printf 'vars\nquit\n' | run run "$T/tiny.xml" --no-record --var-env account=DT_ACCT 2>&1)
if printf '%s' "$out" | grep -q 'account' && ! printf '%s' "$out" | grep -qF 7531; then ok
else bad "--var-env: account not set, or shown: $out"; fi
unset DT_ACCT
out=$(run run "$T/tiny.xml" --no-record --var-env account=NO_SUCH_VAR_X 2>&1 </dev/null); rc=$?
if [ "$rc" = 2 ] && printf '%s' "$out" | grep -q 'NO_SUCH_VAR_X is not set'; then ok; else bad "--var-env unset: rc $rc: $out"; fi

# ---- 3. a newline in a file name cannot forge a second "dtree:" line ------------------------
nl='
'
forged="$tmp/x${nl}dtree: all is well.xml"
for cmd in run check graph kiosk; do
    run $cmd "$forged" >/dev/null 2>"$tmp/err" </dev/null
    lines=$(grep -c '^dtree: ' "$tmp/err")
    if [ "$lines" -le 1 ] && ! grep -q '^dtree: all is well' "$tmp/err"; then ok
    else bad "$cmd: a file name forged a line:"; cat "$tmp/err"; fi
done

# TAP lines of `dtree test` name the scenario file: one line each, whatever the name holds.
mkdir -p "$tmp/s/t"
sed 's|tree="../../trees/printer.xml"|tree="'"$PWD"'/trees/printer.xml"|' tests/scenarios/printer.xml >"$tmp/s/t/x${nl}ok 99 - forged.xml"
run test --tap "$tmp/s/t/x${nl}ok 99 - forged.xml" >"$tmp/tap" 2>&1
if grep -q '^ok 1 - ' "$tmp/tap" && ! grep -q '^ok 99 - forged' "$tmp/tap"; then ok
else bad "test --tap: a file name forged a TAP line:"; head -5 "$tmp/tap"; fi

# ---- 4. an ambiguous answer among many choices gives one short line ---------------------------
awk 'BEGIN { print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
    print "<tree id=\"many\" version=\"1\" title=\"Many\" start=\"q\"><question id=\"q\"><say>Pick</say>";
    for (i = 0; i < 2000; i++) printf "<choice id=\"c%d\" to=\"e\">option number %d</choice>\n", i, i;
    print "</question><end id=\"e\" outcome=\"resolved\"/></tree>" }' >"$tmp/many.xml"
printf 'option\n' | run run "$tmp/many.xml" --no-record >/dev/null 2>"$tmp/many.err"
line=$(grep "fits several" "$tmp/many.err")
if printf '%s' "$line" | grep -q '8) option number 7; and 1992 more\.' && [ ${#line} -lt 400 ]; then ok
else bad "ambiguous list not capped (${#line} bytes): $(printf '%s' "$line" | cut -c1-300)"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
