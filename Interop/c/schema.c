/*
 * schema.c — schemas (SPEC §9.4): the JSON form (§9.4.1) and validation (§9.4.2), written as the
 * Swift validator and `xpcwire schema check` write them (see schema.h).
 */
#include "schema.h"

#include "internal.h"
#include "json.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* JSON nesting accepted in a schema file: 512 arrays and objects inside each other (SPEC §9.4.1). */
#define SCHEMA_JSON_MAXIMUM_DEPTH 512u

/* ---------------------------------------------------------------------------------------------
 * A growable text, NUL-terminated, which may hold NUL bytes of its own (write it by length).
 * ------------------------------------------------------------------------------------------- */

typedef struct text {
    char *data;
    size_t length;
    size_t capacity;
    bool failed; /* memory ran out: the text is incomplete */
} text;

static void text_append(text *t, const void *bytes, size_t length)
{
    if (t->failed) {
        return;
    }
    if (length >= SIZE_MAX / 2 - t->length) {
        t->failed = true;
        return;
    }
    if (t->length + length + 1 > t->capacity) {
        size_t capacity = t->capacity == 0 ? 128 : t->capacity;
        while (capacity < t->length + length + 1) {
            capacity *= 2;
        }
        char *grown = realloc(t->data, capacity);
        if (grown == NULL) {
            t->failed = true;
            return;
        }
        t->data = grown;
        t->capacity = capacity;
    }
    if (length > 0) {
        memcpy(t->data + t->length, bytes, length);
    }
    t->length += length;
    t->data[t->length] = '\0';
}

static void text_string(text *t, const char *string)
{
    text_append(t, string, strlen(string));
}

