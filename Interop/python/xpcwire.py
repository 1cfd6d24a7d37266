#!/usr/bin/env python3
"""XPCWire (SPEC.md, format 1.0) in Python, on the ``msgpack`` package.

A message is handled as its JSON description (SPEC §8): ``decode`` turns an envelope into one,
``encode`` turns one into the canonical envelope (SPEC §5), and ``describe`` prints it.

    >>> envelope = encode({"version": "1.0", "flags": 0, "slots": [],
    ...                    "body": {"dictionary": [["a", {"int64": "1"}]]}})
    >>> envelope.hex(" ")
    '58 50 43 57 01 00 00 00 00 00 00 00 00 04 81 a1 61 01'
    >>> decode(envelope)["body"]
    {'dictionary': [['a', {'int64': '1'}]]}

Who does what when reading (see also Interop/README.md):

* ``_ProfileChecker`` walks the bytes itself and makes every check of SPEC §7.3 in that order,
  with exact offsets: forms and canonical forms (strict mode), declared lengths against the body
  (before anything is allocated, SPEC §6.3), limits, UTF-8 and NUL, keys and their order, ext
  framing, timestamps, slots. ``msgpack`` cannot: it reports no offsets, reads ``05`` and
  ``cc 05`` as the same ``int``, ``str`` and ``bin`` as the same ``bytes`` under ``raw=True``,
  widens float 32 through the C compiler, and accepts what the profile forbids. On the way it
  records each value's format byte, in document order.
* ``msgpack.Unpacker`` (``raw=True``, ``strict_map_key=False``, ``object_pairs_hook``,
  ``ext_hook``, timestamps as ``msgpack.Timestamp``) then parses the checked body into Python
  objects, and ``_convert`` turns them into the description, taking from the recorded format
  bytes only what the objects lost: int64 or uint64, string or data, and float 32 bit patterns.

Writing uses ``msgpack.Packer`` (``use_bin_type=True``, ``use_single_float=False``) for strings,
data, doubles, headers and ext values, and writes two kinds of integer by hand: an int64 of 128 or
more (the packer would choose an unsigned form) and a uint64 below 128 (it would choose a fixint).

Command line: ``xpcwire.py json [--canonical] FILE``, ``xpcwire.py encode JSON_FILE`` (bytes to
stdout), ``xpcwire.py roundtrip [--canonical] IN OUT``, ``xpcwire.py schema-check [--json]
[--canonical] SCHEMA FILE`` (SPEC §9.4, in ``xpcwire_schema.py``); see ``main``.
"""

import argparse
import base64
import collections
import json
import re
import struct
import sys

import msgpack

MAGIC = b"XPCW"
HEADER_SIZE = 14
REFERENCE_UNIX_SECONDS = 978_307_200  # 2001-01-01T00:00:00Z (SPEC §2.2)
INT64_MIN, INT64_MAX, UINT64_MAX = -(2**63), 2**63 - 1, 2**64 - 1
SLOT_KINDS = {1: "fd", 2: "endpoint"}
SLOT_BYTES = {"fd": 1, "endpoint": 2}
WRITER_MAXIMUM_DEPTH = 256  # as the Swift writer (SPEC §6.5)


Limits = collections.namedtuple(
    "Limits",
    "maximum_message_size maximum_slot_count maximum_depth maximum_element_count "
    "maximum_string_length maximum_data_length",
    defaults=(64 * 2**20, 253, 256, 4_194_304, 16 * 2**20, 64 * 2**20),
)
Limits.__doc__ = """Reader limits of SPEC §6.1, with their defaults; e.g. ``Limits(maximum_depth=64)``."""

DEFAULT_LIMITS = Limits()


class XPCWireError(Exception):
    """A decoding error of SPEC §7.1: ``kind``, ``offset``, and for ``limitExceeded`` and
    ``nonCanonical`` the limit name or reason in ``detail``."""

    def __init__(self, kind, offset, detail=None):
        super().__init__(kind, offset, detail)
        self.kind, self.offset, self.detail = kind, offset, detail

    def kind_with_detail(self):
        return f"{self.kind}({self.detail})" if self.detail else self.kind

    def __str__(self):
        return f"{self.kind_with_detail()} at {self.offset}"


class DescriptionError(ValueError):
    """A JSON description that breaks SPEC §8.3, or that a writer cannot encode (SPEC §8.1)."""


