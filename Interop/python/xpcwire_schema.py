#!/usr/bin/env python3
"""Schemas (SPEC §9.4) in Python: the JSON form and validation, beside ``xpcwire.py``.

``read_schema`` reads a schema's JSON form (SPEC §9.4.1) with the checks of that section, in the
order the Swift reader makes them, and reports the first problem with a JSON Pointer;
``validate`` checks a decoded message (``xpcwire.decode(...)["body"]``) and lists every violation
of SPEC §9.4.2, with the path and the reason written exactly as the Swift validator writes them:

    >>> schema = read_schema(b'{"type": "array", "maxCount": 2, '
    ...                      b'"elements": {"type": "int64", "minimum": "0", "maximum": "9"}}')
    >>> body = {"array": [{"int64": "1"}, {"int64": "20"}, {"string": "x"}]}
    >>> for violation in validate(schema, body):
    ...     print(violation.line())
    <root>: array of 3 elements has more than the maximum 2
    [1]: int64 20 out of range 0...9
    [2]: expected int64, found string

The command ``xpcwire.py schema-check [--json] [--canonical] SCHEMA MESSAGE`` (see ``check_main``)
prints the same lines as ``xpcwire schema check``.
"""

import json
import sys

import xpcwire

KINDS = ("null", "bool", "int64", "uint64", "double", "string", "data", "fd", "uuid", "date", "endpoint",
         "array", "dictionary")  # SPEC §2.1 order: the order of "expected A, B or C"
INT64_MIN, INT64_MAX, UINT64_MAX = -(2**63), 2**63 - 1, 2**64 - 1
LIMIT_MAX = 2**32 - 1
MAXIMUM_JSON_DEPTH = 512  # nested arrays and objects accepted, as the Swift reader (SPEC §9.4.1)

# The members each type allows besides "type" (SPEC §9.4.1), in the order they are read.
MEMBERS = {
    "any": (), "null": (), "bool": (), "double": (), "uuid": (), "date": (), "fd": (), "endpoint": (),
    "int64": ("minimum", "maximum"), "uint64": ("minimum", "maximum"),
    "string": ("maxLength",), "data": ("maxLength",),
    "array": ("elements", "maxCount"),
    "dictionary": ("fields", "extraKeys"),
    "optional": ("schema",),
    "oneOf": ("alternatives",),
}


# ---------------------------------------------------------------------------------------------
# Paths: keys and names quoted as Swift's String(reflecting:) quotes them
# ---------------------------------------------------------------------------------------------