static void text_printf(text *t, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void text_printf(text *t, const char *format, ...)
{
    char small[128];
    va_list arguments;
    va_start(arguments, format);
    int needed = vsnprintf(small, sizeof small, format, arguments);
    va_end(arguments);
    if (needed < 0) {
        t->failed = true;
        return;
    }
    if ((size_t)needed < sizeof small) {
        text_append(t, small, (size_t)needed);
        return;
    }
    char *large = malloc((size_t)needed + 1);
    if (large == NULL) {
        t->failed = true;
        return;
    }
    va_start(arguments, format);
    vsnprintf(large, (size_t)needed + 1, format, arguments);
    va_end(arguments);
    text_append(t, large, (size_t)needed);
    free(large);
}

static void text_truncate(text *t, size_t length)
{
    if (!t->failed && length <= t->length) {
        t->length = length;
        if (t->data != NULL) {
            t->data[length] = '\0';
        }
    }
}

/* ---------------------------------------------------------------------------------------------
 * Names and keys quoted as Swift's String(reflecting:) quotes them, and message paths
 * ------------------------------------------------------------------------------------------- */

typedef struct scalar_range {
    uint32_t first;
    uint32_t last;
} scalar_range;

/* Unicode Grapheme_Cluster_Break values Extend, ZWJ and SpacingMark (a scalar that joins the
 * character before it), in the Unicode version of Swift 6.3's standard library. Swift escapes such
 * a scalar when it would merge with the opening quote or with an escape before it. The same table
 * is in Interop/python/xpcwire_schema.py, which says how to regenerate it. */
static const scalar_range joins_previous[] = {
    {0x300, 0x36F}, {0x483, 0x489}, {0x591, 0x5BD}, {0x5BF, 0x5BF}, {0x5C1, 0x5C2},
    {0x5C4, 0x5C5}, {0x5C7, 0x5C7}, {0x610, 0x61A}, {0x64B, 0x65F}, {0x670, 0x670},
    {0x6D6, 0x6DC}, {0x6DF, 0x6E4}, {0x6E7, 0x6E8}, {0x6EA, 0x6ED}, {0x711, 0x711},
    {0x730, 0x74A}, {0x7A6, 0x7B0}, {0x7EB, 0x7F3}, {0x7FD, 0x7FD}, {0x816, 0x819},
    {0x81B, 0x823}, {0x825, 0x827}, {0x829, 0x82D}, {0x859, 0x85B}, {0x897, 0x89F},
    {0x8CA, 0x8E1}, {0x8E3, 0x903}, {0x93A, 0x93C}, {0x93E, 0x94F}, {0x951, 0x957},
    {0x962, 0x963}, {0x981, 0x983}, {0x9BC, 0x9BC}, {0x9BE, 0x9C4}, {0x9C7, 0x9C8},
    {0x9CB, 0x9CD}, {0x9D7, 0x9D7}, {0x9E2, 0x9E3}, {0x9FE, 0x9FE}, {0xA01, 0xA03},
    {0xA3C, 0xA3C}, {0xA3E, 0xA42}, {0xA47, 0xA48}, {0xA4B, 0xA4D}, {0xA51, 0xA51},
    {0xA70, 0xA71}, {0xA75, 0xA75}, {0xA81, 0xA83}, {0xABC, 0xABC}, {0xABE, 0xAC5},
    {0xAC7, 0xAC9}, {0xACB, 0xACD}, {0xAE2, 0xAE3}, {0xAFA, 0xAFF}, {0xB01, 0xB03},
    {0xB3C, 0xB3C}, {0xB3E, 0xB44}, {0xB47, 0xB48}, {0xB4B, 0xB4D}, {0xB55, 0xB57},
    {0xB62, 0xB63}, {0xB82, 0xB82}, {0xBBE, 0xBC2}, {0xBC6, 0xBC8}, {0xBCA, 0xBCD},
    {0xBD7, 0xBD7}, {0xC00, 0xC04}, {0xC3C, 0xC3C}, {0xC3E, 0xC44}, {0xC46, 0xC48},
    {0xC4A, 0xC4D}, {0xC55, 0xC56}, {0xC62, 0xC63}, {0xC81, 0xC83}, {0xCBC, 0xCBC},
    {0xCBE, 0xCC4}, {0xCC6, 0xCC8}, {0xCCA, 0xCCD}, {0xCD5, 0xCD6}, {0xCE2, 0xCE3},
    {0xCF3, 0xCF3}, {0xD00, 0xD03}, {0xD3B, 0xD3C}, {0xD3E, 0xD44}, {0xD46, 0xD48},
    {0xD4A, 0xD4D}, {0xD57, 0xD57}, {0xD62, 0xD63}, {0xD81, 0xD83}, {0xDCA, 0xDCA},
    {0xDCF, 0xDD4}, {0xDD6, 0xDD6}, {0xDD8, 0xDDF}, {0xDF2, 0xDF3}, {0xE31, 0xE31},
    {0xE33, 0xE3A}, {0xE47, 0xE4E}, {0xEB1, 0xEB1}, {0xEB3, 0xEBC}, {0xEC8, 0xECE},
    {0xF18, 0xF19}, {0xF35, 0xF35}, {0xF37, 0xF37}, {0xF39, 0xF39}, {0xF3E, 0xF3F},
    {0xF71, 0xF84}, {0xF86, 0xF87}, {0xF8D, 0xF97}, {0xF99, 0xFBC}, {0xFC6, 0xFC6},
    {0x102D, 0x1037}, {0x1039, 0x103E}, {0x1056, 0x1059}, {0x105E, 0x1060}, {0x1071, 0x1074},
    {0x1082, 0x1082}, {0x1084, 0x1086}, {0x108D, 0x108D}, {0x109D, 0x109D}, {0x135D, 0x135F},
    {0x1712, 0x1715}, {0x1732, 0x1734}, {0x1752, 0x1753}, {0x1772, 0x1773}, {0x17B4, 0x17D3},
    {0x17DD, 0x17DD}, {0x180B, 0x180D}, {0x180F, 0x180F}, {0x1885, 0x1886}, {0x18A9, 0x18A9},
    {0x1920, 0x192B}, {0x1930, 0x193B}, {0x1A17, 0x1A1B}, {0x1A55, 0x1A5E}, {0x1A60, 0x1A60},
    {0x1A62, 0x1A62}, {0x1A65, 0x1A7C}, {0x1A7F, 0x1A7F}, {0x1AB0, 0x1ADD}, {0x1AE0, 0x1AEB},
    {0x1B00, 0x1B04}, {0x1B34, 0x1B44}, {0x1B6B, 0x1B73}, {0x1B80, 0x1B82}, {0x1BA1, 0x1BAD},
    {0x1BE6, 0x1BF3}, {0x1C24, 0x1C37}, {0x1CD0, 0x1CD2}, {0x1CD4, 0x1CE8}, {0x1CED, 0x1CED},
    {0x1CF4, 0x1CF4}, {0x1CF7, 0x1CF9}, {0x1DC0, 0x1DFF}, {0x200C, 0x200D}, {0x20D0, 0x20F0},
    {0x2CEF, 0x2CF1}, {0x2D7F, 0x2D7F}, {0x2DE0, 0x2DFF}, {0x302A, 0x302F}, {0x3099, 0x309A},
    {0xA66F, 0xA672}, {0xA674, 0xA67D}, {0xA69E, 0xA69F}, {0xA6F0, 0xA6F1}, {0xA802, 0xA802},
    {0xA806, 0xA806}, {0xA80B, 0xA80B}, {0xA823, 0xA827}, {0xA82C, 0xA82C}, {0xA880, 0xA881},
    {0xA8B4, 0xA8C5}, {0xA8E0, 0xA8F1}, {0xA8FF, 0xA8FF}, {0xA926, 0xA92D}, {0xA947, 0xA953},
    {0xA980, 0xA983}, {0xA9B3, 0xA9C0}, {0xA9E5, 0xA9E5}, {0xAA29, 0xAA36}, {0xAA43, 0xAA43},
    {0xAA4C, 0xAA4D}, {0xAA7C, 0xAA7C}, {0xAAB0, 0xAAB0}, {0xAAB2, 0xAAB4}, {0xAAB7, 0xAAB8},
    {0xAABE, 0xAABF}, {0xAAC1, 0xAAC1}, {0xAAEB, 0xAAEF}, {0xAAF5, 0xAAF6}, {0xABE3, 0xABEA},
    {0xABEC, 0xABED}, {0xFB1E, 0xFB1E}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFF9E, 0xFF9F},
    {0x101FD, 0x101FD}, {0x102E0, 0x102E0}, {0x10376, 0x1037A}, {0x10A01, 0x10A03}, {0x10A05, 0x10A06},
    {0x10A0C, 0x10A0F}, {0x10A38, 0x10A3A}, {0x10A3F, 0x10A3F}, {0x10AE5, 0x10AE6}, {0x10D24, 0x10D27},
    {0x10D69, 0x10D6D}, {0x10EAB, 0x10EAC}, {0x10EFA, 0x10EFF}, {0x10F46, 0x10F50}, {0x10F82, 0x10F85},
    {0x11000, 0x11002}, {0x11038, 0x11046}, {0x11070, 0x11070}, {0x11073, 0x11074}, {0x1107F, 0x11082},
    {0x110B0, 0x110BA}, {0x110C2, 0x110C2}, {0x11100, 0x11102}, {0x11127, 0x11134}, {0x11145, 0x11146},
    {0x11173, 0x11173}, {0x11180, 0x11182}, {0x111B3, 0x111C0}, {0x111C9, 0x111CC}, {0x111CE, 0x111CF},
    {0x1122C, 0x11237}, {0x1123E, 0x1123E}, {0x11241, 0x11241}, {0x112DF, 0x112EA}, {0x11300, 0x11303},
    {0x1133B, 0x1133C}, {0x1133E, 0x11344}, {0x11347, 0x11348}, {0x1134B, 0x1134D}, {0x11357, 0x11357},
    {0x11362, 0x11363}, {0x11366, 0x1136C}, {0x11370, 0x11374}, {0x113B8, 0x113C0}, {0x113C2, 0x113C2},
    {0x113C5, 0x113C5}, {0x113C7, 0x113CA}, {0x113CC, 0x113D0}, {0x113D2, 0x113D2}, {0x113E1, 0x113E2},
    {0x11435, 0x11446}, {0x1145E, 0x1145E}, {0x114B0, 0x114C3}, {0x115AF, 0x115B5}, {0x115B8, 0x115C0},
    {0x115DC, 0x115DD}, {0x11630, 0x11640}, {0x116AB, 0x116B7}, {0x1171D, 0x1171F}, {0x11722, 0x1172B},
    {0x1182C, 0x1183A}, {0x11930, 0x11935}, {0x11937, 0x11938}, {0x1193B, 0x1193E}, {0x11940, 0x11940},
    {0x11942, 0x11943}, {0x119D1, 0x119D7}, {0x119DA, 0x119E0}, {0x119E4, 0x119E4}, {0x11A01, 0x11A0A},
    {0x11A33, 0x11A39}, {0x11A3B, 0x11A3E}, {0x11A47, 0x11A47}, {0x11A51, 0x11A5B}, {0x11A8A, 0x11A99},
    {0x11B60, 0x11B67}, {0x11C2F, 0x11C36}, {0x11C38, 0x11C3F}, {0x11C92, 0x11CA7}, {0x11CA9, 0x11CB6},
    {0x11D31, 0x11D36}, {0x11D3A, 0x11D3A}, {0x11D3C, 0x11D3D}, {0x11D3F, 0x11D45}, {0x11D47, 0x11D47},
    {0x11D8A, 0x11D8E}, {0x11D90, 0x11D91}, {0x11D93, 0x11D97}, {0x11EF3, 0x11EF6}, {0x11F00, 0x11F01},
    {0x11F03, 0x11F03}, {0x11F34, 0x11F3A}, {0x11F3E, 0x11F42}, {0x11F5A, 0x11F5A}, {0x13440, 0x13440},
    {0x13447, 0x13455}, {0x1611E, 0x1612F}, {0x16AF0, 0x16AF4}, {0x16B30, 0x16B36}, {0x16F4F, 0x16F4F},
    {0x16F51, 0x16F87}, {0x16F8F, 0x16F92}, {0x16FE4, 0x16FE4}, {0x16FF0, 0x16FF1}, {0x1BC9D, 0x1BC9E},
    {0x1CF00, 0x1CF2D}, {0x1CF30, 0x1CF46}, {0x1D165, 0x1D169}, {0x1D16D, 0x1D172}, {0x1D17B, 0x1D182},
    {0x1D185, 0x1D18B}, {0x1D1AA, 0x1D1AD}, {0x1D242, 0x1D244}, {0x1DA00, 0x1DA36}, {0x1DA3B, 0x1DA6C},
    {0x1DA75, 0x1DA75}, {0x1DA84, 0x1DA84}, {0x1DA9B, 0x1DA9F}, {0x1DAA1, 0x1DAAF}, {0x1E000, 0x1E006},
    {0x1E008, 0x1E018}, {0x1E01B, 0x1E021}, {0x1E023, 0x1E024}, {0x1E026, 0x1E02A}, {0x1E08F, 0x1E08F},
    {0x1E130, 0x1E136}, {0x1E2AE, 0x1E2AE}, {0x1E2EC, 0x1E2EF}, {0x1E4EC, 0x1E4EF}, {0x1E5EE, 0x1E5EF},
    {0x1E6E3, 0x1E6E3}, {0x1E6E6, 0x1E6E6}, {0x1E6EE, 0x1E6EF}, {0x1E6F5, 0x1E6F5}, {0x1E8D0, 0x1E8D6},
    {0x1E944, 0x1E94A}, {0x1F3FB, 0x1F3FF}, {0xE0020, 0xE007F}, {0xE0100, 0xE01EF},
};

