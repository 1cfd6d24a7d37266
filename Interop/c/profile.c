/*
 * profile.c — the checks of SPEC §7.3 over the raw bytes, in the normative order.
 *
 * This is the part of reading that msgpack-c cannot do: it walks the envelope with its own cursor,
 * knows which form every value used, reports exact offsets, and checks every declared length and
 * count against the bytes present before anything is allocated (SPEC §6.3). Only when it accepts
 * an envelope does decode.c hand the body to msgpack-c.
 */
#include "internal.h"

#include <msgpack/unpack_define.h> /* MSGPACK_EMBED_STACK_SIZE: how deep msgpack-c's unpacker nests */
#include <stdlib.h>
#include <string.h>

static const uint8_t magic[4] = { 0x58, 0x50, 0x43, 0x57 };

typedef struct checker {
    const uint8_t *bytes;
    size_t end; /* B: the end of the body */
    size_t position;
    bool strict;
    const xw_limits *limits;
    const uint8_t *slot_kinds;
    size_t slot_count;
    uint8_t *referenced;
    uint64_t element_count;
    xw_bytes *keys; /* a stack: the keys of every open dictionary, innermost last */
    size_t key_count;
    size_t key_capacity;
    size_t *deep; /* offsets of containers msgpack-c cannot nest (xw_profile) */
    size_t deep_count;
    size_t deep_capacity;
    xw_error *error;
} checker;

static bool check_value(checker *c, uint64_t level, uint64_t *height);

static bool fail(checker *c, xw_error_kind kind, size_t offset, const char *detail)
{
    return xw_fail(c->error, kind, offset, detail);
}

static size_t remaining_from(const checker *c, size_t offset)
{
    return c->end - offset;
}

static bool grow(void **items, size_t *capacity, size_t item_size, xw_error *error)
{
    size_t new_capacity = *capacity == 0 ? 16 : *capacity * 2;
    void *grown = realloc(*items, new_capacity * item_size);
    if (grown == NULL) {
        return xw_fail(error, XW_OUT_OF_MEMORY, 0, NULL);
    }
    *items = grown;
    *capacity = new_capacity;
    return true;
}

/* Reads the `width`-byte length field after the format byte at `p` (truncated at `p` if absent). */
static bool read_length_field(checker *c, size_t p, unsigned width, uint64_t *length)
{
    if (remaining_from(c, p + 1) < width) {
        return fail(c, XW_TRUNCATED, p, NULL);
    }
    *length = xw_read_big_endian(c->bytes + p + 1, width);
    return true;
}

static unsigned width_of_length_field(uint8_t format)
{
    switch (format) {
    case 0xd9: case 0xc4: case 0xc7: return 1;
    case 0xda: case 0xc5: case 0xc8: case 0xdc: case 0xde: return 2;
    default: return 4; /* db, c6, c9, dd, df */
    }
}

/* SPEC §4.2: the width (0 for a fixint) of the canonical form of an int64 or uint64. */
static unsigned canonical_signed_width(int64_t value)
{
    if (value >= -32 && value <= 127) return 0;
    if (value >= INT8_MIN && value <= INT8_MAX) return 1;
    if (value >= INT16_MIN && value <= INT16_MAX) return 2;
    if (value >= INT32_MIN && value <= INT32_MAX) return 4;
    return 8;
}

static unsigned canonical_unsigned_width(uint64_t value)
{
    if (value <= UINT8_MAX) return 1;
    if (value <= UINT16_MAX) return 2;
    if (value <= UINT32_MAX) return 4;
    return 8;
}

/* cc–cf and d0–d3 (SPEC §4.2.3). */
static bool check_integer(checker *c, size_t p, uint8_t format)
{
    unsigned width = 1u << (format & 3);
    if (remaining_from(c, p + 1) < width) {
        return fail(c, XW_TRUNCATED, p, NULL);
    }
    uint64_t raw = xw_read_big_endian(c->bytes + p + 1, width);
    if (c->strict) {
        unsigned canonical;
        if (format <= 0xcf) {
            canonical = canonical_unsigned_width(raw);
        } else {
            unsigned shift = 64 - 8 * width;
            int64_t value = shift == 0 ? (int64_t)raw : ((int64_t)(raw << shift)) >> shift;
            canonical = canonical_signed_width(value);
        }
        if (canonical != width) {
            return fail(c, XW_NON_CANONICAL, p, "nonShortestInteger");
        }
    }
    c->position = p + 1 + width;
    return true;
}