# Unicode Grapheme_Cluster_Break values Extend, ZWJ and SpacingMark (a scalar that joins the
# character before it), then Prepend (one that joins the character after it), as inclusive
# ranges, in the Unicode version of Swift 6.3's standard library. Swift escapes a joining scalar
# that would otherwise merge with the opening quote or an escape, and a Prepend scalar before the
# closing quote, so that the quotes stay characters of their own. Regenerate by asking Swift, for
# every scalar s, whether String(reflecting: String(s) + "a") starts with "\u{" (first table) and
# whether String(reflecting: "a" + String(s)) ends with "}\"" (second table).
_JOINS_PREVIOUS = (
    (0x300, 0x36F), (0x483, 0x489), (0x591, 0x5BD), (0x5BF, 0x5BF), (0x5C1, 0x5C2), (0x5C4, 0x5C5),
    (0x5C7, 0x5C7), (0x610, 0x61A), (0x64B, 0x65F), (0x670, 0x670), (0x6D6, 0x6DC), (0x6DF, 0x6E4),
    (0x6E7, 0x6E8), (0x6EA, 0x6ED), (0x711, 0x711), (0x730, 0x74A), (0x7A6, 0x7B0), (0x7EB, 0x7F3),
    (0x7FD, 0x7FD), (0x816, 0x819), (0x81B, 0x823), (0x825, 0x827), (0x829, 0x82D), (0x859, 0x85B),
    (0x897, 0x89F), (0x8CA, 0x8E1), (0x8E3, 0x903), (0x93A, 0x93C), (0x93E, 0x94F), (0x951, 0x957),
    (0x962, 0x963), (0x981, 0x983), (0x9BC, 0x9BC), (0x9BE, 0x9C4), (0x9C7, 0x9C8), (0x9CB, 0x9CD),
    (0x9D7, 0x9D7), (0x9E2, 0x9E3), (0x9FE, 0x9FE), (0xA01, 0xA03), (0xA3C, 0xA3C), (0xA3E, 0xA42),
    (0xA47, 0xA48), (0xA4B, 0xA4D), (0xA51, 0xA51), (0xA70, 0xA71), (0xA75, 0xA75), (0xA81, 0xA83),
    (0xABC, 0xABC), (0xABE, 0xAC5), (0xAC7, 0xAC9), (0xACB, 0xACD), (0xAE2, 0xAE3), (0xAFA, 0xAFF),
    (0xB01, 0xB03), (0xB3C, 0xB3C), (0xB3E, 0xB44), (0xB47, 0xB48), (0xB4B, 0xB4D), (0xB55, 0xB57),
    (0xB62, 0xB63), (0xB82, 0xB82), (0xBBE, 0xBC2), (0xBC6, 0xBC8), (0xBCA, 0xBCD), (0xBD7, 0xBD7),
    (0xC00, 0xC04), (0xC3C, 0xC3C), (0xC3E, 0xC44), (0xC46, 0xC48), (0xC4A, 0xC4D), (0xC55, 0xC56),
    (0xC62, 0xC63), (0xC81, 0xC83), (0xCBC, 0xCBC), (0xCBE, 0xCC4), (0xCC6, 0xCC8), (0xCCA, 0xCCD),
    (0xCD5, 0xCD6), (0xCE2, 0xCE3), (0xCF3, 0xCF3), (0xD00, 0xD03), (0xD3B, 0xD3C), (0xD3E, 0xD44),
    (0xD46, 0xD48), (0xD4A, 0xD4D), (0xD57, 0xD57), (0xD62, 0xD63), (0xD81, 0xD83), (0xDCA, 0xDCA),
    (0xDCF, 0xDD4), (0xDD6, 0xDD6), (0xDD8, 0xDDF), (0xDF2, 0xDF3), (0xE31, 0xE31), (0xE33, 0xE3A),
    (0xE47, 0xE4E), (0xEB1, 0xEB1), (0xEB3, 0xEBC), (0xEC8, 0xECE), (0xF18, 0xF19), (0xF35, 0xF35),
    (0xF37, 0xF37), (0xF39, 0xF39), (0xF3E, 0xF3F), (0xF71, 0xF84), (0xF86, 0xF87), (0xF8D, 0xF97),
    (0xF99, 0xFBC), (0xFC6, 0xFC6), (0x102D, 0x1037), (0x1039, 0x103E), (0x1056, 0x1059), (0x105E, 0x1060),
    (0x1071, 0x1074), (0x1082, 0x1082), (0x1084, 0x1086), (0x108D, 0x108D), (0x109D, 0x109D),
    (0x135D, 0x135F), (0x1712, 0x1715), (0x1732, 0x1734), (0x1752, 0x1753), (0x1772, 0x1773),
    (0x17B4, 0x17D3), (0x17DD, 0x17DD), (0x180B, 0x180D), (0x180F, 0x180F), (0x1885, 0x1886),
    (0x18A9, 0x18A9), (0x1920, 0x192B), (0x1930, 0x193B), (0x1A17, 0x1A1B), (0x1A55, 0x1A5E),
    (0x1A60, 0x1A60), (0x1A62, 0x1A62), (0x1A65, 0x1A7C), (0x1A7F, 0x1A7F), (0x1AB0, 0x1ADD),
    (0x1AE0, 0x1AEB), (0x1B00, 0x1B04), (0x1B34, 0x1B44), (0x1B6B, 0x1B73), (0x1B80, 0x1B82),
    (0x1BA1, 0x1BAD), (0x1BE6, 0x1BF3), (0x1C24, 0x1C37), (0x1CD0, 0x1CD2), (0x1CD4, 0x1CE8),
    (0x1CED, 0x1CED), (0x1CF4, 0x1CF4), (0x1CF7, 0x1CF9), (0x1DC0, 0x1DFF), (0x200C, 0x200D),
    (0x20D0, 0x20F0), (0x2CEF, 0x2CF1), (0x2D7F, 0x2D7F), (0x2DE0, 0x2DFF), (0x302A, 0x302F),
    (0x3099, 0x309A), (0xA66F, 0xA672), (0xA674, 0xA67D), (0xA69E, 0xA69F), (0xA6F0, 0xA6F1),
    (0xA802, 0xA802), (0xA806, 0xA806), (0xA80B, 0xA80B), (0xA823, 0xA827), (0xA82C, 0xA82C),
    (0xA880, 0xA881), (0xA8B4, 0xA8C5), (0xA8E0, 0xA8F1), (0xA8FF, 0xA8FF), (0xA926, 0xA92D),
    (0xA947, 0xA953), (0xA980, 0xA983), (0xA9B3, 0xA9C0), (0xA9E5, 0xA9E5), (0xAA29, 0xAA36),
    (0xAA43, 0xAA43), (0xAA4C, 0xAA4D), (0xAA7C, 0xAA7C), (0xAAB0, 0xAAB0), (0xAAB2, 0xAAB4),
    (0xAAB7, 0xAAB8), (0xAABE, 0xAABF), (0xAAC1, 0xAAC1), (0xAAEB, 0xAAEF), (0xAAF5, 0xAAF6),
    (0xABE3, 0xABEA), (0xABEC, 0xABED), (0xFB1E, 0xFB1E), (0xFE00, 0xFE0F), (0xFE20, 0xFE2F),
    (0xFF9E, 0xFF9F), (0x101FD, 0x101FD), (0x102E0, 0x102E0), (0x10376, 0x1037A), (0x10A01, 0x10A03),
    (0x10A05, 0x10A06), (0x10A0C, 0x10A0F), (0x10A38, 0x10A3A), (0x10A3F, 0x10A3F), (0x10AE5, 0x10AE6),
    (0x10D24, 0x10D27), (0x10D69, 0x10D6D), (0x10EAB, 0x10EAC), (0x10EFA, 0x10EFF), (0x10F46, 0x10F50),
    (0x10F82, 0x10F85), (0x11000, 0x11002), (0x11038, 0x11046), (0x11070, 0x11070), (0x11073, 0x11074),
    (0x1107F, 0x11082), (0x110B0, 0x110BA), (0x110C2, 0x110C2), (0x11100, 0x11102), (0x11127, 0x11134),
    (0x11145, 0x11146), (0x11173, 0x11173), (0x11180, 0x11182), (0x111B3, 0x111C0), (0x111C9, 0x111CC),
    (0x111CE, 0x111CF), (0x1122C, 0x11237), (0x1123E, 0x1123E), (0x11241, 0x11241), (0x112DF, 0x112EA),
    (0x11300, 0x11303), (0x1133B, 0x1133C), (0x1133E, 0x11344), (0x11347, 0x11348), (0x1134B, 0x1134D),
    (0x11357, 0x11357), (0x11362, 0x11363), (0x11366, 0x1136C), (0x11370, 0x11374), (0x113B8, 0x113C0),
    (0x113C2, 0x113C2), (0x113C5, 0x113C5), (0x113C7, 0x113CA), (0x113CC, 0x113D0), (0x113D2, 0x113D2),
    (0x113E1, 0x113E2), (0x11435, 0x11446), (0x1145E, 0x1145E), (0x114B0, 0x114C3), (0x115AF, 0x115B5),
    (0x115B8, 0x115C0), (0x115DC, 0x115DD), (0x11630, 0x11640), (0x116AB, 0x116B7), (0x1171D, 0x1171F),
    (0x11722, 0x1172B), (0x1182C, 0x1183A), (0x11930, 0x11935), (0x11937, 0x11938), (0x1193B, 0x1193E),
    (0x11940, 0x11940), (0x11942, 0x11943), (0x119D1, 0x119D7), (0x119DA, 0x119E0), (0x119E4, 0x119E4),
    (0x11A01, 0x11A0A), (0x11A33, 0x11A39), (0x11A3B, 0x11A3E), (0x11A47, 0x11A47), (0x11A51, 0x11A5B),
    (0x11A8A, 0x11A99), (0x11B60, 0x11B67), (0x11C2F, 0x11C36), (0x11C38, 0x11C3F), (0x11C92, 0x11CA7),
    (0x11CA9, 0x11CB6), (0x11D31, 0x11D36), (0x11D3A, 0x11D3A), (0x11D3C, 0x11D3D), (0x11D3F, 0x11D45),
    (0x11D47, 0x11D47), (0x11D8A, 0x11D8E), (0x11D90, 0x11D91), (0x11D93, 0x11D97), (0x11EF3, 0x11EF6),
    (0x11F00, 0x11F01), (0x11F03, 0x11F03), (0x11F34, 0x11F3A), (0x11F3E, 0x11F42), (0x11F5A, 0x11F5A),
    (0x13440, 0x13440), (0x13447, 0x13455), (0x1611E, 0x1612F), (0x16AF0, 0x16AF4), (0x16B30, 0x16B36),
    (0x16F4F, 0x16F4F), (0x16F51, 0x16F87), (0x16F8F, 0x16F92), (0x16FE4, 0x16FE4), (0x16FF0, 0x16FF1),
    (0x1BC9D, 0x1BC9E), (0x1CF00, 0x1CF2D), (0x1CF30, 0x1CF46), (0x1D165, 0x1D169), (0x1D16D, 0x1D172),
    (0x1D17B, 0x1D182), (0x1D185, 0x1D18B), (0x1D1AA, 0x1D1AD), (0x1D242, 0x1D244), (0x1DA00, 0x1DA36),
    (0x1DA3B, 0x1DA6C), (0x1DA75, 0x1DA75), (0x1DA84, 0x1DA84), (0x1DA9B, 0x1DA9F), (0x1DAA1, 0x1DAAF),
    (0x1E000, 0x1E006), (0x1E008, 0x1E018), (0x1E01B, 0x1E021), (0x1E023, 0x1E024), (0x1E026, 0x1E02A),
    (0x1E08F, 0x1E08F), (0x1E130, 0x1E136), (0x1E2AE, 0x1E2AE), (0x1E2EC, 0x1E2EF), (0x1E4EC, 0x1E4EF),
    (0x1E5EE, 0x1E5EF), (0x1E6E3, 0x1E6E3), (0x1E6E6, 0x1E6E6), (0x1E6EE, 0x1E6EF), (0x1E6F5, 0x1E6F5),
    (0x1E8D0, 0x1E8D6), (0x1E944, 0x1E94A), (0x1F3FB, 0x1F3FF), (0xE0020, 0xE007F), (0xE0100, 0xE01EF),
)
_JOINS_NEXT = (
    (0x600, 0x605), (0x6DD, 0x6DD), (0x70F, 0x70F), (0x890, 0x891), (0x8E2, 0x8E2), (0xD4E, 0xD4E),
    (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x111C2, 0x111C3), (0x113D1, 0x113D1), (0x1193F, 0x1193F),
    (0x11941, 0x11941), (0x11A84, 0x11A89), (0x11D46, 0x11D46), (0x11F02, 0x11F02),
)