/* Grapheme_Cluster_Break=Prepend (a scalar that joins the character after it): Swift escapes
 * those at the end of a string, where they would merge with the closing quote. */
static const scalar_range joins_next[] = {
    {0x600, 0x605}, {0x6DD, 0x6DD}, {0x70F, 0x70F}, {0x890, 0x891}, {0x8E2, 0x8E2},
    {0xD4E, 0xD4E}, {0x110BD, 0x110BD}, {0x110CD, 0x110CD}, {0x111C2, 0x111C3}, {0x113D1, 0x113D1},
    {0x1193F, 0x1193F}, {0x11941, 0x11941}, {0x11A84, 0x11A89}, {0x11D46, 0x11D46}, {0x11F02, 0x11F02},
};

static bool in_ranges(const scalar_range *ranges, size_t count, uint32_t scalar)
{
    size_t low = 0, high = count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (scalar < ranges[middle].first) {
            high = middle;
        } else if (scalar > ranges[middle].last) {
            low = middle + 1;
        } else {
            return true;
        }
    }
    return false;
}

#define IN_TABLE(table, scalar) in_ranges(table, sizeof table / sizeof table[0], scalar)

/* The scalar starting at bytes[0] and its length; an ill-formed sequence (which the decoder and the
 * JSON parser never let through) counts as one byte of U+FFFD. */
static size_t next_scalar(const uint8_t *bytes, size_t available, uint32_t *scalar)
{
    uint8_t lead = bytes[0];
    size_t length = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 0;
    if (length == 1) {
        *scalar = lead;
        return 1;
    }
    if (length == 0 || length > available || xw_first_invalid_utf8(bytes, length) != length) {
        *scalar = 0xfffd;
        return 1;
    }
    uint32_t value = lead & (0x7f >> length);
    for (size_t i = 1; i < length; i++) {
        value = value << 6 | (bytes[i] & 0x3f);
    }
    *scalar = value;
    return length;
}

/* Swift's Unicode.Scalar.escaped(asASCII: true) of a non-ASCII scalar. */
static void append_scalar_escape(text *t, uint32_t scalar)
{
    if (scalar <= 0xffff) {
        text_printf(t, "\\u{%04" PRIX32 "}", scalar);
    } else {
        text_printf(t, "\\u{%08" PRIX32 "}", scalar);
    }
}

/* `bytes` (UTF-8) in double quotes as String(reflecting:) writes them: \\ \" \' \0 \t \n \r, the
 * other ASCII controls and DEL as \u{XX}, other scalars as they are, except a joining scalar after
 * the opening quote or an escape, and the Prepend scalars before the closing quote (\u{XXXX}). */
static void append_swift_quoted(text *t, const uint8_t *bytes, size_t length)
{
    /* The trailing run of Prepend scalars starts at `run`. */
    size_t run = 0;
    for (size_t i = 0; i < length;) {
        uint32_t scalar;
        size_t size = next_scalar(bytes + i, length - i, &scalar);
        i += size;
        if (!IN_TABLE(joins_next, scalar)) {
            run = i;
        }
    }
    text_append(t, "\"", 1);
    bool after_break = true; /* the last thing written is the opening quote or an escape */
    for (size_t i = 0; i < run;) {
        uint32_t scalar;
        size_t size = next_scalar(bytes + i, run - i, &scalar);
        if (scalar == '\\' || scalar == '\'' || scalar == '"') {
            char escape[2] = { '\\', (char)scalar };
            text_append(t, escape, 2);
            after_break = true;
        } else if (scalar >= 0x20 && scalar <= 0x7e) {
            text_append(t, bytes + i, 1);
            after_break = false;
        } else if (scalar < 0x80) {
            switch (scalar) {
            case 0: text_string(t, "\\0"); break;
            case '\t': text_string(t, "\\t"); break;
            case '\n': text_string(t, "\\n"); break;
            case '\r': text_string(t, "\\r"); break;
            default: text_printf(t, "\\u{%02" PRIX32 "}", scalar); break;
            }
            after_break = true;
        } else if (after_break && IN_TABLE(joins_previous, scalar)) {
            append_scalar_escape(t, scalar);
        } else {
            text_append(t, bytes + i, size);
            after_break = false;
        }
        i += size;
    }
    for (size_t i = run; i < length;) {
        uint32_t scalar;
        i += next_scalar(bytes + i, length - i, &scalar);
        append_scalar_escape(t, scalar);
    }
    text_append(t, "\"", 1);
}

