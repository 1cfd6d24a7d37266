/* json.c — a recursive-descent JSON parser, strict about RFC 8259 and about surrogates. */
#include "json.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct parser {
    const uint8_t *text;
    size_t length;
    size_t position;
    size_t maximum_depth;
    msgpack_zone *zone;
    xw_error *error;
} parser;

/* A growable byte or pointer buffer, copied into the zone once complete. */
typedef struct buffer {
    uint8_t *data;
    size_t size;
    size_t capacity;
} buffer;

static bool append(parser *p, buffer *b, const void *bytes, size_t length)
{
    if (b->size + length > b->capacity) {
        size_t capacity = b->capacity == 0 ? 64 : b->capacity;
        while (capacity < b->size + length) {
            capacity *= 2;
        }
        uint8_t *grown = realloc(b->data, capacity);
        if (grown == NULL) {
            return xw_fail(p->error, XW_OUT_OF_MEMORY, 0, NULL);
        }
        b->data = grown;
        b->capacity = capacity;
    }
    memcpy(b->data + b->size, bytes, length);
    b->size += length;
    return true;
}

static void *keep(parser *p, buffer *b)
{
    void *kept = xw_zone_alloc(p->zone, b->size, p->error);
    if (kept != NULL && b->size > 0) {
        memcpy(kept, b->data, b->size);
    }
    free(b->data);
    b->data = NULL;
    return kept;
}

static bool syntax_error(parser *p, const char *what)
{
    return xw_fail_description(p->error, "JSON: %s at byte %zu", what, p->position);
}

static void skip_whitespace(parser *p)
{
    while (p->position < p->length) {
        uint8_t c = p->text[p->position];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            return;
        }
        p->position++;
    }
}

static bool peek(parser *p, uint8_t expected)
{
    return p->position < p->length && p->text[p->position] == expected;
}

static bool read_hex4(parser *p, uint32_t *value)
{
    if (p->length - p->position < 4) {
        return syntax_error(p, "short \\u escape");
    }
    uint32_t result = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t c = p->text[p->position++];
        uint32_t digit;
        if (c >= '0' && c <= '9') digit = c - '0';
        else if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
        else return syntax_error(p, "bad \\u escape");
        result = result << 4 | digit;
    }
    *value = result;
    return true;
}

static bool append_code_point(parser *p, buffer *b, uint32_t code_point)
{
    uint8_t bytes[4];
    size_t length;
    if (code_point < 0x80) {
        bytes[0] = (uint8_t)code_point;
        length = 1;
    } else if (code_point < 0x800) {
        bytes[0] = (uint8_t)(0xc0 | code_point >> 6);
        bytes[1] = (uint8_t)(0x80 | (code_point & 0x3f));
        length = 2;
    } else if (code_point < 0x10000) {
        bytes[0] = (uint8_t)(0xe0 | code_point >> 12);
        bytes[1] = (uint8_t)(0x80 | ((code_point >> 6) & 0x3f));
        bytes[2] = (uint8_t)(0x80 | (code_point & 0x3f));
        length = 3;
    } else {
        bytes[0] = (uint8_t)(0xf0 | code_point >> 18);
        bytes[1] = (uint8_t)(0x80 | ((code_point >> 12) & 0x3f));
        bytes[2] = (uint8_t)(0x80 | ((code_point >> 6) & 0x3f));
        bytes[3] = (uint8_t)(0x80 | (code_point & 0x3f));
        length = 4;
    }
    return append(p, b, bytes, length);
}

