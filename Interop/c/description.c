/* description.c — the JSON description of SPEC §8: writing it, and reading it under §8.3. */
#include "internal.h"
#include "json.h"

#include <inttypes.h>
#include <string.h>

static const char *const variant_names[] = {
    [XW_NULL] = "null",     [XW_BOOL] = "bool",   [XW_INT64] = "int64",
    [XW_UINT64] = "uint64", [XW_DOUBLE] = "double", [XW_STRING] = "string",
    [XW_DATA] = "data",     [XW_FD] = "fd",       [XW_UUID] = "uuid",
    [XW_DATE] = "date",     [XW_ENDPOINT] = "endpoint", [XW_ARRAY] = "array",
    [XW_DICTIONARY] = "dictionary",
};

static const char base64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The JSON nesting of a description is at most three levels per message level, plus the top. */
#define XW_DESCRIPTION_MAXIMUM_DEPTH 256
#define XW_JSON_MAXIMUM_DEPTH (3 * XW_DESCRIPTION_MAXIMUM_DEPTH + 8)

/* ---- Writing ---- */

static void write_json_string(FILE *out, xw_bytes text)
{
    fputc('"', out);
    for (size_t i = 0; i < text.length; i++) {
        uint8_t c = text.bytes[i];
        switch (c) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        case '\b': fputs("\\b", out); break;
        case '\f': fputs("\\f", out); break;
        default:
            if (c < 0x20) {
                fprintf(out, "\\u%04x", c);
            } else {
                fputc(c, out); /* UTF-8 written literally */
            }
        }
    }
    fputc('"', out);
}

static void write_base64(FILE *out, xw_bytes data)
{
    fputc('"', out);
    size_t i = 0;
    char group[4];
    for (; i + 3 <= data.length; i += 3) {
        uint32_t bits = (uint32_t)data.bytes[i] << 16 | (uint32_t)data.bytes[i + 1] << 8 | data.bytes[i + 2];
        group[0] = base64_alphabet[bits >> 18];
        group[1] = base64_alphabet[(bits >> 12) & 63];
        group[2] = base64_alphabet[(bits >> 6) & 63];
        group[3] = base64_alphabet[bits & 63];
        fwrite(group, 1, 4, out);
    }
    size_t rest = data.length - i;
    if (rest > 0) {
        uint32_t bits = (uint32_t)data.bytes[i] << 16 | (rest == 2 ? (uint32_t)data.bytes[i + 1] << 8 : 0);
        group[0] = base64_alphabet[bits >> 18];
        group[1] = base64_alphabet[(bits >> 12) & 63];
        group[2] = rest == 2 ? base64_alphabet[(bits >> 6) & 63] : '=';
        group[3] = '=';
        fwrite(group, 1, 4, out);
    }
    fputc('"', out);
}

static void indent(FILE *out, unsigned depth)
{
    for (unsigned i = 0; i < depth; i++) {
        fputs("  ", out);
    }
}

static void write_value(FILE *out, const xw_value *value, unsigned depth)
{
    fprintf(out, "{\"%s\": ", variant_names[value->kind]);
    switch (value->kind) {
    case XW_NULL: fputs("null", out); break;
    case XW_BOOL: fputs(value->as.boolean ? "true" : "false", out); break;
    case XW_INT64:
    case XW_DATE: fprintf(out, "\"%" PRId64 "\"", value->as.int64); break;
    case XW_UINT64: fprintf(out, "\"%" PRIu64 "\"", value->as.uint64); break;
    case XW_DOUBLE: fprintf(out, "\"%016" PRIx64 "\"", value->as.double_bits); break;
    case XW_STRING: write_json_string(out, value->as.bytes); break;
    case XW_DATA: write_base64(out, value->as.bytes); break;
    case XW_FD:
    case XW_ENDPOINT: fprintf(out, "%u", (unsigned)value->as.slot); break;
    case XW_UUID: {
        const uint8_t *u = value->as.uuid;
        fputc('"', out);
        for (int i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) fputc('-', out);
            fprintf(out, "%02X", u[i]);
        }
        fputc('"', out);
        break;
    }
    case XW_ARRAY:
    case XW_DICTIONARY: {
        bool array = value->kind == XW_ARRAY;
        size_t count = array ? value->as.array.count : value->as.dictionary.count;
        if (count == 0) {
            fputs("[]", out);
            break;
        }
        fputs("[\n", out);
        for (size_t i = 0; i < count; i++) {
            indent(out, depth + 1);
            if (array) {
                write_value(out, &value->as.array.items[i], depth + 1);
            } else {
                const xw_entry *entry = &value->as.dictionary.entries[i];
                fputc('[', out);
                write_json_string(out, entry->key);
                fputs(", ", out);
                write_value(out, &entry->value, depth + 1);
                fputc(']', out);
            }
            fputs(i + 1 < count ? ",\n" : "\n", out);
        }
        indent(out, depth);
        fputc(']', out);
        break;
    }
    }
    fputc('}', out);
}

