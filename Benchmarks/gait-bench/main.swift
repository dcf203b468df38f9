// Release-build benchmarks: `swift run -c release gait-bench NAME [ARGS...]`.
// Each benchmark lives in its own file as a function registered here; it prints its rates
// (and the comparison the issue asks for) on stdout.
import Foundation

let benchmarks: [String: @Sendable ([String]) async throws -> Void] = [
    "import": importBenchmark,
    "verify": verifyBenchmark,
    "alpha": alphaBenchmark,
    "reports": runReportsBenchmark,
    "queue": queueBenchmark,
    "store-reports": storeReportsBenchmark,
    "store-report": storeReportBenchmark,
    "store-build": storeBuildBenchmark,
    "products": productsBenchmark,
]

let arguments = Array(CommandLine.arguments.dropFirst())
guard let name = arguments.first, let run = benchmarks[name] else {
    let names = benchmarks.keys.sorted().joined(separator: ", ")
    FileHandle.standardError.write(Data("usage: gait-bench NAME [ARGS...]; NAME is one of: \(names)\n".utf8))
    exit(64)
}
do {
    try await run(Array(arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
    exit(1)
}
