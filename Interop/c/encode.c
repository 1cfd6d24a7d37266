/*
 * encode.c — an xw_value to its canonical envelope (SPEC §5.1), written with msgpack_pack_* into
 * msgpack_sbuffers.
 *
 * msgpack-c's packer already writes the shortest str, bin, array, map and fixext forms and writes
 * doubles as float 64 bit for bit. Integers are the exception: msgpack_pack_int64 writes every
 * non-negative value in the shortest form of either family (int64 200 as uint 8 `cc c8`) and
 * msgpack_pack_uint64 writes small values as fixints (uint64 5 as `05`), which XPCWire reads as
 * the other variant (SPEC §4.2). So write_int64 and write_uint64 pick the forms themselves.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* The Swift writer's depth limit (SPEC §6.5), so that what we write decodes under default limits. */
#define XW_WRITER_MAXIMUM_DEPTH 256

typedef struct writer {
    msgpack_packer packer;
    msgpack_sbuffer body;
    uint8_t slot_kinds[65536]; /* kind of each slot index used, 0 where unused */
    size_t slot_count;         /* one more than the highest index used */
    xw_error *error;
} writer;

static bool packed(writer *w, int result)
{
    return result == 0 || xw_fail(w->error, XW_OUT_OF_MEMORY, 0, NULL);
}

/* SPEC §4.2.1: the first of fixint, int 8, 16, 32, 64 that holds the value; never unsigned. */
static bool write_int64(writer *w, int64_t value)
{
    msgpack_packer *pk = &w->packer;
    if (value >= -32 && value <= 127) return packed(w, msgpack_pack_int64(pk, value)); /* a fixint */
    if (value >= INT8_MIN && value <= INT8_MAX) return packed(w, msgpack_pack_fix_int8(pk, (int8_t)value));
    if (value >= INT16_MIN && value <= INT16_MAX) return packed(w, msgpack_pack_fix_int16(pk, (int16_t)value));
    if (value >= INT32_MIN && value <= INT32_MAX) return packed(w, msgpack_pack_fix_int32(pk, (int32_t)value));
    return packed(w, msgpack_pack_fix_int64(pk, value));
}

/* SPEC §4.2.2: the first of uint 8, 16, 32, 64 that holds the value; never a fixint. */
static bool write_uint64(writer *w, uint64_t value)
{
    msgpack_packer *pk = &w->packer;
    if (value <= UINT8_MAX) return packed(w, msgpack_pack_fix_uint8(pk, (uint8_t)value));
    if (value <= UINT16_MAX) return packed(w, msgpack_pack_fix_uint16(pk, (uint16_t)value));
    if (value <= UINT32_MAX) return packed(w, msgpack_pack_fix_uint32(pk, (uint32_t)value));
    return packed(w, msgpack_pack_fix_uint64(pk, value));
}

/* SPEC §2.3, §5.1 rule 13: a writer refuses what no reader would accept. */
static bool check_string(writer *w, xw_bytes text)
{
    if (text.length > UINT32_MAX) {
        return xw_fail(w->error, XW_LENGTH_OVERFLOW, 0, NULL);
    }
    if (text.length > 0 && memchr(text.bytes, 0, text.length) != NULL) {
        return xw_fail(w->error, XW_EMBEDDED_NUL, 0, NULL);
    }
    if (xw_first_invalid_utf8(text.bytes, text.length) != text.length) {
        return xw_fail(w->error, XW_INVALID_UTF8, 0, NULL);
    }
    return true;
}

static bool write_string(writer *w, xw_bytes text)
{
    return check_string(w, text) && packed(w, msgpack_pack_str(&w->packer, text.length)) &&
           packed(w, msgpack_pack_str_body(&w->packer, text.bytes, text.length));
}

static bool write_ext(writer *w, int8_t type, const uint8_t *payload, size_t length)
{
    return packed(w, msgpack_pack_ext(&w->packer, length, type)) &&
           packed(w, msgpack_pack_ext_body(&w->packer, payload, length));
}

/* fd and endpoint: record the slot for the derived slot table (SPEC §5.1 rule 2). */
static bool write_slot_reference(writer *w, uint8_t kind, uint16_t slot)
{
    if (slot == UINT16_MAX) {
        return xw_fail(w->error, XW_TOO_MANY_SLOTS, 0, NULL);
    }
    if (w->slot_kinds[slot] != 0 && w->slot_kinds[slot] != kind) {
        return xw_fail(w->error, XW_SLOT_KIND_MISMATCH, 0, NULL);
    }
    w->slot_kinds[slot] = kind;
    if ((size_t)slot + 1 > w->slot_count) {
        w->slot_count = (size_t)slot + 1;
    }
    uint8_t payload[2] = { (uint8_t)(slot >> 8), (uint8_t)slot };
    return write_ext(w, kind == XW_SLOT_FD ? 3 : 4, payload, 2);
}

static bool write_value(writer *w, const xw_value *value, unsigned level);