/* A key that the path writes bare: ASCII letters, digits and "_", not starting with a digit. */
static bool is_identifier(xw_bytes key)
{
    if (key.length == 0 || (key.bytes[0] >= '0' && key.bytes[0] <= '9')) {
        return false;
    }
    for (size_t i = 0; i < key.length; i++) {
        uint8_t c = key.bytes[i];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_')) {
            return false;
        }
    }
    return true;
}

typedef struct component {
    bool is_index;
    size_t index;
    xw_bytes key;
} component;

/* A path as the Swift API writes it (XPCMessagePath): items[3].name, headers["content-type"],
 * <root> for the root. */
static void append_path(text *t, const component *components, size_t count)
{
    if (count == 0) {
        text_string(t, "<root>");
        return;
    }
    for (size_t i = 0; i < count; i++) {
        if (components[i].is_index) {
            text_printf(t, "[%zu]", components[i].index);
        } else if (is_identifier(components[i].key)) {
            if (i > 0) {
                text_append(t, ".", 1);
            }
            text_append(t, components[i].key.bytes, components[i].key.length);
        } else {
            text_append(t, "[", 1);
            append_swift_quoted(t, components[i].key.bytes, components[i].key.length);
            text_append(t, "]", 1);
        }
    }
}

/* `bytes` as a JSON string. */
static void append_json_string(text *t, const uint8_t *bytes, size_t length)
{
    text_append(t, "\"", 1);
    size_t start = 0;
    for (size_t i = 0; i < length; i++) {
        uint8_t c = bytes[i];
        if (c == '"' || c == '\\' || c < 0x20) {
            text_append(t, bytes + start, i - start);
            if (c == '"' || c == '\\') {
                char escape[2] = { '\\', (char)c };
                text_append(t, escape, 2);
            } else {
                text_printf(t, "\\u%04x", (unsigned)c);
            }
            start = i + 1;
        }
    }
    text_append(t, bytes + start, length - start);
    text_append(t, "\"", 1);
}

/* ---------------------------------------------------------------------------------------------
 * Schemas
 * ------------------------------------------------------------------------------------------- */

typedef enum schema_type {
    T_ANY, T_NULL, T_BOOL, T_INT64, T_UINT64, T_DOUBLE, T_STRING, T_DATA, T_UUID, T_DATE, T_FD,
    T_ENDPOINT, T_ARRAY, T_DICTIONARY, T_OPTIONAL, T_ONE_OF,
} schema_type;

/* Each type's JSON name, its variant (for the types of one variant), and the members it allows
 * besides "type", in the order they are read (SPEC §9.4.1). */
static const struct {
    const char *name;
    schema_type type;
    int kind; /* xw_kind, or -1 */
    const char *members[2];
} types[] = {
    { "any", T_ANY, -1, { NULL, NULL } },
    { "null", T_NULL, XW_NULL, { NULL, NULL } },
    { "bool", T_BOOL, XW_BOOL, { NULL, NULL } },
    { "int64", T_INT64, XW_INT64, { "minimum", "maximum" } },
    { "uint64", T_UINT64, XW_UINT64, { "minimum", "maximum" } },
    { "double", T_DOUBLE, XW_DOUBLE, { NULL, NULL } },
    { "string", T_STRING, XW_STRING, { "maxLength", NULL } },
    { "data", T_DATA, XW_DATA, { "maxLength", NULL } },
    { "uuid", T_UUID, XW_UUID, { NULL, NULL } },
    { "date", T_DATE, XW_DATE, { NULL, NULL } },
    { "fd", T_FD, XW_FD, { NULL, NULL } },
    { "endpoint", T_ENDPOINT, XW_ENDPOINT, { NULL, NULL } },
    { "array", T_ARRAY, XW_ARRAY, { "elements", "maxCount" } },
    { "dictionary", T_DICTIONARY, XW_DICTIONARY, { "fields", "extraKeys" } },
    { "optional", T_OPTIONAL, -1, { "schema", NULL } },
    { "oneOf", T_ONE_OF, -1, { "alternatives", NULL } },
};

/* The variant names of SPEC §2.1, in xw_kind order (which is §2.1's). */
static const char *const kind_names[] = {
    "null", "bool", "int64", "uint64", "double", "string", "data", "fd", "uuid", "date", "endpoint",
    "array", "dictionary",
};

#define ALL_KINDS ((uint16_t)((1u << 13) - 1))
#define KIND_BIT(kind) ((uint16_t)(1u << (unsigned)(kind)))

typedef enum extra_rule { EXTRA_ALLOW, EXTRA_REJECT, EXTRA_MATCHING } extra_rule;

typedef struct schema_field {
    xw_bytes name;
    bool required;
    const xw_schema *schema;
} schema_field;

struct xw_schema {
    schema_type type;
    uint16_t accepted;           /* the variants it accepts: bit k is xw_kind k */
    bool has_range;              /* int64, uint64: bounds filled in with the variant's extremes */
    int64_t int_minimum, int_maximum;
    uint64_t uint_minimum, uint_maximum;
    bool has_limit;              /* string, data: maxLength; array: maxCount */
    uint64_t limit;
    const xw_schema *child;      /* array: elements; optional: schema; dictionary: extraKeys schema */
    extra_rule extra;            /* dictionary */
    schema_field *fields;        /* dictionary, sorted by name bytes */
    size_t field_count;
    const xw_schema **alternatives; /* oneOf */
    size_t alternative_count;
};

/* ---------------------------------------------------------------------------------------------
 * Reading the JSON form (SPEC §9.4.1), in the order of the Swift reader
 * ------------------------------------------------------------------------------------------- */

typedef struct reader {
    msgpack_zone *zone;
    text pointer; /* JSON Pointer of the value being read */
    text message; /* the problem, once found */
    xw_schema_status status;
} reader;

