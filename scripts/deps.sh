#!/bin/sh
# Install the Debian packages dtree needs to build and test, but only those missing, so that
# `make check` and `make demo` work on a fresh Debian 12 machine and cost nothing afterwards.
set -eu
PKGS="build-essential pkg-config libxml2-dev libxml2-utils libreadline-dev libcmocka-dev
libsqlite3-dev sqlite3 postgresql libpq-dev libjansson-dev libpcre2-dev libmicrohttpd-dev libsodium-dev python3 python3-yaml tmux openssl
valgrind clang bc
clang-tidy cppcheck clang-format lcov
nginx wrk curl chromium"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
# The browser tests (tests/e2e/web.sh) run node and npm.  Any node 18 or later will do: Debian's
# nodejs and npm are installed only when no node is there at all (another node, such as a
# nodesource one that brings its own npm, is left alone).
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
[ -z "$missing" ] && exit 0
echo "deps: installing missing Debian packages:$missing"
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || echo "deps: apt-get update failed; trying the install anyway" >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
