/*
 * xpcwire.h — XPCWire (SPEC.md, format 1.0) in C, on msgpack-c.
 *
 * Reading an envelope is split between two parties (see README.md beside this file):
 *
 *   - profile.c walks the bytes with its own cursor and makes every check of SPEC §7.3, in that
 *     order, with the exact offsets: format forms, canonical forms (strict mode), lengths against
 *     the body, limits, UTF-8, keys, ext framing, slots. msgpack-c's object model cannot do this:
 *     it does not say which form carried a value (fixint or uint 8, fixstr or str 8, fixext or
 *     ext 8), it reports no offsets, and it allocates by declared counts before checking them.
 *   - decode.c then lets msgpack-c (msgpack_unpack_next, msgpack_zone) parse the checked body into
 *     msgpack_objects and turns them into an xw_value tree, looking at each value's format byte
 *     only for what the objects lose: the int64/uint64 family and the float 32 bit pattern.
 *
 * Writing (encode.c) uses msgpack_pack_* into a msgpack_sbuffer, choosing the int forms
 * explicitly (SPEC §4.2: msgpack-c would write int64 200 as uint 8 and uint64 5 as a fixint).
 *
 * Example:
 *
 *     xw_document document;
 *     xw_error error;
 *     if (!xw_decode(bytes, length, NULL, &document, &error)) {
 *         fprintf(stderr, "error: %s at %zu\n", xw_error_kind_name(error.kind), error.offset);
 *     }
 *     msgpack_sbuffer canonical;
 *     msgpack_sbuffer_init(&canonical);
 *     xw_encode(&document.root, &canonical, &error);
 *     xw_document_free(&document);
 */
#ifndef XPCWIRE_H
#define XPCWIRE_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The thirteen variants of SPEC §2.1. */
typedef enum xw_kind {
    XW_NULL,
    XW_BOOL,
    XW_INT64,
    XW_UINT64,
    XW_DOUBLE,
    XW_STRING,
    XW_DATA,
    XW_FD,
    XW_UUID,
    XW_DATE,
    XW_ENDPOINT,
    XW_ARRAY,
    XW_DICTIONARY,
} xw_kind;

/* Slot kinds, as the slot table bytes of SPEC §3.4. */
enum { XW_SLOT_FD = 1, XW_SLOT_ENDPOINT = 2 };

typedef struct xw_bytes {
    const uint8_t *bytes;
    size_t length;
} xw_bytes;

typedef struct xw_value xw_value;
typedef struct xw_entry xw_entry;

/* One node of a message. Strings and keys are UTF-8 without NUL; dictionary entries are in
 * ascending key order (SPEC §5.2). */
struct xw_value {
    xw_kind kind;
    union {
        bool boolean;
        int64_t int64;        /* int64, and date (nanoseconds since 2001-01-01, SPEC §2.2) */
        uint64_t uint64;
        uint64_t double_bits; /* the IEEE 754 binary64 bit pattern, carried unchanged */
        xw_bytes bytes;       /* string, data */
        uint16_t slot;        /* fd, endpoint */
        uint8_t uuid[16];
        struct {
            xw_value *items;
            size_t count;
        } array;
        struct {
            xw_entry *entries;
            size_t count;
        } dictionary;
    } as;
};

struct xw_entry {
    xw_bytes key;
    xw_value value;
};

/* An envelope's contents. Everything hangs off `zone`, freed by xw_document_free. */
typedef struct xw_document {
    uint8_t major;
    uint8_t minor;
    uint16_t flags;
    size_t slot_count;
    uint8_t *slot_kinds; /* slot_count entries, XW_SLOT_FD or XW_SLOT_ENDPOINT */
    xw_value root;
    msgpack_zone *zone;
} xw_document;