bool xw_write_description(const xw_document *document, FILE *out)
{
    fprintf(out, "{\n  \"version\": \"%u.%u\",\n  \"flags\": %u,\n  \"slots\": [", document->major,
            document->minor, document->flags);
    for (size_t i = 0; i < document->slot_count; i++) {
        fprintf(out, "%s\"%s\"", i == 0 ? "" : ", ", document->slot_kinds[i] == XW_SLOT_FD ? "fd" : "endpoint");
    }
    fputs("],\n  \"body\": ", out);
    write_value(out, &document->root, 1);
    fputs("\n}\n", out);
    return !ferror(out);
}

/* ---- Reading (SPEC §8.3) ---- */

typedef struct reader {
    msgpack_zone *zone; /* the document's */
    const uint8_t *slot_kinds;
    size_t slot_count;
    uint8_t *referenced;
    xw_error *error;
} reader;

static bool is_named(xw_bytes name, const char *expected)
{
    return name.length == strlen(expected) && memcmp(name.bytes, expected, name.length) == 0;
}

/* Digits only, no sign, fraction or exponent, at most `maximum` (flags, fd, endpoint). */
static bool read_small_integer(const json_value *json, uint64_t maximum, uint64_t *out)
{
    if (json->kind != JSON_NUMBER || json->text.length == 0 || json->text.length > 6) {
        return false;
    }
    uint64_t value = 0;
    for (size_t i = 0; i < json->text.length; i++) {
        uint8_t c = json->text.bytes[i];
        if (c < '0' || c > '9') return false;
        value = value * 10 + (c - '0');
    }
    *out = value;
    return value <= maximum;
}

/* Decimal digits without leading zeros (except "0"), at most 2^64−1. */
static bool read_decimal_magnitude(const uint8_t *digits, size_t length, uint64_t *out)
{
    if (length == 0 || (length > 1 && digits[0] == '0')) {
        return false;
    }
    uint64_t value = 0;
    for (size_t i = 0; i < length; i++) {
        if (digits[i] < '0' || digits[i] > '9') return false;
        uint64_t digit = digits[i] - '0';
        if (value > (UINT64_MAX - digit) / 10) return false;
        value = value * 10 + digit;
    }
    *out = value;
    return true;
}

static bool read_int64_text(xw_bytes text, int64_t *out)
{
    bool negative = text.length > 0 && text.bytes[0] == '-';
    uint64_t magnitude;
    if (!read_decimal_magnitude(text.bytes + negative, text.length - negative, &magnitude)) {
        return false;
    }
    if (negative) {
        if (magnitude == 0 || magnitude > (uint64_t)INT64_MAX + 1) return false; /* no "-0" */
        *out = magnitude == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)magnitude;
    } else {
        if (magnitude > INT64_MAX) return false;
        *out = (int64_t)magnitude;
    }
    return true;
}

