// swift-tools-version: 6.2
// XPCWire benchmarks (issue 6): its own package, so the main package and CI never build the
// benchmark dependencies or link msgpack-c. Run everything with `./compare.sh`.

import PackageDescription

let package = Package(
    name: "XPCWireBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "XPCWire", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        // Already a dependency of benchmark; named here so BenchmarkReport can read its counters.
        .package(url: "https://github.com/ordo-one/malloc-interposer.git", from: "1.6.1"),
    ],
    targets: [
        // msgpack-c, the C peer (Debian: libmsgpack-dev; pkg-config: msgpack; library: msgpackc).
        .systemLibrary(
            name: "CMsgPackBench",
            path: "CMsgPackBench",
            pkgConfig: "msgpack",
            providers: [.apt(["libmsgpack-dev", "pkg-config"])]
        ),
        // The corpora and every contestant's operations, shared by the benchmarks and the checker.
        .target(
            name: "BenchmarkCorpora",
            dependencies: [.product(name: "XPCWire", package: "XPCWire"), "CMsgPackBench"],
            path: "Sources/BenchmarkCorpora"
        ),
        // The benchmark suite the `swift package benchmark` plugin runs.
        .executableTarget(
            name: "XPCWireBenchmarks",
            dependencies: [
                "BenchmarkCorpora",
                "TransportFixtures",
                .product(name: "XPCWireTransport", package: "XPCWire"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "XPCWireBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Both sides of the transport comparisons: the transport and a bare socketpair.
        .target(
            name: "TransportFixtures",
            dependencies: [.product(name: "XPCWireTransport", package: "XPCWire")],
            path: "Sources/TransportFixtures"
        ),
        // Round trips through the transport in a plain process, for strace and perf, and the
        // paired comparison with raw that compare.sh reports.
        .executableTarget(
            name: "TransportProfile",
            dependencies: ["TransportFixtures", .product(name: "XPCWireTransport", package: "XPCWire")],
            path: "Sources/TransportProfile"
        ),
        // Correctness check, exact allocation counts, and the BENCHMARKS.md writer.
        .executableTarget(
            name: "BenchmarkReport",
            dependencies: [
                "BenchmarkCorpora",
                .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
            ],
            path: "Sources/BenchmarkReport"
        ),
    ],
    swiftLanguageModes: [.v6]
)