/* A string starting at the opening quote; the result's bytes live in the zone. */
static bool parse_string(parser *p, xw_bytes *out, bool *has_nul)
{
    p->position++; /* the opening quote */
    buffer b = { 0 };
    *has_nul = false;
    for (;;) {
        if (p->position >= p->length) {
            free(b.data);
            return syntax_error(p, "unterminated string");
        }
        uint8_t c = p->text[p->position];
        if (c == '"') {
            p->position++;
            break;
        }
        if (c < 0x20) {
            free(b.data);
            return syntax_error(p, "control character in string");
        }
        if (c != '\\') {
            size_t start = p->position;
            while (p->position < p->length && p->text[p->position] != '"' && p->text[p->position] != '\\' &&
                   p->text[p->position] >= 0x20) {
                p->position++;
            }
            if (!append(p, &b, p->text + start, p->position - start)) {
                free(b.data);
                return false;
            }
            continue;
        }
        p->position++;
        if (p->position >= p->length) {
            free(b.data);
            return syntax_error(p, "unterminated escape");
        }
        uint8_t escape = p->text[p->position++];
        const char *simple = NULL;
        switch (escape) {
        case '"': simple = "\""; break;
        case '\\': simple = "\\"; break;
        case '/': simple = "/"; break;
        case 'b': simple = "\b"; break;
        case 'f': simple = "\f"; break;
        case 'n': simple = "\n"; break;
        case 'r': simple = "\r"; break;
        case 't': simple = "\t"; break;
        case 'u': break;
        default:
            free(b.data);
            return syntax_error(p, "bad escape");
        }
        bool ok;
        if (simple != NULL) {
            ok = append(p, &b, simple, 1);
        } else {
            uint32_t unit;
            ok = read_hex4(p, &unit);
            if (ok && unit >= 0xdc00 && unit <= 0xdfff) {
                ok = syntax_error(p, "unpaired surrogate escape");
            } else if (ok && unit >= 0xd800 && unit <= 0xdbff) {
                uint32_t low;
                if (p->length - p->position < 2 || p->text[p->position] != '\\' || p->text[p->position + 1] != 'u') {
                    ok = syntax_error(p, "unpaired surrogate escape");
                } else {
                    p->position += 2;
                    ok = read_hex4(p, &low);
                    if (ok && (low < 0xdc00 || low > 0xdfff)) {
                        ok = syntax_error(p, "unpaired surrogate escape");
                    }
                    unit = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
                }
            }
            if (ok) {
                *has_nul = *has_nul || unit == 0;
                ok = append_code_point(p, &b, unit);
            }
        }
        if (!ok) {
            free(b.data);
            return false;
        }
    }
    out->length = b.size;
    out->bytes = keep(p, &b);
    return out->bytes != NULL;
}

static bool parse_number(parser *p, json_value *out)
{
    size_t start = p->position;
    const uint8_t *t = p->text;
    if (peek(p, '-')) p->position++;
    if (peek(p, '0')) {
        p->position++;
    } else if (p->position < p->length && t[p->position] >= '1' && t[p->position] <= '9') {
        while (p->position < p->length && t[p->position] >= '0' && t[p->position] <= '9') p->position++;
    } else {
        return syntax_error(p, "bad number");
    }
    if (peek(p, '.')) {
        p->position++;
        size_t digits = p->position;
        while (p->position < p->length && t[p->position] >= '0' && t[p->position] <= '9') p->position++;
        if (p->position == digits) return syntax_error(p, "bad fraction");
    }
    if (peek(p, 'e') || peek(p, 'E')) {
        p->position++;
        if (peek(p, '+') || peek(p, '-')) p->position++;
        size_t digits = p->position;
        while (p->position < p->length && t[p->position] >= '0' && t[p->position] <= '9') p->position++;
        if (p->position == digits) return syntax_error(p, "bad exponent");
    }
    out->kind = JSON_NUMBER;
    out->text.bytes = t + start;
    out->text.length = p->position - start;
    return true;
}

static bool parse_literal(parser *p, const char *word, json_kind kind, json_value *out)
{
    size_t length = strlen(word);
    if (p->length - p->position < length || memcmp(p->text + p->position, word, length) != 0) {
        return syntax_error(p, "unexpected character");
    }
    p->position += length;
    out->kind = kind;
    return true;
}

static bool parse_value(parser *p, json_value *out, size_t depth);