def _in_ranges(ranges, value):
    low, high = 0, len(ranges)
    while low < high:
        middle = (low + high) // 2
        first, last = ranges[middle]
        if value < first:
            high = middle
        elif value > last:
            low = middle + 1
        else:
            return True
    return False


def _escape_ascii(code):
    """Swift's Unicode.Scalar.escaped(asASCII: true) of a non-ASCII scalar."""
    return "\\u{%04X}" % code if code <= 0xFFFF else "\\u{%08X}" % code


def swift_quoted(text):
    """``text`` as Swift's ``String(reflecting:)`` writes it: in double quotes, with ``\\\\``,
    ``\\"``, ``\\'``, ``\\0``, ``\\t``, ``\\n``, ``\\r`` and ``\\u{XX}`` for the other ASCII
    controls and DEL; other scalars as they are, except a scalar that would join the opening quote
    or the escape before it, and Prepend scalars before the closing quote (``\\u{XXXX}``)."""
    pieces = []
    after_break = True  # the last piece written is the opening quote or an escape
    for character in text:
        code = ord(character)
        if character in "\\'\"":
            pieces.append("\\" + character)
            after_break = True
        elif 0x20 <= code <= 0x7E:
            pieces.append(character)
            after_break = False
        elif code < 0x80:
            pieces.append({0: "\\0", 9: "\\t", 10: "\\n", 13: "\\r"}.get(code, "\\u{%02X}" % code))
            after_break = True
        elif after_break and _in_ranges(_JOINS_PREVIOUS, code):
            pieces.append(_escape_ascii(code))
        else:
            pieces.append(character)
            after_break = False
    # The closing quote: escape the trailing scalars that would join it.
    index = len(pieces)
    while index > 0 and len(pieces[index - 1]) == 1 and _in_ranges(_JOINS_NEXT, ord(pieces[index - 1])):
        index -= 1
        pieces[index] = _escape_ascii(ord(pieces[index]))
    return '"' + "".join(pieces) + '"'