static bool fail(reader *r, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* Records "invalid schema at POINTER: PROBLEM" and returns false. */
static bool fail(reader *r, const char *format, ...)
{
    r->status = XW_SCHEMA_INVALID;
    text_truncate(&r->message, 0);
    text_string(&r->message, "invalid schema at ");
    if (r->pointer.length == 0) {
        text_string(&r->message, "/");
    } else {
        text_append(&r->message, r->pointer.data, r->pointer.length);
    }
    text_string(&r->message, ": ");
    char problem[256];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(problem, sizeof problem, format, arguments);
    va_end(arguments);
    text_string(&r->message, problem);
    return false;
}

/* The same, for a problem that quotes a name: PREFIX "NAME". */
static bool fail_quoting(reader *r, const char *prefix, xw_bytes name)
{
    fail(r, "%s", prefix);
    append_swift_quoted(&r->message, name.bytes, name.length);
    return false;
}

static bool out_of_memory(reader *r)
{
    r->status = XW_SCHEMA_OUT_OF_MEMORY;
    return false;
}

static void *zone_alloc(reader *r, size_t size)
{
    void *memory = msgpack_zone_malloc(r->zone, size == 0 ? 1 : size);
    if (memory == NULL) {
        out_of_memory(r);
    }
    return memory;
}

/* Appends one reference token (RFC 6901: "~" as "~0", "/" as "~1") to the pointer; returns the
 * length to truncate back to. */
static size_t push_token(reader *r, const uint8_t *bytes, size_t length)
{
    size_t mark = r->pointer.length;
    text_append(&r->pointer, "/", 1);
    size_t start = 0;
    for (size_t i = 0; i < length; i++) {
        if (bytes[i] == '~' || bytes[i] == '/') {
            text_append(&r->pointer, bytes + start, i - start);
            text_string(&r->pointer, bytes[i] == '~' ? "~0" : "~1");
            start = i + 1;
        }
    }
    text_append(&r->pointer, bytes + start, length - start);
    return mark;
}

static size_t push_name(reader *r, const char *name)
{
    return push_token(r, (const uint8_t *)name, strlen(name));
}

static bool bytes_equal(xw_bytes bytes, const char *string)
{
    size_t length = strlen(string);
    return bytes.length == length && (length == 0 || memcmp(bytes.bytes, string, length) == 0);
}

/* The value of the member named `name` (compared by bytes), or NULL. */
static const json_value *member(const json_value *object, const char *name)
{
    for (size_t i = 0; i < object->count; i++) {
        if (bytes_equal(object->members[i].name, name)) {
            return object->members[i].value;
        }
    }
    return NULL;
}

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* -?(0|[1-9][0-9]*) without "-0", the sign only when `is_signed`: its sign and magnitude; false
 * for anything else or a magnitude above UINT64_MAX. */
static bool canonical_decimal(xw_bytes bytes, bool is_signed, bool *negative, uint64_t *magnitude)
{
    const uint8_t *digits = bytes.bytes;
    size_t count = bytes.length;
    *negative = false;
    if (is_signed && count > 0 && digits[0] == '-') {
        *negative = true;
        digits++;
        count--;
    }
    if (count == 0 || (digits[0] == '0' && count > 1) || (*negative && count == 1 && digits[0] == '0')) {
        return false;
    }
    uint64_t value = 0;
    for (size_t i = 0; i < count; i++) {
        if (!is_digit(digits[i])) {
            return false;
        }
        uint64_t digit = (uint64_t)(digits[i] - '0');
        if (value > (UINT64_MAX - digit) / 10) {
            return false;
        }
        value = value * 10 + digit;
    }
    *magnitude = value;
    return true;
}

/* "minimum" or "maximum": false after a failure; `*present` says whether it was there. */
static bool read_bound(reader *r, const json_value *object, const char *name, bool is_signed, bool *present,
                       int64_t *signed_value, uint64_t *unsigned_value)
{
    const json_value *value = member(object, name);
    *present = value != NULL;
    if (value == NULL) {
        return true;
    }
    bool negative = false;
    uint64_t magnitude = 0;
    bool ok = value->kind == JSON_STRING && canonical_decimal(value->text, is_signed, &negative, &magnitude);
    if (ok && is_signed) {
        ok = negative ? magnitude <= (uint64_t)INT64_MAX + 1 : magnitude <= (uint64_t)INT64_MAX;
        if (ok) {
            *signed_value = negative ? (magnitude == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)magnitude)
                                     : (int64_t)magnitude;
        }
    } else if (ok) {
        *unsigned_value = magnitude;
    }
    if (!ok) {
        size_t mark = push_name(r, name);
        fail(r, is_signed ? "expected a decimal string of an int64 without leading zeros or \"+\""
                          : "expected a decimal string of a uint64 without leading zeros or sign");
        text_truncate(&r->pointer, mark);
        return false;
    }
    return true;
}

static bool read_range(reader *r, const json_value *object, xw_schema *schema)
{
    bool is_signed = schema->type == T_INT64;
    bool has_minimum, has_maximum;
    int64_t int_minimum = INT64_MIN, int_maximum = INT64_MAX;
    uint64_t uint_minimum = 0, uint_maximum = UINT64_MAX;
    if (!read_bound(r, object, "minimum", is_signed, &has_minimum, &int_minimum, &uint_minimum) ||
        !read_bound(r, object, "maximum", is_signed, &has_maximum, &int_maximum, &uint_maximum)) {
        return false;
    }
    schema->has_range = has_minimum || has_maximum;
    if (is_signed ? int_minimum > int_maximum : uint_minimum > uint_maximum) {
        return fail(r, "minimum is greater than maximum");
    }
    schema->int_minimum = int_minimum;
    schema->int_maximum = int_maximum;
    schema->uint_minimum = uint_minimum;
    schema->uint_maximum = uint_maximum;
    return true;
}

/* "maxLength" or "maxCount": a JSON integer 0 … 4,294,967,295 without sign, fraction or exponent. */
static bool read_limit(reader *r, const json_value *object, const char *name, xw_schema *schema)
{
    const json_value *value = member(object, name);
    if (value == NULL) {
        return true;
    }
    bool negative;
    uint64_t magnitude;
    if (value->kind != JSON_NUMBER || !canonical_decimal(value->text, false, &negative, &magnitude) ||
        magnitude > UINT32_MAX) {
        size_t mark = push_name(r, name);
        fail(r, "expected an integer 0 … 4294967295");
        text_truncate(&r->pointer, mark);
        return false;
    }
    schema->has_limit = true;
    schema->limit = magnitude;
    return true;
}

static bool read_schema(reader *r, const json_value *json, const xw_schema **out);

/* Reads the schema of member `name` (which must be present). */
static bool read_child(reader *r, const json_value *json, const char *name, const xw_schema **out)
{
    size_t mark = push_name(r, name);
    bool ok = read_schema(r, member(json, name), out);
    text_truncate(&r->pointer, mark);
    return ok;
}

static int compare_fields(const void *a, const void *b)
{
    return xw_compare_keys(((const schema_field *)a)->name, ((const schema_field *)b)->name);
}

