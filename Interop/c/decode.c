/*
 * decode.c — envelope bytes to an xw_document (SPEC §3, §4).
 *
 * profile.c first checks the whole envelope. Then msgpack-c parses the body: msgpack_unpack_next
 * turns each subtree into msgpack_objects in a msgpack_zone, and convert_object copies them into
 * the document's own zone as xw_values. Walking the bytes alongside the objects, it reads each
 * value's format byte for what msgpack_object does not keep:
 *
 *   - POSITIVE_INTEGER comes from a fixint, uint 8…64 or a non-negative int 8…64: the format family
 *     decides int64 or uint64 (SPEC §4.2);
 *   - FLOAT32 arrives already converted to a double by the C compiler; SPEC §4.5 fixes the widening
 *     of NaNs bit by bit, so the float 32 pattern is widened from the bytes instead;
 *   - the position of the next value depends on the form's header size.
 *
 * msgpack-c's unpacker nests at most MSGPACK_EMBED_STACK_SIZE (32) containers. The containers
 * profile.c found to be deeper are opened here by hand, and msgpack-c parses their children.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct builder {
    const uint8_t *bytes;
    size_t end;
    const xw_profile *profile;
    msgpack_zone *zone;
    xw_error *error;
} builder;

static bool build_at(builder *b, size_t position, xw_value *out, size_t *next);

static bool internal_error(builder *b, size_t position)
{
    return xw_fail(b->error, XW_INTERNAL, position, NULL);
}

/* Bytes before the payload (strings, data, ext) or the first element (arrays, dictionaries). */
static size_t header_size(uint8_t format)
{
    if (format <= 0x7f || format >= 0xe0) return 1;        /* fixints */
    if (format <= 0x9f) return 1;                           /* fixmap, fixarray */
    if (format <= 0xbf) return 1;                           /* fixstr */
    switch (format) {
    case 0xc4: case 0xd9: return 2;
    case 0xc5: case 0xda: case 0xdc: case 0xde: return 3;
    case 0xc6: case 0xdb: case 0xdd: case 0xdf: return 5;
    case 0xc7: return 3;
    case 0xc8: return 4;
    case 0xc9: return 6;
    case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8: return 2;
    default: return 1;
    }
}

static bool is_deep(const builder *b, size_t position)
{
    size_t low = 0, high = b->profile->deep_container_count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        size_t found = b->profile->deep_containers[middle];
        if (found == position) {
            return true;
        }
        if (found < position) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    return false;
}

static bool copy_bytes(builder *b, const char *source, size_t length, xw_bytes *out)
{
    uint8_t *copy = xw_zone_alloc(b->zone, length, b->error);
    if (copy == NULL) {
        return false;
    }
    if (length > 0) {
        memcpy(copy, source, length);
    }
    out->bytes = copy;
    out->length = length;
    return true;
}

static int compare_entries(const void *a, const void *b)
{
    return xw_compare_keys(((const xw_entry *)a)->key, ((const xw_entry *)b)->key);
}

/* SPEC §4.11: the decoded dictionary is in key order whatever order the input used. */
static void sort_entries(xw_entry *entries, size_t count)
{
    for (size_t i = 1; i < count; i++) {
        if (xw_compare_keys(entries[i - 1].key, entries[i].key) > 0) {
            qsort(entries, count, sizeof *entries, compare_entries);
            return;
        }
    }
}

static bool convert_ext(builder *b, const msgpack_object *object, size_t position, xw_value *out)
{
    const uint8_t *payload = (const uint8_t *)object->via.ext.ptr;
    switch (object->via.ext.type) {
    case 1:
        out->kind = XW_UUID;
        memcpy(out->as.uuid, payload, 16);
        return true;
    case 2:
        out->kind = XW_DATE;
        out->as.int64 = (int64_t)xw_read_big_endian(payload, 8);
        return true;
    case 3:
    case 4:
        out->kind = object->via.ext.type == 3 ? XW_FD : XW_ENDPOINT;
        out->as.slot = (uint16_t)xw_read_big_endian(payload, 2);
        return true;
    case -1: {
        msgpack_timestamp timestamp;
        if (!msgpack_object_to_timestamp(object, &timestamp) ||
            !xw_date_from_unix(timestamp.tv_sec, timestamp.tv_nsec, &out->as.int64)) {
            return internal_error(b, position);
        }
        out->kind = XW_DATE;
        return true;
    }
    default:
        return internal_error(b, position);
    }
}