class EncodingError(Exception):
    """A writer error of SPEC §7.2, e.g. ``embeddedNUL``; ``kind`` names it."""

    def __init__(self, kind, message):
        super().__init__(f"{kind}: {message}")
        self.kind = kind


# ---------------------------------------------------------------------------------------------
# Reading: the profile checks (SPEC §7.3)
# ---------------------------------------------------------------------------------------------

_STRING_FORMS = frozenset(range(0xA0, 0xC0)) | {0xD9, 0xDA, 0xDB}
_LENGTH_WIDTH = {0xD9: 1, 0xDA: 2, 0xDB: 4, 0xC4: 1, 0xC5: 2, 0xC6: 4, 0xC7: 1, 0xC8: 2, 0xC9: 4,
                 0xDC: 2, 0xDD: 4, 0xDE: 2, 0xDF: 4}
_SHORTER_FORM_HOLDS = {0xD9: 32, 0xDA: 256, 0xDB: 65536, 0xC5: 256, 0xC6: 65536,
                       0xDC: 16, 0xDD: 65536, 0xDE: 16, 0xDF: 65536}
_EXT_REGISTRY_LENGTH = {1: 16, 2: 8, 3: 2, 4: 2}
_SCALAR_ONE_BYTE = frozenset(range(0x00, 0x80)) | frozenset(range(0xE0, 0x100)) | {0xC0, 0xC2, 0xC3}


def _canonical_signed_width(value):
    if -32 <= value <= 127:
        return 0
    if -128 <= value <= 127:
        return 1
    if -32768 <= value <= 32767:
        return 2
    if -(2**31) <= value < 2**31:
        return 4
    return 8


def _canonical_unsigned_width(value):
    return 1 if value <= 0xFF else 2 if value <= 0xFFFF else 4 if value <= 0xFFFFFFFF else 8


def _date_from_unix(unix_seconds, nanoseconds):
    """SPEC §4.8.2 step 3, in Python's unbounded integers; None when outside the int64 range."""
    t = (unix_seconds - REFERENCE_UNIX_SECONDS) * 1_000_000_000 + nanoseconds
    return t if INT64_MIN <= t <= INT64_MAX else None


def _widen_float32(bits):
    """The binary64 bit pattern of binary32 ``bits``, as SPEC §4.5 prescribes (NaNs included)."""
    if (bits >> 23) & 0xFF == 0xFF and bits & 0x7FFFFF:
        return ((bits >> 31) << 63) | 0x7FF8000000000000 | ((bits & 0x7FFFFF) << 29)
    widened = struct.unpack(">f", bits.to_bytes(4, "big"))[0]  # exact for every non-NaN
    return int.from_bytes(struct.pack(">d", widened), "big")


