import CMsgPack
import Testing
@testable import XPCWire

/// Bodies written by msgpack-c's `msgpack_pack_*` decode as SPEC §4 says, and bodies we write read
/// back through `msgpack_unpack_next` (SPEC §9.3): the same bytes, seen from both libraries.
@Suite struct MsgPackCInteropTests {
    /// Packs with msgpack-c into a fresh buffer and returns the bytes.
    static func pack(_ body: (UnsafeMutablePointer<msgpack_packer>) -> Void) -> [UInt8] {
        var buffer = msgpack_sbuffer()
        msgpack_sbuffer_init(&buffer)
        defer { msgpack_sbuffer_destroy(&buffer) }
        var packer = msgpack_packer()
        msgpack_packer_init(&packer, &buffer, msgpack_sbuffer_write)
        body(&packer)
        guard let data = buffer.data else { return [] }
        return Array(UnsafeRawBufferPointer(start: data, count: buffer.size))
    }

    static func packString(_ packer: UnsafeMutablePointer<msgpack_packer>, _ string: String) {
        let bytes = Array(string.utf8)
        msgpack_pack_str(packer, bytes.count)
        msgpack_pack_str_body(packer, bytes, bytes.count)
    }

    @Test("Integers packed by msgpack-c keep their family: unsigned forms are uint64, fixints and signed forms int64")
    func integersFromMsgPackC() throws {
        let body = Self.pack { packer in
            msgpack_pack_array(packer, 6)
            msgpack_pack_uint64(packer, 5)      // positive fixint 05
            msgpack_pack_uint64(packer, 200)    // uint 8: cc c8
            msgpack_pack_int64(packer, -5)      // negative fixint fb
            msgpack_pack_int64(packer, -200)    // int 16: d1 ff 38
            msgpack_pack_uint64(packer, .max)   // uint 64
            msgpack_pack_int64(packer, .min)    // int 64
        }
        #expect(body == [0x96, 0x05, 0xcc, 0xc8, 0xfb, 0xd1, 0xff, 0x38,
                         0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                         0xd3, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00])
        let expected: XPCMessage = [.int64(5), .uint64(200), .int64(-5), .int64(-200), .uint64(.max), .int64(.min)]
        #expect(try XPCWireDecoder().decodeBody(body) == expected)
    }

    @Test("Floats, strings, binaries, nil, booleans and an unsorted string-keyed map from msgpack-c")
    func mixedBodyFromMsgPackC() throws {
        let blob: [UInt8] = [1, 2, 3]
        let body = Self.pack { packer in
            msgpack_pack_map(packer, 6)
            Self.packString(packer, "z-double"); msgpack_pack_double(packer, 2.5)
            Self.packString(packer, "a-float"); msgpack_pack_float(packer, 1.5)
            Self.packString(packer, "é"); msgpack_pack_bin(packer, 3); msgpack_pack_bin_body(packer, blob, blob.count)
            Self.packString(packer, "nil"); msgpack_pack_nil(packer)
            Self.packString(packer, "yes"); msgpack_pack_true(packer)
            Self.packString(packer, "list"); msgpack_pack_array(packer, 1); Self.packString(packer, "x")
        }
        let expected: XPCMessage = [
            "z-double": 2.5, "a-float": 1.5, "é": .data([1, 2, 3]), "nil": nil, "yes": true, "list": ["x"],
        ]
        let decoded = try XPCWireDecoder().decodeBody(body)
        #expect(decoded == expected, "\(decoded) vs \(expected): \(body)")
        // Keys out of order and a float32 are fine by default, not canonical.
        #expect(throws: XPCWireDecodingError.self) {
            try XPCWireDecoder(options: XPCWireDecodingOptions(requiresCanonicalEncoding: true)).decodeBody(body)
        }
        // Our canonical encoding of the same message, read back by msgpack-c.
        let ours = try XPCWireEncoder().encodeBody(expected)
        #expect(try XPCWireDecoder().decodeBody(ours) == expected)
        #expect(Self.unpackedKinds(ours) == ["MAP6"])
    }

    @Test("msgpack-c reads our canonical body fully, with our int64/uint64 forms and sorted keys")
    func msgPackCReadsOurBody() throws {
        let message: XPCMessage = ["b": .uint64(7), "a": 200, "c": [-1, "s", .data([9])], "d": .double(-0.0)]
        let body = try XPCWireEncoder().encodeBody(message)
        var unpacked = msgpack_unpacked()
        msgpack_unpacked_init(&unpacked)
        defer { msgpack_unpacked_destroy(&unpacked) }
        var offset = 0
        let result = body.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.map { base in
                base.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                    msgpack_unpack_next(&unpacked, $0, buffer.count, &offset)
                }
            } ?? MSGPACK_UNPACK_CONTINUE
        }
        #expect(result == MSGPACK_UNPACK_SUCCESS)
        #expect(offset == body.count)
        let map = unpacked.data
        #expect(map.type == MSGPACK_OBJECT_MAP)
        #expect(map.via.map.size == 4)
        guard map.type == MSGPACK_OBJECT_MAP, map.via.map.size == 4, let entries = map.via.map.ptr else { return }
        let keys = (0..<4).map { index -> String in
            let key = entries[index].key.via.str
            return String(decoding: UnsafeRawBufferPointer(start: key.ptr, count: Int(key.size)), as: UTF8.self)
        }
        #expect(keys == ["a", "b", "c", "d"])
        // "a": int64 200 is written in a signed form (d1 00 c8); msgpack-c still reads 200.
        #expect(entries[0].val.type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        #expect(entries[0].val.via.u64 == 200)
        #expect(entries[1].val.via.u64 == 7)
        #expect(entries[2].val.type == MSGPACK_OBJECT_ARRAY)
        #expect(entries[2].val.via.array.size == 3)
        #expect(entries[3].val.type == MSGPACK_OBJECT_FLOAT64)
        #expect(entries[3].val.via.f64.sign == .minus)
    }

    /// The top-level object kind and size as msgpack-c reports it, e.g. `MAP6`.
    static func unpackedKinds(_ body: [UInt8]) -> [String] {
        var unpacked = msgpack_unpacked()
        msgpack_unpacked_init(&unpacked)
        defer { msgpack_unpacked_destroy(&unpacked) }
        var offset = 0
        var kinds: [String] = []
        body.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            base.withMemoryRebound(to: CChar.self, capacity: buffer.count) { pointer in
                while msgpack_unpack_next(&unpacked, pointer, buffer.count, &offset) == MSGPACK_UNPACK_SUCCESS {
                    let object = unpacked.data
                    kinds.append(object.type == MSGPACK_OBJECT_MAP ? "MAP\(object.via.map.size)" : "OTHER")
                }
            }
        }
        return kinds
    }
}
