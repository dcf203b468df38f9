// `swift run -c release gait-bench store-reports [--ratings N] [--db PATH] [--out DIR]`
//
// The reports end to end over a real workspace: builds (or reuses, with --db) a workspace file with N live
// ratings (default 1,000,000; see RatingsWorkspace), then writes the session, gate and bias reports from
// it as `gait report KIND` does (gathering from the store, HTML, XML and its schema validation, and the
// JUnit file for gate). Each report runs in a fresh child process (`gait-bench store-report KIND ...`), so
// the peak resident memory printed (getrusage ru_maxrss) is that report's alone, not the build's.
import Foundation
import GaitStore
import ReportGathering
import Reports

@Sendable func storeReportsBenchmark(_ arguments: [String]) async throws {
    let options = try BenchmarkOptions(arguments, allowed: ["--ratings", "--db", "--out"])
    let ratings = try options.positive("--ratings", default: 1_000_000)
    let database = options["--db"]
    let output = options["--out"]
    let scratch = FileManager.default.temporaryDirectory
        .appendingPathComponent("gait-store-reports-\(ProcessInfo.processInfo.processIdentifier)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let path = database ?? scratch.appendingPathComponent("bench.sqlite").path
    let folder = output ?? scratch.appendingPathComponent("out").path

    // Linux keeps a process's peak RSS across exec, and a child starts from a copy of its parent: so this
    // process stays small and the build, like each report, runs in a child of its own.
    if FileManager.default.fileExists(atPath: path) {
        print("reusing \(path)")
    } else {
        try runChild(["store-build", "--ratings", String(ratings), "--db", path])
    }
    for kind in ["session", "gate", "bias"] {
        try runChild(["store-report", kind, "--db", path, "--out", folder])
    }
}

/// Runs this benchmark executable with `arguments` and waits for it.
private func runChild(_ arguments: [String]) throws {
    fflush(nil)  // every output stream: this process's lines come before the child's
    let child = Process()
    child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    child.arguments = arguments
    try child.run()
    child.waitUntilExit()
    guard child.terminationStatus == 0 else {
        throw BenchmarkUsage("\(arguments.joined(separator: " ")) failed with status \(child.terminationStatus)")
    }
}

/// `gait-bench store-build --ratings N --db PATH`: writes the benchmark workspace.
@Sendable func storeBuildBenchmark(_ arguments: [String]) async throws {
    guard arguments.count == 4, arguments[0] == "--ratings", let ratings = Int(arguments[1]), arguments[2] == "--db" else {
        throw BenchmarkUsage("usage: store-build --ratings N --db PATH")
    }
    let path = arguments[3]
    let shape = RatingsWorkspace(ratings: ratings)
    print("building \(path): \(shape.prompts) prompts × \(shape.candidatesPerPrompt) candidates, "
        + "\(shape.items) items × \(shape.overlap) raters of \(shape.raters), sessions of \(shape.sessionSize)")
    let start = ContinuousClock.now
    try await shape.build(at: path)
    let counts = try Workspace.open(path: path).liveRatingCount()
    print(String(format: "built in %.1f s: %d live ratings, %d MB", seconds(ContinuousClock.now - start), counts,
                 fileMegabytes(path)))
}

/// `gait-bench store-report KIND --db PATH --out DIR`: one report from a workspace in this process; prints
/// its wall time, the bytes written and the process's peak resident memory.
@Sendable func storeReportBenchmark(_ arguments: [String]) async throws {
    guard arguments.count == 5, arguments[1] == "--db", arguments[3] == "--out" else {
        throw BenchmarkUsage("usage: store-report session|gate|bias --db PATH --out DIR")
    }
    let kind = arguments[0]
    let folder = URL(fileURLWithPath: arguments[4])
    let start = ContinuousClock.now
    let gatherer = ReportGatherer(workspace: try Workspace.open(path: arguments[2]), generator: "gait-bench")
    // Gathering computes everything but the rows that stream from cursors while the files are written.
    let write: () throws -> [URL]
    switch kind {
    case "session":
        let report = try gatherer.sessionReport()
        write = { try report.write(into: folder) }
    case "gate":
        let report = try gatherer.gateReport()
        write = { try report.write(into: folder, hostname: "bench") }
    case "bias":
        let report = try gatherer.biasReport()
        write = { try report.write(into: folder) }
    default: throw BenchmarkUsage("unknown report \(kind); use session, gate or bias")
    }
    let gathered = seconds(ContinuousClock.now - start)
    let files = try write()
    let elapsed = seconds(ContinuousClock.now - start)
    let bytes = files.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1.path)[.size] as? Int) ?? 0) }
    let usage = ProcessUsage.now()
    let cpu = usage.cpuSeconds
    print(String(format: "%@ %6.2f s wall (gather %.2f s, write %.2f s), %.2f s CPU  peak RSS %6.1f MB  %6.1f MB written (%@)",
                 kind.padding(toLength: 8, withPad: " ", startingAt: 0) as NSString, elapsed, gathered, elapsed - gathered, cpu,
                 Double(usage.peakResidentBytes) / 1_048_576, Double(bytes) / 1_048_576,
                 files.map(\.lastPathComponent).joined(separator: ", ") as NSString))
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

private func fileMegabytes(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) / 1_048_576
}

extension Workspace {
    /// Live ratings, for the benchmark's summary line.
    func liveRatingCount() throws -> Int {
        try writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM ratings WHERE retracted_at IS NULL") ?? 0 }
    }
}
