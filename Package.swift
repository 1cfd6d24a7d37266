// swift-tools-version: 6.2
// XPCWire — a versioned, documented binary wire format for the XPC message model.

import PackageDescription

let package = Package(
    name: "XPCWire",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "XPCWire", targets: ["XPCWire"]),
        .library(name: "XPCWireTransport", targets: ["XPCWireTransport"]),
        .executable(name: "xpcwire", targets: ["XPCWireCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        .target(
            name: "XPCWire",
            dependencies: [.product(name: "SystemPackage", package: "swift-system")]
        ),
        .target(name: "CXPCWireTransportShim"),
        .target(
            name: "XPCWireTransport",
            dependencies: [
                "XPCWire",
                "CXPCWireTransportShim",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .executableTarget(
            name: "XPCWireCLI",
            dependencies: [
                "XPCWire",
                "XPCWireTransport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "XPCWireTests",
            dependencies: [
                "XPCWire",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            resources: []
        ),
        // msgpack-c, for the interop tests only (Debian libmsgpack-dev); the library never links it.
        .systemLibrary(
            name: "CMsgPack",
            pkgConfig: "msgpack",
            providers: [.apt(["libmsgpack-dev"])]
        ),
        .testTarget(
            name: "XPCWireInteropTests",
            dependencies: ["XPCWire", "CMsgPack"]
        ),
        .testTarget(
            name: "XPCWireTransportTests",
            dependencies: [
                "XPCWire",
                "XPCWireTransport",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