class _ProfileChecker:
    """One pass over a body, in the order of SPEC §7.3 ("One value"). Raises XPCWireError.

    Records, in document order, the format byte of every value (keys excluded) in ``forms`` and
    the bit pattern of every float 32 in ``float32_bits``, for ``_convert``.
    """

    def __init__(self, data, body_start, body_end, strict, limits, slot_table):
        self.data = data
        self.end = body_end
        self.position = body_start
        self.strict = strict
        self.limits = limits
        self.slot_table = slot_table
        self.referenced = [False] * len(slot_table)
        self.count = 0
        self.forms = []
        self.float32_bits = []

    def fail(self, kind, offset, detail=None):
        raise XPCWireError(kind, offset, detail)

    def read_length(self, p, width):
        if self.end - (p + 1) < width:
            self.fail("truncated", p)
        return int.from_bytes(self.data[p + 1:p + 1 + width], "big")

    def value(self, level):
        p = self.position
        if p == self.end:
            self.fail("truncated", p)
        self.count += 1
        if self.count > self.limits.maximum_element_count:
            self.fail("limitExceeded", p, "elementCount")
        f = self.data[p]
        self.forms.append(f)
        if f in _SCALAR_ONE_BYTE:
            self.position = p + 1
        elif f <= 0x9F or 0xDC <= f <= 0xDF:
            self.container(p, f, level)
        elif f in _STRING_FORMS:
            self.string(p, f)
        elif f == 0xC1:
            self.fail("reservedByte", p)
        elif 0xC4 <= f <= 0xC6:
            self.binary(p, f)
        elif f == 0xCA:
            if self.strict:
                self.fail("nonCanonical", p, "float32")
            if self.end - (p + 1) < 4:
                self.fail("truncated", p)
            self.float32_bits.append(int.from_bytes(self.data[p + 1:p + 5], "big"))
            self.position = p + 5
        elif f == 0xCB:
            if self.end - (p + 1) < 8:
                self.fail("truncated", p)
            self.position = p + 9
        elif 0xCC <= f <= 0xD3:
            self.integer(p, f)
        else:
            self.ext(p, f)

    def integer(self, p, f):
        width = 1 << (f & 3)
        if self.end - (p + 1) < width:
            self.fail("truncated", p)
        if self.strict:
            payload = self.data[p + 1:p + 1 + width]
            if f <= 0xCF:
                canonical = _canonical_unsigned_width(int.from_bytes(payload, "big"))
            else:
                canonical = _canonical_signed_width(int.from_bytes(payload, "big", signed=True))
            if canonical != width:
                self.fail("nonCanonical", p, "nonShortestInteger")
        self.position = p + 1 + width

    def string(self, p, f):
        """A string value or key (SPEC §4.6 steps 1–6); returns its bytes."""
        if f <= 0xBF:
            length, header = f & 0x1F, 1
        else:
            width = _LENGTH_WIDTH[f]
            length, header = self.read_length(p, width), 1 + width
            if self.strict and length < _SHORTER_FORM_HOLDS[f]:
                self.fail("nonCanonical", p, "nonShortestLength")
        start = p + header
        if length > self.end - start:
            self.fail("truncated", p)
        if length > self.limits.maximum_string_length:
            self.fail("limitExceeded", p, "stringLength")
        payload = self.data[start:start + length]
        nul = payload.find(0)
        if nul >= 0:
            self.fail("embeddedNUL", start + nul)
        try:
            payload.decode("utf-8")  # Python's strict UTF-8 is exactly the table of SPEC §2.3
        except UnicodeDecodeError as error:
            self.fail("invalidUTF8", start + error.start)
        self.position = start + length
        return payload

    def binary(self, p, f):
        width = _LENGTH_WIDTH[f]
        length = self.read_length(p, width)
        if self.strict and f != 0xC4 and length < _SHORTER_FORM_HOLDS[f]:
            self.fail("nonCanonical", p, "nonShortestLength")
        start = p + 1 + width
        if length > self.end - start:
            self.fail("truncated", p)
        if length > self.limits.maximum_data_length:
            self.fail("limitExceeded", p, "dataLength")
        self.position = start + length

    def container(self, p, f, level):
        dictionary = f <= 0x8F or f >= 0xDE
        if f <= 0x9F:
            count, header = f & 0x0F, 1
        else:
            width = _LENGTH_WIDTH[f]
            count, header = self.read_length(p, width), 1 + width
            if self.strict and count < _SHORTER_FORM_HOLDS[f]:
                self.fail("nonCanonical", p, "nonShortestLength")
        if (2 * count if dictionary else count) > self.end - (p + header):
            self.fail("truncated", p)
        if self.count + count > self.limits.maximum_element_count:
            self.fail("limitExceeded", p, "elementCount")
        if level + 1 > self.limits.maximum_depth:
            self.fail("depthLimitExceeded", p)
        self.position = p + header
        if not dictionary:
            for _ in range(count):
                self.value(level + 1)
            return
        keys = []
        unsorted = False
        for _ in range(count):
            q = self.position
            if q == self.end:
                self.fail("truncated", q)
            key_format = self.data[q]
            if key_format not in _STRING_FORMS:
                self.fail("nonStringKey", q)
            key = self.string(q, key_format)
            if keys:
                previous = keys[-1]
                if key == previous:
                    self.fail("duplicateKey", q)
                if key < previous:  # bytes order is SPEC §5.2's
                    if self.strict:
                        self.fail("nonCanonical", q, "unsortedKeys")
                    unsorted = True
            keys.append(key)
            self.value(level + 1)
        if unsorted:
            keys.sort()
            if any(keys[i] == keys[i + 1] for i in range(len(keys) - 1)):
                self.fail("duplicateKey", p)

    def ext(self, p, f):
        """SPEC §4.9.2."""
        fixext = 0xD4 <= f <= 0xD8
        if fixext:
            length, type_offset = 1 << (f - 0xD4), p + 1
        else:
            width = _LENGTH_WIDTH[f]
            length, type_offset = self.read_length(p, width), p + 1 + width
        if type_offset >= self.end:
            self.fail("truncated", p)
        ext_type = self.data[type_offset]
        ext_type = ext_type - 256 if ext_type >= 128 else ext_type
        start = type_offset + 1
        if length > self.end - start:
            self.fail("truncated", p)
        payload = self.data[start:start + length]
        if ext_type in _EXT_REGISTRY_LENGTH:
            if length != _EXT_REGISTRY_LENGTH[ext_type]:
                self.fail("badExtLength", p)
            if self.strict and not fixext:
                self.fail("nonCanonical", p, "nonShortestExtForm")
            if ext_type in (3, 4):
                slot = int.from_bytes(payload, "big")
                if slot >= len(self.slot_table):
                    self.fail("slotIndexOutOfRange", p)
                if self.slot_table[slot] != ext_type - 2:  # fd slots are 1, endpoint slots 2
                    self.fail("slotKindMismatch", p)
                self.referenced[slot] = True
        elif ext_type == -1:
            if self.strict:
                self.fail("nonCanonical", p, "timestampExt")
            self.timestamp(p, payload)
        else:
            self.fail("unknownExtType", p)
        self.position = start + length

    def timestamp(self, p, payload):
        """SPEC §4.8.2 steps 1–3."""
        if len(payload) == 4:
            seconds, nanoseconds = int.from_bytes(payload, "big"), 0
        elif len(payload) == 8:
            word = int.from_bytes(payload, "big")
            seconds, nanoseconds = word & (2**34 - 1), word >> 34
        elif len(payload) == 12:
            nanoseconds = int.from_bytes(payload[:4], "big")
            seconds = int.from_bytes(payload[4:], "big", signed=True)
        else:
            self.fail("badExtLength", p)
        if nanoseconds >= 1_000_000_000:
            self.fail("badExtPayload", p)
        if _date_from_unix(seconds, nanoseconds) is None:
            self.fail("dateOutOfRange", p)


