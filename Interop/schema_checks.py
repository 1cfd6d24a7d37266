"""The schema checks of Interop/run.sh (SPEC §9.4), run through checks.py:

    checks.py schemas       --c XPCWIRE_C --python XPCWIRE_PY --swift XPCWIRE
    checks.py schema-cli    --c XPCWIRE_C --python XPCWIRE_PY --swift XPCWIRE
    checks.py schema-expected --swift XPCWIRE   (rewrites the expected files of Fixtures/schema)

`schemas` runs, for every schema of Fixtures/schema and every envelope of Fixtures/v1,
Fixtures/codable and Fixtures/schema/messages, `xpcwire schema check --json`, the C tool's
`schema-check --json` and the Python validator, and checks that C and Python report exactly the
violations Swift reports (path, path components, kind and message, in order), and that Swift still
reports what Fixtures/schema/expected records. Then the same on generated messages whose keys
exercise the quoting of paths, and for a list of schema JSON texts, that all three accept the same
ones and reject the others with the same JSON Pointer and problem.

`schema-cli` checks the exit statuses and output of `xpcwire schema check` and `xpcwire schema
diff` (with the pairs of Fixtures/schema/diff), and of the C and Python `schema-check`.
"""

import collections
import glob
import json
import os
import random
import re
import sys
import tempfile

from checks import FIXTURES, fixture_pairs, parallel, run, short

SCHEMAS = os.path.join(FIXTURES, "schema")
EXPECTED = os.path.join(SCHEMAS, "expected")
DIFFS = os.path.join(SCHEMAS, "diff")
EXIT_USAGE = 64  # xpcwire schema: an invalid schema or an unreadable file
VIOLATION_KINDS = ("kindMismatch", "int64OutOfRange", "uint64OutOfRange", "stringTooLong", "dataTooLong",
                   "tooManyElements", "missingRequiredField", "unexpectedKey", "noAlternativeMatched")


def schema_files():
    return sorted(glob.glob(os.path.join(SCHEMAS, "*.schema.json")))


def schema_name(path):
    return os.path.basename(path)[:-len(".schema.json")]


def messages():
    """(name, path) of every envelope the schemas are checked against."""
    found = [(name, binary) for folder in ("v1", "codable") for name, binary, _ in fixture_pairs(folder)]
    found += [(name, binary) for name, binary, _ in fixture_pairs(os.path.join("schema", "messages"))]
    return found


def python_module(arguments):
    sys.path.insert(0, os.path.dirname(os.path.abspath(arguments.python)))
    import xpcwire  # noqa: E402
    import xpcwire_schema  # noqa: E402

    return xpcwire, xpcwire_schema


def violation_lines(result):
    """The violations of a `--json` run as (path, components, kind, message) tuples, or None when
    the exit status or the output is not that of a completed check."""
    if result.returncode not in (0, 1):
        return None
    violations = []
    try:
        for line in result.stdout.decode("utf-8").split("\n"):
            if line:
                item = json.loads(line)
                violations.append((item["path"], tuple(item["components"]), item["kind"], item["message"]))
    except (ValueError, KeyError, TypeError):
        return None
    if (result.returncode == 1) != bool(violations):
        return None
    return violations


def python_violations(xpcwire_schema, schema, body):
    return [(v.path(), tuple(v.components), v.kind, v.message) for v in xpcwire_schema.validate(schema, body)]


def summary(violations):
    """One line of Fixtures/schema/expected: "matches", or the count, the kinds and the first."""
    if not violations:
        return "matches"
    kinds = collections.Counter(kind for _, _, kind, _ in violations)
    listed = ", ".join(f"{kind} {kinds[kind]}" for kind in VIOLATION_KINDS if kinds[kind])
    path, _, _, message = violations[0]
    count = len(violations)
    return f"{count} violation{'s' if count != 1 else ''} ({listed}); first: {path}: {message}"


def read_expected(name):
    path = os.path.join(EXPECTED, name + ".txt")
    if not os.path.exists(path):
        return {}
    expected = {}
    with open(path, encoding="utf-8") as file:
        for line in file.read().split("\n"):
            if line and not line.startswith("#"):
                message, _, rest = line.partition(": ")
                expected[message] = rest
    return expected


def describe_difference(swift, other):
    if other is None:
        return "no valid output"
    for index, (a, b) in enumerate(zip(swift, other)):
        if a != b:
            return f"violation {index}: Swift {a!r}, got {b!r}"
    return f"Swift reports {len(swift)} violations, got {len(other)}"


# ---------------------------------------------------------------------------------------------
# schemas: C, Python and Swift agree on every (schema, message) pair
# ---------------------------------------------------------------------------------------------

