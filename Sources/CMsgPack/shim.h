// msgpack-c (Debian libmsgpack-dev), for the interop tests only: the XPCWire library never links it.
#include <msgpack.h>