static bool read_fields(reader *r, const json_value *json, xw_schema *schema)
{
    const json_value *fields = member(json, "fields");
    if (fields == NULL) {
        return fail(r, "missing member \"fields\"");
    }
    size_t fields_mark = push_name(r, "fields");
    if (fields->kind != JSON_OBJECT) {
        return fail(r, "expected an object of fields");
    }
    if (fields->count > SIZE_MAX / sizeof *schema->fields) {
        return out_of_memory(r);
    }
    if (fields->count > 0) {
        schema->fields = zone_alloc(r, fields->count * sizeof *schema->fields);
        if (schema->fields == NULL) {
            return false;
        }
    }
    for (size_t i = 0; i < fields->count; i++) {
        const json_member *field = &fields->members[i];
        size_t field_mark = push_token(r, field->name.bytes, field->name.length);
        if (field->name.length > 0 && memchr(field->name.bytes, 0, field->name.length) != NULL) {
            return fail(r, "expected a field name without U+0000");
        }
        const json_value *object = field->value;
        if (object->kind != JSON_OBJECT) {
            return fail(r, "expected an object");
        }
        for (size_t j = 0; j < object->count; j++) {
            if (!bytes_equal(object->members[j].name, "required") && !bytes_equal(object->members[j].name, "schema")) {
                return fail_quoting(r, "unexpected member ", object->members[j].name);
            }
        }
        const json_value *required = member(object, "required");
        if (required == NULL) {
            return fail(r, "missing member \"required\"");
        }
        if (required->kind != JSON_TRUE && required->kind != JSON_FALSE) {
            push_name(r, "required");
            return fail(r, "expected true or false");
        }
        if (member(object, "schema") == NULL) {
            return fail(r, "missing member \"schema\"");
        }
        schema_field *entry = &schema->fields[i];
        entry->name = field->name;
        entry->required = required->kind == JSON_TRUE;
        if (!read_child(r, object, "schema", &entry->schema)) {
            return false;
        }
        text_truncate(&r->pointer, field_mark);
    }
    text_truncate(&r->pointer, fields_mark);
    schema->field_count = fields->count;
    if (schema->field_count > 1) {
        qsort(schema->fields, schema->field_count, sizeof *schema->fields, compare_fields);
    }
    const json_value *extra = member(json, "extraKeys");
    if (extra == NULL || (extra->kind == JSON_STRING && bytes_equal(extra->text, "allow"))) {
        schema->extra = EXTRA_ALLOW;
    } else if (extra->kind == JSON_STRING && bytes_equal(extra->text, "reject")) {
        schema->extra = EXTRA_REJECT;
    } else if (extra->kind == JSON_OBJECT) {
        schema->extra = EXTRA_MATCHING;
        return read_child(r, json, "extraKeys", &schema->child);
    } else {
        push_name(r, "extraKeys");
        return fail(r, "expected \"allow\", \"reject\" or a schema");
    }
    return true;
}

static bool read_alternatives(reader *r, const json_value *json, xw_schema *schema)
{
    const json_value *alternatives = member(json, "alternatives");
    if (alternatives == NULL) {
        return fail(r, "missing member \"alternatives\"");
    }
    size_t mark = push_name(r, "alternatives");
    if (alternatives->kind != JSON_ARRAY) {
        return fail(r, "expected an array of schemas");
    }
    if (alternatives->count > SIZE_MAX / sizeof *schema->alternatives) {
        return out_of_memory(r);
    }
    schema->alternative_count = alternatives->count;
    if (alternatives->count > 0) {
        schema->alternatives = zone_alloc(r, alternatives->count * sizeof *schema->alternatives);
        if (schema->alternatives == NULL) {
            return false;
        }
    }
    for (size_t i = 0; i < alternatives->count; i++) {
        char index[24];
        snprintf(index, sizeof index, "%zu", i);
        size_t item_mark = push_name(r, index);
        if (!read_schema(r, &alternatives->items[i], &schema->alternatives[i])) {
            return false;
        }
        text_truncate(&r->pointer, item_mark);
    }
    text_truncate(&r->pointer, mark);
    return true;
}

static bool read_schema(reader *r, const json_value *json, const xw_schema **out)
{
    if (json->kind != JSON_OBJECT) {
        return fail(r, "expected an object");
    }
    const json_value *type = member(json, "type");
    if (type == NULL) {
        return fail(r, "missing member \"type\"");
    }
    if (type->kind != JSON_STRING) {
        push_name(r, "type");
        return fail(r, "expected a string naming a schema type");
    }
    size_t index = 0;
    while (index < sizeof types / sizeof types[0] && !bytes_equal(type->text, types[index].name)) {
        index++;
    }
    if (index == sizeof types / sizeof types[0]) {
        push_name(r, "type");
        return fail_quoting(r, "unknown type ", type->text);
    }
    for (size_t i = 0; i < json->count; i++) {
        xw_bytes name = json->members[i].name;
        bool allowed = bytes_equal(name, "type");
        for (size_t j = 0; j < 2 && !allowed; j++) {
            allowed = types[index].members[j] != NULL && bytes_equal(name, types[index].members[j]);
        }
        if (!allowed) {
            return fail_quoting(r, "unexpected member ", name);
        }
    }
    xw_schema *schema = zone_alloc(r, sizeof *schema);
    if (schema == NULL) {
        return false;
    }
    memset(schema, 0, sizeof *schema);
    schema->type = types[index].type;
    bool ok = true;
    switch (schema->type) {
    case T_INT64:
    case T_UINT64:
        ok = read_range(r, json, schema);
        break;
    case T_STRING:
    case T_DATA:
        ok = read_limit(r, json, "maxLength", schema);
        break;
    case T_ARRAY:
        if (member(json, "elements") == NULL) {
            return fail(r, "missing member \"elements\"");
        }
        ok = read_child(r, json, "elements", &schema->child) && read_limit(r, json, "maxCount", schema);
        break;
    case T_DICTIONARY:
        ok = read_fields(r, json, schema);
        break;
    case T_OPTIONAL:
        if (member(json, "schema") == NULL) {
            return fail(r, "missing member \"schema\"");
        }
        ok = read_child(r, json, "schema", &schema->child);
        break;
    case T_ONE_OF:
        ok = read_alternatives(r, json, schema);
        break;
    default:
        break;
    }
    if (!ok) {
        return false;
    }
    switch (schema->type) {
    case T_ANY:
        schema->accepted = ALL_KINDS;
        break;
    case T_OPTIONAL:
        schema->accepted = schema->child->accepted | KIND_BIT(XW_NULL);
        break;
    case T_ONE_OF:
        for (size_t i = 0; i < schema->alternative_count; i++) {
            schema->accepted |= schema->alternatives[i]->accepted;
        }
        break;
    default:
        schema->accepted = KIND_BIT(types[index].kind);
        break;
    }
    *out = schema;
    return true;
}

static int compare_members(const void *a, const void *b)
{
    return xw_compare_keys((*(const json_member *const *)a)->name, (*(const json_member *const *)b)->name);
}

/* What the JSON parser leaves to us: more than 512 nested arrays and objects, and an object that
 * repeats a member name (both malformed JSON for the Swift reader). `level` counts the containers
 * around `value`. */
