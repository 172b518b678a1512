#!/bin/sh
# tests/e2e/build.sh — the Makefile as a new user meets it: a missing build dependency gives a
# hint instead of a compiler error, `make help` lists every target, `make demo` ends with 0 on a
# normal quit and records into its own throw-away database, `make uninstall` removes everything
# `make install` put, and the pkg-config file names what the library needs.
. tests/lib/e2e.sh
B=${B:-build}
mk() { make --no-print-directory -s "$@"; }

# No build dependency found (pkg-config sees no .pc file): a hint, and no compiler run at all.
PKG_CONFIG_LIBDIR=/nonexistent mk B="$tmp/nodeps" all >"$tmp/out" 2>&1; rc=$?
if [ "$rc" -ne 0 ] && grep -q 'missing build dependencies: libxml-2.0 .*jansson .*cmocka' "$tmp/out" &&
    grep -q 'run `make deps` (or `make check`, which installs them)' "$tmp/out" &&
    ! grep -q 'No such file' "$tmp/out" && [ ! -d "$tmp/nodeps" ]; then ok; else bad "no deps: hint ($rc)"; cat "$tmp/out"; fi

# make help names every target the Makefile declares phony.
mk help >"$tmp/help" 2>&1
missing=""
for t in $(sed -n '/^\.PHONY:/,/[^\\]$/p' Makefile | tr -d '\\' | sed 's/^\.PHONY://'); do
    [ "$t" = need-deps ] && continue   # internal
    grep -q "make $t\b" "$tmp/help" || missing="$missing $t"
done
if [ -z "$missing" ] && grep -q '^  make, make all ' "$tmp/help"; then ok; else bad "help lacks:$missing"; cat "$tmp/help"; fi

# make demo: a normal quit (end of input here) is exit 0; the recording goes to $B/demo.db, named
# on screen, and never to the user's own database.
rm -f "$B/demo.db"
mkdir -p "$tmp/home"
HOME="$tmp/home" XDG_DATA_HOME="" DTREE_DB="" mk B="$B" demo </dev/null >"$tmp/out" 2>&1; rc=$?
if [ "$rc" -eq 0 ] && grep -q "throw-away database $B/demo.db" "$tmp/out" && [ -s "$B/demo.db" ] &&
    [ -z "$(find "$tmp/home" -type f)" ]; then ok; else bad "demo ($rc)"; cat "$tmp/out"; fi

# install then uninstall into a staging root leaves no file behind.
root="$tmp/root"
mk B="$B" DESTDIR="$root" PREFIX=/usr install >"$tmp/out" 2>&1; a=$?
n_in=$(find "$root" -type f | wc -l)
mk B="$B" DESTDIR="$root" PREFIX=/usr uninstall >>"$tmp/out" 2>&1; b=$?
left=$(find "$root" -type f -o -type l)
if [ "$a" -eq 0 ] && [ "$b" -eq 0 ] && [ "$n_in" -gt 10 ] && [ -z "$left" ]; then ok; else
    bad "uninstall ($a $b, $n_in installed) left: $left"; cat "$tmp/out"; fi

# The pkg-config file: the installed prefix, PCRE2 for patterns, and sqlite3 and libpq because this build records.
if grep -q '^prefix=/usr/local$' "$B/libdtree.pc" && grep -q '^Requires.private: libxml-2.0 libpcre2-8 sqlite3 libpq$' "$B/libdtree.pc"
then ok; else bad "pc file"; cat "$B/libdtree.pc"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