/* Copies the msgpack_object parsed from the value at `position` into `out`; `next` receives the
 * offset after the value. */
static bool convert_object(builder *b, const msgpack_object *object, size_t position, xw_value *out,
                           size_t *next)
{
    uint8_t format = b->bytes[position];
    size_t header = header_size(format);
    switch (object->type) {
    case MSGPACK_OBJECT_NIL:
        out->kind = XW_NULL;
        *next = position + 1;
        return true;
    case MSGPACK_OBJECT_BOOLEAN:
        out->kind = XW_BOOL;
        out->as.boolean = object->via.boolean;
        *next = position + 1;
        return true;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: {
        bool sized = format >= 0xcc && format <= 0xd3;
        *next = position + 1 + (sized ? (1u << (format & 3)) : 0);
        if (format >= 0xcc && format <= 0xcf) {
            out->kind = XW_UINT64;
            out->as.uint64 = object->via.u64;
        } else {
            out->kind = XW_INT64;
            out->as.int64 = object->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? (int64_t)object->via.u64
                                                                            : object->via.i64;
        }
        return true;
    }
    case MSGPACK_OBJECT_FLOAT32:
        out->kind = XW_DOUBLE;
        out->as.double_bits = xw_widen_float32((uint32_t)xw_read_big_endian(b->bytes + position + 1, 4));
        *next = position + 5;
        return true;
    case MSGPACK_OBJECT_FLOAT64:
        out->kind = XW_DOUBLE;
        memcpy(&out->as.double_bits, &object->via.f64, sizeof out->as.double_bits);
        *next = position + 9;
        return true;
    case MSGPACK_OBJECT_STR:
    case MSGPACK_OBJECT_BIN: {
        bool string = object->type == MSGPACK_OBJECT_STR;
        out->kind = string ? XW_STRING : XW_DATA;
        const char *source = string ? object->via.str.ptr : object->via.bin.ptr;
        size_t length = string ? object->via.str.size : object->via.bin.size;
        *next = position + header + length;
        return copy_bytes(b, source, length, &out->as.bytes);
    }
    case MSGPACK_OBJECT_ARRAY: {
        size_t count = object->via.array.size;
        xw_value *items = xw_zone_alloc(b->zone, count * sizeof *items, b->error);
        if (items == NULL) {
            return false;
        }
        out->kind = XW_ARRAY;
        out->as.array.items = items;
        out->as.array.count = count;
        size_t cursor = position + header;
        for (size_t i = 0; i < count; i++) {
            if (!convert_object(b, &object->via.array.ptr[i], cursor, &items[i], &cursor)) {
                return false;
            }
        }
        *next = cursor;
        return true;
    }
    case MSGPACK_OBJECT_MAP: {
        size_t count = object->via.map.size;
        xw_entry *entries = xw_zone_alloc(b->zone, count * sizeof *entries, b->error);
        if (entries == NULL) {
            return false;
        }
        out->kind = XW_DICTIONARY;
        out->as.dictionary.entries = entries;
        out->as.dictionary.count = count;
        size_t cursor = position + header;
        for (size_t i = 0; i < count; i++) {
            const msgpack_object_kv *pair = &object->via.map.ptr[i];
            if (pair->key.type != MSGPACK_OBJECT_STR) {
                return internal_error(b, cursor);
            }
            size_t key_length = pair->key.via.str.size;
            if (!copy_bytes(b, pair->key.via.str.ptr, key_length, &entries[i].key)) {
                return false;
            }
            cursor += header_size(b->bytes[cursor]) + key_length;
            if (!convert_object(b, &pair->val, cursor, &entries[i].value, &cursor)) {
                return false;
            }
        }
        sort_entries(entries, count);
        *next = cursor;
        return true;
    }
    case MSGPACK_OBJECT_EXT:
        *next = position + header + object->via.ext.size;
        return convert_ext(b, object, position, out);
    }
    return internal_error(b, position);
}