def _check_header(data, strict, limits):
    """Envelope steps 1–10 of SPEC §7.3; returns (major, minor, flags, slot_table, body_end)."""
    length = len(data)
    if length > limits.maximum_message_size:
        raise XPCWireError("limitExceeded", 0, "messageSize")
    for i in range(4):
        if i >= length:
            raise XPCWireError("truncated", 0)
        if data[i] != MAGIC[i]:
            raise XPCWireError("badMagic", 0)
    if length < 5:
        raise XPCWireError("truncated", 4)
    if length < 6:
        raise XPCWireError("truncated", 5)
    major, minor = data[4], data[5]
    if major != 1:
        raise XPCWireError("unsupportedVersion", 4)
    if strict and minor != 0:
        raise XPCWireError("nonCanonical", 5, "nonZeroMinorVersion")
    if length < 8:
        raise XPCWireError("truncated", 6)
    flags = int.from_bytes(data[6:8], "big")
    if flags & 0xFF00:
        raise XPCWireError("unsupportedFlags", 6)
    if strict and flags:
        raise XPCWireError("nonCanonical", 6, "nonZeroFlags")
    if length < 10:
        raise XPCWireError("truncated", 8)
    slot_count = int.from_bytes(data[8:10], "big")
    if slot_count > limits.maximum_slot_count:
        raise XPCWireError("limitExceeded", 8, "slotCount")
    if length < 14:
        raise XPCWireError("truncated", 10)
    declared = HEADER_SIZE + slot_count + int.from_bytes(data[10:14], "big")
    if declared > limits.maximum_message_size:
        raise XPCWireError("limitExceeded", 10, "messageSize")
    for i in range(slot_count):
        if length < HEADER_SIZE + 1 + i:
            raise XPCWireError("truncated", HEADER_SIZE + i)
        if data[HEADER_SIZE + i] not in SLOT_KINDS:
            raise XPCWireError("invalidSlotKind", HEADER_SIZE + i)
    if length < declared:
        raise XPCWireError("truncated", HEADER_SIZE + slot_count)
    if length > declared:
        raise XPCWireError("trailingBytes", declared)
    return major, minor, flags, data[HEADER_SIZE:HEADER_SIZE + slot_count], declared