/* A string value or a key whose format byte (a string form) is at `p`: the six steps of §4.6. */
static bool check_string(checker *c, size_t p, xw_bytes *key)
{
    uint8_t format = c->bytes[p];
    uint64_t length = 0;
    size_t header;
    if (format >= 0xa0 && format <= 0xbf) {
        length = format & 0x1f;
        header = 1;
    } else {
        unsigned width = width_of_length_field(format);
        if (!read_length_field(c, p, width, &length)) {
            return false;
        }
        header = 1 + width;
        if (c->strict && ((format == 0xd9 && length < 32) || (format == 0xda && length < 256) ||
                          (format == 0xdb && length < 65536))) {
            return fail(c, XW_NON_CANONICAL, p, "nonShortestLength");
        }
    }
    size_t payload = p + header;
    if (length > remaining_from(c, payload)) {
        return fail(c, XW_TRUNCATED, p, NULL);
    }
    if (length > c->limits->maximum_string_length) {
        return fail(c, XW_LIMIT_EXCEEDED, p, "stringLength");
    }
    const uint8_t *nul = memchr(c->bytes + payload, 0, (size_t)length);
    if (nul != NULL) {
        return fail(c, XW_EMBEDDED_NUL, (size_t)(nul - c->bytes), NULL);
    }
    size_t invalid = xw_first_invalid_utf8(c->bytes + payload, (size_t)length);
    if (invalid != length) {
        return fail(c, XW_INVALID_UTF8, payload + invalid, NULL);
    }
    if (key != NULL) {
        key->bytes = c->bytes + payload;
        key->length = (size_t)length;
    }
    c->position = payload + (size_t)length;
    return true;
}

/* c4–c6 (SPEC §4.7). */
static bool check_data(checker *c, size_t p, uint8_t format)
{
    unsigned width = width_of_length_field(format);
    uint64_t length = 0;
    if (!read_length_field(c, p, width, &length)) {
        return false;
    }
    if (c->strict && ((format == 0xc5 && length < 256) || (format == 0xc6 && length < 65536))) {
        return fail(c, XW_NON_CANONICAL, p, "nonShortestLength");
    }
    size_t payload = p + 1 + width;
    if (length > remaining_from(c, payload)) {
        return fail(c, XW_TRUNCATED, p, NULL);
    }
    if (length > c->limits->maximum_data_length) {
        return fail(c, XW_LIMIT_EXCEEDED, p, "dataLength");
    }
    c->position = payload + (size_t)length;
    return true;
}

/* A MessagePack timestamp, ext type −1 (SPEC §4.8.2), after the strict-mode check. */
static bool check_timestamp(checker *c, size_t p, const uint8_t *payload, uint64_t length)
{
    int64_t unix_seconds;
    uint32_t nanoseconds;
    if (length == 4) {
        unix_seconds = (int64_t)xw_read_big_endian(payload, 4);
        nanoseconds = 0;
    } else if (length == 8) {
        uint64_t word = xw_read_big_endian(payload, 8);
        unix_seconds = (int64_t)(word & 0x3ffffffffull);
        nanoseconds = (uint32_t)(word >> 34);
    } else if (length == 12) {
        nanoseconds = (uint32_t)xw_read_big_endian(payload, 4);
        unix_seconds = (int64_t)xw_read_big_endian(payload + 4, 8);
    } else {
        return fail(c, XW_BAD_EXT_LENGTH, p, NULL);
    }
    if (nanoseconds >= 1000000000u) {
        return fail(c, XW_BAD_EXT_PAYLOAD, p, NULL);
    }
    int64_t date;
    if (!xw_date_from_unix(unix_seconds, nanoseconds, &date)) {
        return fail(c, XW_DATE_OUT_OF_RANGE, p, NULL);
    }
    return true;
}