static int hex_digit(uint8_t c, bool uppercase)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (uppercase && c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (!uppercase && c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

static bool read_double_bits(xw_bytes text, uint64_t *out)
{
    if (text.length != 16) return false;
    uint64_t bits = 0;
    for (size_t i = 0; i < 16; i++) {
        int digit = hex_digit(text.bytes[i], false);
        if (digit < 0) return false;
        bits = bits << 4 | (uint64_t)digit;
    }
    *out = bits;
    return true;
}

static bool read_uuid(xw_bytes text, uint8_t out[16])
{
    if (text.length != 36) return false;
    size_t byte = 0;
    for (size_t i = 0; i < 36;) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (text.bytes[i] != '-') return false;
            i++;
            continue;
        }
        int high = hex_digit(text.bytes[i], true), low = hex_digit(text.bytes[i + 1], true);
        if (high < 0 || low < 0) return false;
        out[byte++] = (uint8_t)(high << 4 | low);
        i += 2;
    }
    return true;
}

static int base64_value(uint8_t c)
{
    const char *found = c == 0 ? NULL : strchr(base64_alphabet, c);
    return found == NULL ? -1 : (int)(found - base64_alphabet);
}

/* RFC 4648 §4 with padding, no whitespace, zero unused bits. */
static bool read_base64(reader *r, xw_bytes text, xw_bytes *out)
{
    if (text.length % 4 != 0) return false;
    size_t padding = 0;
    if (text.length > 0 && text.bytes[text.length - 1] == '=') padding++;
    if (text.length > 1 && text.bytes[text.length - 2] == '=') padding++;
    size_t length = text.length / 4 * 3 - padding;
    uint8_t *bytes = xw_zone_alloc(r->zone, length, r->error);
    if (bytes == NULL) return false;
    size_t written = 0;
    for (size_t i = 0; i < text.length; i += 4) {
        bool last = i + 4 == text.length;
        size_t pad = last ? padding : 0;
        uint32_t bits = 0;
        for (size_t j = 0; j < 4; j++) {
            int digit = 0;
            if (j < 4 - pad) {
                digit = base64_value(text.bytes[i + j]);
                if (digit < 0) return false;
            }
            bits = bits << 6 | (uint32_t)digit;
        }
        if ((pad == 1 && (bits & 0xff) != 0) || (pad == 2 && (bits & 0xffff) != 0)) {
            return false; /* unused low bits must be zero */
        }
        bytes[written++] = (uint8_t)(bits >> 16);
        if (pad < 2) bytes[written++] = (uint8_t)(bits >> 8);
        if (pad < 1) bytes[written++] = (uint8_t)bits;
    }
    out->bytes = bytes;
    out->length = length;
    return true;
}

static bool copy_string(reader *r, const json_value *json, xw_bytes *out)
{
    if (json->kind != JSON_STRING || json->has_nul) {
        return false;
    }
    uint8_t *copy = xw_zone_alloc(r->zone, json->text.length, r->error);
    if (copy == NULL) return false;
    if (json->text.length > 0) memcpy(copy, json->text.bytes, json->text.length);
    out->bytes = copy;
    out->length = json->text.length;
    return true;
}

static bool invalid(reader *r, const char *variant, const char *what)
{
    if (r->error->kind == XW_OUT_OF_MEMORY) {
        return false;
    }
    return xw_fail_description(r->error, "%s: %s", variant, what);
}

static bool read_value(reader *r, const json_value *json, xw_value *out, unsigned level);

static bool read_container(reader *r, const json_value *content, xw_value *out, unsigned level)
{
    const char *name = variant_names[out->kind];
    if (content->kind != JSON_ARRAY) {
        return invalid(r, name, "not a JSON array");
    }
    if (level + 1 > XW_DESCRIPTION_MAXIMUM_DEPTH) {
        return invalid(r, name, "nested deeper than 256 levels");
    }
    size_t count = content->count;
    if (out->kind == XW_ARRAY) {
        xw_value *items = xw_zone_alloc(r->zone, count * sizeof *items, r->error);
        if (items == NULL) return false;
        out->as.array.items = items;
        out->as.array.count = count;
        for (size_t i = 0; i < count; i++) {
            if (!read_value(r, &content->items[i], &items[i], level + 1)) return false;
        }
        return true;
    }
    xw_entry *entries = xw_zone_alloc(r->zone, count * sizeof *entries, r->error);
    if (entries == NULL) return false;
    out->as.dictionary.entries = entries;
    out->as.dictionary.count = count;
    for (size_t i = 0; i < count; i++) {
        const json_value *pair = &content->items[i];
        if (pair->kind != JSON_ARRAY || pair->count != 2) {
            return invalid(r, name, "an entry is not a [key, VALUE] pair");
        }
        if (!copy_string(r, &pair->items[0], &entries[i].key)) {
            return invalid(r, name, "a key is not a string without U+0000");
        }
        if (i > 0 && xw_compare_keys(entries[i - 1].key, entries[i].key) >= 0) {
            return invalid(r, name, "keys are not strictly ascending by their UTF-8 bytes");
        }
        if (!read_value(r, &pair->items[1], &entries[i].value, level + 1)) return false;
    }
    return true;
}