static bool parse_array(parser *p, json_value *out, size_t depth)
{
    p->position++;
    buffer items = { 0 };
    out->kind = JSON_ARRAY;
    skip_whitespace(p);
    if (peek(p, ']')) {
        p->position++;
    } else {
        for (;;) {
            json_value item;
            memset(&item, 0, sizeof item);
            if (!parse_value(p, &item, depth + 1) || !append(p, &items, &item, sizeof item)) {
                free(items.data);
                return false;
            }
            skip_whitespace(p);
            if (peek(p, ',')) {
                p->position++;
                continue;
            }
            if (peek(p, ']')) {
                p->position++;
                break;
            }
            free(items.data);
            return syntax_error(p, "expected , or ]");
        }
    }
    out->count = items.size / sizeof(json_value);
    out->items = keep(p, &items);
    return out->items != NULL;
}

static bool parse_object(parser *p, json_value *out, size_t depth)
{
    p->position++;
    buffer members = { 0 };
    out->kind = JSON_OBJECT;
    skip_whitespace(p);
    if (peek(p, '}')) {
        p->position++;
    } else {
        for (;;) {
            skip_whitespace(p);
            json_member member;
            bool name_has_nul;
            if (!peek(p, '"')) {
                free(members.data);
                return syntax_error(p, "expected a member name");
            }
            if (!parse_string(p, &member.name, &name_has_nul)) {
                free(members.data);
                return false;
            }
            skip_whitespace(p);
            if (!peek(p, ':')) {
                free(members.data);
                return syntax_error(p, "expected :");
            }
            p->position++;
            member.value = xw_zone_alloc(p->zone, sizeof *member.value, p->error);
            if (member.value == NULL) {
                free(members.data);
                return false;
            }
            memset(member.value, 0, sizeof *member.value);
            if (!parse_value(p, member.value, depth + 1) || !append(p, &members, &member, sizeof member)) {
                free(members.data);
                return false;
            }
            skip_whitespace(p);
            if (peek(p, ',')) {
                p->position++;
                continue;
            }
            if (peek(p, '}')) {
                p->position++;
                break;
            }
            free(members.data);
            return syntax_error(p, "expected , or }");
        }
    }
    out->count = members.size / sizeof(json_member);
    out->members = keep(p, &members);
    return out->members != NULL;
}

static bool parse_value(parser *p, json_value *out, size_t depth)
{
    if (depth > p->maximum_depth) {
        return syntax_error(p, "nested too deeply");
    }
    skip_whitespace(p);
    if (p->position >= p->length) {
        return syntax_error(p, "unexpected end");
    }
    switch (p->text[p->position]) {
    case '{': return parse_object(p, out, depth);
    case '[': return parse_array(p, out, depth);
    case '"':
        out->kind = JSON_STRING;
        return parse_string(p, &out->text, &out->has_nul);
    case 't': return parse_literal(p, "true", JSON_TRUE, out);
    case 'f': return parse_literal(p, "false", JSON_FALSE, out);
    case 'n': return parse_literal(p, "null", JSON_NULL, out);
    default: return parse_number(p, out);
    }
}

bool json_parse(const uint8_t *text, size_t length, size_t maximum_depth, msgpack_zone *zone,
                json_value **out, xw_error *error)
{
    parser p = { .text = text, .length = length, .maximum_depth = maximum_depth, .zone = zone, .error = error };
    size_t invalid = xw_first_invalid_utf8(text, length);
    if (invalid != length) {
        return xw_fail_description(error, "JSON: invalid UTF-8 at byte %zu", invalid);
    }
    *out = xw_zone_alloc(zone, sizeof **out, error);
    if (*out == NULL) {
        return false;
    }
    memset(*out, 0, sizeof **out);
    if (!parse_value(&p, *out, 0)) {
        return false;
    }
    skip_whitespace(&p);
    if (p.position != length) {
        return syntax_error(&p, "text after the JSON value");
    }
    return true;
}
