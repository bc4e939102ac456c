#!/usr/bin/env bash
# setup.sh -- installs playwright-core into tests/browser/node_modules from the
# committed package.json + package-lock.json. No browser is downloaded
# (playwright-core has no install hook); the test drives Debian's
# /usr/bin/chromium (apt-get install -y chromium, or scripts/install-deps.sh --all).
set -euo pipefail
cd "$(dirname "$0")"
command -v npm >/dev/null || { echo "setup.sh: npm is missing (apt-get install -y npm)" >&2; exit 1; }
if [ -f node_modules/playwright-core/package.json ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
    exit 0   # up to date
fi
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
npm install --no-audit --no-fund
