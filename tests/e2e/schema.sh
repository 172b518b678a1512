#!/bin/sh
# Schema suite: every bundled tree (trees/*.xml) must validate against trees/dtree.rng, and every
# broken tree in tests/cases/schema-bad/ must be rejected by it as a *validation* error (xmllint exit 3),
# so a bad case that is merely not well-formed XML cannot pass for the wrong reason.  Every complete
# example in docs/tree-format.md (an ```xml block starting with <?xml) must validate too.
# Run from the repo root: sh tests/e2e/schema.sh.  Last line: "N passed, N failed".
SCHEMA=trees/dtree.rng
BAD=tests/cases/schema-bad
. tests/lib/e2e.sh
out=$tmp/out

ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; sed 's/^/     /' "$out" | head -n 5; }

need xmllint

ntrees=0
for f in trees/*.xml; do
    [ -f "$f" ] || continue
    ntrees=$((ntrees + 1))
    if xmllint --noout --relaxng "$SCHEMA" "$f" >"$out" 2>&1; then
        ok "valid: $f"
    else
        ko "valid: $f"
    fi
done
if [ "$ntrees" -eq 0 ]; then
    echo "no trees found in trees/" >"$out"
    ko "bundled trees present"
fi

# Complete examples in the authors' guide: blocks from a ```xml line whose next line is <?xml, to ```.
DOC=docs/tree-format.md
tmpd=$tmp/d
mkdir "$tmpd"
if [ -f "$DOC" ]; then
    awk -v dir="$tmpd" '
        /^```xml$/ { pending = 1; next }
        pending && /^<\?xml/ { n++; f = sprintf("%s/example-%02d.xml", dir, n); inb = 1 }
        { pending = 0 }
        inb && /^```$/ { inb = 0; close(f); next }
        inb { print > f }
    ' "$DOC"
    for f in "$tmpd"/example-*.xml; do
        [ -f "$f" ] || continue
        if xmllint --noout --relaxng "$SCHEMA" "$f" >"$out" 2>&1; then
            ok "valid: $DOC $(basename "$f" .xml)"
        else
            ko "valid: $DOC $(basename "$f" .xml)"
        fi
    done
fi

nbad=0
for f in "$BAD"/*.xml; do
    [ -f "$f" ] || continue
    nbad=$((nbad + 1))
    xmllint --noout --relaxng "$SCHEMA" "$f" >"$out" 2>&1
    rc=$?
    if [ "$rc" -eq 3 ]; then
        ok "rejected: $f"
    else
        echo "expected a validation error (xmllint exit 3), got exit $rc" >>"$out"
        ko "rejected: $f"
    fi
done
if [ "$nbad" -eq 0 ]; then
    echo "no cases found in $BAD" >"$out"
    ko "bad cases present"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