# ---------------------------------------------------------------------------------------------
# Reading: msgpack's objects to the description
# ---------------------------------------------------------------------------------------------

def _double_description(bits):
    return {"double": format(bits, "016x")}


def _ext_description(obj):
    if isinstance(obj, msgpack.Timestamp):  # ext −1, already checked to be in range
        return {"date": str(_date_from_unix(obj.seconds, obj.nanoseconds))}
    code, payload = obj.code, obj.data
    if code == 1:
        h = payload.hex().upper()
        return {"uuid": f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"}
    if code == 2:
        return {"date": str(int.from_bytes(payload, "big", signed=True))}
    return {"fd" if code == 3 else "endpoint": int.from_bytes(payload, "big")}


def _convert(obj, next_form, next_float32):
    """The description of ``obj``, parsed by msgpack from the value whose format byte is next."""
    f = next_form()
    if f <= 0x7F or f >= 0xE0 or 0xD0 <= f <= 0xD3:
        return {"int64": str(obj)}
    if 0xCC <= f <= 0xCF:
        return {"uint64": str(obj)}
    if f <= 0x8F or f in (0xDE, 0xDF):  # obj: a list of (key bytes, value) pairs, in input order
        entries = [(key, _convert(value, next_form, next_float32)) for key, value in obj]
        entries.sort(key=lambda entry: entry[0])  # SPEC §4.11: the decoded order is key order
        return {"dictionary": [[key.decode("utf-8"), value] for key, value in entries]}
    if f <= 0x9F or f in (0xDC, 0xDD):
        return {"array": [_convert(item, next_form, next_float32) for item in obj]}
    if f in _STRING_FORMS:
        return {"string": obj.decode("utf-8")}
    if f == 0xC0:
        return {"null": None}
    if f in (0xC2, 0xC3):
        return {"bool": obj}
    if 0xC4 <= f <= 0xC6:
        return {"data": base64.b64encode(obj).decode("ascii")}
    if f == 0xCA:
        return _double_description(_widen_float32(next_float32()))
    if f == 0xCB:
        return _double_description(int.from_bytes(struct.pack(">d", obj), "big"))
    return _ext_description(obj)


def _ensure_recursion_for(depth):
    """Nested values recurse a few frames per level; make room for `depth` levels."""
    needed = 8 * depth + 1000
    if sys.getrecursionlimit() < needed:
        sys.setrecursionlimit(needed)


def decode(data, *, strict=False, limits=DEFAULT_LIMITS):
    """The JSON description (SPEC §8) of the envelope ``data``; raises XPCWireError.

    ``strict`` is SPEC §5.3's strict mode (``requiresCanonicalEncoding``)."""
    data = bytes(data)
    major, minor, flags, slot_table, body_end = _check_header(data, strict, limits)
    body_start = HEADER_SIZE + len(slot_table)
    _ensure_recursion_for(limits.maximum_depth)
    checker = _ProfileChecker(data, body_start, body_end, strict, limits, slot_table)
    checker.value(0)
    if checker.position < body_end:
        raise XPCWireError("trailingBytes", checker.position)
    for slot, used in enumerate(checker.referenced):
        if not used:
            raise XPCWireError("unreferencedSlot", HEADER_SIZE + slot)

    unpacker = msgpack.Unpacker(raw=True, strict_map_key=False, use_list=False,
                                object_pairs_hook=list, ext_hook=msgpack.ExtType, timestamp=0,
                                max_buffer_size=body_end - body_start)
    unpacker.feed(data[body_start:body_end])
    message = unpacker.unpack()
    body = _convert(message, iter(checker.forms).__next__, iter(checker.float32_bits).__next__)
    return {
        "version": f"{major}.{minor}",
        "flags": flags,
        "slots": [SLOT_KINDS[kind] for kind in slot_table],
        "body": body,
    }


# ---------------------------------------------------------------------------------------------
# Writing: the description to the canonical envelope (SPEC §5.1), checking SPEC §8.3
# ---------------------------------------------------------------------------------------------

_VERSION = re.compile(r"(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})")
_SIGNED = re.compile(r"-?(0|[1-9][0-9]*)")
_UNSIGNED = re.compile(r"0|[1-9][0-9]*")
_DOUBLE = re.compile(r"[0-9a-f]{16}")
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_UUID = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}")


def _is_json_integer(value):
    return type(value) is int  # not bool, not float


