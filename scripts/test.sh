#!/usr/bin/env bash
# The README's test command: system packages, the embedded model, then every test suite
# (the real-model, concurrency, crash and terminal tests included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --product gait
.build/debug/gait model fetch
# One suite at a time: many tests wait on subprocesses or sockets, and on a 2-core machine
# Swift's cooperative thread pool has two threads, which parallel suites would starve.
swift test --no-parallel
