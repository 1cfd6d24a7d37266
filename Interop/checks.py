#!/usr/bin/env python3
"""The interoperability checks that Interop/run.sh runs (see Interop/README.md).

    checks.py fixtures  --c XPCWIRE_C --python XPCWIRE_PY
    checks.py streams   --c XPCWIRE_C --python XPCWIRE_PY [--swift XPCWIRE]
    checks.py stock     --c XPCWIRE_C --python XPCWIRE_PY --swift XPCWIRE --stock-pack STOCK_PACK
    checks.py descriptions --c XPCWIRE_C --python XPCWIRE_PY
    checks.py mutations --c XPCWIRE_C --python XPCWIRE_PY [--count N] [--seed S]
    checks.py random-stream --seed S --count N -o FILE
    checks.py schemas|schema-cli --c XPCWIRE_C --python XPCWIRE_PY --swift XPCWIRE   (schema_checks.py)
    checks.py schema-expected --swift XPCWIRE   (rewrites Fixtures/schema/expected and diff/*.expected.json)

Each checking command prints a line per failure, a summary per group, and last a line
"checks-result PASSED FAILED" for run.sh. Descriptions are compared structurally (SPEC §8.4),
with true/false never equal to 1/0.
"""

import argparse
import base64
import concurrent.futures
import json
import os
import random
import re
import struct
import subprocess
import sys
import tempfile

import msgpack

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Fixtures")
ERROR_LINE = re.compile(r"error: (\w+)(?:\((\w+)\))? at (\d+)")


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL: {what}", flush=True)
        return ok

    def group(self, name, before):
        passed, failed = self.passed - before[0], self.failed - before[1]
        print(f"  {name}: {passed} passed, {failed} failed", flush=True)

    def mark(self):
        return (self.passed, self.failed)


def same_json(a, b):
    """Structural equality of SPEC §8.4, telling booleans from numbers; iterative, for deep nesting."""
    pending = [(a, b)]
    while pending:
        x, y = pending.pop()
        if type(x) is not type(y):
            return False
        if isinstance(x, dict):
            if x.keys() != y.keys():
                return False
            pending.extend((x[k], y[k]) for k in x)
        elif isinstance(x, list):
            if len(x) != len(y):
                return False
            pending.extend(zip(x, y))
        elif x != y:
            return False
    return True


def run(command, stdin=None):
    return subprocess.run(command, input=stdin, capture_output=True)