def _string_bytes(text, what):
    if type(text) is not str:
        raise DescriptionError(f"{what}: not a JSON string")
    if "\x00" in text:
        raise DescriptionError(f"{what}: contains U+0000")
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise DescriptionError(f"{what}: contains an unpaired surrogate") from None


def _decimal(text, pattern, low, high, variant):
    if type(text) is not str or not pattern.fullmatch(text) or text == "-0":
        raise DescriptionError(f"{variant}: not a decimal string in {low}…{high}")
    value = int(text)
    if not low <= value <= high:
        raise DescriptionError(f"{variant}: {text} is out of range")
    return value


class _Writer:
    """Packs one message canonically, checking the description as it goes."""

    def __init__(self, slots):
        self.packer = msgpack.Packer(use_bin_type=True, use_single_float=False, autoreset=True)
        self.chunks = []
        self.slots = slots
        self.referenced = [False] * len(slots)

    def int64(self, value):
        # The packer writes fixints and negative values in the canonical signed forms, but values
        # of 128 or more in unsigned forms, which denote uint64 (SPEC §4.2.1).
        if value < 128:
            self.chunks.append(self.packer.pack(value))
        elif value <= 0x7FFF:
            self.chunks.append(struct.pack(">Bh", 0xD1, value))
        elif value <= 0x7FFFFFFF:
            self.chunks.append(struct.pack(">Bi", 0xD2, value))
        else:
            self.chunks.append(struct.pack(">Bq", 0xD3, value))

    def uint64(self, value):
        if value < 128:  # the packer would write a fixint (SPEC §4.2.2)
            self.chunks.append(bytes((0xCC, value)))
        else:
            self.chunks.append(self.packer.pack(value))

    def double(self, bits):
        packed = self.packer.pack(struct.unpack(">d", bits.to_bytes(8, "big"))[0])
        expected = b"\xcb" + bits.to_bytes(8, "big")
        # A platform whose float loads quiet signaling NaNs would change the bits; SPEC §4.5 forbids it.
        self.chunks.append(packed if packed == expected else expected)

    def ext(self, code, payload):
        self.chunks.append(self.packer.pack_ext_type(code, payload))

    def value(self, description, level):
        if type(description) is not dict or len(description) != 1:
            raise DescriptionError("a VALUE is not an object with exactly one member")
        ((variant, content),) = description.items()
        if variant == "null":
            if content is not None:
                raise DescriptionError("null: not null")
            self.chunks.append(b"\xc0")
        elif variant == "bool":
            if type(content) is not bool:
                raise DescriptionError("bool: not true or false")
            self.chunks.append(b"\xc3" if content else b"\xc2")
        elif variant == "int64":
            self.int64(_decimal(content, _SIGNED, INT64_MIN, INT64_MAX, variant))
        elif variant == "uint64":
            self.uint64(_decimal(content, _UNSIGNED, 0, UINT64_MAX, variant))
        elif variant == "double":
            if type(content) is not str or not _DOUBLE.fullmatch(content):
                raise DescriptionError("double: not 16 lowercase hex digits")
            self.double(int(content, 16))
        elif variant == "string":
            encoded = _string_bytes(content, "string")
            if len(encoded) > 0xFFFFFFFF:
                raise EncodingError("lengthOverflow", "a string longer than 2^32−1 bytes")
            self.chunks.append(self.packer.pack(content))
        elif variant == "data":
            if type(content) is not str or not _BASE64.fullmatch(content):
                raise DescriptionError("data: not padded standard base64")
            data = base64.b64decode(content, validate=True)
            if base64.b64encode(data).decode("ascii") != content:
                raise DescriptionError("data: the unused bits of the last group are not zero")
            if len(data) > 0xFFFFFFFF:
                raise EncodingError("lengthOverflow", "data longer than 2^32−1 bytes")
            self.chunks.append(self.packer.pack(data))
        elif variant == "uuid":
            if type(content) is not str or not _UUID.fullmatch(content):
                raise DescriptionError("uuid: not an uppercase 8-4-4-4-12 UUID")
            self.ext(1, bytes.fromhex(content.replace("-", "")))
        elif variant == "date":
            self.ext(2, _decimal(content, _SIGNED, INT64_MIN, INT64_MAX, variant).to_bytes(8, "big", signed=True))
        elif variant in ("fd", "endpoint"):
            if not _is_json_integer(content) or not 0 <= content <= 65535:
                raise DescriptionError(f"{variant}: not an integer 0…65535")
            if content >= len(self.slots):
                raise DescriptionError(f"{variant}: slot {content} is out of range of \"slots\"")
            if self.slots[content] != variant:
                raise DescriptionError(f"{variant}: slot {content} is a {self.slots[content]} slot")
            self.referenced[content] = True
            self.ext(3 if variant == "fd" else 4, content.to_bytes(2, "big"))
        elif variant in ("array", "dictionary"):
            if type(content) is not list:
                raise DescriptionError(f"{variant}: not a JSON array")
            if level + 1 > WRITER_MAXIMUM_DEPTH:
                raise DescriptionError(f"{variant}: nested deeper than {WRITER_MAXIMUM_DEPTH} levels")
            if len(content) > 0xFFFFFFFF:
                raise EncodingError("lengthOverflow", f"an {variant} with more than 2^32−1 elements")
            if variant == "array":
                self.chunks.append(self.packer.pack_array_header(len(content)))
                for item in content:
                    self.value(item, level + 1)
            else:
                self.dictionary(content, level)
        else:
            raise DescriptionError(f"unknown variant {variant!r}")

    def dictionary(self, pairs, level):
        self.chunks.append(self.packer.pack_map_header(len(pairs)))
        previous = None
        for pair in pairs:
            if type(pair) is not list or len(pair) != 2:
                raise DescriptionError("dictionary: an entry is not a [key, VALUE] pair")
            key = _string_bytes(pair[0], "dictionary key")
            if previous is not None and key <= previous:
                raise DescriptionError("dictionary: keys are not strictly ascending by their UTF-8 bytes")
            previous = key
            self.chunks.append(self.packer.pack(pair[0]))
            self.value(pair[1], level + 1)