def check_schemas(arguments, tally):
    xpcwire, xpcwire_schema = python_module(arguments)
    mark = tally.mark()
    schemas = schema_files()
    envelopes = messages()
    bodies = {}
    for name, binary in envelopes:
        with open(binary, "rb") as file:
            bodies[name] = xpcwire.decode(file.read())["body"]
    parsed = {}
    for path in schemas:
        with open(path, "rb") as file:
            parsed[path] = xpcwire_schema.read_schema(file.read())

    pairs = [(schema, name, binary) for schema in schemas for name, binary in envelopes]
    swift_results = parallel([lambda s=s, b=b: run([arguments.swift, "schema", "check", "--json", s, b])
                              for s, _, b in pairs])
    c_results = parallel([lambda s=s, b=b: run([arguments.c, "schema-check", "--json", s, b]) for s, _, b in pairs])
    seen_kinds = collections.Counter()
    outcomes = collections.defaultdict(lambda: [0, 0])  # schema: [matches, failures]
    expected_files = {path: read_expected(schema_name(path)) for path in schemas}
    for (schema, name, _), swift_result, c_result in zip(pairs, swift_results, c_results):
        label = f"{schema_name(schema)} × {name}"
        swift = violation_lines(swift_result)
        if not tally.check(swift is not None, f"Swift schema check {label}: exit {swift_result.returncode}, "
                                              f"{short(swift_result.stderr)}"):
            continue
        seen_kinds.update(kind for _, _, kind, _ in swift)
        outcomes[schema][1 if swift else 0] += 1
        c = violation_lines(c_result)
        tally.check(c == swift and c_result.returncode == swift_result.returncode,
                    f"C schema-check {label}: {describe_difference(swift, c)} {short(c_result.stderr)}")
        python = python_violations(xpcwire_schema, parsed[schema], bodies[name])
        tally.check(python == swift, f"Python validate {label}: {describe_difference(swift, python)}")
        recorded = expected_files[schema].get(name)
        tally.check(recorded == summary(swift),
                    f"Swift schema check {label} differs from Fixtures/schema/expected: "
                    f"recorded {recorded!r}, now {summary(swift)!r}")
    # The fixtures stay meaningful: every reason occurs, and each schema but any and nothing both
    # accepts and rejects some message.
    for kind in VIOLATION_KINDS:
        tally.check(seen_kinds[kind] > 0, f"no (schema, fixture) pair reports {kind}")
    for schema in schemas:
        matched, failed = outcomes[schema]
        if schema_name(schema) == "any":
            tally.check(failed == 0, "any.schema.json rejected a message")
        elif schema_name(schema) == "nothing":
            tally.check(matched == 0, "nothing.schema.json accepted a message")
        else:
            tally.check(matched > 0 and failed > 0,
                        f"{schema_name(schema)}.schema.json: {matched} matches, {failed} failures; want both")
    tally.group(f"schemas × fixtures: {len(schemas)} schemas, {len(envelopes)} envelopes, Swift, C and Python", mark)

    check_path_quoting(arguments, tally, xpcwire, xpcwire_schema)
    check_schema_json(arguments, tally, xpcwire_schema)
    check_schema_mutations(arguments, tally, xpcwire, xpcwire_schema)


# ---------------------------------------------------------------------------------------------
# Paths: keys quoted as Swift's String(reflecting:) quotes them
# ---------------------------------------------------------------------------------------------

def quoting_scalars(xpcwire_schema, seed):
    """Scalars around every boundary of the grapheme tables, every ASCII one but NUL, and a sample."""
    scalars = set(range(1, 0x80))
    for table in (xpcwire_schema._JOINS_PREVIOUS, xpcwire_schema._JOINS_NEXT):
        for first, last in table:
            scalars.update((first - 1, first, last, last + 1))
    rng = random.Random(seed)
    scalars.update(rng.randrange(0x80, 0x110000) for _ in range(1500))
    scalars.update((0x200C, 0x200D, 0xFE0F, 0x1F3FB, 0x1F1E6, 0x0903, 0x0E33, 0x1100, 0xAC00, 0xFFFF, 0x10FFFF))
    return sorted(s for s in scalars if 0 < s < 0x110000 and not 0xD800 <= s <= 0xDFFF)


def quoting_keys(scalars):
    keys = set()
    for s in scalars:
        c = chr(s)
        keys.update((c, c + "x", "x" + c, "\t" + c, c + c, "\"" + c + "\u0600", c + "_1"))
    return sorted(keys, key=lambda key: key.encode("utf-8"))


