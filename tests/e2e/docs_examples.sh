#!/bin/sh
# tests/e2e/docs_examples.sh — every shell example of README.md, docs/*.md and docs/dtree.1 runs as
# written (as cmark runs the examples of its spec): tests/lib/doc_examples.py lists them, each runs
# in a scratch directory (trees/, tests/, docs/ and examples/ linked in, the trees the docs show
# written out as files, a throw-away database, stdin from /dev/null) and must exit 0.  Examples that
# need a terminal or a server, or that are a synopsis or root set-up, are marked in the doc
# (<!-- example: needs-terminal --> before the block, .\" example: ... in the man page) and
# listed as skipped with their reason, never dropped in silence; the trees they name must exist.
. tests/lib/e2e.sh
need python3

work="$tmp/work"
mkdir -p "$work" "$tmp/home"
for d in trees tests docs examples; do ln -s "$PWD/$d" "$work/$d"; done
DOC_EXAMPLES_DIR="$work" python3 tests/lib/doc_examples.py README.md docs/*.md docs/dtree.1 >"$tmp/list" ||
    bad "listing the examples"
bin="$tmp/bin"
mkdir -p "$bin"
ln -s "$DTREE" "$bin/dtree"
skipped=0
TAB=$(printf '\t')
while IFS="$TAB" read -r file line mark cmd; do
    # A tree the example names by id must exist in the library, run or not (docs/kiosk.md once
    # named a tree that was never bundled).
    for name in $(printf '%s\n' "$cmd" | grep -oE 'dtree (run|kiosk|graph) [a-z][a-z0-9-]*( |$)' | awk '{print $3}'); do
        if "$DTREE" graph "$name" >/dev/null 2>&1; then ok; else bad "$file:$line: no tree '$name' in the library"; fi
    done
    if [ "$mark" != run ]; then
        echo "skipped $file:$line ($mark): $cmd"
        skipped=$((skipped + 1))
        continue
    fi
    (cd "$work" && PATH="$bin:$PATH" HOME="$tmp/home" XDG_DATA_HOME="$tmp/home/data" \
        DTREE_DB="$tmp/examples.db" timeout 120 sh -c "$cmd" </dev/null >"$tmp/out" 2>&1)
    rc=$?
    if [ "$rc" -eq 0 ]; then ok; else bad "$file:$line exits $rc: $cmd"; tail -5 "$tmp/out"; fi
done <"$tmp/list"
n=$(wc -l <"$tmp/list")
if [ "$n" -ge 15 ]; then ok; else bad "only $n examples found"; fi
echo "$skipped examples marked and skipped"
e2e_done