def _is_identifier(key):
    return bool(key) and not ("0" <= key[0] <= "9") and \
        all("0" <= c <= "9" or "A" <= c <= "Z" or "a" <= c <= "z" or c == "_" for c in key)


def render_path(components):
    """A message path as the Swift API writes it (XPCMessagePath): ``items[3].name``,
    ``headers["content-type"]``, ``<root>`` for the root."""
    if not components:
        return "<root>"
    text = ""
    for component in components:
        if type(component) is int:
            text += f"[{component}]"
        elif _is_identifier(component):
            text += component if not text else "." + component
        else:
            text += "[" + swift_quoted(component) + "]"
    return text


def _kinds_text(kinds):
    names = [kind for kind in KINDS if kind in kinds]
    if not names:
        return "nothing"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


# ---------------------------------------------------------------------------------------------
# The JSON form (SPEC §9.4.1)
# ---------------------------------------------------------------------------------------------

class MalformedSchemaJSON(ValueError):
    """The schema file is not JSON (RFC 8259, UTF-8, no repeated member names, at most 512 levels)."""


class InvalidSchema(ValueError):
    """Well-formed JSON that is not a schema: ``pointer`` (RFC 6901) and ``problem`` in words."""

    def __init__(self, pointer, problem):
        super().__init__(pointer, problem)
        self.pointer, self.problem = pointer, problem

    def __str__(self):
        return f"invalid schema at {self.pointer or '/'}: {self.problem}"


