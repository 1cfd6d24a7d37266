// FuzzCodable: arbitrary bytes as envelopes through XPCDecoder into typed values of four shapes,
// and through the tree path (XPCWireDecoder, then XPCDecoder on the message) beside it.
//
// The two paths must agree, decoding must fail only with DecodingError, and every decoded value
// must encode identically on both paths and round-trip to an equal value (FuzzCodableShapes.check,
// in FuzzCodableShapes.swift, which the test suite shares as a byte-for-byte copy). A broken
// property traps with the input in hex, so libFuzzer saves it.
//
// With XPCWIRE_FUZZ_WRITE_SEEDS=DIR in the environment, the binary writes the typed seeds
// (FuzzCodableShapes.seeds()) into DIR as NAME.bin and exits without fuzzing:
//
//     XPCWIRE_FUZZ_WRITE_SEEDS=Fuzz/Seeds/FuzzCodable Fuzz/.build/release/FuzzCodable

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCodable(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: start, count: count)
    let violations = FuzzCodableShapes.check(Array(input))
    if !violations.isEmpty {
        violation(violations.joined(separator: "\n"), input)
    }
    return 0
}

@_cdecl("LLVMFuzzerInitialize")
public func fuzzCodableInitialize(
    _ argc: UnsafeMutablePointer<CInt>?,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?
) -> CInt {
    guard let directory = ProcessInfo.processInfo.environment["XPCWIRE_FUZZ_WRITE_SEEDS"] else { return 0 }
    do {
        for (name, bytes) in try FuzzCodableShapes.seeds() {
            let path = URL(fileURLWithPath: directory).appendingPathComponent(name + ".bin")
            try Data(bytes).write(to: path)
            print("wrote \(path.path) (\(bytes.count) bytes)")
        }
    } catch {
        print("error: cannot write the seeds into \(directory): \(error)")
        exit(1)
    }
    exit(0)
}
