/* internal.h — helpers shared by the files of the C implementation; not part of its API. */
#ifndef XPCWIRE_INTERNAL_H
#define XPCWIRE_INTERNAL_H

#include "xpcwire.h"

#define XW_HEADER_SIZE 14u

/* Seconds from the Unix epoch to 2001-01-01T00:00:00Z (SPEC §2.2). */
#define XW_REFERENCE_UNIX_SECONDS 978307200

/* The size of a zone chunk; large values get a chunk of their own. */
#define XW_ZONE_CHUNK_SIZE 8192

/* Fills `error` and returns false, so that checks read `return xw_fail(...)`. */
bool xw_fail(xw_error *error, xw_error_kind kind, size_t offset, const char *detail);

/* Fills `error` with a description error whose message is formatted like printf. */
bool xw_fail_description(xw_error *error, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* `width` (1, 2, 4 or 8) bytes as an unsigned big-endian integer. */
uint64_t xw_read_big_endian(const uint8_t *bytes, unsigned width);

/* The date of a MessagePack timestamp (SPEC §4.8.2 step 3), computed exactly; false when it is
 * outside the int64 range. */
bool xw_date_from_unix(int64_t unix_seconds, uint32_t nanoseconds, int64_t *date);

/* The binary64 bit pattern of a binary32 one, widened as SPEC §4.5 prescribes (NaNs included). */
uint64_t xw_widen_float32(uint32_t bits);

/* Zone allocation that reports failure through `error`. */
void *xw_zone_alloc(msgpack_zone *zone, size_t size, xw_error *error);

/* What profile.c learned about an envelope whose checks all passed. */
typedef struct xw_profile {
    uint8_t major;
    uint8_t minor;
    uint16_t flags;
    size_t slot_count;
    size_t body_start; /* 14 + N */
    size_t body_end;   /* 14 + N + L */
    /* Offsets, ascending, of the containers nested deeper than msgpack-c's unpacker can follow
     * (more than MSGPACK_EMBED_STACK_SIZE levels, counting the container itself). */
    size_t *deep_containers;
    size_t deep_container_count;
} xw_profile;

/* Runs every check of SPEC §7.3 over `bytes`, in order, reporting the first failure. */
bool xw_check_envelope(const uint8_t *bytes, size_t length, const xw_options *options,
                       xw_profile *profile, xw_error *error);

void xw_profile_free(xw_profile *profile);

#endif
