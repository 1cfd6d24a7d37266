// msgpack-c (Debian: libmsgpack-dev, pkg-config: msgpack), used only by the benchmarks as a peer.
#include <msgpack.h>