/* c7–c9 and d4–d8: the steps of SPEC §4.9.2. */
static bool check_ext(checker *c, size_t p, uint8_t format)
{
    uint64_t length = 0;
    size_t type_offset;
    bool fixext = format >= 0xd4 && format <= 0xd8;
    if (fixext) {
        length = 1u << (format - 0xd4);
        type_offset = p + 1;
    } else {
        unsigned width = width_of_length_field(format);
        if (!read_length_field(c, p, width, &length)) {
            return false;
        }
        type_offset = p + 1 + width;
    }
    if (type_offset >= c->end) {
        return fail(c, XW_TRUNCATED, p, NULL);
    }
    int8_t type = (int8_t)c->bytes[type_offset];
    size_t payload = type_offset + 1;
    if (length > remaining_from(c, payload)) {
        return fail(c, XW_TRUNCATED, p, NULL);
    }
    static const uint64_t registry_length[5] = { 0, 16, 8, 2, 2 };
    if (type >= 1 && type <= 4) {
        if (length != registry_length[type]) {
            return fail(c, XW_BAD_EXT_LENGTH, p, NULL);
        }
        if (c->strict && !fixext) {
            return fail(c, XW_NON_CANONICAL, p, "nonShortestExtForm");
        }
        if (type == 3 || type == 4) {
            size_t slot = (size_t)xw_read_big_endian(c->bytes + payload, 2);
            if (slot >= c->slot_count) {
                return fail(c, XW_SLOT_INDEX_OUT_OF_RANGE, p, NULL);
            }
            uint8_t expected = type == 3 ? XW_SLOT_FD : XW_SLOT_ENDPOINT;
            if (c->slot_kinds[slot] != expected) {
                return fail(c, XW_SLOT_KIND_MISMATCH, p, NULL);
            }
            c->referenced[slot] = 1;
        }
    } else if (type == -1) {
        if (c->strict) {
            return fail(c, XW_NON_CANONICAL, p, "timestampExt");
        }
        if (!check_timestamp(c, p, c->bytes + payload, length)) {
            return false;
        }
    } else {
        return fail(c, XW_UNKNOWN_EXT_TYPE, p, NULL);
    }
    c->position = payload + (size_t)length;
    return true;
}

static int compare_for_sort(const void *a, const void *b)
{
    return xw_compare_keys(*(const xw_bytes *)a, *(const xw_bytes *)b);
}

/* The n entries of a dictionary whose header (at `p`) has been checked (SPEC §4.11). */
static bool check_entries(checker *c, size_t p, uint64_t count, uint64_t level, uint64_t *height)
{
    size_t first_key = c->key_count;
    bool unsorted = false;
    for (uint64_t i = 0; i < count; i++) {
        size_t q = c->position;
        if (q == c->end) {
            return fail(c, XW_TRUNCATED, q, NULL);
        }
        uint8_t format = c->bytes[q];
        bool string_form = (format >= 0xa0 && format <= 0xbf) || (format >= 0xd9 && format <= 0xdb);
        if (!string_form) {
            return fail(c, XW_NON_STRING_KEY, q, NULL);
        }
        xw_bytes key;
        if (!check_string(c, q, &key)) {
            return false;
        }
        if (i > 0) {
            int order = xw_compare_keys(key, c->keys[c->key_count - 1]);
            if (order == 0) {
                return fail(c, XW_DUPLICATE_KEY, q, NULL);
            }
            if (order < 0) {
                if (c->strict) {
                    return fail(c, XW_NON_CANONICAL, q, "unsortedKeys");
                }
                unsorted = true;
            }
        }
        if (c->key_count == c->key_capacity &&
            !grow((void **)&c->keys, &c->key_capacity, sizeof *c->keys, c->error)) {
            return false;
        }
        c->keys[c->key_count++] = key;
        uint64_t value_height;
        if (!check_value(c, level + 1, &value_height)) {
            return false;
        }
        if (value_height > *height) {
            *height = value_height;
        }
    }
    if (unsorted) {
        qsort(c->keys + first_key, c->key_count - first_key, sizeof *c->keys, compare_for_sort);
        for (size_t i = first_key + 1; i < c->key_count; i++) {
            if (xw_compare_keys(c->keys[i - 1], c->keys[i]) == 0) {
                return fail(c, XW_DUPLICATE_KEY, p, NULL);
            }
        }
    }
    c->key_count = first_key;
    return true;
}

/* Arrays 90–9f, dc, dd and dictionaries 80–8f, de, df (SPEC §4.10, §4.11, §7.3). `level` is the
 * level of the enclosing container; `height` receives the nesting height of this one. */
