#!/usr/bin/env bash
# Runs every XPCWire check: the Swift unit, fixture and property tests, then the CLI over the
# golden fixtures. Installs what it needs when it is missing. This is the README's test command
# and the whole of CI (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== swift build"
swift build --build-tests

echo "== swift test"
swift test --skip-build

echo "== CLI over the fixtures"
xpcwire=$(swift build --show-bin-path)/xpcwire
for bin in Fixtures/v1/*.bin; do
    "$xpcwire" validate --canonical "$bin" >/dev/null
done
for bin in Fixtures/invalid/*.bin; do
    if "$xpcwire" validate "$bin" >/dev/null 2>&1; then
        echo "FAIL: xpcwire validate accepted $bin" >&2
        exit 1
    fi
done
"$xpcwire" demo >/dev/null
echo "CLI checks passed"