class _Number(str):
    """A JSON number, kept as its lexeme."""


class _Object:
    """A JSON object: its members in order."""

    def __init__(self, pairs):
        names = [name for name, _ in pairs]
        if len(set(names)) != len(names):
            raise MalformedSchemaJSON("an object repeats a member name")
        self.members = pairs

    def get(self, name):
        for member, value in self.members:
            if member == name:
                return value
        return None

    def has(self, name):
        return any(member == name for member, _ in self.members)


def _reject_constant(name):
    raise MalformedSchemaJSON(f"{name} is not JSON")


def _check_tree(value):
    """Nesting depth and lone surrogates (which Python's json accepts in \\u escapes)."""
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, (list, _Object)):
            if depth + 1 > MAXIMUM_JSON_DEPTH:
                raise MalformedSchemaJSON(f"nested deeper than {MAXIMUM_JSON_DEPTH} levels")
            if isinstance(item, list):
                pending.extend((element, depth + 1) for element in item)
            else:
                for name, element in item.members:
                    _check_text(name)
                    pending.append((element, depth + 1))
        elif type(item) is str:
            _check_text(item)


def _check_text(text):
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedSchemaJSON("unpaired surrogate in a \\u escape") from None


def _parse_json(data):
    try:
        text = bytes(data).decode("utf-8")
    except UnicodeDecodeError as error:
        raise MalformedSchemaJSON(f"invalid UTF-8 at byte {error.start}") from None
    try:
        value = json.loads(text, object_pairs_hook=_Object, parse_int=_Number, parse_float=_Number,
                           parse_constant=_reject_constant)
    except MalformedSchemaJSON:
        raise
    except (ValueError, RecursionError) as error:
        raise MalformedSchemaJSON(str(error)) from None
    _check_tree(value)
    return value


def _pointer(path, token):
    return path + "/" + str(token).replace("~", "~0").replace("/", "~1")


class Schema:
    """One schema node. ``type`` is the JSON ``"type"``; ``accepted`` the variants it accepts."""

    __slots__ = ("type", "range", "limit", "elements", "fields", "extra", "wrapped", "alternatives", "accepted")

    def __init__(self, type_name):
        self.type = type_name
        self.range = None          # (minimum, maximum) for int64 and uint64, bounds filled in
        self.limit = None          # maxLength or maxCount
        self.elements = None       # array
        self.fields = None         # dictionary: [(name bytes, name, required, Schema)], by name bytes
        self.extra = "allow"       # dictionary: "allow", "reject" or a Schema
        self.wrapped = None        # optional
        self.alternatives = None   # oneOf
        self.accepted = frozenset()


def _canonical_decimal(text, signed):
    digits = text[1:] if signed and text.startswith("-") else text
    if signed and text == "-0":
        return False
    return bool(digits) and all("0" <= c <= "9" for c in digits) and (digits[0] != "0" or len(digits) == 1)


