#!/usr/bin/env bash
# Cross-language interoperability checks: the C (msgpack-c) and Python (msgpack) implementations in
# Interop/ against the fixtures, against each other, against the Swift CLI, and against stock
# MessagePack writers and readers; their schema validators against `xpcwire schema check` on
# Fixtures/schema. See Interop/README.md.
#
#   bash Interop/run.sh "$(swift build --show-bin-path)/xpcwire"
#
# Environment: INTEROP_COUNT (random messages, default 10000), INTEROP_SEED (default 20251125),
# INTEROP_MUTATIONS (mutated inputs for the C/Python differential check, default 600),
# INTEROP_ASAN=1 (use the AddressSanitizer build of the C tool).
# Installs libmsgpack-dev, pkg-config and the msgpack Python package when they are missing.
# Ends with "interop: N passed, M failed"; exits non-zero when M > 0.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $# -ne 1 ]]; then
    echo "usage: bash Interop/run.sh PATH_TO_SWIFT_XPCWIRE" >&2
    exit 2
fi
swift_cli=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
count=${INTEROP_COUNT:-10000}
seed=${INTEROP_SEED:-20251125}
mutations=${INTEROP_MUTATIONS:-600}
started=$SECONDS

echo "== dependencies"
if ! pkg-config --exists msgpack 2>/dev/null; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y libmsgpack-dev pkg-config
fi
python3 -c 'import msgpack' 2>/dev/null || python3 -m pip install msgpack
# The interpreter itself, not a version manager's shim: it starts several times faster.
python=$(python3 -c 'import sys; print(sys.executable)')

echo "== build"
make -C Interop/c >/dev/null
c_tool=Interop/c/xpcwire-c
if [[ ${INTEROP_ASAN:-0} == 1 ]]; then
    make -C Interop/c asan >/dev/null
    c_tool=Interop/c/asan/xpcwire-c
fi
python_tool=Interop/python/xpcwire.py

passed=0
failed=0
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

check() { # check NAME COMMAND...: one check, passed when COMMAND succeeds
    local name=$1
    shift
    if "$@" >"$scratch/check.log" 2>&1; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL: $name"
        sed 's/^/    /' "$scratch/check.log" | head -20
    fi
}

group() { # group NAME ARGUMENTS...: a group of checks.py, counted from its checks-result line
    local name=$1 group_started=$SECONDS
    shift
    echo "== $name"
    "$python" Interop/checks.py "$@" --c "$c_tool" --python "$python_tool" --swift "$swift_cli" \
        >"$scratch/group.log" 2>&1 || true
    grep -v '^checks-result ' "$scratch/group.log" || true
    local result
    result=$(sed -n 's/^checks-result \([0-9]*\) \([0-9]*\)$/\1 \2/p' "$scratch/group.log")
    if [[ -z $result ]]; then
        failed=$((failed + 1))
        echo "FAIL: checks.py $1 did not finish"
    else
        passed=$((passed + ${result% *}))
        failed=$((failed + ${result#* }))
    fi
    echo "   ($((SECONDS - group_started)) s)"
}

section_report() { # section_report PASSED_BEFORE FAILED_BEFORE LABEL
    echo "  $3: $((passed - $1)) passed, $((failed - $2)) failed"
}

three_way() { # three_way NAME SWIFT_RANDOM_OPTIONS...
    local name=$1 a=$scratch/$1-a.bin b=$scratch/$1-b.bin c=$scratch/$1-c.bin
    local passed_before=$passed failed_before=$failed
    shift
    check "Swift random $*" "$swift_cli" random "$@" -o "$a"
    check "C roundtrip $name-a.bin $name-b.bin" "$c_tool" roundtrip "$a" "$b"
    check "Python roundtrip $name-b.bin $name-c.bin" "$python" "$python_tool" roundtrip "$b" "$c"
    check "cmp $name-a.bin $name-b.bin: C changed canonical bytes" cmp "$a" "$b"
    check "cmp $name-a.bin $name-c.bin" cmp "$a" "$c"
    check "Swift validate --stream --canonical $name-c.bin" "$swift_cli" validate --stream --canonical "$c"
    section_report "$passed_before" "$failed_before" "xpcwire random $*"
}

group "fixtures: C and Python against Fixtures/" fixtures
group "streams of concatenated envelopes" streams
group "stock MessagePack writers and readers" stock --stock-pack Interop/c/stock-pack
group "JSON descriptions: the rules of SPEC §8.3" descriptions
group "mutated inputs: C and Python agree on every error" mutations --count "$mutations" --seed "$seed"
group "schemas (SPEC §9.4): Swift, C and Python report the same violations" schemas
group "xpcwire schema check/diff, schema-check: exit statuses and output" schema-cli

echo "== three-way random round trip: Swift random -> C -> Python, $count messages, seed $seed"
three_way random --seed "$seed" --count "$count"
# Deeper than msgpack-c's unpacker nests (32), so the C reader's hand-off is exercised too.
three_way deep --seed "$seed" --count 300 --max-depth 64

echo "== random messages written by Python -> C -> Swift"
p=$scratch/python-a.bin q=$scratch/python-b.bin
passed_before=$passed failed_before=$failed
check "checks.py random-stream" "$python" Interop/checks.py random-stream --seed "$seed" --count 2000 -o "$p"
check "C roundtrip python-a.bin python-b.bin" "$c_tool" roundtrip "$p" "$q"
check "cmp python-a.bin python-b.bin" cmp "$p" "$q"
check "Swift validate --stream --canonical python-a.bin" "$swift_cli" validate --stream --canonical "$p"
section_report "$passed_before" "$failed_before" "checks.py random-stream --count 2000"

echo "== done in $((SECONDS - started)) s"
echo "interop: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
