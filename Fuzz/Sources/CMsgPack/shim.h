// msgpack-c's C API (msgpack_unpack_next, msgpack_unpacked, msgpack_object), as FuzzDifferential uses it.
#include <msgpack.h>
