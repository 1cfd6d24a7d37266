import Foundation

// BenchmarkReport: the two steps of compare.sh around the benchmark run.
//
//   BenchmarkReport check OUT.tsv      verify every contestant on every corpus; exact allocations
//   BenchmarkReport report --check … --jmh … --out BENCHMARKS.md [--baseline …] [--results …]
//   BenchmarkReport run NAME-REGEX [COUNT]
//                                      run matching operations COUNT times each (default 1,000), for
//                                      `valgrind --tool=callgrind --toggle-collect='*measured*'`, whose
//                                      instruction counts do not depend on machine load

var arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "check":
        try runCheck(output: arguments.count > 1 ? arguments[1] : "check.tsv")
    case "run":
        try runOperations(matching: arguments.count > 1 ? arguments[1] : ".*", count: arguments.count > 2 ? Int(arguments[2]) ?? 1_000 : 1_000)
    case "report":
        arguments.removeFirst()
        var options: [String: String] = [:]
        var index = 0
        while index + 1 < arguments.count {
            options[arguments[index]] = arguments[index + 1]
            index += 2
        }
        try runReport(arguments: options)
    default:
        print("usage: BenchmarkReport check OUT.tsv | report --check FILE --jmh FILE --out FILE [options] | run NAME-REGEX [COUNT]")
        exit(2)
    }
} catch {
    print("error: \(error)")
    exit(1)
}