def check_path_quoting(arguments, tally, xpcwire, xpcwire_schema):
    """Every key of a generated message is an unexpected key, so every path is a quoted key; and
    every field of a generated schema is missing from an empty dictionary."""
    mark = tally.mark()
    keys = quoting_keys(quoting_scalars(xpcwire_schema, arguments.seed))
    with tempfile.TemporaryDirectory() as scratch:
        cases = []
        message = os.path.join(scratch, "keys.bin")
        with open(message, "wb") as file:
            file.write(xpcwire.encode({"version": "1.0", "flags": 0, "slots": [],
                                       "body": {"dictionary": [[key, {"null": None}] for key in keys]}}))
        closed = os.path.join(scratch, "closed.schema.json")
        with open(closed, "w", encoding="utf-8") as file:
            file.write('{"type": "dictionary", "fields": {}, "extraKeys": "reject"}')
        cases.append(("unexpected keys", closed, message))
        for part in range(0, len(keys), 2000):
            fields = {key: {"required": True, "schema": {"type": "any"}} for key in keys[part:part + 2000]}
            schema = os.path.join(scratch, f"fields-{part}.schema.json")
            with open(schema, "w", encoding="utf-8") as file:
                json.dump({"type": "dictionary", "fields": fields, "extraKeys": "allow"}, file, ensure_ascii=False)
            cases.append((f"missing fields {part}…", schema, os.path.join(FIXTURES, "v1", "dictionary-empty.bin")))
        for name, schema, binary in cases:
            swift_result = run([arguments.swift, "schema", "check", "--json", schema, binary])
            swift = violation_lines(swift_result)
            if not tally.check(swift is not None and len(swift) > 0,
                               f"Swift schema check, {name}: {short(swift_result.stderr)}"):
                continue
            c_result = run([arguments.c, "schema-check", "--json", schema, binary])
            tally.check(violation_lines(c_result) == swift,
                        f"C schema-check, {name}: {describe_difference(swift, violation_lines(c_result))}")
            with open(schema, "rb") as file:
                parsed = xpcwire_schema.read_schema(file.read())
            with open(binary, "rb") as file:
                body = xpcwire.decode(file.read())["body"]
            python = python_violations(xpcwire_schema, parsed, body)
            tally.check(python == swift, f"Python validate, {name}: {describe_difference(swift, python)}")
            plain_swift = run([arguments.swift, "schema", "check", schema, binary])
            plain_c = run([arguments.c, "schema-check", schema, binary])
            plain_python = "".join(v.line() + "\n" for v in xpcwire_schema.validate(parsed, body)).encode("utf-8")
            tally.check(plain_swift.stdout == plain_c.stdout == plain_python,
                        f"the 'PATH: REASON' lines of Swift, C and Python differ, {name}")
        tally.check(len(keys) > 5000, f"only {len(keys)} keys")
    tally.group(f"paths: {len(keys)} generated keys quoted as Swift quotes them, C and Python", mark)


# ---------------------------------------------------------------------------------------------
# The JSON form: the same schemas accepted, the same problem reported for the others
# ---------------------------------------------------------------------------------------------

def nested_arrays(levels):
    """A valid schema whose JSON nests `levels` objects."""
    return '{"type": "array", "elements": ' * (levels - 1) + '{"type": "any"}' + "}" * (levels - 1)


