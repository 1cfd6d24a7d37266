/*
 * schema.h — schemas (SPEC §9.4) in C: the JSON form and validation.
 *
 * xw_schema_read reads a schema's JSON form with the checks of SPEC §9.4.1, in the order the Swift
 * reader makes them, and reports the first problem with a JSON Pointer. xw_schema_validate checks
 * a decoded message and writes every violation of SPEC §9.4.2 with its path and reason, in the
 * words of the Swift validator (`xpcwire schema check`):
 *
 *     items[3].count: int64 20 out of range 0...9
 *
 * or, with `json`, one JSON object per line:
 *
 *     {"path": "items[3].count", "components": ["items", 3, "count"], "kind": "int64OutOfRange",
 *      "message": "int64 20 out of range 0...9"}
 */
#ifndef XPCWIRE_SCHEMA_H
#define XPCWIRE_SCHEMA_H

#include "xpcwire.h"

typedef struct xw_schema xw_schema;

typedef enum xw_schema_status {
    XW_SCHEMA_OK,
    XW_SCHEMA_MALFORMED_JSON, /* not RFC 8259 UTF-8 JSON, a repeated member name, or over 512 levels */
    XW_SCHEMA_INVALID,        /* well-formed JSON that is not a schema */
    XW_SCHEMA_OUT_OF_MEMORY,
} xw_schema_status;

/* Reads the JSON form `text` into `*schema`, allocated in `zone` (which must outlive it). On
 * failure sets `*message` to a malloc'ed description of `*message_length` bytes ("invalid schema
 * at /type: unknown type \"text\"" or "malformed JSON: ..."; a JSON Pointer may hold NUL bytes),
 * which the caller frees; it is NULL when memory ran out. */
xw_schema_status xw_schema_read(const uint8_t *text, size_t length, msgpack_zone *zone, xw_schema **schema,
                                char **message, size_t *message_length);

/* Writes the violations of `root` against `schema` to `out`, one per line, and stores their number
 * in `*count`. Returns false if memory ran out or writing failed. */
bool xw_schema_validate(const xw_schema *schema, const xw_value *root, bool json, FILE *out, size_t *count);

#endif