def parsed_json(output):
    try:
        return json.loads(output.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None


def first_error(stderr):
    """(kind, detail, offset) from the first line "error: KIND(DETAIL) at OFFSET"."""
    lines = stderr.decode("utf-8", "replace").splitlines()
    match = ERROR_LINE.fullmatch(lines[0]) if lines else None
    return (match[1], match[2], int(match[3])) if match else None


def short(stderr):
    return stderr.decode("utf-8", "replace").strip().replace("\n", " | ")[:300]


def tools(arguments):
    return {"C": [arguments.c], "Python": [sys.executable, arguments.python]}


def parallel(jobs):
    """Runs the zero-argument callables in `jobs` on a few threads; returns their results in order."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=(os.cpu_count() or 2) + 1) as pool:
        return list(pool.map(lambda job: job(), jobs))


def fixture_pairs(folder):
    path = os.path.join(FIXTURES, folder)
    if not os.path.isdir(path):
        return []
    names = sorted(name[:-4] for name in os.listdir(path) if name.endswith(".bin"))
    return [(f"{folder}/{name}", os.path.join(path, name + ".bin"), os.path.join(path, name + ".json")) for name in names]


# ---------------------------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------------------------

def check_fixtures(arguments, tally):
    jobs = []  # each returns a list of (ok, what)
    valid = fixture_pairs("v1") + fixture_pairs("codable")
    for language, tool in tools(arguments).items():
        for name, binary, description in valid:
            def valid_job(tool=tool, language=language, name=name, binary=binary, description=description):
                with open(binary, "rb") as file:
                    expected_bytes = file.read()
                with open(description, "rb") as file:
                    expected = json.loads(file.read().decode("utf-8"))
                described = run(tool + ["json", binary])
                encoded = run(tool + ["encode", description])
                return [
                    (described.returncode == 0 and same_json(parsed_json(described.stdout), expected),
                     f"{language} json {name}: {short(described.stderr) or 'description differs'}"),
                    (encoded.returncode == 0 and encoded.stdout == expected_bytes,
                     f"{language} encode {name}: {short(encoded.stderr) or 'bytes differ'}"),
                ]
            jobs.append((language, "valid", valid_job))
        for name, binary, description in fixture_pairs("invalid"):
            def invalid_job(tool=tool, language=language, name=name, binary=binary, description=description):
                with open(description, "rb") as file:
                    expected = json.load(file)
                result = run(tool + ["json", binary])
                found = first_error(result.stderr)
                ok = result.returncode == 1 and found is not None and \
                    (found[0], found[2]) == (expected["error"], expected["offset"])
                return [(ok, f"{language} {name}: expected {expected['error']} at {expected['offset']}, "
                             f"got exit {result.returncode}: {short(result.stderr)}")]
            jobs.append((language, "invalid", invalid_job))
        for name, binary, description in fixture_pairs("noncanonical"):
            def noncanonical_job(tool=tool, language=language, name=name, binary=binary, description=description):
                with open(description, "rb") as file:
                    expected = json.loads(file.read().decode("utf-8"))
                default = run(tool + ["json", binary])
                strict = run(tool + ["json", "--canonical", binary])
                found = first_error(strict.stderr)
                return [
                    (default.returncode == 0 and same_json(parsed_json(default.stdout), expected["decodesTo"]),
                     f"{language} default mode {name}: {short(default.stderr) or 'description differs'}"),
                    (strict.returncode == 1 and found == ("nonCanonical", expected["reason"], expected["offset"]),
                     f"{language} strict mode {name}: expected nonCanonical({expected['reason']}) at "
                     f"{expected['offset']}, got {short(strict.stderr)}"),
                ]
            jobs.append((language, "noncanonical", noncanonical_job))
    results = parallel([job for _, _, job in jobs])
    groups = {}
    for (language, kind, _), outcomes in zip(jobs, results):
        counts = groups.setdefault(f"{language} {kind}", [0, 0])
        for ok, what in outcomes:
            tally.check(ok, what)
            counts[0 if ok else 1] += 1
    for name, (passed, failed) in groups.items():
        print(f"  fixtures, {name}: {passed} passed, {failed} failed", flush=True)


# ---------------------------------------------------------------------------------------------
# streams
# ---------------------------------------------------------------------------------------------

def concatenated(folders):
    data = b""
    for folder in folders:
        for _, binary, _ in fixture_pairs(folder):
            with open(binary, "rb") as file:
                data += file.read()
    return data


def roundtrip(tool, data, scratch, name, strict=False):
    source, target = os.path.join(scratch, name + ".in"), os.path.join(scratch, name + ".out")
    with open(source, "wb") as file:
        file.write(data)
    if os.path.exists(target):
        os.remove(target)
    result = run(tool + ["roundtrip"] + (["--canonical"] if strict else []) + [source, target])
    output = None
    if result.returncode == 0 and os.path.exists(target):
        with open(target, "rb") as file:
            output = file.read()
    return result, output


def check_streams(arguments, tally):
    mark = tally.mark()
    valid = concatenated(["v1", "codable"])
    noncanonical = concatenated(["noncanonical"])
    with open(os.path.join(FIXTURES, "invalid", "reserved-byte-c1.bin"), "rb") as file:
        broken = valid + file.read()
    with tempfile.TemporaryDirectory() as scratch:
        canonical_outputs = []
        for language, tool in tools(arguments).items():
            result, output = roundtrip(tool, valid, scratch, language + "-valid")
            tally.check(output == valid, f"{language} roundtrip of all valid fixtures, concatenated: "
                                         f"{short(result.stderr) or 'bytes differ'}")
            result, output = roundtrip(tool, noncanonical, scratch, language + "-noncanonical")
            tally.check(output is not None, f"{language} roundtrip of the non-canonical fixtures: {short(result.stderr)}")
            canonical_outputs.append(output)
            if output is not None:
                again, repeated = roundtrip(tool, output, scratch, language + "-renormalized", strict=True)
                tally.check(repeated == output, f"{language} strict roundtrip of its own normalized stream: "
                                                f"{short(again.stderr) or 'bytes differ'}")
            result, _ = roundtrip(tool, broken, scratch, language + "-broken")
            expected = ("reservedByte", None, len(valid) + 14)
            tally.check(result.returncode == 1 and first_error(result.stderr) == expected,
                        f"{language} roundtrip of a stream ending in reserved-byte-c1: expected reservedByte at "
                        f"{len(valid) + 14}, got {short(result.stderr)}")
            result, _ = roundtrip(tool, b"", scratch, language + "-empty")
            tally.check(result.returncode == 0, f"{language} roundtrip of an empty stream: {short(result.stderr)}")
        tally.check(len(canonical_outputs) == 2 and canonical_outputs[0] == canonical_outputs[1],
                    "C and Python normalize the non-canonical fixtures to different bytes")
        if arguments.swift and canonical_outputs[0] is not None:
            # Each normalized envelope on its own is canonical for the Swift reader too.
            offset, index = 0, 0
            data = canonical_outputs[0]
            while offset < len(data):
                slot_count, body_length = struct.unpack_from(">HI", data, offset + 8)
                size = 14 + slot_count + body_length
                path = os.path.join(scratch, f"normalized-{index}.bin")
                with open(path, "wb") as file:
                    file.write(data[offset:offset + size])
                result = run([arguments.swift, "validate", "--canonical", path])
                tally.check(result.returncode == 0, f"Swift validate --canonical of normalized envelope {index}: "
                                                    f"{short(result.stderr)}")
                offset, index = offset + size, index + 1
    tally.group("streams", mark)


# ---------------------------------------------------------------------------------------------
# stock MessagePack libraries
# ---------------------------------------------------------------------------------------------

def envelope_around(body):
    """SPEC §3.1: version 1.0, flags 0, no slots."""
    return b"XPCW\x01\x00\x00\x00\x00\x00" + struct.pack(">I", len(body)) + body


def description_of(body_value):
    return {"version": "1.0", "flags": 0, "slots": [], "body": body_value}


def i64(value):
    return {"int64": str(value)}


def u64(value):
    return {"uint64": str(value)}


def dbl(value):
    return {"double": struct.pack(">d", value).hex()}


def st(text):
    return {"string": text}


def dictionary(*pairs):
    return {"dictionary": [[key, value] for key, value in sorted(pairs, key=lambda p: p[0].encode("utf-8"))]}


# A message in the subset that plain MessagePack readers understand as it is meant: no ext types,
# string keys, int64 and uint64, doubles, strings, data, arrays, dictionaries, bool, null.
SUBSET_DESCRIPTION = description_of(dictionary(
    ("small", i64(5)),
    ("negative", i64(-33)),
    ("int16", i64(300)),
    ("int64 min", i64(-(2**63))),
    ("unsigned", u64(200)),
    ("uint64 max", u64(2**64 - 1)),
    ("ratio", dbl(0.25)),
    ("text", st("héllo, wörld")),
    ("bytes", {"data": "AAEC"}),
    ("list", {"array": [i64(1), st("two"), {"bool": True}, {"null": None}]}),
    ("nested", dictionary(("b", {"bool": False}), ("a", {"array": []}))),
))
SUBSET_PLAIN = {
    "small": 5, "negative": -33, "int16": 300, "int64 min": -(2**63), "unsigned": 200,
    "uint64 max": 2**64 - 1, "ratio": 0.25, "text": "héllo, wörld", "bytes": b"\x00\x01\x02",
    "list": [1, "two", True, None], "nested": {"b": False, "a": []},
}

# Values written by plain msgpack.packb, with the description an XPCWire reader gives them.
PACKB_CASES = [
    ("packb(200)", 200, u64(200)),
    ("packb(5)", 5, i64(5)),
    ("packb(0)", 0, i64(0)),
    ("packb(-1)", -1, i64(-1)),
    ("packb(-200)", -200, i64(-200)),
    ("packb(70000)", 70000, u64(70000)),
    ("packb(2**64-1)", 2**64 - 1, u64(2**64 - 1)),
    ("packb(-2**63)", -(2**63), i64(-(2**63))),
    ("packb(1.5)", 1.5, dbl(1.5)),
    ("packb(-0.0)", -0.0, {"double": "8000000000000000"}),
    ("packb('héllo')", "héllo", st("héllo")),
    ("packb('x' * 40)", "x" * 40, st("x" * 40)),
    ("packb(b'\\x00\\x01\\x02')", b"\x00\x01\x02", {"data": "AAEC"}),
    ("packb(True)", True, {"bool": True}),
    ("packb(None)", None, {"null": None}),
    ("packb([1, 'a', None, [2.5]])", [1, "a", None, [2.5]],
     {"array": [i64(1), st("a"), {"null": None}, {"array": [dbl(2.5)]}]}),
    ("packb({'b': 1, 'a': [200, b'x'], 'é': {'z': None, 'y': False}})",
     {"b": 1, "a": [200, b"x"], "é": {"z": None, "y": False}},
     dictionary(("b", i64(1)), ("a", {"array": [u64(200), {"data": "eA=="}]}),
                ("é", dictionary(("z", {"null": None}), ("y", {"bool": False}))))),
    ("packb({'e\\u0301': 1, '\\u00e9': 2})", {"e\u0301": 1, "\u00e9": 2},
     dictionary(("e\u0301", i64(1)), ("\u00e9", i64(2)))),
    ("packb(Timestamp(978307200, 1))", msgpack.Timestamp(978307200, 1), {"date": "1"}),
    ("packb(Timestamp(-1, 5))", msgpack.Timestamp(-1, 5), {"date": str(-978307201 * 10**9 + 5)}),
]

# What Interop/c/stock_pack.c writes with msgpack_pack_*.
STOCK_PACK_DESCRIPTION = description_of(dictionary(
    ("name", st("héllo")),
    ("count", i64(5)),
    ("big", u64(200)),
    ("neg", i64(-200)),
    ("huge", u64(2**64 - 1)),
    ("ratio", dbl(0.25)),
    ("half", dbl(1.5)),
    ("blob", {"data": "AAEC"}),
    ("list", {"array": [{"null": None}, {"bool": True}, {"bool": False}, i64(-1)]}),
    ("when", {"date": "1"}),
    ("nested", dictionary(("z", i64(1)), ("a", st("")))),
))


def readers(arguments):
    return {"Swift": [arguments.swift], **tools(arguments)}


def check_read_by_all(arguments, tally, name, envelope_path, expected):
    for language, tool in readers(arguments).items():
        if language == "Swift":
            validated = run(tool + ["validate", envelope_path])
            tally.check(validated.returncode == 0, f"Swift validate {name}: {short(validated.stderr)}")
        described = run(tool + ["json", envelope_path])
        tally.check(described.returncode == 0 and same_json(parsed_json(described.stdout), expected),
                    f"{language} json {name}: {short(described.stderr) or described.stdout.decode()[:300]}")


def check_stock(arguments, tally):
    mark = tally.mark()
    with tempfile.TemporaryDirectory() as scratch:
        # Bodies we write, read by plain msgpack.unpackb.
        description_path = os.path.join(scratch, "subset.json")
        with open(description_path, "w", encoding="utf-8") as file:
            json.dump(SUBSET_DESCRIPTION, file, ensure_ascii=False)
        swift_path = os.path.join(scratch, "subset.bin")
        swift = run([arguments.swift, "encode", description_path, "-o", swift_path])
        written = {}
        if tally.check(swift.returncode == 0, f"Swift encode of the subset message: {short(swift.stderr)}"):
            with open(swift_path, "rb") as file:
                written["Swift"] = file.read()
        for language, tool in tools(arguments).items():
            result = run(tool + ["encode", description_path])
            if tally.check(result.returncode == 0, f"{language} encode of the subset message: {short(result.stderr)}"):
                written[language] = result.stdout
        for language, envelope in written.items():
            tally.check(envelope == written.get("Swift"), f"{language} and Swift encode the subset message differently")
            try:
                plain = msgpack.unpackb(envelope[14:])
            except Exception as error:  # noqa: BLE001 - any failure of the stock reader is the finding
                plain = error
            tally.check(plain == SUBSET_PLAIN and type(plain["small"]) is int,
                        f"msgpack.unpackb of the body {language} wrote: {plain!r}")

        # Bodies plain msgpack.packb writes, read by every XPCWire reader.
        for index, (name, value, expected) in enumerate(PACKB_CASES):
            path = os.path.join(scratch, f"packb-{index}.bin")
            with open(path, "wb") as file:
                file.write(envelope_around(msgpack.packb(value)))
            check_read_by_all(arguments, tally, name, path, description_of(expected))

        # The body msgpack-c's msgpack_pack_* writes.
        path = os.path.join(scratch, "stock-pack.bin")
        result = run([arguments.stock_pack])
        if tally.check(result.returncode == 0, f"stock-pack: {short(result.stderr)}"):
            with open(path, "wb") as file:
                file.write(result.stdout)
            check_read_by_all(arguments, tally, "the msgpack_pack_* envelope of stock-pack", path, STOCK_PACK_DESCRIPTION)
    tally.group("stock MessagePack libraries", mark)


# ---------------------------------------------------------------------------------------------
# JSON descriptions: the rules of SPEC §8.3 that JSON libraries leave to the reader
# ---------------------------------------------------------------------------------------------

def top_level(body, slots="[]", version='"1.0"', flags="0"):
    return f'{{"version": {version}, "flags": {flags}, "slots": {slots}, "body": {body}}}'


NULL = '{"null": null}'
# (description text, whether a writer encodes it)
DESCRIPTION_CASES = [
    (top_level(NULL), True),
    (top_level(NULL, flags="1"), False),
    (top_level(NULL, version='"1.1"'), False),
    (top_level(NULL, version='"1.00"'), False),
    (top_level(NULL, version='"01.0"'), False),
    (top_level(NULL, flags="1.0"), False),
    (top_level(NULL, flags="1e0"), False),
    (top_level(NULL, flags="-0"), False),
    (top_level(NULL, flags="true"), False),
    (top_level(NULL, flags="65536"), False),
    (top_level('{"int64": "+5"}'), False),
    (top_level('{"int64": "-0"}'), False),
    (top_level('{"int64": "007"}'), False),
    (top_level('{"int64": " 5"}'), False),
    (top_level('{"int64": 5}'), False),
    (top_level('{"int64": "9223372036854775808"}'), False),
    (top_level('{"int64": "-9223372036854775808"}'), True),
    (top_level('{"uint64": "-1"}'), False),
    (top_level('{"uint64": "18446744073709551616"}'), False),
    (top_level('{"uint64": "18446744073709551615"}'), True),
    (top_level('{"date": "-9223372036854775809"}'), False),
    (top_level('{"double": "3FF0000000000000"}'), False),
    (top_level('{"double": "3ff000000000000"}'), False),
    (top_level('{"uuid": "e621e1f8-c36c-495a-93fc-0c247a3e6e5f"}'), False),
    (top_level('{"uuid": "E621E1F8C36C495A93FC0C247A3E6E5F"}'), False),
    (top_level('{"data": "AB=="}'), False),
    (top_level('{"data": "AAB="}'), False),
    (top_level('{"data": "AAE"}'), False),
    (top_level('{"data": "AA\\nAA"}'), False),
    (top_level('{"data": "A==="}'), False),
    (top_level('{"data": "AAA="}'), True),
    (top_level('{"int64": "1", "int64": "1"}'), False),
    (top_level('{"int64": "1", "uint64": "1"}'), False),
    (top_level('{}'), False),
    (top_level('{"bool": 1}'), False),
    (top_level('{"null": false}'), False),
    (top_level('{"dictionary": [["b", {"null": null}], ["a", {"null": null}]]}'), False),
    (top_level('{"dictionary": [["a", {"null": null}], ["a", {"null": null}]]}'), False),
    (top_level('{"dictionary": [["\\u00e9", {"null": null}], ["e\\u0301", {"null": null}]]}'), False),
    (top_level('{"dictionary": [["e\\u0301", {"null": null}], ["\\u00e9", {"null": null}]]}'), True),
    (top_level('{"dictionary": [["\\uff61", {"null": null}], ["\\ud83d\\ude00", {"null": null}]]}'), True),
    (top_level('{"dictionary": [["\\u0000", {"null": null}]]}'), False),
    (top_level('{"dictionary": [["a", {"null": null}, 1]]}'), False),
    (top_level('{"dictionary": [[1, {"null": null}]]}'), False),
    (top_level('{"string": "a\\u0000"}'), False),
    (top_level('{"string": "\\ud800"}'), False),
    (top_level('{"string": "\\udc00\\ud800"}'), False),
    (top_level('{"string": "\\uD83D\\uDE00\\/\\b\\f"}'), True),
    (top_level('{"string": "tab\tliteral"}'), False),
    (top_level('{"fd": 0}', slots='["fd"]'), True),
    (top_level('{"fd": 0}', slots='["endpoint"]'), False),
    (top_level('{"fd": 1}', slots='["fd"]'), False),
    (top_level('{"fd": 0}', slots='["fd", "fd"]'), False),
    (top_level('{"fd": -0}', slots='["fd"]'), False),
    (top_level('{"fd": 0.0}', slots='["fd"]'), False),
    (top_level('{"endpoint": 0}', slots='["endpoint"]'), True),
    (top_level('{"fd": 0}', slots='["FD"]'), False),
    (top_level(NULL) + " x", False),
    ('{"version": "1.0", "flags": 0, "slots": [], "body": {"null": null}, "extra": 1}', False),
    ('{"version": "1.0", "version": "1.0", "flags": 0, "slots": [], "body": {"null": null}}', False),
    ("\ufeff" + top_level(NULL), False),
    (top_level('{"null": NaN}'), False),
    (top_level('{"array": [' * 256 + NULL + ']}' * 256), True),
    (top_level('{"array": [' * 257 + NULL + ']}' * 257), False),
]


def check_descriptions(arguments, tally):
    """C and Python encode exactly the valid descriptions, to the same bytes, and reject the rest."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(arguments.python)))
    import xpcwire  # noqa: E402

    mark = tally.mark()
    cases = [(text.encode("utf-8"), accepted) for text, accepted in DESCRIPTION_CASES]
    cases.append((top_level('{"string": "a\xffb"}').encode("latin-1"), False))  # not UTF-8
    with tempfile.TemporaryDirectory() as scratch:
        paths = []
        for index, (text, _) in enumerate(cases):
            paths.append(os.path.join(scratch, f"description-{index}.json"))
            with open(paths[-1], "wb") as file:
                file.write(text)
        c_results = parallel([lambda path=path: run([arguments.c, "encode", path]) for path in paths])
        for (text, accepted), c_result in zip(cases, c_results):
            try:
                python_bytes = xpcwire.encode(xpcwire.read_description(text))
            except (xpcwire.DescriptionError, xpcwire.EncodingError):
                python_bytes = None
            c_bytes = c_result.stdout if c_result.returncode == 0 else None
            shown = text[:120].decode("utf-8", "replace")
            tally.check((python_bytes is not None) == accepted and python_bytes == c_bytes,
                        f"description {shown!r} should be {'accepted' if accepted else 'rejected'}: "
                        f"Python {'accepted' if python_bytes else 'rejected'}, C {'accepted' if c_bytes else 'rejected'}")
    tally.group("JSON descriptions, C and Python", mark)


# ---------------------------------------------------------------------------------------------
# random messages (the stand-in for `xpcwire random` until the Swift CLI has it) and mutations
# ---------------------------------------------------------------------------------------------

INTERESTING_INTEGERS = [0, 1, 5, 31, 32, 127, 128, 255, 256, 32767, 32768, 65535, 65536, 2**31 - 1, 2**31,
                        2**32 - 1, 2**32, 2**63 - 1, -1, -32, -33, -128, -129, -32768, -32769, -(2**31),
                        -(2**31) - 1, -(2**63)]
KEY_POOL = ["", "a", "b", "aa", "ab", "B", "z", "é", "e\u0301", "｡", "😀", "key", "x" * 40]


def random_string(rng, short_only=False):
    length = rng.choice([0, 1, 3, 8, 31] if short_only else [0, 1, 5, 31, 32, 100, 255, 256, 300])
    alphabet = ["a", "Z", "~", "é", "ß", "€", "\u0301", "😀", "\U0010ffff", "\ufeff", "\x7f", "\x01"]
    return "".join(rng.choice(alphabet) for _ in range(length))


def random_value(rng, depth, slots):
    roll = rng.random()
    if depth < 6 and roll < 0.25:
        count = rng.choice([0, 1, 2, 3, 15, 16, 17])
        if rng.random() < 0.5:
            return {"array": [random_value(rng, depth + 1, slots) for _ in range(count)]}
        keys = {}
        for _ in range(count):
            key = rng.choice(KEY_POOL) if rng.random() < 0.5 else random_string(rng, short_only=True)
            keys[key.encode("utf-8")] = key
        pairs = [[keys[k], random_value(rng, depth + 1, slots)] for k in sorted(keys)]
        return {"dictionary": pairs}
    kind = rng.choice(["null", "bool", "int64", "uint64", "double", "string", "data", "uuid", "date", "slot"])
    if kind == "null":
        return {"null": None}
    if kind == "bool":
        return {"bool": rng.random() < 0.5}
    if kind == "int64":
        value = rng.choice(INTERESTING_INTEGERS) if rng.random() < 0.6 else rng.randint(-(2**63), 2**63 - 1)
        return {"int64": str(max(-(2**63), min(2**63 - 1, value)))}
    if kind == "uint64":
        value = rng.choice([v for v in INTERESTING_INTEGERS if v >= 0] + [2**64 - 1]) if rng.random() < 0.6 \
            else rng.randint(0, 2**64 - 1)
        return {"uint64": str(value)}
    if kind == "double":
        bits = rng.choice([0, 2**63, 0x7FF0000000000000, 0x7FF0000000000001, 0x7FF8000000000000,
                           0xFFF8000000000001, 0x3FF0000000000000, 1]) if rng.random() < 0.4 else rng.getrandbits(64)
        return {"double": format(bits, "016x")}
    if kind == "string":
        return {"string": random_string(rng)}
    if kind == "data":
        return {"data": base64.b64encode(rng.randbytes(rng.choice([0, 1, 2, 3, 255, 256, 300]))).decode()}
    if kind == "uuid":
        h = rng.randbytes(16).hex().upper()
        return {"uuid": f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"}
    if kind == "date":
        return {"date": str(rng.choice([0, -1, 1, -(2**63), 2**63 - 1, rng.randint(-(2**63), 2**63 - 1)]))}
    variant = rng.choice(["fd", "endpoint"])
    index = rng.randrange(8)
    slots.setdefault(index, variant)
    return {slots[index]: index}


def compact_slots(value, mapping):
    ((variant, content),) = value.items()
    if variant in ("fd", "endpoint"):
        value[variant] = mapping[content]
    elif variant == "array":
        for item in content:
            compact_slots(item, mapping)
    elif variant == "dictionary":
        for _, item in content:
            compact_slots(item, mapping)


def random_description(rng):
    slots = {}
    body = random_value(rng, 0, slots)
    used = sorted(slots)
    compact_slots(body, {old: new for new, old in enumerate(used)})
    return {"version": "1.0", "flags": 0, "slots": [slots[old] for old in used], "body": body}


def write_random_stream(arguments):
    sys.path.insert(0, os.path.join(ROOT, "Interop", "python"))
    import xpcwire  # noqa: E402 - the Python implementation writes the stand-in stream

    rng = random.Random(arguments.seed)
    with open(arguments.output, "wb") as file:
        for _ in range(arguments.count):
            file.write(xpcwire.encode(random_description(rng)))


def mutate_bytes(rng, data):
    data = bytearray(data)
    for _ in range(rng.choice([1, 1, 2, 3])):
        operation = rng.random()
        position = rng.randrange(len(data) + 1)
        if operation < 0.4 and data:
            data[min(position, len(data) - 1)] = rng.choice([rng.randrange(256), 0x00, 0xC1, 0xFF, 0xD5, 0xC7, 0xDF])
        elif operation < 0.6:
            data[position:position] = bytes([rng.randrange(256)])
        elif operation < 0.8 and data:
            del data[min(position, len(data) - 1)]
        else:
            data = data[:position]
    return bytes(data)


def mutate(rng, envelope):
    """A mutant of `envelope`: mostly of its body, with the body length field kept consistent, so
    that the body checks are reached; otherwise of any byte."""
    if len(envelope) >= 14 and rng.random() < 0.7:
        start = min(14 + struct.unpack_from(">H", envelope, 8)[0], len(envelope))
        body = mutate_bytes(rng, envelope[start:])
        return envelope[:10] + struct.pack(">I", len(body)) + envelope[14:start] + body
    return mutate_bytes(rng, envelope)


def check_mutations(arguments, tally):
    """C and Python agree, kind and offset, on mutated fixtures (a small differential fuzz)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(arguments.python)))
    import xpcwire  # noqa: E402

    mark = tally.mark()
    rng = random.Random(arguments.seed)
    seeds = []
    for folder in ("v1", "noncanonical", "invalid"):
        for _, binary, _ in fixture_pairs(folder):
            with open(binary, "rb") as file:
                data = file.read()
            if len(data) < 4096:
                seeds.append(data)
    with tempfile.TemporaryDirectory() as scratch:
        inputs = []
        for index in range(arguments.count):
            path = os.path.join(scratch, f"mutant-{index}.bin")
            data = mutate(rng, rng.choice(seeds))
            with open(path, "wb") as file:
                file.write(data)
            inputs.append((path, data, index % 2 == 1))

        def c_job(item):
            path, _, strict = item
            return run([arguments.c, "json"] + (["--canonical"] if strict else []) + [path])

        c_results = parallel([lambda item=item: c_job(item) for item in inputs])
        for (path, data, strict), c_result in zip(inputs, c_results):
            try:
                expected = ("ok", xpcwire.decode(data, strict=strict))
            except xpcwire.XPCWireError as error:
                expected = ("error", (error.kind, error.detail, error.offset))
            if c_result.returncode == 0:
                found = ("ok", parsed_json(c_result.stdout))
            else:
                found = ("error", first_error(c_result.stderr))
            same = found[0] == expected[0] and (same_json(found[1], expected[1]) if found[0] == "ok"
                                                else found[1] == expected[1])
            tally.check(same, f"C and Python disagree on {data.hex()} ({'strict' if strict else 'default'}): "
                              f"C {found}, Python {expected}")
    tally.group("mutations, C against Python", mark)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["fixtures", "streams", "stock", "descriptions", "mutations",
                                            "random-stream", "schemas", "schema-cli", "schema-expected"])
    parser.add_argument("--c")
    parser.add_argument("--python")
    parser.add_argument("--swift")
    parser.add_argument("--stock-pack")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("-o", "--output")
    arguments = parser.parse_args()
    sys.setrecursionlimit(20000)  # json.loads of descriptions nested 256 levels deep
    if arguments.command == "random-stream":
        write_random_stream(arguments)
        return 0
    import schema_checks  # noqa: E402 - beside this file; it imports this module's helpers

    if arguments.command == "schema-expected":
        schema_checks.write_expected(arguments)
        return 0
    tally = Tally()
    {"fixtures": check_fixtures, "streams": check_streams, "stock": check_stock,
     "descriptions": check_descriptions, "mutations": check_mutations, "schemas": schema_checks.check_schemas,
     "schema-cli": schema_checks.check_schema_cli}[arguments.command](arguments, tally)
    print(f"checks-result {tally.passed} {tally.failed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
