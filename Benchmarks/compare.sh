#!/usr/bin/env bash
# Runs every benchmark (release builds) and writes Benchmarks/BENCHMARKS.md (issue 6).
#
#   ./compare.sh                   check, benchmark, report (about 3 minutes once built)
#   ./compare.sh --save-baseline   the same, then keep this run as the "before" column
#   ./compare.sh --filter 'rpc/.*' only some benchmarks (the report then lacks the others)
#
# Not run by CI: it takes minutes and its numbers depend on the machine.
# Needs msgpack-c and pkg-config (Debian: libmsgpack-dev pkg-config); installs them when run as
# root on a Debian-like system, otherwise says what to install.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

save_baseline=0
filter=()
while [ $# -gt 0 ]; do
    case "$1" in
        --save-baseline) save_baseline=1 ;;
        --filter) filter=(--filter "$2"); shift ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) echo "unknown option: $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done

if ! pkg-config --exists msgpack 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "== installing msgpack-c (libmsgpack-dev) and pkg-config"
        apt-get update -qq && apt-get install -y -qq libmsgpack-dev pkg-config >/dev/null
    else
        echo "msgpack-c is missing: install libmsgpack-dev and pkg-config (Debian), or msgpack-c with its msgpack.pc" >&2
        exit 1
    fi
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== building (release)"
swift build -c release --product BenchmarkReport
swift build -c release --product TransportProfile
bin="$(swift build -c release --show-bin-path)"

echo "== checking every contestant on every corpus, counting allocations"
LD_PRELOAD="$bin/libMallocInterposerSwift.so" "$bin/BenchmarkReport" check "$work/check.tsv"

echo "== benchmarking"
swift package --allow-writing-to-directory "$work" benchmark \
    --no-progress --format jmh --path "$work" ${filter[@]+"${filter[@]}"}
jmh="$(ls "$work"/*.jmh.json | head -n 1)"

echo "== transport against raw, in interleaved blocks"
"$bin/TransportProfile" paired "$work/paired.tsv"

commit="$(git -C .. rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git -C .. status --porcelain -- Sources 2>/dev/null)" ]; then commit="$commit + uncommitted changes in Sources/"; fi
{
    echo "- Run: $(date -u '+%Y-%m-%d %H:%M UTC'), XPCWire at $commit"
    echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || sysctl -n machdep.cpu.brand_string 2>/dev/null || echo unknown), \`nproc\` = $(nproc 2>/dev/null || sysctl -n hw.ncpu)"
    echo "- Memory: $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null || echo unknown); kernel $(uname -sr)"
    echo "- \`swift --version\`: $(swift --version 2>&1 | grep -m1 -i 'swift version' | sed 's/^ *//')"
} > "$work/machine.md"

baseline=()
if [ -f Results/baseline.tsv ]; then baseline=(--baseline Results/baseline.tsv); fi
notes=()
if [ -f Results/optimisation-log.md ]; then notes=(--notes Results/optimisation-log.md); fi

echo "== writing BENCHMARKS.md"
"$bin/BenchmarkReport" report --check "$work/check.tsv" --jmh "$jmh" --paired "$work/paired.tsv" --machine "$work/machine.md" \
    --out BENCHMARKS.md --results Results/latest.tsv --label "XPCWire at $commit" \
    ${baseline[@]+"${baseline[@]}"} ${notes[@]+"${notes[@]}"}

if [ "$save_baseline" = 1 ]; then
    cp Results/latest.tsv Results/baseline.tsv
    echo "== saved this run as Results/baseline.tsv (the \"before\" column)"
fi
