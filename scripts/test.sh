#!/usr/bin/env bash
# The README's test command: system packages, the embedded model, then every test suite
# (the real-model, concurrency, crash and terminal tests included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --product gait
.build/debug/gait model fetch
swift test
