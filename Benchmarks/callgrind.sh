#!/usr/bin/env bash
# Instructions per operation under callgrind: a measure that does not depend on machine load.
#
#   ./callgrind.sh 'rpc/XPCMessage\..*' [COUNT]     operations whose name matches, COUNT runs each
#
# Needs valgrind. Runs a debug-stripped copy of the release BenchmarkReport (valgrind 3.19 cannot
# read the toolchain's DWARF 5).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
pattern="${1:-.*}"
count="${2:-100}"
swift build -c release --product BenchmarkReport >/dev/null
bin="$(swift build -c release --show-bin-path)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$bin/BenchmarkReport" "$bin"/*.so "$work/"
strip --strip-debug "$work"/* 2>/dev/null || true
names="$("$work/BenchmarkReport" run "$pattern" 0 | sed 's/: ran.*//')"
for name in $names; do
    escaped="$(printf '%s' "$name" | sed 's/[.[\*^$()+?{|]/\\&/g')"
    total="$(valgrind --tool=callgrind --callgrind-out-file="$work/out" --toggle-collect='*measured*' \
        "$work/BenchmarkReport" run "$escaped" "$count" 2>&1 | sed -n 's/.*Collected : //p')"
    printf '%-32s %12d instructions/op\n' "$name" $((total / count))
done
