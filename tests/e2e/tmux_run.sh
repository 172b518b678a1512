#!/bin/sh
# tmux_run.sh — `dtree run` on a real terminal (tmux): Tab completion of a label prefix and of a
# command, back, restart (asked first), Ctrl-C on a half-typed line and at the quit question, a resize (text re-wrapped to the new width),
# Ctrl-D asking before quitting, a hostile tree whose escape sequences must show as text, NO_COLOR,
# stdout redirected to a file (screen on the terminal, plain transcript in the file).
# Needs tmux; each check prints "ok" or "FAIL", then the closing "N passed, N failed".
. tests/lib/e2e.sh
T=tests/cases/run/trees
SOCK="dtree-run-test-$$"
need tmux
tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
DB="$tmp/sessions.db"
e2e_on_exit() { tm kill-server 2>/dev/null; }

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
expect "restart asks first" "Start again from the first step?"
keys "n" Enter
sleep 0.3
[ "$(count '→ restart from the first step')" -eq 0 ] && ok "restart answered n: nothing restarted" ||
    bad "restart went ahead after n"
keys "resta" Tab Enter
wait_for "Start again from the first step?"
keys "y" Enter
expect "Tab completes a command; restart" "→ restart from the first step"
tm resize-window -t t -x 40 -y 30
sleep 0.3
keys "hist" Tab Enter
expect "history after restart" "Path so far"
keys "restart" Enter
wait_for "back cannot undo this. (y/n)"
keys "y" Enter
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
expect "quitting leaves the session abandoned (exit 5)" "EXIT=5"
expect "the summary is printed on quit" "Status:   abandoned (no outcome)"

# 4b. Ctrl-C at "Quit this call? (y/n)" cancels: the step's prompt comes back, no second question.
start run $T/tiny.xml
keys "quit" Enter
expect "quit asks first" "Quit this call? (y/n)"
keys C-c
sleep 0.3
last=$(screen | grep -v '^ *$' | tail -1)
case "$last" in "Choose 1-3 >"*) ok "Ctrl-C cancels the quit question";;
    *) bad "Ctrl-C at the quit question did not cancel (last line: $last)";; esac
[ "$(count 'Quit this call? (y/n)')" -eq 1 ] && ok "the quit question is not asked again" ||
    bad "the quit question was asked again"
keys "1" Enter
expect "the call goes on after the cancelled quit" "→ Router lights are off"

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

# 8. A sensitive input: typed without echo, Ctrl-C clears it, never in the history (Up at the
#    next prompt brings back nothing of it), never on the screen.
start run $T/tiny.xml
keys "1" Enter
wait_for "Enter when done >" || bad "no info step"
keys Enter
expect "a sensitive input says it is hidden" "Account (hidden) > "
keys "12"
sleep 0.3
if screen | grep -qE "> 12 *$"; then bad "the secret is echoed while typed"; else ok "the secret is not echoed while typed"; fi
keys Enter
expect "a refused secret is asked again" "That is not 4 digits."
keys "99" C-c
expect "Ctrl-C on a hidden line" "^C"
keys "4321" Enter
expect "the hidden answer is taken (Ctrl-C dropped the 99)" "Which plan are you on?"
keys Up
sleep 0.3
if screen | grep -qF "4321"; then bad "the secret is on the screen or in the history (Up)"; else ok "Up recalls nothing of the secret"; fi
keys C-u "vars" Enter
expect "vars lists the secret masked" "account = "
if screen | grep -qF "4321"; then bad "the secret is shown by vars"; else ok "vars does not show the secret"; fi

# 9. The picker's Tab completion inserts titles as shown: bidi and zero-width characters escaped,
#    never raw (a raw U+202E would reorder the agent's line).
mkdir -p "$tmp/lib"
cat >"$tmp/lib/bidi.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<tree id="bidi" version="1" title="Pay&#x202e;ment&#x200b;s help" start="e">
  <end id="e" outcome="resolved"><say>Done.</say></end>
</tree>
XML
start run --trees "$tmp/lib" --no-record
wait_for "Tree (number or part of a title) >" || bad "no picker prompt"
keys "Pay" Tab
expect "Tab completes the title as shown (escaped)" 'Tree (number or part of a title) > Pay\u202ement\u200bs help'
if screen | grep -q "$(printf '\342\200\256')\|$(printf '\342\200\213')"; then bad "raw bidi or zero-width character on the screen"
else ok "no raw bidi or zero-width character on the screen"; fi
keys Enter
expect "the completed title picks the tree" "Done."

# 10. stdout redirected from a terminal: the screen stays on the terminal, the file gets a plain
#     transcript (no escape sequences, no prompts or readline codes).
start run $T/tiny.xml --no-record ">$tmp/call.log"
expect "redirected stdout: the step is on the terminal" "Tiny support call › Greeting (step 1)"
expect "redirected stdout: the prompt is on the terminal" "Choose 1-3 >"
keys "1" Enter
expect "redirected stdout: the answer is echoed on the terminal" "→ Router lights are off"
keys "quit" Enter
wait_for "Quit this call? (y/n)"
keys "y" Enter
expect "redirected stdout: the summary is on the terminal" "Case summary"
if grep -q "$(printf '\033')" "$tmp/call.log"; then bad "redirected stdout: escape codes in the file"
else ok "redirected stdout: no escape codes in the file"; fi
grep -qF "→ Router lights are off" "$tmp/call.log" && grep -qF "Case summary" "$tmp/call.log" &&
    grep -qF "Tiny support call › Router check (step 2)" "$tmp/call.log" &&
    ok "redirected stdout: the file holds the transcript" || bad "redirected stdout: transcript missing"
grep -qF "Choose 1-3 >" "$tmp/call.log" && bad "redirected stdout: prompts in the file" ||
    ok "redirected stdout: no prompts in the file"

# 11. A colleague resumes: "Path so far" shows the first agent's notes.
printf '2\nnote caller is on a hotel line\n' | env DTREE_DB="$DB" TZ=UTC "$DTREE" run $T/tiny.xml --agent alice >"$tmp/alice.out" 2>&1
rid=$(sed -n 's/^  Session:  \([0-9a-f-]*\) .*/\1/p' "$tmp/alice.out")
start resume "$rid" --agent bob
expect "resume: Path so far" "Path so far"
expect "resume: the first agent's note in Path so far" "Note: caller is on a hotel line"

# 12. The resume hint after a quit works as printed: with --db when the call used one (make demo
# records into a throw-away database; the hint without --db looked in the default one).
start run $T/tiny.xml --db "$tmp/other.db"
keys "quit" Enter
expect "quit asks first (--db)" "Quit this call? (y/n)"
keys "y" Enter
expect "the resume hint names the database" "--db $tmp/other.db"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