def _bound(json_value, name, path, signed):
    value = json_value.get(name)
    if value is None and not json_value.has(name):
        return None
    low, high = (INT64_MIN, INT64_MAX) if signed else (0, UINT64_MAX)
    if type(value) is not str or not _canonical_decimal(value, signed) or not low <= int(value) <= high:
        expected = 'a decimal string of an int64 without leading zeros or "+"' if signed \
            else "a decimal string of a uint64 without leading zeros or sign"
        raise InvalidSchema(_pointer(path, name), f"expected {expected}")
    return int(value)


def _limit(json_value, name, path):
    if not json_value.has(name):
        return None
    value = json_value.get(name)
    if type(value) is not _Number or not _canonical_decimal(value, False) or int(value) > LIMIT_MAX:
        raise InvalidSchema(_pointer(path, name), "expected an integer 0 … 4294967295")
    return int(value)


def _schema(json_value, path):
    if not isinstance(json_value, _Object):
        raise InvalidSchema(path, "expected an object")
    if not json_value.has("type"):
        raise InvalidSchema(path, 'missing member "type"')
    type_name = json_value.get("type")
    if type(type_name) is not str:
        raise InvalidSchema(_pointer(path, "type"), "expected a string naming a schema type")
    if type_name not in MEMBERS:
        raise InvalidSchema(_pointer(path, "type"), f"unknown type {swift_quoted(type_name)}")
    for name, _ in json_value.members:
        if name != "type" and name not in MEMBERS[type_name]:
            raise InvalidSchema(path, f"unexpected member {swift_quoted(name)}")
    schema = Schema(type_name)
    if type_name in ("int64", "uint64"):
        signed = type_name == "int64"
        minimum = _bound(json_value, "minimum", path, signed)
        maximum = _bound(json_value, "maximum", path, signed)
        if minimum is not None or maximum is not None:
            low = minimum if minimum is not None else (INT64_MIN if signed else 0)
            high = maximum if maximum is not None else (INT64_MAX if signed else UINT64_MAX)
            if low > high:
                raise InvalidSchema(path, "minimum is greater than maximum")
            schema.range = (low, high)
    elif type_name in ("string", "data"):
        schema.limit = _limit(json_value, "maxLength", path)
    elif type_name == "array":
        if not json_value.has("elements"):
            raise InvalidSchema(path, 'missing member "elements"')
        schema.elements = _schema(json_value.get("elements"), _pointer(path, "elements"))
        schema.limit = _limit(json_value, "maxCount", path)
    elif type_name == "dictionary":
        _dictionary(schema, json_value, path)
    elif type_name == "optional":
        if not json_value.has("schema"):
            raise InvalidSchema(path, 'missing member "schema"')
        schema.wrapped = _schema(json_value.get("schema"), _pointer(path, "schema"))
    elif type_name == "oneOf":
        if not json_value.has("alternatives"):
            raise InvalidSchema(path, 'missing member "alternatives"')
        alternatives = json_value.get("alternatives")
        alternatives_path = _pointer(path, "alternatives")
        if type(alternatives) is not list:
            raise InvalidSchema(alternatives_path, "expected an array of schemas")
        schema.alternatives = [_schema(item, _pointer(alternatives_path, index))
                               for index, item in enumerate(alternatives)]
    schema.accepted = _accepted(schema)
    return schema


def _dictionary(schema, json_value, path):
    if not json_value.has("fields"):
        raise InvalidSchema(path, 'missing member "fields"')
    fields_value = json_value.get("fields")
    fields_path = _pointer(path, "fields")
    if not isinstance(fields_value, _Object):
        raise InvalidSchema(fields_path, "expected an object of fields")
    fields = []
    for name, field in fields_value.members:
        field_path = _pointer(fields_path, name)
        if "\x00" in name:
            raise InvalidSchema(field_path, "expected a field name without U+0000")
        if not isinstance(field, _Object):
            raise InvalidSchema(field_path, "expected an object")
        for member, _ in field.members:
            if member not in ("required", "schema"):
                raise InvalidSchema(field_path, f"unexpected member {swift_quoted(member)}")
        if not field.has("required"):
            raise InvalidSchema(field_path, 'missing member "required"')
        required = field.get("required")
        if type(required) is not bool:
            raise InvalidSchema(_pointer(field_path, "required"), "expected true or false")
        if not field.has("schema"):
            raise InvalidSchema(field_path, 'missing member "schema"')
        field_schema = _schema(field.get("schema"), _pointer(field_path, "schema"))
        fields.append((name.encode("utf-8"), name, required, field_schema))
    fields.sort(key=lambda field: field[0])  # names are unique: the JSON parser rejects repeats
    schema.fields = fields
    extra = json_value.get("extraKeys")
    if not json_value.has("extraKeys") or extra == "allow":
        schema.extra = "allow"
    elif extra == "reject":
        schema.extra = "reject"
    elif isinstance(extra, _Object):
        schema.extra = _schema(extra, _pointer(path, "extraKeys"))
    else:
        raise InvalidSchema(_pointer(path, "extraKeys"), 'expected "allow", "reject" or a schema')