static bool check_container(checker *c, size_t p, uint8_t format, uint64_t level, uint64_t *height)
{
    bool dictionary = (format >= 0x80 && format <= 0x8f) || format == 0xde || format == 0xdf;
    uint64_t count = 0;
    size_t header;
    if (format < 0xa0) {
        count = format & 0x0f;
        header = 1;
    } else {
        unsigned width = width_of_length_field(format);
        if (!read_length_field(c, p, width, &count)) {
            return false;
        }
        header = 1 + width;
        if (c->strict && ((width == 2 && count < 16) || (width == 4 && count < 65536))) {
            return fail(c, XW_NON_CANONICAL, p, "nonShortestLength");
        }
    }
    uint64_t needed = dictionary ? 2 * count : count;
    if (needed > remaining_from(c, p + header)) {
        return fail(c, XW_TRUNCATED, p, NULL);
    }
    if (c->element_count + count > c->limits->maximum_element_count) {
        return fail(c, XW_LIMIT_EXCEEDED, p, "elementCount");
    }
    if (level + 1 > c->limits->maximum_depth) {
        return fail(c, XW_DEPTH_LIMIT_EXCEEDED, p, NULL);
    }
    c->position = p + header;
    uint64_t children_height = 0;
    if (dictionary) {
        if (!check_entries(c, p, count, level, &children_height)) {
            return false;
        }
    } else {
        for (uint64_t i = 0; i < count; i++) {
            uint64_t child_height;
            if (!check_value(c, level + 1, &child_height)) {
                return false;
            }
            if (child_height > children_height) {
                children_height = child_height;
            }
        }
    }
    *height = children_height + 1;
    if (*height > MSGPACK_EMBED_STACK_SIZE) {
        if (c->deep_count == c->deep_capacity &&
            !grow((void **)&c->deep, &c->deep_capacity, sizeof *c->deep, c->error)) {
            return false;
        }
        c->deep[c->deep_count++] = p;
    }
    return true;
}

/* One value at the cursor, at nesting level `level` of its enclosing container (SPEC §7.3). */
static bool check_value(checker *c, uint64_t level, uint64_t *height)
{
    size_t p = c->position;
    *height = 0;
    if (p == c->end) {
        return fail(c, XW_TRUNCATED, p, NULL);
    }
    c->element_count++;
    if (c->element_count > c->limits->maximum_element_count) {
        return fail(c, XW_LIMIT_EXCEEDED, p, "elementCount");
    }
    uint8_t format = c->bytes[p];
    if (format <= 0x7f || format >= 0xe0 || format == 0xc0 || format == 0xc2 || format == 0xc3) {
        c->position = p + 1;
        return true;
    }
    if (format <= 0x9f || format == 0xdc || format == 0xdd || format == 0xde || format == 0xdf) {
        return check_container(c, p, format, level, height);
    }
    if (format <= 0xbf || (format >= 0xd9 && format <= 0xdb)) {
        return check_string(c, p, NULL);
    }
    switch (format) {
    case 0xc1:
        return fail(c, XW_RESERVED_BYTE, p, NULL);
    case 0xc4: case 0xc5: case 0xc6:
        return check_data(c, p, format);
    case 0xca:
        if (c->strict) {
            return fail(c, XW_NON_CANONICAL, p, "float32");
        }
        if (remaining_from(c, p + 1) < 4) {
            return fail(c, XW_TRUNCATED, p, NULL);
        }
        c->position = p + 5;
        return true;
    case 0xcb:
        if (remaining_from(c, p + 1) < 8) {
            return fail(c, XW_TRUNCATED, p, NULL);
        }
        c->position = p + 9;
        return true;
    case 0xcc: case 0xcd: case 0xce: case 0xcf:
    case 0xd0: case 0xd1: case 0xd2: case 0xd3:
        return check_integer(c, p, format);
    default: /* c7–c9, d4–d8 */
        return check_ext(c, p, format);
    }
}

