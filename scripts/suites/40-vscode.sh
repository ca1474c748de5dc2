#!/usr/bin/env bash
# The VS Code extension (editors/vscode): installs its npm packages from the committed
# lockfile, compiles the client with tsc, and runs the TextMate grammar's snapshot tests over
# the repository's policies (vscode-tmgrammar-test). About 30 s with a warm npm cache.
set -euo pipefail
cd "$(dirname "$0")/../../editors/vscode"
npm ci --no-audit --no-fund --loglevel=error
npx tsc -p .
npm test
