#!/bin/sh
# tmux_run.sh — `dtree run` on a real terminal (tmux): Tab completion of a label prefix and of a
# command, back, restart, Ctrl-C on a half-typed line, a resize (text re-wrapped to the new width),
# Ctrl-D asking before quitting, a hostile tree whose escape sequences must show as text, NO_COLOR.
# Needs tmux; each check prints "ok" or "FAIL", then the closing "N passed, N failed".
DTREE=${DTREE:-$PWD/${B:-build}/dtree}
T=tests/cases/run/trees
SOCK="dtree-run-test-$$"
pass=0
fail=0
if ! command -v tmux >/dev/null 2>&1; then
    echo "tmux not installed"; echo "0 passed, 1 failed"; exit 1
fi
tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
tmp=$(mktemp -d)
DB="$tmp/sessions.db"
trap 'tm kill-server 2>/dev/null; rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; echo "----- screen:"; screen; echo "-----"; }
screen() { tm capture-pane -p -J -S -200 -t t; }
# wait_for TEXT [tries]: poll the screen (10 per second) until it holds TEXT (fixed string).
wait_for() {
    n=${2:-50}
    while [ "$n" -gt 0 ]; do
        screen | grep -qF -- "$1" && return 0
        sleep 0.1
        n=$((n - 1))
    done
    return 1
}
expect() { # $1 = test name, $2 = text that must appear
    if wait_for "$2"; then ok "$1"; else bad "$1 (no '$2')"; fi
}
count() { screen | grep -cF -- "$1"; }
# start ARGS...: a new session running dtree in an 80x30 terminal; the exit status is printed after.
nstart=0
start() {
    tm kill-server 2>/dev/null
    nstart=$((nstart + 1))
    SOCK="dtree-run-test-$$-$nstart"   # a fresh server each time: no race with the old one's exit
    tm new-session -d -s t -x 80 -y 30 \
        "env TERM=screen INPUTRC=/dev/null LANG=C.UTF-8 USER=tester DTREE_DB=$DB ${EXTRA_ENV:-} $DTREE $*; echo EXIT=\$?; sleep 60"
    wait_for ' > ' || echo "(no prompt yet)"
}
keys() { tm send-keys -t t "$@"; }

# 1. Label prefix + Tab, Enter.
start run $T/tiny.xml --agent ann
expect "first screen shows the step header" "Tiny support call › Greeting (step 1)"
keys "Rou" Tab
expect "Tab completes a label prefix" "Choose 1-3 > Router lights are off"
keys Enter
expect "the completed label is taken" "→ Router lights are off"
expect "info step shows its text" "Then wait one minute."

# 2. back, then Ctrl-C on a half-typed line, then an answer by number.
keys "back" Enter
expect "back returns to the question" "→ back to the previous step"
[ "$(count 'Greeting (step 1)')" -ge 2 ] && ok "the question is shown again" || bad "question not shown again"
keys "charg" Tab
expect "Tab completes a word inside one label" "Choose 1-3 > Roaming charges on my bill"
keys C-u
keys "Roamxyz" C-c
expect "Ctrl-C shows ^C" "^C"
keys "2" Enter
expect "after Ctrl-C the line was cleared (2 taken alone)" "→ Roaming charges on my bill"
wait_for "Age > " && ok "input step prompt" || bad "no input prompt"

# 3. Tab completes commands; restart; resize then the text is wrapped to the new width.
keys "resta" Tab Enter
expect "Tab completes a command; restart" "→ restart from the first step"
tm resize-window -t t -x 40 -y 30
sleep 0.3
keys "hist" Tab Enter
expect "history after restart" "Path so far"
keys "restart" Enter
sleep 0.5
if screen | grep -qxF "  Hello friend, what seems to be the"; then ok "text re-wrapped to 40 columns after a resize"
else bad "not wrapped to 40 columns"; fi
# Only what was drawn after the last restart counts (the scrollback keeps the 80-column text).
long=$(screen | awk '/→ restart from the first step/ { n = 0 } length($0) > 40 { n++ } END { print n + 0 }')
[ "$long" -eq 0 ] && ok "no line longer than 40 after the resize" || bad "$long lines longer than 40 after resize"

# 4. Ctrl-D on the empty prompt asks; n stays; Ctrl-D again + y quits with status 5.
keys C-d
expect "Ctrl-D asks before quitting" "Quit this call? (y/n)"
keys "n" Enter
sleep 0.3
keys "note still here" Enter
expect "after n the session goes on" "→ note kept with this step"
keys C-d
sleep 0.3
keys "y" Enter
expect "quitting leaves the session unfinished (exit 5)" "EXIT=5"
expect "the summary is printed on quit" "Status:   unfinished (no outcome)"

# 5. Hostile text: escapes shown as text, nothing interpreted (title unchanged, screen not cleared).
start run $T/hostile.xml --var "'v=esc$(printf '\033')]0;pwned$(printf '\007')'"
expect "C1 CSI in a label shown escaped" 'Red \u009b31mALERT\u009b0m choice'
expect "bidi override shown escaped" 'Reversed \u202etxet'
expect "C1 in the header shown escaped" 'Hostile \u009b2Jtext'
expect "ESC from --var shown escaped" 'esc\x1b]0;pwned\x07'
expect "isolates shown escaped" '\u2066isolated\u2069'
title=$(tm display -p -t t '#{pane_title}')
case "$title" in *pwned*) bad "OSC changed the title ($title)";; *) ok "title not changed by OSC";; esac
keys "rev" Enter
expect "hostile tree walks to its end" "Outcome: resolved"
expect "exit status 0 at an end" "EXIT=0"

# 6. NO_COLOR: no SGR sequence on the screen; without it, the header is bold.
EXTRA_ENV="NO_COLOR=1" start run $T/tiny.xml
wait_for "Choose 1-3 >"
if tm capture-pane -p -e -t t | grep -q "$(printf '\033')\["; then bad "NO_COLOR still coloured"
else ok "NO_COLOR: no colour"; fi
start run $T/tiny.xml
wait_for "Choose 1-3 >"
if tm capture-pane -p -e -t t | grep -q "$(printf '\033')\[1m"; then ok "colour on a terminal"
else bad "no bold on a terminal"; fi

# 7. Ambiguous prefix lists the candidates; the picker without TREE.
keys "ro" Enter
expect "ambiguous prefix lists candidates" "'ro' fits several answers"
start run --trees $T
expect "picker lists the trees" "Tiny support call"
keys "tiny" Enter
expect "picker by part of a title" "Tiny support call › Greeting (step 1)"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
