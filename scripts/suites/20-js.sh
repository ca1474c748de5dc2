#!/usr/bin/env bash
# The JavaScript host (hosts/js, the @dexp/runtime npm package): installs Debian's chromium when
# it is missing and the npm packages from the committed lockfile, builds dexpc and the package,
# then runs the Node tests (conformance corpus, golden corpus, contract examples and edge cases
# byte for byte against dexpc eval, hostile modules, the object API, generated TypeScript types
# with tsc, the README's Node example) and the same conformance check in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
cargo build -q -p dexp-compiler --bin dexpc

cd hosts/js
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
node --test --test-concurrency=1 test/*.test.mjs
