#!/usr/bin/env bash
# Installs the Debian packages unspin needs to build, test and benchmark.
# Run as root (or with sudo). Safe to run again: it installs only what is missing.
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --all    also the browser, load and reference-pipeline tools
set -euo pipefail
# (libjansson-dev: only the fuzz targets, as a second JSON parser to check against)
core=(build-essential pkg-config clang libclang-rt-14-dev
      libutf8proc-dev libjansson-dev libyajl-dev libmicrohttpd-dev libxxhash-dev libcmocka-dev)
extra=(chromium wrk parallel curl time python3-sklearn python3-distributed python3-cffi python3-jsonschema)
want=("${core[@]}")
[ "${1:-}" = "--all" ] && want+=("${extra[@]}")
# Node.js may come from NodeSource (with npm bundled); only ask Debian when it is absent.
if [ "${1:-}" = "--all" ] && ! command -v npm >/dev/null 2>&1; then want+=(nodejs npm); fi
missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#want[@]} packages present"
    exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