def _accepted(schema):
    if schema.type == "any":
        return frozenset(KINDS)
    if schema.type == "optional":
        return schema.wrapped.accepted | {"null"}
    if schema.type == "oneOf":
        return frozenset().union(*(alternative.accepted for alternative in schema.alternatives))
    return frozenset((schema.type,))


def read_schema(data):
    """The schema of a JSON form given as UTF-8 bytes. Raises MalformedSchemaJSON or InvalidSchema."""
    xpcwire._ensure_recursion_for(MAXIMUM_JSON_DEPTH)  # reading recurses once per schema level
    return _schema(_parse_json(data), "")


# ---------------------------------------------------------------------------------------------
# Validation (SPEC §9.4.2), on the JSON description of a message (SPEC §8)
# ---------------------------------------------------------------------------------------------

class Violation:
    """A violation: ``components`` (keys as str, indices as int), ``kind`` (the Swift
    XPCSchemaViolation.Reason case) and ``message`` (its description)."""

    __slots__ = ("components", "kind", "message")

    def __init__(self, components, kind, message):
        self.components, self.kind, self.message = components, kind, message

    def path(self):
        return render_path(self.components)

    def line(self):
        return f"{self.path()}: {self.message}"

    def json_line(self):
        return json.dumps({"path": self.path(), "components": self.components, "kind": self.kind,
                           "message": self.message}, ensure_ascii=False)


def _variant(value):
    ((kind, content),) = value.items()
    return kind, content


def _data_length(text):
    return len(text) // 4 * 3 - (2 if text.endswith("==") else 1 if text.endswith("=") else 0)


def _length(kind, content):
    return len(content.encode("utf-8")) if kind == "string" else _data_length(content)


def matches(schema, value):
    """Whether ``value`` (a VALUE of SPEC §8.2) matches ``schema``: ``validate`` is empty."""
    kind, content = _variant(value)
    type_name = schema.type
    if type_name == "any":
        return True
    if type_name == "optional":
        return kind == "null" or matches(schema.wrapped, value)
    if type_name == "oneOf":
        return any(matches(alternative, value) for alternative in schema.alternatives)
    if type_name != kind:
        return False
    if schema.range is not None:
        return schema.range[0] <= int(content) <= schema.range[1]
    if type_name in ("string", "data"):
        return schema.limit is None or _length(kind, content) <= schema.limit
    if type_name == "array":
        return (schema.limit is None or len(content) <= schema.limit) and \
            all(matches(schema.elements, item) for item in content)
    if type_name == "dictionary":
        return not _dictionary_violations(schema, content, [], None)
    return True


def _dictionary_violations(schema, pairs, path, out):
    """Walks the fields and the entries together, both in key byte order. With ``out`` None,
    returns at the first violation whether there is one; otherwise appends every violation."""
    fields = schema.fields
    field_index = entry_index = 0
    while field_index < len(fields) or entry_index < len(pairs):
        field = fields[field_index] if field_index < len(fields) else None
        entry = pairs[entry_index] if entry_index < len(pairs) else None
        if field is None:
            order = 1
        elif entry is None:
            order = -1
        else:
            key = entry[0].encode("utf-8")
            order = -1 if field[0] < key else 1 if field[0] > key else 0
        if order < 0:
            if field[2]:
                if out is None:
                    return True
                out.append(Violation(path + [field[1]], "missingRequiredField", "missing required field"))
            field_index += 1
        elif order > 0:
            if schema.extra == "reject":
                if out is None:
                    return True
                out.append(Violation(path + [entry[0]], "unexpectedKey", "unexpected key"))
            elif schema.extra != "allow" and not matches(schema.extra, entry[1]):
                if out is None:
                    return True
                _check(schema.extra, entry[1], path + [entry[0]], out)
            entry_index += 1
        else:
            if not matches(field[3], entry[1]):
                if out is None:
                    return True
                _check(field[3], entry[1], path + [entry[0]], out)
            field_index += 1
            entry_index += 1
    return False


