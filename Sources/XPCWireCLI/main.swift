import XPCWire
let m: XPCMessage = ["a": 1, "b": [.uint64(5), -1, 3.5, "hé", .data([1,2,3]), .fd(slot: 0), .date(XPCDate(nanosecondsSinceReferenceDate: -1))], "é": nil, "e\u{301}": true]
let bytes = try XPCWireEncoder().encode(m)
print(bytes.map { String($0, radix: 16) }.joined(separator: " "))
let back = try XPCWireDecoder().decode(bytes)
print(back == m, back)
print(back.treeDescription())
let strict = XPCWireDecoder(options: .init(requiresCanonicalEncoding: true))
print(try strict.decode(bytes) == m)
do { _ = try XPCWireDecoder().decode([0x58,0x50,0x43,0x57,1,0,0,0,0,0,0,0,0,2,0x81,0xa1]) } catch { print(error) }
