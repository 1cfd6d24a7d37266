/// Constants of the XPCWire format 1.0 (SPEC §3, §4).
@usableFromInline
enum WireFormat {
    /// "XPCW".
    @usableFromInline static let magic: [UInt8] = [0x58, 0x50, 0x43, 0x57]
    @usableFromInline static let majorVersion: UInt8 = 1
    @usableFromInline static let minorVersion: UInt8 = 0
    /// Bytes before the slot table.
    @usableFromInline static let headerSize = 14
    /// Flag bits a reader must understand (SPEC §3.3); 1.0 defines none.
    @usableFromInline static let criticalFlagsMask: UInt16 = 0xff00
    /// Critical flags this reader knows: none in 1.0.
    @usableFromInline static let knownCriticalFlags: UInt16 = 0

    // Ext types (SPEC §4.9).
    @usableFromInline static let extUUID: Int8 = 1
    @usableFromInline static let extDate: Int8 = 2
    @usableFromInline static let extFD: Int8 = 3
    @usableFromInline static let extEndpoint: Int8 = 4
    @usableFromInline static let extTimestamp: Int8 = -1

    // Format bytes (SPEC §4).
    @usableFromInline static let null: UInt8 = 0xc0
    @usableFromInline static let reserved: UInt8 = 0xc1
    @usableFromInline static let `false`: UInt8 = 0xc2
    @usableFromInline static let `true`: UInt8 = 0xc3
    @usableFromInline static let bin8: UInt8 = 0xc4
    @usableFromInline static let bin16: UInt8 = 0xc5
    @usableFromInline static let bin32: UInt8 = 0xc6
    @usableFromInline static let ext8: UInt8 = 0xc7
    @usableFromInline static let ext16: UInt8 = 0xc8
    @usableFromInline static let ext32: UInt8 = 0xc9
    @usableFromInline static let float32: UInt8 = 0xca
    @usableFromInline static let float64: UInt8 = 0xcb
    @usableFromInline static let uint8: UInt8 = 0xcc
    @usableFromInline static let uint16: UInt8 = 0xcd
    @usableFromInline static let uint32: UInt8 = 0xce
    @usableFromInline static let uint64: UInt8 = 0xcf
    @usableFromInline static let int8: UInt8 = 0xd0
    @usableFromInline static let int16: UInt8 = 0xd1
    @usableFromInline static let int32: UInt8 = 0xd2
    @usableFromInline static let int64: UInt8 = 0xd3
    @usableFromInline static let fixext1: UInt8 = 0xd4
    @usableFromInline static let fixext2: UInt8 = 0xd5
    @usableFromInline static let fixext4: UInt8 = 0xd6
    @usableFromInline static let fixext8: UInt8 = 0xd7
    @usableFromInline static let fixext16: UInt8 = 0xd8
    @usableFromInline static let str8: UInt8 = 0xd9
    @usableFromInline static let str16: UInt8 = 0xda
    @usableFromInline static let str32: UInt8 = 0xdb
    @usableFromInline static let array16: UInt8 = 0xdc
    @usableFromInline static let array32: UInt8 = 0xdd
    @usableFromInline static let map16: UInt8 = 0xde
    @usableFromInline static let map32: UInt8 = 0xdf
}