# (JSON text, expected): "ok", "malformed", or the text after "invalid schema at ".
SCHEMA_JSON_CASES = [
    ('{"type": "any"}', "ok"),
    (' \t\n{"type" : "null"}\r\n', "ok"),
    ('{"maxLength": 3, "type": "data"}', "ok"),
    ('{"type": "int64", "minimum": "-9223372036854775808", "maximum": "9223372036854775807"}', "ok"),
    ('{"type": "int64", "maximum": "-9223372036854775808"}', "ok"),
    ('{"type": "uint64", "minimum": "5", "maximum": "5"}', "ok"),
    ('{"type": "uint64", "maximum": "18446744073709551615"}', "ok"),
    ('{"type": "string", "maxLength": 4294967295}', "ok"),
    ('{"type": "string", "maxLength": 0}', "ok"),
    ('{"type": "oneOf", "alternatives": []}', "ok"),
    ('{"type": "dictionary", "fields": {}}', "ok"),
    ('{"type": "dictionary", "fields": {"\\u00e9": {"required": true, "schema": {"type": "any"}}, '
     '"e\\u0301": {"schema": {"type": "null"}, "required": false}}, "extraKeys": {"type": "int64"}}', "ok"),
    ('{"type": "dictionary", "fields": {"a/b~c": {"required": false, "schema": {"type": "any"}}}, '
     '"extraKeys": "reject"}', "ok"),
    ('{"type": "optional", "schema": {"type": "optional", "schema": {"type": "bool"}}}', "ok"),
    (nested_arrays(512), "ok"),
    ("[]", "/: expected an object"),
    ("1", "/: expected an object"),
    ("{}", '/: missing member "type"'),
    ('{"type": 1}', "/type: expected a string naming a schema type"),
    ('{"type": "text"}', '/type: unknown type "text"'),
    ('{"type": "Int64"}', '/type: unknown type "Int64"'),
    ('{"type": "int64\\u0000"}', '/type: unknown type "int64\\0"'),
    ('{"type": "\\u0301x\\n\'"}', '/type: unknown type "\\u{0301}x\\n\\\'"'),
    ('{"type": "bogus", "extra": 1}', '/type: unknown type "bogus"'),
    ('{"extra": 1, "type": "null"}', '/: unexpected member "extra"'),
    ('{"type": "null", "maxLength": 1}', '/: unexpected member "maxLength"'),
    ('{"type": "string", "maxLength": 1, "x\\"y": 2}', '/: unexpected member "x\\"y"'),
    ('{"type": "dictionary", "fields": {}, "extra\\u212aeys": "reject"}', '/: unexpected member "extra\u212aeys"'),
    ('{"type": "int64", "minimum": "+1"}',
     '/minimum: expected a decimal string of an int64 without leading zeros or "+"'),
    ('{"type": "int64", "minimum": "-0"}',
     '/minimum: expected a decimal string of an int64 without leading zeros or "+"'),
    ('{"type": "int64", "minimum": "01"}',
     '/minimum: expected a decimal string of an int64 without leading zeros or "+"'),
    ('{"type": "int64", "minimum": 1}',
     '/minimum: expected a decimal string of an int64 without leading zeros or "+"'),
    ('{"type": "int64", "maximum": "9223372036854775808"}',
     '/maximum: expected a decimal string of an int64 without leading zeros or "+"'),
    ('{"type": "int64", "minimum": "-9223372036854775809"}',
     '/minimum: expected a decimal string of an int64 without leading zeros or "+"'),
    ('{"type": "int64", "minimum": "x", "maximum": "y"}',
     '/minimum: expected a decimal string of an int64 without leading zeros or "+"'),
    ('{"type": "uint64", "minimum": "-1"}',
     "/minimum: expected a decimal string of a uint64 without leading zeros or sign"),
    ('{"type": "uint64", "maximum": "18446744073709551616"}',
     "/maximum: expected a decimal string of a uint64 without leading zeros or sign"),
    ('{"type": "uint64", "minimum": " 1"}',
     "/minimum: expected a decimal string of a uint64 without leading zeros or sign"),
    ('{"type": "uint64", "minimum": "\\uff11"}',
     "/minimum: expected a decimal string of a uint64 without leading zeros or sign"),
    ('{"type": "int64", "minimum": "5", "maximum": "4"}', "/: minimum is greater than maximum"),
    ('{"type": "uint64", "minimum": "18446744073709551615", "maximum": "0"}', "/: minimum is greater than maximum"),
    ('{"type": "string", "maxLength": -1}', "/maxLength: expected an integer 0 … 4294967295"),
    ('{"type": "string", "maxLength": -0}', "/maxLength: expected an integer 0 … 4294967295"),
    ('{"type": "data", "maxLength": 1.0}', "/maxLength: expected an integer 0 … 4294967295"),
    ('{"type": "data", "maxLength": 1e2}', "/maxLength: expected an integer 0 … 4294967295"),
    ('{"type": "data", "maxLength": 4294967296}', "/maxLength: expected an integer 0 … 4294967295"),
    ('{"type": "data", "maxLength": "5"}', "/maxLength: expected an integer 0 … 4294967295"),
    ('{"type": "data", "maxLength": true}', "/maxLength: expected an integer 0 … 4294967295"),
    ('{"type": "array"}', '/: missing member "elements"'),
    ('{"type": "array", "maxCount": 1}', '/: missing member "elements"'),
    ('{"type": "array", "elements": {"type": "bogus"}, "maxCount": -1}', '/elements/type: unknown type "bogus"'),
    ('{"type": "array", "elements": []}', "/elements: expected an object"),
    ('{"type": "array", "elements": {"type": "any"}, "maxCount": 1.5}',
     "/maxCount: expected an integer 0 … 4294967295"),
    ('{"type": "dictionary"}', '/: missing member "fields"'),
    ('{"type": "dictionary", "fields": []}', "/fields: expected an object of fields"),
    ('{"type": "dictionary", "fields": {"a": true}}', "/fields/a: expected an object"),
    ('{"type": "dictionary", "fields": {"a": {"required": true}}}', '/fields/a: missing member "schema"'),
    ('{"type": "dictionary", "fields": {"a": {"schema": {"type": "any"}}}}', '/fields/a: missing member "required"'),
    ('{"type": "dictionary", "fields": {"a": {"required": 1, "schema": {"type": "any"}}}}',
     "/fields/a/required: expected true or false"),
    ('{"type": "dictionary", "fields": {"a": {"required": true, "schema": {"type": "any"}, "default": 1}}}',
     '/fields/a: unexpected member "default"'),
    ('{"type": "dictionary", "fields": {"a\\u0000b": {"required": true, "schema": {"type": "any"}}}}',
     "/fields/a\x00b: expected a field name without U+0000"),
    ('{"type": "dictionary", "fields": {"a/b": {"required": true, "schema": {"type": "nope"}}}}',
     '/fields/a~1b/schema/type: unknown type "nope"'),
    ('{"type": "dictionary", "fields": {"~": {"required": true, "schema": 1}}}',
     "/fields/~0/schema: expected an object"),
    ('{"type": "dictionary", "fields": {"": {"required": true, "schema": {}}}}',
     '/fields//schema: missing member "type"'),
    ('{"type": "dictionary", "fields": {}, "extraKeys": "deny"}',
     '/extraKeys: expected "allow", "reject" or a schema'),
    ('{"type": "dictionary", "fields": {}, "extraKeys": null}',
     '/extraKeys: expected "allow", "reject" or a schema'),
    ('{"type": "dictionary", "fields": {}, "extraKeys": {"type": "any", "x": 1}}', '/extraKeys: unexpected member "x"'),
    ('{"type": "dictionary", "fields": {"a": {"required": true, "schema": {"type": "bogus"}}}, "extraKeys": "deny"}',
     '/fields/a/schema/type: unknown type "bogus"'),
    ('{"type": "optional"}', '/: missing member "schema"'),
    ('{"type": "optional", "schema": null}', "/schema: expected an object"),
    ('{"type": "oneOf"}', '/: missing member "alternatives"'),
    ('{"type": "oneOf", "alternatives": {}}', "/alternatives: expected an array of schemas"),
    ('{"type": "oneOf", "alternatives": [{"type": "any"}, {"type": "zzz"}]}',
     '/alternatives/1/type: unknown type "zzz"'),
    ("", "malformed"),
    ('{"type": "any"', "malformed"),
    ('{"type": "any", "type": "any"}', "malformed"),
    ('{"type": "dictionary", "fields": {"a": {"required": true, "required": true, "schema": {"type": "any"}}}}',
     "malformed"),
    ('{"type": "dictionary", "fields": {"\\u00e9": {}, "\u00e9": {}}}', "malformed"),
    ('{"type": "string", "maxLength": 01}', "malformed"),
    ('{"type": "any"} x', "malformed"),
    ('\ufeff{"type": "any"}', "malformed"),
    ('{"type": "\\ud800"}', "malformed"),
    ('{"type": "\\udc00\\ud800"}', "malformed"),
    ('{"type": "string", "maxLength": NaN}', "malformed"),
    ('{"type": "any",}', "malformed"),
    ("{'type': 'any'}", "malformed"),
    ('{"type": "a\tb"}', "malformed"),
    ('{"type": "any"}\x00', "malformed"),
    (nested_arrays(513), "malformed"),
    ("[" * 512 + "[]" + "]" * 512, "malformed"),
    ("[" * 512 + "]" * 512, "/: expected an object"),
    ("[" * 100000, "malformed"),
]


