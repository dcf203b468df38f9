import Foundation
import GaitCore
import GaitStore

/// `gait-bench import [LINES]`: parses and imports a generated prompts file of LINES lines
/// (default 100,000) into a fresh file workspace, and verifies the audit log afterwards.
@Sendable func importBenchmark(_ arguments: [String]) async throws {
    let lines = arguments.first.flatMap(Int.init) ?? 100_000
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gait-bench-import-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }

    var text = ""
    text.reserveCapacity(lines * 160)
    let genders = ["female", "male", "nonbinary"]
    let languages = ["en", "es", "fr"]
    for index in 0..<lines {
        text += #"{"id": "p\#(index)", "prompt": "Write a short answer to question number \#(index) about topic \#(index % 97).", "#
            + #""attributes": {"gender": "\#(genders[index % 3])", "language": "\#(languages[index % 3])"}, "scope": "s\#(index % 5)", "#
            + #""counterfactual_group": "g\#(index / 3)"}"# + "\n"
    }
    let data = Data(text.utf8)
    let (workspace, _) = try Workspace.initialize(path: directory.appendingPathComponent("w.sqlite").path)

    func cpu() -> Double { ProcessUsage.now().cpuSeconds }
    let cpuStart = cpu()
    let clock = ContinuousClock()
    let parseStart = clock.now
    let prompts = try PromptFile.parse(data, source: "bench.jsonl")
    let parsed = clock.now - parseStart
    let cpuParsed = cpu()
    let importStart = clock.now
    try workspace.importPrompts(prompts, into: "bench", source: "bench.jsonl")
    let imported = clock.now - importStart
    let cpuImported = cpu()
    let verifyStart = clock.now
    let report = try workspace.verify()
    let verified = clock.now - verifyStart

    func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
    let total = seconds(parsed) + seconds(imported)
    print("import: \(lines) prompts (\(data.count / 1_000_000) MB)")
    print(String(format: "  parse   %.3f s (CPU %.3f s)", seconds(parsed), cpuParsed - cpuStart))
    print(String(format: "  insert  %.3f s (CPU %.3f s)", seconds(imported), cpuImported - cpuParsed))
    print(String(format: "  total   %.3f s = %.0f prompts/s (target ≥ 50000)", total, Double(lines) / total))
    print(String(format: "  verify  %.3f s over %d rows (passed: %@)", seconds(verified), report.rows, report.passed ? "yes" : "no"))
}