static bool check_tree(reader *r, const json_value *value, size_t level)
{
    if (value->kind != JSON_ARRAY && value->kind != JSON_OBJECT) {
        return true;
    }
    if (level + 1 > SCHEMA_JSON_MAXIMUM_DEPTH) {
        r->status = XW_SCHEMA_MALFORMED_JSON;
        text_string(&r->message, "malformed JSON: nested deeper than 512 levels");
        return false;
    }
    if (value->kind == JSON_ARRAY) {
        for (size_t i = 0; i < value->count; i++) {
            if (!check_tree(r, &value->items[i], level + 1)) {
                return false;
            }
        }
        return true;
    }
    if (value->count > 1) {
        const json_member **sorted =
            value->count > SIZE_MAX / sizeof *sorted ? NULL : malloc(value->count * sizeof *sorted);
        if (sorted == NULL) {
            return out_of_memory(r);
        }
        for (size_t i = 0; i < value->count; i++) {
            sorted[i] = &value->members[i];
        }
        qsort(sorted, value->count, sizeof *sorted, compare_members);
        bool repeated = false;
        for (size_t i = 1; i < value->count && !repeated; i++) {
            repeated = xw_compare_keys(sorted[i - 1]->name, sorted[i]->name) == 0;
        }
        free(sorted);
        if (repeated) {
            r->status = XW_SCHEMA_MALFORMED_JSON;
            text_string(&r->message, "malformed JSON: an object repeats a member name");
            return false;
        }
    }
    for (size_t i = 0; i < value->count; i++) {
        if (!check_tree(r, value->members[i].value, level + 1)) {
            return false;
        }
    }
    return true;
}

xw_schema_status xw_schema_read(const uint8_t *text_bytes, size_t length, msgpack_zone *zone, xw_schema **schema,
                                char **message, size_t *message_length)
{
    reader r = { .zone = zone, .status = XW_SCHEMA_OK };
    *schema = NULL;
    *message = NULL;
    *message_length = 0;
    xw_error error = { .kind = XW_OK };
    json_value *json = NULL;
    /* Containers up to 512 levels parse; the tree check rejects a 513th (the parser lets an empty
     * one through, since it limits the depth of values, not of containers). */
    if (!json_parse(text_bytes, length, SCHEMA_JSON_MAXIMUM_DEPTH, zone, &json, &error)) {
        if (error.kind == XW_OUT_OF_MEMORY) {
            r.status = XW_SCHEMA_OUT_OF_MEMORY;
        } else {
            r.status = XW_SCHEMA_MALFORMED_JSON;
            text_printf(&r.message, "malformed JSON: %s", error.message);
        }
    } else if (check_tree(&r, json, 0)) {
        const xw_schema *result = NULL;
        if (read_schema(&r, json, &result)) {
            *schema = (xw_schema *)result;
        }
    }
    free(r.pointer.data);
    if (r.status == XW_SCHEMA_OK || r.message.failed) {
        free(r.message.data);
        if (r.message.failed && r.status != XW_SCHEMA_OK) {
            r.status = XW_SCHEMA_OUT_OF_MEMORY;
        }
    } else {
        *message = r.message.data;
        *message_length = r.message.length;
    }
    return r.status;
}

/* ---------------------------------------------------------------------------------------------
 * Validation (SPEC §9.4.2), as the Swift validator: `matches` stops at the first violation;
 * `check` reports every violation of a value that does not match
 * ------------------------------------------------------------------------------------------- */

typedef struct validator {
    FILE *out;
    bool json;
    size_t count;
    bool failed;
    component *path;
    size_t depth;
    size_t capacity;
    text line;
} validator;

static bool value_matches(const xw_schema *schema, const xw_value *value);
static void check_value(validator *v, const xw_schema *schema, const xw_value *value);

static bool push(validator *v, component step)
{
    if (v->depth == v->capacity) {
        size_t capacity = v->capacity == 0 ? 16 : v->capacity * 2;
        component *grown = realloc(v->path, capacity * sizeof *grown);
        if (grown == NULL) {
            v->failed = true;
            return false;
        }
        v->path = grown;
        v->capacity = capacity;
    }
    v->path[v->depth++] = step;
    return true;
}

static void report(validator *v, const char *kind, const text *message)
{
    if (v->failed) {
        return;
    }
    text *line = &v->line;
    text_truncate(line, 0);
    if (v->json) {
        text path = { 0 };
        append_path(&path, v->path, v->depth);
        text_string(line, "{\"path\": ");
        append_json_string(line, (const uint8_t *)path.data, path.length);
        free(path.data);
        text_string(line, ", \"components\": [");
        for (size_t i = 0; i < v->depth; i++) {
            if (i > 0) {
                text_string(line, ", ");
            }
            if (v->path[i].is_index) {
                text_printf(line, "%zu", v->path[i].index);
            } else {
                append_json_string(line, v->path[i].key.bytes, v->path[i].key.length);
            }
        }
        text_printf(line, "], \"kind\": \"%s\", \"message\": ", kind);
        append_json_string(line, (const uint8_t *)message->data, message->length);
        text_string(line, "}\n");
        v->failed = v->failed || path.failed;
    } else {
        append_path(line, v->path, v->depth);
        text_string(line, ": ");
        text_append(line, message->data, message->length);
        text_string(line, "\n");
    }
    v->failed = v->failed || message->failed || line->failed ||
                fwrite(line->data, 1, line->length, v->out) != line->length;
    v->count++;
}

static void report_text(validator *v, const char *kind, const char *format, ...) __attribute__((format(printf, 3, 4)));

static void report_text(validator *v, const char *kind, const char *format, ...)
{
    char buffer[512];
    va_list arguments;
    va_start(arguments, format);
    int length = vsnprintf(buffer, sizeof buffer, format, arguments);
    va_end(arguments);
    text message = { 0 };
    if (length < 0 || (size_t)length >= sizeof buffer) {
        message.failed = true;
    } else {
        text_append(&message, buffer, (size_t)length);
    }
    report(v, kind, &message);
    free(message.data);
}

static void kinds_text(uint16_t kinds, char *buffer, size_t size)
{
    size_t total = 0, seen = 0, used = 0;
    for (unsigned k = 0; k < 13; k++) {
        total += (kinds >> k) & 1u;
    }
    buffer[0] = '\0';
    if (total == 0) {
        snprintf(buffer, size, "nothing");
        return;
    }
    for (unsigned k = 0; k < 13; k++) {
        if (!((kinds >> k) & 1u)) {
            continue;
        }
        seen++;
        const char *separator = seen == 1 ? "" : seen == total ? " or " : ", ";
        int written = snprintf(buffer + used, size - used, "%s%s", separator, kind_names[k]);
        if (written < 0 || (size_t)written >= size - used) {
            return;
        }
        used += (size_t)written;
    }
}