/* Parses the value at `position` with msgpack_unpack_next and converts it. */
static bool unpack_at(builder *b, size_t position, xw_value *out, size_t *next)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    size_t offset = position;
    msgpack_unpack_return result = msgpack_unpack_next(&unpacked, (const char *)b->bytes, b->end, &offset);
    bool ok;
    if (result == MSGPACK_UNPACK_NOMEM_ERROR) {
        ok = xw_fail(b->error, XW_OUT_OF_MEMORY, position, NULL);
    } else if (result != MSGPACK_UNPACK_SUCCESS && result != MSGPACK_UNPACK_EXTRA_BYTES) {
        ok = internal_error(b, position);
    } else {
        ok = convert_object(b, &unpacked.data, position, out, next);
        if (ok && *next != offset) {
            ok = internal_error(b, position); /* the two walks disagree on the value's size */
        }
    }
    msgpack_unpacked_destroy(&unpacked);
    return ok;
}

/* A container nested too deeply for msgpack-c: its header is read here, its children are built
 * by build_at (so by msgpack-c, unless they are deep too). Keys are parsed by msgpack-c. */
static bool build_deep_container(builder *b, size_t position, xw_value *out, size_t *next)
{
    uint8_t format = b->bytes[position];
    size_t header = header_size(format);
    size_t count = header == 1 ? (size_t)(format & 0x0f)
                               : (size_t)xw_read_big_endian(b->bytes + position + 1, (unsigned)header - 1);
    bool dictionary = (format >= 0x80 && format <= 0x8f) || format == 0xde || format == 0xdf;
    size_t cursor = position + header;
    if (!dictionary) {
        xw_value *items = xw_zone_alloc(b->zone, count * sizeof *items, b->error);
        if (items == NULL) {
            return false;
        }
        out->kind = XW_ARRAY;
        out->as.array.items = items;
        out->as.array.count = count;
        for (size_t i = 0; i < count; i++) {
            if (!build_at(b, cursor, &items[i], &cursor)) {
                return false;
            }
        }
        *next = cursor;
        return true;
    }
    xw_entry *entries = xw_zone_alloc(b->zone, count * sizeof *entries, b->error);
    if (entries == NULL) {
        return false;
    }
    out->kind = XW_DICTIONARY;
    out->as.dictionary.entries = entries;
    out->as.dictionary.count = count;
    for (size_t i = 0; i < count; i++) {
        xw_value key;
        if (!unpack_at(b, cursor, &key, &cursor)) {
            return false;
        }
        if (key.kind != XW_STRING) {
            return internal_error(b, cursor);
        }
        entries[i].key = key.as.bytes;
        if (!build_at(b, cursor, &entries[i].value, &cursor)) {
            return false;
        }
    }
    sort_entries(entries, count);
    *next = cursor;
    return true;
}

static bool build_at(builder *b, size_t position, xw_value *out, size_t *next)
{
    if (is_deep(b, position)) {
        return build_deep_container(b, position, out, next);
    }
    return unpack_at(b, position, out, next);
}

bool xw_decode(const uint8_t *bytes, size_t length, const xw_options *options,
               xw_document *document, xw_error *error)
{
    memset(document, 0, sizeof *document);
    error->kind = XW_OK;
    xw_options defaults = xw_default_options();
    if (options == NULL) {
        options = &defaults;
    }
    xw_profile profile;
    if (!xw_check_envelope(bytes, length, options, &profile, error)) {
        return false;
    }
    document->zone = msgpack_zone_new(XW_ZONE_CHUNK_SIZE);
    if (document->zone == NULL) {
        xw_profile_free(&profile);
        return xw_fail(error, XW_OUT_OF_MEMORY, 0, NULL);
    }
    document->major = profile.major;
    document->minor = profile.minor;
    document->flags = profile.flags;
    document->slot_count = profile.slot_count;
    document->slot_kinds = xw_zone_alloc(document->zone, profile.slot_count, error);
    bool ok = document->slot_kinds != NULL;
    if (ok) {
        memcpy(document->slot_kinds, bytes + XW_HEADER_SIZE, profile.slot_count);
        builder b = {
            .bytes = bytes, .end = profile.body_end, .profile = &profile, .zone = document->zone, .error = error,
        };
        size_t next;
        ok = build_at(&b, profile.body_start, &document->root, &next) &&
             (next == profile.body_end || internal_error(&b, next));
    }
    xw_profile_free(&profile);
    if (!ok) {
        xw_document_free(document);
    }
    return ok;
}

void xw_document_free(xw_document *document)
{
    if (document->zone != NULL) {
        msgpack_zone_free(document->zone);
    }
    memset(document, 0, sizeof *document);
}
