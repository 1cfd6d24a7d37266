#!/usr/bin/env bash
# Runs every XPCWire check: the Swift unit, fixture and property tests, then the CLI over the
# golden fixtures, then each fuzz target for a minute. Installs what it needs when it is missing.
# This is the README's test command and the whole of CI (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== dependencies"
# msgpack-c for the C interop tool and the differential fuzzer; Python's msgpack for the Python
# interop module (python3 here may be a pyenv interpreter that Debian's python3-msgpack cannot reach).
if ! { command -v pkg-config >/dev/null && pkg-config --exists msgpack; }; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y libmsgpack-dev pkg-config
fi
python3 -c 'import msgpack' 2>/dev/null || python3 -m pip install msgpack

echo "== swift build"
swift build --build-tests

echo "== swift test"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
swift test --skip-build 2>&1 | tee "$scratch/swift-test.log"
# The Swift Testing summary: "Test run with N tests in M suites passed …".
swift_tests=$(sed -n 's/.*Test run with \([0-9]*\) tests\{0,1\} .* passed.*/\1/p' "$scratch/swift-test.log" | tail -n 1)
[[ -n $swift_tests ]] || { echo "FAIL: no Swift Testing summary in the swift test output" >&2; exit 1; }

echo "== CLI over the fixtures"
xpcwire=$(swift build --show-bin-path)/xpcwire
for bin in Fixtures/v1/*.bin; do
    "$xpcwire" validate --canonical "$bin" >/dev/null
    "$xpcwire" dump "$bin" >/dev/null
    # JSON description out and back in gives the same bytes.
    "$xpcwire" json "$bin" >"$scratch/description.json"
    "$xpcwire" encode "$scratch/description.json" -o "$scratch/again.bin"
    cmp -s "$bin" "$scratch/again.bin" || { echo "FAIL: json/encode round trip changed $bin" >&2; exit 1; }
done
for bin in Fixtures/noncanonical/*.bin; do
    "$xpcwire" validate "$bin" >/dev/null
    if "$xpcwire" validate --canonical "$bin" >/dev/null 2>&1; then
        echo "FAIL: xpcwire validate --canonical accepted $bin" >&2
        exit 1
    fi
done
for bin in Fixtures/invalid/*.bin; do
    if "$xpcwire" validate "$bin" >/dev/null 2>&1; then
        echo "FAIL: xpcwire validate accepted $bin" >&2
        exit 1
    fi
done
"$xpcwire" demo >/dev/null
"$xpcwire" validate - <Fixtures/v1/every-variant.bin >/dev/null
# 200,000 nested arrays (raised --max-depth): printed on one line, refused indented (exit 1), never a crash.
python3 -c 'import struct, sys; body = b"\x91" * 200000 + b"\xc0"; sys.stdout.buffer.write(b"XPCW\x01\x00\x00\x00\x00\x00" + struct.pack(">I", len(body)) + body)' >"$scratch/deep.bin"
"$xpcwire" json --compact --max-depth 200000 "$scratch/deep.bin" >"$scratch/deep.json"
grep -q '{"null":null}' "$scratch/deep.json"
for command in dump json; do
    status=0
    "$xpcwire" "$command" --max-depth 200000 "$scratch/deep.bin" >/dev/null 2>"$scratch/deep.err" || status=$?
    if [ "$status" -ne 1 ] || ! grep -q "nested 200000 levels deep" "$scratch/deep.err"; then
        echo "FAIL: xpcwire $command on 200,000 nested arrays: exit $status, $(cat "$scratch/deep.err")" >&2
        exit 1
    fi
done
echo "CLI checks passed: $(ls Fixtures/v1/*.bin | wc -l) valid, $(ls Fixtures/invalid/*.bin | wc -l) invalid, $(ls Fixtures/noncanonical/*.bin | wc -l) non-canonical fixtures"

echo "== cross-language interop (C on msgpack-c, Python on msgpack)"
bash Interop/run.sh "$xpcwire" | tee "$scratch/interop.log"
interop_checks=$(sed -n 's/^interop: \([0-9]*\) passed, 0 failed$/\1/p' "$scratch/interop.log" | tail -n 1)
[[ -n $interop_checks ]] || { echo "FAIL: no interop summary" >&2; exit 1; }

echo "== fuzzing: each libFuzzer target for 60 seconds (Fuzz/run.sh)"
# libFuzzer comes with the swift.org toolchain (lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a), so
# nothing is installed for it; FuzzDifferential needs msgpack-c, installed above. A crash, leak,
# timeout or out-of-memory fails the run; the log shows the input (hex and Base64).
# Counted on lines of their own: set -e would not stop on a failure inside `run.sh … && …`.
fuzz_targets=0
bash Fuzz/run.sh FuzzDecode 60
fuzz_targets=$((fuzz_targets + 1))
bash Fuzz/run.sh FuzzDifferential 60
fuzz_targets=$((fuzz_targets + 1))
bash Fuzz/run.sh FuzzCodable 60
fuzz_targets=$((fuzz_targets + 1))

cli_checks=$(( $(ls Fixtures/v1/*.bin Fixtures/invalid/*.bin Fixtures/noncanonical/*.bin | wc -l) + 5 ))
echo "swift tests: $swift_tests, CLI fixture checks: $cli_checks, interop checks: $interop_checks, fuzz targets: $fuzz_targets"
echo "total: $((swift_tests + cli_checks + interop_checks + fuzz_targets)) passed, 0 failed"
