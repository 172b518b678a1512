# web.sh — the web pages of `dtree serve` (web/, cli/srv_static.c).  First, over plain HTTP
# (curl) in every variant: pages and modules with the right type, security and caching headers,
# 304 on a matching ETag, and no way out of the web directory (traversal, dot files, symlinks,
# directories, unknown types, other methods).  Then the browser tests tests/web/*.mjs in Debian's
# chromium (playwright-core and axe-core from package-lock.json, installed here with `npm ci`),
# each ending with "N passed, M failed".  The browser part runs in the plain `make check` only:
# under valgrind, the sanitizers or coverage it prints "browser tests skipped" (CI budget: the
# browser adds nothing those variants would find in C).  Closing line "N passed, N failed".
. "$(dirname "$0")/../lib/e2e.sh"
need curl
root=$PWD

. "$(dirname "$0")/../lib/serve.sh"
SERVE_TREES="$tmp/trees"
start() { # $1 = log name, then serve options; sets $pid, $port and $log, or ends the suite
    serve_start "$@" && return
    bad "server did not start: $(cat "$log")"; e2e_done; exit 1
}
stop() { serve_stop 2>/dev/null; }
# status, content type, cache-control of a GET (curl keeps the path as written: --path-as-is)
head_of() { rm -f "$tmp/body"; curl -s --path-as-is -o "$tmp/body" -D "$tmp/hdr" "$@" "http://127.0.0.1:$port$u"; }
hdr() { sed -n "s/^$1: *\\([^\r]*\\).*/\\1/Ip" "$tmp/hdr" | head -n 1; }
status() { sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' "$tmp/hdr"; }
expect() { # $1 = path, $2 = status, $3 = content type start ("" = any)
    u=$1; head_of
    case "$(status) $(hdr Content-Type)" in
    "$2 $3"*) ok ;;
    *) bad "GET $1: $(status) $(hdr Content-Type), expected $2 $3" ;;
    esac
}