static bool read_slot_reference(reader *r, const json_value *content, xw_value *out)
{
    const char *name = variant_names[out->kind];
    uint64_t slot;
    if (!read_small_integer(content, 65535, &slot)) {
        return invalid(r, name, "not an integer 0…65535");
    }
    if (slot >= r->slot_count) {
        return invalid(r, name, "slot index out of range of \"slots\"");
    }
    uint8_t expected = out->kind == XW_FD ? XW_SLOT_FD : XW_SLOT_ENDPOINT;
    if (r->slot_kinds[slot] != expected) {
        return invalid(r, name, "slot of the other kind");
    }
    r->referenced[slot] = 1;
    out->as.slot = (uint16_t)slot;
    return true;
}

/* One VALUE (SPEC §8.2); `level` is the level of the enclosing container. */
static bool read_value(reader *r, const json_value *json, xw_value *out, unsigned level)
{
    if (json->kind != JSON_OBJECT || json->count != 1) {
        return xw_fail_description(r->error, "a VALUE is not an object with exactly one member");
    }
    xw_bytes name = json->members[0].name;
    const json_value *content = json->members[0].value;
    int kind = -1;
    for (int k = XW_NULL; k <= XW_DICTIONARY; k++) {
        if (is_named(name, variant_names[k])) kind = k;
    }
    if (kind < 0) {
        return xw_fail_description(r->error, "unknown variant \"%.*s\"", (int)(name.length > 40 ? 40 : name.length),
                                   (const char *)name.bytes);
    }
    out->kind = (xw_kind)kind;
    const char *variant = variant_names[kind];
    switch (out->kind) {
    case XW_NULL:
        return content->kind == JSON_NULL || invalid(r, variant, "not null");
    case XW_BOOL:
        out->as.boolean = content->kind == JSON_TRUE;
        return content->kind == JSON_TRUE || content->kind == JSON_FALSE || invalid(r, variant, "not true or false");
    case XW_INT64:
    case XW_DATE:
        return (content->kind == JSON_STRING && read_int64_text(content->text, &out->as.int64)) ||
               invalid(r, variant, "not a decimal string in −2^63…2^63−1");
    case XW_UINT64:
        return (content->kind == JSON_STRING &&
                read_decimal_magnitude(content->text.bytes, content->text.length, &out->as.uint64)) ||
               invalid(r, variant, "not a decimal string in 0…2^64−1");
    case XW_DOUBLE:
        return (content->kind == JSON_STRING && read_double_bits(content->text, &out->as.double_bits)) ||
               invalid(r, variant, "not 16 lowercase hex digits");
    case XW_STRING:
        return copy_string(r, content, &out->as.bytes) || invalid(r, variant, "not a string without U+0000");
    case XW_DATA:
        return (content->kind == JSON_STRING && read_base64(r, content->text, &out->as.bytes)) ||
               invalid(r, variant, "not padded standard base64");
    case XW_UUID:
        return (content->kind == JSON_STRING && read_uuid(content->text, out->as.uuid)) ||
               invalid(r, variant, "not an uppercase 8-4-4-4-12 UUID");
    case XW_FD:
    case XW_ENDPOINT:
        return read_slot_reference(r, content, out);
    case XW_ARRAY:
    case XW_DICTIONARY:
        return read_container(r, content, out, level);
    }
    return false;
}

