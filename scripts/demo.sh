#!/usr/bin/env bash
# The README's main-job command: system packages, a release build, then `gait demo`
# (workspace, demo prompts, model, crawl candidates, review console).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release --product gait
.build/release/gait model fetch
exec .build/release/gait demo "$@"
