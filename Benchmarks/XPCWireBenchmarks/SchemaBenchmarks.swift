import Benchmark
import BenchmarkCorpora
import XPCWire

// Schema validation benchmarks (issue 9): `XPCSchema.validate` on the decoded `rpc` and `typed`
// messages, with schemas derived from their Codable types (`XPCSchema(for:)`). A service runs it
// on every message it receives, after decoding; BENCHMARKS.md compares it with that decode
// (`rpc/XPCMessage.decode`, `typed/XPCMessage.decode`).
//
//   swift package benchmark --filter 'schema/.*'

/// Registers the `schema/…` benchmarks.
func registerSchemaBenchmarks() {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 10,
        scalingFactor: .one,
        maxDuration: .seconds(1),
        maxIterations: 10_000)
    let cases: [(name: String, schema: XPCSchema, message: XPCMessage)]
    do {
        cases = [
            ("schema/XPCSchema.validate.rpc", try XPCSchema(for: RPCRequest.self), try XPCEncoder().encodeMessage(Corpora.makeRPC())),
            ("schema/XPCSchema.validate.typed", try XPCSchema(for: OrderRecord.self), try XPCEncoder().encodeMessage(Corpora.makeTyped())),
        ]
    } catch {
        print("Cannot derive the benchmark schemas: \(error)")
        return
    }
    for item in cases {
        // A benchmark of a schema that rejects its message would measure the error path.
        let violations = item.schema.validate(item.message)
        guard violations.isEmpty else {
            print("\(item.name): the message does not match its schema: \(violations)")
            continue
        }
        Benchmark(item.name, configuration: configuration) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(item.schema.validate(item.message))
            }
        }
    }
}
