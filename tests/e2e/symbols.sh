#!/bin/sh
# The shared library exports only the public API: every defined dynamic symbol starts with dt_.
. tests/lib/e2e.sh
lib="$B/libdtree.so"
if [ ! -f "$lib" ]; then echo "missing $lib"; echo "0 passed, 1 failed"; exit 1; fi
# a coverage build (make coverage) links GCC's libgcov into the library, and its runtime exports a
# few names of its own (mangle_path, gcov_write): those are not ours
: >"$tmp/gcov"
if nm -D "$lib" | grep -q ' __gcov_'; then
    nm --defined-only "$(${CC:-cc} -print-file-name=libgcov.a)" 2>/dev/null | awk 'NF == 3 {print $3}' >"$tmp/gcov"
fi
bad=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | grep -v '^dt_' | grep -v '^_' |
    grep -vxF -f "$tmp/gcov")
if [ -z "$bad" ]; then pass=$((pass+1)); else echo "exported without dt_ prefix:"; echo "$bad"; fail=$((fail+1)); fi
n=$(nm -D --defined-only "$lib" | awk '$2 == "T" && $3 ~ /^dt_/' | wc -l)
if [ "$n" -ge 20 ]; then pass=$((pass+1)); else echo "only $n dt_ functions exported"; fail=$((fail+1)); fi
# the engine must never link readline (GPL) nor print
if nm -D "$lib" | grep -qE ' U (readline|printf|puts|fprintf|perror|exit|abort)$'; then
    echo "libdtree references readline/printing/exit:"; nm -D "$lib" | grep -E ' U (readline|printf|puts|fprintf|perror|exit|abort)$'
    fail=$((fail+1))
else pass=$((pass+1)); fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
