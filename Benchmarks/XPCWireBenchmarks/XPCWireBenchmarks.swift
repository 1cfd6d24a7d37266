import Benchmark
import BenchmarkCorpora

// Every contestant on every corpus (see Sources/BenchmarkCorpora/Corpora.swift for the inputs and
// BENCHMARKS.md for the results). Names are `corpus/Contestant.direction`, so
// `swift package benchmark --filter 'rpc/.*'` runs one corpus and `--filter '.*XPCMessage.*'` one
// contestant. Run everything and regenerate BENCHMARKS.md with `./compare.sh`.

let benchmarks: @Sendable () -> Void = {
    registerTransportBenchmarks()   // transport/… (TransportBenchmarks.swift)
    registerSchemaBenchmarks()      // schema/… (SchemaBenchmarks.swift)
    let corpora: [Corpus]
    do {
        corpora = try Corpus.all()
    } catch {
        print("Cannot build the corpora: \(error)")
        return
    }
    func configuration(scalingFactor: Int) -> Benchmark.Configuration {
        Benchmark.Configuration(
            metrics: [.wallClock, .throughput, .mallocCountTotal, .mallocBytesCount],
            timeUnits: .nanoseconds,
            warmupIterations: 3,
            scalingFactor: BenchmarkScalingFactor(rawValue: scalingFactor) ?? .one,
            // Up to a second each: 10,000 samples of a sub-microsecond operation took 5 ms, a
            // window short enough to fall wholly inside a slow spell of the shared machine.
            maxDuration: .seconds(1),
            maxIterations: 200_000)
    }
    // What one sample costs with nothing in it; the report subtracts it from the others.
    for scalingFactor in Set(corpora.map(\.scalingFactor)).sorted() {
        Benchmark("overhead/x\(scalingFactor)", configuration: configuration(scalingFactor: scalingFactor)) { benchmark in
            for iteration in benchmark.scaledIterations {
                blackHole(iteration)
            }
        }
    }
    for corpus in corpora {
        let configuration = configuration(scalingFactor: corpus.scalingFactor)
        for operation in corpus.operations {
            Benchmark(operation.name, configuration: configuration) { benchmark in
                for _ in benchmark.scaledIterations {
                    try operation.run()
                }
            }
        }
    }
}
