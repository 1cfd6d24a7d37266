import BenchmarkCorpora
import Foundation
import MallocInterposerSwift
import XPCWire

// `check`: verifies that every contestant round-trips every corpus, then measures each
// operation's exact allocations (one operation after two warm-up runs, outside the benchmark
// harness, so no per-sample overhead) and its peak live heap above the starting point.
// Must run with the malloc interposer preloaded (compare.sh does this); without it the
// allocation columns are reported as unmeasured.

/// Live heap bytes at the highest point since the last reset; updated by the allocation hook.
nonisolated(unsafe) var peakLiveBytes = 0

/// Called by the interposer after each counted allocation; allocates nothing itself.
let trackPeak: MallocInterposerSwift.AllocationHook = { _ in
    let statistics = MallocInterposerSwift.getStatistics()
    let live = statistics.mallocBytesCount - statistics.freeBytesCount
    if live > peakLiveBytes { peakLiveBytes = live }
}

struct AllocationProfile {
    var mallocs: Int
    var bytes: Int
    var peak: Int
}

/// Measures one run of `body`; `nil` when the interposer is not preloaded.
func profile(_ body: () throws -> Void) rethrows -> AllocationProfile? {
    MallocInterposerSwift.initialize()
    peakLiveBytes = 0
    MallocInterposerSwift.setAllocationHook(trackPeak)
    MallocInterposerSwift.hook()
    try body()
    MallocInterposerSwift.unhook()
    MallocInterposerSwift.setAllocationHook(nil)
    let statistics = MallocInterposerSwift.getStatistics()
    return AllocationProfile(mallocs: statistics.mallocCount, bytes: statistics.mallocBytesCount, peak: peakLiveBytes)
}

/// `true` when allocations are being counted (the interposer is preloaded).
func interposerIsActive() -> Bool {
    let profile = profile {
        let array = [Int](repeating: 7, count: 1_000)
        sink(array)
    }
    return (profile?.mallocs ?? 0) > 0
}

func runCheck(output: String) throws {
    let corpora = try Corpus.all()
    let measuring = interposerIsActive()
    if !measuring {
        print("warning: the malloc interposer is not preloaded; allocations are not measured")
    }
    var lines = [
        "# written by BenchmarkReport check; read by BenchmarkReport report",
        "layout\tXPCMessage\t\(MemoryLayout<XPCMessage>.stride)",
        "layout\tXPCDictionary.Element\t\(MemoryLayout<XPCDictionary.Element>.stride)",
        "msgpack-c\t\(MsgPackC.version)",
    ]
    for corpus in corpora {
        try corpus.verify()
        lines.append([
            "corpus", corpus.name, corpus.summary, "\(corpus.scalingFactor)", "\(corpus.envelope.count)",
            "\(corpus.body.count)", "\(corpus.msgpackCBytes.count)", "\(corpus.jsonBytes.count)", "\(corpus.plistBytes.count)",
        ].joined(separator: "\t"))
        for operation in corpus.operations {
            try operation.run()
            try operation.run()
            let measured = measuring ? try profile(operation.run) : nil
            lines.append([
                "operation", operation.name,
                measured.map { "\($0.mallocs)" } ?? "-",
                measured.map { "\($0.bytes)" } ?? "-",
                measured.map { "\($0.peak)" } ?? "-",
            ].joined(separator: "\t"))
        }
        print("\(corpus.name): all contestants round-trip (\(corpus.envelope.count) envelope bytes)")
    }
    // Hostile input for the memory target: 256 nested array32 headers, each claiming as many
    // elements as the bytes left could hold, in a 1 MiB body (the fuzzing suite's nested claims).
    let hostile = nestedClaims()
    let hostileProfile = measuring ? profile { sink(try? XPCWireDecoder().decodeBody(hostile)) } : nil
    lines.append(["hostile", "256 nested array32 claims in a 1 MiB body", "\(hostile.count)",
                  hostileProfile.map { "\($0.peak)" } ?? "-"].joined(separator: "\t"))
    try (lines.joined(separator: "\n") + "\n").write(toFile: output, atomically: true, encoding: .utf8)
}

/// 256 levels of `dd` + a count as large as the rest of the 1 MiB body, then nulls.
func nestedClaims() -> [UInt8] {
    let total = 1 << 20
    var body: [UInt8] = []
    for level in 0..<256 {
        body.append(0xdd)
        withUnsafeBytes(of: UInt32(total - (level + 1) * 5).bigEndian) { body.append(contentsOf: $0) }
    }
    return body + [UInt8](repeating: 0xc0, count: total - body.count)
}

// MARK: - run

/// Runs each operation whose name matches `pattern` `count` times inside `measured`, so that
/// `valgrind --tool=callgrind --toggle-collect='*measured*'` counts only the operations.
func runOperations(matching pattern: String, count: Int) throws {
    let expression = try NSRegularExpression(pattern: "^(\(pattern))$")
    for corpus in try Corpus.all() {
        for operation in corpus.operations {
            let range = NSRange(operation.name.startIndex..., in: operation.name)
            guard expression.firstMatch(in: operation.name, range: range) != nil else { continue }
            try operation.run()
            try measured(operation, count: count)
            print("\(operation.name): ran \(count) times")
        }
    }
}

@inline(never)
func measured(_ operation: CorpusOperation, count: Int) throws {
    for _ in 0..<count { try operation.run() }
}
