/*
 * stock-pack — writes to stdout one envelope whose body a plain msgpack-c user wrote: the generic
 * msgpack_pack_* calls, integers in whatever form msgpack-c picks, a float 32, a MessagePack
 * timestamp, map keys in insertion order. XPCWire readers accept it in default mode (SPEC §4.2.3
 * note, §4.5, §4.8.2, §4.11); Interop/checks.py holds the description they must produce.
 */
#include <msgpack.h>
#include <stdio.h>
#include <string.h>

static void pack_key(msgpack_packer *pk, const char *key)
{
    msgpack_pack_str_with_body(pk, key, strlen(key));
}

int main(void)
{
    msgpack_sbuffer body;
    msgpack_sbuffer_init(&body);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &body, msgpack_sbuffer_write);

    msgpack_pack_map(&pk, 11);
    pack_key(&pk, "name");
    msgpack_pack_str_with_body(&pk, "h\xc3\xa9llo", 6);
    pack_key(&pk, "count");
    msgpack_pack_int(&pk, 5);                 /* 05: int64 5 */
    pack_key(&pk, "big");
    msgpack_pack_unsigned_int(&pk, 200);      /* cc c8: uint64 200 */
    pack_key(&pk, "neg");
    msgpack_pack_int(&pk, -200);              /* d1 ff 38: int64 -200 */
    pack_key(&pk, "huge");
    msgpack_pack_uint64(&pk, UINT64_MAX);     /* cf ff…: uint64 */
    pack_key(&pk, "ratio");
    msgpack_pack_double(&pk, 0.25);
    pack_key(&pk, "half");
    msgpack_pack_float(&pk, 1.5f);            /* ca: accepted, widened */
    pack_key(&pk, "blob");
    msgpack_pack_bin_with_body(&pk, "\x00\x01\x02", 3);
    pack_key(&pk, "list");
    msgpack_pack_array(&pk, 4);
    msgpack_pack_nil(&pk);
    msgpack_pack_true(&pk);
    msgpack_pack_false(&pk);
    msgpack_pack_int(&pk, -1);
    pack_key(&pk, "when");
    msgpack_timestamp when = { .tv_sec = 978307200, .tv_nsec = 1 }; /* 2001-01-01 + 1 ns */
    msgpack_pack_timestamp(&pk, &when);
    pack_key(&pk, "nested");
    msgpack_pack_map(&pk, 2);
    pack_key(&pk, "z");
    msgpack_pack_int(&pk, 1);
    pack_key(&pk, "a");
    msgpack_pack_str_with_body(&pk, "", 0);

    /* SPEC §3.1: magic, version 1.0, flags 0, no slots, the body length. */
    unsigned char header[14] = { 0x58, 0x50, 0x43, 0x57, 1, 0, 0, 0, 0, 0,
                                 (unsigned char)(body.size >> 24), (unsigned char)(body.size >> 16),
                                 (unsigned char)(body.size >> 8), (unsigned char)body.size };
    int ok = fwrite(header, 1, sizeof header, stdout) == sizeof header &&
             fwrite(body.data, 1, body.size, stdout) == body.size && fflush(stdout) == 0;
    msgpack_sbuffer_destroy(&body);
    return ok ? 0 : 1;
}