def schema_outcome(result, path):
    """("ok", violations), ("invalid", text after "invalid schema at "), ("malformed",) or None."""
    if result.returncode in (0, 1):
        violations = violation_lines(result)
        return ("ok", violations) if violations is not None else None
    if result.returncode != EXIT_USAGE or result.stdout:
        return None
    error = result.stderr.decode("utf-8", "replace")
    prefix = path + ": "
    if not error.startswith(prefix) or not error.endswith("\n"):
        return None
    error = error[len(prefix):-1]
    if error.startswith("invalid schema at "):
        return ("invalid", error[len("invalid schema at "):])
    if error.startswith("malformed JSON"):
        return ("malformed",)
    return None


def check_schema_json(arguments, tally, xpcwire_schema):
    mark = tally.mark()
    message = os.path.join(FIXTURES, "v1", "every-variant.bin")
    cases = [(text.encode("utf-8"), expected) for text, expected in SCHEMA_JSON_CASES]
    cases.append((b'{"type": "\xff"}', "malformed"))  # not UTF-8
    cases.append((b'{"type": "an\xc3"}', "malformed"))
    with tempfile.TemporaryDirectory() as scratch:
        paths = []
        for index, (text, _) in enumerate(cases):
            paths.append(os.path.join(scratch, f"case-{index}.schema.json"))
            with open(paths[-1], "wb") as file:
                file.write(text)
        commands = {
            "Swift": lambda path: [arguments.swift, "schema", "check", "--json", path, message],
            "C": lambda path: [arguments.c, "schema-check", "--json", path, message],
            "Python": lambda path: [sys.executable, arguments.python, "schema-check", "--json", path, message],
        }
        results = {language: parallel([lambda p=p, c=command: run(c(p)) for p in paths])
                   for language, command in commands.items()}
        for index, ((text, expected), path) in enumerate(zip(cases, paths)):
            shown = text[:80].decode("utf-8", "replace")
            outcomes = {language: schema_outcome(results[language][index], path) for language in commands}
            swift = outcomes["Swift"]
            wanted = ("malformed",) if expected == "malformed" else ("invalid", expected) if expected != "ok" else None
            tally.check(swift is not None and (swift[0] == "ok" if wanted is None else swift == wanted),
                        f"Swift reads schema {shown!r}: expected {expected!r}, got {swift!r} "
                        f"{short(results['Swift'][index].stderr)}")
            for language in ("C", "Python"):
                tally.check(outcomes[language] == swift,
                            f"{language} reads schema {shown!r} differently: Swift {swift!r}, {language} "
                            f"{outcomes[language]!r} {short(results[language][index].stderr)}")
    tally.group(f"schema JSON: {len(cases)} texts, Swift, C and Python accept the same and report the same problem",
                mark)


# Values a structural mutation puts in place of a JSON value, member name or type name.
REPLACEMENTS = [
    None, True, False, 0, -1, 1.5, "1e2", 4294967296, "", "-0", "01", "+1", "5", "-5", "18446744073709551615",
    "9223372036854775808", "allow", "reject", "deny", "\u0000", "a/b~c", "\u0301x", "any", "int64", "uint64",
    "string", "oneOf", "optional", "dictionary", "array", "Type", "extra\u212aeys", [], {}, [{"type": "any"}],
    {"type": "null"}, {"required": True, "schema": {"type": "any"}},
]
MEMBER_NAMES = ["type", "minimum", "maximum", "maxLength", "maxCount", "elements", "fields", "extraKeys", "schema",
                "alternatives", "required", "x", "", "\u0000", "a/b", "~"]