/* SPEC §6.1, with the defaults of xw_default_limits. */
typedef struct xw_limits {
    uint64_t maximum_message_size;  /* 64 MiB */
    uint64_t maximum_slot_count;    /* 253 */
    uint64_t maximum_depth;         /* 256 */
    uint64_t maximum_element_count; /* 4,194,304 */
    uint64_t maximum_string_length; /* 16 MiB */
    uint64_t maximum_data_length;   /* 64 MiB */
} xw_limits;

typedef struct xw_options {
    xw_limits limits;
    bool requires_canonical_encoding; /* strict mode, SPEC §5.3 */
} xw_options;

/* Error kinds: SPEC §7.1 (decoding), §7.2 (encoding), and two of this implementation's own. */
typedef enum xw_error_kind {
    XW_OK,
    XW_TRUNCATED,
    XW_TRAILING_BYTES,
    XW_BAD_MAGIC,
    XW_UNSUPPORTED_VERSION,
    XW_UNSUPPORTED_FLAGS,
    XW_INVALID_SLOT_KIND,
    XW_RESERVED_BYTE,
    XW_INVALID_UTF8,
    XW_EMBEDDED_NUL,
    XW_NON_STRING_KEY,
    XW_DUPLICATE_KEY,
    XW_DEPTH_LIMIT_EXCEEDED,
    XW_LIMIT_EXCEEDED,
    XW_SLOT_INDEX_OUT_OF_RANGE,
    XW_SLOT_KIND_MISMATCH,
    XW_UNREFERENCED_SLOT,
    XW_UNKNOWN_EXT_TYPE,
    XW_BAD_EXT_LENGTH,
    XW_BAD_EXT_PAYLOAD,
    XW_DATE_OUT_OF_RANGE,
    XW_NON_CANONICAL,
    XW_TOO_MANY_SLOTS,
    XW_LENGTH_OVERFLOW,
    XW_MESSAGE_TOO_LARGE,
    XW_UNSORTED_KEYS,        /* writer: a tree whose dictionary is not in key order */
    XW_INVALID_DESCRIPTION,  /* a JSON description that breaks SPEC §8.3 */
    XW_OUT_OF_MEMORY,
    XW_INTERNAL,             /* msgpack-c disagreed with profile.c: a bug in one of them */
} xw_error_kind;

typedef struct xw_error {
    xw_error_kind kind;
    size_t offset;       /* decoding errors: byte offset in the envelope (SPEC §7.1) */
    const char *detail;  /* limitExceeded: the limit name; nonCanonical: the reason; else NULL */
    char message[200];   /* description errors: what is wrong, in words */
} xw_error;

xw_limits xw_default_limits(void);
xw_options xw_default_options(void);

/* The kind's name as SPEC §7 spells it ("truncated", "nonCanonical", ...). */
const char *xw_error_kind_name(xw_error_kind kind);

/* Decodes one complete envelope (SPEC §3, §4, §7.3). `options` may be NULL for the defaults. On
 * failure returns false and fills `error`; `document` is then left empty. */
bool xw_decode(const uint8_t *bytes, size_t length, const xw_options *options,
               xw_document *document, xw_error *error);

void xw_document_free(xw_document *document);

/* Appends the canonical envelope of `root` (SPEC §5.1: version 1.0, flags 0, the slot table derived
 * from the message) to `out`. */
bool xw_encode(const xw_value *root, msgpack_sbuffer *out, xw_error *error);

/* Writes the JSON description (SPEC §8) of `document`, pretty-printed, with a final newline. */
bool xw_write_description(const xw_document *document, FILE *out);

/* Reads a JSON description, enforcing every rule of SPEC §8.3 and the depth limit of §6. */
bool xw_read_description(const uint8_t *text, size_t length, xw_document *document, xw_error *error);

/* Key order of SPEC §5.2: memcmp, then the shorter key first. */
int xw_compare_keys(xw_bytes a, xw_bytes b);

/* Offset of the first ill-formed UTF-8 sequence of SPEC §2.3 in `bytes`, or `length` when every
 * byte belongs to a well-formed sequence. */
size_t xw_first_invalid_utf8(const uint8_t *bytes, size_t length);

#endif
