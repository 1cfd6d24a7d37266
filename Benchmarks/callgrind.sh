#!/usr/bin/env bash
# Instructions per operation under callgrind: a measure that does not depend on machine load.
#
#   ./callgrind.sh 'rpc/XPCMessage\..*' [COUNT]     operations whose name matches, COUNT runs each
#   ./callgrind.sh --transport [small|blob] [COUNT]  one round trip through XPCConnection and
#                                                    XPCServer (TransportProfile), both sides and
#                                                    every library, without set-up: the difference
#                                                    of 2×COUNT and COUNT round trips, ÷ COUNT
#
# Needs valgrind. Runs a debug-stripped copy of the release binary (valgrind 3.19 cannot read the
# toolchain's DWARF 5). The transport's count varies by about 1 % between runs: how the two
# threads interleave decides how many passes the loops make.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
bin="$(swift build -c release --show-bin-path)"

# Builds `product` (release) and copies it, with the libraries beside it, into $work, debug-stripped.
prepare() {
    swift build -c release --product "$1" >/dev/null
    cp "$bin/$1" "$work/"
    cp "$bin"/*.so "$work/" 2>/dev/null || true
    strip --strip-debug "$work"/* 2>/dev/null || true
}

if [ "${1:-}" = "--transport" ]; then
    shape="${2:-small}"
    count="${3:-400}"
    prepare TransportProfile
    collected() {
        valgrind --tool=callgrind --callgrind-out-file="$work/out" "$work/TransportProfile" "$shape" "$1" 2>&1 \
            | sed -n 's/.*Collected : //p'
    }
    once="$(collected "$count")"
    twice="$(collected $((2 * count)))"
    printf 'transport %-6s %12d instructions/round trip\n' "$shape" $(((twice - once) / count))
    exit 0
fi
pattern="${1:-.*}"
count="${2:-100}"
prepare BenchmarkReport
names="$("$work/BenchmarkReport" run "$pattern" 0 | sed 's/: ran.*//')"
for name in $names; do
    escaped="$(printf '%s' "$name" | sed 's/[.[\*^$()+?{|]/\\&/g')"
    total="$(valgrind --tool=callgrind --callgrind-out-file="$work/out" --toggle-collect='*measured*' \
        "$work/BenchmarkReport" run "$escaped" "$count" 2>&1 | sed -n 's/.*Collected : //p')"
    printf '%-32s %12d instructions/op\n' "$name" $((total / count))
done