def mutate_structure(rng, data):
    """The JSON text of `data` with one value replaced, one member renamed, added or removed."""
    # Objects become lists of [name, value] lists (an empty one {}), which the schemas here never
    # confuse with their arrays (of objects).
    pairs = json.loads(data, object_pairs_hook=lambda members: [list(member) for member in members] or {})
    nodes = []  # (container, index) of every value but the root

    def is_object(value):
        return isinstance(value, list) and value and \
            all(isinstance(m, list) and len(m) == 2 and isinstance(m[0], str) for m in value)

    def walk(value):
        if is_object(value):
            for member in value:
                nodes.append((member, 1))
                walk(member[1])
        elif isinstance(value, list):
            for index, item in enumerate(value):
                nodes.append((value, index))
                walk(item)

    walk(pairs)
    if not nodes:
        return data

    def dump(value):
        if is_object(value):
            return "{" + ", ".join(json.dumps(m[0]) + ": " + dump(m[1]) for m in value) + "}"
        if isinstance(value, list):
            return "[" + ", ".join(dump(item) for item in value) + "]"
        return json.dumps(value, ensure_ascii=rng.random() < 0.5)

    container, index = rng.choice(nodes)
    operation = rng.random()
    if operation < 0.5:
        container[index] = rng.choice(REPLACEMENTS)
    elif operation < 0.7 and index == 1:
        container[0] = rng.choice(MEMBER_NAMES)
    elif operation < 0.85 and isinstance(container[index], list):
        target = container[index]
        if target and isinstance(target[0], list) and len(target[0]) == 2:
            target.insert(rng.randrange(len(target) + 1), [rng.choice(MEMBER_NAMES), rng.choice(REPLACEMENTS)])
        else:
            container[index] = rng.choice(REPLACEMENTS)
    else:
        target = container[index]
        if isinstance(target, list) and target:
            del target[rng.randrange(len(target))]
        else:
            container[index] = rng.choice(REPLACEMENTS)
    return dump(pairs).encode("utf-8")


def check_schema_mutations(arguments, tally, xpcwire, xpcwire_schema):
    """Mutated schema texts, half byte by byte, half value by value: the C reader does not crash, and
    C, Python and Swift read them alike."""
    from checks import mutate_bytes  # noqa: E402

    mark = tally.mark()
    rng = random.Random(arguments.seed)
    sources = []
    for path in schema_files() + sorted(glob.glob(os.path.join(DIFFS, "*.schema.json"))):
        with open(path, "rb") as file:
            sources.append(file.read())
    message = os.path.join(SCHEMAS, "messages", "odd-keys.bin")
    with open(message, "rb") as file:
        body = xpcwire.decode(file.read())["body"]
    count = max(1, arguments.count)
    with tempfile.TemporaryDirectory() as scratch:
        mutants = []
        for index in range(count):
            path = os.path.join(scratch, f"mutant-{index}.schema.json")
            source = rng.choice(sources)
            data = mutate_bytes(rng, source) if index % 2 == 0 else mutate_structure(rng, source)
            with open(path, "wb") as file:
                file.write(data)
            mutants.append((path, data))
        results = parallel([lambda p=p: run([arguments.c, "schema-check", "--json", p, message]) for p, _ in mutants])
        swift_results = parallel([lambda p=p: run([arguments.swift, "schema", "check", "--json", p, message])
                                  for p, _ in mutants])
        kinds = collections.Counter()
        for (path, data), result, swift_result in zip(mutants, results, swift_results):
            try:
                schema = xpcwire_schema.read_schema(data)
                expected = ("ok", python_violations(xpcwire_schema, schema, body))
            except xpcwire_schema.MalformedSchemaJSON:
                expected = ("malformed",)
            except xpcwire_schema.InvalidSchema as error:
                expected = ("invalid", str(error)[len("invalid schema at "):])
            kinds[expected[0]] += 1
            found = schema_outcome(result, path)
            swift = schema_outcome(swift_result, path)
            tally.check(swift == expected and found == expected,
                        f"Swift, C and Python read the mutated schema {data[:300]!r} differently: Swift {swift!r}, "
                        f"C {found!r} (exit {result.returncode}, {short(result.stderr)}), Python {expected!r}")
    listed = ", ".join(f"{kinds[kind]} {kind}" for kind in ("ok", "invalid", "malformed"))
    tally.group(f"mutated schema texts ({listed}): Swift, C and Python", mark)


# ---------------------------------------------------------------------------------------------
# schema-cli: exit statuses and output of xpcwire schema check / diff, and of schema-check
# ---------------------------------------------------------------------------------------------

def diff_pairs():
    names = sorted(os.path.basename(path)[:-len(".old.schema.json")]
                   for path in glob.glob(os.path.join(DIFFS, "*.old.schema.json")))
    return [(name, os.path.join(DIFFS, name + ".old.schema.json"), os.path.join(DIFFS, name + ".new.schema.json"),
             os.path.join(DIFFS, name + ".expected.json")) for name in names]


def lines(output):
    return [line for line in output.decode("utf-8").split("\n") if line]