# The trees the pages are tested with: the bundled ones and the hostile one.
mkdir -p "$tmp/trees"
cp trees/*.xml "$tmp/trees/"
cp tests/web/trees/*.xml "$tmp/trees/"

# A copy of web/ with traps in it: a symlink out, a dot file, a file of an unknown type.
cp -r web "$tmp/web"
ln -s /etc/passwd "$tmp/web/common/passwd.txt"
ln -s /etc "$tmp/web/etc"
echo secret >"$tmp/web/common/.hidden.js"
echo secret >"$tmp/web/common/notes.md"

start static --web "$tmp/web"
expect /kiosk/printer 200 "text/html; charset=utf-8"
if [ "$(hdr Cache-Control)" = no-store ] &&
    hdr Content-Security-Policy | grep -q "default-src 'self'" &&
    ! hdr Content-Security-Policy | grep -q "unsafe-inline" &&
    [ "$(hdr X-Content-Type-Options)" = nosniff ]; then ok
else bad "the kiosk page's headers: $(cat "$tmp/hdr")"; fi
if grep -q '<script type="module" src="/web/kiosk/main.js">' "$tmp/body" && ! grep -q '<script>' "$tmp/body" &&
    ! grep -q ' style=' "$tmp/body" && ! grep -q '<style' "$tmp/body"; then ok
else bad "the kiosk page has inline script or style"; fi
expect /web/kiosk/main.js 200 "text/javascript; charset=utf-8"
etag=$(hdr ETag)
if [ "$(hdr Cache-Control)" = no-cache ] && [ -n "$etag" ]; then ok
else bad "a module's caching headers: $(cat "$tmp/hdr")"; fi
u=/web/kiosk/main.js; head_of -H "If-None-Match: $etag"
if [ "$(status)" = 304 ] && [ ! -s "$tmp/body" ]; then ok; else bad "If-None-Match: $(status), not 304"; fi
expect /web/common/base.css 200 "text/css; charset=utf-8"
expect /kiosk/front-door 200 "text/html"
expect /v1/kiosk/printer 200 "application/json"
grep -q '"title":"Office printer not printing"' "$tmp/body" && grep -q '"lang":"en"' "$tmp/body" && ok ||
    bad "GET /v1/kiosk/printer: $(cat "$tmp/body")"
# A kiosk view carries no step title (internal, docs/format-spec.md): printer's first is "Who is affected".
got=$(curl -s -X POST -H 'Content-Type: application/json' "http://127.0.0.1:$port/v1/kiosk/printer/sessions")
case $got in *'"title"'*|*'Who is affected'*) bad "a kiosk view has a step title: $got" ;; *'"say":['*) ok ;; *) bad "kiosk start: $got" ;; esac
expect /v1/kiosk/internet-down-nope 404 "application/problem+json"
expect /v1/kiosk/sales-call 404 "application/problem+json"   # not a kiosk tree: as if absent
# Nothing outside the table: traversal in every spelling, dot files, symlinks, directories,
# unknown types, NUL, ids that are not ids.
for p in /web/../Makefile /web/..%2fMakefile /web/%2e%2e/Makefile /web/common/../../Makefile \
    /web//etc/passwd /web/common/passwd.txt /web/etc/passwd /web/common/.hidden.js \
    /web/common/notes.md /web/common /web/common/ /web/ /web /kiosk/ /kiosk/../Makefile \
    /kiosk/.hidden /kiosk/a/b /web/kiosk/index.html/ \
    /web/./kiosk/main.js /WEB/kiosk/main.js /favicon.ico /index.html /; do
    expect "$p" 404 "application/problem+json"
done
if grep -rq 'secret\|root:' "$tmp/body"; then bad "a trap's content was served"; else ok; fi
u=/web/kiosk/main.js; head_of -X POST -H 'Content-Type: application/json' -d '{}'
if [ "$(status)" = 405 ]; then ok; else bad "POST to a file: $(status), not 405"; fi
got=$(curl -s -I -o /dev/null -w '%{http_code} %{size_download}' "http://127.0.0.1:$port/web/kiosk/main.js")
if [ "$got" = "200 0" ]; then ok; else bad "HEAD: $got, not '200 0'"; fi
if grep -q '"route":"/web/{file}","status":404' "$log" && ! grep -q 'Makefile\|passwd' "$log"; then ok
else bad "the log names a requested path, or has no line for a refused one"; fi
stop

# No web directory at all: the API still answers, the pages say they were not installed; a
# --web that cannot be read stops the server (exit 4).
start noweb --web "$tmp/trees"
expect /kiosk/printer 404 "application/problem+json"
expect /healthz 200 "application/json"
stop
if run serve --listen 127.0.0.1:0 --db "$tmp/s.db" --trees "$tmp/trees" --web "$tmp/nowhere" 2>"$tmp/err"; then
    bad "--web with a missing directory started"
else
    [ $? -eq 4 ] && grep -q "cannot read the web pages in $tmp/nowhere" "$tmp/err" && ok || bad "--web missing: $(cat "$tmp/err")"
fi

# make install puts the pages in share/dtree/web, where the installed server finds them itself.
make --no-print-directory -s B="$B" DESTDIR="$tmp/root" PREFIX=/usr install >"$tmp/inst" 2>&1 || bad "make install: $(tail -n 5 "$tmp/inst")"
if [ -f "$tmp/root/usr/share/dtree/web/kiosk/index.html" ] && [ -f "$tmp/root/usr/share/dtree/web/common/api.js" ]; then ok
else bad "make install did not install web/"; fi
SERVE_BIN="$tmp/root/usr/bin/dtree"
start installed
expect /kiosk/printer 200 "text/html"
expect /web/common/dom.js 200 "text/javascript"
stop
SERVE_BIN=$DTREE

# ---- the browser tests ----
skip=""
[ "${DT_VALGRIND:-}" != 1 ] || skip=valgrind
case "${SAN_CFLAGS:-}" in *sanitize*) skip="the sanitizers" ;; esac
case " ${CFLAGS:-} ${LDFLAGS:-} " in *" --coverage "*) skip=coverage ;; esac
[ "${DT_WEB:-}" != no ] || skip=DT_WEB=no
if [ -n "$skip" ]; then
    echo "browser tests skipped under $skip (they run in the plain make check)"
    e2e_done; exit
fi
need node
need npm
CHROMIUM=${CHROMIUM:-$(command -v chromium || echo /usr/bin/chromium)}
export CHROMIUM
[ -x "$CHROMIUM" ] || { bad "no chromium (make deps installs it)"; e2e_done; exit; }

# npm ci only when package-lock.json changed since the last install (a stamp in node_modules/).
stamp=node_modules/.dtree-lock
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    if npm ci --no-audit --no-fund --loglevel=error >"$tmp/npm" 2>&1; then echo "$want" >"$stamp"; ok
    else bad "npm ci: $(tail -n 5 "$tmp/npm")"; e2e_done; exit; fi
fi

# One server for every browser test, unwrapped, with the real web/ and an agent token.
WEB_AGENT_TOKEN=$("$DTREE" token add web-tests --role agent --db "$tmp/s.db")
export WEB_AGENT_TOKEN
SERVE_WRAP=""   # the browser is slow enough; the C is tested wrapped above
start browser   # web/ found beside the built program
export WEB_BASE="http://127.0.0.1:$port" WEB_DB="$tmp/s.db" DTREE
export WEB_SHOTS="${WEB_SHOTS:-$root/$B/screenshots}"
for t in tests/web/*.mjs; do
    [ -f "$t" ] || continue
    name=$(basename "$t" .mjs)
    timeout 300 node "$t" >"$tmp/out.$name" 2>&1
    rc=$?
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$tmp/out.$name" | tail -n 1)
    if [ -z "$line" ]; then bad "$name crashed or hung (exit $rc):"; tail -n 20 "$tmp/out.$name"; continue; fi
    pass=$((pass + ${line%% passed*}))
    f=${line##*passed, }; f=${f%% failed}
    fail=$((fail + f))
    if [ "$f" -ne 0 ] || [ "$rc" -ne 0 ]; then cat "$tmp/out.$name"; [ "$rc" -eq 0 ] || [ "$f" -ne 0 ] || bad "$name exit $rc"; fi
    grep '^# ' "$tmp/out.$name" | sed "s/^# /web $name: /"
done
stop
e2e_done