static bool read_version(const json_value *json, uint8_t *major, uint8_t *minor)
{
    if (json == NULL || json->kind != JSON_STRING) return false;
    const uint8_t *dot = memchr(json->text.bytes, '.', json->text.length);
    if (dot == NULL) return false;
    uint64_t parts[2];
    size_t major_length = (size_t)(dot - json->text.bytes);
    if (major_length > 3 || json->text.length - major_length - 1 > 3 ||
        !read_decimal_magnitude(json->text.bytes, major_length, &parts[0]) ||
        !read_decimal_magnitude(dot + 1, json->text.length - major_length - 1, &parts[1]) ||
        parts[0] > 255 || parts[1] > 255) {
        return false;
    }
    *major = (uint8_t)parts[0];
    *minor = (uint8_t)parts[1];
    return true;
}

static bool read_top_level(reader *r, const json_value *top, xw_document *document)
{
    static const char *const names[4] = { "version", "flags", "slots", "body" };
    const json_value *members[4] = { NULL, NULL, NULL, NULL };
    if (top->kind != JSON_OBJECT || top->count != 4) {
        return xw_fail_description(r->error, "the top level is not an object with exactly four members");
    }
    for (size_t i = 0; i < 4; i++) {
        int index = -1;
        for (int n = 0; n < 4; n++) {
            if (is_named(top->members[i].name, names[n])) index = n;
        }
        if (index < 0 || members[index] != NULL) {
            return xw_fail_description(r->error, "the top level needs exactly version, flags, slots and body");
        }
        members[index] = top->members[i].value;
    }
    if (!read_version(members[0], &document->major, &document->minor)) {
        return xw_fail_description(r->error, "version: not \"major.minor\" with numbers 0…255");
    }
    uint64_t flags;
    if (!read_small_integer(members[1], 65535, &flags)) {
        return xw_fail_description(r->error, "flags: not an integer 0…65535");
    }
    document->flags = (uint16_t)flags;
    const json_value *slots = members[2];
    if (slots->kind != JSON_ARRAY || slots->count > 65535) {
        return xw_fail_description(r->error, "slots: not an array of at most 65535 elements");
    }
    document->slot_count = slots->count;
    document->slot_kinds = xw_zone_alloc(r->zone, slots->count, r->error);
    r->referenced = xw_zone_alloc(r->zone, slots->count, r->error);
    if (document->slot_kinds == NULL || r->referenced == NULL) return false;
    memset(r->referenced, 0, slots->count);
    for (size_t i = 0; i < slots->count; i++) {
        const json_value *slot = &slots->items[i];
        bool fd = slot->kind == JSON_STRING && is_named(slot->text, "fd");
        bool endpoint = slot->kind == JSON_STRING && is_named(slot->text, "endpoint");
        if (!fd && !endpoint) {
            return xw_fail_description(r->error, "slots: an element is not \"fd\" or \"endpoint\"");
        }
        document->slot_kinds[i] = fd ? XW_SLOT_FD : XW_SLOT_ENDPOINT;
    }
    r->slot_kinds = document->slot_kinds;
    r->slot_count = document->slot_count;
    if (!read_value(r, members[3], &document->root, 0)) {
        return false;
    }
    for (size_t i = 0; i < document->slot_count; i++) {
        if (!r->referenced[i]) {
            return xw_fail_description(r->error, "slots: slot %zu is named by no fd or endpoint", i);
        }
    }
    return true;
}

bool xw_read_description(const uint8_t *text, size_t length, xw_document *document, xw_error *error)
{
    memset(document, 0, sizeof *document);
    error->kind = XW_OK;
    msgpack_zone *syntax = msgpack_zone_new(XW_ZONE_CHUNK_SIZE);
    document->zone = msgpack_zone_new(XW_ZONE_CHUNK_SIZE);
    bool ok = syntax != NULL && document->zone != NULL;
    if (!ok) {
        xw_fail(error, XW_OUT_OF_MEMORY, 0, NULL);
    }
    json_value *top = NULL;
    ok = ok && json_parse(text, length, XW_JSON_MAXIMUM_DEPTH, syntax, &top, error);
    if (ok) {
        reader r = { .zone = document->zone, .error = error };
        ok = read_top_level(&r, top, document);
    }
    if (syntax != NULL) {
        msgpack_zone_free(syntax);
    }
    if (!ok) {
        xw_document_free(document);
    }
    return ok;
}