def check_schema_cli(arguments, tally):
    mark = tally.mark()
    swift = arguments.swift
    every = os.path.join(FIXTURES, "v1", "every-variant.bin")
    schema = os.path.join(SCHEMAS, "every-variant.schema.json")
    other = os.path.join(SCHEMAS, "integers.schema.json")
    with tempfile.TemporaryDirectory() as scratch:
        invalid = os.path.join(scratch, "invalid.schema.json")
        with open(invalid, "w") as file:
            file.write('{"type": "array", "elements": {"type": "text"}}')
        malformed = os.path.join(scratch, "malformed.schema.json")
        with open(malformed, "w") as file:
            file.write('{"type": "any",}')
        missing = os.path.join(scratch, "missing.schema.json")
        broken = os.path.join(FIXTURES, "invalid", "reserved-byte-c1.bin")
        noncanonical = sorted(glob.glob(os.path.join(FIXTURES, "noncanonical", "*.bin")))[0]

        def expect(name, command, status, stdout=None, stderr=None, stdin=None):
            result = run(command, stdin=stdin)
            ok = result.returncode == status
            if stdout is not None:
                ok = ok and (stdout(result.stdout) if callable(stdout) else result.stdout == stdout)
            if stderr is not None:
                ok = ok and re.search(stderr, result.stderr.decode("utf-8", "replace")) is not None
            tally.check(ok, f"{name}: expected exit {status}"
                            f"{'' if stdout is None or callable(stdout) else f' and stdout {stdout[:200]!r}'}"
                            f"{'' if stderr is None else f' and stderr matching {stderr!r}'}; got exit "
                            f"{result.returncode}, stdout {result.stdout[:200]!r}, stderr {short(result.stderr)}")
            return result

        # xpcwire schema check
        expect("schema check, a match", [swift, "schema", "check", schema, every], 0,
               stdout=f"{every}: matches {schema}\n".encode(), stderr="^$")
        expect("schema check --json, a match", [swift, "schema", "check", "--json", schema, every], 0, stdout=b"")
        expect("schema check, violations", [swift, "schema", "check", other, every], 1,
               stdout=b"<root>: expected array, found dictionary\n", stderr="^$")
        expect("schema check --json, violations", [swift, "schema", "check", "--json", other, every], 1,
               stdout=lambda out: [json.loads(line) for line in lines(out)] == [
                   {"path": "<root>", "components": [], "kind": "kindMismatch",
                    "message": "expected array, found dictionary"}])
        expect("schema check, message on standard input", [swift, "schema", "check", schema, "-"], 0,
               stdout=f"<stdin>: matches {schema}\n".encode(), stdin=open(every, "rb").read())
        expect("schema check, schema on standard input", [swift, "schema", "check", "-", every], 1,
               stdout=b"<root>: expected array, found dictionary\n", stdin=open(other, "rb").read())
        expect("schema check, both on standard input", [swift, "schema", "check", "-", "-"], EXIT_USAGE)
        expect("schema check, a missing argument", [swift, "schema", "check", schema], EXIT_USAGE)
        expect("schema check, an invalid schema", [swift, "schema", "check", invalid, every], EXIT_USAGE, stdout=b"",
               stderr=re.escape(f'{invalid}: invalid schema at /elements/type: unknown type "text"'))
        expect("schema check, malformed schema JSON", [swift, "schema", "check", malformed, every], EXIT_USAGE,
               stdout=b"", stderr=re.escape(malformed) + ": malformed JSON at byte 15")
        expect("schema check, an unreadable schema file", [swift, "schema", "check", missing, every], EXIT_USAGE,
               stdout=b"", stderr="cannot read")
        expect("schema check, an unreadable message file", [swift, "schema", "check", schema, missing], EXIT_USAGE,
               stdout=b"", stderr="cannot read")
        expect("schema check, an invalid schema and an unreadable message",
               [swift, "schema", "check", invalid, missing], EXIT_USAGE, stderr="invalid schema")
        expect("schema check, an invalid envelope", [swift, "schema", "check", schema, broken], 1, stdout=b"",
               stderr="invalid: ")
        any_schema = os.path.join(SCHEMAS, "any.schema.json")
        expect("schema check, a non-canonical envelope", [swift, "schema", "check", any_schema, noncanonical], 0)
        expect("schema check --canonical, a non-canonical envelope",
               [swift, "schema", "check", "--canonical", any_schema, noncanonical], 1, stderr="invalid: ")

        # The C and Python tools, the same statuses
        for language, tool in (("C", [arguments.c]), ("Python", [sys.executable, arguments.python])):
            expect(f"{language} schema-check, a match", tool + ["schema-check", schema, every], 0,
                   stdout=f"{every}: matches {schema}\n".encode())
            expect(f"{language} schema-check --json, a match", tool + ["schema-check", "--json", schema, every], 0,
                   stdout=b"")
            expect(f"{language} schema-check, violations", tool + ["schema-check", other, every], 1,
                   stdout=b"<root>: expected array, found dictionary\n")
            expect(f"{language} schema-check, message on standard input", tool + ["schema-check", schema, "-"], 0,
                   stdout=f"<stdin>: matches {schema}\n".encode(), stdin=open(every, "rb").read())
            expect(f"{language} schema-check, an invalid schema", tool + ["schema-check", invalid, every], EXIT_USAGE,
                   stdout=b"", stderr=re.escape(f'{invalid}: invalid schema at /elements/type: unknown type "text"'))
            expect(f"{language} schema-check, malformed schema JSON", tool + ["schema-check", malformed, every],
                   EXIT_USAGE, stdout=b"", stderr=re.escape(malformed) + ": malformed JSON")
            expect(f"{language} schema-check, an unreadable schema file", tool + ["schema-check", missing, every],
                   EXIT_USAGE, stdout=b"")
            expect(f"{language} schema-check, an unreadable message file", tool + ["schema-check", schema, missing],
                   EXIT_USAGE, stdout=b"")
            expect(f"{language} schema-check, an invalid envelope", tool + ["schema-check", schema, broken], 1,
                   stdout=b"", stderr=r"^error: reservedByte at 14\n$")
            expect(f"{language} schema-check --canonical, a non-canonical envelope",
                   tool + ["schema-check", "--canonical", any_schema, noncanonical], 1, stderr=r"^error: nonCanonical")

        # xpcwire schema diff
        pairs = diff_pairs()
        tally.check(len(pairs) >= 5, f"only {len(pairs)} pairs in Fixtures/schema/diff")
        breaking = additive = 0
        for name, old, new, expected_path in pairs:
            with open(expected_path, encoding="utf-8") as file:
                expected = json.load(file)
            for direction in ("backward", "forward"):
                changes = expected[direction]
                command = [swift, "schema", "diff", old, new] + ([] if direction == "backward" else
                                                                  ["--direction", direction])
                wanted = "".join(line + "\n" for line in changes) if changes else f"no breaking changes ({direction})\n"
                expect(f"schema diff {name} ({direction})", command, 1 if changes else 0, stdout=wanted.encode())
            both = [f"new reader, old messages: {line}" for line in expected["backward"]] + \
                   [f"old reader, new messages: {line}" for line in expected["forward"]]
            expect(f"schema diff {name} (both)", [swift, "schema", "diff", "--direction", "both", old, new],
                   1 if both else 0,
                   stdout=("".join(line + "\n" for line in both) if both else "no breaking changes (both)\n").encode())
            if expected["backward"]:
                breaking += 1
            else:
                additive += 1
        tally.check(breaking > 0 and additive > 0,
                    f"Fixtures/schema/diff needs breaking and additive pairs: {breaking} breaking, {additive} additive")
        for path in schema_files():
            expect(f"schema diff {schema_name(path)} against itself",
                   [swift, "schema", "diff", "--direction", "both", path, path], 0,
                   stdout=b"no breaking changes (both)\n")
        expect("schema diff, an invalid schema", [swift, "schema", "diff", schema, invalid], EXIT_USAGE, stdout=b"",
               stderr="invalid schema at /elements/type")
        expect("schema diff, malformed schema JSON", [swift, "schema", "diff", malformed, schema], EXIT_USAGE,
               stdout=b"", stderr="malformed JSON")
        expect("schema diff, an unreadable file", [swift, "schema", "diff", schema, missing], EXIT_USAGE, stdout=b"",
               stderr="cannot read")
        expect("schema diff, a bad direction", [swift, "schema", "diff", "--direction", "sideways", schema, schema],
               EXIT_USAGE)
    tally.group("xpcwire schema check/diff and schema-check: exit statuses and output", mark)