static int compare_offsets(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Envelope steps 1–10 of SPEC §7.3. */
static bool check_header(const uint8_t *bytes, size_t length, const xw_options *options,
                         xw_profile *profile, xw_error *error)
{
    const xw_limits *limits = &options->limits;
    bool strict = options->requires_canonical_encoding;
    if (length > limits->maximum_message_size) {
        return xw_fail(error, XW_LIMIT_EXCEEDED, 0, "messageSize");
    }
    for (size_t i = 0; i < 4; i++) {
        if (i >= length) {
            return xw_fail(error, XW_TRUNCATED, 0, NULL);
        }
        if (bytes[i] != magic[i]) {
            return xw_fail(error, XW_BAD_MAGIC, 0, NULL);
        }
    }
    if (length < 5) return xw_fail(error, XW_TRUNCATED, 4, NULL);
    if (length < 6) return xw_fail(error, XW_TRUNCATED, 5, NULL);
    profile->major = bytes[4];
    profile->minor = bytes[5];
    if (profile->major != 1) {
        return xw_fail(error, XW_UNSUPPORTED_VERSION, 4, NULL);
    }
    if (strict && profile->minor != 0) {
        return xw_fail(error, XW_NON_CANONICAL, 5, "nonZeroMinorVersion");
    }
    if (length < 8) return xw_fail(error, XW_TRUNCATED, 6, NULL);
    profile->flags = (uint16_t)xw_read_big_endian(bytes + 6, 2);
    if (profile->flags & 0xff00) {
        return xw_fail(error, XW_UNSUPPORTED_FLAGS, 6, NULL);
    }
    if (strict && profile->flags != 0) {
        return xw_fail(error, XW_NON_CANONICAL, 6, "nonZeroFlags");
    }
    if (length < 10) return xw_fail(error, XW_TRUNCATED, 8, NULL);
    profile->slot_count = (size_t)xw_read_big_endian(bytes + 8, 2);
    if (profile->slot_count > limits->maximum_slot_count) {
        return xw_fail(error, XW_LIMIT_EXCEEDED, 8, "slotCount");
    }
    if (length < 14) return xw_fail(error, XW_TRUNCATED, 10, NULL);
    uint64_t body_length = xw_read_big_endian(bytes + 10, 4);
    uint64_t declared = XW_HEADER_SIZE + profile->slot_count + body_length;
    if (declared > limits->maximum_message_size) {
        return xw_fail(error, XW_LIMIT_EXCEEDED, 10, "messageSize");
    }
    for (size_t i = 0; i < profile->slot_count; i++) {
        if (length < XW_HEADER_SIZE + 1 + i) {
            return xw_fail(error, XW_TRUNCATED, XW_HEADER_SIZE + i, NULL);
        }
        uint8_t kind = bytes[XW_HEADER_SIZE + i];
        if (kind != XW_SLOT_FD && kind != XW_SLOT_ENDPOINT) {
            return xw_fail(error, XW_INVALID_SLOT_KIND, XW_HEADER_SIZE + i, NULL);
        }
    }
    profile->body_start = XW_HEADER_SIZE + profile->slot_count;
    profile->body_end = (size_t)declared;
    if (length < declared) {
        return xw_fail(error, XW_TRUNCATED, profile->body_start, NULL);
    }
    if (length > declared) {
        return xw_fail(error, XW_TRAILING_BYTES, (size_t)declared, NULL);
    }
    return true;
}

bool xw_check_envelope(const uint8_t *bytes, size_t length, const xw_options *options,
                       xw_profile *profile, xw_error *error)
{
    memset(profile, 0, sizeof *profile);
    if (!check_header(bytes, length, options, profile, error)) {
        return false;
    }
    uint8_t *references = calloc(profile->slot_count + 1, 1);
    if (references == NULL) {
        return xw_fail(error, XW_OUT_OF_MEMORY, 0, NULL);
    }
    checker c = {
        .bytes = bytes,
        .end = profile->body_end,
        .position = profile->body_start,
        .strict = options->requires_canonical_encoding,
        .limits = &options->limits,
        .slot_kinds = bytes + XW_HEADER_SIZE,
        .slot_count = profile->slot_count,
        .referenced = references,
        .error = error,
    };
    uint64_t height;
    bool ok = check_value(&c, 0, &height);
    if (ok && c.position < c.end) {
        ok = xw_fail(error, XW_TRAILING_BYTES, c.position, NULL);
    }
    for (size_t i = 0; ok && i < profile->slot_count; i++) {
        if (!references[i]) {
            ok = xw_fail(error, XW_UNREFERENCED_SLOT, XW_HEADER_SIZE + i, NULL);
        }
    }
    free(references);
    free(c.keys);
    if (!ok) {
        free(c.deep);
        return false;
    }
    if (c.deep_count > 1) {
        qsort(c.deep, c.deep_count, sizeof *c.deep, compare_offsets);
    }
    profile->deep_containers = c.deep;
    profile->deep_container_count = c.deep_count;
    return true;
}

void xw_profile_free(xw_profile *profile)
{
    free(profile->deep_containers);
    profile->deep_containers = NULL;
    profile->deep_container_count = 0;
}
