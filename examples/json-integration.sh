#!/bin/sh
# json-integration.sh — follow `dtree run --json` from another program: answers are piped in, the
# event stream (one JSON object per line, docs/json-events.md) comes out, and a consumer picks what
# it needs.  Here the consumer is a few lines of POSIX shell + jq when present, else grep.
#   DTREE=../build/dtree sh json-integration.sh
DTREE=${DTREE:-dtree}
TREE=${TREE:-$(dirname "$0")/../trees/printer.xml}
printf '%s\n' "Only me" "Yes" "" "Yes, it printed" | "$DTREE" run "$TREE" --json --agent crm-bot >events.jsonl
echo "exit status: $? (0: the session reached an end)"
if command -v jq >/dev/null 2>&1; then
    jq -r 'select(.event == "end") | "outcome: \(.outcome)"' events.jsonl
    jq -r 'select(.event == "answer") | "answered \(.step): \(.label // .value)"' events.jsonl
else
    grep '"event": *"end"' events.jsonl
fi