# ---------------------------------------------------------------------------------------------
# schema-expected: rewrite Fixtures/schema/expected and the diff expectations from the Swift CLI
# ---------------------------------------------------------------------------------------------

def write_expected(arguments):
    os.makedirs(EXPECTED, exist_ok=True)
    envelopes = messages()
    for schema in schema_files():
        results = parallel([lambda b=b: run([arguments.swift, "schema", "check", "--json", schema, b])
                            for _, b in envelopes])
        text = [f"# xpcwire schema check {os.path.basename(schema)} MESSAGE, written by "
                "`python3 Interop/checks.py schema-expected --swift XPCWIRE`:",
                "# MESSAGE: matches | N violations (count of each kind); first: the first violation"]
        for (name, _), result in zip(envelopes, results):
            violations = violation_lines(result)
            if violations is None:
                raise SystemExit(f"xpcwire schema check {schema} {name}: {short(result.stderr)}")
            text.append(f"{name}: {summary(violations)}")
        with open(os.path.join(EXPECTED, schema_name(schema) + ".txt"), "w", encoding="utf-8") as file:
            file.write("\n".join(text) + "\n")
    for name, old, new, expected_path in diff_pairs():
        expected = {}
        for direction in ("backward", "forward"):
            result = run([arguments.swift, "schema", "diff", "--direction", direction, old, new])
            if result.returncode not in (0, 1):
                raise SystemExit(f"xpcwire schema diff {name}: {short(result.stderr)}")
            expected[direction] = lines(result.stdout) if result.returncode == 1 else []
        with open(expected_path, "w", encoding="utf-8") as file:
            file.write(json.dumps(expected, indent=2, ensure_ascii=False) + "\n")