def _check(schema, value, path, out):
    """Appends the violations of a value that does not match ``schema`` (Swift's
    ViolationCollector.check)."""
    kind, content = _variant(value)
    if kind not in schema.accepted:
        out.append(Violation(path, "kindMismatch", f"expected {_kinds_text(schema.accepted)}, found {kind}"))
        return
    type_name = schema.type
    if type_name in ("int64", "uint64"):
        if schema.range is not None and not schema.range[0] <= int(content) <= schema.range[1]:
            out.append(Violation(path, type_name + "OutOfRange",
                                 f"{type_name} {int(content)} out of range {schema.range[0]}...{schema.range[1]}"))
    elif type_name in ("string", "data"):
        length = _length(kind, content)
        if schema.limit is not None and length > schema.limit:
            out.append(Violation(path, type_name + "TooLong",
                                 f"{type_name} of {length} bytes is longer than the maximum {schema.limit}"))
    elif type_name == "array":
        if schema.limit is not None and len(content) > schema.limit:
            out.append(Violation(path, "tooManyElements",
                                 f"array of {len(content)} elements has more than the maximum {schema.limit}"))
        for index, item in enumerate(content):
            if not matches(schema.elements, item):
                _check(schema.elements, item, path + [index], out)
    elif type_name == "dictionary":
        _dictionary_violations(schema, content, path, out)
    elif type_name == "optional":
        if kind != "null":
            _check(schema.wrapped, value, path, out)
    elif type_name == "oneOf":
        candidates = [alternative for alternative in schema.alternatives if kind in alternative.accepted]
        if len(candidates) == 1:
            _check(candidates[0], value, path, out)
        elif not any(matches(candidate, value) for candidate in candidates):
            out.append(Violation(path, "noAlternativeMatched",
                                 f"{kind} matches none of the {len(candidates)} alternatives of oneOf"))


def validate(schema, body):
    """Every violation of ``body`` (the "body" of a JSON description) against ``schema``, in
    message order; empty when it matches."""
    xpcwire._ensure_recursion_for(MAXIMUM_JSON_DEPTH)  # a few frames per schema level
    if matches(schema, body):
        return []
    out = []
    _check(schema, body, [], out)
    return out


# ---------------------------------------------------------------------------------------------
# Command line: xpcwire.py schema-check [--json] [--canonical] SCHEMA MESSAGE
# ---------------------------------------------------------------------------------------------

EXIT_USAGE = 64  # an unreadable file or an invalid schema, as `xpcwire schema check` (EX_USAGE)


def check_main(schema_path, message_path, as_json=False, strict=False):
    """Prints the violations of the envelope at ``message_path`` against the schema at
    ``schema_path`` like ``xpcwire schema check`` and returns the exit status: 0 a match,
    1 violations or an undecodable envelope, 64 an invalid schema or an unreadable file."""
    try:
        schema_bytes = xpcwire._read(schema_path)
    except OSError as error:
        print(f"error: cannot read {schema_path}: {error.strerror}", file=sys.stderr)
        return EXIT_USAGE
    try:
        schema = read_schema(schema_bytes)
    except MalformedSchemaJSON as error:
        print(f"{_display(schema_path)}: malformed JSON: {error}", file=sys.stderr)
        return EXIT_USAGE
    except InvalidSchema as error:
        print(f"{_display(schema_path)}: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        message = xpcwire._read(message_path)
    except OSError as error:
        print(f"error: cannot read {message_path}: {error.strerror}", file=sys.stderr)
        return EXIT_USAGE
    try:
        description = xpcwire.decode(message, strict=strict)
    except xpcwire.XPCWireError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    violations = validate(schema, description["body"])
    output = sys.stdout
    for violation in violations:
        output.write((violation.json_line() if as_json else violation.line()) + "\n")
    if not violations and not as_json:
        output.write(f"{_display(message_path)}: matches {_display(schema_path)}\n")
    output.flush()
    return 1 if violations else 0


def _display(path):
    return "<stdin>" if path == "-" else path
