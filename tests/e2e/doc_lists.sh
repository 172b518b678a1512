#!/bin/sh
# doc_lists.sh — the lists of kinds the docs write out by hand (statuses, event kinds, step kinds,
# outcomes, variable types, token roles) against the one list of each in the code: the X-macro
# lists of engine/dtree.h, read here as text.  A doc that lists one more, one fewer or in another
# order fails, naming the doc and line.  It also shows it can fail: a status added to a copy of
# the header is caught in every doc that lists statuses.  No build needed; under a second.
# Ends "N passed, N failed".
. tests/lib/e2e.sh
H=${DOC_LISTS_HEADER:-engine/dtree.h}

# xlist FILE NAME: the quoted names of the X-macro list NAME, one a line, in order
xlist() {
    awk -v def="#define $2(X)" '
        index($0, def) == 1 { on = 1 }
        on { s = $0; while (match(s, /X\([A-Z_]+, "[^"]*"/)) {
                 w = substr(s, RSTART, RLENGTH); sub(/^[^"]*"/, "", w); sub(/"$/, "", w); print w
                 s = substr(s, RSTART + RLENGTH) }
             if ($0 !~ /\\$/) on = 0 }' "$1"
}
# ticks: the `words` of stdin, one a line, in order
ticks() { grep -o '`[^`]*`' | tr -d '`'; }
# row FILE START: the cells after the first of the table row starting with START
row() { grep -m 1 -F -- "$2" "$1" | sed 's/^|[^|]*|//'; }
# para FILE START: in the paragraph holding START, what follows it up to the first ")"
para() {
    awk -v start="$2" 'BEGIN { RS = "" } { gsub(/\n/, " ") } i = index($0, start) {
        s = substr($0, i + length(start)); print substr(s, 1, index(s, ")")); exit }' "$1"
}
# column FILE HEADER: the first cell of each row of the table under the line HEADER
column() {
    awk -v head="$2" '$0 == head { on = 1; getline; next } on && !/^\|/ { exit }
        on { split($0, c, "|"); print c[2] }' "$1"
}
# yaml_enum FILE START: the enum of the first line holding START (docs/openapi.yaml)
yaml_enum() { grep -m 1 -F -- "$2" "$1" | sed 's/.*enum: \[\([^]]*\)\].*/\1/' | tr -d ' ' | tr , '\n'; }

# same WHAT WANT GOT: two lists of lines, equal (order too)
same() {
    if [ -n "$2" ] && [ "$2" = "$3" ]; then ok; else
        bad "$1: the doc says [$(echo $3)], the code [$(echo $2)]"
    fi
}

status=$(xlist "$H" DT_REC_STATUS_LIST)
events=$(xlist "$H" DT_EVENT_KIND_LIST)
steps=$(xlist "$H" DT_STEP_KIND_LIST)
outcomes=$(xlist "$H" DT_OUTCOME_LIST)
types=$(xlist "$H" DT_VAR_TYPE_LIST)
roles=$(xlist "$H" DT_TOKEN_ROLE_LIST)
recorded=$(printf '%s\n%s' "$events" "$(xlist "$H" DT_REC_EVENT_KIND_LIST)")
for l in status events steps outcomes types roles; do
    eval "v=\$$l"
    [ -n "$v" ] && ok || bad "no $l list found in $H"
done

D=docs/recording.md
same "$D: the sessions column status" "$status" "$(row $D '| `status` |' | ticks)"
same "$D: the events column kind" "$recorded" "$(row $D '| `kind` |' | ticks)"
same "$D: the statuses of 'Words'" "$(echo "$status" | sort)" \
    "$(grep -E '^\| `[a-z_]+` \| status \|' $D | sed 's/ | status .*//' | ticks | sort)"
same "$D: the statuses explained under 'Statuses'" "$(echo "$status" | sort)" \
    "$(awk '/^### Statuses/ { on = 1; next } on && /^#/ { exit } on && /^- `/' $D |
        sed 's/:.*//' | ticks | grep -v ' ' | sort)"

D=docs/json-events.md
same "$D: the engine's events" "$events" "$(para $D "the engine's events (" | ticks)"
grep '^### `' $D | sed 's/ — .*//' | ticks >"$tmp/sections"
same "$D: a section per engine event" "$events" \
    "$(echo "$events" | while read -r k; do grep -qx -- "$k" "$tmp/sections" && echo "$k"; done)"
same "$D: step_kind of a step event" "$steps" "$(para $D '`step_kind` (' | ticks)"
same "$D: outcome of an end event" "$outcomes" "$(para $D '`outcome` (' | sed 's/or the.*//' | ticks)"

D=docs/tree-format.md
same "$D: the kinds of step" "$steps" "$(column $D '| Step | What it does | Who acts |' | ticks)"
same "$D: the outcomes (section 12)" "$outcomes" "$(column $D '| Outcome | Means |' | ticks)"

D=docs/format-spec.md
same "$D: the outcomes of an end" "$outcomes" "$(para $D '`outcome` required:' | sed 's/or an author.*//' | ticks)"

D=docs/openapi.yaml
same "$D: the status filter" "$status" "$(yaml_enum $D '{name: status, in: query')"
same "$D: the variable types" "$types" "$(yaml_enum $D 'type: {type: string, enum: [text')"
same "$D: the token roles" "$roles" "$(yaml_enum $D 'role: {type: string, enum:')"

# The check can fail: a status more in the code than in the docs is found in each doc that lists
# them (run once more on a copy of the header; not again from inside that run).
if [ -z "${DOC_LISTS_HEADER:-}" ]; then
    sed 's/^\( *X(ACTIVE, "active")\)/\1 X(ON_HOLD, "on_hold")/' "$H" >"$tmp/extra.h"
    DOC_LISTS_HEADER="$tmp/extra.h" sh "$0" >"$tmp/self" 2>&1
    n=$(grep -c '^FAIL: .*on_hold' "$tmp/self")
    [ "$n" -eq 4 ] && ok || { bad "a status added to the code is not caught in every doc ($n):"; cat "$tmp/self"; }
fi

e2e_done