static bool write_dictionary(writer *w, const xw_value *value, unsigned level)
{
    size_t count = value->as.dictionary.count;
    if (count > UINT32_MAX) {
        return xw_fail(w->error, XW_LENGTH_OVERFLOW, 0, NULL);
    }
    if (!packed(w, msgpack_pack_map(&w->packer, count))) {
        return false;
    }
    for (size_t i = 0; i < count; i++) {
        const xw_entry *entry = &value->as.dictionary.entries[i];
        if (i > 0) {
            int order = xw_compare_keys(value->as.dictionary.entries[i - 1].key, entry->key);
            if (order == 0) return xw_fail(w->error, XW_DUPLICATE_KEY, 0, NULL);
            if (order > 0) return xw_fail(w->error, XW_UNSORTED_KEYS, 0, NULL);
        }
        if (!write_string(w, entry->key) || !write_value(w, &entry->value, level + 1)) {
            return false;
        }
    }
    return true;
}

/* `level` is the nesting level of the enclosing container, 0 for the root. */
static bool write_value(writer *w, const xw_value *value, unsigned level)
{
    msgpack_packer *pk = &w->packer;
    switch (value->kind) {
    case XW_NULL:
        return packed(w, msgpack_pack_nil(pk));
    case XW_BOOL:
        return packed(w, value->as.boolean ? msgpack_pack_true(pk) : msgpack_pack_false(pk));
    case XW_INT64:
        return write_int64(w, value->as.int64);
    case XW_UINT64:
        return write_uint64(w, value->as.uint64);
    case XW_DOUBLE: {
        double number;
        memcpy(&number, &value->as.double_bits, sizeof number);
        return packed(w, msgpack_pack_double(pk, number)); /* float 64, the bits unchanged */
    }
    case XW_STRING:
        return write_string(w, value->as.bytes);
    case XW_DATA:
        if (value->as.bytes.length > UINT32_MAX) {
            return xw_fail(w->error, XW_LENGTH_OVERFLOW, 0, NULL);
        }
        return packed(w, msgpack_pack_bin(pk, value->as.bytes.length)) &&
               packed(w, msgpack_pack_bin_body(pk, value->as.bytes.bytes, value->as.bytes.length));
    case XW_UUID:
        return write_ext(w, 1, value->as.uuid, 16);
    case XW_DATE: {
        uint8_t payload[8];
        uint64_t t = (uint64_t)value->as.int64;
        for (int i = 7; i >= 0; i--, t >>= 8) {
            payload[i] = (uint8_t)t;
        }
        return write_ext(w, 2, payload, 8);
    }
    case XW_FD:
        return write_slot_reference(w, XW_SLOT_FD, value->as.slot);
    case XW_ENDPOINT:
        return write_slot_reference(w, XW_SLOT_ENDPOINT, value->as.slot);
    case XW_ARRAY:
    case XW_DICTIONARY:
        if (level + 1 > XW_WRITER_MAXIMUM_DEPTH) {
            return xw_fail(w->error, XW_DEPTH_LIMIT_EXCEEDED, 0, NULL);
        }
        if (value->kind == XW_DICTIONARY) {
            return write_dictionary(w, value, level);
        }
        if (value->as.array.count > UINT32_MAX) {
            return xw_fail(w->error, XW_LENGTH_OVERFLOW, 0, NULL);
        }
        if (!packed(w, msgpack_pack_array(pk, value->as.array.count))) {
            return false;
        }
        for (size_t i = 0; i < value->as.array.count; i++) {
            if (!write_value(w, &value->as.array.items[i], level + 1)) {
                return false;
            }
        }
        return true;
    }
    return xw_fail(w->error, XW_INTERNAL, 0, NULL);
}

bool xw_encode(const xw_value *root, msgpack_sbuffer *out, xw_error *error)
{
    error->kind = XW_OK;
    writer *w = calloc(1, sizeof *w);
    if (w == NULL) {
        return xw_fail(error, XW_OUT_OF_MEMORY, 0, NULL);
    }
    w->error = error;
    msgpack_sbuffer_init(&w->body);
    msgpack_packer_init(&w->packer, &w->body, msgpack_sbuffer_write);
    bool ok = write_value(w, root, 0);
    for (size_t i = 0; ok && i < w->slot_count; i++) {
        if (w->slot_kinds[i] == 0) {
            ok = xw_fail(error, XW_UNREFERENCED_SLOT, 0, NULL);
        }
    }
    if (ok && w->body.size > UINT32_MAX) {
        ok = xw_fail(error, XW_MESSAGE_TOO_LARGE, 0, NULL);
    }
    if (ok) {
        /* SPEC §3.1 and §5.1 rules 1–3: magic, version 1.0, flags 0, N, L, the slot table. */
        uint64_t n = w->slot_count, l = w->body.size;
        uint8_t header[XW_HEADER_SIZE] = {
            0x58, 0x50, 0x43, 0x57, 1, 0, 0, 0,
            (uint8_t)(n >> 8), (uint8_t)n,
            (uint8_t)(l >> 24), (uint8_t)(l >> 16), (uint8_t)(l >> 8), (uint8_t)l,
        };
        ok = msgpack_sbuffer_write(out, (const char *)header, sizeof header) == 0 &&
             msgpack_sbuffer_write(out, (const char *)w->slot_kinds, w->slot_count) == 0 &&
             msgpack_sbuffer_write(out, w->body.data, w->body.size) == 0;
        if (!ok) {
            xw_fail(error, XW_OUT_OF_MEMORY, 0, NULL);
        }
    }
    msgpack_sbuffer_destroy(&w->body);
    free(w);
    return ok;
}