/* Walks the fields and the entries together, both in key byte order. Without a validator, returns
 * at the first violation whether there is one; with one, reports every violation. */
static bool dictionary_violates(validator *v, const xw_schema *schema, const xw_value *value)
{
    size_t field_index = 0, entry_index = 0;
    size_t field_count = schema->field_count, entry_count = value->as.dictionary.count;
    while (field_index < field_count || entry_index < entry_count) {
        const schema_field *field = field_index < field_count ? &schema->fields[field_index] : NULL;
        const xw_entry *entry = entry_index < entry_count ? &value->as.dictionary.entries[entry_index] : NULL;
        int order = field == NULL ? 1 : entry == NULL ? -1 : xw_compare_keys(field->name, entry->key);
        const xw_schema *entry_schema = NULL;
        if (order < 0) {
            if (field->required) {
                if (v == NULL) {
                    return true;
                }
                if (push(v, (component){ .key = field->name })) {
                    report_text(v, "missingRequiredField", "missing required field");
                    v->depth--;
                }
            }
            field_index++;
            continue;
        }
        if (order > 0) {
            entry_index++;
            if (schema->extra == EXTRA_ALLOW) {
                continue;
            }
            if (schema->extra == EXTRA_REJECT) {
                if (v == NULL) {
                    return true;
                }
                if (push(v, (component){ .key = entry->key })) {
                    report_text(v, "unexpectedKey", "unexpected key");
                    v->depth--;
                }
                continue;
            }
            entry_schema = schema->child;
        } else {
            entry_schema = field->schema;
            field_index++;
            entry_index++;
        }
        if (!value_matches(entry_schema, &entry->value)) {
            if (v == NULL) {
                return true;
            }
            if (push(v, (component){ .key = entry->key })) {
                check_value(v, entry_schema, &entry->value);
                v->depth--;
            }
        }
    }
    return false;
}

static bool value_matches(const xw_schema *schema, const xw_value *value)
{
    switch (schema->type) {
    case T_ANY:
        return true;
    case T_OPTIONAL:
        return value->kind == XW_NULL || value_matches(schema->child, value);
    case T_ONE_OF:
        for (size_t i = 0; i < schema->alternative_count; i++) {
            if (value_matches(schema->alternatives[i], value)) {
                return true;
            }
        }
        return false;
    default:
        break;
    }
    if (!(schema->accepted & KIND_BIT(value->kind))) {
        return false;
    }
    switch (schema->type) {
    case T_INT64:
        return !schema->has_range || (value->as.int64 >= schema->int_minimum && value->as.int64 <= schema->int_maximum);
    case T_UINT64:
        return !schema->has_range ||
               (value->as.uint64 >= schema->uint_minimum && value->as.uint64 <= schema->uint_maximum);
    case T_STRING:
    case T_DATA:
        return !schema->has_limit || value->as.bytes.length <= schema->limit;
    case T_ARRAY:
        if (schema->has_limit && value->as.array.count > schema->limit) {
            return false;
        }
        for (size_t i = 0; i < value->as.array.count; i++) {
            if (!value_matches(schema->child, &value->as.array.items[i])) {
                return false;
            }
        }
        return true;
    case T_DICTIONARY:
        return !dictionary_violates(NULL, schema, value);
    default:
        return true;
    }
}

/* Reports the violations of a value that does not match `schema` (Swift's ViolationCollector). */
static void check_value(validator *v, const xw_schema *schema, const xw_value *value)
{
    if (v->failed) {
        return;
    }
    if (!(schema->accepted & KIND_BIT(value->kind))) {
        char expected[160];
        kinds_text(schema->accepted, expected, sizeof expected);
        report_text(v, "kindMismatch", "expected %s, found %s", expected, kind_names[value->kind]);
        return;
    }
    switch (schema->type) {
    case T_INT64:
        if (!value_matches(schema, value)) {
            report_text(v, "int64OutOfRange", "int64 %" PRId64 " out of range %" PRId64 "...%" PRId64,
                        value->as.int64, schema->int_minimum, schema->int_maximum);
        }
        break;
    case T_UINT64:
        if (!value_matches(schema, value)) {
            report_text(v, "uint64OutOfRange", "uint64 %" PRIu64 " out of range %" PRIu64 "...%" PRIu64,
                        value->as.uint64, schema->uint_minimum, schema->uint_maximum);
        }
        break;
    case T_STRING:
    case T_DATA:
        if (!value_matches(schema, value)) {
            const char *name = schema->type == T_STRING ? "string" : "data";
            report_text(v, schema->type == T_STRING ? "stringTooLong" : "dataTooLong",
                        "%s of %zu bytes is longer than the maximum %" PRIu64, name, value->as.bytes.length,
                        schema->limit);
        }
        break;
    case T_ARRAY:
        if (schema->has_limit && value->as.array.count > schema->limit) {
            report_text(v, "tooManyElements", "array of %zu elements has more than the maximum %" PRIu64,
                        value->as.array.count, schema->limit);
        }
        for (size_t i = 0; i < value->as.array.count && !v->failed; i++) {
            if (!value_matches(schema->child, &value->as.array.items[i]) &&
                push(v, (component){ .is_index = true, .index = i })) {
                check_value(v, schema->child, &value->as.array.items[i]);
                v->depth--;
            }
        }
        break;
    case T_DICTIONARY:
        dictionary_violates(v, schema, value);
        break;
    case T_OPTIONAL:
        if (value->kind != XW_NULL) {
            check_value(v, schema->child, value);
        }
        break;
    case T_ONE_OF: {
        size_t candidates = 0;
        const xw_schema *candidate = NULL;
        bool any_matches = false;
        for (size_t i = 0; i < schema->alternative_count; i++) {
            if (schema->alternatives[i]->accepted & KIND_BIT(value->kind)) {
                candidates++;
                candidate = schema->alternatives[i];
                any_matches = any_matches || value_matches(candidate, value);
            }
        }
        if (candidates == 1) {
            check_value(v, candidate, value);
        } else if (!any_matches) {
            report_text(v, "noAlternativeMatched", "%s matches none of the %zu alternatives of oneOf",
                        kind_names[value->kind], candidates);
        }
        break;
    }
    default:
        break;
    }
}

bool xw_schema_validate(const xw_schema *schema, const xw_value *root, bool json, FILE *out, size_t *count)
{
    validator v = { .out = out, .json = json };
    if (!value_matches(schema, root)) {
        check_value(&v, schema, root);
    }
    free(v.path);
    free(v.line.data);
    *count = v.count;
    return !v.failed;
}
