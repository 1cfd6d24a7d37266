/* common.c — limits, error names, key order, UTF-8 and number helpers (SPEC §2, §5.2, §6, §7). */
#include "internal.h"

#include <stdarg.h>
#include <string.h>

xw_limits xw_default_limits(void)
{
    xw_limits limits = {
        .maximum_message_size = 67108864,
        .maximum_slot_count = 253,
        .maximum_depth = 256,
        .maximum_element_count = 4194304,
        .maximum_string_length = 16777216,
        .maximum_data_length = 67108864,
    };
    return limits;
}

xw_options xw_default_options(void)
{
    xw_options options = { .limits = xw_default_limits(), .requires_canonical_encoding = false };
    return options;
}

const char *xw_error_kind_name(xw_error_kind kind)
{
    switch (kind) {
    case XW_OK: return "ok";
    case XW_TRUNCATED: return "truncated";
    case XW_TRAILING_BYTES: return "trailingBytes";
    case XW_BAD_MAGIC: return "badMagic";
    case XW_UNSUPPORTED_VERSION: return "unsupportedVersion";
    case XW_UNSUPPORTED_FLAGS: return "unsupportedFlags";
    case XW_INVALID_SLOT_KIND: return "invalidSlotKind";
    case XW_RESERVED_BYTE: return "reservedByte";
    case XW_INVALID_UTF8: return "invalidUTF8";
    case XW_EMBEDDED_NUL: return "embeddedNUL";
    case XW_NON_STRING_KEY: return "nonStringKey";
    case XW_DUPLICATE_KEY: return "duplicateKey";
    case XW_DEPTH_LIMIT_EXCEEDED: return "depthLimitExceeded";
    case XW_LIMIT_EXCEEDED: return "limitExceeded";
    case XW_SLOT_INDEX_OUT_OF_RANGE: return "slotIndexOutOfRange";
    case XW_SLOT_KIND_MISMATCH: return "slotKindMismatch";
    case XW_UNREFERENCED_SLOT: return "unreferencedSlot";
    case XW_UNKNOWN_EXT_TYPE: return "unknownExtType";
    case XW_BAD_EXT_LENGTH: return "badExtLength";
    case XW_BAD_EXT_PAYLOAD: return "badExtPayload";
    case XW_DATE_OUT_OF_RANGE: return "dateOutOfRange";
    case XW_NON_CANONICAL: return "nonCanonical";
    case XW_TOO_MANY_SLOTS: return "tooManySlots";
    case XW_LENGTH_OVERFLOW: return "lengthOverflow";
    case XW_MESSAGE_TOO_LARGE: return "messageTooLarge";
    case XW_UNSORTED_KEYS: return "unsortedKeys";
    case XW_INVALID_DESCRIPTION: return "invalidDescription";
    case XW_OUT_OF_MEMORY: return "outOfMemory";
    case XW_INTERNAL: return "internalError";
    }
    return "unknown";
}

bool xw_fail(xw_error *error, xw_error_kind kind, size_t offset, const char *detail)
{
    error->kind = kind;
    error->offset = offset;
    error->detail = detail;
    error->message[0] = '\0';
    return false;
}

bool xw_fail_description(xw_error *error, const char *format, ...)
{
    error->kind = XW_INVALID_DESCRIPTION;
    error->offset = 0;
    error->detail = NULL;
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(error->message, sizeof error->message, format, arguments);
    va_end(arguments);
    return false;
}

int xw_compare_keys(xw_bytes a, xw_bytes b)
{
    size_t common = a.length < b.length ? a.length : b.length;
    int order = common == 0 ? 0 : memcmp(a.bytes, b.bytes, common);
    if (order != 0) {
        return order < 0 ? -1 : 1;
    }
    if (a.length == b.length) {
        return 0;
    }
    return a.length < b.length ? -1 : 1;
}

/* The length of the well-formed sequence of SPEC §2.3 starting at bytes[0], or 0 if none. */
static size_t well_formed_sequence_length(const uint8_t *bytes, size_t available)
{
    uint8_t lead = bytes[0];
    if (lead <= 0x7f) {
        return 1;
    }
    size_t length;
    uint8_t second_low = 0x80, second_high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        if (lead == 0xe0) second_low = 0xa0;
        if (lead == 0xed) second_high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        if (lead == 0xf0) second_low = 0x90;
        if (lead == 0xf4) second_high = 0x8f;
    } else {
        return 0;
    }
    if (available < length) {
        return 0;
    }
    if (bytes[1] < second_low || bytes[1] > second_high) {
        return 0;
    }
    for (size_t i = 2; i < length; i++) {
        if (bytes[i] < 0x80 || bytes[i] > 0xbf) {
            return 0;
        }
    }
    return length;
}

size_t xw_first_invalid_utf8(const uint8_t *bytes, size_t length)
{
    size_t position = 0;
    while (position < length) {
        if (bytes[position] <= 0x7f) {
            position++;
            continue;
        }
        size_t sequence = well_formed_sequence_length(bytes + position, length - position);
        if (sequence == 0) {
            return position;
        }
        position += sequence;
    }
    return length;
}

uint64_t xw_read_big_endian(const uint8_t *bytes, unsigned width)
{
    uint64_t value = 0;
    for (unsigned i = 0; i < width; i++) {
        value = (value << 8) | bytes[i];
    }
    return value;
}

bool xw_date_from_unix(int64_t unix_seconds, uint32_t nanoseconds, int64_t *date)
{
    /* Exact arithmetic (SPEC §4.8.2 step 3): only the final result is range-checked. */
    __int128 t = ((__int128)unix_seconds - XW_REFERENCE_UNIX_SECONDS) * 1000000000 + nanoseconds;
    if (t < (__int128)INT64_MIN || t > (__int128)INT64_MAX) {
        return false;
    }
    *date = (int64_t)t;
    return true;
}

uint64_t xw_widen_float32(uint32_t bits)
{
    uint64_t sign = (uint64_t)(bits >> 31) << 63;
    uint32_t exponent = (bits >> 23) & 0xff;
    uint32_t fraction = bits & 0x7fffff;
    if (exponent == 0xff) {
        if (fraction == 0) {
            return sign | 0x7ff0000000000000ull; /* infinity */
        }
        return sign | 0x7ff8000000000000ull | ((uint64_t)fraction << 29); /* quiet NaN, payload kept */
    }
    if (exponent == 0) {
        if (fraction == 0) {
            return sign; /* zero */
        }
        /* Subnormal binary32: normalize; every one is a normal binary64. */
        int shift = 0;
        while ((fraction & 0x800000) == 0) {
            fraction <<= 1;
            shift++;
        }
        fraction &= 0x7fffff;
        uint64_t widened_exponent = (uint64_t)(1 - 127 - shift + 1023);
        return sign | (widened_exponent << 52) | ((uint64_t)fraction << 29);
    }
    uint64_t widened_exponent = (uint64_t)exponent - 127 + 1023;
    return sign | (widened_exponent << 52) | ((uint64_t)fraction << 29);
}

void *xw_zone_alloc(msgpack_zone *zone, size_t size, xw_error *error)
{
    void *memory = msgpack_zone_malloc(zone, size == 0 ? 1 : size);
    if (memory == NULL) {
        xw_fail(error, XW_OUT_OF_MEMORY, 0, NULL);
    }
    return memory;
}
