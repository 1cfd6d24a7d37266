/* json.h — a small strict JSON (RFC 8259) parser for JSON descriptions (SPEC §8). */
#ifndef XPCWIRE_JSON_H
#define XPCWIRE_JSON_H

#include "xpcwire.h"

typedef enum json_kind {
    JSON_NULL,
    JSON_TRUE,
    JSON_FALSE,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT,
} json_kind;

typedef struct json_value json_value;

typedef struct json_member {
    xw_bytes name; /* UTF-8, escapes resolved */
    json_value *value;
} json_member;

struct json_value {
    json_kind kind;
    xw_bytes text;  /* a string's UTF-8 bytes, escapes resolved; a number's literal text */
    bool has_nul;   /* a string (or a member name) that held \u0000 */
    size_t count;   /* elements of an array, members of an object */
    json_value *items;
    json_member *members;
};

/* Parses `text` (which must be UTF-8) into values allocated in `zone`. Rejects anything RFC 8259
 * does not allow, unpaired surrogate escapes, and nesting deeper than `maximum_depth`. */
bool json_parse(const uint8_t *text, size_t length, size_t maximum_depth, msgpack_zone *zone,
                json_value **out, xw_error *error);

#endif
