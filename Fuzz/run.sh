#!/usr/bin/env bash
# Builds one libFuzzer target and runs it for SECONDS with its seed corpus and dictionary.
#
#     bash Fuzz/run.sh FuzzDecode 600
#     bash Fuzz/run.sh FuzzDifferential 60
#     bash Fuzz/run.sh FuzzCodable 120
#
# Needs a swift.org toolchain (it ships libFuzzer: lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a) and,
# for FuzzDifferential, msgpack-c (Debian: libmsgpack-dev, found through pkg-config).
#
# The seed corpus is made fresh from Fixtures/ each run (envelopes for FuzzDecode, their bodies for
# FuzzDifferential; for FuzzCodable the valid and the typed envelopes, v1/ and codable/, and the
# committed typed seeds in Seeds/FuzzCodable/) plus every saved fail case; what libFuzzer learns
# accumulates in Fuzz/out/TARGET (not committed). Exits non-zero on any crash, leak, timeout or
# out-of-memory, after copying the input into Fuzz/FailCases/TARGET/, from where `swift test`
# replays it forever (Tests/XPCWireTests/FailCaseReplayTests.swift).
set -euo pipefail

usage() {
    echo "usage: $0 FuzzDecode|FuzzDifferential|FuzzCodable SECONDS" >&2
    exit 2
}
[ $# -eq 2 ] || usage
target=$1
seconds=$2
case "$target" in FuzzDecode | FuzzDifferential | FuzzCodable) ;; *) usage ;; esac
[[ "$seconds" =~ ^[0-9]+$ ]] || usage

fuzz_dir=$(cd "$(dirname "$0")" && pwd)
cd "$fuzz_dir"
fixtures="$fuzz_dir/../Fixtures"
max_len=4096

# The fuzzer runtime comes with the toolchain; say so plainly when it does not.
toolchain_bin=$(dirname "$(readlink -f "$(command -v swiftc)")")
if ! compgen -G "$toolchain_bin/../lib/clang/*/lib/*/libclang_rt.fuzzer*.a" >/dev/null \
    && ! compgen -G "$toolchain_bin/../lib/swift/clang/lib/*/libclang_rt.fuzzer*.a" >/dev/null; then
    echo "error: this Swift toolchain has no libFuzzer runtime (libclang_rt.fuzzer); use a swift.org toolchain" >&2
    exit 1
fi
if [ "$target" = FuzzDifferential ] && ! pkg-config --exists msgpack 2>/dev/null; then
    echo "error: msgpack-c not found by pkg-config; install it: apt-get install -y libmsgpack-dev pkg-config" >&2
    exit 1
fi

build_flags=(-c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)
out="$fuzz_dir/out/$target"
mkdir -p "$out"
echo "== building $target (release, -sanitize=fuzzer,address)"
if ! swift build "${build_flags[@]}" --product "$target" >"$out/build.log" 2>&1; then
    # ld.gold warns once per ASan helper symbol; those lines are noise.
    grep -v "Cannot export local symbol" "$out/build.log" >&2 || true
    exit 1
fi
grep -v "Cannot export local symbol" "$out/build.log" | tail -n 3 || true
binary="$(swift build "${build_flags[@]}" --show-bin-path)/$target"

# Seeds: the fixtures as this target reads them, and every input that ever failed.
seeds="$out/seeds"
corpus="$out/corpus"
artifacts="$out/artifacts"
rm -rf "$seeds" "$artifacts"
mkdir -p "$seeds" "$corpus" "$artifacts"
if [ "$target" = FuzzCodable ]; then
    # Whole envelopes: the valid ones, the typed ones, and valid encodings of the target's own
    # shapes (Seeds/FuzzCodable/, written by the target itself; see Fuzz/README.md).
    seed_files=("$fixtures"/v1/*.bin "$fixtures"/codable/*.bin Seeds/FuzzCodable/*.bin)
else
    seed_files=("$fixtures"/v1/*.bin "$fixtures"/invalid/*.bin "$fixtures"/noncanonical/*.bin)
fi
for bin in "${seed_files[@]}"; do
    [ -f "$bin" ] || continue
    name="$(basename "$(dirname "$bin")")-$(basename "$bin" .bin)"
    size=$(wc -c <"$bin")
    if [ "$target" != FuzzDifferential ]; then
        if [ "$size" -le "$max_len" ]; then cp "$bin" "$seeds/$name"; fi
    else
        # The body starts after the 14-byte header and the slot table (slot count at offset 8).
        if [ "$size" -lt 14 ]; then continue; fi
        slot_count=$(od -An -tu1 -j8 -N2 "$bin" | awk '{ print $1 * 256 + $2 }')
        body_start=$((14 + slot_count))
        if [ "$size" -gt "$body_start" ] && [ $((size - body_start)) -le "$max_len" ]; then
            tail -c +$((body_start + 1)) "$bin" >"$seeds/$name"
        fi
    fi
done
for saved in FailCases/*/*; do
    if [ -f "$saved" ]; then cp "$saved" "$seeds/failcase-$(basename "$(dirname "$saved")")-$(basename "$saved")"; fi
done
echo "== $target: $(ls "$seeds" | wc -l) seeds, $(ls "$corpus" | wc -l) inputs kept from earlier runs, ${seconds}s"

# The Swift runtime's own crash backtracer would run (and can hang) before libFuzzer's handler;
# libFuzzer and AddressSanitizer print the stack themselves.
export SWIFT_BACKTRACE=enable=no
set +e
"$binary" \
    -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
    -dict="$fuzz_dir/$target.dict" -artifact_prefix="$artifacts/" -print_final_stats=1 \
    "$corpus" "$seeds" >"$out/fuzz.log" 2>&1
status=$?
set -e
# Progress lines (one per new input) stay in the log; everything else is shown.
grep -v -E '^#[0-9]+[[:space:]]+(NEW|REDUCE)[[:space:]]' "$out/fuzz.log" | grep -v -E '^"|# Uses: ' || true

failed=0
for artifact in "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-*; do
    [ -f "$artifact" ] || continue
    # A saved fail case that still fails (it is a seed) is reported, not saved a second time.
    known=""
    for saved in FailCases/*/*; do
        if [ -f "$saved" ] && cmp -s "$artifact" "$saved"; then known=$saved; fi
    done
    if [ -n "$known" ]; then
        echo "still failing: Fuzz/$known"
        failed=1
        continue
    fi
    mkdir -p "FailCases/$target"
    cp "$artifact" "FailCases/$target/"
    echo "saved Fuzz/FailCases/$target/$(basename "$artifact")"
    failed=1
done
done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$out/fuzz.log" | tail -n 1 || true)
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz.log")
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out/fuzz.log")
echo "== $target: exit status $status; ${runs:-?} executions, ${rate:-?}/s; ${done_line:-no DONE line}"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then
    echo "FAIL: $target found a crash, leak, timeout or out-of-memory (log: Fuzz/out/$target/fuzz.log)" >&2
    exit 1
fi
