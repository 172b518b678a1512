# serve_api.sh — the contract as a CRM developer meets it: docs/openapi.yaml linted by Redocly's
# CLI (tests/api/redocly.yaml: the recommended rules), then a client built from the contract the
# server publishes (swagger-client: one function per operationId, tests/api/crm_walk.mjs) walks a
# scenario of every bundled tree end to end against a real server on 127.0.0.1.  The npm packages
# are pinned in tests/api/package-lock.json (npm ci once, when node_modules is missing); nothing
# reaches the network while the suite runs.  Not under valgrind (the server part is serve.sh's):
# checks counted in the plain run only.  Closing line "N passed, N failed".
. "$(dirname "$0")/../lib/e2e.sh"
if [ "${DT_VALGRIND:-}" = 1 ]; then echo "skipped under valgrind"; e2e_done; exit; fi
need node
need npm
api="$(cd "$(dirname "$0")/../api" && pwd)"
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1
. "$(dirname "$0")/../lib/serve.sh"

if [ ! -x "$api/node_modules/.bin/redocly" ]; then
    (cd "$api" && npm ci --no-audit --no-fund --loglevel=error) >"$tmp/npm" 2>&1 || { cat "$tmp/npm"; }
fi
if [ -x "$api/node_modules/.bin/redocly" ]; then ok; else bad "npm ci in tests/api failed"; fi

(cd "$api" && ./node_modules/.bin/redocly lint ../../docs/openapi.yaml --config redocly.yaml) >"$tmp/lint" 2>&1
lrc=$?
if [ "$lrc" -eq 0 ] && grep -q 'Your API description is valid' "$tmp/lint" && ! grep -q 'You have [0-9]* warning' "$tmp/lint"; then ok
else bad "redocly lint docs/openapi.yaml (exit $lrc):"; grep -v '[║╔╚]' "$tmp/lint" | tail -20; fi

SERVE_TOKEN=$(run token add crm --role agent --db "$tmp/s.db"); export SERVE_TOKEN
if serve_start 1; then ok; else bad "server did not start: $(cat "$log")"; fi
node "$api/crm_walk.mjs" "http://127.0.0.1:$port" >"$tmp/c" 2>&1
tally "$tmp/c"
e2e_done
