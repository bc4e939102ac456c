#!/usr/bin/env bash
# First command of the README: install what is missing (Debian 12, as root or
# via sudo), build unspin, and analyse the bundled example article with the
# shipped default model.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --all
make -j"$(nproc 2>/dev/null || echo 2)" all
echo
echo "=== build/unspin analyze examples/oped-bridge.txt"
./build/unspin analyze --lang en examples/oped-bridge.txt