def encode(description):
    """The canonical envelope (SPEC §5) of a JSON description (SPEC §8) given as Python objects.

    Raises DescriptionError for a description that breaks SPEC §8.3, or whose version is not "1.0"
    or flags not 0 (SPEC §8.1), and EncodingError for the writer errors of SPEC §7.2."""
    if type(description) is not dict or set(description) != {"version", "flags", "slots", "body"}:
        raise DescriptionError("the top level needs exactly version, flags, slots and body")
    version, flags, slots = description["version"], description["flags"], description["slots"]
    match = _VERSION.fullmatch(version) if type(version) is str else None
    if not match or int(match[1]) > 255 or int(match[2]) > 255:
        raise DescriptionError('version: not "major.minor" with numbers 0…255')
    if not _is_json_integer(flags) or not 0 <= flags <= 65535:
        raise DescriptionError("flags: not an integer 0…65535")
    if type(slots) is not list or len(slots) > 65535 or any(s not in SLOT_BYTES for s in slots):
        raise DescriptionError('slots: not an array of "fd" and "endpoint"')
    if version != "1.0" or flags != 0:
        raise DescriptionError("can only encode version 1.0 with flags 0 (SPEC §8.1)")
    return _encode_message(slots, description["body"])


def _encode_message(slots, body):
    """The canonical envelope of the message ``body`` whose slot table is ``slots``."""
    _ensure_recursion_for(WRITER_MAXIMUM_DEPTH)
    writer = _Writer(slots)
    writer.value(body, 0)
    for slot, used in enumerate(writer.referenced):
        if not used:
            raise DescriptionError(f"slots: slot {slot} is named by no fd or endpoint")
    body = b"".join(writer.chunks)
    if len(body) > 0xFFFFFFFF:
        raise EncodingError("messageTooLarge", "the body is longer than 2^32−1 bytes")
    header = MAGIC + bytes((1, 0, 0, 0)) + struct.pack(">HI", len(slots), len(body))
    return header + bytes(SLOT_BYTES[s] for s in slots) + body


# ---------------------------------------------------------------------------------------------
# JSON text
# ---------------------------------------------------------------------------------------------

def _unique_members(pairs):
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names):
        raise DescriptionError("JSON: an object has duplicate member names")
    return dict(pairs)


def _non_negative_integer(text):
    if text.startswith("-"):
        raise DescriptionError(f"JSON: the number {text} has a sign")
    return int(text)


def _no_constants(name):
    raise DescriptionError(f"JSON: {name} is not JSON")


