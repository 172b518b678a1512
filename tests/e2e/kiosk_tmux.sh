#!/bin/sh
# kiosk_tmux.sh — `dtree kiosk` on a real terminal (tmux, its own server -L kiosktest-PID): every escape
# route from the issue is tried, and after each one the kiosk must still be alive, still at its
# prompt, and show nothing of the previous customer (scrollback included: capture-pane -S -).
# Then idle reset, end-of-session reset, SIGTERM (terminal restored: stty -g equal before/after),
# and the refusals (non-kiosk tree, non-terminal input).  Ends with "N passed, N failed".
. tests/lib/e2e.sh
CASES=$PWD/tests/cases/kiosk
T="tmux -L kiosktest-$$ -f /dev/null"   # one server per run: parallel runs must not meet
WAIT=${KIOSK_WAIT:-6}               # seconds to wait for a screen; more under valgrind
[ -n "${DTREE_WRAP:-}" ] && WAIT=30
DTREE_DB=$tmp/default.db      # recording is on by default: never touch the home directory
export DTREE_DB
# A kiosk never ends by itself: the ones still running are SIGKILLed before their terminals go.
# Left to the SIGHUP of kill-server, an ASan build's exit could spin for ever in LeakSanitizer's
# thread stop once its pty was gone (seen in CI: one core busy for the rest of the run).
e2e_on_exit() {
    for f in "$tmp"/*.pid; do
        [ -s "$f" ] || continue
        pkill -9 -P "$(cat "$f")" 2>/dev/null
        kill -9 "$(cat "$f")" 2>/dev/null
    done
    $T kill-server 2>/dev/null
}

ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if eval "$2"; then ok "$1"; else ko "$1"; fi; }

need tmux
if [ ! -x "$DTREE" ]; then echo "missing $DTREE"; echo "0 passed, 1 failed"; exit 1; fi

# ---- helpers ---------------------------------------------------------------------------------
screen() { $T capture-pane -p -J -t "$1"; }             # what is visible now
everything() { $T capture-pane -p -J -S - -t "$1"; }     # scrollback included
shows() { screen "$1" | grep -qF -- "$2"; }
# wait_for SESSION TEXT: poll until the visible screen contains TEXT
wait_for() {
    n=0
    while [ "$n" -lt $((WAIT * 10)) ]; do
        shows "$1" "$2" && return 0
        sleep 0.1; n=$((n + 1))
    done
    echo "  (waited for '$2'; the screen is:)"; screen "$1" | sed 's/^/  | /'
    return 1
}
alive() { kill -0 "$(cat "$tmp/$1.pid")" 2>/dev/null; }
# the prompt is the last non-blank line of the screen: "  >" and whatever is typed
prompt_line() { screen "$1" | grep -v '^ *$' | tail -n 1; }
at_prompt() { prompt_line "$1" | grep -q '^  >'; }
empty_prompt() { [ "$(prompt_line "$1" | sed 's/ *$//')" = "  >" ]; }
# no_trace SESSION TEXT / no_match SESSION REGEX: the capture must work (a dead pane is no pass)
no_trace() { out=$(everything "$1") || return 1; ! printf '%s\n' "$out" | grep -qF -- "$2"; }
no_match() { out=$(everything "$1") || return 1; ! printf '%s\n' "$out" | grep -qE -- "$2"; }
not_shown() { out=$(screen "$1") || return 1; ! printf '%s\n' "$out" | grep -qF -- "$2"; }
keys() { s=$1; shift; $T send-keys -t "$s" "$@"; }
paste() { $T load-buffer -b kb "$2" && $T paste-buffer -d -b kb -t "$1"; }
# the same as a terminal pastes when the program asked for bracketed paste (CSI ? 2004 h)
bpaste() { $T load-buffer -b kb "$2" && $T paste-buffer -p -d -b kb -t "$1"; }

# start NAME ARGS...: a kiosk in a new 80x24 window, inside a shell that saves stty before/after
start() {
    name=$1; shift
    cat >"$tmp/$name.sh" <<EOF
stty -g >"$tmp/$name.before"
sh -c 'echo \$\$ >"\$0"; exec "\$@"' "$tmp/$name.pid" ${DTREE_WRAP:-} "$DTREE" kiosk $*
echo \$? >"$tmp/$name.rc"
stty -g >"$tmp/$name.after"
sleep 600
EOF
    # a hostile environment: readline macros in INPUTRC, an odd TERM and locale
    $T new-session -d -s "$name" -x 80 -y 24 \
        "env DTREE_DB=$DTREE_DB INPUTRC=$tmp/inputrc TERM=xterm-256color LANG=C LC_ALL=C sh $tmp/$name.sh"
    n=0; while [ ! -s "$tmp/$name.pid" ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
}

# After every escape attempt: alive, still showing the page, at its prompt, nothing of customer 1.
intact() { # NAME WHAT PAGE-TEXT
    check "$2: process alive" "alive $1"
    check "$2: still on the page" "wait_for $1 '$3' >/dev/null"
    check "$2: still at the prompt" "at_prompt $1"
    check "$2: nothing of the previous customer" "no_trace $1 Zorblax"
}

cat >"$tmp/inputrc" <<'EOF'
set editing-mode vi
"\C-x": "HACKED-BY-INPUTRC\n"
"\t": "HACKED-TAB\n"
TAB: complete
set show-all-if-ambiguous on
EOF

Q="Is your printer switched on?"
# ---- customer 1 walks a whole path -----------------------------------------------------------
start k "--idle 60 --db $tmp/k.db $CASES/kiosk-demo.xml"
check "welcome screen" "wait_for k 'Press Enter to start.'"
check "welcome shows the tree title" "shows k 'Printer help'"
keys k Enter
check "first step shown" "wait_for k '$Q'"
check "no agent-only text" "no_match k 'AGENT-ONLY|AGENT-NOTE|INTERNAL-TITLE|hello'"
check "numbered choices and talk to a person" \
    "shows k '1   Yes, it is on' && shows k '3   Something else' && shows k '4   Talk to a person'"
check "the first step offers no Start over (nothing to start over from)" "not_shown k 'Start over'"
keys k 1 Enter
check "typed-answer step" "wait_for k 'What is your first name?'"
check "typed step offers start/help words" "shows k 'start   Start over' && shows k 'help   Talk to a person'"
keys k Enter
check "empty answer re-asked with the author's retry text" "wait_for k 'Please type at least two letters.'"
keys k -l Zorblax
keys k Enter
check "interpolated answer shown to this customer" "wait_for k 'Thanks, Zorblax.'"
keys k 1 Enter
check "end: closing text and feedback question" "wait_for k 'Did this solve your problem?' && shows k 'Switch it on at the wall'"
keys k 1 Enter
check "thank-you after feedback" "wait_for k 'Thank you. Goodbye!'"
keys k Enter
check "back to welcome after the thank-you" "wait_for k 'Press Enter to start.'"
check "customer 1 is gone from screen and scrollback" "no_trace k Zorblax && no_trace k 'Did this solve'"

# ---- customer 2 tries to escape --------------------------------------------------------------
keys k Enter
wait_for k "$Q" >/dev/null
for key in C-c C-z 'C-\' C-d C-s C-q Tab C-x C-r C-o; do
    keys k "$key"
    sleep 0.2
    intact k "key $key" "$Q"
done
check "Tab completed no file names" "no_match k 'HACKED|bin|etc|tmp'"
keys k C-v Escape
sleep 0.4
intact k "Ctrl-V then Esc" "$Q"
keys k Up
sleep 0.2
check "Up arrow recalls nothing" "empty_prompt k"
keys k Enter
intact k "Up arrow then Enter" "$Q"
# Up on the typed step, where customer 1 typed their name
keys k 1 Enter
wait_for k 'What is your first name?' >/dev/null
keys k Up Up Down
sleep 0.3
check "Up arrow on the typed step recalls nothing" "empty_prompt k"
keys k Enter
check "still asking for the name" "wait_for k 'Please type at least two letters.'"
intact k "typed step after Up" "What is your first name?"
keys k -l start
keys k Enter
check "'start' starts over" "wait_for k '$Q'"
# a very long paste: cut at 200 bytes, the page stays intact
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "A"; }' >"$tmp/long"
paste k "$tmp/long"
sleep 0.5
intact k "20 kB paste" "$Q"
check "the paste is cut, the prompt fits one line" "[ \$(prompt_line k | wc -c) -le 81 ]"
keys k C-u
# pasted escape sequences: OSC 52 clipboard, title, clear, DCS, colours, bracketed paste markers
printf '\033]52;c;SGFja2VkCg==\007\033]0;PWNED-TITLE\007\033[2J\033[31mRED\033P+q544e\033\\\033[200~x\033[201~\033]2;PWNED2\033\\' >"$tmp/esc"
paste k "$tmp/esc"
sleep 0.4
intact k "pasted escape sequences" "$Q"
check "title not set" "! $T display -p -t k '#{pane_title}' | grep -q PWNED"
check "escape payloads not shown" "no_match k '52;c|PWNED|\\[2J|\\[31m'"
check "only printable text kept" "[ \"\$(prompt_line k | sed 's/ *\$//')\" = '  > REDx' ]"
keys k C-u
# A paste longer than one read (4 KiB) that tries to answer three pages: Ctrl-U padding, then
# "1" and Enter, three times (12 KiB).  Bracketed, it is text: no page is answered.  Unbracketed
# (a terminal without bracketed paste), it answers one page at most: the rest of it arrived before
# the next page was drawn.
awk 'BEGIN { for (r = 0; r < 3; r++) { for (i = 0; i < 4000; i++) printf "\025"; printf "1\r"; } }' >"$tmp/pages"
bpaste k "$tmp/pages"
sleep 0.5
intact k "12 KiB bracketed paste" "$Q"
check "bracketed paste answered no page" "not_shown k 'What is your first name?' && not_shown k 'Please type'"
check "bracketed paste: its Enters became spaces" "[ \"\$(prompt_line k | sed 's/ *\$//')\" = '  > 1 1 1' ]"
keys k C-u
paste k "$tmp/pages"
check "unbracketed 12 KiB paste: one page at most" "wait_for k 'What is your first name?'"
sleep 0.5
check "unbracketed paste: the next page is not answered" "not_shown k 'Please type at least two letters.' && not_shown k 'Thanks,'"
check "unbracketed paste: nothing of it typed on the next page" "empty_prompt k"
keys k -l start
keys k Enter
check "back to the first page after the paste" "wait_for k '$Q'"
# Stray signals (everything catchable but TERM and HUP, and crash signals sent with kill): the
# kiosk neither dies nor leaves its page.  34, 40 and 64 are real-time signals, 16 SIGSTKFLT,
# 30 SIGPWR.
for sig in USR1 USR2 ALRM VTALRM PROF INT QUIT TSTP TTIN TTOU PIPE TRAP SYS XCPU XFSZ URG IO \
    SEGV BUS FPE ILL ABRT 16 30 34 40 64; do
    kill -"$sig" "$(cat "$tmp/k.pid")" 2>/dev/null || ko "kill -$sig could not be sent"
    sleep 0.1
    intact k "signal $sig" "$Q"
done
# invalid UTF-8, overlongs, surrogates, C1 controls
keys k -H ff fe c0 af ed a0 80 f4 90 80 80 c2 9b 32 4a 80 bf
sleep 0.3
intact k "invalid UTF-8" "$Q"
check "invalid bytes dropped" "empty_prompt k"
# resize to a tiny terminal and back
$T resize-window -t k -x 12 -y 5
sleep 0.5
check "tiny terminal: alive" "alive k"
check "tiny terminal: prompt at the bottom" "at_prompt k"
$T resize-window -t k -x 80 -y 24
sleep 0.5
intact k "resized back" "$Q"
check "the page is redrawn whole" "shows k '4   Talk to a person'"
# a wrong number, then the hand-off without a target
keys k 9 Enter
check "unknown number explained" "wait_for k 'Please type one of the numbers shown'"
keys k 4 Enter
check "talk to a person: the tree's hand-off text" "wait_for k 'Please wait by the counter'"
check "without --notify nobody is said to have been told" "not_shown k 'has been told'"
keys k Enter
check "hand-off: back to welcome" "wait_for k 'Press Enter to start.'"
# an engine run-time error (a call cycle) is a calm notice, never a crash
keys k Enter
wait_for k "$Q" >/dev/null
keys k 3 Enter
check "run-time error: calm notice" "wait_for k 'Sorry, something went wrong'"
check "run-time error: alive" "alive k"
keys k Enter
check "run-time error: back to welcome" "wait_for k 'Press Enter to start.'"

# ---- SIGTERM ends it and restores the terminal ------------------------------------------------
keys k Enter
wait_for k "$Q" >/dev/null
kill -TERM "$(cat "$tmp/k.pid")"
n=0; while [ ! -s "$tmp/k.after" ] && [ $n -lt $((WAIT * 10)) ]; do sleep 0.1; n=$((n + 1)); done
check "SIGTERM: exit status 0" "[ \"\$(cat $tmp/k.rc 2>/dev/null)\" = 0 ]"
check "SIGTERM: stty -g before = after" "[ -s $tmp/k.after ] && cmp -s $tmp/k.before $tmp/k.after"
check "SIGTERM: the screen is cleared" "not_shown k '$Q'"
if command -v sqlite3 >/dev/null 2>&1; then
    check "recorded: kiosk mode sessions" "[ \$(sqlite3 $tmp/k.db \"select count(*) from sessions where mode='kiosk'\") -ge 4 ]"
    check "recorded: feedback" "[ \$(sqlite3 $tmp/k.db \"select count(*) from events where kind='feedback'\") -ge 1 ]"
    check "recorded: talk to a person as transferred, outcome escalated" "[ \$(sqlite3 $tmp/k.db \"select count(*) from sessions where status='transferred' and outcome='escalated'\") -ge 1 ]"
fi

# ---- a sensitive answer is masked while typed, and shown nowhere after -------------------------
start p "--no-record $CASES/kiosk-secret.xml"
wait_for p 'Press Enter to start.' >/dev/null
keys p Enter
check "sensitive step shown" "wait_for p 'Type your 4-digit PIN.'"
keys p -l 8642
sleep 0.3
check "sensitive answer masked while typed" "[ \"\$(prompt_line p | sed 's/ *\$//')\" = '  > ••••' ]"
check "sensitive answer not on the screen" "no_trace p 8642"
keys p Enter
check "sensitive answer taken" "wait_for p 'PIN accepted.'"
check "sensitive answer nowhere after" "no_trace p 8642"

# ---- SIGHUP ends it cleanly too: terminal restored, the customer's session closed -------------
start u "--db $tmp/u.db $CASES/kiosk-demo.xml"
wait_for u 'Press Enter to start.' >/dev/null
keys u Enter
wait_for u "$Q" >/dev/null
kill -HUP "$(cat "$tmp/u.pid")"
n=0; while [ ! -s "$tmp/u.after" ] && [ $n -lt $((WAIT * 10)) ]; do sleep 0.1; n=$((n + 1)); done
check "SIGHUP: exit status 0" "[ \"\$(cat $tmp/u.rc 2>/dev/null)\" = 0 ]"
check "SIGHUP: stty -g before = after" "[ -s $tmp/u.after ] && cmp -s $tmp/u.before $tmp/u.after"
if command -v sqlite3 >/dev/null 2>&1; then
    check "SIGHUP: the session is recorded closed, none left active" \
        "[ \$(sqlite3 $tmp/u.db \"select count(*) from sessions where status='active'\") = 0 ] && [ \$(sqlite3 $tmp/u.db 'select count(*) from sessions') -ge 1 ]"
fi

# ---- idle reset and end-of-session reset with --idle 3 ---------------------------------------
start i "--idle 3 $CASES/kiosk-demo.xml"
wait_for i 'Press Enter to start.' >/dev/null
keys i Enter
wait_for i "$Q" >/dev/null
keys i 1 Enter
wait_for i 'What is your first name?' >/dev/null
keys i -l Quux
check "idle: countdown appears" "wait_for i 'Are you still there?'"
keys i x
check "idle: a key brings the page back" "wait_for i 'What is your first name?'"
check "idle: the key is not typed, half-typed answer kept" "[ \"\$(prompt_line i | sed 's/ *\$//')\" = '  > Quux' ]"
check "idle: reset to welcome" "KIOSK_WAIT=10 wait_for i 'Press Enter to start.'"
check "idle: half-typed answer gone from screen and scrollback" "no_trace i Quux && no_trace i 'first name'"
check "idle: countdown gone too" "no_trace i 'Are you still there?'"
keys i Enter
wait_for i "$Q" >/dev/null
check "idle: a new customer starts clean" "empty_prompt i"
keys i 2 Enter
check "end reached" "wait_for i 'Did this solve your problem?'"
check "end: reset to welcome when nobody answers" "KIOSK_WAIT=10 wait_for i 'Press Enter to start.'"
check "end: nothing left of it" "no_trace i 'Switch it on' && no_trace i 'Did this solve'"
keys i Enter
wait_for i "$Q" >/dev/null
keys i 2 Enter
wait_for i 'Did this solve your problem?' >/dev/null
keys i 2 Enter
check "feedback: thank-you" "wait_for i 'Thank you. Goodbye!'"
check "feedback: the thank-you resets by itself" "wait_for i 'Press Enter to start.'"
check "idle kiosk still alive" "alive i"
if command -v sqlite3 >/dev/null 2>&1; then   # recorded by default in $DTREE_DB
    check "recorded: idle reset as timed_out" "[ \$(sqlite3 $DTREE_DB \"select count(*) from sessions where status='timed_out' and mode='kiosk'\") -ge 1 ]"
fi

# ---- hand-off to a step of the tree ------------------------------------------------------------
start h "$CASES/kiosk-handoff.xml"
wait_for h 'Press Enter to start.' >/dev/null
keys h Enter
wait_for h 'Do you have your receipt?' >/dev/null
keys h 3 Enter
check "hand-off to=step: that step is shown" "wait_for h 'STAFF-STEP'"
check "escalated end: no feedback question" "not_shown h 'Did this solve'"
keys h Enter
check "escalated end: back to welcome" "wait_for h 'Press Enter to start.'"

# ---- --notify: run on each request for a person, ids only; "help" typed is confirmed first -------
printf '#!/bin/sh\nenv | grep "^DTREE_" | sort >"%s"\necho NOTIFY-STDOUT; echo NOTIFY-STDERR >&2\n' \
    "$tmp/notify.env" >"$tmp/notify.sh"
printf '#!/bin/sh\necho NOTIFY-BOOM >&2\nexit 3\n' >"$tmp/notify-fail.sh"
chmod +x "$tmp/notify.sh" "$tmp/notify-fail.sh"
start n "--db $tmp/n.db --notify $tmp/notify.sh $CASES/kiosk-demo.xml"
wait_for n 'Press Enter to start.' >/dev/null
keys n Enter
wait_for n "$Q" >/dev/null
keys n 1 Enter
wait_for n 'What is your first name?' >/dev/null
keys n -l help
keys n Enter
check "help typed at a typed step asks first" "wait_for n 'Do you want to talk to a member of staff?'"
check "nobody told before the answer" "[ ! -e $tmp/notify.env ]"
keys n 2 Enter
check "No goes back to the question" "wait_for n 'What is your first name?'"
keys n -l Quuxsecret
keys n Enter
wait_for n 'Thanks, Quuxsecret.' >/dev/null
keys n 3 Enter
check "--notify: the screen says staff were told" "wait_for n 'A member of staff has been told.'"
n=0; while [ ! -s "$tmp/notify.env" ] && [ $n -lt $((WAIT * 10)) ]; do sleep 0.1; n=$((n + 1)); done
check "--notify: the command ran with the tree and step" \
    "grep -qx 'DTREE_TREE=kiosk-demo' $tmp/notify.env && grep -qx 'DTREE_STEP=thanks' $tmp/notify.env"
if command -v sqlite3 >/dev/null 2>&1; then
    sid=$(sqlite3 "$tmp/n.db" 'select uuid from sessions limit 1')
    check "--notify: the session id is the recorded one" "[ -n '$sid' ] && grep -qx 'DTREE_SESSION=$sid' $tmp/notify.env"
fi
check "--notify: no answer in its environment" "! grep -q Quuxsecret $tmp/notify.env"
check "--notify: its output never reaches the screen" "no_trace n NOTIFY-STD"
start f "--no-record --notify $tmp/notify-fail.sh $CASES/kiosk-demo.xml"
wait_for f 'Press Enter to start.' >/dev/null
keys f Enter
wait_for f "$Q" >/dev/null
keys f 4 Enter
check "a failing --notify: the hand-off still shown" "wait_for f 'Please wait by the counter'"
sleep 0.3
check "a failing --notify: nothing of it on the screen" "no_trace f NOTIFY-BOOM && alive f"
keys f Enter
check "a failing --notify: the kiosk goes on" "wait_for f 'Press Enter to start.'"

# ---- refusals, without tmux --------------------------------------------------------------------
out=$("$DTREE" kiosk "$CASES/agent-only.xml" 2>&1 </dev/null); rc=$?
check "non-tty stdin refused (exit 2)" "[ $rc = 2 ] && echo \"\$out\" | grep -q 'must be a terminal'"
out=$(printf '\n' | "$DTREE" kiosk --no-tty "$CASES/agent-only.xml" 2>&1); rc=$?
check "non-kiosk tree refused (exit 3)" "[ $rc = 3 ] && echo \"\$out\" | grep -q 'kiosk=\"true\"'"
out=$(printf '\n1\n1\n' | "$DTREE" kiosk --no-tty --any-tree "$CASES/agent-only.xml" 2>&1); rc=$?
check "--any-tree runs it; end of piped input ends --no-tty" "[ $rc = 0 ] && echo \"\$out\" | grep -q 'Did this solve'"
out=$("$DTREE" kiosk --idle 0 "$CASES/kiosk-demo.xml" 2>&1); rc=$?
check "bad --idle refused (exit 2)" "[ $rc = 2 ]"
out=$(printf '\n' | "$DTREE" kiosk --no-tty --db "$tmp/nodir/x/y.db" "$CASES/kiosk-demo.xml" 2>&1); rc=$?
check "unusable database refused before start (exit 4)" "[ $rc = 4 ]"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
