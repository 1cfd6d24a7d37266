// swift-tools-version:5.4
// libFuzzer targets for XPCWire. Built only with the fuzzer runtime, on Linux with a swift.org
// toolchain:
//
//     swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
//
// `Fuzz/run.sh TARGET SECONDS` does that and runs one target with its corpus and dictionary.
//
// Tools version 5.4 on purpose: from 5.5 on, SwiftPM renames an executable's entry point to
// `<Target>_main` and links `main` to it, but with -parse-as-library there is no such symbol:
// `main` comes from libFuzzer, which calls our `LLVMFuzzerTestOneInput`.

import PackageDescription

let package = Package(
    name: "XPCWireFuzz",
    dependencies: [
        // The repository root. `name:` keeps the product reference independent of the folder
        // the repository is cloned into (a path dependency is otherwise named after it).
        .package(name: "XPCWire", path: ".."),
        // FileDescriptor, for FuzzCodable's attachment fields (the version the root package pins).
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
    ],
    targets: [
        // msgpack-c, the reference MessagePack implementation FuzzDifferential compares against
        // (Debian: libmsgpack-dev).
        .systemLibrary(
            name: "CMsgPack",
            pkgConfig: "msgpack",
            providers: [.apt(["libmsgpack-dev"])]
        ),
        // The round-trip oracle the wire targets apply to every message they decode, and the
        // violation report all three use.
        .target(
            name: "FuzzSupport",
            dependencies: [.product(name: "XPCWire", package: "XPCWire")]
        ),
        .executableTarget(
            name: "FuzzDecode",
            dependencies: ["FuzzSupport", .product(name: "XPCWire", package: "XPCWire")]
        ),
        .executableTarget(
            name: "FuzzDifferential",
            dependencies: ["FuzzSupport", "CMsgPack", .product(name: "XPCWire", package: "XPCWire")]
        ),
        // Typed values: XPCDecoder's bytes path against its tree path, and the round trip.
        .executableTarget(
            name: "FuzzCodable",
            dependencies: [
                "FuzzSupport",
                .product(name: "XPCWire", package: "XPCWire"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
    ]
)