def read_description(text):
    """Parses JSON text (bytes, UTF-8) into the Python objects that ``encode`` takes."""
    try:
        source = bytes(text).decode("utf-8")
    except UnicodeDecodeError as error:
        raise DescriptionError(f"JSON: invalid UTF-8 at byte {error.start}") from None
    _ensure_recursion_for(WRITER_MAXIMUM_DEPTH)
    try:
        return json.loads(source, object_pairs_hook=_unique_members,
                          parse_int=_non_negative_integer, parse_constant=_no_constants)
    except json.JSONDecodeError as error:
        raise DescriptionError(f"JSON: {error}") from None


def describe(description):
    """The description as JSON text, indented by two spaces, non-ASCII written literally."""
    _ensure_recursion_for(WRITER_MAXIMUM_DEPTH)
    return json.dumps(description, ensure_ascii=False, indent=2) + "\n"


# ---------------------------------------------------------------------------------------------
# Streams of envelopes
# ---------------------------------------------------------------------------------------------

def envelope_length(data, start):
    """The length of the envelope at ``start``: 14 + N + L from its header, capped by the input
    (all that remains when not even a header is left; decoding then reports the truncation)."""
    remaining = len(data) - start
    if remaining < HEADER_SIZE:
        return remaining
    slots, body = struct.unpack_from(">HI", data, start + 8)
    return min(HEADER_SIZE + slots + body, remaining)


def roundtrip_stream(data, *, strict=False):
    """Each envelope of a stream of concatenated envelopes, decoded and encoded canonically.
    A decoding error's offset counts from the start of the stream."""
    output = []
    start = 0
    while start < len(data):
        size = envelope_length(data, start)
        try:
            description = decode(data[start:start + size], strict=strict)
        except XPCWireError as error:
            in_stream = XPCWireError(error.kind, start + error.offset, error.detail)
            in_stream.envelope = (len(output), start)
            raise in_stream from None
        # SPEC §5.4: the re-encoding is canonical, so version 1.0 and flags 0 whatever was read.
        output.append(_encode_message(description["slots"], description["body"]))
        start += size
    return b"".join(output)


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------

def _read(path):
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as file:
        return file.read()


def _write(path, data):
    if path == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        with open(path, "wb") as file:
            file.write(data)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="xpcwire.py", description="XPCWire (SPEC.md) on the msgpack package.")
    commands = parser.add_subparsers(dest="command", required=True)
    json_command = commands.add_parser("json", help="print the JSON description of an envelope")
    json_command.add_argument("file")
    encode_command = commands.add_parser("encode", help="write the canonical envelope of a JSON description to stdout")
    encode_command.add_argument("json_file")
    roundtrip_command = commands.add_parser("roundtrip", help="decode and re-encode a stream of envelopes")
    roundtrip_command.add_argument("input")
    roundtrip_command.add_argument("output")
    schema_command = commands.add_parser(
        "schema-check", help="check an envelope against a schema (SPEC §9.4), as `xpcwire schema check`")
    schema_command.add_argument("schema")
    schema_command.add_argument("message")
    schema_command.add_argument("--json", action="store_true", help="one JSON object per violation")
    for command in (json_command, roundtrip_command, schema_command):
        command.add_argument("--canonical", "--strict", action="store_true", help="strict mode (SPEC §5.3)")
    arguments = parser.parse_args(argv)
    if arguments.command == "schema-check":
        import xpcwire_schema  # noqa: E402 - beside this file

        return xpcwire_schema.check_main(arguments.schema, arguments.message, arguments.json, arguments.canonical)

    try:
        if arguments.command == "json":
            description = decode(_read(arguments.file), strict=arguments.canonical)
            _write("-", describe(description).encode("utf-8"))
        elif arguments.command == "encode":
            _write("-", encode(read_description(_read(arguments.json_file))))
        else:
            _write(arguments.output, roundtrip_stream(_read(arguments.input), strict=arguments.canonical))
    except XPCWireError as error:
        print(f"error: {error}", file=sys.stderr)
        if hasattr(error, "envelope"):
            index, start = error.envelope
            print(f"note: in envelope {index}, which starts at byte {start} of {arguments.input}", file=sys.stderr)
        return 1
    except DescriptionError as error:
        print(f"error: invalidDescription: {error}", file=sys.stderr)
        return 1
    except EncodingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
